"""The small OpenAI-compatible routes: models, an app's view of its reviews, and the probes
every process serves: `/healthz` (the process answers) and `/readyz` (it can do its work:
the database answers and policies are loaded; 503 otherwise, so a load balancer skips it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from proxy.gateway import Gateway
from proxy.http.errors import ApiError
from proxy.http.requests import authenticate_app
from proxy.http.responses import CONTENT_FILTER, notice_message
from proxy.policy import Messages

router = APIRouter()
probes = APIRouter()


@probes.get("/healthz")
async def healthz(request: Request) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    return {"status": "ok", "policies": sorted(gw.policies), "models": gw.upstream.model_names}


@probes.get("/readyz")
async def readyz(request: Request) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    await run_in_threadpool(gw.store.ping)
    if not gw.policies:
        raise ApiError(503, "No policies are loaded.", "not_ready")
    return {"status": "ready", "database": "ok", "policies": len(gw.policies)}


@probes.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus exposition (`proxy.telemetry`): counts and timings only, per process, as
    Prometheus scrapes every process."""
    gw: Gateway = request.app.state.gateway
    body = await run_in_threadpool(gw.telemetry.exposition)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/models")
async def list_models(request: Request) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    await run_in_threadpool(authenticate_app, request, gw.store)
    return {"object": "list",
            "data": [{"id": name, "object": "model", "created": 0, "owned_by": "loopguard"} for name in gw.upstream.model_names]}


@router.get("/v1/reviews/{review_id}")
async def review_status(review_id: int, request: Request) -> dict[str, Any]:
    """An app polls its deferred output here; the released text appears once decided."""
    gw: Gateway = request.app.state.gateway
    app = await run_in_threadpool(authenticate_app, request, gw.store)
    item = await run_in_threadpool(gw.store.get_review, review_id)
    if item is None or item.app_id != app.id or item.gold:  # a gold item is no app's (proxy.review.gold)
        raise ApiError(404, f"No review {review_id} for this app.", "review_not_found")
    decisions = await run_in_threadpool(gw.store.decisions_for, review_id)
    acting = [d for d in decisions if d.kind == "decision"]  # what the app got, not later blind or lead decisions
    decided = item.decided_at is not None
    released = item.released_output
    body: dict[str, Any] = {
        "id": item.id, "object": "loopguard.review", "status": item.status, "decision": item.decision,
        "tier": item.tier, "decided": decided,
        "reason_code": acting[-1].reason_code if acting and decided else None,
    }
    if decided:
        policy = gw.policies.get(item.policy)
        blocked_text = (policy.policy.messages if policy else Messages()).block
        messages = released or [notice_message(blocked_text)]
        body["choices"] = [
            {"index": i, "message": m, "finish_reason": "stop" if released else CONTENT_FILTER}
            for i, m in enumerate(messages)
        ]
    return body
