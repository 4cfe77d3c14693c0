"""Runs a policy's checks over a text and applies the fixes they propose.

Checks read the normalised view of the text (`checks.normalize`), so look-alike letters,
zero-width characters and spelled-out values cannot walk around them; the engine maps
every finding back onto the original characters, so fixes apply to the text as written.
Checks know nothing of this.

A check that raises does not let the text through: the engine turns the crash into a
finding whose action is the policy's `on_check_error` (hold or block), so a broken
check fails closed. So does a failure to normalise: the checks then read the text as
written, and the failure is a finding of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from checks.normalize import NormalizedText, normalize
from checks.registry import CheckFactory
from checks.resources import Resources
from checks.types import Action, Check, CheckContext, CheckError, Finding

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

    def run(self, text: str, context: CheckContext) -> list[Finding]:
        """Every check's findings on `text`, with spans into `text` as written."""
        view, findings = self._view(text)
        for check in self.checks:
            try:
                found = check.run(view.text, context)
            except Exception as exc:
                log.exception("check %s crashed; failing closed (%s)", check.name, self.on_error)
                findings.append(self._failure(check.name, exc))
            else:
                findings.extend(_on_original(f, view) for f in found)
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
