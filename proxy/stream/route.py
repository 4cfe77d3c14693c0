"""A `stream: true` request run against the upstream and the app.

The upstream is opened first, so that a provider that refuses the request is an HTTP error
exactly as for a JSON request. The reply is then streamed through its windows
(`StreamGuard`), or buffered (checked whole, then replayed as chunks) when:

- its policy asks for it (`stream: buffer`);
- the app's mode holds every output (`command`): nothing may go out before a decision;
- a check of the policy cannot say what it has settled of a text still being written;
- the whole-output findings (metadata rules) already hold or block it before its first byte.

Whatever happens after the response started (the upstream cut mid-way, a malformed event, a
stalled upstream, a bug), the app gets an error event in OpenAI's shape and `[DONE]`, the
interaction is recorded as failed, and text the checks had not settled stays unsent. The
interaction row is written before the last chunk goes out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi.responses import Response
from sse_starlette import EventSourceResponse

from proxy import fields
from proxy.http.errors import ApiError
from proxy.http.responses import chunk, closing_events, error_event, sse_events
from proxy.review.outcome import Exchange, decide, loopguard_info, review_header, whole_reply
from proxy.review.triage import triage
from proxy.stream.assembly import StreamAssembly
from proxy.stream.guard import StreamGuard
from proxy.upstream import Chunks

log = logging.getLogger("loopguard.proxy")
PING_S = 15  # an SSE comment this often keeps a paused stream (a hold being reviewed) open

Event = dict[str, str]


async def stream_reply(ex: Exchange) -> Response:
    async with ex.recording_failures():
        opened, decided = await asyncio.gather(ex.gw.upstream.stream(ex.body), _buffered(ex), return_exceptions=True)
        if isinstance(opened, BaseException):
            raise opened  # the upstream refused the request: an HTTP error, as for JSON
        chunks = opened
        try:
            if isinstance(decided, BaseException):
                raise decided
            buffered = decided
            await ex.row
        except BaseException:
            await chunks.aclose()
            raise
    if buffered:
        return await _whole(ex, chunks)
    return EventSourceResponse(_windowed(ex, chunks), ping=PING_S)


async def _buffered(ex: Exchange) -> bool:
    """Whether the reply must be checked whole before anything of it goes out."""
    suite = ex.policy.suite
    if ex.policy.policy.stream == "buffer" or ex.app.mode == "command" or not suite.streams:
        return True
    whole_output = [f for f in await ex.gw.run_checks(suite.run, "", ex.context, chars=ex.inline_chars(0)) if f.start is None]
    verdict = triage(ex.policy.policy, whole_output, ex.metadata)
    return verdict.action == "block" or (verdict.action == "hold" and ex.app.mode == "review")


async def _whole(ex: Exchange, chunks: Chunks) -> Response:
    """The buffered stream: the upstream read to its end, checked as a JSON reply, replayed."""
    async with ex.recording_failures():
        assembly = StreamAssembly()
        try:
            async for item in chunks:
                assembly.add(fields.sanitize(item))
        finally:
            await chunks.aclose()
        reply, outcome = await whole_reply(ex, assembly.response(), ex.ms())
    events = ({"data": data} for data in sse_events(reply, ex.include_usage))
    return EventSourceResponse(events, headers=review_header(outcome), ping=PING_S)


class _Sent:
    """What the app has received, per choice, as chunks go out."""

    def __init__(self, head: dict[str, Any]) -> None:
        self.head = head
        self.messages: dict[int, dict[str, Any]] = {}

    def event(self, choices: list[dict[str, Any]]) -> Event:
        for choice in choices:
            fields.merge_delta(self.messages.setdefault(choice["index"], {}), choice["delta"])
        return {"data": chunk(self.head, choices)}

    def final_output(self) -> list[dict[str, Any]]:
        return [self.messages[i] for i in sorted(self.messages)]


async def _windowed(ex: Exchange, chunks: Chunks) -> AsyncIterator[Event]:
    guard = StreamGuard(ex.policy, ex.context, holds=ex.app.mode == "review")
    sent = _Sent(guard.assembly.head)
    checks_s = 0.0
    ended = False
    try:
        stop: str | None = None
        async for item in chunks:
            opened = guard.feed(item)
            if opened:
                yield sent.event(opened)
            due = guard.due(time.monotonic()) if stop is None else []
            if due:
                started = time.perf_counter()
                step = await ex.gw.run_checks(guard.check, due, chars=ex.inline_chars(guard.chars()))
                checks_s += time.perf_counter() - started
                if step.choices:
                    yield sent.event(step.choices)
                stop = step.stop
                if stop == "block":
                    break
        upstream_ms = ex.ms()
        started = time.perf_counter()
        result = await ex.gw.run_checks(guard.finish, chars=ex.inline_chars(guard.chars()))
        checks_ms = round((checks_s + time.perf_counter() - started) * 1000, 2)
        checked = ex.checked_fields(result, round(upstream_ms - checks_s * 1000, 2), checks_ms)
        outcome = await decide(ex.gw, ex.app, ex.policy, ex.interaction_id, result, ex.metadata, checked, _never_disconnected)
        finals = guard.closing(result, outcome.messages, outcome.notice)
        sent.event(finals)
        info = loopguard_info(ex.interaction_id, ex.policy, result, outcome,
                              stream={"mode": "window", "checks": sum(w.checks for w in guard.windows.values()),
                                      "first_release_after": guard.first_release_after})
        await ex.record(state="completed", final_output=sent.final_output(), total_ms=ex.ms(), **checked)
        ended = True
        for data in closing_events(sent.head, finals, info, ex.include_usage):
            yield {"data": data}
    except Exception as exc:
        error = exc if isinstance(exc, ApiError) else ApiError(
            500, "loopguard failed while streaming this reply; it has been logged.", "internal_error")
        if not isinstance(exc, ApiError):
            log.exception("interaction %s failed mid-stream", ex.interaction_id)
        await ex.record(state="failed", error=error.message, final_output=sent.final_output(), total_ms=ex.ms())
        ended = True
        yield {"data": error_event(error)}
        yield {"data": "[DONE]"}
    finally:
        with anyio.CancelScope(shield=True):
            await chunks.aclose()
            if not ended:
                await ex.record(state="failed", error="the app closed the stream before it ended",
                                final_output=sent.final_output(), total_ms=ex.ms())


async def _never_disconnected() -> bool:
    """A paused stream learns of a disconnect by being cancelled, not by polling."""
    return False
