"""The direct upstream path (`proxy.upstream.direct`): which model names and requests it serves,
that it sends and returns what litellm's Router would, and that every failure it does not own
reaches the Router, which answers exactly as before. The fake provider records each request's
User-Agent, so a test can tell which of the two sent it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import openai
import pytest

from proxy.config import Settings
from proxy.http.errors import ApiError
from proxy.stream.assembly import StreamAssembly
from proxy.upstream import STREAM_FIELDS, Upstream
from proxy.upstream.direct import USER_AGENT, direct_routes
from tests.conftest import Proxy
from tests.fake_upstream import FakeUpstream
from tests.run_async import run_async

BASE = "http://127.0.0.1:9/v1"


def _entry(name: str = "m", model: str = "openai/fake-model", api_base: str = BASE, **params: Any) -> dict[str, Any]:
    return {"model_name": name, "litellm_params": {"model": model, "api_base": api_base, "api_key": "sk-test", **params}}


# (model_list, router_settings, litellm_settings, the model names served directly)
ELIGIBILITY = [
    ([_entry()], {}, {}, {"m"}),
    ([_entry("a"), _entry("b")], {}, {}, {"a", "b"}),
    ([_entry(), _entry()], {}, {}, set()),  # load balancing across two deployments: the Router's
    ([_entry("a"), _entry("b"), _entry("b")], {}, {}, {"a"}),
    ([_entry(model="anthropic/claude-x")], {}, {}, set()),
    ([_entry(model="fake-model")], {}, {}, set()),  # no provider prefix: litellm infers one
    ([{"model_name": "m", "litellm_params": {"model": "openai/fake-model", "api_key": "sk-test"}}], {}, {}, set()),
    ([_entry(rpm=10)], {}, {}, set()),
    ([_entry(custom_llm_provider="openai")], {}, {}, set()),
    ([_entry()], {"num_retries": 2}, {}, set()),
    ([_entry()], {"num_retries": 0, "timeout": 5, "cooldown_time": 1}, {}, {"m"}),
    ([_entry("a"), _entry("b")], {"fallbacks": [{"a": ["b"]}]}, {}, set()),
    ([_entry()], {"routing_strategy": "usage-based-routing-v2"}, {}, set()),
    ([_entry()], {"model_group_alias": {"x": "m"}}, {}, set()),
    ([_entry()], {}, {"drop_params": True}, set()),
    ([_entry()], {}, {"telemetry": False}, {"m"}),
]


@pytest.mark.parametrize(("model_list", "router", "litellm", "direct"), ELIGIBILITY)
def test_only_a_single_openai_deployment_with_nothing_else_configured_is_served_directly(
        model_list: list[dict[str, Any]], router: dict[str, Any], litellm: dict[str, Any], direct: set[str]) -> None:
    settings = Settings(model_list=model_list, router_settings=router, litellm_settings=litellm)
    assert set(direct_routes(settings)) == direct


def test_a_direct_route_takes_the_deployments_own_timeouts_and_reads_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECT_TEST_BASE", "http://127.0.0.1:9/v1/")
    settings = Settings(model_list=[_entry("slow", api_base="os.environ/DIRECT_TEST_BASE", timeout=0.5),
                                    _entry("streams", stream_timeout=7), _entry("plain")], upstream_timeout_s=30)
    routes = direct_routes(settings)
    assert routes["slow"].url == "http://127.0.0.1:9/v1/chat/completions"
    assert (routes["slow"].timeout, routes["slow"].stream_timeout) == (0.5, 0.5)
    assert (routes["streams"].timeout, routes["streams"].stream_timeout) == (30, 7)
    assert routes["plain"].model == "fake-model"


def _upstream(fake: FakeUpstream) -> Upstream:
    return Upstream(Settings(model_list=[_entry(api_base=fake.base_url)]))


def _user(text: str = "REPLY: hi") -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]
AGENT_TURN = [
    {"role": "user", "content": "x"},
    {"role": "assistant", "content": None, "refusal": None,
     "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "ok"}]},
    {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}},
    {"role": "function", "name": "f", "content": "ok"},
    {"role": "user", "content": "REPLY: done"},
]
# (request fields besides `model`, whether the direct path sends it)
REQUESTS = [
    ({"messages": _user()}, True),
    ({"messages": [{"role": "system", "content": "s", "name": "x"}, *_user()], "n": 2, "temperature": 0.2,
      "top_p": 0.9, "max_tokens": 50, "seed": 3, "stop": ["x"], "frequency_penalty": 0.1, "presence_penalty": 0.2,
      "logit_bias": {"50": 1}, "logprobs": True, "top_logprobs": 2}, True),
    ({"messages": _user(), "max_completion_tokens": 10, "safety_identifier": "s", "prompt_cache_key": "k",
      "store": False, "reasoning_effort": "low", "service_tier": "auto", "prompt_cache_retention": "24h"}, True),
    ({"messages": [{"role": "user", "content": [{"type": "text", "text": "REPLY: hi"}]}], "modalities": ["text"],
      "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}}, True),
    ({"messages": AGENT_TURN, "tools": TOOLS, "tool_choice": "auto", "parallel_tool_calls": True}, True),
    ({"messages": _user(), "functions": [{"name": "f", "parameters": {}}], "function_call": "auto"}, True),
    ({"messages": _user(), "prediction": {"type": "content", "content": "x"}, "web_search_options": {},
      "audio": {"voice": "alloy", "format": "wav"}}, True),
    # litellm rewrites these (developer -> system, drops user and a tool_choice without tools):
    ({"messages": [{"role": "developer", "content": "d"}, *_user()]}, False),
    ({"messages": _user(), "user": "u1"}, False),
    ({"messages": _user(), "tool_choice": "auto"}, False),
]


@pytest.mark.parametrize(("fields", "direct"), REQUESTS)
def test_the_direct_path_sends_what_the_router_sends(upstream: FakeUpstream, fields: dict[str, Any],
                                                     direct: bool) -> None:
    routed = _upstream(upstream)
    body = {"model": "m", **fields}
    run_async(routed.routed_complete(body))
    by_router = upstream.requests[-1]
    run_async(routed.complete(body))
    assert upstream.requests[-1] == by_router
    assert (upstream.agents[-1] == USER_AGENT) is direct


PROMPTS = [
    "REPLY: Hi Dana, the Cloud Suite plan is $40 a seat.",
    'TOOL: {"to": "lee@example.com"}',
    'FIELDS: {"message": {"refusal": "no", "reasoning": "think", "reasoning_content": "rc", "odd": "x", '
    '"annotations": [{"type": "url_citation", "url_citation": {"start_index": 0, "end_index": 1, "title": "t", '
    '"url": "u"}}], "content": "c"}, "choice": {"weird": 1, "logprobs": {"content": [{"token": "c", "logprob": -0.1, '
    '"bytes": [99], "top_logprobs": []}]}}, "response": {"system_fingerprint": "fp", "service_tier": "default"}}',
    'FIELDS: {"message": {"audio": {"id": "a", "data": "AAA", "transcript": "hello", "expires_at": 1}, "content": null}}',
    'FIELDS: {"message": {"content": "ok", "reasoning": "think"}}',
    'FIELDS: {"message": {"content": "c", "thinking_blocks": [{"type": "thinking", "thinking": "t", "signature": "c2ln"}]}, '
    '"choice": {"logprobs": {"content": [{"token": "c", "logprob": -0.1, "bytes": null, "top_logprobs": []}]}}}',
]


def _without_created(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "created"}


@pytest.mark.parametrize("prompt", PROMPTS)
@pytest.mark.parametrize("n", [1, 3])
def test_the_direct_path_returns_what_the_router_returns(upstream: FakeUpstream, prompt: str, n: int) -> None:
    routed = _upstream(upstream)
    body = {"model": "m", "n": n, "messages": _user(prompt)}
    direct = run_async(routed.complete(body))
    assert upstream.agents[-1] == USER_AGENT
    assert _without_created(direct) == _without_created(run_async(routed.routed_complete(body)))


async def _assembled(chunks: Any) -> dict[str, Any]:
    assembly = StreamAssembly()
    try:
        async for chunk in chunks:
            assembly.add(chunk)
    finally:
        await chunks.aclose()
    return _without_created(assembly.response())


@pytest.mark.filterwarnings("ignore:Item '.+' on TypedDict:UserWarning")  # litellm's stream types, imported late
@pytest.mark.parametrize("prompt", PROMPTS[:2])
def test_a_direct_stream_spells_what_the_routers_stream_spells(upstream: FakeUpstream, prompt: str) -> None:
    routed = _upstream(upstream)
    body = {"model": "m", "messages": _user(prompt)}

    async def both() -> tuple[dict[str, Any], dict[str, Any]]:
        direct = await _assembled(await routed.stream(body))
        return direct, await _assembled(await routed.routed_stream(body | STREAM_FIELDS))

    direct, by_router = run_async(both())
    assert upstream.agents[-2] == USER_AGENT
    # litellm's stream adds usage details the provider did not send; the counts it did send agree
    assert direct.pop("usage").items() <= by_router.pop("usage").items()
    assert direct == by_router


def test_a_direct_timeout_is_the_routers_504_without_a_second_wait(upstream: FakeUpstream) -> None:
    routed = Upstream(Settings(model_list=[_entry(api_base=upstream.base_url, timeout=0.5)]))
    before = len(upstream.requests)
    started = time.monotonic()
    with pytest.raises(ApiError) as err:
        run_async(routed.complete({"model": "m", "messages": _user("SLEEP 3")}))
    assert (err.value.status, err.value.code) == (504, "upstream_timeout")
    assert time.monotonic() - started < 2
    assert len(upstream.requests) - before == 1


@pytest.mark.parametrize("status", [400, 401, 404, 422, 429, 500, 503])
def test_a_failed_direct_attempt_gets_the_routers_answer(upstream: FakeUpstream, status: int) -> None:
    """The Router answers a failure exactly as it would have alone (a fresh Router each, as its
    cool-downs outlast one call)."""
    body = {"model": "m", "messages": _user(f"FAIL {status}")}
    with pytest.raises(ApiError) as alone:
        run_async(_upstream(upstream).routed_complete(body))
    with pytest.raises(ApiError) as handed:
        run_async(_upstream(upstream).complete(body))
    assert upstream.agents[-2] == USER_AGENT and upstream.agents[-1] != USER_AGENT  # tried, then the Router's
    assert (handed.value.status, handed.value.code, handed.value.message, handed.value.headers) == (
        alone.value.status, alone.value.code, alone.value.message, alone.value.headers)


def test_an_unreachable_deployment_is_handed_to_the_router() -> None:
    routed = Upstream(Settings(model_list=[_entry()], upstream_timeout_s=2))
    with pytest.raises(ApiError) as err:
        run_async(routed.complete({"model": "m", "messages": _user()}))
    assert (err.value.status, err.value.code) == (502, "upstream_error")


# --- through the real proxy, with the openai SDK --------------------------------------------


def test_the_proxy_calls_an_eligible_model_directly(proxy: Proxy, upstream: FakeUpstream) -> None:
    client = proxy.client("direct", "default", "monitor")
    reply = client.chat.completions.create(model="fake-model", messages=_user("REPLY: Mail me at ann@example.com."))
    assert upstream.agents[-1] == USER_AGENT
    assert reply.choices[0].message.content == "Mail me at <EMAIL_ADDRESS>."
    assert reply.usage is not None and reply.usage.total_tokens == 30


def test_the_proxy_streams_an_eligible_model_directly(proxy: Proxy, upstream: FakeUpstream) -> None:
    client = proxy.client("direct", "default", "monitor")
    stream = client.chat.completions.create(model="fake-model", stream=True, stream_options={"include_usage": True},
                                            messages=_user("REPLY: Mail me at ann@example.com today."))
    chunks = list(stream)
    assert upstream.agents[-1] == USER_AGENT
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Mail me at <EMAIL_ADDRESS> today."
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 30


def test_a_provider_error_on_the_direct_path_is_answered_by_the_router(proxy: Proxy, upstream: FakeUpstream) -> None:
    client = proxy.client("direct", "default", "monitor")
    before = len(upstream.agents)
    with pytest.raises(openai.APIStatusError) as err:
        client.chat.completions.create(model="fake-model", messages=_user("FAIL 500"))
    assert err.value.status_code == 502 and err.value.body["code"] == "upstream_error"  # type: ignore[index]
    agents = upstream.agents[before:]
    assert agents[0] == USER_AGENT and agents[1] != USER_AGENT and len(agents) == 2


def test_a_refused_direct_stream_is_answered_by_the_router_with_its_429(proxy: Proxy, upstream: FakeUpstream) -> None:
    key = proxy.key("direct", "default", "monitor")
    response = httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=30,
                          json={"model": "fake-model", "stream": True, "messages": _user("FAIL 429")})
    assert response.status_code == 429 and response.headers["retry-after"] == "7"
    assert upstream.agents[-2] == USER_AGENT and upstream.agents[-1] != USER_AGENT


def _sse(*events: str) -> bytes:
    return "".join(f"{event}\n\n" for event in events).encode()


CHUNK = 'data: {"id": "x", "choices": [{"index": 0, "delta": {"content": "%s", "refusal": null}, "finish_reason": %s}]}'
# (the upstream's SSE body, the contents read or the code of the error that ends the stream)
SSE_BODIES = [
    (_sse(CHUNK % ("Hi", "null"), CHUNK % (" there", '"stop"'), "data: [DONE]"), ["Hi", " there"]),
    (_sse(": keep-alive", "event: message\n" + CHUNK % ("Hi", '"stop"'), "data:[DONE]"), ["Hi"]),
    (_sse(CHUNK % ("Hi", '"stop"')), ["Hi"]),  # no [DONE], but every choice finished
    (_sse(CHUNK % ("a\\ud800b", '"stop"')), ["a\ud800b"]),  # a lone surrogate escape is read (the guard removes it)
    (_sse(CHUNK % ("Hi", "null")), "upstream_error"),  # ended before anything finished: cut
    (_sse(CHUNK % ("Hi", "null"), 'data: {"id": "x", "choices": [{"delta": {"content": "tru'), "upstream_error"),
    (_sse(CHUNK % ("Hi", "null"), "data: [1, 2]"), "upstream_error"),
    (_sse(CHUNK % ("Hi", "null"), 'data: {"error": {"message": "overloaded"}}'), "upstream_error"),
]


@pytest.mark.parametrize(("body", "expected"), SSE_BODIES)
def test_a_direct_stream_reads_chunks_or_ends_with_an_error(body: bytes, expected: list[str] | str) -> None:
    from proxy.upstream.direct import DirectStream

    async def read() -> list[str]:
        stream = DirectStream(httpx.Response(200, stream=httpx.ByteStream(body)), idle_s=30)
        contents = []
        try:
            async for chunk in stream:
                assert "refusal" not in chunk["choices"][0]["delta"]  # nulls dropped, as litellm drops them
                contents.append(chunk["choices"][0]["delta"]["content"])
        finally:
            await stream.aclose()
        return contents

    if isinstance(expected, list):
        assert run_async(read()) == expected
    else:
        with pytest.raises(ApiError) as err:
            run_async(read())
        assert err.value.code == expected


def test_keep_alive_comments_do_not_keep_a_stalled_direct_stream_open() -> None:
    from proxy.upstream.direct import DirectStream

    async def read() -> None:
        stream = DirectStream(httpx.Response(200, stream=httpx.ByteStream(_sse(": ping", ": ping"))), idle_s=0)
        async for _ in stream:
            pass

    with pytest.raises(ApiError) as err:
        run_async(read())
    assert err.value.code == "upstream_stalled"


def test_a_slow_reader_is_not_a_stalled_upstream() -> None:
    """The time the guard spends between chunks (checks running) is not upstream silence."""
    from proxy.upstream.direct import DirectStream

    async def read() -> list[str]:
        body = _sse(CHUNK % ("a", "null"), CHUNK % ("b", '"stop"'), "data: [DONE]")
        stream = DirectStream(httpx.Response(200, stream=httpx.ByteStream(body)), idle_s=0.05)
        contents = []
        async for chunk in stream:
            contents.append(chunk["choices"][0]["delta"]["content"])
            await asyncio.sleep(0.2)
        return contents

    assert run_async(read()) == ["a", "b"]
