"""The meanings a quantity can have (discount, refund, tax, uptime, ...) as data.

The shipped lexicon is `meanings.yaml` beside this module; a policy's compliance config
may add meanings or cue words. Code reads which words govern a quantity (`checks.meaning.reading`);
which words mean what is data, so a policy never needs code to name a new meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources as importlib_resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from checks.language.words import Stemmer

ANY = "*"


class Sense(BaseModel):
    """One way a sentence gives a quantity its meaning (see meanings.yaml for each field)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    cues: list[str] = Field(default_factory=list)
    with_: list[str] = Field(default_factory=list, alias="with")
    not_with: list[str] = Field(default_factory=list)
    of: list[str] = Field(default_factory=list)
    complement: bool = False
    ratio: bool = False
    within: int = Field(default=3, ge=1, le=3)

    @model_validator(mode="after")
    def _has_a_cue(self) -> Sense:
        if not self.cues and not self.of:
            raise ValueError("a sense needs cues, of, or both")
        return self


class Meaning(BaseModel):
    model_config = ConfigDict(extra="forbid")

    senses: list[Sense] = Field(min_length=1)
    context: list[str] = Field(default_factory=list)
    when_signed: dict[Literal["+", "-"], str] = Field(default_factory=dict)


@dataclass(frozen=True)
class _WordSense:
    """A sense as read from bare words (a label, a header, a key), by Snowball stem."""

    meaning: str
    cues: frozenset[str]
    with_: frozenset[str]
    not_with: frozenset[str]


class Lexicon:
    """Meanings in priority order (earlier wins a tie), with word lookups built once."""

    def __init__(self, meanings: dict[str, Meaning]) -> None:
        self.meanings = meanings
        self._stemmer = Stemmer()
        stems = self._stems
        self._word_senses = [
            _WordSense(name, stems(s.cues), stems(s.with_), stems(s.not_with))
            for name, m in meanings.items() for s in m.senses if not s.of and not s.complement
        ]
        self._context = [(name, stems(m.context)) for name, m in meanings.items()]

    @classmethod
    def shipped(cls) -> Lexicon:
        raw = yaml.safe_load(importlib_resources.files("checks.meaning").joinpath("meanings.yaml").read_text(encoding="utf-8"))
        return cls({name: Meaning.model_validate(spec) for name, spec in raw.items() if not name.startswith("_")})

    def extended(self, meanings: dict[str, Meaning], cues: dict[str, list[str]]) -> Lexicon:
        """This lexicon with `meanings` added or replaced and extra unconditional `cues` per meaning."""
        merged = {**self.meanings, **meanings}
        for name, words in cues.items():
            if words:
                meaning = merged[name]
                merged[name] = meaning.model_copy(update={"senses": [*meaning.senses, Sense(cues=words)]})
        return Lexicon(merged)

    def _stems(self, words: list[str]) -> frozenset[str]:
        return frozenset(self._stemmer.stem(w) for w in words)

    def word_meaning(self, words: list[str], use_context: bool = True) -> str | None:
        """The meaning bare words name (a label, a header, a key, the sentence before): the last
        word that is a cue (its `with` met, its `not_with` absent among `words`) wins, else with
        `use_context` the last context word. Words compare by stem ("Discounts" is "discount").
        "price increase percent" is a price increase; "discount" a discount."""
        stems = [self._stemmer.stem(w) for w in words]
        present = frozenset(stems)
        for stem in reversed(stems):
            for sense in self._word_senses:
                if stem in sense.cues and (not sense.with_ or sense.with_ & present) and not sense.not_with & present:
                    return sense.meaning
        if use_context:
            for stem in reversed(stems):
                found = next((name for name, context in self._context if stem in context), None)
                if found:
                    return found
        return None
