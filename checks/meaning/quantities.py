"""Percentages, fractions and money amounts as people write them, with their spans.

"25% off", "25 percent", "35-percent", "22 per cent", "30 pct", "10 percentage points",
"twenty-five per cent", fullwidth "３５％", "+30%"; fractions "half", "a third",
"three-quarters", "1/4", "½"; bare decimals "0.3" (a ratio: 30%, meaningful only where the
sentence makes it a share); money "$1,200", "USD 3k", "€18,000", "A$61", "900 dollars".
Number words are read by text2num. Spans index the text given (normalised or not); nothing
here assumes ASCII digits, so fullwidth digits read the same as their ASCII forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from text_to_num import text2num

Unit = Literal["percent", "money"]

_UNITS = "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_TWO_WORDS = rf"(?:(?:{_TENS})(?:[\s\-](?:{_UNITS}))?|(?:{_UNITS}))"
_WORD_NUMBER = rf"(?:(?:(?:a|{_TWO_WORDS})\s)?hundred(?:\s(?:and\s)?{_TWO_WORDS})?|{_TWO_WORDS})"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# A sign only where it starts a value and touches it ("+30%", ": -15%"), never the dash of a
# range ("20-30%") or a separator ("Discount - 35%").
_SIGN = r"(?:(?<![\w%.,])(?P<sign>[+\-−]))?"

PERCENT = re.compile(
    rf"{_SIGN}\b(?P<num>{_DIGITS}|{_WORD_NUMBER})\s?-?\s?"
    r"(?:%|％|﹪|percentage[\s-]points?\b|percent\b|per[\s-]?cent\b|pct\b)",
    re.IGNORECASE,
)
_FRACTION_DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4,
    "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "eighth": 8, "eighths": 8, "tenth": 10, "tenths": 10,
}
_NUMERATORS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "nine": 9}
FRACTION = re.compile(
    r"\b(?:(?P<numerator>an?|one|two|three|four|five|seven|nine)[\s-]+)?"
    rf"(?P<denominator>{'|'.join(_FRACTION_DENOMINATORS)})\b",
    re.IGNORECASE,
)
SLASH_FRACTION = re.compile(r"(?<![\d/⁄.])(?P<n>[1-9])\s?[/⁄]\s?(?P<d>[2-9]|10)(?![\d/⁄])")
_VULGAR = {"½": 50.0, "⅓": 100 / 3, "⅔": 200 / 3, "¼": 25.0, "¾": 75.0, "⅕": 20.0, "⅒": 10.0}
VULGAR_FRACTION = re.compile(f"[{''.join(_VULGAR)}]")
DECIMAL_RATIO = re.compile(r"(?<![\w.$€£¥,])(?P<num>0?\.\d+)(?![\d%.,]|\s?(?:%|percent|per\s?cent|pct))")
# Words before "a quarter" that make it a span of time, not a share ("within a quarter").
_TIME_PREPOSITIONS = {"in", "within", "per", "each", "every", "after", "over", "for", "until", "by", "next", "last", "this"}

MONEY = re.compile(
    rf"{_SIGN}(?:(?P<cur>[$€£¥₹]|\b[A-Z]{{1,2}}\$|\b(?:USD|EUR|GBP|AUD|CAD|CHF|JPY|INR|NZD|SGD)\s?)"
    rf"(?P<num>{_DIGITS})(?:\s?(?P<mult>k|m|bn|thousand|million|billion)\b)?"
    rf"|\b(?P<num2>{_DIGITS}|{_WORD_NUMBER})\s?(?P<mult2>k|m|bn|thousand|million|billion)?\s?"
    r"(?P<word>dollars|euros?|pounds|bucks|USD|EUR|GBP|AUD|CAD|CHF)\b)",
    re.IGNORECASE,
)
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}


@dataclass(frozen=True)
class Quantity:
    """A value with its unit and span. `ratio`: a bare fraction or decimal, a share of something
    only where the sentence says of what ("a third off", "pay 0.7 of list"). `sign`: +1 or -1
    when written with one ("+30%")."""

    value: float
    unit: Unit
    start: int
    end: int
    ratio: bool = False
    sign: int = 0


def number_value(raw: str) -> float:
    """A numeral ("1,200.5", "３５") or English number words ("thirty-five", "a hundred")."""
    raw = raw.replace(",", "").strip()
    if raw[0].isdigit() or raw[0] == ".":
        return float(raw)
    words = raw.lower().replace("-", " ")
    return float(text2num(re.sub(r"^a\s", "one ", words), "en"))


def _sign(match: re.Match[str]) -> int:
    sign = match.group("sign")
    return 0 if not sign else (1 if sign == "+" else -1)


def _percentages(text: str) -> list[Quantity]:
    return [Quantity(number_value(m.group("num")), "percent", m.start(), m.end(), sign=_sign(m)) for m in PERCENT.finditer(text)]


def _fractions(text: str) -> list[Quantity]:
    found = []
    for m in FRACTION.finditer(text):
        word = m.group("denominator").lower()
        numerator = m.group("numerator")
        if numerator is None and word != "half":
            continue  # "third", "quarter" alone are ordinals or periods, not shares
        count = _NUMERATORS[numerator.lower()] if numerator else 1
        if count >= _FRACTION_DENOMINATORS[word] or ((count > 1) != word.endswith("s") and word != "half"):
            continue
        before = text[max(0, m.start() - 12) : m.start()].split()[-1:]
        if word.startswith("quarter") and before and before[0].lower() in _TIME_PREPOSITIONS:
            continue  # "within a quarter" is a period of time
        found.append(Quantity(100.0 * count / _FRACTION_DENOMINATORS[word], "percent", m.start(), m.end(), ratio=True))
    for m in SLASH_FRACTION.finditer(text):
        n, d = int(m.group("n")), int(m.group("d"))
        if n < d:
            found.append(Quantity(100.0 * n / d, "percent", m.start(), m.end(), ratio=True))
    found += [Quantity(_VULGAR[m.group()], "percent", m.start(), m.end(), ratio=True) for m in VULGAR_FRACTION.finditer(text)]
    found += [Quantity(100.0 * float(m.group("num")), "percent", m.start(), m.end(), ratio=True)
              for m in DECIMAL_RATIO.finditer(text) if 0 < float(m.group("num")) < 1]
    return found


def _money(text: str) -> list[Quantity]:
    found = []
    for m in MONEY.finditer(text):
        raw, mult = (m.group("num"), m.group("mult")) if m.group("num") else (m.group("num2"), m.group("mult2"))
        value = number_value(raw) * _MULTIPLIERS.get((mult or "").lower(), 1.0)
        found.append(Quantity(value, "money", m.start(), m.end(), sign=_sign(m)))
    return found


def _overlaps(q: Quantity, taken: list[Quantity]) -> bool:
    return any(q.start < t.end and t.start < q.end for t in taken)


def find_quantities(text: str, unit: Unit | None = None) -> list[Quantity]:
    """Every quantity in `text` (of `unit` when given), in order; a written percentage or money
    amount wins over a fraction or decimal read inside it."""
    found: list[Quantity] = []
    for candidates in (_percentages(text), _money(text), _fractions(text)):
        found += [q for q in candidates if not _overlaps(q, found)]
    return sorted((q for q in found if unit is None or q.unit == unit), key=lambda q: q.start)
