"""Reviewers measured on gold items (`proxy.review.gold`): per reviewer and policy, how many gold
items they decided and the share they got right; a reviewer is flagged for recalibration
when that share is below the policy's `gold_floor` over at least `gold_min` gold decisions.

`gold_accuracy` = gold items decided as the playbook expects ÷ gold items the reviewer
decided (their own final decision: approve, edit or reject; escalations are not counted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from proxy.policy import LoadedPolicy, Policy
from proxy.review.gold import right
from proxy.store.database import Store
from proxy.store.models import FINAL_ACTIONS, Decision, ReviewItem

Floors = Mapping[str, tuple[float, int]]  # policy -> (gold_floor, gold_min)
DEFAULT_FLOOR = (Policy.model_fields["gold_floor"].default, Policy.model_fields["gold_min"].default)


def floors_of(policies: Mapping[str, LoadedPolicy | Policy]) -> dict[str, tuple[float, int]]:
    out = {}
    for name, loaded in policies.items():
        policy = loaded.policy if isinstance(loaded, LoadedPolicy) else loaded
        out[name] = (policy.gold_floor, policy.gold_min)
    return out


def reviewers(store: Store, floors: Floors, since: datetime | None = None, until: datetime | None = None,
              policy: str | None = None, app_ids: Collection[int] | None = None) -> dict[str, dict[str, Any]]:
    """Per reviewer's email: gold decisions, right ones, accuracy, and `flagged` with the
    policies it is flagged for; decisions made in [since, until)."""
    query = (select(Decision, ReviewItem.policy, ReviewItem.gold_expect)
             .join(ReviewItem, col(ReviewItem.id) == Decision.review_id)
             .where(col(ReviewItem.gold).is_(True), col(Decision.action).in_(FINAL_ACTIONS)))
    if since is not None:
        query = query.where(col(Decision.created_at) >= since)
    if until is not None:
        query = query.where(col(Decision.created_at) < until)
    if policy:
        query = query.where(col(ReviewItem.policy) == policy)
    if app_ids is not None:
        query = query.where(col(ReviewItem.app_id).in_(sorted(app_ids)))
    last: dict[tuple[int, int], tuple[str, str, str | None]] = {}
    with store.session() as s:
        for d, pol, expect in s.exec(query.order_by(col(Decision.id))):
            last[d.reviewer_id, d.review_id] = (d.action, pol, expect)
    counts: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for (reviewer, _), (action, pol, expect) in last.items():
        tally = counts[reviewer][pol]
        tally[0] += 1
        tally[1] += right(expect, action)
    emails = store.emails(set(counts))
    out: dict[str, dict[str, Any]] = {}
    for reviewer, by_policy in counts.items():
        decided = sum(t[0] for t in by_policy.values())
        correct = sum(t[1] for t in by_policy.values())
        flagged = sorted(p for p, (n, k) in by_policy.items()
                         if n >= floors.get(p, DEFAULT_FLOOR)[1] and k / n < floors.get(p, DEFAULT_FLOOR)[0])
        out[emails.get(reviewer, f"user {reviewer}")] = {
            "gold_decisions": decided, "gold_right": correct, "gold_accuracy": round(correct / decided, 4),
            "flagged": bool(flagged), "flagged_policies": flagged}
    return dict(sorted(out.items()))


def flagged(store: Store, policies: Mapping[str, LoadedPolicy], app_ids: Collection[int] | None) -> dict[str, dict[str, Any]]:
    """The reviewers below their policy's floor (for the leads' pages)."""
    found = reviewers(store, floors_of(policies), app_ids=app_ids)
    return {email: r for email, r in found.items() if r["flagged"]}
