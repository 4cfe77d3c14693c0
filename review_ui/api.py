"""The JSON review API: list held items, claim them, decide them. Bearer user tokens.

Reviewers approve, edit, reject or escalate; an escalated item waits for a lead or
admin. Every decision needs a reason code from the item's policy taxonomy.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from proxy.errors import ApiError
from proxy.gateway import Gateway
from proxy.holds import released_after
from proxy.models import Decision, ReviewItem, User
from proxy.requests import bearer_token

router = APIRouter(prefix="/api")
DECIDER_ROLES = {"reviewer", "lead", "admin"}
LEAD_ROLES = {"lead", "admin"}
NEW_STATUS = {"approve": "approved", "edit": "edited", "reject": "rejected", "escalate": "escalated"}


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "edit", "reject", "escalate"]
    reason_code: str = Field(min_length=1)
    note: str = ""
    edited_text: str | None = None
    candidate_index: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _edit_needs_text(self) -> DecisionIn:
        if self.action == "edit" and not (self.edited_text or "").strip():
            raise ValueError("edit needs edited_text")
        return self


def _user(request: Request, gw: Gateway) -> User:
    token = bearer_token(request)
    user = gw.store.user_for_token(token) if token else None
    if user is None:
        raise ApiError(401, "Missing or invalid user token: create one with 'loopguard users create'.", "invalid_token")
    return user


def _item_view(gw: Gateway, item: ReviewItem, detail: bool = False) -> dict[str, Any]:
    view = item.model_dump(mode="json", exclude={"released_output"})
    if detail:
        interaction = gw.store.get_interaction(item.interaction_id)
        if interaction is not None:
            view["request"] = interaction.request
            view["candidates"] = interaction.candidates
        policy = gw.policies.get(item.policy)
        view["reason_codes"] = [r.model_dump() for r in policy.policy.reason_codes] if policy else []
        view["decisions"] = [d.model_dump(mode="json") for d in gw.store.decisions_for(item.id or 0)]
    return view


@router.get("/reviews")
async def list_reviews(request: Request, status: str | None = "pending,claimed,escalated",
                       policy: str | None = None, limit: int = 100) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    await run_in_threadpool(_user, request, gw)
    statuses = [s for s in (status or "").split(",") if s] or None
    items = await run_in_threadpool(gw.store.list_reviews, statuses, policy, None, min(max(limit, 1), 500))
    return {"object": "list", "data": [_item_view(gw, i) for i in items]}


@router.get("/reviews/{review_id}")
async def get_review(review_id: int, request: Request) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    await run_in_threadpool(_user, request, gw)
    item = await run_in_threadpool(gw.store.get_review, review_id)
    if item is None:
        raise ApiError(404, f"No review {review_id}.", "review_not_found")
    return await run_in_threadpool(_item_view, gw, item, True)


@router.post("/reviews/{review_id}/claim")
async def claim_review(review_id: int, request: Request) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    user = await run_in_threadpool(_user, request, gw)
    assert user.id is not None
    if not await run_in_threadpool(gw.store.claim_review, review_id, user.id, gw.settings.claim_timeout_s):
        raise ApiError(409, f"Review {review_id} is not pending or is claimed by someone else.", "not_claimable")
    return {"id": review_id, "status": "claimed", "claimed_by": user.id}


@router.post("/reviews/{review_id}/decision")
async def decide(review_id: int, decision: DecisionIn, request: Request) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    user = await run_in_threadpool(_user, request, gw)
    item = await run_in_threadpool(gw.store.get_review, review_id)
    if item is None:
        raise ApiError(404, f"No review {review_id}.", "review_not_found")
    allowed_from = _allowed_from(user, item)
    policy = gw.policies[item.policy].policy
    reason = policy.reason_code(decision.reason_code)
    if reason is None or decision.action not in reason.applies_to:
        codes = [r.code for r in policy.reason_codes if decision.action in r.applies_to]
        raise ApiError(400, f"reason_code '{decision.reason_code}' is not valid for {decision.action} under policy "
                            f"'{policy.name}'; use one of: {', '.join(codes)}.", "invalid_reason_code", "reason_code")
    interaction = await run_in_threadpool(gw.store.get_interaction, item.interaction_id)
    assert interaction is not None and user.id is not None
    candidates = interaction.candidates
    if decision.candidate_index >= max(len(candidates), 1):
        raise ApiError(400, f"candidate_index must be below {len(candidates)}.", "invalid_candidate", "candidate_index")
    original = candidates[decision.candidate_index]["message"].get("content") if candidates else None
    record = Decision(review_id=review_id, reviewer_id=user.id, action=decision.action,
                      reason_code=decision.reason_code, note=decision.note, candidate_index=decision.candidate_index,
                      original_text=original, edited_text=decision.edited_text)
    released = await run_in_threadpool(released_after, gw.policies[item.policy], interaction, decision.action,
                                       decision.candidate_index, decision.edited_text)
    ok = await run_in_threadpool(gw.store.decide, item, record, NEW_STATUS[decision.action], released, allowed_from)
    if not ok:
        raise ApiError(409, f"Review {review_id} was already decided or claimed by someone else.", "already_decided")
    return {"id": review_id, "status": NEW_STATUS[decision.action], "reason_code": decision.reason_code}


def _allowed_from(user: User, item: ReviewItem) -> tuple[str, ...]:
    """The item states this user may decide from, or an error saying why not."""
    if user.role not in DECIDER_ROLES:
        raise ApiError(403, f"Role '{user.role}' cannot decide reviews.", "forbidden")
    if item.status == "escalated" and user.role not in LEAD_ROLES:
        raise ApiError(403, "This item was escalated; a lead or admin must decide it.", "escalated")
    if item.status == "claimed" and item.claimed_by != user.id:
        raise ApiError(409, f"Review {item.id} is claimed by another reviewer.", "claimed_by_other")
    states = ("pending", "claimed", "escalated") if user.role in LEAD_ROLES else ("pending", "claimed")
    if item.status not in states:
        raise ApiError(409, f"Review {item.id} is already {item.status}.", "already_decided")
    return states
