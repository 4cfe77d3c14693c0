"""Runs a policy's checks over every candidate of an upstream response.

Each candidate is checked in its parts: the message content and each tool call's
arguments, so personal data cannot leave through a tool call either.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from checks.engine import apply_fixes
from checks.types import CheckContext, Finding
from proxy.policy import LoadedPolicy
from proxy.triage import Verdict, triage


@dataclass
class CandidateCheck:
    index: int
    message: dict[str, Any]
    fixed: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)

    @property
    def text(self) -> str:
        return str(self.message.get("content") or "")

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "message": self.message, "fixed": self.fixed,
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class GuardResult:
    candidates: list[CandidateCheck]
    verdict: Verdict

    @property
    def findings(self) -> list[Finding]:
        return [f for c in self.candidates for f in c.findings]


def _segments(message: dict[str, Any]) -> list[tuple[str, str]]:
    parts = []
    if isinstance(message.get("content"), str):
        parts.append(("content", message["content"]))
    for i, call in enumerate(message.get("tool_calls") or []):
        args = (call.get("function") or {}).get("arguments")
        if isinstance(args, str):
            parts.append((f"tool_calls[{i}].function.arguments", args))
    return parts


def _set_segment(message: dict[str, Any], location: str, value: str) -> None:
    if location == "content":
        message["content"] = value
    else:
        index = int(location.split("[", 1)[1].split("]", 1)[0])
        message["tool_calls"][index]["function"]["arguments"] = value


def check_candidate(policy: LoadedPolicy, index: int, message: dict[str, Any], context: CheckContext) -> CandidateCheck:
    result = CandidateCheck(index=index, message=message, fixed=copy.deepcopy(message))
    for location, text in _segments(message):
        findings = [f.at(location) for f in policy.suite.run(text, context)]
        result.findings.extend(findings)
        _set_segment(result.fixed, location, apply_fixes(text, findings))
    return result


def guard_response(policy: LoadedPolicy, response: dict[str, Any], context: CheckContext) -> GuardResult:
    candidates = [
        check_candidate(policy, choice.get("index", i), choice.get("message") or {}, context)
        for i, choice in enumerate(response.get("choices") or [])
    ]
    findings = [f for c in candidates for f in c.findings]
    return GuardResult(candidates, triage(policy.policy, findings, context.metadata))
