"""Brand check table: banned phrases with inflections and typos, competitors, required text."""

from __future__ import annotations

import pytest

from checks.brand import BrandCheck, BrandConfig
from checks.resources import Resources
from checks.types import CheckContext

CONFIG = BrandConfig.model_validate({
    "competitors": ["Globex", "Initech", "Umbrella Corp"],
    "phrases": [
        {"rule": "prohibited_claim", "phrases": ["guarantee", "risk-free", "100% uptime"]},
        {"rule": "jargon", "phrases": ["synergy"], "action": "fix", "severity": "low", "replacement": "teamwork"},
    ],
    "required": [{"rule": "footer", "text": "Reply STOP to opt out.", "action": "fix"}],
})


@pytest.fixture(scope="module")
def brand() -> BrandCheck:
    return BrandCheck(CONFIG, Resources())


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


def test_replacement_makes_a_phrase_fixable(brand: BrandCheck) -> None:
    [finding] = brand.run("Teams love our synergy. Reply STOP to opt out.", CheckContext())
    assert finding.action == "fix" and finding.fix == "teamwork"


def test_missing_required_text_is_appended_as_a_fix(brand: BrandCheck) -> None:
    [finding] = brand.run("Hello there.", CheckContext())
    assert finding.rule == "footer" and finding.fix == "\n\nReply STOP to opt out." and finding.start == len("Hello there.")
