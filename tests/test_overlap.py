"""Blind overlap review, adjudication and gold items, the way people use them: reviewers in a
real browser (Debian's chromium), apps through the official openai SDK, leads on the
disagreements page, ML users through the export API, scripts through `loopguard metrics`.

The `overlap` test policy sends every item to two reviewers; the `gold` one queues a gold
item beside every real one (`tests/conftest.py`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from proxy.policy import Policy
from proxy.review.gold import right
from proxy.store.models import ReviewItem
from tests.conftest import Proxy, run_cli, write_config
from tests.review_helpers import app_key, deferred, in_background, newest_pending, person, poll, signed_in

pytestmark = pytest.mark.timeout(240)
RISKY = "REPLY: Sign today, this risky phrase is our best offer."
EDITED = "Sign today: this is our best offer."


def _export(proxy: Proxy, token: str, fmt: str, policy: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{proxy.root}/api/export", params={"format": fmt, "policy": policy, "limit": 1000},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


def _item(proxy: Proxy, review_id: int) -> ReviewItem:
    item = proxy.store().get_review(review_id)
    assert item is not None
    return item


def test_two_reviewers_decide_an_overlap_item_blind_then_the_lead_adjudicates_and_exports_follow(
        proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ov-ui", policy="overlap")
    first = person(proxy, "blind-a@example.com", "reviewer", ["ov-ui"])
    second = person(proxy, "blind-b@example.com", "reviewer", ["ov-ui"])
    person(proxy, "blind-lead@example.com", "lead", ["ov-ui"])
    ml = proxy.user_token("blind-ml@example.com", "ml")
    review_id = deferred(proxy, "ov-ui", RISKY)

    a = signed_in(browser, proxy, "blind-a@example.com")
    a.goto(f"{proxy.root}/review/items/{review_id}")
    a.keyboard.press("a")
    a.keyboard.press("1")  # approve, reason ok
    a.wait_for_url(re.compile(rf"after={review_id}&did=approved"))
    assert poll(proxy, "ov-ui", review_id)["status"] == "approved"  # the app has the first decision
    a.goto(f"{proxy.root}/review")
    expect(a.locator(f"a[href='/review/items/{review_id}']")).to_have_count(0)  # out of A's queue
    a.goto(f"{proxy.root}/review/items/{review_id}")
    expect(a.locator("h1 .status")).to_have_text("pending")
    expect(a.locator("body")).to_contain_text("waits for other reviewers' independent decisions")

    b = signed_in(browser, proxy, "blind-b@example.com")
    expect(b.locator(f"a[href='/review/items/{review_id}']").first).to_be_visible()  # still in B's queue
    b.goto(f"{proxy.root}/review/items/{review_id}")
    expect(b.locator("h1 .status")).to_have_text("pending")
    body = b.locator("body").inner_text()
    assert "blind-a@example.com" not in body and "approved" not in body  # nothing of A's decision
    api_view = proxy.review_api(second).get(f"/reviews/{review_id}").json()
    assert api_view["status"] == "pending" and api_view["decisions"] == [] and api_view["decided_at"] is None
    listed = proxy.review_api(second).get("/queue").json()["data"]
    assert [r["status"] for r in listed if r["id"] == review_id] == ["pending"]
    b.keyboard.press("e")
    b.locator("#edited_text").fill(EDITED)
    b.keyboard.press("Escape")
    b.keyboard.press("2")  # edit, reason tone
    b.wait_for_url(re.compile(rf"/review\?after={review_id}&did=recorded"))
    expect(b.locator(".done")).to_contain_text(f"Review #{review_id} decided: your independent decision is recorded")

    item = _item(proxy, review_id)
    assert (item.status, item.overlap, item.blind_decisions) == ("approved", 2, 2)  # B changed nothing for the app
    polled = poll(proxy, "ov-ui", review_id)
    assert polled["reason_code"] == "ok" and polled["choices"][0]["message"]["content"].startswith("Sign today, this risky")
    assert proxy.review_api(first).post(f"/reviews/{review_id}/decision",
                                        json={"action": "reject", "reason_code": "wrong"}).status_code == 409
    unsettled = _export(proxy, ml, "jsonl", "overlap")
    assert review_id not in {r["review_id"] for r in unsettled}  # a disagreement waits for its ruling

    lead = signed_in(browser, proxy, "blind-lead@example.com")
    lead.goto(f"{proxy.root}/review/disagreements")
    section = lead.locator(f"#disagreement-{review_id}")
    expect(section.locator(".votes")).to_contain_text("blind-a@example.com")
    expect(section.locator(".votes")).to_contain_text(EDITED)
    section.locator("select[name=action]").select_option("edit")
    section.locator("select[name=reason_code]").select_option("tone")
    section.locator("textarea[name=edited_text]").fill("Sign today: our best offer stands.")
    section.locator("input[name=note]").fill("B was right, wording tightened")
    section.locator("button[type=submit]").click()
    lead.wait_for_url(re.compile(rf"/review/disagreements\?done={review_id}"))
    expect(lead.locator(f"#disagreement-{review_id}")).to_have_count(0)
    expect(lead.locator(".done")).to_contain_text(f"Review #{review_id} adjudicated")
    trail = [e.action for e in proxy.store().audit_trail(f"review:{review_id}")]
    assert "review.overlap" in trail and trail[-1] == "review.adjudicate"

    (record,) = [r for r in _export(proxy, ml, "jsonl", "overlap") if r["review_id"] == review_id]
    assert record["adjudicated"] is True and record["source"] == "edit" and record["reason_code"] == "tone"
    assert record["chosen"] == "Sign today: our best offer stands." and record["rejected"].startswith("Sign today, this risky")
    assert record["agreement"] == 0.5  # one of the two blind decisions was an edit
    (pair,) = [r for r in _export(proxy, ml, "openai-dpo", "overlap")
               if r["preferred_output"][0]["content"] == "Sign today: our best offer stands."]
    assert pair["non_preferred_output"][0]["content"].startswith("Sign today, this risky")
    for context in (a.context, b.context, lead.context):
        context.close()


def test_a_waiting_app_is_released_by_the_first_decision_and_the_second_is_collected_blind(proxy: Proxy) -> None:
    client = proxy.client("ov-wait", "overlap", "review", "wait")
    # granted this app only, so "give me work" cannot hand them another module's pending items
    first = proxy.review_api(person(proxy, "wait-a@example.com", "reviewer", ["ov-wait"]))
    second = proxy.review_api(person(proxy, "wait-b@example.com", "reviewer", ["ov-wait"]))
    thread, result = in_background(lambda: client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": RISKY}]))
    review_id = newest_pending(proxy, "ov-wait")
    decided = first.post(f"/reviews/{review_id}/decision", json={"action": "reject", "reason_code": "wrong"})
    assert decided.status_code == 200, decided.text
    thread.join(timeout=20)
    reply = result["value"]
    assert reply.model_extra["loopguard"]["status"] == "rejected"  # released by the first decision
    assert "risky phrase" not in (reply.choices[0].message.content or "")

    claimed = second.post("/queue/claim")  # "give me work" hands B the item still collecting
    assert claimed.status_code == 200 and claimed.json()["id"] == review_id and claimed.json()["status"] == "pending"
    assert claimed.json()["decisions"] == []
    assert second.post(f"/reviews/{review_id}/decision", json={"action": "escalate", "reason_code": "wrong"}
                       ).status_code == 400
    blind = second.post(f"/reviews/{review_id}/decision", json={"action": "approve", "reason_code": "ok"})
    assert blind.status_code == 200 and blind.json()["status"] == "recorded"
    assert second.post(f"/reviews/{review_id}/decision", json={"action": "approve", "reason_code": "ok"}
                       ).json()["error"]["code"] == "already_decided"
    item = _item(proxy, review_id)
    assert (item.status, item.blind_decisions) == ("rejected", 2)
    kinds = [(d.action, d.kind) for d in proxy.store().decisions_for(review_id)]
    assert kinds == [("reject", "decision"), ("approve", "overlap")]
    seen = first.get(f"/reviews/{review_id}").json()  # collection done: everyone sees both
    assert [d["action"] for d in seen["decisions"]] == ["reject", "approve"] and seen["status"] == "rejected"


def test_gold_items_are_queued_blind_measured_and_never_reach_apps_or_exports(proxy: Proxy, browser: Browser,
                                                                          tmp_path: Path) -> None:
    app_key(proxy, "gold-app", policy="gold")
    token = person(proxy, "gold-r@example.com", "reviewer", ["gold-app"])
    person(proxy, "gold-lead@example.com", "lead", ["gold-app"])
    ml = proxy.user_token("gold-ml@example.com", "ml")
    real = [deferred(proxy, "gold-app", "REPLY: A risky phrase, but true."),
            deferred(proxy, "gold-app", "REPLY: Our risky phrase offer, as agreed.")]
    app_id = proxy.store().app_named("gold-app").id or 0
    items = proxy.store().list_reviews(None, "gold", {app_id})
    gold = sorted(i.id or 0 for i in items if i.gold)
    assert len(gold) == 2 and sorted(i.id or 0 for i in items if not i.gold) == sorted(real)
    assert {i.gold_expect for i in items if i.gold} == {"hold"}

    api = proxy.review_api(token)
    looks = [api.get(f"/reviews/{review_id}").json() for review_id in (real[0], gold[0])]
    assert set(looks[0]) == set(looks[1]) and "gold" not in looks[1]  # the same shape: nothing gives it away
    assert looks[1]["rules"] == looks[0]["rules"] and looks[1]["blocking"] == looks[0]["blocking"]
    assert looks[1]["request"]["messages"] == [{"role": "user", "content": "Draft the close."}]
    page = signed_in(browser, proxy, "gold-r@example.com")
    page.goto(f"{proxy.root}/review/items/{gold[0]}")
    expect(page.locator("body")).to_contain_text("this risky phrase closes deals")
    expect(page.locator(".playbook")).to_have_count(0)  # the playbook is the answer key: on no item
    page.goto(f"{proxy.root}/review/items/{real[0]}")
    expect(page.locator("body")).to_contain_text("A risky phrase, but true.")
    expect(page.locator(".playbook")).to_have_count(0)
    page.context.close()

    for review_id in [*real, *gold]:  # approving a gold item the playbook says to hold is wrong
        assert api.post(f"/reviews/{review_id}/decision", json={"action": "approve", "reason_code": "ok"}
                        ).status_code == 200
    app_headers = {"Authorization": f"Bearer {proxy.keys['gold-app']}"}
    assert httpx.get(f"{proxy.base_url}/reviews/{gold[0]}", headers=app_headers).status_code == 404
    assert poll(proxy, "gold-app", real[0])["status"] == "approved"

    exported = _export(proxy, ml, "jsonl", "gold") + _export(proxy, ml, "kto", "gold")
    gold_interactions = {i.interaction_id for i in items if i.gold}
    assert all(r.get("review_id") not in gold for r in exported)
    assert not any("closes deals" in json.dumps(r) for r in exported)
    assert not {r.get("interaction_id") for r in exported} & gold_interactions

    config = write_config(tmp_path, "http://127.0.0.1:9", database_url=f"sqlite:///{proxy.db}")
    figures = json.loads(run_cli(config, "metrics", "--json", "--policy", "gold").stdout)
    for key in ("flag_rate", "correction_rate", "override_rate", "rejection_rate", "review_latency_p50_s",
                "review_latency_p90_s", "sla_misses", "escalation_rate", "audit_miss_rate", "agreement", "reviewers"):
        assert key in figures
    assert figures["decided"] == 2 and figures["interactions"] == 2  # the gold items are not traffic
    assert figures["reviewers"]["gold-r@example.com"] == {
        "decisions": 2, "gold_decisions": 2, "gold_right": 0, "gold_accuracy": 0.0, "flagged": True,
        "flagged_policies": ["gold"]}

    lead = signed_in(browser, proxy, "gold-lead@example.com")
    lead.goto(f"{proxy.root}/review/disagreements")
    expect(lead.locator(".flagged tr[data-reviewer='gold-r@example.com']")).to_contain_text("0.0")
    lead.goto(f"{proxy.root}/review/dashboard?range=all&policy=gold")
    expect(lead.locator(".reviewers tr[data-reviewer='gold-r@example.com']")).to_contain_text("yes: gold")
    lead.context.close()


GOLD_ANSWERS = [  # (what the playbook expects the checks to do, the reviewer's action, right?)
    ("allow", "approve", True), ("allow", "edit", False), ("allow", "reject", False),
    ("fix", "approve", True), ("fix", "reject", False),
    ("hold", "approve", False), ("hold", "edit", True), ("hold", "reject", True),
    ("block", "reject", True), ("block", "approve", False), ("hold", "escalate", False), (None, "approve", False),
]


@pytest.mark.parametrize(("expect", "action", "expected"), GOLD_ANSWERS)
def test_a_gold_answer_is_right_when_it_does_what_the_playbook_expects(expect: str | None, action: str,
                                                                       expected: bool) -> None:
    assert right(expect, action) is expected


def test_the_overlap_draw_takes_the_policy_share_of_items_and_always_the_same_ones() -> None:
    policy = Policy.model_validate({"name": "p", "reason_codes": [{"code": "ok", "label": "OK"}], "overlap": 0.1,
                                    "overlap_reviewers": 3})
    wanted = [policy.overlap_for(review_id) for review_id in range(1, 20_001)]
    assert set(wanted) == {1, 3} and 0.09 < wanted.count(3) / len(wanted) < 0.11
    assert wanted == [policy.overlap_for(review_id) for review_id in range(1, 20_001)]
    assert Policy.model_validate({"name": "p", "reason_codes": [{"code": "ok", "label": "OK"}]}).overlap_for(7) == 1
