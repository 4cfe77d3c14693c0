"""Which sentences the compliance reader must parse: a cheap pass before the parser.

A figure breaks a number rule only when it is read with a meaning that rule limits. Reading a
figure's meaning from its sentence (`checks.meaning.reading.read`) needs one of that meaning's cue
words in the sentence (a word whose lemma is the cue: "discounts", "took" for "take") or, for
a partitive sense ("70% of list"), the word "of". A sentence with neither gives its figures no
limited meaning from its words, so parsing it (most of the check's time on ordinary replies:
"a 99.9% uptime SLA") can only produce figures that no rule limits. Words are matched by
form: the cue itself, any inflection with the cue's Snowball stem, and every irregular form
that the parser's own lemmatizer maps to the cue (its exception table), so the pass marks at
least every sentence where the parse could find the cue. Meanings given by the context
(a label, a header, the sentence before), added figures and changes between amounts are the
caller's to check: they do not come from the sentence's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from checks.language.words import Stemmer
from checks.meaning.lexicon import Lexicon

_WORD = re.compile(r"[^\W\d_]+")
# A money change ("from £50 to £35") turns a reading of any of these into a discount or a rise.
CHANGE_MEANINGS = frozenset({"discount", "price_increase", "growth"})


def limited_meanings(rules: Iterable[str], lexicon: Lexicon) -> frozenset[str]:
    """The meanings a figure can be read with and end up as one of `rules`' meanings: the rules'
    own, the ones whose signed reading is one ("+30%" of a discount word is a price increase),
    and, when a change between amounts can make one, the three meanings a change is read as."""
    limited = set(rules)
    if limited & CHANGE_MEANINGS:
        limited |= CHANGE_MEANINGS
    limited |= {name for name, meaning in lexicon.meanings.items() if set(meaning.when_signed.values()) & limited}
    return frozenset(limited)


class Triggers:
    """Whether a sentence holds a word that can cue one of `meanings` (or "of", for a partitive)."""

    def __init__(self, lexicon: Lexicon, meanings: Iterable[str], lemma_exceptions: Mapping[str, list[str]],
                 stemmer: Stemmer) -> None:
        senses = [s for name in meanings if name in lexicon.meanings for s in lexicon.meanings[name].senses]
        cues = {c.lower() for s in senses for c in s.cues}
        self.stemmer = stemmer
        self.every_sentence = any(not _WORD.fullmatch(c) for c in cues)  # a cue of several words or signs
        self.partitive = any(s.of for s in senses)
        self.words = cues | {form for form, lemmas in lemma_exceptions.items() if cues & {lemma.lower() for lemma in lemmas}}
        self.stems = frozenset(stemmer.stem(c) for c in cues)

    def marks(self, sentence: str) -> bool:
        """Whether the parse of `sentence` could find a cue of the meanings (False only when it cannot)."""
        if self.every_sentence:
            return True
        words = [w.lower() for w in _WORD.findall(sentence)]
        if self.partitive and "of" in words:
            return True
        return any(w in self.words or self.stemmer.stem(w) in self.stems for w in words)
