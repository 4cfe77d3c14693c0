"""The CREDIT_CARD recognizer alone: (text, expected spans), presidio's own cases first."""

from __future__ import annotations

import pytest

from checks.recognizers.credit_card import CreditCardRecognizer


@pytest.fixture(scope="module")
def recognizer() -> CreditCardRecognizer:
    return CreditCardRecognizer()


@pytest.mark.parametrize(("text", "expected"), [
    # presidio-analyzer's tests/test_credit_card_recognizer.py (every validated match scores 1.0)
    ("4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881", [(0, 16), (17, 36), (37, 56)]),
    ("122000000000003", [(0, 15)]),
    ("my credit card: 122000000000003", [(16, 31)]),
    ("371449635398431", [(0, 15)]),
    ("5555555555554444", [(0, 16)]),
    ("5019717010103742", [(0, 16)]),
    ("30569309025904", [(0, 14)]),
    ("6011000400000000", [(0, 16)]),
    ("3528000700000000", [(0, 16)]),
    ("6759649826438453", [(0, 16)]),
    ("4111111111111111", [(0, 16)]),
    ("4917300800000000", [(0, 16)]),
    ("4484070000000000", [(0, 16)]),
    ("4012-8888-8888-1882", []),
    ("my credit card number is 4012-8888-8888-1882", []),
    ("36168002586008", []),
    ("my credit card number is 36168002586008", []),
    # separators someone hiding the number uses
    ("4111.1111.1111.1111", [(0, 19)]),
    ("4111/1111/1111/1111", [(0, 19)]),
    ("4111 1111.1111-1111.", [(0, 19)]),
    ("3782.822463/10005", [(0, 17)]),
    # not a card
    ("0000000000000000", []),
    ("1.4111.1111.1111.1111", []),
    ("4111.1111.1111.1111.2", []),
])
def test_credit_card(recognizer: CreditCardRecognizer, text: str, expected: list[tuple[int, int]]) -> None:
    results = recognizer.analyze(text, ["CREDIT_CARD"])
    assert [(r.start, r.end) for r in results] == expected
    assert all(r.score == 1.0 for r in results)
