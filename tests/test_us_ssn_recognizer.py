"""The US_SSN recognizer alone: (text, expected spans and scores), presidio's own cases first."""

from __future__ import annotations

import pytest

from checks.recognizers.us_ssn import UsSsnRecognizer


@pytest.fixture(scope="module")
def recognizer() -> UsSsnRecognizer:
    return UsSsnRecognizer()


@pytest.mark.parametrize(("text", "expected"), [
    # presidio-analyzer's tests/test_us_ssn_recognizer.py
    ("078051121", [(0, 9, 0.3)]),
    ("078-05-1123", [(0, 11, 0.5)]),
    ("078.05.1123", [(0, 11, 0.5)]),
    ("078 05 1123", [(0, 11, 0.5)]),
    ("0780511201", []),
    ("078051120", []),
    ("000000000", []),
    ("666000000", []),
    ("078-05-0000", []),
    ("078 00 1123", []),
    ("693-09.4444", []),
    # separators someone hiding the number uses
    ("536/22/8712", [(0, 11, 0.5)]),
    ("SSN 693-09.4444", [(4, 15, 0.5)]),
    ("social security 536.22/8712", [(16, 27, 0.5)]),
    # numbers the SSA never issues
    ("900-22-8712", []),
    ("999 22 8712", []),
    ("111-11-1111", []),
    ("123-45-6789", []),
    # numbers the words before them name as something else
    ("Order 536-22-8712", []),
    ("invoice no. 536 22 8712", []),
    ("Ticket #536.22.8712", []),
    ("tel: 536.22.8712", []),
    ("PO 536228712", []),
    # not nine digits in a 3-2-4 shape
    ("12/05/2024", []),
    ("415-555-0147", []),
    ("1536-22-8712", []),
    ("536-22-87123", []),
])
def test_us_ssn(recognizer: UsSsnRecognizer, text: str, expected: list[tuple[int, int, float]]) -> None:
    results = recognizer.analyze(text, ["US_SSN"])
    assert [(r.start, r.end, r.score) for r in results] == expected
