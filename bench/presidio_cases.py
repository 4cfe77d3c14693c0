"""presidio-analyzer's own recognizer test cases, run through stock presidio and loopguard's `pii` check.

The cases (tests/data/presidio_cases.jsonl, taken from presidio's public `tests/`; see
tests/data/README.md) say, for one text and one entity, which spans a recognizer should
find. Both guards run on the whole text; only their detections of the case's entity count.

- stock presidio: `bench.pii_accuracy.stock_analyzer()` at the same threshold as the PII
  benchmark (AnalyzerEngine, en_core_web_sm, offline email check, score >= 0.4);
- loopguard: `PiiCheck(PiiConfig(), Resources())`, the `pii` check as a policy runs it.

A case passes when the detected spans equal the expected spans (when presidio's test gives
only a number of results, when the number of detections equals it). "overlap" is looser:
every expected span overlaps a detection and every detection overlaps an expected span.

    python bench/presidio_cases.py [--failures loopguard|stock|both]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checks.resources import Resources

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CASES = ROOT / "tests" / "data" / "presidio_cases.jsonl"

Span = tuple[int, int]
Detection = tuple[str, int, int]  # entity, start, end
Detector = Callable[[list[str]], list[list[Detection]]]  # texts in, detections per text out
COVER_SLACK = 5  # presidio's "full name complex" test: all but fewer than 5 characters covered


@dataclass(frozen=True)
class Case:
    """One row of presidio's tables: a text, an entity, and what the recognizer should find.

    `spans` is None when presidio's test asserts only the number of results (`count`).
    `match` is "exact" (the spans themselves) or "cover" (the detections cover the expected
    span but for a few characters, as presidio's test for a three-word name asks).
    """

    source: str
    entity: str
    text: str
    count: int
    spans: tuple[Span, ...] | None
    match: str = "exact"
    note: str = ""


@dataclass
class Outcome:
    """What one guard found for one case, and whether that passes."""

    case: Case
    found: list[Span]
    exact: bool
    overlap: bool


@dataclass
class Tally:
    cases: int = 0
    exact: int = 0
    overlap: int = 0


def load_cases(path: Path = CASES) -> list[Case]:
    cases = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        spans = tuple((s, e) for s, e in row["spans"]) if row["spans"] is not None else None
        cases.append(Case(row["source"], row["entity"], row["text"], row["count"], spans,
                          row.get("match", "exact"), row.get("note", "")))
    return cases


def exact_match(case: Case, found: list[Span]) -> bool:
    if case.spans is None:
        return len(found) == case.count
    if case.match == "cover":
        return uncovered(case.spans, found) < COVER_SLACK
    return sorted(found) == sorted(case.spans)


def overlap_match(case: Case, found: list[Span]) -> bool:
    if case.spans is None:
        return len(found) == case.count
    return (all(any(_overlaps(e, f) for f in found) for e in case.spans)
            and all(any(_overlaps(f, e) for e in case.spans) for f in found))


def uncovered(expected: Iterable[Span], found: list[Span]) -> int:
    """Characters of the expected spans that no detection covers."""
    return sum(1 for s, e in expected for i in range(s, e) if not any(fs <= i < fe for fs, fe in found))


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def run(cases: list[Case], detect: Detector) -> list[Outcome]:
    outcomes = []
    for case, detections in zip(cases, detect([c.text for c in cases]), strict=True):
        found = sorted((s, e) for entity, s, e in detections if entity == case.entity)
        outcomes.append(Outcome(case, found, exact_match(case, found), overlap_match(case, found)))
    return outcomes


def tally(outcomes: list[Outcome]) -> dict[str, Tally]:
    """Cases, exact passes and overlap passes per entity."""
    by_entity: dict[str, Tally] = {}
    for o in outcomes:
        t = by_entity.setdefault(o.case.entity, Tally())
        t.cases += 1
        t.exact += o.exact
        t.overlap += o.overlap
    return by_entity


def stock_detector() -> Detector:
    """Stock presidio, configured as in the PII accuracy benchmark.

    The texts go through presidio's batch engine: spaCy's full pipeline is most of stock's
    time, and `nlp.pipe` halves it; the results are the same as one `analyze` per text.
    """
    from presidio_analyzer import BatchAnalyzerEngine

    from bench.pii_accuracy import STOCK_ENTITIES, STOCK_THRESHOLD, stock_analyzer

    analyzer = stock_analyzer()
    foreign = [type(r).__name__ for r in analyzer.registry.recognizers if not type(r).__module__.startswith("presidio_")]
    if foreign:  # the baseline would silently be loopguard's own recognizers
        raise RuntimeError(f"stock presidio was built with recognizers from outside presidio: {foreign}")
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)

    def detect(texts: list[str]) -> list[list[Detection]]:
        results = batch.analyze_iterator(
            texts, language="en", batch_size=64, entities=STOCK_ENTITIES, score_threshold=STOCK_THRESHOLD
        )
        return [[(r.entity_type, r.start, r.end) for r in per_text] for per_text in results]

    return detect


def loopguard_detector(resources: Resources | None = None) -> Detector:
    """loopguard's `pii` check with its default config (every entity masked)."""
    from checks.pii import PiiCheck, PiiConfig
    from checks.resources import Resources
    from checks.types import CheckContext

    check = PiiCheck(PiiConfig(), resources or Resources())
    context = CheckContext()

    def detect(texts: list[str]) -> list[list[Detection]]:
        return [[(f.rule, f.start, f.end) for f in check.run(text, context) if f.start is not None and f.end is not None]
                for text in texts]

    return detect


def print_table(stock: dict[str, Tally], ours: dict[str, Tally]) -> None:
    print(f"{'entity':<14}{'cases':>7}{'stock':>8}{'loopguard':>11}{'stock~':>9}{'loopguard~':>12}")
    totals = [Tally(), Tally()]
    for entity in sorted(stock):
        s, o = stock[entity], ours[entity]
        print(f"{entity:<14}{s.cases:>7}{s.exact:>8}{o.exact:>11}{s.overlap:>9}{o.overlap:>12}")
        for total, t in zip(totals, (s, o), strict=True):
            total.cases += t.cases
            total.exact += t.exact
            total.overlap += t.overlap
    s, o = totals
    print(f"{'ALL':<14}{s.cases:>7}{s.exact:>8}{o.exact:>11}{s.overlap:>9}{o.overlap:>12}")
    print("(stock / loopguard: exact span passes; ~: overlap passes)")


def print_failures(name: str, outcomes: list[Outcome]) -> None:
    failed = [o for o in outcomes if not o.exact]
    print(f"\n{name} failures: {len(failed)}")
    for entity in sorted({o.case.entity for o in failed}):
        print(f"\n  {entity}")
        for o in (o for o in failed if o.case.entity == entity):
            expected = list(o.case.spans) if o.case.spans is not None else f"{o.case.count} result(s)"
            got = [f"{s}-{e} {o.case.text[s:e]!r}" for s, e in o.found]
            print(f"    {o.case.text!r}\n      expected {expected}, got {got or 'nothing'}"
                  f"{'  (overlap ok)' if o.overlap else ''}  [{o.case.source}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--failures", choices=["loopguard", "stock", "both"], default="loopguard")
    args = parser.parse_args()
    cases = load_cases(args.cases)
    stock = run(cases, stock_detector())
    ours = run(cases, loopguard_detector())
    print(f"presidio recognizer test cases: {len(cases)} from {args.cases.name}\n")
    print_table(tally(stock), tally(ours))
    if args.failures in ("stock", "both"):
        print_failures("stock presidio", stock)
    if args.failures in ("loopguard", "both"):
        print_failures("loopguard", ours)


if __name__ == "__main__":
    main()
