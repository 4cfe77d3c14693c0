"""Provider faults: litellm Router settings from the config (fallbacks, per-model timeouts,
retries), a provider's 429 passed on with its retry-after, no traceback or path reaching the
app, and a dead database answered with 503."""

from __future__ import annotations

import time
from typing import Any

import httpx
import openai
import pytest

from proxy.config import Settings
from proxy.http.errors import ApiError
from proxy.upstream import Upstream
from tests.conftest import Proxy
from tests.fake_upstream import FakeUpstream
from tests.run_async import run_async


def _model(name: str, api_base: str, **params: Any) -> dict[str, Any]:
    return {"model_name": name, "litellm_params": {"model": "openai/fake-model", "api_base": api_base,
                                                   "api_key": "sk-test", **params}}


def _ask(upstream: Upstream, model: str, prompt: str) -> dict[str, Any]:
    return run_async(upstream.complete({"model": model, "messages": [{"role": "user", "content": prompt}]}))


def test_a_failing_model_falls_back_to_the_configured_backup(upstream: FakeUpstream) -> None:
    settings = Settings(model_list=[_model("primary", "http://127.0.0.1:9/v1"), _model("backup", upstream.base_url)],
                        router_settings={"fallbacks": [{"primary": ["backup"]}], "num_retries": 1, "retry_after": 0})
    reply = _ask(Upstream(settings), "primary", "REPLY: from the backup")
    assert reply["choices"][0]["message"]["content"] == "from the backup"


def test_a_per_model_timeout_stops_a_slow_model_without_stalling_another(upstream: FakeUpstream) -> None:
    settings = Settings(model_list=[_model("slow", upstream.base_url, timeout=0.5), _model("quick", upstream.base_url)],
                        upstream_timeout_s=30)
    routed = Upstream(settings)
    started = time.monotonic()
    with pytest.raises(ApiError) as err:  # without the model's own timeout it would answer "slept" after 6 s
        _ask(routed, "slow", "SLEEP 6")
    assert err.value.status == 504 and time.monotonic() - started < 5
    assert _ask(routed, "quick", "REPLY: fine")["choices"][0]["message"]["content"] == "fine"


def test_retries_with_backoff_come_from_router_settings(upstream: FakeUpstream) -> None:
    settings = Settings(model_list=[_model("flaky", upstream.base_url)],
                        router_settings={"num_retries": 2, "retry_after": 0})
    before = len(upstream.requests)
    with pytest.raises(ApiError) as err:
        _ask(Upstream(settings), "flaky", "FAIL 500")
    assert err.value.status == 502
    assert len(upstream.requests) - before == 3  # the first try and two retries


def test_an_upstream_429_reaches_the_app_as_429_with_retry_after(proxy: Proxy) -> None:
    key = proxy.key("faults", "default", "monitor")
    response = httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=30,
                          json={"model": "fake-model", "messages": [{"role": "user", "content": "FAIL 429"}]})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["error"]["type"] == "rate_limit_error"


@pytest.mark.parametrize("status", [400, 500, 503])
def test_upstream_errors_reach_the_app_without_litellms_text(proxy: Proxy, status: int) -> None:
    client = proxy.client("faults", "default", "monitor")
    with pytest.raises(openai.APIStatusError) as err:
        client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": f"FAIL {status}"}])
    message = err.value.message
    assert "litellm" not in message.lower() and "Traceback" not in message and ".py" not in message
    assert "OpenAIException" not in message and "model group" not in message


def test_an_unreachable_database_is_a_503_not_an_unlogged_pass(tmp_path: Any, upstream: FakeUpstream) -> None:
    from fastapi.testclient import TestClient

    from proxy.app import create_app
    from proxy.gateway import Gateway
    from tests.conftest import write_config

    config = write_config(tmp_path, upstream.base_url)
    from proxy.config import load_settings
    from proxy.store.database import Store

    settings = load_settings(config)
    store = Store(settings.database_url)
    _, key = store.create_app_key("db-down", "default", "monitor", "wait")
    gateway = Gateway.build(settings)
    (tmp_path / "loopguard.db").unlink()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"loopguard.db{suffix}").unlink(missing_ok=True)
    (tmp_path / "loopguard.db").mkdir()  # the file is gone and cannot be re-created: every query fails
    gateway.store.engine.dispose()
    with TestClient(create_app(gateway), raise_server_exceptions=False) as client:
        response = client.post("/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                               json={"model": "fake-model", "messages": [{"role": "user", "content": "REPLY: hi"}]})
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "database_unavailable"
        assert client.get("/readyz").status_code == 503
    assert upstream.requests == [] or upstream.requests[-1]["messages"][-1]["content"] != "REPLY: hi"
