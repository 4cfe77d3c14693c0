"""The engine: fixes applied exactly, overlapping spans resolved, crashing checks fail closed."""

from __future__ import annotations

import pytest

from checks.engine import CheckSuite, apply_fixes
from checks.types import CheckContext, Finding
from tests.plugins import CrashConfig, CrashingCheck


def finding(start: int, end: int, fix: str, action: str = "fix", score: float = 1.0) -> Finding:
    return Finding(check="t", rule="r", severity="medium", action=action, start=start, end=end, fix=fix, score=score)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "findings", "expected"), [
    ("call 555 now", [finding(5, 8, "<N>")], "call <N> now"),
    ("a b c", [finding(0, 1, "A"), finding(4, 5, "C")], "A b C"),
    ("12 Main St, Bob Main", [finding(0, 10, "<ADDR>"), finding(3, 7, "<PERSON>")], "<ADDR>, Bob Main"),
    ("keep this", [finding(0, 4, "X", action="hold")], "keep this"),
    ("end", [finding(3, 3, "!")], "end!"),
])
def test_apply_fixes(text: str, findings: list[Finding], expected: str) -> None:
    assert apply_fixes(text, findings) == expected


@pytest.mark.parametrize(("on_error", "severity"), [("hold", "high"), ("block", "critical")])
def test_crashing_check_fails_closed(on_error: str, severity: str) -> None:
    suite = CheckSuite([CrashingCheck(CrashConfig(), None)], on_error=on_error)  # type: ignore[arg-type]
    [f] = suite.run("anything", CheckContext())
    assert (f.rule, f.action, f.severity) == ("check_error", on_error, severity)
