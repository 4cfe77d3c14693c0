"""An upstream stream's chunks put back together into the response they spell.

The assembled response has the shape of a non-streamed one, so the guard that checks
whole responses (`proxy.guard.guard_response`) reads it exactly as it would have read the
same reply unstreamed: the same fields, the same text, the same findings.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from proxy import fields

# Choice fields a chunk carries besides `delta` and `logprobs`; the last value wins.
_CHOICE_KEYS = ("index", "finish_reason", "provider_specific_fields")


@dataclass
class ChoiceAssembly:
    """One choice so far: its message, its own fields, its logprobs, whether it has ended."""

    index: int
    message: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    logprobs: dict[str, Any] | None = None
    finished: bool = False

    def add(self, choice: dict[str, Any]) -> None:
        delta = choice.get("delta")
        if isinstance(delta, dict):
            fields.merge_delta(self.message, delta)
        for key, value in choice.items():
            if key in ("delta", "logprobs") or value is None:
                continue
            self.fields[key] = copy.deepcopy(value)
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, dict):
            self.logprobs = self.logprobs if self.logprobs is not None else {}
            for key, tokens in logprobs.items():
                if isinstance(tokens, list):
                    self.logprobs.setdefault(key, []).extend(copy.deepcopy(tokens))
                else:
                    self.logprobs[key] = copy.deepcopy(tokens)
        if choice.get("finish_reason"):
            self.finished = True

    def choice(self) -> dict[str, Any]:
        out = {**self.fields, "index": self.index, "message": self.message}
        if self.logprobs is not None:
            out["logprobs"] = self.logprobs
        return out


@dataclass
class StreamAssembly:
    """The response so far: top-level fields from the chunks, the choices by index."""

    head: dict[str, Any] = field(default_factory=dict)
    choices: dict[int, ChoiceAssembly] = field(default_factory=dict)

    def add(self, chunk: dict[str, Any]) -> list[ChoiceAssembly]:
        """Adds a sanitised chunk; returns the choices it touched."""
        for key, value in chunk.items():
            if key in ("choices", "object") or value is None:
                continue
            if key not in self.head or key == "usage":
                self.head[key] = copy.deepcopy(value)
        touched = []
        for raw in chunk.get("choices") or []:
            if not isinstance(raw, dict):
                continue
            index = raw.get("index", 0)
            index = index if isinstance(index, int) and 0 <= index < 1024 else 0
            choice = self.choices.setdefault(index, ChoiceAssembly(index))
            choice.add(raw)
            touched.append(choice)
        return touched

    @property
    def finished(self) -> bool:
        return bool(self.choices) and all(c.finished for c in self.choices.values())

    def response(self) -> dict[str, Any]:
        """The response these chunks spell, as a non-streamed reply would have been."""
        return {**self.head, "object": "chat.completion",
                "choices": [self.choices[i].choice() for i in sorted(self.choices)]}
