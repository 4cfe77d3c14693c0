"""The export benchmark's seeded data, exported in process on SQLite and PostgreSQL: the same
items give the same rows on both, streamed in batches smaller than the data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.export import seed
from bench.review_ui import fresh_postgres_database
from proxy.store.database import Store
from review_ui.prefs import source
from review_ui.prefs.export import Selection, write


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_seeded_items_export_the_same_rows_on_both_databases(database: str, tmp_path: Path, request: pytest.FixtureRequest
                                                             ) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}" if database == "sqlite" else fresh_postgres_database(
        request.getfixturevalue("postgres_url"), "bench_export")
    seed(url, 1_200)  # more than two batches of source.BATCH
    store = Store(url)
    assert source.count(store, source.Filters()) == 1_200
    summary = write(store, "kto", tmp_path / "out.jsonl", Selection(mask=False), None)
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    # per 5 items: an edit pair, a ranking of three (3 pairs), a fix pair, a rejection, an audit approval
    assert len(rows) == summary.rows == 1_200 // 5 * (2 + 6 + 2 + 1 + 1)
    assert sum(r["label"] for r in rows) == 1_200 // 5 * (1 + 3 + 1 + 1)
    store.engine.dispose()
