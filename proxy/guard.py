"""Runs a policy's checks over every candidate of an upstream response.

Each candidate is checked field by field, as `proxy.fields` lists them: the reply, the
refusal, reasoning, tool-call names and arguments, the audio transcript, citations. What the
fields module does not know is dropped and noted; values tied to a text that a fix changed
(logprobs, audio data) are dropped, so nothing unchecked reaches the app.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from checks.engine import apply_fixes
from checks.types import CheckContext, Finding
from proxy import fields
from proxy.policy import LoadedPolicy
from proxy.review.triage import Verdict, triage


@dataclass
class CandidateCheck:
    """One choice: the upstream message (sanitised), the guarded one, and what was found.

    `choice` holds the choice's other known fields (index, finish_reason...) and `logprobs`
    the token logprobs that still spell `fixed` (None when dropped).
    """

    index: int
    message: dict[str, Any]
    fixed: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    choice: dict[str, Any] = field(default_factory=dict)
    logprobs: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "message": self.message, "fixed": self.fixed,
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class GuardResult:
    candidates: list[CandidateCheck]
    verdict: Verdict
    head: dict[str, Any] = field(default_factory=dict)  # the response's known top-level fields
    dropped: list[Finding] = field(default_factory=list)  # top-level fields left out

    @property
    def findings(self) -> list[Finding]:
        return [*self.dropped, *(f for c in self.candidates for f in c.findings)]


def check_text(policy: LoadedPolicy, text: str, context: CheckContext, location: str = "content",
               reply: bool = True) -> tuple[str, list[Finding]]:
    """`text` with the policy's fixes applied, and the findings attributed to `location`.

    A check's insertion (an empty span, e.g. a required footer) belongs to the reply text
    only: appended to a tool call's arguments or a function name it would corrupt them.
    """
    found = [f.at(location) for f in policy.suite.run(text, context) if reply or not _inserts(f)]
    return apply_fixes(text, found), found


def _inserts(finding: Finding) -> bool:
    return finding.start is not None and finding.start == finding.end


def check_candidate(policy: LoadedPolicy, index: int, choice: dict[str, Any], context: CheckContext) -> CandidateCheck:
    raw = choice.get("message")
    message: dict[str, Any] = raw if isinstance(raw, dict) else {}
    reading = fields.read_message(raw)
    own = fields.read_choice_fields(choice)
    clean: dict[str, Any] = reading.value if isinstance(reading.value, dict) else {}
    fixed = copy.deepcopy(clean)
    findings = [d.finding() for d in [*reading.dropped, *own.dropped]]
    changed: set[fields.Path] = set()
    for segment in reading.segments:
        text, found = check_text(policy, segment.text, context, segment.location, segment.reply)
        findings.extend(found)
        if text != segment.text:
            fields.write(fixed, segment.path, text)
            changed.add(segment.path)
    fields.drop_stale(fixed, reading.bound, changed)
    logprobs, odd = fields.kept_logprobs(choice.get("logprobs"), clean, fixed)
    findings.extend(d.finding() for d in odd)
    return CandidateCheck(index=index, message=message, fixed=fixed, findings=_once(findings),
                          choice=own.value or {}, logprobs=logprobs)


def _once(findings: list[Finding]) -> list[Finding]:
    """Findings without repeats of the same whole-output finding (a metadata rule fires once
    per checked field, but is about the candidate)."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in findings:
        key = (f.check, f.rule, f.message)
        if f.start is None and f.check != "fields":
            if key in seen:
                continue
            seen.add(key)
        out.append(f)
    return out


def guard_response(policy: LoadedPolicy, response: dict[str, Any], context: CheckContext) -> GuardResult:
    upstream = fields.sanitize(response)
    head = fields.read_response_fields(upstream)
    candidates = [
        check_candidate(policy, choice.get("index", i) if isinstance(choice, dict) else i,
                        choice if isinstance(choice, dict) else {}, context)
        for i, choice in enumerate(upstream.get("choices") or [{}])
    ]
    dropped = [d.finding() for d in head.dropped]
    findings = [*dropped, *(f for c in candidates for f in c.findings)]
    return GuardResult(candidates, triage(policy.policy, findings, context.metadata), head.value or {}, dropped)


def output_chars(response: dict[str, Any]) -> int:
    """About how much text the checks of `response` read: every string in its choices."""
    return _chars(response.get("choices"))


def _chars(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_chars(v) for v in value.values())
    if isinstance(value, list):
        return sum(_chars(v) for v in value)
    return 0


def check_context(request: dict[str, Any], metadata: dict[str, Any]) -> CheckContext:
    """What the checks may know about the request: its metadata, model and last user text."""
    return CheckContext(metadata=metadata, model=str(request.get("model", "")), prompt=_last_user_text(request))


def _last_user_text(request: dict[str, Any]) -> str:
    for m in reversed(request.get("messages") or []):
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str):
            return str(m["content"])
    return ""


def public_finding(f: Finding) -> dict[str, Any]:
    """A finding as the app (or a reviewer's error) may show it: never the matched original text."""
    return {k: v for k, v in f.to_dict().items() if k != "text"}
