"""Runs a policy's checks over a text and applies the fixes they propose.

A check that raises does not let the text through: the engine turns the crash into a
finding whose action is the policy's `on_check_error` (hold or block), so a broken
check fails closed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

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
        findings: list[Finding] = []
        for check in self.checks:
            try:
                findings.extend(check.run(text, context))
            except Exception as exc:
                log.exception("check %s crashed; failing closed (%s)", check.name, self.on_error)
                findings.append(
                    Finding(
                        check=check.name,
                        rule="check_error",
                        severity="critical" if self.on_error == "block" else "high",
                        action=self.on_error,
                        message=f"check {check.name} failed: {type(exc).__name__}",
                    )
                )
        return sorted(findings, key=lambda f: (f.start if f.start is not None else -1, f.check))


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
