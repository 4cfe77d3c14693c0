"""The store on SQLite and on a real PostgreSQL: races, the audit chain, migrations."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from proxy.store.database import Store
from proxy.store.migrate import check
from proxy.store.models import Decision, ReviewItem


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        yield Store(f"sqlite:///{tmp_path / 'store.db'}")
        return
    url: str = request.getfixturevalue("postgres_url")
    store = Store(url)
    yield store
    with store.engine.begin() as conn:  # a clean slate for the next test on the shared cluster
        conn.execute(text("TRUNCATE decision, reviewitem, interaction, apikey, app, auditentry, \"user\" RESTART IDENTITY CASCADE"))
    store.engine.dispose()


def pending_item(store: Store) -> ReviewItem:
    app, _ = store.create_app_key("race", "sales-email", "review", "wait")
    assert app.id is not None
    interaction = store.start_interaction(app.id, {"model": "m"}, {}, stream=False)
    store.finish_interaction(interaction, candidates=[{"message": {"content": "x"}, "fixed": {"content": "x"}}])
    return store.create_review(ReviewItem(interaction_id=interaction, app_id=app.id, policy="sales-email",
                                          mode="review", decision="hold"))


def run_together(workers: list[threading.Thread]) -> None:
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)


def test_only_one_of_many_concurrent_decisions_wins(store: Store) -> None:
    item = pending_item(store)
    users = [store.create_user(f"r{i}@example.com", "reviewer")[0] for i in range(6)]
    wins: list[bool] = []

    def decide(user_id: int) -> None:
        decision = Decision(review_id=item.id or 0, reviewer_id=user_id, action="approve", reason_code="ok")
        wins.append(store.decide(item, decision, "approved", [], ("pending", "claimed")))

    run_together([threading.Thread(target=decide, args=(u.id,)) for u in users])
    assert sorted(wins) == [False] * 5 + [True]
    assert len(store.decisions_for(item.id or 0)) == 1


def test_only_one_of_many_concurrent_claims_wins(store: Store) -> None:
    item = pending_item(store)
    users = [store.create_user(f"c{i}@example.com", "reviewer")[0] for i in range(6)]
    wins: list[bool] = []
    run_together([threading.Thread(target=lambda u=u: wins.append(store.claim_review(item.id or 0, u.id or 0, 600)))
                  for u in users])
    assert sorted(wins) == [False] * 5 + [True]


def test_a_lapsed_claim_can_be_taken_over(store: Store) -> None:
    item = pending_item(store)
    first, second = (store.create_user(f"l{i}@example.com", "reviewer")[0] for i in range(2))
    assert store.claim_review(item.id or 0, first.id or 0, claim_timeout_s=600)
    assert not store.claim_review(item.id or 0, second.id or 0, claim_timeout_s=600)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE reviewitem SET claimed_at = claimed_at - INTERVAL '1 hour'")
                     if store.engine.dialect.name == "postgresql"
                     else text("UPDATE reviewitem SET claimed_at = datetime(claimed_at, '-1 hour')"))
    assert store.claim_review(item.id or 0, second.id or 0, claim_timeout_s=600)


def test_concurrent_audit_appends_keep_one_unbroken_chain(store: Store) -> None:
    run_together([threading.Thread(target=lambda i=i: store.audit("t", "test", f"s{i}", {"i": i})) for i in range(10)])
    count, broken = store.verify_audit()
    assert (count, broken) == (10, None)


def test_audit_verify_finds_a_tampered_row(store: Store) -> None:
    for i in range(4):
        store.audit("t", "test", f"s{i}", {"i": i})
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE auditentry SET subject = 'forged' WHERE id = 3"))
    assert store.verify_audit() == (3, 3)


def test_migrations_match_the_models_on_this_database(store: Store) -> None:
    check(store.engine)


def test_json_columns_round_trip(store: Store) -> None:
    app, _ = store.create_app_key("json", "default", "monitor", "wait")
    row = store.start_interaction(app.id or 0, {"model": "m", "messages": [{"role": "user", "content": "é ✓"}]},
                                  {"deal_value": 120000, "tags": ["a"]}, stream=True)
    stored = store.get_interaction(row)
    assert stored is not None
    assert stored.request["messages"][0]["content"] == "é ✓"
    assert stored.request_metadata == {"deal_value": 120000, "tags": ["a"]}
