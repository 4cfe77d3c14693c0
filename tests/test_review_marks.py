"""Finding spans cut into marked runs (nested, overlapping, inserted, out of range), and the
word-level diff of an edit: tables of (input, expected)."""

from __future__ import annotations

from typing import Any

import pytest

from review_ui.diff import Piece, pieces
from review_ui.highlight import Mark, runs


def mark(n: int, start: int | None, end: int | None, severity: str = "medium") -> Mark:
    f: dict[str, Any] = {"check": "c", "rule": f"r{n}", "severity": severity, "action": "hold", "start": start, "end": end}
    return Mark.from_finding(n, f)


TEXT = "Call 415-555-0147 at 12 Oak St"
RUNS = [
    pytest.param([], [("Call 415-555-0147 at 12 Oak St", (), "", (), ())], id="no findings"),
    pytest.param([mark(1, 5, 17)],
                 [("Call ", (), "", (), ()), ("415-555-0147", (1,), "medium", (1,), ()), (" at 12 Oak St", (), "", (), ())],
                 id="one span"),
    pytest.param([mark(1, 5, 30, "high"), mark(2, 5, 17, "low")],
                 [("Call ", (), "", (), ()), ("415-555-0147", (1, 2), "high", (2,), ()),
                  (" at 12 Oak St", (1,), "high", (1,), ())], id="nested: strongest severity, both numbered"),
    pytest.param([mark(1, 0, 4), mark(2, 2, 10)],
                 [("Ca", (1,), "medium", (), ()), ("ll", (1, 2), "medium", (1,), ()), (" 415-5", (2,), "medium", (2,), ()),
                  ("55-0147 at 12 Oak St", (), "", (), ())], id="overlapping"),
    pytest.param([mark(1, 30, 30)], [(TEXT, (), "", (), ()), ("", (), "", (), (1,))], id="insertion at the end"),
    pytest.param([mark(1, None, None), mark(2, 25, 99)], [(TEXT, (), "", (), ())], id="no span or out of range: unmarked"),
]


@pytest.mark.parametrize(("marks", "expected"), RUNS)
def test_runs(marks: list[Mark], expected: list[tuple[str, tuple[int, ...], str, tuple[int, ...], tuple[int, ...]]]) -> None:
    assert [(r.text, r.marks, r.severity, r.ends, r.inserts) for r in runs(TEXT, marks)] == expected
    assert "".join(r.text for r in runs(TEXT, marks)) == TEXT


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("We offer 30% off.", "We offer 15% off.",
     [Piece("same", "We offer "), Piece("removed", "30"), Piece("added", "15"), Piece("same", "% off.")]),
    ("Same text.", "Same text.", [Piece("same", "Same text.")]),
    ("", "New.", [Piece("added", "New.")]),
    ("Write to a@b.co now", "Write now",
     [Piece("same", "Write "), Piece("removed", "to a@b.co "), Piece("same", "now")]),
])
def test_pieces(before: str, after: str, expected: list[Piece]) -> None:
    assert pieces(before, after) == expected
