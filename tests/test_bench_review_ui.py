"""The review UI benchmark in smoke mode (tiny counts), on SQLite and PostgreSQL: it must
keep running, and the queue it times must show the seeded items."""

from __future__ import annotations

from bench.review_ui import main


def test_the_review_ui_benchmark_runs_on_both_databases(postgres_url: str) -> None:
    results = main(["--smoke", "--postgres-url", postgres_url])
    assert {(r.database, r.page) for r in results} == {
        ("SQLite", "queue page"), ("SQLite", "item view"), ("PostgreSQL", "queue page"), ("PostgreSQL", "item view")}
    assert all(0 < r.p50 <= r.p95 for r in results)
