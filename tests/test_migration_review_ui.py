"""Upgrading a database made before the review UI: its rows stay, and its review items get
the rules and checks that fired (read from their interaction) so the queue filters see them."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from proxy.store.database import Store, make_engine
from proxy.store.migrate import MIGRATIONS, upgrade

BEFORE_REVIEW_UI = "a890787ea6e1"
FINDINGS = [{"check": "pii", "rule": "EMAIL_ADDRESS"}, {"check": "compliance", "rule": "unauthorized_discount"},
            {"check": "pii", "rule": "EMAIL_ADDRESS"}]


def test_an_old_database_upgrades_and_its_items_get_their_rules(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, BEFORE_REVIEW_UI)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO app (id, name, policy, mode, on_hold, created_at) "
                          "VALUES (1, 'old', 'sales-email', 'review', 'wait', '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO interaction (id, app_id, created_at, model, stream, state, findings) "
                          "VALUES (1, 1, '2026-01-01 00:00:00', 'm', 0, 'completed', :findings)"),
                     {"findings": json.dumps(FINDINGS)})
        conn.execute(text("INSERT INTO reviewitem (id, interaction_id, app_id, policy, mode, decision, status, blocking, "
                          "tier, priority, created_at) VALUES (1, 1, 1, 'sales-email', 'review', 'hold', 'pending', 1, "
                          "'commercial', 60, '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO \"user\" (id, email, role, token_hash, created_at) "
                          "VALUES (1, 'old@example.com', 'reviewer', 'x', '2026-01-01 00:00:00')"))
    upgrade(engine)
    store = Store(url)
    item = store.get_review(1)
    assert item is not None
    assert (item.rules, item.checks, item.version, item.two_person) == (",EMAIL_ADDRESS,unauthorized_discount,",
                                                                        ",compliance,pii,", 0, False)
    user = store.user_by_email("old@example.com")
    assert user is not None and user.password_hash is None and user.disabled_at is None
