"""Graceful shutdown of a real `loopguard serve`: SIGTERM while a stream, a slow reply and a
held `wait` request are in flight. The stream and the slow reply finish; the held client gets
a clean 503 in OpenAI's shape naming its review item, which a reviewer decides after the
restart and the app then reads from GET /v1/reviews/{id}."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI
from sqlmodel import select

from proxy.services import free_port
from tests.conftest import run_cli, start_server, write_config
from tests.fake_upstream import FakeUpstream

pytestmark = pytest.mark.timeout(400)  # two server starts on a busy machine
GRACE_S = 15
WORDS = "one two three four five six seven eight nine ten"


def _first_item(db: Path) -> int | None:
    from proxy.store.database import Store
    from proxy.store.models import ReviewItem

    store = Store(f"sqlite:///{db}")
    try:
        with store.session() as s:
            item = s.exec(select(ReviewItem)).first()
        return item.id if item else None
    finally:
        store.engine.dispose()


def test_sigterm_finishes_requests_in_flight_and_leaves_a_held_item_decidable(upstream: FakeUpstream,
                                                                             tmp_path: Path) -> None:
    config = write_config(tmp_path, upstream.base_url)
    config.write_text(config.read_text() + f"shutdown_grace_s: {GRACE_S}\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(config, port, tmp_path / "connections.log")
    held_key = run_cli(config, "keys", "create", "--app", "drain-held", "--policy", "sales-email", "--mode", "review",
                       "--on-hold", "wait").stdout.split()[-1]
    plain_key = run_cli(config, "keys", "create", "--app", "drain-plain", "--policy", "default",
                        "--mode", "monitor").stdout.split()[-1]
    token = run_cli(config, "users", "create", "--email", "drain@example.com", "--role", "reviewer").stdout.split()[-1]
    run_cli(config, "users", "grant", "--email", "drain@example.com", "--app", "drain-held")
    results: dict[str, Any] = {}
    streaming = threading.Event()

    def held() -> None:
        with OpenAI(base_url=f"{base}/v1", api_key=held_key, max_retries=0, timeout=60) as client:
            try:
                client.chat.completions.create(model="fake-model", messages=[
                    {"role": "user", "content": "REPLY: We can do 35% off this quarter."}])
            except openai.APIStatusError as exc:
                results["held"] = exc

    def stream() -> None:
        with OpenAI(base_url=f"{base}/v1", api_key=plain_key, max_retries=0, timeout=60) as client:
            parts = []
            for chunk in client.chat.completions.create(model="fake-model", stream=True, messages=[
                    {"role": "user", "content": f"[stream pace=400] REPLY: {WORDS}"}]):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
                    streaming.set()
            results["stream"] = "".join(parts)

    def slow() -> None:
        with OpenAI(base_url=f"{base}/v1", api_key=plain_key, max_retries=0, timeout=60) as client:
            reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "SLEEP 2"}])
            results["slow"] = reply.choices[0].message.content

    threads = [threading.Thread(target=fn) for fn in (held, stream)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while (_first_item(tmp_path / "loopguard.db") is None or not streaming.is_set()) and time.monotonic() < deadline:
        time.sleep(0.1)
    review_id = _first_item(tmp_path / "loopguard.db")
    assert review_id is not None and streaming.is_set()
    threads.append(threading.Thread(target=slow))
    threads[-1].start()
    time.sleep(0.5)  # the slow request is with the provider
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(timeout=GRACE_S + 10)
    assert proc.wait(timeout=GRACE_S + 10) in (0, -signal.SIGTERM)
    assert time.monotonic() - signalled < GRACE_S  # nothing had to be cut off at the grace period's end

    assert results["stream"] == WORDS  # the stream in flight ran to its end
    assert results["slow"] == "slept"
    error = results["held"]
    assert error.status_code == 503
    body = error.body
    assert body["code"] == "shutting_down" and body["review_id"] == review_id
    assert set(body) >= {"message", "type", "param", "code"} and "Traceback" not in body["message"]

    proc = start_server(config, port, tmp_path / "connections.log", log_name="serve-again.log")
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            decided = http.post(f"/api/reviews/{review_id}/decision", headers={"Authorization": f"Bearer {token}"},
                                json={"action": "approve", "reason_code": "approved_as_is"})
            assert decided.status_code == 200, decided.text
            status = http.get(f"/v1/reviews/{review_id}", headers={"Authorization": f"Bearer {held_key}"}).json()
        assert status["status"] == "approved"
        assert status["choices"][0]["message"]["content"] == "We can do 35% off this quarter."
    finally:
        proc.terminate()
        proc.wait(timeout=30)
