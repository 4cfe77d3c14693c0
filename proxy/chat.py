"""POST /v1/chat/completions, top to bottom: authenticate, parse, call upstream, check,
triage, hold if needed, store, respond."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from proxy.errors import ApiError
from proxy.gateway import Gateway
from proxy.guard import GuardResult, check_context, guard_response, public_finding
from proxy.holds import audit_sampled, new_review_item, wait_for_release
from proxy.models import App
from proxy.policy import LoadedPolicy
from proxy.requests import authenticate_app, parse_chat_request
from proxy.responses import completion_body, notice_message, sse_events

log = logging.getLogger("loopguard.proxy")
router = APIRouter()
REVIEW_HEADER = "X-Loopguard-Review-Id"


@router.post("/v1/chat/completions")
async def chat_completions(request: Request) -> Response:
    gw: Gateway = request.app.state.gateway
    app = await run_in_threadpool(authenticate_app, request, gw.store)
    chat = parse_chat_request(await request.body(), gw.upstream.model_names)
    policy = gw.policy_for(app)
    metadata = chat.metadata or {}
    assert app.id is not None
    body_in = chat.model_dump(exclude_none=True)
    interaction_id = await run_in_threadpool(gw.store.start_interaction, app.id, body_in, metadata, chat.stream)
    started = time.perf_counter()
    try:
        upstream = await gw.upstream.complete(body_in)
        upstream_ms = _ms(started)
        context = check_context(body_in, metadata)
        guard = await run_in_threadpool(guard_response, policy, upstream, context)
        checks_ms = _ms(started) - upstream_ms
        await run_in_threadpool(
            gw.store.finish_interaction, interaction_id, candidates=[c.to_dict() for c in guard.candidates],
            findings=[f.to_dict() for f in guard.findings], decision=guard.verdict.action,
            usage=guard.head.get("usage") or {}, upstream_ms=upstream_ms, checks_ms=checks_ms)
        body, review_id = await _outcome(gw, app, policy, interaction_id, guard, metadata, request.is_disconnected)
    except ApiError as exc:
        await run_in_threadpool(gw.store.finish_interaction, interaction_id, state="failed", error=exc.message,
                                total_ms=_ms(started))
        raise
    except Exception as exc:
        log.exception("interaction %s failed", interaction_id)
        await run_in_threadpool(gw.store.finish_interaction, interaction_id, state="failed",
                                error=f"{type(exc).__name__}: {exc}", total_ms=_ms(started))
        raise ApiError(500, "loopguard failed while handling this request; it has been logged.", "internal_error") from exc
    await run_in_threadpool(gw.store.finish_interaction, interaction_id, state="completed",
                            final_output=[c["message"] for c in body["choices"]], total_ms=_ms(started))
    headers = {REVIEW_HEADER: str(review_id)} if review_id else {}
    if chat.stream:
        return EventSourceResponse(
            ({"data": data} for data in sse_events(body, chat.include_usage)), headers=headers, ping=15)
    return JSONResponse(body, headers=headers)


async def _outcome(gw: Gateway, app: App, policy: LoadedPolicy, interaction_id: int, guard: GuardResult,
                   metadata: dict[str, Any], disconnected: Callable[[], Awaitable[bool]]) -> tuple[dict[str, Any], int | None]:
    """The body to return and the review id when one was queued, per the app's mode."""
    action = guard.verdict.action
    fixed = [c.fixed for c in guard.candidates]
    messages = policy.policy.messages
    held = action != "block" and (app.mode == "command" or (action == "hold" and app.mode == "review"))
    queued = held or (action == "hold" and app.mode == "monitor") or audit_sampled(policy.policy, action, interaction_id)
    review_id = None
    if queued:
        assert app.id is not None
        item = new_review_item(interaction_id, app.id, app.mode, policy.policy, guard, metadata, blocking=held)
        review_id = (await run_in_threadpool(gw.store.create_review, item)).id

    def reply(status: str, out: list[dict[str, Any]] | None) -> tuple[dict[str, Any], int | None]:
        filtered = out is None
        shown = out if out is not None else [notice_message(messages.block if status != "pending" else messages.hold)]
        info = _loopguard_info(interaction_id, policy, guard, status, review_id)
        return completion_body(guard, shown, filtered, info), review_id

    if action == "block":
        return reply("blocked", None)
    if not held:
        return reply("released", fixed)
    assert review_id is not None
    if app.on_hold == "defer":
        return reply("pending", None)
    release = await wait_for_release(gw.store, review_id, policy.policy, fixed, disconnected)
    return reply(release.status, release.messages)


def _loopguard_info(interaction_id: int, policy: LoadedPolicy, guard: GuardResult, status: str,
                    review_id: int | None) -> dict[str, Any]:
    return {
        "interaction_id": interaction_id,
        "policy": policy.policy.name,
        "decision": guard.verdict.action,
        "status": status,
        "review_id": review_id,
        "tier": guard.verdict.tier.name,
        "findings": [public_finding(f) for f in guard.findings],
    }


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
