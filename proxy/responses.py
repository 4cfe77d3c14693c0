"""What the app receives: the guarded response, as JSON or SSE.

Both carry exactly the fields the guard kept (`proxy.fields`), nothing else of the upstream
response.

Every response carries a top-level `loopguard` object; in a stream it rides on the
last chunk before `[DONE]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from proxy.guard import CandidateCheck, GuardResult

CONTENT_FILTER = "content_filter"


def notice_message(text: str) -> dict[str, Any]:
    """The message that replaces a held or blocked candidate."""
    return {"role": "assistant", "content": text}


def completion_body(guard: GuardResult, messages: list[dict[str, Any]], filtered: bool,
                    loopguard: dict[str, Any]) -> dict[str, Any]:
    """The guarded response: the upstream's known top-level fields and one choice per candidate.

    Logprobs ride only with the exact message they were checked with: a replaced message
    (the hold or block notice, a reviewer's edit) gets none.
    """
    body = {**guard.head, "object": "chat.completion"}
    body["choices"] = [
        _choice(candidate, messages[min(i, len(messages) - 1)], filtered)
        for i, candidate in enumerate(guard.candidates)
    ]
    body["loopguard"] = loopguard
    return body


def _choice(candidate: CandidateCheck, message: dict[str, Any], filtered: bool) -> dict[str, Any]:
    choice = {**candidate.choice, "index": candidate.index, "message": message,
              "finish_reason": CONTENT_FILTER if filtered else candidate.choice.get("finish_reason") or "stop"}
    if not filtered and candidate.logprobs is not None and message == candidate.fixed:
        choice["logprobs"] = candidate.logprobs
    return choice


def _chunk(body: dict[str, Any], choices: list[dict[str, Any]], **extra: Any) -> str:
    chunk = {"id": body.get("id"), "object": "chat.completion.chunk", "created": body.get("created"),
             "model": body.get("model"), "choices": choices, **extra}
    return json.dumps(chunk, separators=(",", ":"))


def _delta(message: dict[str, Any]) -> dict[str, Any]:
    """A guarded message as one stream delta: every field it carries, in delta form."""
    delta: dict[str, Any] = {"role": "assistant"}
    for key, value in message.items():
        if key == "role" or value is None:
            continue
        if key == "tool_calls":
            value = [{**call, "index": i} for i, call in enumerate(value)]
        if key == "content" and isinstance(value, list):  # at most one text and one refusal part
            parts = {part["type"]: part[part["type"]] for part in value}
            value = parts.get("text")
            if "refusal" in parts and not message.get("refusal"):
                delta["refusal"] = parts["refusal"]
        delta[key] = value
    return delta


def sse_events(body: dict[str, Any], include_usage: bool) -> Iterator[str]:
    """A completed, guarded body replayed as OpenAI stream chunks (data payloads)."""
    choices = body["choices"]
    for choice in choices:
        logprobs = {"logprobs": choice["logprobs"]} if "logprobs" in choice else {}
        yield _chunk(body, [{"index": choice["index"], "delta": _delta(choice["message"]), "finish_reason": None,
                             **logprobs}])
    finals = [{"index": c["index"], "delta": {}, "finish_reason": c["finish_reason"]} for c in choices]
    if include_usage:
        yield _chunk(body, finals)
        yield _chunk(body, [], usage=body.get("usage"), loopguard=body["loopguard"])
    else:
        yield _chunk(body, finals, loopguard=body["loopguard"])
    yield "[DONE]"
