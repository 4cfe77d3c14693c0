"""Exporting preference data: select, mask, split, shape, and write to a file that appears
only when complete.

Rows are written as they are made (one batch of items and one Parquet row group in memory at
most) to a temporary name beside the target, renamed onto it at the end; a failure or an
empty result removes the temporary file and leaves nothing under the final name. The
train/test split is by a digest of the prompt, so a conversation is on one side only, and
the same data always splits the same way. An overlap item still collecting its independent
decisions, or whose reviewers disagree with no lead's ruling yet, is left out and counted
in the summary (`review_ui.overlap.unsettled`).
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from proxy.store.database import Store
from review_ui import overlap
from review_ui.prefs import formats, source
from review_ui.prefs.masking import Masker
from review_ui.prefs.records import PrefRecord, records_for

NO_SIGNAL = "decision gives no preference (approved as sent)"


class ExportError(Exception):
    """An export that cannot be made; the message says why in one line."""


@dataclass(frozen=True)
class Selection:
    """Which records to keep, besides the item filters of `source.Filters`."""

    filters: source.Filters = field(default_factory=source.Filters)
    reason: str | None = None
    min_agreement: float | None = None
    test_fraction: float = 0.0
    mask: bool = True


@dataclass
class Summary:
    written: Counter[str] = field(default_factory=Counter)  # rows per split
    skipped: Counter[str] = field(default_factory=Counter)  # records (or items) left out, by why
    items: int = 0
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.written.values())


def in_test(prompt_hash: str, fraction: float) -> bool:
    """True for the `fraction` of prompts (by digest) that form the test split."""
    return int(prompt_hash[:16], 16) / 16**16 < fraction


def test_path(out: Path) -> Path:
    """`prefs.jsonl` -> `prefs.test.jsonl`: where the test split goes."""
    return out.with_name(f"{out.stem}.test{out.suffix}")


def select(decided: Iterable[source.Decided], selection: Selection, masker: Masker | None, fmt: str,
           summary: Summary, progress: Callable[[int], None] | None = None) -> Iterator[PrefRecord]:
    """The records of `decided` that pass the selection, split and (unless told not to) masked."""
    for d in decided:
        summary.items += 1
        if progress:
            progress(1)
        unsettled = overlap.unsettled(d.item, d.decisions)
        if unsettled:
            summary.skipped[unsettled] += 1
            continue
        records = records_for(d.item, d.interaction, d.decisions, d.app)
        if not records:
            summary.skipped[NO_SIGNAL] += 1
        for r in records:
            why = _left_out(r, selection, fmt)
            if why:
                summary.skipped[why] += 1
                continue
            r = replace(r, split="test" if in_test(r.prompt_hash, selection.test_fraction) else "train")
            if masker is not None and selection.mask:
                r = masker.record(r)
                if r.paired and r.chosen == r.rejected:
                    summary.skipped["chosen and rejected differ only in personal data"] += 1
                    continue
            yield r


def _left_out(r: PrefRecord, selection: Selection, fmt: str) -> str | None:
    if selection.reason and r.reason_code != selection.reason:
        return f"reason code is not {selection.reason}"
    if selection.min_agreement is not None:
        if r.agreement is None:
            return "agreement unknown (one reviewer)"
        if r.agreement < selection.min_agreement:
            return f"agreement below {selection.min_agreement:g}"
    if fmt in formats.PAIRS_ONLY and not r.paired:
        return "unpaired (use --format kto, jsonl or parquet)"
    return None


def write(store: Store, fmt: str, out: Path, selection: Selection, masker: Masker | None,
          progress: Callable[[int], None] | None = None) -> Summary:
    """Writes the export to `out` (and the test split beside it); ExportError when it cannot."""
    if fmt not in formats.SHAPES:
        raise ExportError(f"unknown format {fmt!r}; use one of: {', '.join(formats.FORMATS)}")
    if selection.mask and masker is None:
        raise ExportError("masking needs the policies' PII checks")
    targets = {"train": out, **({"test": test_path(out)} if selection.test_fraction > 0 else {})}
    temps = {split: path.with_name(f".{path.name}.part-{os.getpid()}") for split, path in targets.items()}
    summary = Summary(paths=targets)
    try:
        with contextlib.ExitStack() as stack:
            writers = {split: stack.enter_context(contextlib.closing(_open(fmt, temp, targets[split])))
                       for split, temp in temps.items()}
            shape = formats.SHAPES[fmt]
            for record in select(source.stream(store, selection.filters), selection, masker, fmt, summary, progress):
                split = record.split if record.split in writers else "train"
                for row in shape(record):
                    writers[split].write(row)
                    summary.written[split] += 1
        if not summary.rows:
            raise ExportError(f"nothing to export: {summary.items} decided items matched, no records passed"
                              + (f" ({_why(summary)})" if summary.skipped else ""))
        for split, temp in temps.items():
            os.replace(temp, targets[split])
    finally:
        for temp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    return summary


def page(store: Store, fmt: str, selection: Selection, masker: Masker, after: int = 0,
         limit: int = 100) -> tuple[list[formats.Row], int | None]:
    """Rows for one page of the JSON API: whole items from review id `after` on, until at
    least `limit` rows (an item's rows are never split across pages), and the cursor of
    the next page (None at the end). Always masked."""
    if fmt not in formats.SHAPES or fmt == "parquet":
        raise ExportError(f"unknown format {fmt!r} for the JSON API; use one of: "
                          f"{', '.join(f for f in formats.FORMATS if f != 'parquet')}")
    rows: list[formats.Row] = []
    summary = Summary()
    while len(rows) < limit:
        decided = source.batch(store, selection.filters, after, min(limit, source.BATCH))
        if not decided:
            return rows, None
        for d in decided:
            for record in select([d], replace(selection, mask=True), masker, fmt, summary):
                rows.extend(formats.SHAPES[fmt](record))
            after = d.item.id or after
            if len(rows) >= limit:
                break
    return rows, after


def _open(fmt: str, temp: Path, target: Path) -> formats.Writer:
    try:
        return formats.open_writer(fmt, temp)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc


def _why(summary: Summary) -> str:
    return "; ".join(f"{n} {why}" for why, n in summary.skipped.most_common())
