"""The state of one streamed reply: what the upstream wrote, what the app has, what was found.

Free of I/O: `proxy.stream.route` feeds it the upstream's chunks, asks it to check the texts
that grew enough (`due`, `check`: CPU-bound, run off the event loop), sends what it releases,
and at the end has the whole reply checked exactly as an unstreamed one (`finish`) and sends
the rest (`closing`). Each check of a text reads it from what the last one settled, each
check of the policy reaching back as far as its findings read (`proxy.stream.window`).

A finding stops the stream where the app's mode says the output must not go on: a block in
any mode, a hold in review mode. Text before the finding that the checks have settled is
still released; nothing from the finding on. Findings count once settled (a later word can
no longer change them) or when they concern the whole output (a metadata rule, a check that
failed).

Whatever the windows released, the reply is checked whole at the end. If that check changes
text the app already received (a reading that reaches back further than a check's window
said, such as a name confirmed by a later mention), the difference is a finding of its own,
`stream/released_before_whole_check`, held for a person; what follows is sent as the whole
check fixed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from checks.types import CheckContext, Finding
from proxy import fields
from proxy.guard import CandidateCheck, GuardResult, guard_response
from proxy.policy import LoadedPolicy
from proxy.review.triage import Verdict, triage
from proxy.stream.assembly import StreamAssembly
from proxy.stream.window import TextWindow, continuation, merge

STOPPING = ("hold", "block")


@dataclass
class Step:
    """What a check of the grown texts released (chunk choices to send) and whether to stop."""

    choices: list[dict[str, Any]] = field(default_factory=list)
    stop: str | None = None  # "block" | "hold"


@dataclass
class StreamGuard:
    """One streamed reply under `policy`; `holds` says whether a hold stops it (review mode)."""

    policy: LoadedPolicy
    context: CheckContext
    holds: bool
    assembly: StreamAssembly = field(default_factory=StreamAssembly)
    windows: dict[tuple[int, str], TextWindow] = field(default_factory=dict)
    decided: dict[tuple[int, str], list[Finding]] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    late: int = 0
    first_release_after: int | None = None  # characters the upstream had written when text first went out

    def feed(self, chunk: dict[str, Any]) -> list[dict[str, Any]]:
        """Adds an upstream chunk; returns chunk choices to send at once (a new choice's role)."""
        out = []
        for choice in self.assembly.add(fields.sanitize(chunk)):
            if choice.index not in self.started:
                self.started.add(choice.index)
                out.append({"index": choice.index, "delta": {"role": "assistant", "content": ""}, "finish_reason": None})
            for key in fields.STREAMED:
                text = choice.message.get(key)
                if isinstance(text, str):
                    self.windows.setdefault((choice.index, key), TextWindow(choice.index, key)).text = text
        return out

    def chars(self) -> int:
        """How much streamed text there is so far: about what a check of it reads."""
        return sum(len(w.text) for w in self.windows.values())

    def due(self, now: float) -> list[TextWindow]:
        return [w for w in self.windows.values() if w.due(now)]

    def check(self, due: list[TextWindow]) -> Step:
        """Checks each grown text whole, releases what is settled, and says whether to stop."""
        step = Step()
        results = []
        for window in due:
            length = window.complete()
            key = (window.choice, window.key)
            since = min(window.settled, length)
            result = self.policy.suite.check_prefix(window.text[:length], self.context, since)
            result = merge(self.decided.get(key, []), replace(result, findings=[f.at(window.key) for f in result.findings]), since)
            self.decided[key] = [f for f in result.findings if f.start is None or f.start < result.settled]
            results.append((window, length, result))
        verdict = self.verdict()
        stops = verdict.action == "block" or (verdict.action == "hold" and self.holds)
        for window, length, result in results:
            piece = window.advance(length, result, self._stop_limit(window) if stops else None)
            if piece and self.first_release_after is None:
                self.first_release_after = len(window.text)
            if piece:
                step.choices.append({"index": window.choice, "delta": {window.key: piece}, "finish_reason": None})
        step.stop = verdict.action if stops else None
        return step

    def verdict(self) -> Verdict:
        """Triage of the findings settled so far."""
        found = [f for findings in self.decided.values() for f in findings]
        return triage(self.policy.policy, _once(found), self.context.metadata)

    def _stop_limit(self, window: TextWindow) -> int:
        """Where release must stop in `window`: before its first settled hold or block finding;
        where it stands when the stop comes from elsewhere (another text, the whole output)."""
        spans = [f.start for f in self.decided.get((window.choice, window.key), [])
                 if f.start is not None and f.action in STOPPING]
        return min(spans) if spans else window.released

    def finish(self) -> GuardResult:
        """The whole reply checked as an unstreamed one, with a finding for any released text that
        the whole check changed."""
        guard = guard_response(self.policy, self.assembly.response(), self.context)
        for candidate in guard.candidates:
            for key in fields.STREAMED:
                window = self.windows.get((candidate.index, key))
                final = candidate.fixed.get(key)
                if window is None or not window.emitted or (isinstance(final, str) and final.startswith(window.emitted)):
                    continue
                candidate.findings.append(Finding(
                    check="stream", rule="released_before_whole_check", severity="high", action="hold", location=key,
                    message="the whole-output check changed text already streamed to the app"))
                self.late += 1
        if self.late:
            guard.verdict = triage(self.policy.policy, guard.findings, self.context.metadata)
        return guard

    def closing(self, guard: GuardResult, messages: list[dict[str, Any]] | None, notice: str) -> list[dict[str, Any]]:
        """The last chunk choices: for each candidate, the rest of its released message (or the
        notice that replaces it) and its finish_reason."""
        out = []
        for i, candidate in enumerate(guard.candidates):
            if messages is None:
                sent = self.windows.get((candidate.index, "content"))
                content = ("\n\n" if sent is not None and sent.emitted else "") + notice
                out.append({"index": candidate.index, "delta": {"content": content}, "finish_reason": "content_filter"})
                continue
            message = messages[min(i, len(messages) - 1)]
            delta, whole = self._rest(candidate, message)
            finish = (candidate.choice.get("finish_reason") or "stop") if whole else "content_filter"
            choice: dict[str, Any] = {"index": candidate.index, "delta": delta, "finish_reason": finish}
            if whole and candidate.logprobs is not None and message == candidate.fixed:
                choice["logprobs"] = candidate.logprobs
            out.append(choice)
        return out

    def _rest(self, candidate: CandidateCheck, message: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """What of `message` the app has not received; False when the app's text cannot become
        `message` (a reviewer's edit of text that was already streamed)."""
        delta: dict[str, Any] = {}
        whole = True
        for key, value in message.items():
            window = self.windows.get((candidate.index, key))
            if key == "role" or value is None:
                continue
            if window is None:
                delta[key] = value
            elif isinstance(value, str) and value.startswith(window.emitted):
                if len(value) > len(window.emitted):
                    delta[key] = value[len(window.emitted) :]
            elif message is candidate.fixed:
                found = [f for f in candidate.findings if f.location == key]
                delta[key] = continuation(window, found, reply=key == "content")
            else:
                whole = False
        if "tool_calls" in delta:
            delta["tool_calls"] = [{**call, "index": n} for n, call in enumerate(delta["tool_calls"])]
        return delta, whole


def _once(findings: list[Finding]) -> list[Finding]:
    """Findings without repeats of a whole-output finding (each text's check reports it)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        if f.start is None:
            if (f.check, f.rule) in seen:
                continue
            seen.add((f.check, f.rule))
        out.append(f)
    return out
