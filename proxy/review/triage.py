"""Triage: from findings and request metadata to a decision, a queue tier and an SLA.

Tier conditions on metadata read values with `checks.types.compare`, the same coercion
the compliance check's metadata rules use ("150000" and "150,000" are 150000). A value
that cannot be read is treated as missing (the condition does not apply) and is named in
the verdict's `notes` and logged (field name only), never dropped silently; an absent or
null field is simply missing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checks.types import SEVERITY_RANK, Action, Finding, compare, strongest
from proxy.policy import Policy, Tier, TierCondition

log = logging.getLogger("loopguard.triage")


@dataclass(frozen=True)
class Verdict:
    action: Action
    tier: Tier
    notes: tuple[str, ...] = ()


def _metadata_matches(condition: Mapping[str, Mapping[Any, Any]], metadata: dict[str, Any], notes: list[str]) -> bool:
    for field, comparisons in condition.items():
        if metadata.get(field) is None:
            return False
        for op, value in comparisons.items():
            hit = compare(op, metadata[field], value)
            if hit is None:
                note = f"metadata {field} could not be read as {type(value).__name__}; treated as missing"
                if note not in notes:
                    notes.append(note)
                log.warning("metadata field %s could not be read for a tier condition; treated as missing", field)
                return False
            if not hit:
                return False
    return True


def _applies(cond: TierCondition, findings: list[Finding], metadata: dict[str, Any], notes: list[str]) -> bool:
    if cond.metadata and _metadata_matches(cond.metadata, metadata, notes):
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
    notes: list[str] = []
    for tier in policy.tiers:
        if _applies(tier.when, findings, metadata, notes):
            return Verdict(strongest([action, tier.action]) if tier.action else action, tier, tuple(notes))
    return Verdict(action, policy.default_tier, tuple(notes))
