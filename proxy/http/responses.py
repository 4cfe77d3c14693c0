"""What the app receives: the guarded response, as JSON or SSE.

Both carry exactly the fields the guard kept (`proxy.fields`), nothing else of the upstream
response.

Every response carries a top-level `loopguard` object; in a stream it rides on the
last chunk before `[DONE]`. A stream that fails after it started ends with an error event in
OpenAI's shape (`{"error": {...}}`, which the OpenAI SDKs raise as an APIError) and `[DONE]`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from fastapi.responses import Response

from proxy.guard import CandidateCheck, GuardResult
from proxy.http.errors import ApiError, error_body

CONTENT_FILTER = "content_filter"


def json_response(body: dict[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    """The body as JSON, encoded once by orjson (what JSONResponse's json.dumps does, faster)."""
    return Response(orjson.dumps(body), media_type="application/json", headers=headers)


def _dumps(value: dict[str, Any]) -> str:
    return orjson.dumps(value).decode()


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


def chunk(head: dict[str, Any], choices: list[dict[str, Any]], **extra: Any) -> str:
    """One stream chunk (its data payload) with the response's identifying fields from `head`."""
    out = {"id": head.get("id"), "object": "chat.completion.chunk", "created": head.get("created"),
           "model": head.get("model"), "choices": choices, **extra}
    if head.get("system_fingerprint"):
        out["system_fingerprint"] = head["system_fingerprint"]
    return _dumps(out)


def error_event(error: ApiError) -> str:
    """The data payload that ends a failed stream."""
    return _dumps(error_body(error.status, error.message, error.code, error.param, error.details))


def closing_events(head: dict[str, Any], finals: list[dict[str, Any]], loopguard: dict[str, Any],
                   include_usage: bool) -> Iterator[str]:
    """A stream's last chunks: the choices' final deltas, usage when asked, the loopguard object."""
    if include_usage:
        yield chunk(head, finals)
        yield chunk(head, [], usage=head.get("usage"), loopguard=loopguard)
    else:
        yield chunk(head, finals, loopguard=loopguard)
    yield "[DONE]"


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
        yield chunk(body, [{"index": choice["index"], "delta": _delta(choice["message"]), "finish_reason": None,
                            **logprobs}])
    finals = [{"index": c["index"], "delta": {}, "finish_reason": c["finish_reason"]} for c in choices]
    yield from closing_events(body, finals, body["loopguard"], include_usage)
