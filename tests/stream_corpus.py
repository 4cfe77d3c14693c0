"""The texts the streaming tests replay: every labelled eval set, the sales sets, the PII tables
and each shipped policy's playbook, one text at a time and stitched into longer replies (a
few rows as paragraphs of one message), where names and figures recur across paragraphs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from policies import __file__ as policies_init

DATA = Path(__file__).parent / "data"
PII_SETS = ["pii_dev", "pii_wild_dev", "pii_wild_dev2", "pii_holdout"]
SALES_SETS = [DATA / "eval" / "sales_dev.jsonl", DATA / "eval" / "sales_holdout.jsonl",
              DATA / "sales_email_dev.jsonl", DATA / "sales_email_extra.jsonl"]
PER_REPLY = 6  # rows stitched into one longer reply


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _stitched(texts: list[str], name: str) -> list[tuple[str, str]]:
    return [(f"{name}+{i}", "\n\n".join(texts[i : i + PER_REPLY])) for i in range(0, len(texts), PER_REPLY)]


def pii_texts(sets: list[str] | None = None, tables: bool = True) -> list[tuple[str, str]]:
    """(id, text) for the default policy: the PII eval `sets` alone and stitched, and the PII
    tables' texts (a caller may take them a part at a time)."""
    out: list[tuple[str, str]] = []
    for name in PII_SETS if sets is None else sets:
        rows = _jsonl(DATA / "eval" / f"{name}.jsonl")
        out += [(f"{name}:{r['id']}", r["text"]) for r in rows]
        out += _stitched([r["text"] for r in rows], name)
    for table in sorted((DATA / "pii_tables").glob("*.yaml")) if tables else []:
        data = yaml.safe_load(table.read_text())
        texts = [row[0] for row in data["found"]] + list(data["not_found"])
        out += [(f"{table.stem}:{i}", t) for i, t in enumerate(texts)]
    return out


def sales_texts() -> list[tuple[str, str, dict[str, Any]]]:
    """(id, text, metadata) for the sales policies: the sales sets, alone and stitched."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for path in SALES_SETS:
        rows = [r for r in _jsonl(path) if r.get("text")]
        out += [(f"{path.stem}:{r['id']}", r["text"], r.get("metadata") or {}) for r in rows]
        out += [(i, t, {}) for i, t in _stitched([r["text"] for r in rows], path.stem)]
    return out


def playbook_texts() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(policy, id, text, metadata) of every shipped policy's playbook."""
    out = []
    for path in sorted(Path(policies_init).parent.glob("*.yaml")):
        policy = yaml.safe_load(path.read_text())
        out += [(policy["name"], f"{policy['name']}:{i}", ex["text"], ex.get("metadata") or {})
                for i, ex in enumerate(policy.get("playbook") or [])]
    return out
