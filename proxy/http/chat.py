"""POST /v1/chat/completions, top to bottom: authenticate, parse, apply the app's caps and the
key's rate limit (`proxy.store.quotas`), record the request, then
call upstream, check, triage, hold if needed, store, respond, either whole (JSON, or a stream
buffered by its policy) or as a guarded stream (`proxy.stream.route`)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from proxy.gateway import Gateway
from proxy.http.chat_schema import openapi_body
from proxy.http.requests import bearer_token, parse_chat_request
from proxy.http.responses import json_response
from proxy.http.unlogged import UNLOGGED
from proxy.review.outcome import Exchange, review_header, whole_reply
from proxy.secrets import digest
from proxy.store import quotas
from proxy.stream.route import stream_reply

router = APIRouter()


@router.post("/v1/chat/completions", openapi_extra={"requestBody": openapi_body()})
async def chat_completions(request: Request) -> Response:
    gw: Gateway = request.app.state.gateway
    app = await gw.db_errors.authenticate(gw.store, request)
    raw = await request.body()
    parsed = parse_chat_request(raw, gw.upstream.model_names)
    chat, body = parsed.request, parsed.body
    policy = gw.policy_for(app)
    quotas.enforce_caps(policy.policy.limits, chat, len(raw))
    limits = policy.policy.limits
    window = None
    if limits.rate_limited:
        window = await gw.db_errors.tolerate(
            "rate_limit", gw.run_io(quotas.take, gw.store, limits, digest(bearer_token(request) or "")), None)
    metadata = chat.metadata or {}
    assert app.id is not None
    row = asyncio.ensure_future(gw.db_errors.tolerate(
        "start", gw.run_io(gw.store.start_interaction, app.id, body, metadata, chat.stream), UNLOGGED))
    ex = Exchange(gw, app, policy, request, body, metadata, row, chat.include_usage, window)
    if chat.stream:
        return await stream_reply(ex)
    async with ex.recording_failures():
        upstream = await gw.upstream.complete(body)
        await row
        reply, outcome = await whole_reply(ex, upstream, ex.ms())
    return json_response(reply, review_header(outcome))
