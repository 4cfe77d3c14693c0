"""Stream and non-stream give the same final text for the same upstream reply.

Every text of the labelled sets, the PII tables and the playbooks, alone and stitched into
longer replies, is streamed word by word through the stream guard on the route's own schedule
(`tests.streaming`) and compared with the same reply checked whole: the same decision, the same
text, and no streamed text that the whole check had to change (`released_before_whole_check`).
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.registry import discover
from checks.resources import Resources
from checks.types import CheckContext
from proxy.policy import LoadedPolicy, load_policies
from tests.eval_report import report
from tests.stream_corpus import PII_SETS, pii_texts, playbook_texts, sales_texts
from tests.streaming import stream, words

pytestmark = pytest.mark.independent  # stateless CPU-bound tests: spread over the xdist workers


@pytest.fixture(scope="module")
def policies(resources: Resources) -> dict[str, LoadedPolicy]:
    return load_policies(None, discover(), resources)


def _jobs(part: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    if part in PII_SETS:
        return [("default", i, t, {}) for i, t in pii_texts([part], tables=False)]
    if part == "pii tables":
        return [("default", i, t, {}) for i, t in pii_texts([], tables=True)]
    if part == "playbooks":
        return playbook_texts()
    return [(part, i, t, m) for i, t, m in sales_texts()]


# The PII texts a set at a time: the same texts as one part, in pieces xdist can spread.
@pytest.mark.parametrize("part", [*PII_SETS, "pii tables", "sales-email", "support-reply", "playbooks"])
def test_streamed_and_whole_replies_end_the_same(policies: dict[str, LoadedPolicy], part: str) -> None:
    differ = []
    jobs = _jobs(part)
    for policy, name, text, metadata in jobs:
        out = stream(policies[policy], words(text), context=CheckContext(metadata=metadata))
        same = out.decision == out.unstreamed_decision and (out.decision == "block" or out.text == out.unstreamed)
        if not same or out.late:
            differ.append(name)
    report(f"stream vs whole ({part}): {len(jobs) - len(differ)}/{len(jobs)} replies end the same")
    assert differ == []
