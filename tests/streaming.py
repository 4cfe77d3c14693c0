"""Drives `proxy.stream.guard.StreamGuard` in process, as `proxy.stream.route` does, over a reply
cut into chunks: what the app would receive after each chunk, and in the end."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from checks.types import CheckContext
from proxy.guard import guard_response
from proxy.policy import LoadedPolicy
from proxy.stream.guard import StreamGuard


@dataclass
class Streamed:
    """What the app received: `seen[i]` after the i-th chunk, `text` in the end (with the
    closing), the guard's decision, and the whole-output check of the same reply unstreamed."""

    seen: list[str] = field(default_factory=list)
    text: str = ""
    decision: str = ""
    stopped: str | None = None
    late: int = 0
    unstreamed: str = ""
    unstreamed_decision: str = ""


def words(text: str) -> list[str]:
    """The reply as a provider streams it: a word with the space before it."""
    return re.findall(r"\s*\S+|\s+$", text) or [text]


def chunk(piece: str | None = None, finish: str | None = None) -> dict[str, Any]:
    delta = {"content": piece} if piece is not None else {}
    return {"id": "chatcmpl-test", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def stream(policy: LoadedPolicy, pieces: list[str], holds: bool = False, every_chunk: bool = False,
           context: CheckContext | None = None) -> Streamed:
    """`pieces` through a stream guard; with `every_chunk`, checked after every chunk (the most
    chances to release too early), else on the route's own schedule."""
    context = context or CheckContext()
    guard = StreamGuard(policy, context, holds)
    out = Streamed()
    released = ""
    guard.feed({"id": "chatcmpl-test", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
    for piece in pieces:
        guard.feed(chunk(piece))
        if out.stopped is None:
            due = [w for w in guard.windows.values() if len(w.text) > w.checked] if every_chunk else guard.due(time.monotonic())
            if due:
                step = guard.check(due)
                released += "".join(c["delta"].get("content", "") for c in step.choices)
                out.stopped = step.stop
        out.seen.append(released)
        if out.stopped == "block":
            break
    guard.feed(chunk(finish="stop"))
    result = guard.finish()
    out.decision, out.late = result.verdict.action, guard.late
    blocked = result.verdict.action == "block" or (result.verdict.action == "hold" and holds)
    messages = None if blocked else [c.fixed for c in result.candidates]
    closing = guard.closing(result, messages, "[withheld]")
    out.text = released + "".join(c["delta"].get("content", "") for c in closing)
    whole = guard_response(policy, {"choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(pieces)},
                                                 "finish_reason": "stop"}]}, context)
    out.unstreamed = str(whole.candidates[0].fixed.get("content", ""))
    out.unstreamed_decision = whole.verdict.action
    return out
