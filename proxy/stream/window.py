"""One growing text of one choice, and how much of it the app has received.

The window holds the text the upstream wrote so far. Each check reads it from the point the
last check settled (`settled`: no continuation can change a finding before it), each check
reaching back only as far as its findings there read (`checks.engine.CheckSuite.check_prefix`);
the findings before that point are kept from the checks that settled them (`merge`). The
part that is settled, and not inside any finding's span, is released with the fixes of the
findings inside it applied. The app receives exactly `emitted`: the fixed form of the first
`released` characters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from checks.engine import PrefixCheck, apply_fixes
from checks.types import Finding

# Until something was released, every new whole word is checked (the text is short, checks are
# cheap, and the first text goes out as soon as the window is full). After, a check waits for
# MIN_STEP new characters or an eighth of the text the last check read (from its window's
# start: all of it when a check reads the whole text), whichever is more, so a long output costs
# a bounded multiple of one whole check; a slow upstream's words are still checked at least
# every IDLE_CHECK_S.
MIN_STEP = 32
GROWTH = 8
IDLE_CHECK_S = 0.1


@dataclass
class TextWindow:
    """A streamed text (`key` of its choice's message) and what of it has gone out."""

    choice: int
    key: str
    text: str = ""
    released: int = 0  # characters of `text` the app has received (fixed)
    emitted: str = ""  # what the app has received of it
    checked: int = 0  # length of `text` at the last check
    checked_at: float = field(default_factory=time.monotonic)
    checks: int = 0
    settled: int = 0  # what the last check settled: findings before it are decided
    start: int = 0  # where the last check's earliest window began
    read: int = 0  # characters the checks have read, over all checks (windows, not whole texts)

    def due(self, now: float) -> bool:
        """Whether the text has grown enough since the last check to check it again."""
        grown = self.complete() - self.checked
        if grown <= 0:
            return False
        if not self.released:
            return True
        return grown >= max(MIN_STEP, (self.checked - self.start) // GROWTH) or now - self.checked_at >= IDLE_CHECK_S

    def complete(self) -> int:
        """The length of the text up to its last space: a word still being written is read whole,
        on a later check, so no check reads a cut token (half a key, half an address)."""
        end = len(self.text)
        while end and not self.text[end - 1].isspace():
            end -= 1
        return end

    def advance(self, length: int, result: PrefixCheck, limit: int | None = None) -> str:
        """Takes a check of the first `length` characters; returns the fixed text now released
        (never past `limit`, where a finding stops the stream)."""
        self.checked, self.checked_at, self.checks = length, time.monotonic(), self.checks + 1
        self.settled, self.start, self.read = result.settled, result.start, self.read + length - result.start
        point = release_point(result.settled if limit is None else min(result.settled, limit), result.findings)
        if point <= self.released:
            return ""
        piece = apply_fixes(self.text[self.released : point], _within(result.findings, self.released, point))
        self.released = point
        self.emitted += piece
        return piece


def merge(earlier: list[Finding], result: PrefixCheck, since: int) -> PrefixCheck:
    """A check from `since` on, with the findings before it kept from the `earlier` checks that
    settled them (the check's own findings there read less context)."""
    kept = [f for f in earlier if f.start is not None and f.start < since]
    fresh = [f for f in result.findings if f.start is None or f.start >= since]
    return replace(result, findings=kept + fresh)


def continuation(window: TextWindow, findings: list[Finding], reply: bool) -> str:
    """The rest of the window's text with `findings` (of the whole text) fixed: what follows
    what was released when the whole-output check changed text the app already has."""
    rest = window.text[window.released :]
    inside = _within(findings, window.released, len(window.text))
    if reply:
        inside += [replace(f, start=len(rest), end=len(rest)) for f in findings
                   if f.start == f.end == len(window.text) and f.action == "fix"]
    return apply_fixes(rest, inside)


def release_point(settled: int, findings: list[Finding]) -> int:
    """`settled`, moved back before any finding whose span it would cut."""
    spans = [(f.start, f.end) for f in findings if f.start is not None and f.end is not None and f.start < f.end]
    point = settled
    moved = True
    while moved:
        moved = False
        for start, end in spans:
            if start < point < end:
                point, moved = start, True
    return point


def _within(findings: list[Finding], start: int, end: int) -> list[Finding]:
    """The findings inside [start, end), shifted to index the piece; insertions (a required
    footer) belong to the whole output and are left for its end."""
    return [replace(f, start=f.start - start, end=f.end - start) for f in findings
            if f.start is not None and f.end is not None and start <= f.start < f.end <= end]
