"""The official openai SDK against a real running proxy in front of a fake provider."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.conftest import Proxy
from tests.fake_upstream import FakeUpstream


def test_non_streamed_reply_passes_through_with_usage_and_loopguard_object(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "REPLY: All good."}])
    assert reply.choices[0].message.content == "All good."
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.total_tokens == 30
    info = reply.model_extra["loopguard"]
    assert info["decision"] == "allow" and info["status"] == "released" and info["findings"] == []


def test_pii_is_masked_and_the_original_never_reaches_the_app(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    reply = client.chat.completions.create(
        model="fake-model",
        messages=[{"role": "user", "content": "REPLY: Email jane.roe@example.com or call (415) 555-0147."}])
    text = reply.choices[0].message.content
    assert text == "Email <EMAIL_ADDRESS> or call <PHONE_NUMBER>."
    info = reply.model_extra["loopguard"]
    assert info["decision"] == "fix"
    assert {f["rule"] for f in info["findings"]} == {"EMAIL_ADDRESS", "PHONE_NUMBER"}
    assert "jane.roe" not in json.dumps(info)


def test_stream_is_valid_sse_with_usage_and_loopguard_in_last_chunk(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    stream = client.chat.completions.create(
        model="fake-model", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "REPLY: Write to sam@example.org today."}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Write to <EMAIL_ADDRESS> today."
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 30
    assert chunks[-1].model_extra["loopguard"]["decision"] == "fix"


def test_n_candidates_are_each_checked(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    reply = client.chat.completions.create(
        model="fake-model", n=3,
        messages=[{"role": "user", "content": "REPLY: Hi there. || Ping 10.2.3.4 now. || Fine."}])
    assert [c.message.content for c in reply.choices] == ["Hi there.", "Ping <IP_ADDRESS> now.", "Fine."]
    assert [f["rule"] for f in reply.model_extra["loopguard"]["findings"]] == ["IP_ADDRESS"]


def test_tool_calls_pass_through_and_their_arguments_are_checked(proxy: Proxy, upstream: FakeUpstream) -> None:
    client = proxy.client("plain", "default", "monitor")
    tools = [{"type": "function", "function": {"name": "send_email", "parameters": {"type": "object", "properties": {}}}}]
    reply = client.chat.completions.create(
        model="fake-model", tools=tools, tool_choice="auto", response_format={"type": "text"},
        messages=[{"role": "user", "content": 'TOOL: {"to": "lee@example.com", "body": "hello"}'}])
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "send_email"
    assert json.loads(call.function.arguments) == {"to": "<EMAIL_ADDRESS>", "body": "hello"}
    assert reply.choices[0].finish_reason == "tool_calls"
    sent = upstream.requests[-1]
    assert sent["tools"][0]["function"]["name"] == "send_email" and sent["tool_choice"] == "auto"
    assert sent["response_format"] == {"type": "text"}
    assert "metadata" not in sent


def test_models_lists_the_configured_models(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    assert [m.id for m in client.models.list()] == ["fake-model"]


@pytest.mark.parametrize("api_key", ["", "lg-not-a-real-key"])
def test_missing_or_unknown_key_gets_401(proxy: Proxy, api_key: str) -> None:
    response = httpx.post(f"{proxy.base_url}/chat/completions", json={"model": "fake-model", "messages": []},
                          headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_revoked_key_gets_401(proxy: Proxy) -> None:
    from tests.conftest import run_cli

    key = run_cli(proxy.config, "keys", "create", "--app", "to-revoke", "--policy", "default",
                  "--mode", "monitor").stdout.strip().splitlines()[-1]
    client = openai.OpenAI(base_url=proxy.base_url, api_key=key, max_retries=0)
    proxy.clients.append(client)
    client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "hi"}])
    run_cli(proxy.config, "keys", "revoke", key[:10])
    with pytest.raises(openai.AuthenticationError) as err:
        client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "hi"}])
    assert err.value.body["code"] == "invalid_api_key"  # type: ignore[index]


def test_unknown_model_gets_404_naming_the_available_ones(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "hi"}])
    assert "fake-model" in err.value.message


@pytest.mark.parametrize(("body", "fragment"), [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (json.dumps({"model": "fake-model"}).encode(), "messages"),
    (json.dumps({"model": "fake-model", "messages": "hi"}).encode(), "messages"),
    (json.dumps({"model": "fake-model", "messages": [{"content": "x"}]}).encode(), "role"),
    (json.dumps({"model": "fake-model", "messages": [{"role": "user", "content": "x"}], "n": "three"}).encode(), "n"),
    (json.dumps({"model": 7, "messages": [{"role": "user", "content": "x"}]}).encode(), "model"),
])
def test_malformed_body_gets_400_saying_what_to_fix(proxy: Proxy, body: bytes, fragment: str) -> None:
    key = proxy.key("plain", "default", "monitor")
    response = httpx.post(f"{proxy.base_url}/chat/completions", content=body,
                          headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and fragment in error["message"]


def test_oversized_body_gets_413(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    with pytest.raises(openai.APIStatusError) as err:
        client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "x" * 100_000}])
    assert err.value.status_code == 413
    assert "max_body_bytes" in err.value.message


def test_oversized_chunked_body_without_length_gets_413(proxy: Proxy) -> None:
    key = proxy.key("plain", "default", "monitor")

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 4096

    response = httpx.post(f"{proxy.base_url}/chat/completions", content=chunks(), headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_small_chunked_body_is_accepted(proxy: Proxy) -> None:
    key = proxy.key("plain", "default", "monitor")
    body = json.dumps({"model": "fake-model", "messages": [{"role": "user", "content": "REPLY: chunked ok"}]}).encode()

    def chunks() -> Iterator[bytes]:
        yield body[:20]
        yield body[20:]

    response = httpx.post(f"{proxy.base_url}/chat/completions", content=chunks(), headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "chunked ok"


def test_upstream_500_becomes_502(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    with pytest.raises(openai.APIStatusError) as err:
        client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "FAIL 500"}])
    assert err.value.status_code == 502
    assert err.value.body["code"] == "upstream_error"  # type: ignore[index]


def test_upstream_429_stays_429(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "FAIL 429"}])


def test_upstream_timeout_becomes_504(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    with pytest.raises(openai.APIStatusError) as err:
        client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "SLEEP 6"}])
    assert err.value.status_code == 504


def test_a_crashing_check_fails_closed(proxy: Proxy) -> None:
    client = proxy.client("crashy-app", "crashy", "review", "defer")
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "REPLY: harmless"}])
    info = reply.model_extra["loopguard"]
    assert info["decision"] == "hold" and info["status"] == "pending"
    assert reply.choices[0].finish_reason == "content_filter"
    assert "harmless" not in (reply.choices[0].message.content or "")
    assert any(f["rule"] == "check_error" for f in info["findings"])


def test_after_upstream_failure_the_next_request_still_works(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "FAIL 503"}])
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "REPLY: back"}])
    assert reply.choices[0].message.content == "back"


def test_concurrent_requests_are_each_guarded_correctly(proxy: Proxy) -> None:
    """24 requests at once (bounded, loopback only): checks run in threads and must not mix results."""
    from concurrent.futures import ThreadPoolExecutor

    client = proxy.client("plain", "default", "monitor")

    def ask(i: int) -> tuple[int, str]:
        text = f"REPLY: Ticket {i}: Jennifer Cherry wrote from user{i}@example.com about order {i}."
        reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": text}])
        return i, reply.choices[0].message.content or ""

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ask, range(24)))
    for i, content in results:
        assert content == f"Ticket {i}: <PERSON> wrote from <EMAIL_ADDRESS> about order {i}."
