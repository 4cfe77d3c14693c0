"""Compliance check table: numbers in context and metadata rules."""

from __future__ import annotations

import pytest

from checks.compliance import ComplianceCheck, ComplianceConfig
from checks.resources import Resources
from checks.types import CheckContext

DISCOUNT = {"rule": "unauthorized_discount", "unit": "percent", "near": ["discount", "off", "cut", "list"],
            "hold_above": 20, "block_above": 40}
REFUND = {"rule": "refund_over_limit", "unit": "money", "near": ["refund", "credit"], "hold_above": 250}
CONFIG = ComplianceConfig.model_validate({
    "numbers": [DISCOUNT, REFUND],
    "metadata": [{"rule": "high_value_deal", "field": "deal_value", "op": "gte", "value": 100000}],
})


@pytest.fixture(scope="module")
def compliance() -> ComplianceCheck:
    return ComplianceCheck(CONFIG, Resources())


@pytest.mark.parametrize(("text", "expected"), [
    ("Take 25% off today.", [("unauthorized_discount", "hold", "25%")]),
    ("A discount of thirty percent applies.", [("unauthorized_discount", "hold", "thirty percent")]),
    ("We'll do 25 percent off list.", [("unauthorized_discount", "hold", "25 percent")]),
    ("Twenty-five per cent off for you.", [("unauthorized_discount", "hold", "Twenty-five per cent")]),
    ("We'd cut 55% off list.", [("unauthorized_discount", "block", "55%")]),
    ("Half off the platform fee!", [("unauthorized_discount", "block", "Half")]),
    ("Take 20% off.", []),
    ("Revenue grew 30% this year.", []),
    ("Discounts above 20% need approval.", []),
    ("I've approved a $900 refund.", [("refund_over_limit", "hold", "$900")]),
    ("A credit of USD 1.2k is on its way.", [("refund_over_limit", "hold", "USD 1.2k")]),
    ("A $40 refund is on its way.", []),
    ("The plan costs $900 a month.", []),
])
def test_numbers_in_context(compliance: ComplianceCheck, text: str, expected: list[tuple[str, str, str]]) -> None:
    findings = compliance.run(text, CheckContext())
    assert [(f.rule, f.action, text[f.start or 0 : f.end or 0]) for f in findings] == expected


@pytest.mark.parametrize(("metadata", "flagged"), [
    ({"deal_value": 100000}, True),
    ({"deal_value": 250000.5}, True),
    ({"deal_value": 99999}, False),
    ({"deal_value": "lots"}, False),
    ({"region": "EU"}, False),
    ({}, False),
])
def test_metadata_rules(compliance: ComplianceCheck, metadata: dict[str, object], flagged: bool) -> None:
    findings = compliance.run("Redlines attached.", CheckContext(metadata=metadata))
    assert [f.rule for f in findings] == (["high_value_deal"] if flagged else [])
    assert all(f.start is None for f in findings)


def test_number_rule_needs_a_limit() -> None:
    with pytest.raises(ValueError, match="hold_above"):
        ComplianceConfig.model_validate({"numbers": [{"rule": "x", "near": ["off"]}]})
