"""Held outputs: queueing a review item, waiting for its decision, releasing the result.

Waiting polls the database, so a decision taken through any proxy worker (or after a
restart) releases the request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from checks.types import coerce_number
from proxy.edits import checked_edit
from proxy.guard import GuardResult
from proxy.models import Interaction, ReviewItem, utcnow
from proxy.policy import LoadedPolicy, Policy
from proxy.store import Store

DECIDED = ("approved", "edited", "rejected", "expired")
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Release:
    """How a hold ended: the review status and the messages the app may now see (None: blocked)."""

    status: str
    messages: list[dict[str, Any]] | None


def new_review_item(interaction_id: int, app_id: int, mode: str, policy: Policy, guard: GuardResult,
                    metadata: dict[str, Any], blocking: bool) -> ReviewItem:
    return ReviewItem(
        interaction_id=interaction_id, app_id=app_id, policy=policy.name, mode=mode,
        decision=guard.verdict.action, blocking=blocking, tier=guard.verdict.tier.name,
        priority=guard.verdict.tier.priority,
        deal_value=coerce_number(metadata.get("deal_value")),
        sla_deadline=utcnow() + timedelta(minutes=guard.verdict.tier.sla_minutes),
    )


async def wait_for_release(store: Store, review_id: int, policy: Policy, fixed: list[dict[str, Any]],
                           disconnected: Callable[[], Awaitable[bool]]) -> Release:
    """Blocks until a reviewer decides or the policy's hold timeout passes.

    If the app hangs up first, waiting stops and the item stays pending: it can still be
    decided, and the app can fetch the result from GET /v1/reviews/{id}.
    """
    deadline = time.monotonic() + policy.hold_timeout_s
    while time.monotonic() < deadline:
        item = await run_in_threadpool(store.get_review, review_id)
        if item is not None and item.status in DECIDED:
            return Release(item.status, item.released_output)
        if await disconnected():
            return Release("pending", None)
        await asyncio.sleep(POLL_SECONDS)
    released = fixed if policy.timeout_action == "release" else None
    if await run_in_threadpool(store.expire_review, review_id, released):
        return Release("expired", released)
    item = await run_in_threadpool(store.get_review, review_id)  # decided at the last moment
    assert item is not None
    return Release(item.status, item.released_output)


def released_after(policy: LoadedPolicy, interaction: Interaction, action: str, candidate_index: int,
                   edited_text: str | None) -> list[dict[str, Any]] | None:
    """What the app receives after a reviewer's decision (None: it stays blocked).

    An edit replaces its candidate with the checked edit (`proxy.edits`); it raises a 409
    ApiError when the edit still holds a block-level finding.
    """
    fixed = [c["fixed"] for c in interaction.candidates]
    if action == "reject":
        return None
    if action == "edit":
        edit = checked_edit(policy, interaction.request, interaction.request_metadata, edited_text or "")
        return [edit if i == candidate_index else m for i, m in enumerate(fixed or [edit])]
    return fixed
