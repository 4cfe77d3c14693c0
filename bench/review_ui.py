"""Review UI speed: queue page and item view p50/p95 with many pending items, on SQLite and
on PostgreSQL.

Seeds the items straight into a fresh database (5 apps, tiers, deadlines and deal values
spread out, each with a stored interaction and findings), starts a real `loopguard serve`
on it, signs a reviewer granted every app in through the form, then times full page loads
over HTTP: the queue (`/review`) and the item view (`/review/items/ID`, which also claims
the item and writes its audit rows), each a different item.

    python bench/review_ui.py [--items 10000] [--apps 5] [--loads 50] [--databases sqlite,postgresql]
    python bench/review_ui.py --smoke      # tiny counts, for the test suite

PostgreSQL runs on a throwaway cluster (Debian's server binaries, as the tests use), or on
`--postgres-url` (a fresh database is created in it).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from proxy.services import free_port, wait_until_up  # noqa: E402
from proxy.store.database import Store  # noqa: E402
from proxy.store.models import Interaction, ReviewItem, utcnow  # noqa: E402
from review_ui.accounts.auth import hash_password  # noqa: E402

PASSWORD = "bench-password-123"
REVIEWER = "bench@example.com"
TIERS = [("critical", 100, 15), ("high-value", 80, 60), ("commercial", 60, 120), ("standard", 0, 240)]
TEXT = "Happy to offer 30% off if you sign today. Write to jane.doe@example.com or call (415) 555-0147."
FINDINGS = [
    {"check": "compliance", "rule": "unauthorized_discount", "severity": "high", "action": "hold", "score": 1.0,
     "start": 15, "end": 18, "text": "30%", "fix": None, "message": "30 percent is above the limit of 20",
     "location": "content"},
    {"check": "pii", "rule": "EMAIL_ADDRESS", "severity": "medium", "action": "fix", "score": 1.0, "start": 51,
     "end": 71, "text": "jane.doe@example.com", "fix": "<EMAIL_ADDRESS>", "message": "email address detected",
     "location": "content"},
]
FIXED = "Happy to offer 30% off if you sign today. Write to <EMAIL_ADDRESS> or call (415) 555-0147."


@dataclass(frozen=True)
class Result:
    database: str
    page: str
    p50: float
    p95: float
    loads: int


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def seed(url: str, items: int, apps: int) -> list[int]:
    """Creates apps, a reviewer granted all of them, and `items` pending items; returns item ids."""
    store = Store(url)
    app_ids = [store.create_app_key(f"bench-app-{i}", "sales-email", "review", "defer")[0].id or 0 for i in range(apps)]
    store.create_user(REVIEWER, "reviewer")
    store.set_password_hash(REVIEWER, hash_password(PASSWORD), "bench")
    for i in range(apps):
        store.grant(REVIEWER, f"bench-app-{i}", "bench")
    rng = random.Random(7)
    now = utcnow()
    candidate = {"index": 0, "message": {"role": "assistant", "content": TEXT},
                 "fixed": {"role": "assistant", "content": FIXED}, "findings": FINDINGS}
    request = {"model": "fake-model", "messages": [{"role": "system", "content": "You write sales emails."},
                                                   {"role": "user", "content": "Draft the renewal offer."}]}
    with store.engine.begin() as conn:
        first = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM interaction")).scalar_one() + 1
        conn.execute(insert(Interaction), [
            {"id": first + n, "app_id": app_ids[n % apps], "created_at": now, "model": "fake-model", "stream": False,
             "state": "completed", "request": request, "request_metadata": {"deal_value": 1000 * (n % 300), "region": "EU"},
             "candidates": [candidate], "findings": FINDINGS, "decision": "hold", "final_output": [], "usage": {}}
            for n in range(items)])
        rows = []
        for n in range(items):
            tier, priority, sla = TIERS[rng.randrange(len(TIERS))]
            created = now - timedelta(minutes=rng.randrange(0, 600))
            rows.append({"interaction_id": first + n, "app_id": app_ids[n % apps], "policy": "sales-email",
                         "mode": "review", "decision": "hold", "status": "pending", "blocking": True, "tier": tier,
                         "priority": priority, "deal_value": float(rng.randrange(0, 300_000)),
                         "sla_deadline": now + timedelta(minutes=sla + rng.randrange(0, 600)), "created_at": created,
                         "rules": ",EMAIL_ADDRESS,unauthorized_discount,", "checks": ",compliance,pii,",
                         "two_person": False, "version": 0})
        conn.execute(insert(ReviewItem), rows)
        ids = [r[0] for r in conn.execute(text("SELECT id FROM reviewitem ORDER BY id"))]
    store.engine.dispose()
    return ids


def write_config(directory: Path, url: str) -> Path:
    config = directory / "loopguard.yaml"
    config.write_text(
        "model_list:\n  - model_name: fake-model\n    litellm_params:\n      model: openai/fake-model\n"
        "      api_base: http://127.0.0.1:9/v1\n      api_key: sk-bench\n"
        f"database_url: {url}\nsecret_key: bench-secret-key-0123456789\n")
    return config


@contextmanager
def serving(config: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "loopguard"), "serve", "--config", str(config),
                             "--port", str(port), "--log-level", "warning", "--routes", "review"],
                            env=env, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", proc, "loopguard", timeout=120)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def sign_in(client: httpx.Client) -> None:
    page = client.get("/review/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no sign-in form"
    done = client.post("/review/login", data={"email": REVIEWER, "password": PASSWORD, "csrf_token": token.group(1),
                                              "next": "/review"})
    assert done.status_code == 303, done.text


def timed(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def measure(database: str, url: str, items: int, apps: int, loads: int) -> list[Result]:
    ids = seed(url, items, apps)
    with tempfile.TemporaryDirectory() as tmp, serving(write_config(Path(tmp), url)) as root, \
            httpx.Client(base_url=root, timeout=30) as client:
        sign_in(client)
        for _ in range(3):  # warm-up
            timed(client, "/review")
        queue = [timed(client, "/review") for _ in range(loads)]
        assert "row-link" in client.get("/review").text, "the queue page shows no item"
        step = max(len(ids) // loads, 1)
        views = [timed(client, f"/review/items/{ids[(n * step) % len(ids)]}") for n in range(loads)]
    return [Result(database, "queue page", percentile(queue, 50), percentile(queue, 95), loads),
            Result(database, "item view", percentile(views, 50), percentile(views, 95), loads)]


def fresh_postgres_database(server_url: str, name: str) -> str:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def run(databases: list[str], items: int, apps: int, loads: int, postgres_url: str | None = None) -> list[Result]:
    results: list[Result] = []
    with ExitStack() as stack:
        for database in databases:
            if database == "sqlite":
                tmp = stack.enter_context(tempfile.TemporaryDirectory())
                results += measure("SQLite", f"sqlite:///{tmp}/bench.db", items, apps, loads)
            elif database == "postgresql":
                if postgres_url is None:
                    from tests.postgres import postgres_cluster

                    postgres_url = stack.enter_context(postgres_cluster())
                url = fresh_postgres_database(postgres_url, f"bench_review_{os.getpid()}")
                results += measure("PostgreSQL", url, items, apps, loads)
            else:
                raise SystemExit(f"unknown database {database!r}")
    return results


def table(results: list[Result], items: int, apps: int) -> str:
    lines = [f"review UI, {items} pending items over {apps} apps, full HTTP page loads (ms)",
             f"{'database':<12} {'page':<11} {'p50':>8} {'p95':>8} {'loads':>6}"]
    lines += [f"{r.database:<12} {r.page:<11} {r.p50:>8.1f} {r.p95:>8.1f} {r.loads:>6}" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--apps", type=int, default=5)
    parser.add_argument("--loads", type=int, default=50)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--smoke", action="store_true", help="tiny counts: 60 items, 5 loads")
    args = parser.parse_args(argv)
    items, loads = (60, 5) if args.smoke else (args.items, args.loads)
    results = run(args.databases.split(","), items, args.apps, loads, args.postgres_url)
    print(table(results, items, args.apps), flush=True)
    return results


if __name__ == "__main__":
    main()
