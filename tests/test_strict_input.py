"""Strict, OpenAI-shaped input: what OpenAI refuses is refused with a 400 naming the field,
every error on every route is in OpenAI's error shape with a safe message, and the server
keeps serving. Driven against the real proxy with httpx and the openai SDK."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import completion_create_params

from proxy.http.chat_schema import ChatRequest
from tests.conftest import Proxy

USER = [{"role": "user", "content": "REPLY: fine"}]


def chat(**fields: Any) -> dict[str, Any]:
    return {"model": "fake-model", "messages": USER, **fields}


# (request body, the `param` OpenAI's error should name)
REFUSED: list[tuple[dict[str, Any], str]] = [
    (chat(messages=[{"role": "wizard", "content": "hi"}]), "messages[0]"),
    (chat(messages=[{"role": "user"}]), "messages[0].content"),
    (chat(messages=[{"role": "user", "content": {"text": "hi"}}]), "messages[0].content"),
    (chat(messages=[{"role": "user", "content": None}]), "messages[0].content"),
    (chat(messages=[{"role": "user", "content": [{"type": "text"}]}]), "messages[0].content[0].text"),
    (chat(messages=[{"role": "user", "content": [{"type": "video", "url": "x"}]}]), "messages[0].content[0]"),
    (chat(messages=[{"role": "user", "content": [{"type": "text", "text": 5}]}]), "messages[0].content[0].text"),
    (chat(messages=[{"role": "system", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]),
     "messages[0].content[0].type"),
    (chat(messages=[{"role": "tool", "content": "x"}]), "messages[0].tool_call_id"),
    (chat(messages=[{"role": "user", "content": "x", "extra": 1}]), "messages[0].extra"),
    (chat(messages=[]), "messages"),
    (chat(temperature="hot"), "temperature"),
    (chat(temperature=2.5), "temperature"),
    (chat(top_p=-0.1), "top_p"),
    (chat(presence_penalty=3), "presence_penalty"),
    (chat(frequency_penalty="0.5"), "frequency_penalty"),
    (chat(stream="yes"), "stream"),
    (chat(stream=1), "stream"),
    (chat(logprobs="true"), "logprobs"),
    (chat(top_logprobs=21), "top_logprobs"),
    (chat(n=0), "n"),
    (chat(n=1.5), "n"),
    (chat(n=17), "n"),
    (chat(max_tokens=0), "max_tokens"),
    (chat(max_tokens="100"), "max_tokens"),
    (chat(seed=2**64), "seed"),
    (chat(logit_bias={"50256": 101}), "logit_bias.50256"),
    (chat(stop=["a", "b", "c", "d", "e"]), "stop"),
    (chat(stream_options={"include_usage": "yes"}), "stream_options.include_usage"),
    (chat(response_format={"type": "yaml"}), "response_format.type"),
    (chat(tools=[{"type": "function", "function": {"nom": "f"}}]), "tools[0].function.name"),
    (chat(tool_choice="sometimes"), "tool_choice"),
    (chat(reasoning_effort="extreme"), "reasoning_effort"),
    (chat(api_base="http://127.0.0.1:9/v1"), "api_base"),
    (chat(mock_response="leaked"), "mock_response"),
    (chat(model=7), "model"),
]


@pytest.mark.parametrize(("body", "param"), REFUSED, ids=[p + ":" + json.dumps(b)[:60] for b, p in REFUSED])
def test_what_openai_refuses_is_a_400_naming_the_field(proxy: Proxy, body: dict[str, Any], param: str) -> None:
    key = proxy.key("strict", "default", "monitor")
    response = httpx.post(f"{proxy.base_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert f"'{param}'" in error["message"]
    assert response.headers["x-request-id"]


ACCEPTED: list[dict[str, Any]] = [
    chat(temperature=0, top_p=1, n=2, max_tokens=50, seed=-(2**63), stop=["\n\n"], logprobs=False, user="u-1"),
    chat(temperature=2, presence_penalty=-2, frequency_penalty=2, logit_bias={"50256": -100}),
    chat(messages=[{"role": "developer", "content": "Be brief."}, {"role": "system", "content": [{"type": "text", "text": "x"}]},
                   {"role": "user", "name": "kim", "content": [{"type": "text", "text": "REPLY: parts"},
                                                               {"type": "image_url", "image_url": {"url": "data:,"}}]}]),
    chat(messages=[*USER, {"role": "assistant", "content": None,
                           "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                   {"role": "tool", "tool_call_id": "c1", "content": "done"}, {"role": "user", "content": "REPLY: ok"}]),
    chat(stream=False, metadata={"deal_value": 250000, "nested": {"any": [1, "json"]}}),
    chat(response_format={"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "object"}}}),
]


@pytest.mark.parametrize("body", ACCEPTED)
def test_valid_requests_in_every_shape_openai_allows_are_served(proxy: Proxy, body: dict[str, Any]) -> None:
    key = proxy.key("strict", "default", "monitor")
    response = httpx.post(f"{proxy.base_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"},
                          timeout=30)
    assert response.status_code == 200, response.text


def test_the_sdk_sees_a_bad_request_error_naming_the_field(proxy: Proxy) -> None:
    client = proxy.client("strict", "default", "monitor")
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="fake-model", messages=USER, temperature="hot")  # type: ignore[arg-type]
    assert err.value.param == "temperature"  # type: ignore[attr-defined]
    assert err.value.request_id


def _nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def _json_post(proxy: Proxy, path: str, text: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{proxy.root}{path}", content=text.encode(), timeout=30,
                      headers={"Content-Type": "application/json", **(headers or {})})


# (raw body, error code): depth and number-size limits, on the chat route and on a review API route
HEAD = '{"model": "fake-model", "messages": [{"role": "user", "content": "x"}]'
LIMITS = [
    (HEAD + f', "metadata": {{"a": {_nested(10_000)}}}}}', "too_deep"),
    (_nested(10_000), "too_deep"),
    (HEAD + f', "seed": {"9" * 5000}}}', "number_too_long"),
    ('{"model": "fake-model", "messages": [{"role": "user", "content": "x"}], "temperature": NaN}', "invalid_json"),
]


@pytest.mark.parametrize(("text", "code"), LIMITS, ids=["deep-metadata", "deep-body", "5000-digits", "nan"])
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/api/reviews/1/decision"])
def test_deep_json_and_huge_numbers_are_a_400_on_every_json_route(proxy: Proxy, text: str, code: str, path: str) -> None:
    key = proxy.key("strict", "default", "monitor")
    response = _json_post(proxy, path, text, {"Authorization": f"Bearer {key}"})
    if path.startswith("/api") and code == "invalid_json":
        assert response.status_code in (400, 401)  # the review API may refuse the app key first
    else:
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == code


def test_a_deep_body_within_the_limit_is_accepted(proxy: Proxy) -> None:
    key = proxy.key("strict", "default", "monitor")
    body = json.dumps(chat(metadata={"a": json.loads(_nested(60))}))
    response = _json_post(proxy, "/v1/chat/completions", body, {"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text


BIG = str(2**64)
# (method, path, expected status): errors outside the chat route, each in OpenAI's shape
ROUTE_ERRORS = [
    ("GET", "/no/such/route", 404),
    ("GET", "/v1/chat/completions", 405),
    ("DELETE", "/v1/models", 405),
    ("GET", f"/v1/reviews/{BIG}", 404),
    ("GET", "/v1/reviews/not-a-number", 400),
    ("GET", f"/api/reviews/{BIG}", 404),
    ("POST", f"/api/reviews/{BIG}/claim", 404),
    ("POST", f"/api/reviews/{BIG}/decision", 404),
    ("GET", "/api/queue?limit=x", 200),
]


@pytest.mark.parametrize(("method", "path", "status"), ROUTE_ERRORS)
def test_errors_on_every_route_are_in_openais_shape(proxy: Proxy, method: str, path: str, status: int) -> None:
    key = proxy.key("strict", "default", "monitor")
    token = proxy.user_token(f"strict-{abs(hash(path)) % 10**8}-{method.lower()}@example.com", "admin")
    auth = key if path.startswith("/v1") else token
    body = {"action": "approve", "reason_code": "ok"} if path.endswith("/decision") else None
    response = httpx.request(method, f"{proxy.root}{path}", json=body, headers={"Authorization": f"Bearer {auth}"})
    assert response.status_code == status, response.text
    assert response.headers["x-request-id"]
    if status >= 400:
        error = response.json()["error"]
        assert set(error) >= {"message", "type", "param", "code"}
        assert "Traceback" not in error["message"] and "/" not in error["message"].replace("/v1", "")


def test_a_request_id_the_client_sent_is_echoed(proxy: Proxy) -> None:
    response = httpx.get(f"{proxy.root}/healthz", headers={"X-Request-Id": "client-chosen-id-123"})
    assert response.headers["x-request-id"] == "client-chosen-id-123"
    unsafe = httpx.get(f"{proxy.root}/healthz", headers={"X-Request-Id": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces" and len(unsafe.headers["x-request-id"]) == 32


def test_readyz_says_the_database_answers_and_policies_are_loaded(proxy: Proxy) -> None:
    response = httpx.get(f"{proxy.root}/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok" and response.json()["policies"] > 0


def test_chat_schema_covers_openais_request_fields() -> None:
    """Every field of the installed openai package's request type is validated here, and no other."""
    openai_fields = set(completion_create_params.CompletionCreateParamsBase.__annotations__) | {"stream"}
    assert set(ChatRequest.model_fields) == openai_fields
