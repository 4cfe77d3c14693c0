"""`on_db_error`: the database goes away mid-run (the SQLite file is replaced by something
that cannot be opened; the PostgreSQL server is stopped). `fail` refuses with a 503 in
OpenAI's shape; `allow_unlogged` still answers: checks run, a hold is blocked (it could never
be released), the skipped writes are counted on /metrics and logged without text, and once
the database is back requests are stored again, the unlogged ones never."""

from __future__ import annotations

import gc
import logging
import shlex
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.fake_upstream import FakeUpstream

PLAIN = "REPLY: Thanks for the call; see you Tuesday."
HELD = "REPLY: We can do 35% off this quarter."  # sales-email holds a discount above 20%
SECRET_WORDS = ("Tuesday", "35%")


@contextmanager
def _sqlite_outage(db: Path) -> Iterator[Callable[[], None]]:
    """Yields `down()`: the database file moves away and a directory takes its place, so every
    query fails. The file is put back on leaving."""
    aside = db.with_suffix(".aside")

    def down() -> None:
        db.rename(aside)
        db.mkdir()

    try:
        yield down
    finally:
        if db.is_dir():
            db.rmdir()
            aside.rename(db)


def _pg(args: list[str]) -> None:
    from tests.postgres import _as_server_user, _bin

    subprocess.run(_as_server_user([_bin(args[0]), *args[1:]]), check=True, capture_output=True, timeout=120)


@contextmanager
def _postgres_outage(url: str) -> Iterator[Callable[[], None]]:
    """Yields `down()`: stops the server (fast shutdown: every connection drops). It is started
    again, with the options it was started with, on leaving."""
    from proxy.store.database import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        data = str(connection.execute(text("SHOW data_directory")).scalar())
    engine.dispose()
    opts = shlex.split(Path(data, "postmaster.opts").read_text())[1:]  # the server's own command line
    stopped = []

    def down() -> None:
        _pg(["pg_ctl", "-D", data, "-m", "fast", "-w", "stop"])
        stopped.append(True)

    try:
        yield down
    finally:
        if stopped:
            _pg(["pg_ctl", "-D", data, "-l", str(Path(data).parent / "restart.log"), "-w", "start", "-o",
                 shlex.join(o for o in opts if o not in ("-D", data))])


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[str]:
    from tests.postgres import postgres_cluster

    with postgres_cluster() as url:
        yield url


def _chat(client: Any, key: str, prompt: str) -> Any:
    return client.post("/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                       json={"model": "fake-model", "messages": [{"role": "user", "content": prompt}]})


@pytest.mark.timeout(300)
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("on_db_error", ["fail", "allow_unlogged"])
def test_a_database_that_goes_away_mid_run(database: str, on_db_error: str, tmp_path: Path, upstream: FakeUpstream,
                                          request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> None:
    from fastapi.testclient import TestClient
    from sqlmodel import func, select

    from proxy.app import create_app
    from proxy.config import load_settings
    from proxy.gateway import Gateway
    from proxy.store.database import Store
    from proxy.store.models import Interaction, ReviewItem
    from tests.conftest import write_config

    url = request.getfixturevalue("own_postgres") if database == "postgresql" else None
    config = write_config(tmp_path, upstream.base_url, database_url=url)
    config.write_text(config.read_text() + f"on_db_error: {on_db_error}\n")
    settings = load_settings(config)
    store = Store(settings.database_url)
    _, monitor = store.create_app_key(f"outage-monitor-{on_db_error}", "sales-email", "monitor", "wait")
    _, review = store.create_app_key(f"outage-review-{on_db_error}", "sales-email", "review", "wait")
    app_ids = [store.app_for_key(k).id for k in (monitor, review)]  # type: ignore[union-attr]

    def stored() -> tuple[int, int]:
        with store.session() as s:
            interactions = s.exec(select(func.count()).select_from(Interaction)
                                  .where(Interaction.app_id.in_(app_ids))).one()  # type: ignore[union-attr]
            items = s.exec(select(func.count()).select_from(ReviewItem).where(ReviewItem.app_id.in_(app_ids))).one()  # type: ignore[attr-defined]
        return interactions, items

    gateway = Gateway.build(settings)
    outage = _postgres_outage(url) if url else _sqlite_outage(tmp_path / "loopguard.db")
    with TestClient(create_app(gateway), raise_server_exceptions=False) as client:
        assert _chat(client, monitor, PLAIN).status_code == 200  # each key is seen once while all is well
        assert _chat(client, review, PLAIN).status_code == 200
        assert stored() == (2, 0)
        store.engine.dispose()
        with outage as down:
            down()
            gateway.store.engine.dispose()  # no connection opened before keeps the old file
            caplog.clear()
            with caplog.at_level(logging.INFO):
                plain, held = _chat(client, monitor, PLAIN), _chat(client, review, HELD)
            scraped = client.get("/metrics")
        assert scraped.status_code == 200  # the process's own figures, even with the database gone
        metrics = scraped.text
        if on_db_error == "fail":
            for refused in (plain, held):
                assert refused.status_code == 503, refused.text
                assert refused.json()["error"]["code"] == "database_unavailable"
                assert set(refused.json()["error"]) >= {"message", "type", "param", "code"}
            assert "loopguard_unlogged_total{" not in metrics
        else:
            assert plain.status_code == 200, plain.text
            assert plain.json()["choices"][0]["message"]["content"] == "Thanks for the call; see you Tuesday."
            assert held.status_code == 200, held.text
            reply = held.json()
            assert reply["choices"][0]["finish_reason"] == "content_filter"
            assert "35%" not in reply["choices"][0]["message"]["content"]  # fail closed: no hold, no release
            assert reply["loopguard"]["status"] == "blocked" and reply["loopguard"]["review_id"] is None
            for step in ("authenticate", "start"):
                assert f'loopguard_unlogged_total{{step="{step}"}} 2.0' in metrics
            assert 'loopguard_requests_total{state="completed"} 4.0' in metrics  # counted, though not stored
            warnings = [r.getMessage() for r in caplog.records if r.name == "loopguard.unlogged"]
            assert warnings and all("answering unlogged" in w for w in warnings)
        for record in caplog.records:
            assert not any(word in record.getMessage() for word in SECRET_WORDS), record.getMessage()
        gateway.store.engine.dispose()
        assert _chat(client, monitor, PLAIN).status_code == 200  # the database is back: stored again
    assert stored() == (3, 0)  # the two warm-ups and this one; nothing unlogged was stored later or twice
    store.engine.dispose()
    gateway.store.engine.dispose()
    gc.collect()  # connections the stopped server dropped are closed here, not in a later test
