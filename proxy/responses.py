"""What the app receives: the upstream response with guarded messages, as JSON or SSE.

Every response carries a top-level `loopguard` object; in a stream it rides on the
last chunk before `[DONE]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

CONTENT_FILTER = "content_filter"


def notice_message(text: str) -> dict[str, Any]:
    """The message that replaces a held or blocked candidate."""
    return {"role": "assistant", "content": text}


def completion_body(upstream: dict[str, Any], messages: list[dict[str, Any]], filtered: bool,
                    loopguard: dict[str, Any]) -> dict[str, Any]:
    """The upstream body with each choice's message replaced by the guarded one."""
    body = {k: v for k, v in upstream.items() if k != "choices"}
    body["object"] = "chat.completion"
    choices = upstream.get("choices") or [{}]
    body["choices"] = [
        {
            "index": choice.get("index", i),
            "message": messages[min(i, len(messages) - 1)],
            "finish_reason": CONTENT_FILTER if filtered else choice.get("finish_reason", "stop"),
            **({"logprobs": choice["logprobs"]} if "logprobs" in choice and not filtered else {}),
        }
        for i, choice in enumerate(choices)
    ]
    body["loopguard"] = loopguard
    return body


def _chunk(body: dict[str, Any], choices: list[dict[str, Any]], **extra: Any) -> str:
    chunk = {"id": body.get("id"), "object": "chat.completion.chunk", "created": body.get("created"),
             "model": body.get("model"), "choices": choices, **extra}
    return json.dumps(chunk, separators=(",", ":"))


def _tool_call_deltas(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"index": i, "id": call.get("id"), "type": call.get("type", "function"),
         "function": {"name": call["function"].get("name"), "arguments": call["function"].get("arguments", "")}}
        for i, call in enumerate(message.get("tool_calls") or [])
    ]


def sse_events(body: dict[str, Any], include_usage: bool) -> Iterator[str]:
    """A completed, guarded body replayed as OpenAI stream chunks (data payloads)."""
    choices = body["choices"]
    for choice in choices:
        message = choice["message"]
        delta: dict[str, Any] = {"role": "assistant"}
        if message.get("content") is not None:
            delta["content"] = message["content"]
        if message.get("tool_calls"):
            delta["tool_calls"] = _tool_call_deltas(message)
        yield _chunk(body, [{"index": choice["index"], "delta": delta, "finish_reason": None}])
    finals = [{"index": c["index"], "delta": {}, "finish_reason": c["finish_reason"]} for c in choices]
    if include_usage:
        yield _chunk(body, finals)
        yield _chunk(body, [], usage=body.get("usage"), loopguard=body["loopguard"])
    else:
        yield _chunk(body, finals, loopguard=body["loopguard"])
    yield "[DONE]"
