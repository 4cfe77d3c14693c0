"""Ordinary English words, so fuzzy matching never mistakes one for a brand or a claim.

The word list is pyspellchecker's English frequency dictionary (about 160,000 words and
their inflections, shipped inside the package, read offline). It is loaded once per
process through `Resources` (key `english.words`): about 15 MB of memory and 2 s to load.
"""

from __future__ import annotations

from spellchecker import WordFrequency

from checks.resources import Resources


class EnglishWords:
    """Membership test for lower-case English words."""

    def __init__(self) -> None:
        frequency = WordFrequency()
        frequency.load_dictionary(_dictionary_path())
        self._words: frozenset[str] = frozenset(frequency.dictionary)

    @classmethod
    def shared(cls, resources: Resources) -> EnglishWords:
        return resources.get("english.words", cls)

    def __contains__(self, word: object) -> bool:
        return word in self._words

    def __len__(self) -> int:
        return len(self._words)


def _dictionary_path() -> str:
    from importlib import resources as importlib_resources

    return str(importlib_resources.files("spellchecker").joinpath("resources", "en.json.gz"))
