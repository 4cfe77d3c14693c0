"""Sales-email accuracy: the `sales-email` policy's checks and triage over labelled outputs.

Each row holds an output (`text`), optional request `metadata`, optionally a `tool_call`
({name, arguments}), and the decision the policy must give (`expect`). A row is judged the
way the guard judges a candidate: the content and the tool call's arguments (as the JSON
string an upstream sends) are checked as separate parts with the same context, and triage
sees the findings of both. Prints accuracy per class and overall, then every miss.

    python bench/sales_accuracy.py [PATH ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED_SET = ROOT / "tests" / "data" / "eval" / "sales_dev.jsonl"  # a copy of ../shared/eval/sales_dev.jsonl
OWN_SET = ROOT / "tests" / "data" / "sales_email_dev.jsonl"
EXTRA_SET = ROOT / "tests" / "data" / "sales_email_extra.jsonl"  # written by the compliance engineer
POLICY = "sales-email"


@dataclass(frozen=True)
class Miss:
    id: str
    cls: str
    expect: str
    got: str
    rules: list[str]
    text: str


@dataclass
class Report:
    """Rows per class and the rows judged right, plus every miss."""

    name: str
    total: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(self.right.values()) / max(1, sum(self.total.values()))

    def lines(self) -> list[str]:
        out = [f"{self.name}: {sum(self.right.values())}/{sum(self.total.values())} = {self.accuracy:.3f}"]
        out += [f"  {cls:<14} {self.right[cls]:>3}/{n:<3} {self.right[cls] / n:.3f}" for cls, n in sorted(self.total.items())]
        out += [f"  MISS {m.id} [{m.cls}] expect {m.expect} got {m.got} rules={m.rules}: {m.text[:110]!r}" for m in self.misses]
        return out


def row_parts(row: dict[str, Any]) -> list[str]:
    """The texts the guard would check for this row: content, then tool-call arguments as JSON."""
    parts = [str(row.get("text") or "")]
    call = row.get("tool_call")
    if call:
        arguments = call.get("arguments")
        parts.append(arguments if isinstance(arguments, str) else json.dumps(arguments))
    return parts


def evaluate(path: Path, loaded: Any = None) -> Report:
    from checks.registry import discover
    from checks.resources import Resources
    from checks.types import CheckContext
    from proxy.policy import load_policy, shipped_policies_dir
    from proxy.review.triage import triage

    if loaded is None:
        loaded = load_policy(shipped_policies_dir() / f"{POLICY}.yaml", discover(), Resources())
    report = Report(path.name)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        metadata = row.get("metadata") or {}
        context = CheckContext(metadata=metadata)
        findings = [f for part in row_parts(row) for f in loaded.suite.run(part, context)]
        got = triage(loaded.policy, findings, metadata).action
        cls = row.get("class", "all")
        report.total[cls] += 1
        if got == row["expect"]:
            report.right[cls] += 1
        else:
            report.misses.append(Miss(row["id"], cls, row["expect"], got, sorted({f.rule for f in findings}), row["text"]))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, default=[SHARED_SET, OWN_SET, EXTRA_SET])
    args = parser.parse_args()
    from checks.registry import discover
    from checks.resources import Resources
    from proxy.policy import load_policy, shipped_policies_dir

    loaded = load_policy(shipped_policies_dir() / f"{POLICY}.yaml", discover(), Resources())
    for path in args.paths:
        print("\n".join(evaluate(path, loaded).lines()))


if __name__ == "__main__":
    main()
