"""Triage: from findings and request metadata to a decision, a queue tier and an SLA."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checks.types import COMPARISONS, SEVERITY_RANK, Action, Finding, strongest
from proxy.policy import Policy, Tier, TierCondition


@dataclass(frozen=True)
class Verdict:
    action: Action
    tier: Tier


def _metadata_matches(condition: Mapping[str, Mapping[Any, Any]], metadata: dict[str, Any]) -> bool:
    for field, comparisons in condition.items():
        if field not in metadata:
            return False
        try:
            if not all(COMPARISONS[op](metadata[field], value) for op, value in comparisons.items()):
                return False
        except TypeError:
            return False
    return True


def _applies(cond: TierCondition, findings: list[Finding], metadata: dict[str, Any]) -> bool:
    if cond.metadata and _metadata_matches(cond.metadata, metadata):
        return True
    for f in findings:
        if f.rule in cond.rules or f.check in cond.checks or f.action in cond.actions:
            return True
        if cond.min_severity and SEVERITY_RANK[f.severity] >= SEVERITY_RANK[cond.min_severity]:
            return True
    return False


def triage(policy: Policy, findings: list[Finding], metadata: dict[str, Any]) -> Verdict:
    """The strongest finding action, raised by the first tier that applies."""
    action = strongest([f.action for f in findings])
    for tier in policy.tiers:
        if _applies(tier.when, findings, metadata):
            return Verdict(strongest([action, tier.action]) if tier.action else action, tier)
    return Verdict(action, policy.default_tier)
