"""Word-level text helpers shared by the phrase-matching checks.

Words are compared by their Snowball stem ("guaranteed" and "guarantees" are
"guarante"), after folding digits used as letters ("Glob3x" reads "globex"). A spelling
variant within a small edit distance counts only when the written word is not itself an
English word: "gaurantee" is a misspelt "guarantee", "globe" is a globe, not "Globex".
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Protocol

import snowballstemmer
from rapidfuzz.distance import OSA

# Apostrophes (ASCII and typographic) join a possessive or contraction to its word.
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?%?|[^\W_]*[0-9@$][^\W_]*")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
# Digits and signs written for letters: 0->o, 1->l... ("Glob3x", "Ini7ech", "$ynergy").
_LEET = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s"})
_STEMMER = "english"


class Words(Protocol):
    """What counts as an ordinary English word (see checks.language.english)."""

    def __contains__(self, word: object) -> bool: ...


@dataclass(frozen=True)
class Token:
    """A word with its position in the source text, its lower-cased form and its stem."""

    text: str
    start: int
    end: int
    lower: str
    stem: str
    possessive: bool = False


class Stemmer:
    """Snowball's English stemmer behind a lock (its pure-Python form keeps state per call),
    with the stems of words already seen remembered, since texts repeat their words."""

    def __init__(self, cache_size: int = 50_000) -> None:
        self._stemmer = snowballstemmer.stemmer(_STEMMER)
        self._lock = threading.Lock()
        self._seen: dict[str, str] = {}
        self._read: dict[str, tuple[str, str, bool]] = {}
        self._cache_size = cache_size

    def read(self, word: str) -> tuple[str, str, bool]:
        """`word` folded, its stem, and whether it is a possessive: remembered per word as
        written, since tokenizing a text asks this of every word it holds."""
        known = self._read.get(word)
        if known is None:
            known = (fold(word), self.stem(word), bool(_POSSESSIVE.search(word)))
            if len(self._read) < self._cache_size:
                self._read[word] = known
        return known

    def stem(self, word: str) -> str:
        folded = fold(word)
        with self._lock:
            stem = self._seen.get(folded)
            if stem is None:
                stem = str(self._stemmer.stemWord(folded))
                if len(self._seen) < self._cache_size:
                    self._seen[folded] = stem
        return stem


def fold(word: str) -> str:
    """Lower-case, drop a possessive, and read digits among letters as the letters they imitate."""
    word = _POSSESSIVE.sub("", word.lower())
    if any(ch.isalpha() for ch in word) and any(not ch.isalpha() for ch in word.rstrip("%")):
        word = word.translate(_LEET)
    return word


def tokenize(text: str, stemmer: Stemmer) -> list[Token]:
    tokens = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        tokens.append(Token(word, m.start(), m.end(), *stemmer.read(word)))
    return tokens


def last_words_start(text: str, count: int) -> int:
    """Where the last `count` words of `text` begin (0 when it has fewer): the earliest start of
    a phrase of `count` words that the next words could still complete."""
    if count <= 0:
        return len(text)
    tail = 256
    while True:
        start = max(0, len(text) - tail)
        starts = [m.start() + start for m in _TOKEN.finditer(text[start:])]
        if start == 0 or len(starts) > count:  # the first word of a cut tail may be cut
            return starts[-count] if len(starts) >= count else 0
        tail *= 4


def allowed_edits(word: str) -> int:
    """Spelling slack by length: none for short words and numbers, one or two for long words."""
    if any(ch.isdigit() for ch in word) or len(word) < 6:
        return 0
    return 1 if len(word) < 10 else 2


def words_match(expected: str, token: Token, english: Words) -> bool:
    """`token` is the stemmed word `expected`, or a misspelling of it that is not an English word."""
    if token.stem == expected or token.lower == expected:
        return True
    if token.lower in english:
        return False
    return OSA.distance(expected, token.stem) <= allowed_edits(expected)


def find_phrase(phrase: list[str], tokens: list[Token], english: Words) -> list[tuple[int, int]]:
    """Token index ranges [i, j) where the stemmed `phrase` occurs as consecutive whole words."""
    n = len(phrase)
    return [
        (i, i + n)
        for i in range(len(tokens) - n + 1)
        if all(words_match(p, tokens[i + k], english) for k, p in enumerate(phrase))
    ]
