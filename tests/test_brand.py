"""Brand check table: banned phrases with inflections and typos, competitors, required text."""

from __future__ import annotations

import pytest

from checks.brand import BrandCheck, BrandConfig
from checks.resources import Resources
from checks.types import CheckContext

CONFIG = BrandConfig.model_validate({
    "competitors": ["Globex", "Initech", "Umbrella Corp"],
    "phrases": [
        {"rule": "prohibited_claim", "phrases": ["guarantee", "risk-free", "100% uptime", "zero downtime", "never fails", "no risk"],
         "negatable": True},
        {"rule": "jargon", "phrases": ["synergy"], "action": "fix", "severity": "low", "replacement": "teamwork"},
    ],
    "required": [{"rule": "footer", "text": "Reply STOP to opt out.", "action": "fix"}],
})


@pytest.fixture(scope="module")
def brand(resources: Resources) -> BrandCheck:
    return BrandCheck(CONFIG, resources)


def rules(check: BrandCheck, text: str) -> list[tuple[str, str]]:
    return [(f.rule, text[f.start or 0 : f.end or 0]) for f in check.run(text + " Reply STOP to opt out.", CheckContext())]


@pytest.mark.parametrize(("text", "expected"), [
    ("We guarantee results.", [("prohibited_claim", "guarantee")]),
    ("Results are guaranteed.", [("prohibited_claim", "guaranteed")]),
    ("Every plan guarantees it.", [("prohibited_claim", "guarantees")]),
    ("We gaurantee it.", [("prohibited_claim", "gaurantee")]),
    ("It is risk free.", [("prohibited_claim", "risk free")]),
    ("It is Risk-Free!", [("prohibited_claim", "Risk-Free")]),
    ("We promise 100% uptime.", [("prohibited_claim", "100% uptime")]),
    ("We promise 99% uptime.", []),
    ("We publish our uptime history.", []),
    ("Better than Globex.", [("competitor_mention", "Globex")]),
    ("Compared with Umbrella Corp, we ship faster.", [("competitor_mention", "Umbrella Corp")]),
    ("An umbrella agreement covers it.", []),
    ("Initiate the trial today.", []),
    ("Teams love our synergy.", [("jargon", "synergy")]),
])
def test_phrases_and_competitors(brand: BrandCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert rules(brand, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # ordinary English words near a competitor's name never count as it
    ("Our sensors run in cold stores around the globe.", []),
    ("We're sponsoring the Globe Theatre's gala.", []),
    ("This initiative started in finance.", []),
    ("Happy to walk through the initial setup.", []),
    ("Most buyers in tech ask about residency.", []),
    ("Umbrella coverage for all subsidiaries is included.", []),
    ("The group's umbrella corporate entity can sign.", []),
    ("An umbrella policy covers every region.", []),
    ("Flagged files go to quarantine until reviewed.", []),
    # the competitor in any case, with suffixes, possessives and look-alike spellings
    ("GLOBEX charges per shipment.", [("competitor_mention", "GLOBEX")]),
    ("Teams leaving Globex's scheduler migrate fast.", [("competitor_mention", "Globex's")]),
    ("Teams leaving Globex’s scheduler migrate fast.", [("competitor_mention", "Globex’s")]),
    ("We integrate with Initech Corp's ledger.", [("competitor_mention", "Initech Corp's")]),
    ("Initech, Inc. quoted a lower price.", [("competitor_mention", "Initech, Inc.")]),
    ("Initech Ltd renewed early.", [("competitor_mention", "Initech Ltd")]),
    ("Clients came from Umbrella Corporation last year.", [("competitor_mention", "Umbrella Corporation")]),
    ("Umbrella GmbH has an office in Berlin.", [("competitor_mention", "Umbrella GmbH")]),
    ("Umbrella LLC sells the same thing.", [("competitor_mention", "Umbrella LLC")]),
    ("Unlike Glob3x, we export freely.", [("competitor_mention", "Glob3x")]),
    ("Unlike Globx, we export freely.", [("competitor_mention", "Globx")]),
    ("Compared with Umbrela Corp's plan, ours is cheaper.", [("competitor_mention", "Umbrela Corp's")]),
    ("Support is faster than Umbrella's.", [("competitor_mention", "Umbrella's")]),
    ("Umbrella's coverage is broad.", []),
])
def test_competitors_only_where_plausibly_the_competitor(brand: BrandCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert rules(brand, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("We can't guarantee results.", []),
    ("We cannot guarantee results.", []),
    ("No one can promise zero downtime.", []),
    ("Nobody can promise zero downtime.", []),
    ("This is not a risk-free trial.", []),
    ("There's no guarantee of specific savings.", []),
    ("We don't offer a risk-free trial.", []),
    ("We'd never claim 100% uptime.", []),
    ("I won't tell you the scanner never fails; it is well made.", []),
    ("Our lawyers won't let us call anything risk-free.", []),
    ("It comes without any guarantee.", []),
    ("I'd hardly call it risk-free.", []),
    ("That isn't something we can guarantee.", []),
    ("Nobody likes downtime, which is why we guarantee a fast reply.", [("prohibited_claim", "guarantee")]),
    ("We'd never guarantee that.", []),
    ("We guarantee nothing about timelines.", []),
    ("None of our plans are risk-free.", []),
    ("Don't expect zero downtime from anyone.", []),
    ("We make no guarantees about timelines.", []),
    ("Results guaranteed.", [("prohibited_claim", "guaranteed")]),
    ("The gateway never fails.", [("prohibited_claim", "never fails")]),
    ("There's no risk: you can cancel.", [("prohibited_claim", "no risk")]),
    ("Not only is it risk-free, it is fast.", [("prohibited_claim", "risk-free")]),
    ("I can't stress this enough: it is risk-free.", [("prohibited_claim", "risk-free")]),
    ("Nobody can guarantee a close, but we guarantee a reply.", [("prohibited_claim", "guarantee")]),
    ("We guarantee zero downtime.", [("prohibited_claim", "guarantee"), ("prohibited_claim", "zero downtime")]),
])
def test_negation_scope_for_claims(brand: BrandCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert rules(brand, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("We're cheaper than Oracle.", [("competitor_mention", "Oracle")]),
    ("Oracle's licensing is complex.", [("competitor_mention", "Oracle's")]),
    ("The oracle of the data team approved it.", []),
    ("Check the oracles table.", []),
])
def test_a_competitor_named_by_an_ordinary_word_counts_where_written_as_a_name(resources: Resources, text: str,
                                                                            expected: list[tuple[str, str]]) -> None:
    check = BrandCheck(BrandConfig.model_validate({"competitors": ["Oracle"]}), resources)
    assert [(f.rule, text[f.start or 0 : f.end or 0]) for f in check.run(text, CheckContext())] == expected


def test_negation_is_ignored_for_rules_not_marked_negatable(brand: BrandCheck) -> None:
    assert rules(brand, "Teams don't need synergy.") == [("jargon", "synergy")]


def test_replacement_makes_a_phrase_fixable(brand: BrandCheck) -> None:
    [finding] = brand.run("Teams love our synergy. Reply STOP to opt out.", CheckContext())
    assert finding.action == "fix" and finding.fix == "teamwork"


def test_missing_required_text_is_appended_as_a_fix(brand: BrandCheck) -> None:
    [finding] = brand.run("Hello there.", CheckContext())
    assert finding.rule == "footer" and finding.fix == "\n\nReply STOP to opt out." and finding.start == len("Hello there.")
