"""Held outputs: queueing a review item, waiting for its decision, releasing the result.

Waiting re-reads the item whenever a decision notice for it arrives (`proxy.store.notices`:
LISTEN/NOTIFY on PostgreSQL) and polls the database besides, so a decision taken through any
proxy worker (or after a restart) releases the request. A hold that times out gets the policy's timeout action
and, like a decision, is announced on the app's webhook (`proxy.review.webhooks`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from checks.types import coerce_number
from proxy.guard import GuardResult
from proxy.http.responses import notice_message
from proxy.policy import LoadedPolicy, Policy
from proxy.review import webhooks
from proxy.review.edits import checked_edit
from proxy.store.database import Store
from proxy.store.models import Interaction, ReviewItem, utcnow
from proxy.store.notices import Notices

DECIDED = ("approved", "edited", "rejected", "expired")


@dataclass(frozen=True)
class Release:
    """How a hold ended: the review status and the messages the app may now see (None: blocked)."""

    status: str
    messages: list[dict[str, Any]] | None


def new_review_item(interaction_id: int, app_id: int, mode: str, policy: Policy, guard: GuardResult,
                    metadata: dict[str, Any], blocking: bool) -> ReviewItem:
    tier = guard.verdict.tier
    return ReviewItem(
        interaction_id=interaction_id, app_id=app_id, policy=policy.name, mode=mode,
        decision=guard.verdict.action, blocking=blocking, tier=tier.name, priority=tier.priority,
        deal_value=coerce_number(metadata.get("deal_value")),
        sla_deadline=utcnow() + timedelta(minutes=tier.sla_minutes),
        rules=_listed(f.rule for f in guard.findings), checks=_listed(f.check for f in guard.findings),
        two_person=tier.two_person and mode == "command",
    )


def audit_sampled(policy: Policy, action: str, interaction_id: int) -> bool:
    """Whether this auto-released output (allowed or fixed) is queued as an audit sample.

    The draw is a digest of the policy and interaction id, not a random number: the same
    interaction is always in or out, and the share over many is `audit_sample`.
    """
    if action not in ("allow", "fix") or policy.audit_sample <= 0:
        return False
    draw = int(hashlib.sha256(f"{policy.name}:{interaction_id}".encode()).hexdigest()[:16], 16) / 16**16
    return draw < policy.audit_sample


def _listed(names: Iterable[str]) -> str:
    """",a,b," so that `LIKE '%,a,%'` finds exactly the name a."""
    unique = sorted(set(names))
    return f",{','.join(unique)}," if unique else ""


async def wait_for_release(store: Store, notices: Notices, review_id: int, policy: Policy,
                           fixed: list[dict[str, Any]], disconnected: Callable[[], Awaitable[bool]]) -> Release:
    """Blocks until a reviewer decides or the policy's hold timeout passes.

    If the app hangs up first, or the worker is shutting down (`Notices.drain`), waiting
    stops and the item stays pending: it can still be decided, and the app can fetch the
    result from GET /v1/reviews/{id}.
    """
    deadline = time.monotonic() + policy.hold_timeout_s
    while time.monotonic() < deadline:
        item = await run_in_threadpool(store.get_review, review_id)
        if item is not None and item.status in DECIDED:
            return Release(item.status, item.released_output)
        if notices.draining or await disconnected():
            return Release("pending", None)
        await notices.wait(review_id, deadline - time.monotonic())
    released = fixed if policy.timeout_action == "release" else None
    if await run_in_threadpool(expire, store, review_id, released):
        return Release("expired", released)
    item = await run_in_threadpool(store.get_review, review_id)  # decided at the last moment
    assert item is not None
    return Release(item.status, item.released_output)


def expire(store: Store, review_id: int, released: list[dict[str, Any]] | None) -> bool:
    """Applies a timed-out hold's timeout action (released or blocked) and announces it."""
    if not store.expire_review(review_id, released):
        return False
    webhooks.enqueue(store, review_id, "review.expired")
    return True


def released_after(policy: LoadedPolicy, interaction: Interaction, action: str, candidate_index: int,
                   edited_text: str | None) -> list[dict[str, Any]] | None:
    """What the app receives after a reviewer's decision (None: it stays blocked).

    Approve releases the chosen candidate's guarded text; edit releases the checked edit
    (`proxy.review.edits`) in its place, and raises a 409 ApiError when the edit still holds a
    block-level finding. With several candidates, the ones the reviewer did not choose get
    the policy's block message: a reviewer who picked one of three has not approved the others.
    """
    fixed = [c["fixed"] for c in interaction.candidates]
    if action == "reject":
        return None
    chosen = fixed[candidate_index] if candidate_index < len(fixed) else None
    if action == "edit":
        chosen = checked_edit(policy, interaction.request, interaction.request_metadata, edited_text or "")
    if chosen is None:
        return fixed
    withheld = notice_message(policy.policy.messages.block)
    return [chosen if i == candidate_index else withheld for i in range(max(len(fixed), 1))]
