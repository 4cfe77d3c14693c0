"""Webhooks, SLA breaches and hold timeouts, end to end: signed deliveries retried with
backoff and every attempt recorded; an SLA breach announced once and moved up to the
leads; a timed-out hold with the policy's timeout action, shown as such."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import httpx

from proxy.store.models import ReviewItem, utcnow
from tests.conftest import Proxy, run_cli
from tests.review_helpers import deferred, person, poll, rewrite
from tests.webhook_receiver import Receiver


def wait_for(predicate, timeout: float = 15):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def webhook_app(proxy: Proxy, app: str, url: str, policy: str = "sales-email") -> str:
    """Creates the app with a webhook; returns the signing secret the CLI printed once."""
    out = run_cli(proxy.config, "keys", "create", "--app", app, "--policy", policy, "--mode", "review",
                  "--on-hold", "defer", "--webhook", url).stdout.splitlines()
    proxy.keys[app] = out[-1]
    return next(line for line in out if line.startswith("webhook secret")).rsplit(" ", 1)[1]


def test_a_decision_is_delivered_signed_and_retried_until_it_lands(proxy: Proxy) -> None:
    with Receiver(statuses=[500, 503]) as receiver:
        secret = webhook_app(proxy, "hook-app", receiver.url())
        token = person(proxy, "hooked@example.com", "reviewer", ["hook-app"])
        review_id = deferred(proxy, "hook-app", "REPLY: Happy to offer 30% off if you sign today.")
        decided = proxy.review_api(token).post(f"/reviews/{review_id}/decision",
                                               json={"action": "approve", "reason_code": "discount_approved"})
        assert decided.status_code == 200
        wait_for(lambda: len(receiver.received) == 3)
    bodies = {r.body for r in receiver.received}
    assert len(bodies) == 1  # every retry sends the same bytes
    last = receiver.received[-1]
    assert last.headers["x-loopguard-signature"] == hmac.new(secret.encode(), last.body, hashlib.sha256).hexdigest()
    payload = json.loads(last.body)
    assert payload["event"] == "review.decided" and payload["review_id"] == review_id
    assert payload["status"] == "approved" and payload["app"] == "hook-app"
    assert payload["released_output"] == [{"role": "assistant", "content": "Happy to offer 30% off if you sign today."}]
    assert payload["link"] == f"{proxy.root}/review/items/{review_id}"
    detail = httpx.get(f"{proxy.root}/api/reviews/{review_id}", headers={"Authorization": f"Bearer {token}"})
    assert detail.status_code == 200
    trail = [e for e in proxy.store().audit_trail(f"review:{review_id}") if e.action == "webhook.attempt"]
    assert [e.details["outcome"] for e in trail] == ["retrying", "retrying", "delivered"]
    assert [e.details["status_code"] for e in trail] == [500, 503, 200]
    log = (proxy.config.parent / "serve.log").read_text()
    assert secret not in log and "test-secret-key-not-for-production" not in log


def test_a_breached_sla_is_marked_moved_up_to_the_leads_and_announced_once(proxy: Proxy) -> None:
    with Receiver() as receiver:
        webhook_app(proxy, "sla-app", receiver.url())
        reviewer = person(proxy, "sla-reviewer@example.com", "reviewer", ["sla-app"])
        review_id = deferred(proxy, "sla-app", "REPLY: Happy to offer 30% off if you sign today.")
        rewrite(proxy, ReviewItem, review_id, sla_deadline=utcnow() - timedelta(minutes=1))
        wait_for(lambda: any(json.loads(r.body)["event"] == "review.sla_breach" for r in receiver.received))
        time.sleep(1.0)  # several more sweeps: still one announcement
        breaches = [json.loads(r.body) for r in receiver.received if json.loads(r.body)["event"] == "review.sla_breach"]
    assert len(breaches) == 1 and breaches[0]["review_id"] == review_id
    item = proxy.store().get_review(review_id)
    assert item is not None and item.status == "escalated" and item.sla_breached_at is not None
    refused = proxy.review_api(reviewer).post(f"/reviews/{review_id}/decision",
                                              json={"action": "approve", "reason_code": "approved_as_is"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "escalated"


def test_a_deferred_hold_times_out_with_the_policy_action_and_says_so(proxy: Proxy) -> None:
    with Receiver() as receiver:
        webhook_app(proxy, "timeout-app", receiver.url(), policy="quick-hold")  # 1.5 s, then release
        token = person(proxy, "timeout@example.com", "reviewer", ["timeout-app"])
        review_id = deferred(proxy, "timeout-app", "REPLY: a risky phrase here")
        polled = wait_for(lambda: (p := poll(proxy, "timeout-app", review_id))["status"] == "expired" and p)
        wait_for(lambda: receiver.received)
    assert polled["choices"][0]["message"]["content"] == "a risky phrase here"  # quick-hold releases on timeout
    assert json.loads(receiver.received[0].body)["status"] == "expired"
    late = proxy.review_api(token).post(f"/reviews/{review_id}/decision", json={"action": "approve", "reason_code": "ok"})
    assert late.status_code == 409 and "timed out at" in late.json()["error"]["message"]
