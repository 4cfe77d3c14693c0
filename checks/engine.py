"""Runs a policy's checks over a text and applies the fixes they propose.

Checks read the normalised view of the text (`checks.language.normalize`), so look-alike letters,
zero-width characters and spelled-out values cannot walk around them; the engine maps
every finding back onto the original characters, so fixes apply to the text as written.
Checks know nothing of this.

For a stream, `check_prefix` runs the checks over the text written so far and also says how
much of it is settled: the least that any check (`checks.types.StreamingCheck`) has decided,
never inside a word, mapped back onto the original characters. A check that cannot say
settles nothing, so its policy's streams are checked whole. Given the point up to which an
earlier step had settled everything (`since`), each check that says how far back its findings
read (`checks.types.WindowedCheck`) reads only its own window: from the start of the context
that decides a finding at `since` to the end. So a long stream costs each step a bounded
window, not the whole text; a check that cannot say reads the whole text at every step. The
text is normalised whole (a few regular-expression scans), so every window is a piece of the
same normalised text and no rewrite is cut at a window's edge.

A check that raises does not let the text through: the engine turns the crash into a
finding whose action is the policy's `on_check_error` (hold or block), so a broken
check fails closed. So does a failure to normalise: the checks then read the text as
written, and the failure is a finding of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from checks.language.normalize import NormalizedText, normalize
from checks.registry import CheckFactory
from checks.resources import Resources
from checks.types import Action, Check, CheckContext, CheckError, Finding, StreamingCheck, WindowedCheck

log = logging.getLogger("loopguard.checks")


class CheckSuite:
    """The checks of one policy, built once from their validated configs."""

    def __init__(self, checks: list[Check], on_error: Action = "hold") -> None:
        self.checks = checks
        self.on_error = on_error

    @classmethod
    def build(
        cls,
        configs: Mapping[str, Any],
        factories: Mapping[str, CheckFactory],
        resources: Resources,
        on_error: Action = "hold",
    ) -> CheckSuite:
        checks: list[Check] = []
        for name, config in configs.items():
            if name not in factories:
                known = ", ".join(sorted(factories))
                raise CheckError(f"checks.{name}: unknown check (known: {known})")
            checks.append(factories[name](config, resources))
        return cls(checks, on_error)

    @property
    def cpu_only(self) -> bool:
        """Whether every check only computes (`Check.cpu_only`): no check waits on I/O."""
        return all(getattr(check, "cpu_only", False) is True for check in self.checks)

    @property
    def streams(self) -> bool:
        """Whether every check can say what it has settled of a text still being written."""
        return all(isinstance(check, StreamingCheck) for check in self.checks)

    def run(self, text: str, context: CheckContext) -> list[Finding]:
        """Every check's findings on `text`, with spans into `text` as written."""
        view, findings = self._view(text)
        return self._run(view, findings, context)

    def check_prefix(self, text: str, context: CheckContext, since: int = 0) -> PrefixCheck:
        """The findings on `text`, the start of an output still being written, and how much of
        it (in characters of `text` as written) no continuation can change.

        `since`: a point (in characters of `text`) that an earlier step settled. Findings that
        start before it are that step's to report; each windowed check reads from the start of
        the context that decides a finding at `since`, so the findings returned are complete
        from `since` on (and may include some before it, read with less context: ignore them)."""
        view, findings = self._view(text)
        position = _view_position(view, since)
        starts = [self._resume(check, view.text, position) for check in self.checks]
        findings = self._run(view, findings, context, starts)
        first = min(starts, default=0)
        return PrefixCheck(findings, self._settled(view, starts), view.original_span(first, first)[0] if view.changed else first)

    def _resume(self, check: Check, text: str, position: int) -> int:
        """Where `check`'s window starts for findings from `position` on: 0 when it cannot say."""
        if position <= 0 or not isinstance(check, WindowedCheck):
            return 0
        try:
            start = check.resume(text, position)
        except Exception:
            log.exception("check %s could not say how far back it reads; reading the whole text", check.name)
            return 0
        return word_start(text, min(max(start, 0), position))

    def _settled(self, view: NormalizedText, starts: list[int] | None = None) -> int:
        point = len(view.text)
        for n, check in enumerate(self.checks):
            if not isinstance(check, StreamingCheck):
                return 0
            start = starts[n] if starts else 0
            try:
                point = min(point, start + check.settled(view.text[start:]))
            except Exception:
                log.exception("check %s could not say what it settled; holding the rest", check.name)
                return 0
        point = word_start(view.text, max(point, 0))
        return view.original_span(point, point)[0] if view.changed else point

    def _run(self, view: NormalizedText, findings: list[Finding], context: CheckContext,
             starts: list[int] | None = None) -> list[Finding]:
        for n, check in enumerate(self.checks):
            start = starts[n] if starts else 0
            try:
                found = check.run(view.text[start:] if start else view.text, context)
            except Exception as exc:
                log.exception("check %s crashed; failing closed (%s)", check.name, self.on_error)
                findings.append(self._failure(check.name, exc))
            else:
                findings.extend(_on_original(_shifted(f, start), view) for f in found)
        return sorted(findings, key=lambda f: (f.start if f.start is not None else -1, f.check))

    def _view(self, text: str) -> tuple[NormalizedText, list[Finding]]:
        try:
            return normalize(text), []
        except Exception as exc:
            log.exception("normalising the text failed; checking it as written, failing closed (%s)", self.on_error)
            return NormalizedText(text, text), [self._failure("normalize", exc)]

    def _failure(self, name: str, exc: Exception) -> Finding:
        return Finding(
            check=name,
            rule="check_error",
            severity="critical" if self.on_error == "block" else "high",
            action=self.on_error,
            message=f"check {name} failed: {type(exc).__name__}",
        )


@dataclass(frozen=True)
class PrefixCheck:
    """What the checks found in the text so far, how much of it is settled, and where the
    earliest window began (0: some check read the whole text)."""

    findings: list[Finding]
    settled: int
    start: int = 0


def _view_position(view: NormalizedText, position: int) -> int:
    """The first position of the normalised text whose original position is at or after
    `position` (the normalised text maps onto the original monotonically)."""
    if not view.changed or position <= 0:
        return min(max(position, 0), len(view.text))
    low, high = 0, len(view.text)
    while low < high:
        middle = (low + high) // 2
        if view.original_span(middle, middle)[0] < position:
            low = middle + 1
        else:
            high = middle
    return low


def _shifted(finding: Finding, offset: int) -> Finding:
    """`finding` of a window that starts `offset` characters into the text, on the text."""
    if not offset or finding.start is None or finding.end is None:
        return finding
    return replace(finding, start=finding.start + offset, end=finding.end + offset)


def word_start(text: str, position: int) -> int:
    """`position`, moved back to the start of the word it falls inside (a position between
    two non-space characters): a word still being written is never cut."""
    if position >= len(text):
        return position
    while 0 < position and not text[position - 1].isspace() and not text[position].isspace():
        position -= 1
    return position


def _on_original(finding: Finding, view: NormalizedText) -> Finding:
    """`finding` with its span moved from the normalised view onto the original text.

    `text`, when it quoted the normalised span, quotes the original characters instead.
    """
    if finding.start is None or finding.end is None or not view.changed:
        return finding
    start, end = view.original_span(finding.start, finding.end)
    quoted = finding.text == view.text[finding.start : finding.end]
    return replace(finding, start=start, end=end, text=view.original[start:end] if quoted else finding.text)


def apply_fixes(text: str, findings: list[Finding]) -> str:
    """`text` with every fix of a `fix`-action finding applied.

    Overlapping spans keep the longest (then highest-scoring) one, so nested detections
    (a phone number inside an address) are replaced once, cleanly.
    """
    fixable = [f for f in findings if f.action == "fix" and f.fix is not None and f.start is not None]
    fixable.sort(key=lambda f: (-(_end(f) - _start(f)), -f.score))
    chosen: list[Finding] = []
    for finding in fixable:
        if all(_end(finding) <= _start(c) or _start(finding) >= _end(c) for c in chosen):
            chosen.append(finding)
    for finding in sorted(chosen, key=_start, reverse=True):
        text = text[: _start(finding)] + (finding.fix or "") + text[_end(finding) :]
    return text


def _start(f: Finding) -> int:
    return f.start or 0


def _end(f: Finding) -> int:
    return f.end or 0
