"""The meanings a quantity can have (discount, refund, tax, uptime, ...) as data.

The shipped lexicon is `meanings.yaml` beside this module; a policy's compliance config
may add meanings or cue words. Code reads which words govern a quantity (`checks.reading`);
which words mean what is data, so a policy never needs code to name a new meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources as importlib_resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

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

    def applies_to_words(self, words: set[str]) -> bool:
        """Whether a cue of this sense, found among `words` (a header, a label, a key), means it."""
        if self.of or self.complement:
            return False
        return (not self.with_ or bool(words & set(self.with_))) and not words & set(self.not_with)


class Meaning(BaseModel):
    model_config = ConfigDict(extra="forbid")

    senses: list[Sense] = Field(min_length=1)
    context: list[str] = Field(default_factory=list)
    when_signed: dict[Literal["+", "-"], str] = Field(default_factory=dict)


@dataclass(frozen=True)
class Lexicon:
    """Meanings in priority order (earlier wins a tie), with lookups built once."""

    meanings: dict[str, Meaning]

    @classmethod
    def shipped(cls) -> Lexicon:
        raw = yaml.safe_load(importlib_resources.files("checks").joinpath("meanings.yaml").read_text(encoding="utf-8"))
        return cls({name: Meaning.model_validate(spec) for name, spec in raw.items() if not name.startswith("_")})

    def extended(self, meanings: dict[str, Meaning], cues: dict[str, list[str]]) -> Lexicon:
        """This lexicon with `meanings` added or replaced and extra unconditional `cues` per meaning."""
        merged = {**self.meanings, **meanings}
        for name, words in cues.items():
            if words:
                meaning = merged[name]
                merged[name] = meaning.model_copy(update={"senses": [*meaning.senses, Sense(cues=words)]})
        return Lexicon(merged)

    def word_meaning(self, words: list[str], use_context: bool = True) -> str | None:
        """The meaning a label, header or key names: the last word that is a cue (its `with`
        met and its `not_with` absent among `words`) wins, else with `use_context` the last
        context word. "price increase percent" is a price increase; "discount" a discount."""
        present = set(words)
        for word in reversed(words):
            for name, meaning in self.meanings.items():
                if any(word in s.cues and s.applies_to_words(present) for s in meaning.senses):
                    return name
        if use_context:
            for word in reversed(words):
                found = next((name for name, m in self.meanings.items() if word in m.context), None)
                if found:
                    return found
        return None


def parse_meanings(raw: dict[str, Any]) -> dict[str, Meaning]:
    return {name: Meaning.model_validate(spec) for name, spec in raw.items()}
