"""PII check tables: (text, expected entity spans) per recognizer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.engine import apply_fixes
from checks.pii import PiiCheck, PiiConfig
from checks.recognizers.person import _mentions, _mentions_by_regex
from checks.resources import Resources
from checks.types import CheckContext


@pytest.fixture(scope="module")
def pii(resources: Resources) -> PiiCheck:
    return PiiCheck(PiiConfig(), resources)


def detected(check: PiiCheck, text: str) -> list[tuple[str, str]]:
    return [(f.rule, text[f.start or 0 : f.end or 0]) for f in check.run(text, CheckContext())]


@pytest.mark.parametrize(("text", "expected"), [
    ("Call (415) 555-0147 today", [("PHONE_NUMBER", "(415) 555-0147")]),
    ("my line is +1-348-753-2929.", [("PHONE_NUMBER", "+1-348-753-2929")]),
    ("Phone: 415.555.0147", [("PHONE_NUMBER", "415.555.0147")]),
    ("London office: +44 20 7946 0958", [("PHONE_NUMBER", "+44 20 7946 0958")]),
    ("Berlin: +49 30 901820", [("PHONE_NUMBER", "+49 30 901820")]),
    ("Version 4.2.1 shipped", []),
])
def test_phone_numbers(pii: PiiCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert detected(pii, text) == expected


@pytest.mark.parametrize(("regions", "text", "counts"), [
    (["GB"], "Tel: 020 7946 0958", True),  # valid in GB (and elsewhere)
    (["US"], "Tel: 020 7946 0958", False),
    (["DE", "GB"], "Telefon: 030 1234567", True),  # Berlin: valid in DE, found first in other regions
    (["GB"], "Call (415) 555-0147 today", False),  # a US number, even in the 555 range
    (["US"], "Call (415) 555-0147 today", True),
    (["US"], "London office: +44 20 7946 0958", True),  # international numbers always count
])
def test_phone_regions_keep_only_the_policys_national_numbers(resources: Resources, regions: list[str], text: str,
                                                               counts: bool) -> None:
    check = PiiCheck(PiiConfig(phone_regions=regions), resources)
    assert any(rule == "PHONE_NUMBER" for rule, _ in detected(check, text)) is counts


@pytest.mark.parametrize(("text", "expected"), [
    ("Paid with 4111 1111 1111 1111.", [("CREDIT_CARD", "4111 1111 1111 1111")]),
    ("Paid with 4111-1111-1111-1111.", [("CREDIT_CARD", "4111-1111-1111-1111")]),
    ("Paid with 4590830166131860.", [("CREDIT_CARD", "4590830166131860")]),
    ("Amex 3782 822463 10005 on file", [("CREDIT_CARD", "3782 822463 10005")]),
    ("Order 4111 1111 1111 1112 is not a card (Luhn fails)", []),
])
def test_card_numbers(pii: PiiCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert detected(pii, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Home: 219 Nathan Plaza Apt. 909, South Erin, NE.", [("STREET_ADDRESS", "219 Nathan Plaza Apt. 909, South Erin, NE")]),
    ("Ship to 742 Evergreen Terrace, Springfield, OR 97403", [("STREET_ADDRESS", "742 Evergreen Terrace, Springfield, OR 97403")]),
    ("Send it to 12 Oak St. please", [("STREET_ADDRESS", "12 Oak St.")]),
    ("Mail PO Box 1234 instead", [("STREET_ADDRESS", "PO Box 1234")]),
    ("Meet at 2438 East 5th St, New York City at ten.", [("STREET_ADDRESS", "2438 East 5th St, New York City")]),
    ("Visit 1600 Pennsylvania Avenue NW, Washington, DC 20500.", [("STREET_ADDRESS", "1600 Pennsylvania Avenue NW, Washington, DC 20500")]),
    ("We have 3 Enterprise plans", []),
])
def test_street_addresses(pii: PiiCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert detected(pii, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Ask Jennifer Cherry in procurement.", [("PERSON", "Jennifer Cherry")]),
    ("Signed, Dr. Victoria Baker", [("PERSON", "Victoria Baker")]),
    ("Payee Curtis Cannon Jr. confirmed", [("PERSON", "Curtis Cannon Jr.")]),
    ("Hi Sarah, thanks for the call.", [("PERSON", "Sarah")]),
    ("Priya Natarajan approved the budget yesterday.", [("PERSON", "Priya Natarajan")]),
    ("Click Reports, then Pipeline, to see open opportunities.", []),
    ("Open Settings to change your plan.", []),
])
def test_person_names(pii: PiiCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert detected(pii, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Write to mezacrystal@example.net now", [("EMAIL_ADDRESS", "mezacrystal@example.net")]),
    ("SSN: 554-16-9354.", [("US_SSN", "554-16-9354")]),
    ("IBAN GB33JHZF31948757491186", [("IBAN_CODE", "GB33JHZF31948757491186")]),
    ("from 206.130.142.14 at noon", [("IP_ADDRESS", "206.130.142.14")]),
])
def test_other_entities(pii: PiiCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert detected(pii, text) == expected


def test_mask_replaces_with_entity_type(pii: PiiCheck) -> None:
    text = "Email jo@example.com, card 4111 1111 1111 1111."
    assert apply_fixes(text, pii.run(text, CheckContext())) == "Email <EMAIL_ADDRESS>, card <CREDIT_CARD>."


def test_allow_list_keeps_the_company_address(resources: Resources) -> None:
    check = PiiCheck(PiiConfig(allow_list=["support@loopguard.dev"]), resources)
    assert detected(check, "Write to support@loopguard.dev or jo@example.com") == [("EMAIL_ADDRESS", "jo@example.com")]


@pytest.mark.parametrize(("action", "expected_action"), [("mask", "fix"), ("hold", "hold"), ("block", "block")])
def test_per_entity_action(resources: Resources, action: str, expected_action: str) -> None:
    check = PiiCheck(PiiConfig.model_validate({"entities": {"CREDIT_CARD": action}}), resources)
    [finding] = check.run("card 4111 1111 1111 1111", CheckContext())
    assert finding.action == expected_action


def test_allowed_entities_are_not_detected(resources: Resources) -> None:
    check = PiiCheck(PiiConfig.model_validate({"entities": {"PERSON": "allow", "EMAIL_ADDRESS": "mask"}}), resources)
    assert detected(check, "Jennifer Cherry at jc@example.com") == [("EMAIL_ADDRESS", "jc@example.com")]


def test_other_operators_come_from_presidio_anonymizer(resources: Resources) -> None:
    check = PiiCheck(PiiConfig.model_validate({"operator": "mask", "operator_params": {
        "masking_char": "*", "chars_to_mask": 4, "from_end": True}}), resources)
    [finding] = check.run("Email jo@example.com", CheckContext())
    assert finding.fix == "jo@example****"


def test_unknown_entity_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="unknown entity PASSPORT"):
        PiiConfig.model_validate({"entities": {"PASSPORT": "mask"}})


def test_checking_new_words_leaves_spacys_vocabulary_as_it_was(pii: PiiCheck) -> None:
    """Presidio's per-text artifacts are plain words: a server that checks text for months must
    not keep every word it ever saw (a spaCy Doc per text would add each to the vocabulary)."""
    assert pii.engines is not None
    vocab = pii.engines.nlp.nlp.vocab
    pii.run("Warm-up: the SSN 536-22-8712 is on file.", CheckContext())
    before = len(vocab)
    text = "Zorblatt quindexes {} frumious snarkles; SSN on file 536-22-8712, card 4111 1111 1111 1111."
    for i in range(20):
        found = detected(pii, text.format(f"glorp{i}xq"))
        assert ("US_SSN", "536-22-8712") in found  # context words still read
    assert len(vocab) == before


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(["Dana", "dana", "DANA", "Danae", "Ann", "Anna", "ann-marie", "x", "@", ".", "-",
                                       "_", ".com", "Lee", "Okafor", "7", " ", "\n", ", ", "Dana.", "é", "İ"]),
                      max_size=25))
def test_other_mentions_are_found_where_the_regex_found_them(words: list[str]) -> None:
    """The string search for later mentions of a name reads the text as the regex it replaced did."""
    text = "".join(words)
    names = {"Dana", "Ann", "Anna", "Okafor", "Lee"}
    assert _mentions(text, names) == _mentions_by_regex(text, names)
