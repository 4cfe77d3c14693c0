"""The server's log after a PII-heavy run: structured JSON lines carrying request ids, and no
raw PII, no app key, no user token, no provider key, no secret key anywhere in it."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.conftest import TEST_SECRET_KEY, Proxy

PII = ["jane.roe@example.com", "415-555-0147", "078-05-1120", "4111 1111 1111 1111", "DE89370400440532013000",
       "Priya Raman"]
TEXT = ("REPLY: Contact Priya Raman at jane.roe@example.com or 415-555-0147; SSN 078-05-1120, "
        "card 4111 1111 1111 1111, IBAN DE89370400440532013000.")


def _pii_heavy_run(proxy: Proxy) -> list[str]:
    """Sends PII through every path that logs (served, streamed, held, refused, failed); returns the request ids."""
    key = proxy.key("log-hygiene", "default", "monitor")
    held_key = proxy.key("log-hygiene-held", "sales-email", "review", on_hold="defer")
    token = proxy.user_token("log-hygiene@example.com", "reviewer")
    client = openai.OpenAI(base_url=proxy.base_url, api_key=key, max_retries=0)
    proxy.clients.append(client)
    ids = []
    reply = client.chat.completions.with_raw_response.create(model="fake-model", messages=[{"role": "user", "content": TEXT}])
    ids.append(reply.headers["x-request-id"])
    for _ in client.chat.completions.create(model="fake-model", stream=True, messages=[{"role": "user", "content": TEXT}]):
        pass
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": TEXT}],
                                       temperature=TEXT)  # type: ignore[arg-type]
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": TEXT},
                                                                    {"role": "user", "content": "FAIL 500"}])
    odd_reply = 'FIELDS: {"message": {"content": [{"type": "text", "text": "Priya Raman, jane.roe@example.com"}]}}'
    for content in ([{"type": "text", "text": TEXT}], odd_reply):  # content parts; a reply litellm cannot parse
        httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=30,
                   json={"model": "fake-model", "messages": [{"role": "user", "content": content}]})
    headers = {"Authorization": f"Bearer {held_key}"}
    body = {"model": "fake-model", "messages": [{"role": "user", "content": TEXT + " We can do 35% off."}]}
    httpx.post(f"{proxy.base_url}/chat/completions", json=body, headers=headers, timeout=30)
    api = proxy.review_api(token)
    for item in api.get("/reviews").json()["data"]:
        api.get(f"/reviews/{item['id']}")
    httpx.get(f"{proxy.root}/api/reviews", headers={"Authorization": f"Bearer {key}"})  # an app key where a token belongs
    httpx.get(f"{proxy.base_url}/models", headers={"Authorization": f"Bearer {token}"})  # and the other way round
    return [*ids, key, held_key, token]


def test_logs_are_json_with_request_ids_and_hold_no_pii_or_secrets(proxy: Proxy) -> None:
    request_id, *secrets = _pii_heavy_run(proxy)
    log = (proxy.config.parent / "serve.log").read_text()
    for needle in [*PII, *secrets, TEST_SECRET_KEY, "sk-test-not-a-real-key"]:
        assert needle not in log, f"{needle!r} is in the server log"
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert records and all({"level", "logger", "message", "request_id"} <= set(r) for r in records)
    assert any(r["request_id"] == request_id and r["logger"] == "uvicorn.access" for r in records)
