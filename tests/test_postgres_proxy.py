"""Two loopguard workers sharing one queue on a real PostgreSQL, driven with the openai SDK."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI

from proxy.services import free_port
from tests.conftest import run_cli, start_server, write_config
from tests.fake_upstream import FakeUpstream
from tests.run_async import run_async

# Two servers start for the module (each loads the NLP models): on a busy machine that alone
# may pass the suite's 120 s per test.
pytestmark = pytest.mark.timeout(400)


@pytest.fixture(scope="module")
def workers(postgres_url: str, upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[int]]]:
    directory = tmp_path_factory.mktemp("pg-proxy")
    config = write_config(directory, upstream.base_url, database_url=postgres_url)
    ports = [free_port(), free_port()]
    procs = [start_server(config, port, directory / "connections.log", log_name=f"serve-{port}.log") for port in ports]
    yield config, ports
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_hold_waiting_on_one_worker_is_released_by_a_decision_on_the_other(workers: tuple[Path, list[int]]) -> None:
    config, (first, second) = workers
    key = run_cli(config, "keys", "create", "--app", "pg-app", "--policy", "sales-email", "--mode", "review").stdout.split()[-1]
    token = run_cli(config, "users", "create", "--email", "pg@example.com", "--role", "reviewer").stdout.split()[-1]
    run_cli(config, "users", "grant", "--email", "pg@example.com", "--app", "pg-app")
    result: dict[str, Any] = {}
    with OpenAI(base_url=f"http://127.0.0.1:{first}/v1", api_key=key, max_retries=0) as client:
        def wait() -> None:
            result["reply"] = client.chat.completions.create(
                model="fake-model", messages=[{"role": "user", "content": "REPLY: We can do 35% off this quarter."}])
            result["released_at"] = time.monotonic()

        thread = threading.Thread(target=wait)
        thread.start()
        with httpx.Client(base_url=f"http://127.0.0.1:{second}/api", headers={"Authorization": f"Bearer {token}"}) as api:
            deadline = time.monotonic() + 20
            items: list[dict[str, Any]] = []
            while not items and time.monotonic() < deadline:
                items = api.get("/reviews").json()["data"]
                time.sleep(0.1)
            assert items and items[0]["tier"] == "commercial"
            edit = {"action": "edit", "reason_code": "unauthorized_discount", "edited_text": "We can do 15% off this quarter."}
            time.sleep(2.5)  # longer than the holds' safety-net poll: only the notice can release it at once
            assert api.post(f"/reviews/{items[0]['id']}/decision", json=edit).status_code == 200
            decided_at = time.monotonic()
        thread.join(timeout=20)
    assert result["released_at"] - decided_at < 1.0  # LISTEN/NOTIFY woke the hold on the other worker
    reply = result["reply"]
    assert reply.choices[0].message.content == "We can do 15% off this quarter."
    assert reply.model_extra["loopguard"]["status"] == "edited"
    assert "audit log intact" in run_cli(config, "audit", "verify").stdout


def test_twenty_reviewers_claiming_from_one_queue_never_decide_an_item_twice(workers: tuple[Path, list[int]],
                                                                             postgres_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from proxy.store.database import Store

    config, ports = workers
    key = run_cli(config, "keys", "create", "--app", "pg-crowd", "--policy", "sales-email", "--mode", "review",
                  "--on-hold", "defer").stdout.split()[-1]
    store = Store(postgres_url)
    tokens = []
    for n in range(20):
        _, token = store.create_user(f"crowd-{n}@example.com", "reviewer", "test")
        store.grant(f"crowd-{n}@example.com", "pg-crowd", "test")
        tokens.append(token)

    def held(n: int) -> int:
        with OpenAI(base_url=f"http://127.0.0.1:{ports[n % 2]}/v1", api_key=key, max_retries=0) as client:
            reply = client.chat.completions.with_raw_response.create(
                model="fake-model", messages=[{"role": "user", "content": f"REPLY: Deal {n}: we can do 35% off."}])
            return int(reply.headers["x-loopguard-review-id"])

    with ThreadPoolExecutor(8) as pool:
        items = set(pool.map(held, range(40)))
    assert len(items) == 40

    def review(n: int) -> list[int]:
        decided = []
        with httpx.Client(base_url=f"http://127.0.0.1:{ports[n % 2]}/api", timeout=30,
                          headers={"Authorization": f"Bearer {tokens[n]}"}) as api:
            while (claimed := api.post("/queue/claim")).status_code == 200:
                item = claimed.json()["id"]
                decision = api.post(f"/reviews/{item}/decision", json={"action": "approve", "reason_code": "approved_as_is"})
                assert decision.status_code == 200, decision.text
                decided.append(item)
            assert claimed.status_code == 404 and claimed.json()["error"]["code"] == "queue_empty"
        return decided

    with ThreadPoolExecutor(20) as pool:
        per_reviewer = list(pool.map(review, range(20)))
    everything = [item for decided in per_reviewer for item in decided]
    assert sorted(everything) == sorted(items)  # each item decided once, by one reviewer
    assert sum(1 for decided in per_reviewer if decided) > 1  # the work was shared
    for item in items:
        assert [d.action for d in store.decisions_for(item)] == ["approve"]
    store.engine.dispose()


def test_a_bounded_load_on_two_workers_reconciles_exactly(workers: tuple[Path, list[int]], postgres_url: str) -> None:
    """Requests sent = interactions stored, held replies = review items, decisions sent = applied
    = stored, under concurrent clients with provider errors and timeouts (bench/reconcile.py)."""

    from bench.reconcile import Mix, approve_all, count, drive
    from proxy.store.database import Store

    config, ports = workers
    key = run_cli(config, "keys", "create", "--app", "pg-load", "--policy", "sales-email", "--mode", "review",
                  "--on-hold", "defer").stdout.split()[-1]
    token = run_cli(config, "users", "create", "--email", "load@example.com", "--role", "reviewer").stdout.split()[-1]
    run_cli(config, "users", "grant", "--email", "load@example.com", "--app", "pg-load")
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    sent = run_async(drive(bases, key, clients=12, mix=Mix(timeout_prompt="SLEEP 4"), requests=100))
    held = sorted({x.review_id for x in sent if x.review_id is not None})
    applied = approve_all(bases, token, held)
    store = Store(postgres_url)
    result = count(store, "pg-load", sent, len(held), applied)
    store.engine.dispose()
    assert result.statuses[502] == 5 and result.statuses[504] >= 2  # a slow machine may time out more
    assert result.statuses[200] + result.statuses[504] == 95 and set(result.statuses) == {200, 502, 504}
    assert result.review_items >= 15 and result.exact, result


def test_the_cli_connects_nowhere_but_the_database(workers: tuple[Path, list[int]], tmp_path: Path) -> None:
    """The outbound-socket audit of `test_holds`, for the CLI. libpq's own connections are not
    Python sockets, so a control connection first proves the hook records in this environment."""
    import os
    import subprocess

    from tests.conftest import AUDIT_HOOK_DIR, BIN, ROOT

    config, ports = workers
    log = tmp_path / "cli-connections.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(AUDIT_HOOK_DIR), str(ROOT)]), "LOOPGUARD_CONNECTIONS_LOG": str(log)}
    control = f"import socket; socket.create_connection(('127.0.0.1', {ports[0]})).close()"
    subprocess.run([str(BIN / "python"), "-c", control], env=env, check=True, timeout=60)
    assert f"connect ('127.0.0.1', {ports[0]})" in log.read_text()
    for args in (["db", "status"], ["db", "upgrade"], ["keys", "create", "--app", "cli-audit", "--policy", "default",
                 "--mode", "monitor"], ["users", "create", "--email", "cli-audit@example.com", "--role", "ml"],
                 ["keys", "list"], ["prune", "--older-than", "3650d"], ["audit", "verify"], ["policy", "test", "default"]):
        done = subprocess.run([str(BIN / "loopguard"), *args, "--config", str(config)], env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode in (0, 1), done.stderr  # policy test exits 1 on a playbook miss; no crash
    lines = log.read_text().splitlines()
    assert [line for line in lines if "127.0.0.1" not in line and "localhost" not in line] == []
