"""The Alembic migrations build exactly the schema the models describe, and re-running is a no-op."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from proxy.store.database import Store, make_engine
from proxy.store.migrate import check, upgrade


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    check(engine)  # raises if autogenerate would find any difference
    assert {"app", "apikey", "user", "interaction", "reviewitem", "decision", "auditentry"} <= set(
        inspect(engine).get_table_names())


def test_opening_an_existing_database_keeps_its_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keep.db'}"
    _, key = Store(url).create_app_key("kept", "default", "review", "wait")
    reopened = Store(url)
    app = reopened.app_for_key(key)
    assert app is not None and app.name == "kept"
