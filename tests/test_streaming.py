"""Streamed replies end to end: the official openai SDK (and raw HTTP) against the real proxy,
the fake provider streaming word by word (at a pace, or cut, broken or stalled mid-stream)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import Proxy

FILLER = ("Thanks for the time on Tuesday. Here is a summary of where we landed on the rollout, the training and "
          "the invoices, so that everyone on your side has the same picture before the review. ")
LONG = FILLER * 6 + "Jennifer Cherry will own it; reach her at jennifer.cherry@example.com. " + FILLER * 2


def _stream(client: openai.OpenAI, prompt: str, **kwargs: Any) -> list[Any]:
    return list(client.chat.completions.create(model="fake-model", stream=True,
                                               messages=[{"role": "user", "content": prompt}], **kwargs))


def _text(chunks: list[Any], index: int = 0) -> str:
    return "".join(c.delta.content or "" for chunk in chunks for c in chunk.choices if c.index == index)


def _finish(chunks: list[Any], index: int = 0) -> str | None:
    return [c.finish_reason for chunk in chunks for c in chunk.choices if c.index == index and c.finish_reason][-1]


def _whole(client: openai.OpenAI, prompt: str, **kwargs: Any) -> Any:
    return client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": prompt}], **kwargs)


def _row(proxy: Proxy, interaction_id: int) -> tuple[Any, ...]:
    with sqlite3.connect(proxy.db) as db:
        row: tuple[Any, ...] = db.execute("select state, error, final_output, candidates from interaction where id=?",
                                          (interaction_id,)).fetchone()
    return row


def _last_interaction(proxy: Proxy) -> int:
    with sqlite3.connect(proxy.db) as db:
        return int(db.execute("select max(id) from interaction").fetchone()[0])


def test_a_long_reply_streams_while_the_upstream_writes_it_and_ends_as_the_whole_reply_does(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    started = time.monotonic()
    arrivals: list[tuple[float, str]] = []
    for chunk in client.chat.completions.create(model="fake-model", stream=True,
                                                messages=[{"role": "user", "content": f"[stream pace=8] REPLY: {LONG}"}]):
        for c in chunk.choices:
            if c.delta.content:
                arrivals.append((time.monotonic() - started, c.delta.content))
    total = time.monotonic() - started
    streamed = "".join(text for _, text in arrivals)
    assert arrivals[0][0] < total / 2, "the first text came only after half the upstream's time"
    assert len(arrivals) > 5
    assert streamed == _whole(client, f"REPLY: {LONG}").choices[0].message.content
    assert "jennifer.cherry" not in streamed and "Jennifer" not in streamed


def test_the_stream_carries_usage_and_the_loopguard_object_in_its_last_chunk(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    chunks = _stream(client, f"REPLY: {LONG}", stream_options={"include_usage": True})
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 30
    info = chunks[-1].model_extra["loopguard"]
    assert info["decision"] == "fix" and info["status"] == "released" and info["stream"]["mode"] == "window"
    assert {f["rule"] for f in info["findings"]} == {"PERSON", "EMAIL_ADDRESS"}
    state, _, final, _ = _row(proxy, info["interaction_id"])
    assert state == "completed" and json.loads(final)[0]["content"] == _text(chunks)


def test_each_choice_streams_through_its_own_window(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    chunks = _stream(client, f"REPLY: {FILLER * 3}Ping 10.2.3.4 now. || {FILLER * 2}Fine.", n=2)
    assert _text(chunks, 0) == FILLER * 3 + "Ping <IP_ADDRESS> now."
    assert _text(chunks, 1) == FILLER * 2 + "Fine."
    assert _finish(chunks, 0) == _finish(chunks, 1) == "stop"


def test_tool_call_pieces_are_assembled_checked_then_sent_whole(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    tools = [{"type": "function", "function": {"name": "send_email", "parameters": {"type": "object", "properties": {}}}}]
    key = proxy.key("plain", "default", "monitor")
    raw = httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=30, json={
        "model": "fake-model", "stream": True, "tools": tools,
        "messages": [{"role": "user", "content": 'TOOL: {"to": "lee@example.com", "body": "hello there"}'}]})
    assert "lee@" not in raw.text and "example.com" not in raw.text
    chunks = _stream(client, 'TOOL: {"to": "lee@example.com", "body": "hello there"}', tools=tools)
    calls = [call for chunk in chunks for c in chunk.choices for call in (c.delta.tool_calls or [])]
    assert len(calls) == 1 and calls[0].function is not None
    assert json.loads(calls[0].function.arguments or "") == {"to": "<EMAIL_ADDRESS>", "body": "hello there"}
    assert _finish(chunks) == "tool_calls"


def test_a_block_mid_stream_ends_it_before_the_value_with_the_block_message(proxy: Proxy) -> None:
    client = proxy.client("stream-monitor-sales", "sales-email", "monitor")
    prompt = f"REPLY: {FILLER * 3}Take 45% off your renewal if you sign today. {FILLER * 3}"
    chunks = _stream(client, prompt)
    text = _text(chunks)
    assert "45%" not in text and "renewal if you sign" not in text
    assert text.startswith(FILLER[:40]) and text.endswith("it breaks the sales policy). Please rephrase it.")
    assert _finish(chunks) == "content_filter"
    info = chunks[-1].model_extra["loopguard"]
    assert info["decision"] == "block" and info["status"] == "blocked"


def test_a_hold_in_defer_mode_ends_the_stream_with_the_hold_message_and_a_review(proxy: Proxy) -> None:
    client = proxy.client("stream-defer", "sales-email", "review", "defer")
    chunks = _stream(client, f"REPLY: {FILLER * 3}Unlike Globex, we ship every week. {FILLER}")
    text = _text(chunks)
    assert "Globex" not in text and text.endswith("You'll get it as soon as it's approved.")
    info = chunks[-1].model_extra["loopguard"]
    assert info["status"] == "pending" and info["review_id"] and _finish(chunks) == "content_filter"


def test_a_hold_in_monitor_mode_streams_on_and_is_queued_for_review(proxy: Proxy) -> None:
    client = proxy.client("stream-monitor-sales", "sales-email", "monitor")
    reply = f"{FILLER * 2}Unlike Globex, we ship every week. {FILLER}"
    chunks = _stream(client, f"REPLY: {reply}")
    assert _text(chunks) == reply.strip()
    info = chunks[-1].model_extra["loopguard"]
    assert info["decision"] == "hold" and info["status"] == "released" and info["review_id"]


def test_a_hold_in_wait_mode_pauses_the_stream_until_a_reviewer_approves(proxy: Proxy) -> None:
    client = proxy.client("stream-wait", "sales-email", "review", "wait")
    reviewer = proxy.review_api(proxy.user_token("stream-reviewer@example.com", "reviewer"))
    reply = f"{FILLER * 3}I can approve a 25% discount on the annual plan. {FILLER}"
    received: dict[str, Any] = {}

    def run() -> None:
        received["chunks"] = _stream(client, f"REPLY: {reply}")

    before = {i["id"] for i in reviewer.get("/reviews").json()["data"]}
    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 30
    item = None
    while item is None and time.monotonic() < deadline:
        item = next((i for i in reviewer.get("/reviews").json()["data"] if i["id"] not in before), None)
        time.sleep(0.1)
    assert item is not None and thread.is_alive(), "the stream did not pause for a review"
    reviewer.post(f"/reviews/{item['id']}/decision", json={"action": "approve", "reason_code": "discount_approved"})
    thread.join(timeout=30)
    chunks = received["chunks"]
    assert _text(chunks) == reply.strip() and _finish(chunks) == "stop"
    assert chunks[-1].model_extra["loopguard"]["status"] == "approved"


def test_a_missing_footer_is_appended_at_the_end_of_the_stream(proxy: Proxy) -> None:
    client = proxy.client("stream-support", "support-reply", "monitor")
    chunks = _stream(client, f"REPLY: Hi Maria, {FILLER * 2}")
    text = _text(chunks)
    assert text.startswith("Hi Maria, ") and text.endswith("Reply to this email or visit our help center.")
    assert text.count("help center") == 1


def test_a_metadata_rule_decides_before_the_first_byte(proxy: Proxy) -> None:
    client = proxy.client("stream-defer", "sales-email", "review", "defer")
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", stream=True, messages=[{"role": "user", "content": "REPLY: Attached is the proposal."}],
        extra_body={"metadata": {"deal_value": 150000}})
    assert raw.headers["X-Loopguard-Review-Id"]
    chunks = list(raw.parse())
    assert "proposal" not in _text(chunks) and _finish(chunks) == "content_filter"
    info = chunks[-1].model_extra["loopguard"]
    assert info["decision"] == "hold" and info["status"] == "pending"


def test_a_policy_can_ask_for_the_whole_output_first(proxy: Proxy) -> None:
    client = proxy.client("stream-buffered", "buffered", "monitor")
    chunks = _stream(client, f"REPLY: {LONG}")
    contents = [c.delta.content for chunk in chunks for c in chunk.choices if c.delta.content]
    assert len(contents) == 1 and contents[0] == _whole(client, f"REPLY: {LONG}").choices[0].message.content


# (fault tag, the code of the error the app's stream ends with)
FAULTS = [("cut", "upstream_error"), ("malformed", "upstream_error"), ("stall", "upstream_timeout")]


@pytest.mark.parametrize(("fault", "code"), FAULTS)
def test_a_broken_upstream_stream_ends_with_an_error_and_leaks_nothing_unchecked(proxy: Proxy, fault: str, code: str) -> None:
    key = proxy.key("plain", "default", "monitor")
    reply = FILLER * 2 + "Write to jane.roe@example.com about it. " + FILLER * 2
    fault_at = reply.index("jane.roe") + 30  # just after the address: it came, but was never settled
    started = time.monotonic()
    response = httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=30,
                          json={"model": "fake-model", "stream": True,
                                "messages": [{"role": "user", "content": f"[stream {fault}={fault_at}] REPLY: {reply}"}]})
    assert time.monotonic() - started < 15
    events = [line[len("data: "):] for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    error = json.loads(events[-2])["error"]
    assert error["code"] == code and error["type"] in ("upstream_error", "timeout_error")
    assert "jane.roe" not in response.text
    state, message, final, _ = _row(proxy, _last_interaction(proxy))
    assert state == "failed" and message
    assert "jane.roe" not in (final or "")


def test_the_openai_sdk_raises_on_a_broken_stream(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    with pytest.raises(openai.APIError):
        _stream(client, f"[stream cut=300] REPLY: {LONG}")
