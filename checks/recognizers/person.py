"""Person names, found by a cascade: cheap patterns first, the NER model on what is left.

1. Gazetteer: a census first name followed by a surname-shaped word, an honorific
   ("Dr", "Ms") followed by capitalised words, or a greeting followed by a first name;
   a middle initial and a generational suffix ("Jr.") stay inside the span.
2. spaCy NER, run only on the sentences that still hold a pair of capitalised words
   the gazetteer did not explain (most business sentences hold none). NER spans are
   kept only when they look like names: title-case words, not UI or product vocabulary
   ("Click Reports", "Settings") that the small English model often tags as people.

The cascade keeps NER's reach for names outside the lists at a fraction of its cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from faker.providers.person.en_GB import Provider as GbNames
from faker.providers.person.en_US import Provider as UsNames
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

HONORIFIC = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.?"
WORD = r"(?:[A-Z][a-z]+(?:['\-][A-Z][a-z]+)?|[A-Z]'[A-Z][a-z]+)"
SUFFIX = r"(?:,?\s(?:Jr|Sr)\.?|\s(?:II|III|IV)\b)"
NAME_REGEX = re.compile(rf"(?:(?P<hon>{HONORIFIC})\s)?(?P<first>{WORD})(?:\s[A-Z]\.)?\s(?P<last>{WORD})(?:{SUFFIX})?")
HONORIFIC_REGEX = re.compile(rf"\b{HONORIFIC}\s{WORD}(?:\s{WORD})?(?:{SUFFIX})?")
GREETING_REGEX = re.compile(rf"\b(?:Hi|Hello|Hey|Dear|Thanks|Thank you|Cheers|Regards),?\s(?P<name>{WORD})\b")
CAPITALISED_PAIR = re.compile(rf"\b{WORD}\s(?:[A-Z]\.\s)?{WORD}\b")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")

# Words the small model tags as PERSON in product and business text.
NOT_NAMES = frozenset(
    """click settings reports report pipeline dashboard invoice admin account accounts
    enterprise pro plus team teams billing support sales export exports import profile
    home help search filter view edit save cancel submit next back open close monday
    tuesday wednesday thursday friday saturday sunday january february march april june
    july august september october november december""".split()
)

NerFunction = Callable[[str], Any]


class PersonRecognizer(EntityRecognizer):
    """PERSON from census-name patterns, then NER on the unexplained remainder."""

    def __init__(self, ner: NerFunction | None = None) -> None:
        self.ner = ner
        super().__init__(supported_entities=["PERSON"], name="PersonRecognizer", supported_language="en")

    def load(self) -> None:
        self.first_names = frozenset(UsNames.first_names) | frozenset(GbNames.first_names)
        self.last_names = frozenset(UsNames.last_names) | frozenset(GbNames.last_names)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = self._from_gazetteer(text)
        if self.ner is not None:
            results += self._from_ner(text, results)
        return results

    def _from_gazetteer(self, text: str) -> list[RecognizerResult]:
        results = []
        position = 0
        while m := NAME_REGEX.search(text, position):
            first, last = m.group("first"), m.group("last")
            known_last = last.split("-")[0] in self.last_names or "'" in last or "-" in last
            plausible = first in self.first_names and (known_last or last.lower() not in NOT_NAMES)
            if m.group("hon") or plausible:
                results.append(_person(m.start(), m.end(), 0.85 if m.group("hon") or known_last else 0.6))
                position = m.end()
            else:  # "Payee Curtis Cannon": retry from the next word
                position = m.start("first") + len(first)
        for m in HONORIFIC_REGEX.finditer(text):
            results.append(_person(m.start(), m.end(), 0.8))
        for m in GREETING_REGEX.finditer(text):
            if m.group("name") in self.first_names:
                results.append(_person(m.start("name"), m.end("name"), 0.7))
        return results

    def _from_ner(self, text: str, found: list[RecognizerResult]) -> list[RecognizerResult]:
        results = []
        for start, sentence in self._unexplained_sentences(text, found):
            for ent in self.ner(sentence).ents if self.ner else ():
                if ent.label_ == "PERSON" and self._looks_like_name([t.text for t in ent if t.is_alpha]):
                    results.append(_person(start + ent.start_char, start + ent.end_char, 0.85))
        return results

    def _unexplained_sentences(self, text: str, found: list[RecognizerResult]) -> list[tuple[int, str]]:
        """Sentences with a capitalised word pair that no gazetteer hit covers."""
        sentences = []
        start = 0
        for boundary in [*SENTENCE_END.finditer(text), None]:
            end = boundary.start() if boundary else len(text)
            if any(self._unexplained(start + m.start(), start + m.end(), m.group(), found)
                   for m in CAPITALISED_PAIR.finditer(text[start:end])):
                sentences.append((start, text[start:end]))
            start = boundary.end() if boundary else len(text)
        return sentences

    def _unexplained(self, start: int, end: int, pair: str, found: list[RecognizerResult]) -> bool:
        words = [w.strip(".") for w in pair.split()]
        if any(w.lower() in STOP_WORDS or w.lower() in NOT_NAMES for w in words):
            return False
        return not any(r.start <= start and end <= r.end for r in found)

    def _looks_like_name(self, words: list[str]) -> bool:
        if not words or any(w.lower() in NOT_NAMES or not w[0].isupper() for w in words):
            return False
        return len(words) > 1 or words[0] in self.first_names or words[0] in self.last_names


def _person(start: int, end: int, score: float) -> RecognizerResult:
    return RecognizerResult("PERSON", start, end, score)
