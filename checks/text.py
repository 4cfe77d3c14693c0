"""Word-level text helpers shared by the phrase-matching checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[a-z]+)?%?")
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


@dataclass(frozen=True)
class Token:
    """A word with its position in the source text and its normalised stem."""

    text: str
    start: int
    end: int
    stem: str


def stem(word: str) -> str:
    """Lower-case and strip one common inflection ("guaranteed" -> "guarante")."""
    word = word.lower().removesuffix("'s")
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end(), stem(m.group())) for m in _TOKEN.finditer(text)]


def allowed_edits(word: str) -> int:
    """Spelling slack by length: none for short words and numbers, one or two for long words."""
    if any(ch.isdigit() for ch in word) or len(word) < 6:
        return 0
    return 1 if len(word) < 10 else 2


def words_match(expected: str, actual: str) -> bool:
    """Whole-word match that tolerates inflection and a small typo (a swap of two letters counts as one)."""
    return expected == actual or OSA.distance(expected, actual) <= allowed_edits(expected)


def find_phrase(phrase: list[str], tokens: list[Token]) -> list[tuple[int, int]]:
    """Character spans where the stemmed `phrase` occurs as consecutive whole words."""
    n = len(phrase)
    return [
        (tokens[i].start, tokens[i + n - 1].end)
        for i in range(len(tokens) - n + 1)
        if all(words_match(p, tokens[i + k].stem) for k, p in enumerate(phrase))
    ]
