"""Percentages and money amounts as people write them, with their spans.

"25% off", "25 percent", "twenty-five per cent", "half off", "$1,200", "USD 3k".
Number words are converted by text2num; spans always index the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from text_to_num import text2num

Unit = Literal["percent", "money"]

_UNITS = "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORD_NUMBER = rf"(?:(?:{_TENS})(?:[\s\-](?:{_UNITS}))?|(?:{_UNITS})|(?:one\s)?hundred)"
_NUMBER = rf"(?P<num>\d+(?:\.\d+)?|{_WORD_NUMBER})"

PERCENT = re.compile(rf"\b{_NUMBER}\s?(?:%|percent\b|per\s?cent\b|pct\b)|\b(?P<half>half)(?=\s(?:off|price))", re.IGNORECASE)
MONEY = re.compile(
    r"(?:[$€£]|\b(?:USD|EUR|GBP)\s?)(?P<num>\d[\d,]*(?:\.\d+)?)(?:\s?(?P<mult>k|m|thousand|million)\b)?",
    re.IGNORECASE,
)
_MULTIPLIERS = {"k": 1_000.0, "thousand": 1_000.0, "m": 1_000_000.0, "million": 1_000_000.0}


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: Unit
    start: int
    end: int


def _number(raw: str) -> float:
    raw = raw.replace(",", "")
    if raw[0].isdigit():
        return float(raw)
    return float(text2num(raw.lower().replace("-", " "), "en"))


def find_quantities(text: str, unit: Unit) -> list[Quantity]:
    if unit == "percent":
        return [
            Quantity(50.0 if m.group("half") else _number(m.group("num")), "percent", m.start(), m.end())
            for m in PERCENT.finditer(text)
        ]
    return [
        Quantity(_number(m.group("num")) * _MULTIPLIERS.get((m.group("mult") or "").lower(), 1.0), "money", m.start(), m.end())
        for m in MONEY.finditer(text)
    ]
