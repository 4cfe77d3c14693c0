"""The review queue: which items a viewer sees, in which order, with the counts on top.

Order: escalated items first for leads (they were moved up to them), then tier priority,
SLA deadline, deal value (largest first), age. Filters narrow by app, policy, check, rule,
status and mode; a claim older than `claim_timeout_s` counts as lapsed (the item is back
in the queue). Queries read only `reviewitem` columns (plus the app and user names of the
rows shown), so a queue of many thousands stays fast; `ix_reviewitem_queue` serves them.

An overlap item still collecting independent decisions (`review_ui.overlap`) is open, and
shown as pending, to everyone who has not decided it yet; it is under no decided status.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from proxy.store.database import OPEN_STATUSES, Store
from proxy.store.models import App, ReviewItem, User, utcnow
from review_ui import overlap
from review_ui.accounts.access import Viewer

PAGE_SIZE = 50  # the most urgent rows; more is a matter for the filters
STATUSES = ("open", "pending", "claimed", "escalated", "approved", "edited", "rejected", "expired")
MODES = ("monitor", "review", "command")


@dataclass(frozen=True)
class Filters:
    """The queue's filters as the query string carries them ("" for any)."""

    app: str = ""
    policy: str = ""
    check: str = ""
    rule: str = ""
    status: str = "open"
    mode: str = ""

    @classmethod
    def from_query(cls, query: Any) -> Filters:
        values = {f.name: str(query.get(f.name, "") or "").strip()[:100] for f in fields(cls)}
        if values["status"] not in STATUSES:
            values["status"] = "open"
        if values["mode"] not in MODES:
            values["mode"] = ""
        return cls(**values)

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v and not (k == "status" and v == "open")}

    @property
    def any(self) -> bool:
        return bool(self.as_query())


@dataclass(frozen=True)
class Row:
    item: ReviewItem
    app_name: str
    claimed_by: str | None  # the claimer's email while the claim is live
    now: datetime

    @property
    def sla_seconds(self) -> float | None:
        """Seconds to the deadline (negative once breached)."""
        return (self.item.sla_deadline - self.now).total_seconds() if self.item.sla_deadline else None

    @property
    def rules(self) -> list[str]:
        return [r for r in self.item.rules.split(",") if r]


@dataclass
class Queue:
    rows: list[Row]
    tiers: list[tuple[str, int]]  # (tier, open items), highest priority first
    oldest: datetime | None
    total: int
    newest_id: int
    apps: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)


def _statuses(viewer: Viewer, status: str) -> tuple[str, ...]:
    if status != "open":
        return (status,)
    return OPEN_STATUSES if viewer.is_lead else ("pending", "claimed")


def _status_clause(viewer: Viewer, status: str) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = col(ReviewItem.status).in_(_statuses(viewer, status))
    if status in ("open", "pending"):
        return clause | (overlap.collecting_clause() & ~overlap.decided_by_clause(viewer.id))
    return clause & ~overlap.collecting_clause()


def _where(viewer: Viewer, filters: Filters, apps: dict[str, int]) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [_status_clause(viewer, filters.status)]
    if viewer.app_ids is not None:
        clauses.append(col(ReviewItem.app_id).in_(sorted(viewer.app_ids)))
    if filters.app:
        clauses.append(col(ReviewItem.app_id) == apps.get(filters.app, -1))
    if filters.policy:
        clauses.append(col(ReviewItem.policy) == filters.policy)
    if filters.mode:
        clauses.append(col(ReviewItem.mode) == filters.mode)
    if filters.check:
        clauses.append(col(ReviewItem.checks).contains(f",{filters.check},", autoescape=True))
    if filters.rule:
        clauses.append(col(ReviewItem.rules).contains(f",{filters.rule},", autoescape=True))
    return clauses


def _order(viewer: Viewer) -> list[Any]:
    order: list[Any] = []
    if viewer.is_lead:
        order.append(case((col(ReviewItem.status) == "escalated", 0), else_=1))
    return [*order, col(ReviewItem.priority).desc(), col(ReviewItem.sla_deadline).asc().nulls_last(),
            col(ReviewItem.deal_value).desc().nulls_last(), col(ReviewItem.id)]


def load(store: Store, viewer: Viewer, filters: Filters, claim_timeout_s: int, limit: int = PAGE_SIZE) -> Queue:
    now = utcnow()
    with store.session() as s:
        app_rows = list(s.exec(select(App.id, App.name, App.policy)))
        apps = {name: app_id for app_id, name, _ in app_rows if app_id is not None and viewer.sees(app_id)}
        where = _where(viewer, filters, apps)
        items = _in_order(s, list(s.exec(select(ReviewItem.id).where(*where).order_by(*_order(viewer)).limit(limit))))
        summary = s.exec(sa_select(col(ReviewItem.tier), func.max(ReviewItem.priority), func.count(),  # type: ignore[call-overload]
                                   func.min(ReviewItem.created_at), func.max(ReviewItem.id))
                         .where(*where).group_by(col(ReviewItem.tier))).all()
        claimers = _emails(s, {i.claimed_by for i in items if i.claimed_by})
    names = {app_id: name for app_id, name, _ in app_rows}
    tiers = sorted(summary, key=lambda r: -(r[1] or 0))
    stale = now - timedelta(seconds=claim_timeout_s)
    rows = [Row(overlap.shown(i), names.get(i.app_id, "?"), _live_claimer(i, claimers, stale), now) for i in items]
    oldest = min((r[3] for r in summary if r[3] is not None), default=None)
    return Queue(rows=rows, tiers=[(t[0], int(t[2])) for t in tiers], oldest=oldest,
                 total=sum(int(t[2]) for t in tiers), newest_id=max((int(t[4] or 0) for t in summary), default=0),
                 apps=sorted(apps), policies=sorted({p for app_id, _, p in app_rows if app_id is not None and viewer.sees(app_id)}))


def _in_order(s: Any, ids: list[int | None]) -> list[ReviewItem]:
    """The items of `ids`, in that order: ordering ids alone reads only the queue index,
    then only the rows shown are read."""
    if not ids:
        return []
    rows = {i.id: i for i in s.exec(select(ReviewItem).where(col(ReviewItem.id).in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def _emails(s: Any, user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    return {uid: email for uid, email in s.exec(select(User.id, User.email).where(col(User.id).in_(ids)))}


def _live_claimer(item: ReviewItem, emails: dict[int, str], stale: datetime) -> str | None:
    if item.status != "claimed" or item.claimed_by is None or item.claimed_at is None or item.claimed_at < stale:
        return None
    return emails.get(item.claimed_by, f"user {item.claimed_by}")


def rows_by_id(store: Store, viewer: Viewer, ids: list[int], claim_timeout_s: int) -> list[Row]:
    """The current state of rows already on a reviewer's screen (for live refresh)."""
    now = utcnow()
    with store.session() as s:
        items = [i for i in s.exec(select(ReviewItem).where(col(ReviewItem.id).in_(ids[:PAGE_SIZE]))) if viewer.sees(i.app_id)]
        claimers = _emails(s, {i.claimed_by for i in items if i.claimed_by})
        names = dict(s.exec(select(App.id, App.name)).all())
    stale = now - timedelta(seconds=claim_timeout_s)
    return [Row(overlap.shown(i), names.get(i.app_id, "?"), _live_claimer(i, claimers, stale), now) for i in items]


def newer_than(store: Store, viewer: Viewer, filters: Filters, newest_id: int) -> int:
    """How many items matching the filters arrived after the page was drawn."""
    with store.session() as s:
        apps = {name: app_id for app_id, name in s.exec(select(App.id, App.name)) if app_id is not None}
        where = _where(viewer, filters, apps)
        return int(s.exec(select(func.count()).select_from(ReviewItem).where(*where, col(ReviewItem.id) > newest_id)).one())


def _open_for(viewer: Viewer, claim_timeout_s: int, skip: set[int]) -> Any:
    """The ids of the items this viewer could decide now (not held by someone else's live claim), in queue order."""
    stale = utcnow() - timedelta(seconds=claim_timeout_s)
    where = _where(viewer, Filters(), {})
    free = ((col(ReviewItem.status) != "claimed") | (col(ReviewItem.claimed_by) == viewer.id)
            | (col(ReviewItem.claimed_at) < stale))
    not_first_approver = col(ReviewItem.first_approver_id).is_(None) | (col(ReviewItem.first_approver_id) != viewer.id)
    query = select(ReviewItem.id).where(*where, free, not_first_approver)
    if skip:
        query = query.where(col(ReviewItem.id).not_in(sorted(skip)))
    return query.order_by(*_order(viewer))


def next_open(store: Store, viewer: Viewer, claim_timeout_s: int, skip: set[int]) -> int | None:
    """The first item this viewer could decide now."""
    with store.session() as s:
        found: int | None = s.exec(_open_for(viewer, claim_timeout_s, skip).limit(1)).first()
        return found


def claim_next(store: Store, viewer: Viewer, claim_timeout_s: int) -> int | None:
    """Claims the first item this viewer could decide now; None when there is none.

    On PostgreSQL the row is picked with `FOR UPDATE SKIP LOCKED`, so reviewers asking at the
    same moment each get a different item without waiting on one another; the claim itself
    is the store's conditional update, which is what keeps two reviewers off one item on any
    database (on SQLite, where writers queue anyway, a lost race just moves on to the next row).
    """
    lost: set[int] = set()
    while True:
        with store.session() as s:
            found = s.exec(_open_for(viewer, claim_timeout_s, lost).limit(1).with_for_update(skip_locked=True)).first()
            if found is None:
                return None
            if store.claim_review_in(s, found, viewer.id, claim_timeout_s):
                s.commit()
                return int(found)
            item = s.get(ReviewItem, found)
            if item is not None and overlap.collecting(item):  # decided blind, without a claim
                return int(found)
            s.rollback()
            lost.add(found)
