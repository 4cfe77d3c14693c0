"""Audit sampling: a policy's `audit_sample` share of auto-released outputs is queued,
non-blocking, and an approved sample becomes an unpaired positive."""

from __future__ import annotations

import pytest

from proxy.policy import Policy
from proxy.review.holds import audit_sampled
from tests.conftest import Proxy


def _policy(rate: float) -> Policy:
    return Policy.model_validate({"name": "p", "reason_codes": [{"code": "ok", "label": "OK"}], "audit_sample": rate})


@pytest.mark.parametrize(("rate", "action", "low", "high"), [
    (0.0, "allow", 0, 0),
    (0.02, "allow", 25, 55),  # 2% of 2,000 is 40
    (0.5, "fix", 900, 1100),
    (1.0, "allow", 2000, 2000),
    (1.0, "hold", 0, 0),  # held outputs are reviewed anyway, not sampled
    (1.0, "block", 0, 0),
])
def test_the_sampled_share_follows_the_rate_and_only_auto_released_outputs(rate: float, action: str, low: int,
                                                                          high: int) -> None:
    sampled = sum(audit_sampled(_policy(rate), action, i) for i in range(2000))
    assert low <= sampled <= high
    assert [audit_sampled(_policy(rate), action, i) for i in range(50)] == \
        [audit_sampled(_policy(rate), action, i) for i in range(50)]


def test_a_sampled_output_reaches_the_app_at_once_and_waits_in_the_queue(proxy: Proxy) -> None:
    client = proxy.client("audit-app", "audited", "monitor")
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=[{"role": "user", "content": "REPLY: All set for Tuesday."}])
    assert raw.parse().choices[0].message.content == "All set for Tuesday."
    item = proxy.store().get_review(int(raw.headers["X-Loopguard-Review-Id"]))
    assert item is not None and item.status == "pending" and not item.blocking and item.decision == "allow"
