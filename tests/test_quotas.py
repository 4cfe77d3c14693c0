"""Per-app caps and per-key rate limits (`proxy.store.quotas`): the counters on SQLite and on a
shared PostgreSQL (many threads standing in for many workers), and the caps and the 429
through the real proxy."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from proxy.http.errors import ApiError
from proxy.store.database import Store
from proxy.store.quotas import Limits, add_tokens, take
from tests.conftest import Proxy

MINUTE_START = 1_800_000_000.0 - 1_800_000_000.0 % 60  # a clock-minute boundary


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{tmp_path / 'quotas.db'}" if request.param == "sqlite"
                   else request.getfixturevalue("postgres_url"))
    yield opened
    opened.engine.dispose()


def _allowed(store: Store, limits: Limits, bucket: str, now: float) -> bool:
    try:
        take(store, limits, bucket, now)
        return True
    except ApiError as exc:
        assert exc.status == 429 and 1 <= int(exc.headers["retry-after"]) <= 60
        return False


def test_requests_per_minute_counts_each_key_in_its_clock_minute(store: Store) -> None:
    limits = Limits(requests_per_minute=3)
    bucket = f"rpm-{store.engine.dialect.name}"
    assert [_allowed(store, limits, bucket, MINUTE_START + s) for s in (0, 10, 20, 30)] == [True, True, True, False]
    assert _allowed(store, limits, bucket + "-other-key", MINUTE_START + 31)
    assert _allowed(store, limits, bucket, MINUTE_START + 60)  # a new minute


def test_tokens_per_minute_refuse_once_the_minutes_tokens_are_used(store: Store) -> None:
    limits = Limits(tokens_per_minute=100)
    bucket = f"tpm-{store.engine.dialect.name}"
    window = take(store, limits, bucket, MINUTE_START)
    assert window is not None
    add_tokens(store, window, 60)
    assert _allowed(store, limits, bucket, MINUTE_START + 1)
    add_tokens(store, window, 40)
    assert not _allowed(store, limits, bucket, MINUTE_START + 2)


def test_the_limit_holds_exactly_when_many_workers_count_at_once(store: Store) -> None:
    limits = Limits(requests_per_minute=25)
    bucket = f"shared-{store.engine.dialect.name}"
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: _allowed(store, limits, bucket, MINUTE_START), range(40)))
    assert results.count(True) == 25


def test_no_limits_means_no_counting(tmp_path: Path) -> None:
    assert take(Store(f"sqlite:///{tmp_path / 'free.db'}"), Limits(), "free") is None


def _post(proxy: Proxy, key: str, **fields: object) -> httpx.Response:
    body = {"model": "fake-model", "messages": [{"role": "user", "content": "REPLY: ok"}], **fields}
    return httpx.post(f"{proxy.base_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"},
                      timeout=30)


# (request fields over the capped policy's limits, status, param)
OVER_CAPS = [
    ({"messages": [{"role": "user", "content": "a"}] * 3}, 400, "messages"),
    ({"n": 3}, 400, "n"),
    ({"max_tokens": 101}, 400, "max_tokens"),
    ({"max_completion_tokens": 500}, 400, "max_completion_tokens"),
    ({"metadata": {"pad": "x" * 3000}}, 413, None),
]


@pytest.mark.parametrize(("fields", "status", "param"), OVER_CAPS)
def test_a_request_over_the_apps_caps_is_refused_naming_the_field(proxy: Proxy, fields: dict[str, object],
                                                                   status: int, param: str | None) -> None:
    response = _post(proxy, proxy.key("capped-caps", "capped", "monitor"), **fields)
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] == param


def test_the_sixth_request_in_a_minute_gets_429_with_retry_after(proxy: Proxy) -> None:
    key = proxy.key("capped-rate", "capped", "monitor")
    if time.time() % 60 > 50:  # all six must fall in one clock minute
        time.sleep(61 - time.time() % 60)
    statuses = [_post(proxy, key).status_code for _ in range(5)]
    refused = _post(proxy, key)
    assert statuses == [200] * 5
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
