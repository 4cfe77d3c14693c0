"""What is stored, and for how long: `store_raw: clear|masked|encrypted` through the real proxy
(read back from the raw database row), and `loopguard prune`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from proxy.store.database import Store
from proxy.store.models import Interaction, ReviewItem, utcnow
from proxy.store.retention import parse_age, prune
from proxy.store.sealing import UNREADABLE, Sealer
from tests.conftest import Proxy, run_cli

EMAIL = "dana.lee@example.com"


def _stored_row(proxy: Proxy, interaction_id: int) -> str:
    """The interaction's candidates and findings as the database holds them (not through the store)."""
    with proxy.store().engine.connect() as conn:
        row = conn.execute(text("SELECT candidates, findings FROM interaction WHERE id = :id"), {"id": interaction_id}).one()
    return json.dumps([row[0], row[1]]) if not isinstance(row[0], str) else row[0] + row[1]


def _send(proxy: Proxy, policy: str) -> int:
    client = proxy.client(f"raw-{policy}", policy, "monitor")
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": f"REPLY: Mail {EMAIL}."}])
    assert reply.choices[0].message.content == "Mail <EMAIL_ADDRESS>."
    return int(reply.model_extra["loopguard"]["interaction_id"])


@pytest.mark.parametrize(("policy", "raw_in_database"), [("default", True), ("masked-raw", False), ("sealed-raw", False)])
def test_store_raw_decides_whether_the_raw_output_is_in_the_database(proxy: Proxy, policy: str,
                                                                     raw_in_database: bool) -> None:
    interaction_id = _send(proxy, policy)
    assert (EMAIL in _stored_row(proxy, interaction_id)) == raw_in_database
    assert "<EMAIL_ADDRESS>" in _stored_row(proxy, interaction_id)  # the guarded output is always kept


def test_encrypted_outputs_are_read_raw_with_the_key_and_never_without(proxy: Proxy) -> None:
    interaction_id = _send(proxy, "sealed-raw")
    store = proxy.store()
    interaction = store.get_interaction(interaction_id)
    assert interaction is not None and EMAIL in interaction.candidates[0]["message"]["content"]
    assert interaction.candidates[0]["findings"][0]["text"] == EMAIL
    store.sealer = Sealer(None)
    unreadable = store.get_interaction(interaction_id)
    assert unreadable is not None and unreadable.candidates[0]["message"] == UNREADABLE


def _interaction(store: Store, app_id: int, age: timedelta, review: str | None) -> int:
    with store.session() as s:
        row = Interaction(app_id=app_id, created_at=utcnow() - age, candidates=[{"message": {"content": "x"}}])
        s.add(row)
        s.commit()
        if review:
            s.add(ReviewItem(interaction_id=row.id or 0, app_id=app_id, policy="default", mode="review", decision="hold",
                             status=review))
            s.commit()
        return row.id or 0


@pytest.mark.parametrize(("force", "left"), [(False, {"new", "old-pending", "old-claimed", "old-approved"}),
                                              (True, {"new", "old-pending", "old-claimed"})])
def test_prune_never_deletes_open_reviews_and_decided_ones_only_when_forced(tmp_path: Path, force: bool,
                                                                           left: set[str]) -> None:
    store = Store(f"sqlite:///{tmp_path / 'prune.db'}")
    app, _ = store.create_app_key("pruned", "default", "review", "wait")
    rows = {
        "new": _interaction(store, app.id or 0, timedelta(days=1), None),
        "old": _interaction(store, app.id or 0, timedelta(days=40), None),
        "old-pending": _interaction(store, app.id or 0, timedelta(days=40), "pending"),
        "old-claimed": _interaction(store, app.id or 0, timedelta(days=40), "claimed"),
        "old-approved": _interaction(store, app.id or 0, timedelta(days=40), "approved"),
    }
    done = prune(store, parse_age("30d"), force=force)
    assert {name for name, i in rows.items() if store.get_interaction(i) is not None} == left
    assert done.interactions == 5 - len(left) and done.kept_open == 2
    count, broken = store.verify_audit()
    assert broken is None and count > 0


def test_the_prune_command_reports_what_it_kept(proxy: Proxy) -> None:
    out = run_cli(proxy.config, "prune", "--older-than", "3650d").stdout
    assert "deleted 0 interactions" in out and "kept 0 with open reviews" in out
    refused = run_cli(proxy.config, "prune", "--older-than", "soon", check=False)
    assert refused.returncode != 0 and "30d" in refused.stderr


@pytest.mark.parametrize(("text_in", "expected"), [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)),
                                                    ("90m", timedelta(minutes=90))])
def test_ages_parse(text_in: str, expected: timedelta) -> None:
    assert parse_age(text_in) == expected
