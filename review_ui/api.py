"""The JSON review API: list held items, claim them, decide them. Bearer user tokens.

Reviewers approve, edit, reject or escalate; an escalated item waits for a lead or
admin. Every decision needs a reason code from the item's policy taxonomy. A user sees
only the items of the apps granted to them (admins: all); other items answer 404. Every
route goes through `review_ui.decisions`, the code path the web pages use too.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from proxy.gateway import Gateway
from proxy.http.errors import ApiError
from proxy.http.requests import bearer_token
from proxy.review.webhooks import review_link
from proxy.store.models import ReviewItem
from review_ui import decisions, overlap, queue
from review_ui.accounts.access import Viewer, masked_candidate, viewer_for
from review_ui.prefs.masking import Masker

router = APIRouter(prefix="/api")


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "edit", "reject", "escalate"]
    reason_code: str = Field(min_length=1)
    note: str = Field("", max_length=10_000)
    edited_text: str | None = None
    candidate_index: int = Field(0, ge=0)
    ranking: list[int] | None = Field(None, max_length=16)

    @model_validator(mode="after")
    def _edit_needs_text(self) -> DecisionBody:
        if self.action == "edit" and not (self.edited_text or "").strip():
            raise ValueError("edit needs edited_text")
        return self

    def to_decision(self) -> decisions.DecisionIn:
        index = self.ranking[0] if self.ranking else self.candidate_index
        return decisions.DecisionIn(self.action, self.reason_code, self.note, self.edited_text, index, self.ranking)


def _viewer(request: Request, gw: Gateway) -> Viewer:
    token = bearer_token(request)
    user = gw.store.user_for_token(token) if token else None
    if user is None:
        raise ApiError(401, "Missing or invalid user token: create one with 'loopguard users create'.", "invalid_token")
    return viewer_for(gw.store, user)


def _masker(request: Request, viewer: Viewer) -> Masker | None:
    """None for a user who may read raw text, else the app's masker."""
    masker: Masker = request.app.state.masker
    return None if viewer.sees_raw else masker


def _item_view(gw: Gateway, item: ReviewItem, detail: bool = False, masker: Masker | None = None,
               viewer_id: int | None = None) -> dict[str, Any]:
    """An item as JSON; with `detail`, its request, candidates and decisions, raw unless a
    `masker` is given (a user who may not read raw text): then the prompt masked as exports
    mask it, the candidates as guarded, and no original text a decision was about. Blind
    while it collects overlap decisions (`review_ui.overlap`): pending, the viewer's own only."""
    raw = masker is None
    decided = overlap.visible_decisions(item, gw.store.decisions_for(item.id or 0), viewer_id) if detail else []
    item = overlap.shown(item)
    view = item.model_dump(mode="json", exclude={"released_output", "pending_release", "version", "overlap",
                                                 "blind_decisions", "gold", "gold_expect"})
    view["link"] = review_link(gw.settings.public_url, item.id or 0)
    if detail:
        interaction = gw.store.get_interaction(item.interaction_id)
        if interaction is not None:
            view["request"] = interaction.request if masker is None else masker.request(item.policy, interaction.request)
            view["candidates"] = interaction.candidates if raw else [masked_candidate(c) for c in interaction.candidates]
        policy = gw.policies.get(item.policy)
        view["reason_codes"] = [r.model_dump() for r in policy.policy.reason_codes] if policy else []
        hidden = set() if raw else {"original_text"}
        view["decisions"] = [d.model_dump(mode="json", exclude=hidden) for d in decided]
    return view


@router.get("/reviews")
async def list_reviews(request: Request, status: str | None = "pending,claimed,escalated",
                       policy: str | None = None, limit: int = 100) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    viewer = await run_in_threadpool(_viewer, request, gw)
    statuses = [s for s in (status or "").split(",") if s] or None
    items = await run_in_threadpool(gw.store.list_reviews, statuses, policy, viewer.app_ids, min(max(limit, 1), 500))
    return {"object": "list", "data": [_item_view(gw, i) for i in items]}


@router.get("/reviews/{review_id}")
async def get_review(review_id: int, request: Request) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    viewer = await run_in_threadpool(_viewer, request, gw)
    item = await run_in_threadpool(decisions.visible_item, gw, viewer, review_id)
    return await run_in_threadpool(_item_view, gw, item, True, _masker(request, viewer), viewer.id)


@router.post("/reviews/{review_id}/claim")
async def claim_review(review_id: int, request: Request) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    viewer = await run_in_threadpool(_viewer, request, gw)
    item = await run_in_threadpool(decisions.claim, gw, viewer, review_id)
    return {"id": review_id, "status": item.status, "claimed_by": item.claimed_by}


@router.post("/reviews/{review_id}/decision")
async def decide(review_id: int, body: DecisionBody, request: Request) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    viewer = await run_in_threadpool(_viewer, request, gw)
    outcome = await run_in_threadpool(decisions.decide, gw, viewer, review_id, body.to_decision())
    return {"id": review_id, "status": outcome.status, "reason_code": outcome.reason_code,
            "awaiting_second_approval": outcome.awaiting_second_approval}


@router.post("/queue/claim")
async def claim_next(request: Request) -> dict[str, Any]:
    """Claims the most urgent item the user could decide now; 404 `queue_empty` when none."""
    gw: Gateway = request.app.state.gateway
    viewer = await run_in_threadpool(_viewer, request, gw)
    item = await run_in_threadpool(decisions.claim_next, gw, viewer)
    return await run_in_threadpool(_item_view, gw, item, True, _masker(request, viewer), viewer.id)


@router.get("/queue")
async def queue_view(request: Request) -> dict[str, Any]:
    """The queue as the web page shows it: order, filters (same query string), tier counts."""
    gw: Gateway = request.app.state.gateway
    viewer = await run_in_threadpool(_viewer, request, gw)
    filters = queue.Filters.from_query(request.query_params)
    view = await run_in_threadpool(queue.load, gw.store, viewer, filters, gw.settings.claim_timeout_s)
    return {"object": "list", "total": view.total, "tiers": dict(view.tiers),
            "oldest_created_at": view.oldest.isoformat() if view.oldest else None,
            "data": [_item_view(gw, r.item) for r in view.rows]}
