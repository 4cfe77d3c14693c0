"""`loopguard prune`: deleting what is older than the retention period, never what is still needed.

An interaction older than the cutoff goes with everything hanging off it, except:
- an interaction whose review item is still open (pending, claimed or escalated) is always
  kept: a reviewer or a waiting app still needs it, `--force` or not;
- an interaction with a decided review item is kept unless `force`: its decisions are the
  preference data, and nothing yet records whether they were exported.
Rate-limit windows older than the cutoff go too. The audit log is never pruned (it is a hash
chain: removing rows would break `loopguard audit verify`); a prune writes its own entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, delete, select

from proxy.store.database import OPEN_STATUSES, Store
from proxy.store.models import (
    Decision,
    Interaction,
    RateWindow,
    ReviewDraft,
    ReviewItem,
    WebhookAttempt,
    WebhookDelivery,
    utcnow,
)

_DURATION = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_age(text: str) -> timedelta:
    """'30d', '12h' or '90m' as a timedelta; ValueError otherwise."""
    match = _DURATION.fullmatch(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not an age such as 30d, 12h or 90m")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class Pruned:
    interactions: int
    review_items: int
    kept_open: int
    kept_decided: int


def prune(store: Store, older_than: timedelta, force: bool = False, now: datetime | None = None) -> Pruned:
    cutoff = (now or utcnow()) - older_than
    with store.session() as s:
        old = set(s.exec(select(Interaction.id).where(col(Interaction.created_at) < cutoff)))
        items = list(s.exec(select(ReviewItem.id, ReviewItem.interaction_id, ReviewItem.status)
                            .where(col(ReviewItem.interaction_id).in_(old)))) if old else []
        open_ones = {i for _, i, status in items if status in OPEN_STATUSES}
        decided = {i for _, i, status in items if status not in OPEN_STATUSES} - open_ones
        keep = open_ones | (set() if force else decided)
        gone = old - keep
        item_ids = [rid for rid, i, _ in items if i in gone]
        if item_ids:
            deliveries = select(WebhookDelivery.id).where(col(WebhookDelivery.review_id).in_(item_ids))
            s.exec(delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(deliveries)))
            for table in (WebhookDelivery, ReviewDraft, Decision):
                s.exec(delete(table).where(col(table.review_id).in_(item_ids)))
            s.exec(delete(ReviewItem).where(col(ReviewItem.id).in_(item_ids)))
        if gone:
            s.exec(delete(Interaction).where(col(Interaction.id).in_(gone)))
        s.exec(delete(RateWindow).where(col(RateWindow.minute) < int(cutoff.timestamp() // 60)))
        s.commit()
    result = Pruned(len(gone), len(item_ids), len(open_ones), len(decided) if not force else 0)
    store.audit("cli", "data.prune", "interactions", {"older_than_s": int(older_than.total_seconds()),
                                                      "force": force, **result.__dict__})
    return result
