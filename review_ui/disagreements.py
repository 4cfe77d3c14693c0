"""The disagreements leads adjudicate (`review_ui.adjudication`): a page in the review UI
(`/review/disagreements`, with a ruling form per item) and the same over the JSON API
(`GET /api/disagreements`, `POST /api/reviews/{id}/adjudication`, bearer token). Leads and
admins only; each sees the apps granted to them. The page also lists the reviewers whose
accuracy on gold items is below their policy's floor (`review_ui.metrics.gold`).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from proxy.gateway import Gateway
from proxy.http.errors import ApiError
from proxy.http.requests import bearer_token
from review_ui import adjudication, decisions
from review_ui.accounts import sessions
from review_ui.accounts.access import Viewer, viewer_for
from review_ui.metrics import gold
from review_ui.web import gateway, redirect, render, signed_in

api_router = APIRouter(prefix="/api")
page_router = APIRouter(prefix="/review/disagreements")


class RulingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "edit", "reject"]
    reason_code: str = Field(min_length=1)
    note: str = Field("", max_length=10_000)
    edited_text: str | None = None
    candidate_index: int = Field(0, ge=0)

    def to_decision(self) -> decisions.DecisionIn:
        return decisions.DecisionIn(self.action, self.reason_code, self.note, self.edited_text, self.candidate_index)


def as_json(d: adjudication.Disagreement, emails: dict[int, str]) -> dict[str, Any]:
    def one(x: Any) -> dict[str, Any]:
        return {"reviewer": emails.get(x.reviewer_id, f"user {x.reviewer_id}"), "action": x.action,
                "reason_code": x.reason_code, "edited_text": x.edited_text, "note": x.note,
                "candidate_index": x.candidate_index, "at": x.created_at.isoformat()}
    return {"review_id": d.item.id, "policy": d.item.policy, "app": d.app, "votes": [one(v) for v in d.votes],
            "adjudication": one(d.ruling) if d.ruling else None}


def _listing(gw: Gateway, viewer: Viewer, open_only: bool) -> tuple[list[adjudication.Disagreement], dict[int, str]]:
    found = adjudication.disagreements(gw.store, viewer.app_ids, open_only)
    ids = {v.reviewer_id for d in found for v in d.votes} | {d.ruling.reviewer_id for d in found if d.ruling}
    return found, gw.store.emails(ids)


def _api_lead(request: Request, gw: Gateway) -> Viewer:
    token = bearer_token(request)
    user = gw.store.user_for_token(token) if token else None
    if user is None:
        raise ApiError(401, "Missing or invalid user token: create one with 'loopguard users create'.", "invalid_token")
    viewer = viewer_for(gw.store, user)
    if not viewer.is_lead:
        raise ApiError(403, "Disagreements are for leads and admins.", "forbidden")
    return viewer


@api_router.get("/disagreements")
async def list_disagreements(request: Request, all: bool = False) -> dict[str, Any]:
    """Disagreements awaiting a ruling (`all=true`: ruled ones too)."""
    gw: Gateway = request.app.state.gateway
    viewer = await run_in_threadpool(_api_lead, request, gw)
    found, emails = await run_in_threadpool(_listing, gw, viewer, not all)
    return {"object": "list", "data": [as_json(d, emails) for d in found]}


@api_router.post("/reviews/{review_id}/adjudication")
async def adjudicate(review_id: int, body: RulingBody, request: Request) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    viewer = await run_in_threadpool(_api_lead, request, gw)
    record = await run_in_threadpool(adjudication.adjudicate, gw, viewer, review_id, body.to_decision())
    return {"id": review_id, "adjudicated": True, "action": record.action, "reason_code": record.reason_code}


@page_router.get("")
async def page(request: Request, done: int = 0) -> Response:
    viewer, current = await signed_in(request)
    if not viewer.is_lead:
        return render(request, "error.html", {"status": 403, "message": "Disagreements are for leads and admins."},
                      status=403, current=current, viewer=viewer)
    gw = gateway(request)
    found, emails = await run_in_threadpool(_listing, gw, viewer, True)
    flagged = await run_in_threadpool(gold.flagged, gw.store, gw.policies, viewer.app_ids)
    reasons = {d.item.policy: gw.policies[d.item.policy].policy.reason_codes for d in found if d.item.policy in gw.policies}
    return render(request, "disagreements.html", {"found": found, "emails": emails, "reasons": reasons,
                                                  "flagged": flagged, "done": done, "error": None},
                  current=current, viewer=viewer)


@page_router.post("/{review_id}")
async def rule(review_id: int, request: Request) -> Response:
    viewer, current = await signed_in(request)
    gw = gateway(request)
    form = await request.form()
    edited = str(form.get("edited_text") or "")
    ruling = decisions.DecisionIn(str(form.get("action") or ""), str(form.get("reason_code") or ""),
                                  str(form.get("note") or ""), edited or None, 0)
    try:
        if not sessions.csrf_ok(request, current, str(form.get(sessions.CSRF_FIELD) or "")):
            raise ApiError(403, "This page is out of date; reload it. Nothing was changed.", "csrf_failed")
        await run_in_threadpool(adjudication.adjudicate, gw, viewer, review_id, ruling)
    except ApiError as exc:
        return render(request, "error.html", {"status": exc.status, "message": exc.message}, status=exc.status,
                      current=current, viewer=viewer)
    return redirect(request, f"/review/disagreements?done={review_id}")
