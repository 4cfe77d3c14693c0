"""Plain data shared by every check: findings, actions, the context a check sees.

Findings are data (like presidio's RecognizerResult): they can be merged, sorted,
stored, shown and tested without knowing which check produced them.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Action = Literal["allow", "fix", "hold", "block"]
Severity = Literal["low", "medium", "high", "critical"]
Comparison = Literal["gt", "gte", "lt", "lte", "eq", "ne"]

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le, "eq": operator.eq, "ne": operator.ne,
}

# A readable number string: optional sign and currency (symbol or ISO code, before or after),
# digits with optional thousands separators (, _ space ' or thin space), optional decimals or exponent.
_NUMERIC_STRING = re.compile(
    r"^\s*(?P<sign>[-+−]?)\s*(?:[$€£¥₹]|[A-Z]{3}\s)?\s*"
    r"(?P<num>\d{1,3}(?:[,_' \u202f\u00a0]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)"
    r"\s*(?P<mult>[kKmM]|bn|BN)?\s*(?:\s[A-Z]{3})?\s*$"
)

_SCALES = {"": 1.0, "k": 1e3, "m": 1e6, "bn": 1e9}


def coerce_number(value: Any) -> float | None:
    """`value` as a number, or None when it cannot be read as one.

    The one rule for numbers that arrive in request metadata (compliance metadata rules,
    triage tier conditions, a review item's deal value): an int or float is itself; a
    string is read when it is a plain number, possibly signed, with thousands separators,
    decimals, an exponent, a k/m/bn multiplier or a currency sign or code ("150000",
    "150,000", "1.5e5", "120k", "$250,000", "250000 EUR"). Anything else (booleans, None, "lots", "TBD", lists,
    objects, NaN, infinities) is unreadable: callers treat the field as missing and say so.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and (match := _NUMERIC_STRING.match(value)):
        digits = re.sub(r"[,_' \u202f\u00a0]", "", match.group("num"))
        scale = _SCALES[(match.group("mult") or "").lower()]
        number = float(digits) * scale * (-1.0 if match.group("sign") in ("-", "−") else 1.0)
    else:
        return None
    return number if math.isfinite(number) else None


def compare(op: str, actual: Any, expected: Any) -> bool | None:
    """`actual <op> expected`, or None when `actual` cannot be read as the type `expected` has.

    A numeric `expected` coerces `actual` with `coerce_number`; any other `expected` is
    compared as it is, and a comparison Python refuses (str < int) is unreadable too.
    """
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        number = coerce_number(actual)
        return None if number is None else COMPARISONS[op](number, expected)
    try:
        return bool(COMPARISONS[op](actual, expected))
    except TypeError:
        return None

ACTION_RANK: dict[str, int] = {"allow": 0, "fix": 1, "hold": 2, "block": 3}
SEVERITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}


def strongest(actions: list[Action], default: Action = "allow") -> Action:
    """The most restrictive action of `actions` (block > hold > fix > allow)."""
    return max(actions, key=ACTION_RANK.__getitem__, default=default)


@dataclass(frozen=True)
class Finding:
    """One thing a check flagged.

    `start`/`end` index into the checked text; both are None when the finding is about
    the whole output (e.g. a metadata rule). `fix` is the replacement for the span when
    the check knows one; `action` is what the policy asks for this kind of finding.
    `text` may quote the output (the matched value, a validator's detail): it is stored for
    reviewers and never sent to the app; `message` must not quote the output.
    """

    check: str
    rule: str
    severity: Severity
    action: Action
    score: float = 1.0
    start: int | None = None
    end: int | None = None
    text: str | None = None
    fix: str | None = None
    message: str = ""
    location: str = "content"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def at(self, location: str) -> Finding:
        """The same finding, attributed to another part of the candidate."""
        return Finding(**{**asdict(self), "location": location})


@dataclass(frozen=True)
class CheckContext:
    """What a check may know besides the text: request metadata, messages, model."""

    metadata: dict[str, Any] = field(default_factory=dict)
    model: str = ""
    prompt: str = ""


class Check(Protocol):
    """A check: built once per policy from its validated config, run per text.

    A check that can guard a stream also implements `StreamingCheck`; one that does not is
    only ever run on whole outputs (a stream through its policy is buffered first).

    A check whose `run` only computes (no network, file or database I/O) may say so with a
    class attribute `cpu_only = True`: the gateway then checks short texts on its event loop
    instead of a thread (`proxy.gateway.Gateway.run_checks`). A check that does not say so
    always runs in a thread, so one that waits on I/O never stops the gateway."""

    name: str

    def run(self, text: str, context: CheckContext) -> list[Finding]: ...


@runtime_checkable
class StreamingCheck(Check, Protocol):
    """A check that says how far its findings reach, so a stream can release text early.

    `settled(text)` reads `text` as the start of an output still being written and returns
    how much of it is decided: no continuation can add, drop or change a finding of this
    check that starts before that position. It is the check's window, declared from its
    config at load: how far after a match's start the match and the context that decides
    it can reach ("a name's cues are read 80 characters around it", "a figure's meaning
    comes from the rest of its sentence", "a phrase is as long as its longest wording").
    It must be cheap (no model) and must err towards smaller values. Context before a match is
    the business of `WindowedCheck.resume`; a check without it reads the whole text so far.
    """

    def settled(self, text: str) -> int: ...


@runtime_checkable
class WindowedCheck(StreamingCheck, Protocol):
    """A streaming check that also says how far back its findings read, so a stream is checked
    in a bounded window instead of whole at every step.

    `resume(text, position)` returns a start at or before `position` such that the check run on
    `text[start:]` finds, at or after `position`, exactly what it finds there in all of `text`:
    the start of the context that decides a match there (the words before a value that raise
    its score, the sentence a phrase is negated in, the table header or the sentence before a
    figure). Reading further back than that must not change a finding at or after `position`.
    A check that reads the whole text (a name confirmed by another mention) returns 0. It must
    be cheap and must err towards smaller values.
    """

    def resume(self, text: str, position: int) -> int: ...


def line_start(text: str, position: int) -> int:
    """The start of the line that holds `position`."""
    return text.rfind("\n", 0, max(position, 0)) + 1


def reach_back(text: str, window: int) -> int:
    """`settled` for a check whose matches and deciding context span at most `window` characters
    from a match's start: everything but the last `window` characters."""
    return max(0, len(text) - window)


class CheckError(Exception):
    """A check's config is wrong; the message names the field and the reason."""
