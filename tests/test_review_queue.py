"""The queue's order, filters, counts and tenancy, and who opens next, on SQLite and on a
real PostgreSQL (their NULL ordering and LIKE differ; the queue must not)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, update

from proxy.store.database import Store
from proxy.store.models import ReviewItem, utcnow
from review_ui import queue
from review_ui.accounts.access import viewer_for


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        yield Store(f"sqlite:///{tmp_path / 'queue.db'}")
        return
    store = Store(request.getfixturevalue("postgres_url"))
    yield store
    with store.engine.begin() as conn:
        conn.execute(text("TRUNCATE webhookattempt, webhookdelivery, reviewdraft, decision, reviewitem, interaction, "
                          "appgrant, reviewsession, loginattempt, apikey, app, auditentry, \"user\" RESTART IDENTITY CASCADE"))
    store.engine.dispose()


# (name, app, tier, priority, minutes to the deadline, deal value, rules, mode, status)
ITEMS = [
    ("late-standard", "a", "standard", 0, 5, None, ",PERSON,", "review", "pending"),
    ("critical", "b", "critical", 100, 60, None, ",secret_in_output,", "review", "pending"),
    ("big-deal", "a", "high-value", 80, 30, 250_000.0, ",high_value_deal,", "command", "pending"),
    ("small-deal", "a", "high-value", 80, 30, 120_000.0, ",high_value_deal,", "review", "pending"),
    ("no-deal", "a", "high-value", 80, 30, None, ",high_value_deal,", "review", "pending"),
    ("sooner", "b", "high-value", 80, 10, 1.0, ",high_value_deal,", "review", "pending"),
    ("escalated", "a", "commercial", 60, 90, None, ",unauthorized_discount,", "review", "escalated"),
    ("done", "a", "commercial", 60, 90, None, ",unauthorized_discount,", "review", "approved"),
]


def seeded(store: Store) -> dict[str, int]:
    apps = {name: store.create_app_key(f"app-{name}", "sales-email", "review", "wait")[0].id or 0 for name in "ab"}
    now = utcnow()
    ids = {}
    for name, app, tier, priority, minutes, deal, rules, mode, status in ITEMS:
        interaction = store.start_interaction(apps[app], {"model": "m"}, {}, stream=False)
        item = store.create_review(ReviewItem(
            interaction_id=interaction, app_id=apps[app], policy="sales-email", mode=mode, decision="hold", tier=tier,
            priority=priority, deal_value=deal, sla_deadline=now + timedelta(minutes=minutes), status=status,
            rules=rules, checks=",compliance," if "_" in rules else ",pii,"))
        ids[name] = item.id or 0
    return ids


def names(view: queue.Queue, ids: dict[str, int]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[r.item.id or 0] for r in view.rows]


def test_order_is_tier_then_deadline_then_deal_value(store: Store) -> None:
    ids = seeded(store)
    admin = viewer_for(store, store.create_user("admin@example.com", "admin")[0])
    view = queue.load(store, admin, queue.Filters(), claim_timeout_s=600)
    assert names(view, ids) == ["escalated", "critical", "sooner", "big-deal", "small-deal", "no-deal", "late-standard"]
    assert view.tiers == [("critical", 1), ("high-value", 4), ("commercial", 1), ("standard", 1)]
    assert view.total == 7 and view.oldest is not None


@pytest.mark.parametrize(("filters", "expected"), [
    (queue.Filters(rule="high_value_deal"), ["sooner", "big-deal", "small-deal", "no-deal"]),
    (queue.Filters(rule="high_value"), []),  # a rule is matched whole, never as a prefix
    (queue.Filters(check="pii"), ["late-standard"]),
    (queue.Filters(app="app-b"), ["critical", "sooner"]),
    (queue.Filters(mode="command"), ["big-deal"]),
    (queue.Filters(status="approved"), ["done"]),
    (queue.Filters(status="escalated"), ["escalated"]),
    (queue.Filters(rule="%"), []),  # LIKE wildcards are escaped
])
def test_filters(store: Store, filters: queue.Filters, expected: list[str]) -> None:
    ids = seeded(store)
    user, _ = store.create_user("lead@example.com", "lead")
    store.grant("lead@example.com", "app-a", "test")
    store.grant("lead@example.com", "app-b", "test")
    lead = viewer_for(store, user)
    assert names(queue.load(store, lead, filters, claim_timeout_s=600), ids) == expected


def test_a_reviewer_sees_only_granted_apps_and_no_escalated_items(store: Store) -> None:
    ids = seeded(store)
    user, _ = store.create_user("rev@example.com", "reviewer")
    store.grant("rev@example.com", "app-b", "test")
    view = queue.load(store, viewer_for(store, user), queue.Filters(), claim_timeout_s=600)
    assert names(view, ids) == ["critical", "sooner"]
    nobody = viewer_for(store, store.create_user("new@example.com", "reviewer")[0])
    assert queue.load(store, nobody, queue.Filters(), claim_timeout_s=600).rows == []


def test_the_next_item_skips_other_peoples_live_claims(store: Store) -> None:
    ids = seeded(store)
    me, _ = store.create_user("me@example.com", "reviewer")
    other, _ = store.create_user("other@example.com", "reviewer")
    for email in ("me@example.com", "other@example.com"):
        store.grant(email, "app-a", "test")
        store.grant(email, "app-b", "test")
    viewer = viewer_for(store, me)
    assert store.claim_review(ids["critical"], other.id or 0, 600)
    assert queue.next_open(store, viewer, 600, skip=set()) == ids["sooner"]
    assert queue.next_open(store, viewer, 600, skip={ids["sooner"]}) == ids["big-deal"]
    with store.engine.begin() as conn:  # the other reviewer's claim lapses
        conn.execute(update(ReviewItem).where(col(ReviewItem.id) == ids["critical"])
                     .values(claimed_at=utcnow() - timedelta(hours=1)))
    assert queue.next_open(store, viewer, 600, skip=set()) == ids["critical"]
