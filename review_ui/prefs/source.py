"""Decided review items, read in bounded batches: the only way exports touch the database.

Gold items (`proxy.review.gold`) are never read: they are not training data. Items are read by keyset (review id above the last one seen), each batch with its
interactions and decisions in two `IN` queries, so memory depends on the batch size and
never on how many items match. The same cursor pages the JSON API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select

from proxy.store.database import Store
from proxy.store.models import App, Decision, Interaction, ReviewItem

DECIDED = ("approved", "edited", "rejected")
BATCH = 500


@dataclass(frozen=True)
class Filters:
    """Which decided items to read: decided in [since, until), of these apps and policy.
    `app_ids` None means every app."""

    since: datetime | None = None
    until: datetime | None = None
    app_ids: frozenset[int] | None = None
    policy: str | None = None


@dataclass(frozen=True)
class Decided:
    item: ReviewItem
    interaction: Interaction
    decisions: list[Decision]
    app: str


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = [col(ReviewItem.status).in_(DECIDED), col(ReviewItem.gold).is_(False)]
    if filters.since is not None:
        out.append(col(ReviewItem.decided_at) >= filters.since)
    if filters.until is not None:
        out.append(col(ReviewItem.decided_at) < filters.until)
    if filters.app_ids is not None:
        out.append(col(ReviewItem.app_id).in_(sorted(filters.app_ids)))
    if filters.policy:
        out.append(col(ReviewItem.policy) == filters.policy)
    return out


def count(store: Store, filters: Filters) -> int:
    """How many items match (for a progress bar's total)."""
    with store.session() as s:
        return int(s.exec(select(func.count()).select_from(ReviewItem).where(*_conditions(filters))).one())


def batch(store: Store, filters: Filters, after: int = 0, size: int = BATCH) -> list[Decided]:
    """Up to `size` matching items with ids above `after`, in id order."""
    with store.session() as s:
        query = select(ReviewItem).where(*_conditions(filters), col(ReviewItem.id) > after)
        items = list(s.exec(query.order_by(col(ReviewItem.id)).limit(size)))
        if not items:
            return []
        interactions = {i.id: i for i in s.exec(select(Interaction).where(
            col(Interaction.id).in_([item.interaction_id for item in items])))}
        by_review: dict[int, list[Decision]] = {}
        for d in s.exec(select(Decision).where(col(Decision.review_id).in_([item.id for item in items]))
                        .order_by(col(Decision.id))):
            by_review.setdefault(d.review_id, []).append(d)
        apps = {a.id: a.name for a in s.exec(select(App).where(col(App.id).in_({item.app_id for item in items})))}
    return [Decided(item, interactions[item.interaction_id], by_review.get(item.id or 0, []), apps.get(item.app_id, ""))
            for item in items if item.interaction_id in interactions]


def stream(store: Store, filters: Filters, size: int = BATCH) -> Iterator[Decided]:
    """Every matching item, one batch in memory at a time."""
    after = 0
    while True:
        rows = batch(store, filters, after, size)
        if not rows:
            return
        yield from rows
        after = rows[-1].item.id or after
