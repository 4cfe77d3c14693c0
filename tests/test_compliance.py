"""Compliance check tables: number forms, meanings by structure, context, JSON arguments, metadata."""

from __future__ import annotations

import json

import pytest

from checks.compliance import ComplianceCheck, ComplianceConfig
from checks.registry import discover
from checks.resources import Resources
from checks.types import CheckContext, CheckError, coerce_number, compare
from proxy.policy import load_policies
from tests.stream_corpus import playbook_texts, sales_texts

DISCOUNT = {"rule": "unauthorized_discount", "meaning": "discount", "unit": "percent", "hold_above": 20, "block_above": 40}
REFUND = {"rule": "refund_over_limit", "meaning": "refund", "unit": "money", "hold_above": 250}
CONFIG = ComplianceConfig.model_validate({
    "numbers": [DISCOUNT, REFUND],
    "metadata": [{"rule": "high_value_deal", "field": "deal_value", "op": "gte", "value": 100000}],
})


@pytest.fixture(scope="module")
def compliance(resources: Resources) -> ComplianceCheck:
    return ComplianceCheck(CONFIG, resources)


@pytest.fixture(scope="module")
def reader(resources: Resources) -> ComplianceCheck:
    """A check whose limits are 0, so it reads every figure (a higher limit skips small ones)."""
    zero = [{**rule, "hold_above": 0, "block_above": None} for rule in (DISCOUNT, REFUND)]
    return ComplianceCheck(ComplianceConfig.model_validate({"numbers": zero}), resources)


def flagged(check: ComplianceCheck, text: str) -> list[tuple[str, str, str]]:
    return [(f.rule, f.action, text[f.start or 0 : f.end or 0]) for f in check.run(text, CheckContext())]


@pytest.mark.parametrize(("text", "expected"), [
    # numerals, signs and spellings of "percent"
    ("Take 25% off today.", [("unauthorized_discount", "hold", "25%")]),
    ("We'll do 25 percent off list.", [("unauthorized_discount", "hold", "25 percent")]),
    ("We could go to 26 per cent off the licence.", [("unauthorized_discount", "hold", "26 per cent")]),
    ("Approved: 27 pct off the support tier.", [("unauthorized_discount", "hold", "27 pct")]),
    ("We can offer a 35-percent discount on onboarding.", [("unauthorized_discount", "hold", "35-percent")]),
    ("You would receive ３５％ off the hardware.", [("unauthorized_discount", "hold", "３５％")]),
    ("We'd cut 55% off list.", [("unauthorized_discount", "block", "55%")]),
    # number words
    ("A discount of thirty percent applies.", [("unauthorized_discount", "hold", "thirty percent")]),
    ("Twenty-five per cent off for you.", [("unauthorized_discount", "hold", "Twenty-five per cent")]),
    ("Happy to take seventy five percent off the first month.", [("unauthorized_discount", "block", "seventy five percent")]),
    # fractions and decimals
    ("We'll take a quarter off the implementation fee.", [("unauthorized_discount", "hold", "a quarter")]),
    ("1/3 off the per-seat price for pilots.", [("unauthorized_discount", "hold", "1/3")]),
    ("I can knock a third off your subscription.", [("unauthorized_discount", "hold", "a third")]),
    ("Two-thirds off the first month of tickets!", [("unauthorized_discount", "block", "Two-thirds")]),
    ("Half off the platform fee!", [("unauthorized_discount", "block", "Half")]),
    ("The scanners are half price this week.", [("unauthorized_discount", "block", "half")]),
    ("Finance approved a 0.3 discount on the renewal.", [("unauthorized_discount", "hold", "0.3")]),
    ("We can apply 0.3 off the list price.", [("unauthorized_discount", "hold", "0.3")]),
    ("We'd apply a discount of 0.15 to the list price.", []),
    ("For nonprofits we take one fifth off the fee.", []),
    # limits are "above": the limit itself passes
    ("Take 20% off.", []),
    ("Our best offer is forty percent off.", [("unauthorized_discount", "hold", "forty percent")]),
    ("Take 41% off your renewal.", [("unauthorized_discount", "block", "41%")]),
    # money amounts for a refund rule
    ("I've approved a $900 refund.", [("refund_over_limit", "hold", "$900")]),
    ("A credit of USD 1.2k is on its way.", [("refund_over_limit", "hold", "USD 1.2k")]),
    ("We will refund nine hundred dollars today.", [("refund_over_limit", "hold", "nine hundred dollars")]),
    ("A $40 refund is on its way.", []),
    ("The plan costs $900 a month.", []),
])
def test_number_forms(compliance: ComplianceCheck, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert flagged(compliance, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("List prices rise 30% on 1 January.", [("price_increase", 30)]),
    ("Prices go up by 12% next quarter.", [("price_increase", 12)]),
    ("Revenue grew 35% year over year.", [("growth", 35)]),
    ("Pipeline is up 45% since the pricing change.", [("growth", 45)]),
    ("Churn fell 4 percentage points after we simplified pricing.", [("growth", 4)]),
    ("Teams cut their close time by 50%.", [("growth", 50)]),
    ("About 60% of our customers renew at list price.", [("share", 60)]),
    ("35% of our customers use the 10% discount.", [("share", 35), ("discount", 10)]),
    ("VAT is charged at 21% in the Netherlands.", [("tax", 21)]),
    ("A 20% VAT applies, and we'll take 15% off.", [("tax", 20), ("discount", 15)]),
    ("We offer 99.9% uptime and 30% off the first year.", [("uptime", 99.9), ("discount", 30)]),
    ("Financing runs at 6.5% annual interest.", [("charge", 6.5)]),
    ("Resellers keep a 25% commission on licence revenue.", [("charge", 25)]),
    ("Our rate is 30% lower than the regional average.", []),  # a comparison offers nothing
    ("Their product came in 40% cheaper in the bake-off.", []),
    ("Our list price is 25% cheaper for schools.", [("discount", 25)]),
    ("You'd pay 70% of list for every seat.", [("discount", 30)]),
    ("Your net price lands at 60% of list.", [("discount", 40)]),
    ("The bundle works out to 55% of the normal price.", [("discount", 45)]),
    ("Bundle them and you save 35% versus buying separately.", [("discount", 35)]),
    ("We can cut the licence fee by 30%.", [("discount", 30)]),
    ("The discount we can offer on the annual plan is 30%.", [("discount", 30)]),
    ("The per-seat price drops from £50 to £35.", [("discount", 30)]),
    ("The per-seat price rises from $40 to $50.", [("price_increase", 25)]),
    ("The per-seat rate falls to $35 from $50.", [("discount", 30)]),
    ("Seats are $40, down from $50.", [("discount", 20)]),
    ("We will take up to 35% off.", [("discount", 35)]),
    ("Volume discounts go up to 30% at 500 seats.", [("discount", 30)]),
    ("We can discount the licence to 70% of list.", [("discount", 30)]),
    ("70% of seats were active last week.", [("share", 70)]),
    ("Enterprise customers get an extra 5% on top of the 20% volume discount.", [("discount", 25), ("discount", 20)]),
    ("On top of your existing 15% discount, we can add another 10 percentage points.", [("discount", 15), ("discount", 25)]),
])
def test_meaning_by_structure(reader: ComplianceCheck, text: str, expected: list[tuple[str, float]]) -> None:
    figures = [f for f in reader.figures(text) if f.unit == "percent"]
    assert [(f.meaning, round(f.value, 1)) for f in figures] == [(m, float(v)) for m, v in expected]


@pytest.mark.parametrize(("text", "expected"), [
    ("I can't do 35% off, but 15% works.", []),
    ("We won't go to 30% off.", []),
    ("Discounts above 20% need approval.", []),
    ("Refunds over $500 need a manager.", []),
    ("Your plan costs $900 a year; refunds over $500 need a manager.", []),
    ("We can give you a discount above 30% if you sign today.", [("unauthorized_discount", "hold", "30%")]),
])
def test_negated_offers_and_rules_about_limits(compliance: ComplianceCheck, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert flagged(compliance, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("We can be flexible on price. How does 35% sound?", ["hold"]),
    ("Let's talk markdowns on the autumn range. I'm thinking 42% across outerwear.", ["block"]),
    ("On price, nothing changes. On adoption, 70% of your staff log in weekly.", []),
    ("We applied the 15% partner discount last spring. Since then, active users are up 60%.", []),
    ("Our pricing is simple. NPS is 72%.", []),
    ("| Term | Discount |\n|---|---|\n| 1 year | 10% |\n| 3 years | 30% |", ["hold"]),
    ("| Seats | Discount |\n|---|---|\n| 1-49 | 5% |\n| 200+ | 20% |", []),
    ("| Region | Price per seat | Growth |\n|---|---|---|\n| Europe | €42 | 35% |", []),
    ("Proposed discounts:\n- Licence: 15%\n- Support: 25%", ["hold"]),
    ("Price changes from April:\n- Seats: +30%\n- Storage: +45%", []),
    ("Discount: 45%", ["block"]),
    ("Discount - 45%", ["block"]),
    ("Refund: $400", ["hold"]),
    ("| Item | Refund |\n|---|---|\n| Router | $400 |", ["hold"]),
    ("| Item | List price |\n|---|---|\n| Router | $400 |", []),
    ("We can be flexible on the refund. Would $400 help?", ["hold"]),
])
def test_context_from_tables_lists_labels_and_the_sentence_before(compliance: ComplianceCheck, text: str, expected: list[str]) -> None:
    assert [action for _, action, _ in flagged(compliance, text)] == expected


@pytest.mark.parametrize(("arguments", "expected"), [
    ({"discount_percent": 35}, [("hold", "35")]),
    ({"discount": 0.35}, [("hold", "0.35")]),
    ({"discountRate": 0.41}, [("block", "0.41")]),
    ({"discount_percent": "25%"}, [("hold", "25%")]),
    ({"line_items": [{"sku": "A", "discount_pct": 15}, {"sku": "B", "discount_pct": 30}]}, [("hold", "30")]),
    ({"quote_id": "q1", "percent": 40}, [("hold", "40")]),
    ({"subtotal": 20000, "discount_amount": 7000}, [("hold", "7000")]),
    ({"refund_amount": 900, "currency": "USD"}, [("hold", "900")]),
    ({"discount_percent": 20, "tax_rate": 21}, []),
    ({"quantity": 50, "unit_price": 49.0}, []),
    ({"price_increase_percent": 30}, []),
    ({"late_fee_percent": 2, "tax_rate": 21}, []),
    ({"body": "As discussed, 35% off the annual plan."}, [("hold", "35%")]),
    ([{"discount_percent": 45}], [("block", "45")]),
])
def test_json_arguments_read_as_structure(compliance: ComplianceCheck, arguments: object, expected: list[tuple[str, str]]) -> None:
    raw = json.dumps(arguments)
    findings = compliance.run(raw, CheckContext())
    assert [(f.action, raw[f.start or 0 : f.end or 0]) for f in findings] == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ('{"account": "a1", "discount_percent": 35', [("hold", "35")]),
    ('{"line_items": [{"discount_pct": 45}, {"sku": "B7"', [("block", "45")]),
    ('{"discount_percent": 15, "note": "as agreed', []),
])
def test_truncated_arguments_are_still_read_field_by_field(compliance: ComplianceCheck, raw: str, expected: list[tuple[str, str]]) -> None:
    assert [(f.action, raw[f.start or 0 : f.end or 0]) for f in compliance.run(raw, CheckContext())] == expected


@pytest.mark.parametrize("depth", [100, 10_000])
def test_deeply_nested_arguments_hold_instead_of_crashing(compliance: ComplianceCheck, depth: int) -> None:
    raw = '{"a":' * depth + '{"discount_percent": 35}' + "}" * depth
    findings = compliance.run(raw, CheckContext())
    assert [(f.rule, f.action) for f in findings] == [("unreadable_arguments", "hold")]


@pytest.mark.parametrize(("value", "expected"), [
    (150000, 150000.0), (99999.99, 99999.99), (-250000, -250000.0), ("150000", 150000.0), ("150,000", 150000.0),
    ("2,400,000", 2400000.0), ("1.5e5", 150000.0), ("$250,000", 250000.0), ("250000 EUR", 250000.0), (" 42 ", 42.0),
    ("lots", None), ("TBD", None), (None, None), ({}, None), ([], None), (True, None), ("nan", None), ("1,5", None),
])
def test_metadata_values_are_coerced_by_one_rule(value: object, expected: float | None) -> None:
    assert coerce_number(value) == expected


@pytest.mark.parametrize(("metadata", "rules"), [
    ({"deal_value": 100000}, ["high_value_deal"]),
    ({"deal_value": 250000.5}, ["high_value_deal"]),
    ({"deal_value": "150000"}, ["high_value_deal"]),
    ({"deal_value": "150,000"}, ["high_value_deal"]),
    ({"deal_value": 99999}, []),
    ({"deal_value": "lots"}, ["unreadable_metadata"]),
    ({"deal_value": {}}, ["unreadable_metadata"]),
    ({"deal_value": None}, []),
    ({"region": "EU"}, []),
    ({}, []),
])
def test_metadata_rules(compliance: ComplianceCheck, metadata: dict[str, object], rules: list[str]) -> None:
    findings = compliance.run("Redlines attached.", CheckContext(metadata=metadata))
    assert [f.rule for f in findings] == rules
    assert all(f.start is None for f in findings)
    assert all(f.severity == "low" and f.action == "allow" for f in findings if f.rule == "unreadable_metadata")


@pytest.mark.parametrize(("op", "actual", "expected", "result"), [
    ("gte", "100000", 100000, True), ("lt", "1,000", 5000, True), ("eq", "EU", "EU", True),
    ("gte", "soon", 100000, None), ("gt", "EU", "EM", True), ("gt", 5, "EU", None),
])
def test_compare_coerces_to_the_expected_type(op: str, actual: object, expected: object, result: bool | None) -> None:
    assert compare(op, actual, expected) == result


def test_number_rule_needs_a_limit() -> None:
    with pytest.raises(ValueError, match="hold_above"):
        ComplianceConfig.model_validate({"numbers": [{"rule": "x", "meaning": "discount"}]})


def test_number_rule_must_name_a_known_meaning(resources: Resources) -> None:
    config = ComplianceConfig.model_validate({"numbers": [{"rule": "x", "meaning": "dicsount", "hold_above": 1}]})
    with pytest.raises(CheckError, match="unknown meaning dicsount"):
        ComplianceCheck(config, resources)


def test_a_policy_can_add_cue_words_and_meanings(resources: Resources) -> None:
    config = ComplianceConfig.model_validate({
        "numbers": [{"rule": "big_giveaway", "meaning": "discount", "cues": ["giveaway"], "hold_above": 20},
                    {"rule": "fast_ramp", "meaning": "ramp", "hold_above": 50}],
        "meanings": {"ramp": {"senses": [{"cues": ["ramp"]}]}},
    })
    check = ComplianceCheck(config, resources)
    assert [f.rule for f in check.run("A 30% giveaway for early birds.", CheckContext())] == ["big_giveaway"]
    assert [f.rule for f in check.run("We plan a 60% ramp next year.", CheckContext())] == ["fast_ramp"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Take 15% off.", []),
    ("You'd pay 15% of list.", [("unauthorized_discount", "block")]),
    ("With your 15% discount, we can add another 10 percentage points.", [("unauthorized_discount", "hold")]),
    ("The per-seat price drops from $50 to $25.", [("unauthorized_discount", "block")]),
])
def test_figures_under_the_lowest_limit_are_read_only_when_a_reading_can_raise_them(
        compliance: ComplianceCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert [(f.rule, f.action) for f in compliance.run(text, CheckContext())] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Take 35% off \ud800 today.", [("unauthorized_discount", "hold")]),
    ("Take\x00 35% off\x07 today.", [("unauthorized_discount", "hold")]),
    ("We grew. " * 11_000 + "Take 35% off.", [("unauthorized_discount", "hold")]),
    ("word " * 20_000 + "take 35% off " + "word " * 20_000, [("unauthorized_discount", "hold")]),
    ("35% " * 30_000, [("too_many_figures", "hold")]),
    ("5% " * 30_000, []),  # none of them can exceed a limit, so none is read
])
def test_bad_and_huge_input_is_read_or_held(compliance: ComplianceCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert [(f.rule, f.action) for f in compliance.run(text, CheckContext())] == expected


@pytest.mark.parametrize("policy", ["sales-email", "support-reply"])
def test_sentences_left_unparsed_hold_no_figure_a_rule_limits(resources: Resources, policy: str) -> None:
    """The cheap pass before the parser (checks.meaning.triggers) skips only sentences whose figures no
    rule limits: over the labelled sales texts and the playbooks, the figures with a limited
    meaning are the same whether every sentence is parsed or only the marked ones."""
    suite = load_policies(None, discover(), resources)[policy].suite
    check = next(c for c in suite.checks if isinstance(c, ComplianceCheck))
    texts = [t for _, t, _ in sales_texts()] + [t for _, _, t, _ in playbook_texts()]
    for text in texts:
        whole = [f for f in check.figures(text) if f.meaning in check.limited]
        assert [f for f in check.figures(text, limited=True) if f.meaning in check.limited] == whole, text


@pytest.mark.parametrize(("sentence", "marked"), [
    ("The plan includes SSO and a 99.9% uptime SLA.", False),
    ("We took 30% off the renewal.", True),  # an irregular form of a cue ("take")
    ("Prices were slashed by 30%.", True),  # an inflection of a cue
    ("You'd pay 70% of list.", True),  # a partitive
    ("About 60% of our customers renew.", True),  # "of": parsed, then read as a share
    ("Revenue grew 35% year over year.", True),  # growth: a change between amounts can make it a discount
    ("Adoption reached 72% in the pilot teams.", False),
])
def test_which_sentences_the_parser_reads(resources: Resources, sentence: str, marked: bool) -> None:
    suite = load_policies(None, discover(), resources)["sales-email"].suite
    check = next(c for c in suite.checks if isinstance(c, ComplianceCheck))
    assert check.triggers.marks(sentence) is marked
