"""Presidio's context-word enhancer, with the token look-up made logarithmic.

Presidio raises a pattern match's score when a context word ("ssn", "card") stands near it.
To find the words near a match, its enhancer scans every token of the text for every match,
so the cost grows with matches x tokens: a 100 KB output with a thousand matches spent
seconds there. The tokens' start offsets are sorted, so a binary search finds the same token.
Then, walking out from the match, it asks of each token whether it is one of the text's
keywords by searching the text's list of keywords: matches x tokens again. Here the walk asks
a set of the same keywords, built once per text.
"""

from __future__ import annotations

import bisect
from typing import Any

from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts

_KEYWORD_SET = "_loopguard_keyword_set"  # an attribute of one text's NlpArtifacts


class FastLemmaContextAwareEnhancer(LemmaContextAwareEnhancer):
    """Presidio's enhancer; the token that holds a match is found by bisection, and the words
    around it are looked up in a set of the text's keywords."""

    @staticmethod
    def _find_index_of_match_token(word: str, start: int, tokens: object, tokens_indices: list[int]) -> int:
        """The index of the token at `start`, or of the first token that ends after it (presidio's rule)."""
        i = bisect.bisect_right(tokens_indices, start) - 1
        if i >= 0 and (tokens_indices[i] == start or start < tokens_indices[i] + len(tokens[i])):  # type: ignore[index]
            return i
        if i + 1 < len(tokens_indices):
            return i + 1
        raise ValueError(f"Did not find word '{word}' in the list of tokens although it is expected to be found")

    def _extract_surrounding_words(self, nlp_artifacts: NlpArtifacts, word: str, start: int) -> list[str]:
        """Presidio's words around a match, looked up in a set of the text's keywords."""
        if not nlp_artifacts.tokens:
            return [""]
        keywords = getattr(nlp_artifacts, _KEYWORD_SET, None)
        if keywords is None:
            keywords = frozenset(nlp_artifacts.keywords)
            setattr(nlp_artifacts, _KEYWORD_SET, keywords)
        index = self._find_index_of_match_token(word, start, nlp_artifacts.tokens, nlp_artifacts.tokens_indices)
        lemmas: list[str] = nlp_artifacts.lemmas
        around: Any = keywords  # presidio's walk only asks `in`
        backward = self._add_n_words_backward(index, self.context_prefix_count, lemmas, around)
        forward = self._add_n_words_forward(index, self.context_suffix_count, lemmas, around)
        return list(set(backward + forward))
