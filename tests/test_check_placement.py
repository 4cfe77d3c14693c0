"""Where checks run: short texts on the event loop only when every check of the policy says it
only computes (`cpu_only`); long texts, and any check that may wait on I/O, in a thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from checks.engine import CheckSuite
from checks.registry import discover
from checks.resources import Resources
from proxy.gateway import INLINE_CHECK_CHARS, Gateway
from proxy.policy import load_policies
from tests.plugins import CrashConfig, CrashingCheck


def test_shipped_policies_only_compute_and_an_outside_check_is_not_assumed_to(resources: Resources) -> None:
    policies = load_policies(None, discover(), resources)
    assert {name: p.suite.cpu_only for name, p in policies.items()} == {name: True for name in policies}
    outside = CrashingCheck(CrashConfig(), resources)  # says nothing of cpu_only
    assert not CheckSuite([outside]).cpu_only
    assert not CheckSuite([*policies["default"].suite.checks, outside]).cpu_only


def test_short_texts_are_checked_on_the_loop_long_ones_and_unknown_work_in_a_thread() -> None:
    gateway = Gateway(*[None] * 7)  # type: ignore[arg-type]  # run_checks needs none of them

    async def where(chars: Any) -> int:
        return await gateway.run_checks(threading.get_ident, chars=chars)

    async def placements() -> list[bool]:
        loop_thread = threading.get_ident()
        return [await where(c) == loop_thread for c in (0, INLINE_CHECK_CHARS, INLINE_CHECK_CHARS + 1, None)]

    assert asyncio.run(placements()) == [True, True, False, False]
