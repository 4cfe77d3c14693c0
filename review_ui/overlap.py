"""Blind overlap review: a share of items (the policy's `overlap`) is decided independently
by `overlap_reviewers` people, so agreement is measured on judgements nobody copied.

The first final decision is the item's decision as always (a waiting app is released by
it, and gets what it said); it also fixes how many decisions the item collects
(`Policy.overlap_for`, a draw on the item id, so the same items every time). While the item
collects, it stays in the queue of everyone who has not decided it, and nobody sees anyone
else's decision: the queue, the item page and the API show it as pending, with only the
viewer's own decision. Later decisions are recorded (`kind="overlap"`), one per reviewer,
and change nothing the app sees. Once all are in, disagreements go to a lead
(`review_ui.adjudication`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, update
from sqlmodel import col, select

from proxy.store.database import Store
from proxy.store.models import FINAL_ACTIONS, AuditEntry, Decision, ReviewItem

DECIDED = ("approved", "edited", "rejected")


def collecting(item: ReviewItem) -> bool:
    """The item was decided once and still waits for independent decisions."""
    return item.overlap > 1 and item.blind_decisions < item.overlap and item.status in DECIDED


def collecting_clause() -> ColumnElement[bool]:
    """`collecting` as a condition on `ReviewItem`, for the queue."""
    return ((col(ReviewItem.overlap) > 1) & (col(ReviewItem.blind_decisions) < col(ReviewItem.overlap))
            & col(ReviewItem.status).in_(DECIDED))


def decided_by_clause(user_id: int) -> ColumnElement[bool]:
    """The user has given the item a final decision of their own."""
    return exists(select(Decision.id).where(col(Decision.review_id) == col(ReviewItem.id),
                                            col(Decision.reviewer_id) == user_id,
                                            col(Decision.action).in_(FINAL_ACTIONS)))


def shown(item: ReviewItem) -> ReviewItem:
    """The item as anyone may see it: while it collects, pending and undecided (a copy)."""
    if not collecting(item):
        return item
    return item.model_copy(update={"status": "pending", "decided_at": None, "released_output": None,
                                   "claimed_by": None, "claimed_at": None})


def visible_decisions(item: ReviewItem, decisions: Sequence[Decision], viewer_id: int | None) -> list[Decision]:
    """While the item collects, only the viewer's own decisions."""
    if not collecting(item):
        return list(decisions)
    return [d for d in decisions if d.reviewer_id == viewer_id]


def visible_history(item: ReviewItem, trail: Sequence[AuditEntry], viewer_id: int | None) -> list[AuditEntry]:
    """While the item collects, the viewer's own entries and the proxy's (who decided what is hidden)."""
    if not collecting(item):
        return list(trail)
    return [e for e in trail if e.actor in (f"user:{viewer_id}", "proxy")]


def has_decided(store: Store, review_id: int, user_id: int) -> bool:
    with store.session() as s:
        return s.exec(select(Decision.id).where(col(Decision.review_id) == review_id, col(Decision.reviewer_id) == user_id,
                                                col(Decision.action).in_(FINAL_ACTIONS))).first() is not None


def record(store: Store, item: ReviewItem, decision: Decision) -> bool:
    """Adds a later blind decision while the item still collects; False once all are in.
    Reviewers deciding at once each count (no version check: nothing they change conflicts)."""
    with store.session() as s:
        result = s.exec(
            update(ReviewItem)
            .where(col(ReviewItem.id) == item.id, col(ReviewItem.status).in_(DECIDED),
                   col(ReviewItem.blind_decisions) < col(ReviewItem.overlap))
            .values(blind_decisions=col(ReviewItem.blind_decisions) + 1, version=col(ReviewItem.version) + 1))
        if not result.rowcount:
            s.rollback()
            return False
        s.add(decision)
        s.commit()
    store.audit(f"user:{decision.reviewer_id}", "review.overlap", f"review:{item.id}",
                {"action": decision.action, "reason_code": decision.reason_code})
    return True


def votes(decided: Sequence[Decision]) -> list[Decision]:
    """Each reviewer's last final decision among the blind ones (adjudications left out)."""
    last: dict[int, Decision] = {}
    for d in decided:
        if d.kind in ("decision", "overlap") and d.action in FINAL_ACTIONS:
            last[d.reviewer_id] = d
    return sorted(last.values(), key=lambda d: d.id or 0)


def disagree(cast: Sequence[Decision]) -> bool:
    """The reviewers differ in action or reason code."""
    return len({(d.action, d.reason_code) for d in cast}) > 1


def unsettled(item: ReviewItem, decided: Sequence[Decision]) -> str | None:
    """Why an overlap item has no decision to learn from yet (None: it has one): it still
    collects, or its reviewers disagree and no lead has ruled."""
    if item.overlap < 2:
        return None
    if item.blind_decisions < item.overlap:
        return "still collecting independent decisions"
    if disagree(votes(decided)) and not any(d.kind == "adjudication" for d in decided):
        return "reviewers disagree; awaiting a lead's adjudication"
    return None
