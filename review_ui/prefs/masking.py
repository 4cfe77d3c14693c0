"""Personal data out of exported text, found by each policy's own PII check.

Every span the policy's `pii` check reports is replaced, whatever action the policy gives it
at run time (a held phone number is still a phone number in a training set): with the
check's own fix when it has one, else with `<ENTITY_TYPE>`. Entities a policy allows (a
sales policy's person names) are not analysed by its check and so stay. A policy without a
`pii` check is masked with the check's defaults (every supported entity), never left raw.

The same masking shows a request's prompt to users who may not read raw text (`ml`) in the
review UI and its JSON API (`request`): what they read there is what an export would give them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from checks.engine import apply_fixes
from checks.resources import Resources
from checks.types import Check, CheckContext
from proxy.policy import LoadedPolicy
from review_ui.prefs.records import Message, PrefRecord


class Masker:
    """Masks records. The policies (and their NLP pipeline) load on first use, so an export
    that fails early or finds nothing never pays for them."""

    def __init__(self, load: Callable[[], dict[str, LoadedPolicy]], resources: Resources | None = None) -> None:
        self._load = load
        self._checks: dict[str, Check] | None = None
        self._resources = resources
        self._fallback: Check | None = None

    def _check(self, policy: str) -> Check:
        if self._checks is None:
            self._checks = {name: c for name, loaded in self._load().items() for c in loaded.suite.checks
                            if c.name == "pii"}
        if policy in self._checks:
            return self._checks[policy]
        if self._fallback is None:
            from checks.pii import PiiCheck, PiiConfig  # the NLP stack, only when a policy has no pii check

            self._fallback = PiiCheck(PiiConfig.model_validate({}), self._resources or Resources())
        return self._fallback

    def text(self, policy: str, text: str) -> str:
        if not text:
            return text
        found = self._check(policy).run(text, CheckContext())
        fixes = [replace(f, action="fix", fix=f.fix if f.fix is not None else f"<{f.rule}>")
                 for f in found if f.start is not None]
        return apply_fixes(text, fixes)

    def request(self, policy: str, request: dict[str, Any]) -> dict[str, Any]:
        """A chat request with its messages' text masked; parts that are not text (images,
        audio, files) cannot be masked, so only their type is kept."""
        messages = request.get("messages")
        if not isinstance(messages, list):
            return request
        return {**request, "messages": [self._message(policy, m) for m in messages]}

    def _message(self, policy: str, message: Any) -> Any:
        if not isinstance(message, dict):
            return message
        out = dict(message)
        content = message.get("content")
        if isinstance(content, str):
            out["content"] = self.text(policy, content)
        elif isinstance(content, list):
            out["content"] = [self._part(policy, p) for p in content]
        for key in ("name", "refusal"):
            if isinstance(message.get(key), str):
                out[key] = self.text(policy, message[key])
        if isinstance(message.get("tool_calls"), list):
            out["tool_calls"] = [self._tool_call(policy, c) for c in message["tool_calls"]]
        return out

    def _part(self, policy: str, part: Any) -> Any:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            return {**part, "text": self.text(policy, part["text"])}
        return {"type": part.get("type")} if isinstance(part, dict) else part

    def _tool_call(self, policy: str, call: Any) -> Any:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("arguments"), str):
            return call
        return {**call, "function": {**function, "arguments": self.text(policy, function["arguments"])}}

    def record(self, record: PrefRecord) -> PrefRecord:
        prompt: list[Message] = [{**m, "content": self.text(record.policy, m["content"])} for m in record.prompt]
        chosen = self.text(record.policy, record.chosen) if record.chosen is not None else None
        rejected = self.text(record.policy, record.rejected) if record.rejected is not None else None
        return record.with_texts(prompt, chosen, rejected)
