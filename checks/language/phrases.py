"""All of a policy's phrases matched in one pass over a text's words.

`checks.language.words.find_phrase` asks, for every phrase and every position, whether each word
matches: phrases x words x phrase length comparisons, each a stem test and, for a word that
is not English, an edit distance. Profiling `sales-email` on 1 KB replies put a third of the
check's time there. Here each word of the text is asked once which phrase words it matches
(`hits`: a set look-up for the exact stems, rapidfuzz's C edit distance over the phrase
words for the fuzzy ones, remembered per word), and a phrase is only tried where its first
word matched. A word matches exactly when `checks.language.words.words_match` says so; the matches
are the same, in the same order.
"""

from __future__ import annotations

import threading

from rapidfuzz import process
from rapidfuzz.distance import OSA

from checks.language.words import Token, Words, allowed_edits

MAX_REMEMBERED = 50_000  # words whose fuzzy matches are kept (a text repeats its words)
_NO_HITS: frozenset[str] = frozenset()


class PhraseMatcher:
    """Stemmed phrases (lists of stems), built once per policy; finds them in tokenized text."""

    def __init__(self, phrases: list[list[str]], english: Words) -> None:
        self.english = english
        self.words = frozenset(w for phrase in phrases for w in phrase)
        self._fuzzy = sorted(w for w in self.words if allowed_edits(w) > 0)
        self._slack = max((allowed_edits(w) for w in self._fuzzy), default=0)
        self._remembered: dict[tuple[str, str], frozenset[str]] = {}
        self._lock = threading.Lock()

    def hits(self, token: Token) -> frozenset[str]:
        """The phrase words `token` matches (`checks.language.words.words_match` for each of them)."""
        exact = {w for w in (token.stem, token.lower) if w in self.words}
        if token.lower in self.english or not self._fuzzy:
            return frozenset(exact) if exact else _NO_HITS
        key = (token.stem, token.lower)
        with self._lock:
            fuzzy = self._remembered.get(key)
        if fuzzy is None:
            close = process.extract(token.stem, self._fuzzy, scorer=OSA.distance, score_cutoff=self._slack, limit=None)
            fuzzy = frozenset(w for w, distance, _ in close if distance <= allowed_edits(w))
            with self._lock:
                if len(self._remembered) < MAX_REMEMBERED:
                    self._remembered[key] = fuzzy
        return fuzzy | exact if exact else fuzzy

    def index(self, tokens: list[Token]) -> list[frozenset[str]]:
        """Each token's hits, computed once for all phrases."""
        return [self.hits(t) for t in tokens]

    @staticmethod
    def find(phrase: list[str], hits: list[frozenset[str]]) -> list[tuple[int, int]]:
        """Token index ranges [i, j) where `phrase` occurs as consecutive words (in order)."""
        n = len(phrase)
        if n == 0:
            return [(i, i) for i in range(len(hits) + 1)]
        first = phrase[0]
        return [(i, i + n) for i in range(len(hits) - n + 1)
                if first in hits[i] and all(phrase[k] in hits[i + k] for k in range(1, n))]
