"""GET /metrics on the real server, parsed with prometheus-client's own text parser."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Proxy
from tests.review_helpers import deferred


def _samples(proxy: Proxy) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"{proxy.root}/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def test_requests_latency_flags_decisions_and_queue_are_exposed(proxy: Proxy) -> None:
    client = proxy.client("prom-monitor", "sales-email", "monitor")
    proxy.key("prom-review", "sales-email", "review", "defer")
    before = _samples(proxy)
    client.chat.completions.create(model="fake-model", messages=[
        {"role": "user", "content": "REPLY: Write to jane.doe@example.com or call 646-555-0147."}])
    review_id = deferred(proxy, "prom-review", "REPLY: Unlike Initech, we ship weekly.")
    middle = _samples(proxy)
    api = proxy.review_api(proxy.user_token("prom-reviewer@example.com", "reviewer"))
    assert api.post(f"/reviews/{review_id}/decision", json={"action": "reject", "reason_code": "competitor_mention"}
                    ).status_code == 200
    after = _samples(proxy)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("loopguard_requests_total", state="completed") == 2
    for part in ("upstream", "checks", "total"):
        assert grew("loopguard_latency_seconds_count", part=part) == 2
        assert after[("loopguard_latency_seconds_bucket", (("le", "+Inf"), ("part", part)))] >= 2
    assert grew("loopguard_flags_total", check="pii", rule="EMAIL_ADDRESS") == 1
    assert grew("loopguard_flags_total", check="pii", rule="PHONE_NUMBER") == 1
    assert grew("loopguard_flags_total", check="brand", rule="competitor_mention") == 1
    key = ("loopguard_queue_depth", (("tier", "commercial"),))
    assert middle.get(key, 0) - before.get(key, 0) == 1 and after.get(key, 0) == before.get(key, 0)
    assert grew("loopguard_decisions", action="reject") == 1
    assert middle[("loopguard_queue_oldest_age_seconds", (("tier", "commercial"),))] >= 0
