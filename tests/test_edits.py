"""A reviewer's edit is checked by the item's policy before the app receives it: fixes are
applied, a block-level finding refuses the edit with 409 and the findings, a hold-level one
does not stop it."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import httpx
import pytest

from tests.conftest import Proxy
from tests.test_holds import call_in_background, wait_for_pending

FOOTER = "\n\nNeed more help? Reply to this email or visit our help center."


@pytest.fixture(scope="module")
def editor(proxy: Proxy) -> httpx.Client:
    return proxy.review_api(proxy.user_token("eddie@example.com", "reviewer"))


def _deferred_review(proxy: Proxy, app: str, policy: str, mode: str, prompt: str) -> tuple[int, str]:
    client = proxy.client(app, policy, mode, "defer")
    raw = client.chat.completions.with_raw_response.create(model="fake-model", messages=[{"role": "user", "content": prompt}])
    return int(raw.headers["X-Loopguard-Review-Id"]), client.api_key


# (policy, mode, upstream prompt, reason code, the reviewer's edit, status, what the app receives, rules refusing it)
EDITS = [
    pytest.param("support-reply", "review", "REPLY: I've approved a $900 refund for the outage.", "refund_over_limit",
                 "Refunded to card 4111 1111 1111 1111.", 409, None, {"CREDIT_CARD"}, id="blocked card number"),
    pytest.param("sales-email", "review", "REPLY: Happy to offer 30% off if you sign today.", "unauthorized_discount",
                 "Sure, use key AKIAIOSFODNN7EXAMPLE to sign in.", 409, None, {"secret_in_output"}, id="blocked secret"),
    pytest.param("support-reply", "review", "REPLY: I've approved a $900 refund for the outage.", "refund_over_limit",
                 "We've issued a $200 credit.", 200, "We've issued a $200 credit." + FOOTER, set(), id="fix applied: footer"),
    pytest.param("default", "command", "REPLY: See you Tuesday.", "missed_pii",
                 "Write to jane.roe@example.com on Tuesday.", 200, "Write to <EMAIL_ADDRESS> on Tuesday.", set(),
                 id="fix applied: email masked"),
    pytest.param("sales-email", "review", "REPLY: Happy to offer 30% off if you sign today.", "unauthorized_discount",
                 "Happy to offer 30% off if you sign this week.", 200, "Happy to offer 30% off if you sign this week.", set(),
                 id="hold-level finding does not stop an edit"),
]


@pytest.mark.parametrize(("policy", "mode", "prompt", "reason", "edited", "status", "released", "refusing"), EDITS)
def test_an_edit_is_checked_before_release(proxy: Proxy, editor: httpx.Client, policy: str, mode: str, prompt: str,
                                           reason: str, edited: str, status: int, released: str | None,
                                           refusing: set[str]) -> None:
    review_id, app_key = _deferred_review(proxy, f"edits-{policy}-{mode}", policy, mode, prompt)
    response = editor.post(f"/reviews/{review_id}/decision",
                           json={"action": "edit", "reason_code": reason, "edited_text": edited})
    assert response.status_code == status, response.text
    poll = httpx.get(f"{proxy.base_url}/reviews/{review_id}", headers={"Authorization": f"Bearer {app_key}"}).json()
    if status == 409:
        error = response.json()["error"]
        assert (error["type"], error["code"], error["param"]) == ("conflict_error", "edit_blocked", "edited_text")
        blocking = [f for f in error["findings"] if f["action"] == "block"]
        assert {f["rule"] for f in blocking} == refusing
        for f in blocking:  # the public finding shape: what and where, never the matched text
            assert f["check"] and f["message"] and f["location"] == "content" and "text" not in f
            assert f["start"] is None or 0 <= f["start"] < f["end"] <= len(edited)
        assert "4111 1111" not in response.text and "AKIAIOSFODNN7EXAMPLE" not in response.text
        assert editor.get(f"/reviews/{review_id}").json()["status"] == "pending"  # still undecided
        assert poll["status"] == "pending" and "choices" not in poll
        return
    assert poll["status"] == "edited"
    assert poll["choices"][0]["message"] == {"role": "assistant", "content": released}


def test_a_waiting_app_receives_the_checked_edit_and_nothing_of_the_original(proxy: Proxy, editor: httpx.Client) -> None:
    client = proxy.client("edits-wait", "default", "command", "wait")
    tokens = [{"token": "See you Tuesday.", "logprob": -0.1, "bytes": list(b"See you Tuesday."), "top_logprobs": []}]
    prompt = "FIELDS: " + json.dumps({
        "message": {"content": "See you Tuesday.", "reasoning_content": "Plan: confirm the meeting.",
                    "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "book", "arguments": "{}"}}]},
        "choice": {"logprobs": {"content": tokens}}})
    before = {i["id"] for i in editor.get("/reviews").json()["data"]}
    thread, result = call_in_background(
        lambda: client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": prompt}]))
    item = wait_for_pending(editor, lambda i: i["id"] not in before and i["policy"] == "default")
    response = editor.post(f"/reviews/{item['id']}/decision", json={
        "action": "edit", "reason_code": "missed_pii", "edited_text": "Booked; write to jane.roe@example.com."})
    assert response.status_code == 200, response.text
    thread.join(timeout=20)
    reply: Any = result["value"]
    choice = reply.choices[0]
    assert choice.message.content == "Booked; write to <EMAIL_ADDRESS>."
    assert choice.message.tool_calls is None and choice.logprobs is None
    assert choice.message.model_dump(exclude_none=True) == {"role": "assistant", "content": "Booked; write to <EMAIL_ADDRESS>."}
    assert reply.model_extra["loopguard"]["status"] == "edited"
    with sqlite3.connect(proxy.db) as db:
        stored = db.execute("select released_output from reviewitem where id=?", (item["id"],)).fetchone()[0]
    assert json.loads(stored) == [{"role": "assistant", "content": "Booked; write to <EMAIL_ADDRESS>."}]
