"""Export formats: how one preference record becomes rows, and how rows reach a file.

- `trl`: TRL's conversational preference data: `prompt` a list of messages, `chosen` and
  `rejected` each a one-message assistant list.
- `openai-dpo`: OpenAI preference fine-tuning: `input.messages`, `preferred_output`,
  `non_preferred_output`, each output exactly one assistant message.
- `hh`: Anthropic HH strings: the conversation as `\\n\\nHuman:`/`\\n\\nAssistant:` turns, ending
  in the chosen (or rejected) reply.
- `kto`: TRL's unpaired preference data: `prompt`, `completion`, `label`; a pair gives a
  good and a bad row, an unpaired record one row.
- `jsonl` and `parquet`: the full record, every field.

The first three take pairs only; unpaired records are skipped (and counted) there.
Writers take one row at a time; the Parquet writer keeps one row group in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from review_ui.prefs.records import Message, PrefRecord

Row = dict[str, Any]
ROW_GROUP = 2_000


def _assistant(text: str | None) -> list[Message]:
    return [{"role": "assistant", "content": text or ""}]


def trl(r: PrefRecord) -> list[Row]:
    return [{"prompt": r.prompt, "chosen": _assistant(r.chosen), "rejected": _assistant(r.rejected)}]


def openai_dpo(r: PrefRecord) -> list[Row]:
    return [{"input": {"messages": r.prompt}, "preferred_output": _assistant(r.chosen),
             "non_preferred_output": _assistant(r.rejected)}]


def hh_dialogue(prompt: list[Message]) -> str:
    """The conversation in HH's turn syntax; system text opens the first Human turn."""
    out, system = "", ""
    for m in prompt:
        if m["role"] == "system":
            system += m["content"] + "\n"
        elif m["role"] == "assistant":
            out += f"\n\nAssistant: {m['content']}"
        else:
            out += f"\n\nHuman: {system}{m['content']}"
            system = ""
    return out


def hh(r: PrefRecord) -> list[Row]:
    dialogue = hh_dialogue(r.prompt)
    return [{"chosen": f"{dialogue}\n\nAssistant: {r.chosen}", "rejected": f"{dialogue}\n\nAssistant: {r.rejected}"}]


def kto(r: PrefRecord) -> list[Row]:
    rows = []
    if r.chosen is not None:
        rows.append({"prompt": r.prompt, "completion": _assistant(r.chosen), "label": True})
    if r.rejected is not None:
        rows.append({"prompt": r.prompt, "completion": _assistant(r.rejected), "label": False})
    return rows


def full(r: PrefRecord) -> list[Row]:
    row = asdict(r)
    for key in ("requested_at", "held_at", "decided_at"):
        row[key] = row[key].isoformat()
    row["kind"] = "pair" if r.paired else "unpaired"
    return [row]


SHAPES: dict[str, Callable[[PrefRecord], list[Row]]] = {
    "trl": trl, "openai-dpo": openai_dpo, "hh": hh, "kto": kto, "jsonl": full, "parquet": full}
PAIRS_ONLY = frozenset({"trl", "openai-dpo", "hh"})
FORMATS = tuple(SHAPES)


class Writer(Protocol):
    def write(self, row: Row) -> None: ...
    def close(self) -> None: ...


class JsonlWriter:
    def __init__(self, path: Path) -> None:
        self._file = path.open("w", encoding="utf-8")

    def write(self, row: Row) -> None:
        self._file.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._file.close()


_MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
_FINDINGS = pa.list_(pa.struct([("check", pa.string()), ("rule", pa.string()), ("severity", pa.string()),
                                ("action", pa.string())]))
PARQUET_SCHEMA = pa.schema([
    ("kind", pa.string()), ("source", pa.string()), ("prompt", _MESSAGES), ("chosen", pa.string()),
    ("rejected", pa.string()), ("reason_code", pa.string()), ("policy", pa.string()), ("app", pa.string()),
    ("findings", _FINDINGS), ("reviewers", pa.list_(pa.int64())), ("agreement", pa.float64()),
    ("requested_at", pa.string()), ("held_at", pa.string()), ("decided_at", pa.string()),
    ("interaction_id", pa.int64()), ("review_id", pa.int64()), ("prompt_hash", pa.string()), ("split", pa.string()),
    ("adjudicated", pa.bool_()),
])


class ParquetWriter:
    """The full record under a fixed schema, flushed every `ROW_GROUP` rows."""

    def __init__(self, path: Path) -> None:
        self._writer = pq.ParquetWriter(str(path), PARQUET_SCHEMA)
        self._rows: list[Row] = []

    def write(self, row: Row) -> None:
        self._rows.append(row)
        if len(self._rows) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=PARQUET_SCHEMA))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


def open_writer(fmt: str, path: Path) -> Writer:
    return ParquetWriter(path) if fmt == "parquet" else JsonlWriter(path)

