"""kill -9 one of two loopguard workers on PostgreSQL in the middle of a load: the other keeps
serving; every request that was answered with a 2xx is one interaction row (none missing,
none twice); a `wait` client whose worker died gets a connection error, and its item stays in
the queue, decided through the surviving worker and read back from the restarted one."""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI
from sqlmodel import col, select

from proxy.services import free_port
from tests.conftest import run_cli, start_server, write_config
from tests.fake_upstream import FakeUpstream
from tests.run_async import run_async

pytestmark = pytest.mark.timeout(400)  # three server starts on a busy machine
LOAD_S = 16  # the worker dies half way


def test_kill_9_of_one_worker_loses_no_answered_request(postgres_url: str, upstream: FakeUpstream,
                                                        tmp_path: Path) -> None:
    config = write_config(tmp_path, upstream.base_url, database_url=postgres_url)
    ports = [free_port(), free_port()]
    started: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            started.append(start_server(config, port, tmp_path / "connections.log", log_name=f"serve-{port}.log"))
        _crash_under_load(config, postgres_url, ports, started)
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)


def _crash_under_load(config: Path, postgres_url: str, ports: list[int], started: list[subprocess.Popen[bytes]]) -> None:
    from bench.reconcile import NO_ANSWER, Mix, drive
    from proxy.store.database import Store
    from proxy.store.models import Interaction, ReviewItem

    victim = started[0]
    tmp_path = config.parent
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    load_key = run_cli(config, "keys", "create", "--app", "crash-load", "--policy", "sales-email", "--mode", "review",
                       "--on-hold", "defer").stdout.split()[-1]
    wait_key = run_cli(config, "keys", "create", "--app", "crash-wait", "--policy", "sales-email", "--mode", "review",
                       "--on-hold", "wait").stdout.split()[-1]
    token = run_cli(config, "users", "create", "--email", "crash@example.com", "--role", "reviewer").stdout.split()[-1]
    run_cli(config, "users", "grant", "--email", "crash@example.com", "--app", "crash-wait")
    store = Store(postgres_url)
    wait_app = store.app_named("crash-wait")
    waited: dict[str, Any] = {}

    def held_on_victim() -> None:
        with OpenAI(base_url=f"{bases[0]}/v1", api_key=wait_key, max_retries=0, timeout=60) as client:
            try:
                client.chat.completions.create(model="fake-model", messages=[
                    {"role": "user", "content": "REPLY: We can do 35% off this quarter."}])
            except openai.APIConnectionError as exc:
                waited["error"] = exc

    def kill_when_held() -> None:
        started = time.monotonic()
        while time.monotonic() - started < LOAD_S:
            with store.session() as s:
                if s.exec(select(ReviewItem).where(ReviewItem.app_id == wait_app.id)).first():
                    break
            time.sleep(0.1)
        time.sleep(max(0.0, LOAD_S / 2 - (time.monotonic() - started)))
        victim.kill()  # SIGKILL: no shutdown, no cleanup

    threads = [threading.Thread(target=held_on_victim), threading.Thread(target=kill_when_held)]
    for thread in threads:
        thread.start()
    sent = run_async(drive(bases, load_key, clients=8, mix=Mix(timeout_prompt="SLEEP 4"), seconds=LOAD_S))
    for thread in threads:
        thread.join(timeout=30)
    victim.wait(timeout=10)

    assert isinstance(waited.get("error"), openai.APIConnectionError)  # a clean client-side error, not a hang
    statuses = Counter(x.status for x in sent)
    answered = [x.interaction_id for x in sent if 200 <= x.status < 300]
    late = sent[len(sent) // 2:]
    assert statuses[NO_ANSWER] > 0 and any(x.status == 200 for x in late)  # the survivor kept serving
    assert None not in answered and len(set(answered)) == len(answered)

    victim = start_server(config, ports[0], tmp_path / "connections.log", log_name="serve-restarted.log")
    started.append(victim)
    try:
        load_app = store.app_named("crash-load")
        with store.session() as s:
            rows = list(s.exec(select(Interaction.id, Interaction.state).where(Interaction.app_id == load_app.id)))
            item = s.exec(select(ReviewItem).where(ReviewItem.app_id == wait_app.id)).one()
        states = dict(rows)
        assert len(states) == len(rows)
        assert all(states.get(i) == "completed" for i in answered)  # every answered request, stored once
        assert sum(1 for s in states.values() if s == "completed") == len(answered)
        assert item.status == "pending"
        with httpx.Client(timeout=30) as http:
            decided = http.post(f"{bases[1]}/api/reviews/{item.id}/decision", headers={"Authorization": f"Bearer {token}"},
                                json={"action": "reject", "reason_code": "unauthorized_discount"})
            assert decided.status_code == 200, decided.text
            status = http.get(f"{bases[0]}/v1/reviews/{item.id}", headers={"Authorization": f"Bearer {wait_key}"}).json()
        assert status["status"] == "rejected" and status["choices"][0]["finish_reason"] == "content_filter"
        assert [d.action for d in store.decisions_for(item.id or 0)] == ["reject"]
        with store.session() as s:
            assert s.exec(select(Interaction.state).where(col(Interaction.id) == item.interaction_id)).one() != "completed"
    finally:
        store.engine.dispose()
