"""Holds end to end: the openai SDK waits or polls while a reviewer decides through the review API."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import Proxy, run_cli

HOLD_TEXT = "REPLY: Happy to offer 30% off if you sign today."


def wait_for_pending(api: httpx.Client, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for item in api.get("/reviews").json()["data"]:
            if predicate(item):
                return item
        time.sleep(0.1)
    raise AssertionError("no matching pending review appeared")


def call_in_background(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = fn()
        except Exception as exc:  # noqa: BLE001 - surfaced by the test
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@pytest.fixture(scope="module")
def reviewer(proxy: Proxy) -> httpx.Client:
    return proxy.review_api(proxy.user_token("rita@example.com", "reviewer"))


@pytest.fixture(scope="module")
def lead(proxy: Proxy) -> httpx.Client:
    return proxy.review_api(proxy.user_token("lee@example.com", "lead"))


def held_call(proxy: Proxy, app: str, api: httpx.Client, text: str = HOLD_TEXT) -> tuple[threading.Thread, dict[str, Any], dict[str, Any]]:
    client = proxy.client(app, "sales-email", "review", "wait")
    before = {i["id"] for i in api.get("/reviews").json()["data"]}
    thread, result = call_in_background(
        lambda: client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": text}]))
    item = wait_for_pending(api, lambda i: i["id"] not in before and i["policy"] == "sales-email")
    return thread, result, item


@pytest.mark.parametrize(("action", "body", "expected_text", "finish"), [
    ("approve", {"reason_code": "discount_approved"}, "Happy to offer 30% off if you sign today.", "stop"),
    ("edit", {"reason_code": "unauthorized_discount", "edited_text": "Happy to offer 15% off if you sign today."},
     "Happy to offer 15% off if you sign today.", "stop"),
    ("reject", {"reason_code": "unauthorized_discount"}, None, "content_filter"),
])
def test_wait_hold_returns_what_the_reviewer_decided(proxy: Proxy, reviewer: httpx.Client, action: str,
                                                     body: dict[str, Any], expected_text: str | None, finish: str) -> None:
    thread, result, item = held_call(proxy, f"wait-{action}", reviewer)
    assert item["decision"] == "hold" and item["tier"] == "commercial"
    response = reviewer.post(f"/reviews/{item['id']}/decision", json={"action": action, **body})
    assert response.status_code == 200, response.text
    thread.join(timeout=20)
    reply = result["value"]
    assert reply.choices[0].finish_reason == finish
    if expected_text is None:
        assert "30%" not in reply.choices[0].message.content
    else:
        assert reply.choices[0].message.content == expected_text
    assert reply.model_extra["loopguard"]["status"] == {"approve": "approved", "edit": "edited", "reject": "rejected"}[action]


def test_edit_is_stored_with_original_corrected_text_and_reason(proxy: Proxy, reviewer: httpx.Client) -> None:
    thread, _, item = held_call(proxy, "wait-edit-store", reviewer)
    reviewer.post(f"/reviews/{item['id']}/decision", json={
        "action": "edit", "reason_code": "unauthorized_discount", "edited_text": "Happy to offer 10% off."})
    thread.join(timeout=20)
    detail = reviewer.get(f"/reviews/{item['id']}").json()
    decision = detail["decisions"][-1]
    assert decision["original_text"] == "Happy to offer 30% off if you sign today."
    assert decision["edited_text"] == "Happy to offer 10% off."
    assert decision["reason_code"] == "unauthorized_discount"


def test_defer_answers_at_once_and_the_app_polls_for_the_released_text(proxy: Proxy, reviewer: httpx.Client) -> None:
    client = proxy.client("defer-app", "sales-email", "review", "defer")
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=[{"role": "user", "content": HOLD_TEXT}])
    reply = raw.parse()
    review_id = int(raw.headers["X-Loopguard-Review-Id"])
    assert reply.choices[0].finish_reason == "content_filter"
    assert "30%" not in reply.choices[0].message.content
    assert reply.model_extra["loopguard"]["review_id"] == review_id
    assert reply.model_extra["loopguard"]["status"] == "pending"
    poll = httpx.get(f"{proxy.base_url}/reviews/{review_id}", headers={"Authorization": f"Bearer {client.api_key}"})
    assert poll.json()["status"] == "pending" and "choices" not in poll.json()
    reviewer.post(f"/reviews/{review_id}/decision", json={"action": "approve", "reason_code": "discount_approved"})
    poll = httpx.get(f"{proxy.base_url}/reviews/{review_id}", headers={"Authorization": f"Bearer {client.api_key}"})
    assert poll.json()["status"] == "approved"
    assert poll.json()["choices"][0]["message"]["content"] == "Happy to offer 30% off if you sign today."


def test_another_app_cannot_read_a_review(proxy: Proxy) -> None:
    owner = proxy.client("defer-owner", "sales-email", "review", "defer")
    raw = owner.chat.completions.with_raw_response.create(model="fake-model", messages=[{"role": "user", "content": HOLD_TEXT}])
    other = proxy.key("plain", "default", "monitor")
    poll = httpx.get(f"{proxy.base_url}/reviews/{raw.headers['X-Loopguard-Review-Id']}", headers={"Authorization": f"Bearer {other}"})
    assert poll.status_code == 404


def test_block_never_returns_the_original(proxy: Proxy) -> None:
    client = proxy.client("blocker", "sales-email", "review", "wait")
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "REPLY: Take 55% off list."}])
    assert reply.choices[0].finish_reason == "content_filter"
    assert "55%" not in reply.choices[0].message.content
    assert reply.model_extra["loopguard"]["decision"] == "block"
    assert reply.model_extra["loopguard"]["status"] == "blocked"


def test_a_blocked_secret_appears_nowhere_in_the_response(proxy: Proxy) -> None:
    key = proxy.key("blocker", "sales-email", "review", "wait")
    response = httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"}, json={
        "model": "fake-model", "messages": [{"role": "user", "content": "REPLY: Use key AKIAIOSFODNN7EXAMPLE for S3."}]})
    assert response.status_code == 200
    assert response.json()["loopguard"]["decision"] == "block"
    assert "AKIAIOSFODNN7EXAMPLE" not in response.text


def test_blocked_stream_ends_with_content_filter(proxy: Proxy) -> None:
    client = proxy.client("blocker", "sales-email", "review", "wait")
    chunks = list(client.chat.completions.create(
        model="fake-model", stream=True, messages=[{"role": "user", "content": "REPLY: Take 55% off list."}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "55%" not in text
    assert chunks[-1].choices[0].finish_reason == "content_filter"
    assert chunks[-1].model_extra["loopguard"]["decision"] == "block"


def test_monitor_mode_returns_at_once_and_queues_for_later_review(proxy: Proxy, reviewer: httpx.Client) -> None:
    client = proxy.client("monitor-app", "sales-email", "monitor")
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": HOLD_TEXT}])
    info = reply.model_extra["loopguard"]
    assert reply.choices[0].message.content == "Happy to offer 30% off if you sign today."
    assert info["decision"] == "hold" and info["status"] == "released" and info["review_id"]
    item = reviewer.get(f"/reviews/{info['review_id']}").json()
    assert item["status"] == "pending" and item["blocking"] is False


def test_command_mode_holds_even_clean_output(proxy: Proxy, reviewer: httpx.Client) -> None:
    client = proxy.client("command-app", "sales-email", "command", "defer")
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "REPLY: See you Tuesday."}])
    info = reply.model_extra["loopguard"]
    assert info["decision"] == "allow" and info["status"] == "pending"
    assert reply.choices[0].finish_reason == "content_filter"


def test_metadata_deal_value_holds_in_the_high_value_tier(proxy: Proxy) -> None:
    client = proxy.client("deal-app", "sales-email", "review", "defer")
    reply = client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": "REPLY: Redlines attached."}],
        extra_body={"metadata": {"deal_value": 250000, "region": "EU", "unknown_field": [1, 2]}})
    info = reply.model_extra["loopguard"]
    assert info["decision"] == "hold" and info["tier"] == "high-value"


def test_escalated_item_needs_a_lead(proxy: Proxy, reviewer: httpx.Client, lead: httpx.Client) -> None:
    thread, result, item = held_call(proxy, "escalate-app", reviewer)
    assert reviewer.post(f"/reviews/{item['id']}/decision",
                         json={"action": "escalate", "reason_code": "unauthorized_discount"}).status_code == 200
    again = reviewer.post(f"/reviews/{item['id']}/decision", json={"action": "approve", "reason_code": "discount_approved"})
    assert again.status_code == 403
    assert lead.post(f"/reviews/{item['id']}/decision",
                     json={"action": "approve", "reason_code": "discount_approved"}).status_code == 200
    thread.join(timeout=20)
    assert result["value"].model_extra["loopguard"]["status"] == "approved"


def test_two_reviewers_never_decide_the_same_item(proxy: Proxy, reviewer: httpx.Client, lead: httpx.Client) -> None:
    other = proxy.review_api(proxy.user_token("ola@example.com", "reviewer"))
    thread, _, item = held_call(proxy, "race-app", reviewer)
    assert reviewer.post(f"/reviews/{item['id']}/claim").status_code == 200
    assert other.post(f"/reviews/{item['id']}/claim").status_code == 409
    assert other.post(f"/reviews/{item['id']}/decision", json={"action": "reject", "reason_code": "tone"}).status_code == 409
    assert reviewer.post(f"/reviews/{item['id']}/decision", json={"action": "reject", "reason_code": "tone"}).status_code == 200
    assert reviewer.post(f"/reviews/{item['id']}/decision", json={"action": "approve", "reason_code": "approved_as_is"}).status_code == 409
    thread.join(timeout=20)


@pytest.mark.parametrize(("body", "status"), [
    ({"action": "approve"}, 400),
    ({"action": "approve", "reason_code": "not-a-code"}, 400),
    ({"action": "approve", "reason_code": "unauthorized_discount", "note": "fine"}, 200),
    ({"action": "edit", "reason_code": "tone"}, 400),
])
def test_decisions_need_a_valid_reason_code(proxy: Proxy, reviewer: httpx.Client, body: dict[str, Any], status: int) -> None:
    client = proxy.client("reason-app", "sales-email", "review", "defer")
    raw = client.chat.completions.with_raw_response.create(model="fake-model", messages=[{"role": "user", "content": HOLD_TEXT}])
    response = reviewer.post(f"/reviews/{raw.headers['X-Loopguard-Review-Id']}/decision", json=body)
    assert response.status_code == status, response.text
    if status == 400:
        assert "error" in response.json()


def test_ml_role_cannot_decide_and_bad_tokens_are_refused(proxy: Proxy) -> None:
    ml = proxy.review_api(proxy.user_token("mo@example.com", "ml"))
    client = proxy.client("ml-app", "sales-email", "review", "defer")
    raw = client.chat.completions.with_raw_response.create(model="fake-model", messages=[{"role": "user", "content": HOLD_TEXT}])
    review_id = raw.headers["X-Loopguard-Review-Id"]
    assert ml.post(f"/reviews/{review_id}/decision", json={"action": "approve", "reason_code": "discount_approved"}).status_code == 403
    assert proxy.review_api("lgu-bogus").get("/reviews").status_code == 401


def test_hold_timeout_applies_the_policy_timeout_action(proxy: Proxy) -> None:
    client = proxy.client("quick-app", "quick-hold", "review", "wait")
    started = time.monotonic()
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "REPLY: a risky phrase"}])
    assert time.monotonic() - started >= 1.4
    assert reply.model_extra["loopguard"]["status"] == "expired"
    assert reply.choices[0].message.content == "a risky phrase"  # timeout_action: release


def test_every_interaction_is_stored_with_raw_output_findings_and_latency(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "REPLY: Mail a@example.com"}])
    row_id = reply.model_extra["loopguard"]["interaction_id"]
    with sqlite3.connect(proxy.db) as db:
        state, candidates, decision, final, total_ms = db.execute(
            "select state, candidates, decision, final_output, total_ms from interaction where id=?", (row_id,)).fetchone()
    assert state == "completed" and decision == "fix" and total_ms > 0
    assert "a@example.com" in candidates  # the raw output is kept for review
    assert "a@example.com" not in final


def test_failed_upstream_call_leaves_a_failed_record(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "FAIL 500"}])
    with sqlite3.connect(proxy.db) as db:
        state, error = db.execute("select state, error from interaction order by id desc limit 1").fetchone()
    assert state == "failed" and "upstream" in error


def test_audit_log_records_decisions_and_verifies(proxy: Proxy) -> None:
    with sqlite3.connect(proxy.db) as db:
        actions = {row[0] for row in db.execute("select action from auditentry")}
    assert {"key.create", "user.create", "review.create"} <= actions
    assert "audit log intact" in run_cli(proxy.config, "audit", "verify").stdout


def test_a_hold_is_released_through_another_proxy_process_on_the_same_database(proxy: Proxy, reviewer: httpx.Client) -> None:
    """State lives in the database: a second worker (or a restarted one) sees and releases the hold."""
    from proxy.services import free_port
    from tests.conftest import start_server

    client = proxy.client("restart-app", "sales-email", "review", "wait")
    before = {i["id"] for i in reviewer.get("/reviews").json()["data"]}
    thread, result = call_in_background(
        lambda: client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": HOLD_TEXT}]))
    item = wait_for_pending(reviewer, lambda i: i["id"] not in before)
    port = free_port()
    second = start_server(proxy.config, port, proxy.connections_log, log_name="serve-second.log")
    try:
        token = reviewer.headers["Authorization"]
        decided = httpx.post(f"http://127.0.0.1:{port}/api/reviews/{item['id']}/decision", headers={"Authorization": token},
                             json={"action": "approve", "reason_code": "discount_approved"}, timeout=10)
        assert decided.status_code == 200
        thread.join(timeout=20)
        assert result["value"].model_extra["loopguard"]["status"] == "approved"
        polled = httpx.get(f"http://127.0.0.1:{port}/v1/reviews/{item['id']}",
                           headers={"Authorization": f"Bearer {client.api_key}"}, timeout=10)
        assert polled.json()["choices"][0]["message"]["content"] == "Happy to offer 30% off if you sign today."
    finally:
        second.terminate()
        second.wait(timeout=10)


def test_no_key_or_token_in_the_server_log(proxy: Proxy) -> None:
    log = "".join(p.read_text() for p in proxy.config.parent.glob("serve*.log"))
    assert proxy.keys, "no keys were used; the test would prove nothing"
    for key in proxy.keys.values():
        assert key not in log
    assert "sk-test-not-a-real-key" not in log


def test_an_app_that_hangs_up_stops_the_wait_and_the_item_stays_decidable(proxy: Proxy, reviewer: httpx.Client) -> None:
    key = proxy.key("hangup-app", "sales-email", "review", "wait")
    before = {i["id"] for i in reviewer.get("/reviews").json()["data"]}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=1.5,
                   json={"model": "fake-model", "messages": [{"role": "user", "content": HOLD_TEXT}]})
    item = wait_for_pending(reviewer, lambda i: i["id"] not in before)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the server notices the hang-up and finishes the interaction
        with sqlite3.connect(proxy.db) as db:
            state = db.execute("select state from interaction where id=?", (item["interaction_id"],)).fetchone()[0]
        if state == "completed":
            break
        time.sleep(0.1)
    assert state == "completed"  # long before the policy's 600 s hold timeout
    assert reviewer.get(f"/reviews/{item['id']}").json()["status"] == "pending"
    assert reviewer.post(f"/reviews/{item['id']}/decision",
                         json={"action": "approve", "reason_code": "discount_approved"}).status_code == 200
    polled = httpx.get(f"{proxy.base_url}/reviews/{item['id']}", headers={"Authorization": f"Bearer {key}"})
    assert polled.json()["status"] == "approved"


def test_no_outbound_connection_but_the_configured_upstream(proxy: Proxy) -> None:
    """Runs last in this module: by now every check, hold and error path has executed in the server."""
    lines = proxy.connections_log.read_text().splitlines() if proxy.connections_log.exists() else []
    assert lines, "the audit hook recorded nothing; the test would prove nothing"
    allowed_hosts = {"127.0.0.1", "localhost"}
    offenders = [line for line in lines if not any(host in line for host in allowed_hosts)]
    assert offenders == []
