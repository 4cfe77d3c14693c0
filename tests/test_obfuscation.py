"""Obfuscated and look-alike values against the shipped policies: found, masked on exactly
the original characters, never released. Tables for each obfuscation, then properties
(hypothesis) that insert random separators, invisible characters and look-alike letters
into known values and competitor names."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.engine import apply_fixes
from checks.language.normalize import normalize
from checks.registry import discover
from checks.resources import Resources
from checks.types import CheckContext, Finding
from proxy.policy import LoadedPolicy, load_policy, shipped_policies_dir
from proxy.review.triage import triage

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u200e", "\u200f", "\u2062", "\u180e"]
# Look-alikes a reader takes for the Latin letter: Cyrillic, Greek, Armenian, Latin-extended.
LOOKALIKES = {
    "a": "\u0430\u0251", "c": "\u0441\u03f2", "d": "\u0501", "e": "\u0435", "g": "\u0261", "h": "\u04bb",
    "i": "\u0456\u0131", "j": "\u0458", "n": "\u0578", "o": "\u043e\u03bf\u0585", "p": "\u0440\u03c1",
    "s": "\u0455", "u": "\u057d", "x": "\u0445", "y": "\u0443",
    "A": "\u0410\u0391", "B": "\u0412\u0392", "C": "\u0421", "E": "\u0415\u0395", "G": "\u050c", "H": "\u041d\u0397",
    "I": "\u0406\u0399", "K": "\u041a\u039a", "M": "\u041c\u039c", "O": "\u041e\u039f", "P": "\u0420\u03a1",
    "T": "\u0422\u03a4", "X": "\u0425\u03a7",
}
# Other ways to write a digit that read as the same digit.
DIGIT_FORMS = [chr(0xFF10 + d) + chr(0x0660 + d) + chr(0x0966 + d) + chr(0x1D7CE + d) for d in range(10)]
PROPERTY = settings(max_examples=50, deadline=5000, suppress_health_check=[HealthCheck.too_slow], database=None)


@pytest.fixture(scope="module")
def policies(resources: Resources) -> dict[str, LoadedPolicy]:
    factories = discover()
    return {name: load_policy(shipped_policies_dir() / f"{name}.yaml", factories, resources)
            for name in ("default", "sales-email", "support-reply")}


def run(policy: LoadedPolicy, text: str) -> tuple[str, list[Finding], str]:
    """The policy's verdict, its findings and the text an app would get if it were released."""
    findings = policy.suite.run(text, CheckContext())
    return triage(policy.policy, findings, {}).action, findings, apply_fixes(text, findings)


def skeleton(text: str) -> str:
    """Letters and digits of the normalised text, lower-cased: what survives any rewriting."""
    return "".join(ch for ch in normalize(text).text.lower() if ch.isalnum())


# --- tables ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "rule", "value"), [
    ("Card 4111.1111.1111.1111 is on file.", "CREDIT_CARD", "4111.1111.1111.1111"),
    ("Card 4111/1111/1111/1111 is on file.", "CREDIT_CARD", "4111/1111/1111/1111"),
    ("Card 4111 1111.1111-1111 is on file.", "CREDIT_CARD", "4111 1111.1111-1111"),
    ("Amex 3782.822463.10005 on file", "CREDIT_CARD", "3782.822463.10005"),
    ("Card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 on file", "CREDIT_CARD", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"),
    ("Card 4111\u200b1111\u200b1111\u200b1111 on file", "CREDIT_CARD", "4111\u200b1111\u200b1111\u200b1111"),
    ("Card ４１１１ １１１１ １１１１ １１１１ on file", "CREDIT_CARD", "４１１１ １１１１ １１１１ １１１１"),
    ("Card 4111–1111–1111–1111 on file", "CREDIT_CARD", "4111–1111–1111–1111"),
    ("SSN 536.22.8712 on file", "US_SSN", "536.22.8712"),
    ("SSN 536/22/8712 on file", "US_SSN", "536/22/8712"),
    ("SSN 536 22 8712 on file", "US_SSN", "536 22 8712"),
    ("SSN 536.22-8712 on file", "US_SSN", "536.22-8712"),
    ("SSN 5 3 6 - 2 2 - 8 7 1 2 on file", "US_SSN", "5 3 6 - 2 2 - 8 7 1 2"),
    ("My SSN is 5 3 6 2 2 8 7 1 2.", "US_SSN", "5 3 6 2 2 8 7 1 2"),
    ("SSN 536\u200c22\u200c8712 on file", "US_SSN", "536\u200c22\u200c8712"),
    ("Write to jane dot doe at example dot com today", "EMAIL_ADDRESS", "jane dot doe at example dot com"),
    ("Write to jane (at) example [dot] com today", "EMAIL_ADDRESS", "jane (at) example [dot] com"),
    ("Write to jane[at]example.com today", "EMAIL_ADDRESS", "jane[at]example.com"),
    ("Write to jane%40example.com today", "EMAIL_ADDRESS", "jane%40example.com"),
    ("Write to j\u0430ne.doe@ex\u0430mple.com today", "EMAIL_ADDRESS", "j\u0430ne.doe@ex\u0430mple.com"),
    ("Write to jane\u200b@example.com today", "EMAIL_ADDRESS", "jane\u200b@example.com"),
    ("Call (４１５) ５５５-０１４７ today", "PHONE_NUMBER", "(４１５) ５５５-０１４７"),
    ("Call 4\u200b1\u200b5-555-0147 today", "PHONE_NUMBER", "4\u200b1\u200b5-555-0147"),
    ("Call 4 1 5 - 5 5 5 - 0 1 4 7 today", "PHONE_NUMBER", "4 1 5 - 5 5 5 - 0 1 4 7"),
])
def test_obfuscated_pii_is_masked_on_exactly_its_original_characters(
    policies: dict[str, LoadedPolicy], text: str, rule: str, value: str
) -> None:
    _, findings, released = run(policies["default"], text)
    assert [(f.rule, f.text) for f in findings] == [(rule, value)]
    [finding] = findings
    assert text[finding.start or 0 : finding.end or 0] == value
    assert released == text.replace(value, f"<{rule}>")


@pytest.mark.parametrize("text", [
    "Order 536-22-8712 shipped on 2024-11-30.",
    "Invoice no. 536 22 8712 is due.",
    "Ticket #536.22.8712 was closed.",
    "Call 536 22 8712 after five.",
    "Due 12/05/2024, paid 2024/11/30.",
    "SSN 666-22-8712, 900-22-8712, 536-00-8712 and 536-22-0000 are never issued.",
    "Version 4.2.1 costs $1,200 or 0.3 BTC, up 4.5%.",
    "Ref 4111.1111.1111.1112 is not a card (Luhn fails).",
    "UPS 1Z 999 AA1 01 2345 6784, DHL 7741 0392 58.",
    "Meet me at noon; sign up at example.com; v2.0 at acme.io.",
])
def test_ordinary_numbers_and_words_are_not_flagged(policies: dict[str, LoadedPolicy], text: str) -> None:
    action, findings, released = run(policies["default"], text)
    assert (action, findings, released) == ("allow", [], text)


@pytest.mark.parametrize(("text", "rule", "value"), [
    ("We beat Gl\u043ebex on price.", "competitor_mention", "Gl\u043ebex"),
    ("We beat \u0406nitech on price.", "competitor_mention", "\u0406nitech"),
    ("We beat \u0399\u039d\u0399\u03a4\u0395\u0421\u041d on price.", "competitor_mention", "\u0399\u039d\u0399\u03a4\u0395\u0421\u041d"),
    ("We beat Glo\u200bbex on price.", "competitor_mention", "Glo\u200bbex"),
    ("We beat G l o b e x on price.", "competitor_mention", "G l o b e x"),
    ("We beat G.l.o.b.e.x on price.", "competitor_mention", "G.l.o.b.e.x"),
    ("We beat Ｇｌｏｂｅｘ on price.", "competitor_mention", "Ｇｌｏｂｅｘ"),
    ("We beat U m b r e l l a  C o r p on price.", "competitor_mention", "U m b r e l l a  C o r p"),
    ("We beat Umbrella C\u043erp on price.", "competitor_mention", "Umbrella C\u043erp"),
    ("We guar\u200bantee it.", "prohibited_claim", "guar\u200bantee"),
    ("We gu\u0430r\u0430ntee it.", "prohibited_claim", "gu\u0430r\u0430ntee"),
    ("We g u a r a n t e e it.", "prohibited_claim", "g u a r a n t e e"),
    ("Zero\u00ad downtime, ri\u200dsk-free.", "prohibited_claim", "ri\u200dsk-free"),
])
def test_look_alike_competitors_and_claims_are_held(
    policies: dict[str, LoadedPolicy], text: str, rule: str, value: str
) -> None:
    action, findings, _ = run(policies["sales-email"], text)
    assert action == "hold"
    assert (rule, value) in [(f.rule, f.text) for f in findings]


@pytest.mark.parametrize("card", [
    "4111.1111.1111.1111", "4111/1111/1111/1111", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "4111\u200b1111\u200b1111\u200b1111",
    "４１１１ １１１１ １１１１ １１１１",
])
def test_support_reply_blocks_an_obfuscated_card(policies: dict[str, LoadedPolicy], card: str) -> None:
    text = f"The card on file is {card}. Need more help? Reply to this email or visit our help center."
    action, findings, _ = run(policies["support-reply"], text)
    assert action == "block"
    assert [f.text for f in findings if f.rule == "CREDIT_CARD"] == [card]


def test_bad_input_is_checked_and_masked_not_crashed(policies: dict[str, LoadedPolicy]) -> None:
    text = "Lone \ud800 surrogate, \x00\x1b controls, card 4111.1111.1111.1111, jane dot doe at example dot com. " * 50
    action, findings, released = run(policies["default"], text)
    assert action == "fix"
    assert {f.rule for f in findings} == {"CREDIT_CARD", "EMAIL_ADDRESS"}
    assert "4111" not in released and "jane" not in released and released.count("\ud800") == 50


# --- properties --------------------------------------------------------------------

@st.composite
def invisibles(draw: st.DrawFn, value: str) -> str:
    """`value` with zero-width and other invisible characters inserted anywhere."""
    chars = list(value)
    for _ in range(draw(st.integers(0, 4))):
        chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from(ZERO_WIDTH)))
    return "".join(chars)


@st.composite
def digit_forms(draw: st.DrawFn, value: str) -> str:
    """Some digits of `value` written as fullwidth, Arabic-Indic, Devanagari or bold digits."""
    return "".join(draw(st.sampled_from(ch + DIGIT_FORMS[int(ch)])) if ch.isdigit() else ch for ch in value)


@st.composite
def look_alikes(draw: st.DrawFn, value: str) -> str:
    """Some letters of `value` replaced by a look-alike from another script."""
    return "".join(draw(st.sampled_from(ch + LOOKALIKES.get(ch, ""))) for ch in value)


@st.composite
def regrouped(draw: st.DrawFn, groups: list[str], separators: str) -> str:
    """The digit groups joined by a separator drawn for each gap, mixed or not."""
    return groups[0] + "".join(draw(st.sampled_from(separators)) + g for g in groups[1:])


@st.composite
def spaced_out(draw: st.DrawFn, groups: list[str], letters: bool = False) -> str:
    """Every character spaced out with one padding; groups parted by a different gap."""
    padding = draw(st.sampled_from([" ", ".", "-", "_", " . "] if letters else [" ", "-", "  "]))
    between = draw(st.sampled_from([g for g in (["  ", " "] if letters else [" - ", "  ", " "]) if g != padding]))
    return between.join(padding.join(group) for group in groups)


@st.composite
def obfuscated_number(draw: st.DrawFn, value: str, separators: str) -> str:
    groups = re.split(r"[ \-]", value)
    written = draw(st.one_of(regrouped(groups, separators), spaced_out(groups)))
    return draw(invisibles(draw(digit_forms(written))))


@st.composite
def obfuscated_email(draw: st.DrawFn) -> tuple[str, str]:
    """(the address's letters, the address spelled out or encoded, with look-alikes and invisibles)."""
    first, last, domain, tld = draw(st.sampled_from([
        ("jane", "doe", "example", "com"), ("m", "rossi", "acme", "io"), ("priya", "natarajan", "mail", "co.uk"),
    ]))
    form, dot = draw(st.sampled_from([
        ("{f}.{l}@{d}.{t}", "."), ("{f} dot {l} at {d} dot {t}", " dot "), ("{f}.{l} (at) {d} (dot) {t}", "(dot)"),
        ("{f}.{l}[at]{d}.{t}", "."), ("{f}{{at}}{d}{{dot}}{t}", "{dot}"), ("{f}.{l}%40{d}.{t}", "."),
        ("{f}.{l} at {d} dot {t}", " dot "), ("{f}%2E{l}%40{d}%2E{t}", "%2E"),
    ]))
    written = form.format(f=first, l=last, d=domain, t=tld.replace(".", dot))
    written = written.upper() if draw(st.booleans()) else written
    letters = (first + last if "{l}" in form else first) + domain
    return letters, draw(invisibles(draw(look_alikes(written))))


@given(value=st.sampled_from(["4111 1111 1111 1111", "5500 0000 0000 0004", "4556 7375 8689 9855",
                              "6011 0009 9013 9424", "3782 822463 10005"]), data=st.data())
@PROPERTY
def test_obfuscated_cards_never_get_through(policies: dict[str, LoadedPolicy], value: str, data: st.DataObject) -> None:
    written = data.draw(obfuscated_number(value, " .-/"))
    text = f"Please charge card {written} today."
    _, _, released = run(policies["default"], text)
    assert skeleton(value) not in skeleton(released)
    assert run(policies["support-reply"], text)[0] == "block"


@given(value=st.sampled_from(["536-22-8712", "554-16-9354", "219-09-9998"]), data=st.data())
@PROPERTY
def test_obfuscated_ssns_never_get_through(policies: dict[str, LoadedPolicy], value: str, data: st.DataObject) -> None:
    text = f"My SSN is {data.draw(obfuscated_number(value, ' .-/'))} as requested."
    _, _, released = run(policies["default"], text)
    assert skeleton(value) not in skeleton(released)
    assert run(policies["support-reply"], text)[0] == "block"


@given(value=st.sampled_from(["415-555-0147", "646-555-0199"]), data=st.data())
@PROPERTY
def test_obfuscated_phones_never_get_through(policies: dict[str, LoadedPolicy], value: str, data: st.DataObject) -> None:
    groups = value.split("-")
    written = data.draw(st.one_of(regrouped(groups, " .-"), spaced_out(groups)))
    text = f"Reach me on {data.draw(invisibles(data.draw(digit_forms(written))))} after lunch."
    _, _, released = run(policies["default"], text)
    assert skeleton(value) not in skeleton(released)


@given(email=obfuscated_email())
@PROPERTY
def test_obfuscated_emails_never_get_through(policies: dict[str, LoadedPolicy], email: tuple[str, str]) -> None:
    letters, written = email
    _, _, released = run(policies["default"], f"Send the contract to {written} by Friday.")
    assert letters not in skeleton(released)


@given(name=st.sampled_from(["Globex", "Initech", "Umbrella Corp", "guarantee"]), data=st.data())
@PROPERTY
def test_look_alike_competitors_and_claims_are_never_allowed(
    policies: dict[str, LoadedPolicy], name: str, data: st.DataObject
) -> None:
    spaced = data.draw(st.booleans())
    written = data.draw(spaced_out(name.split(), letters=True)) if spaced else name
    written = data.draw(invisibles(data.draw(look_alikes(written))))
    if data.draw(st.booleans()):
        written = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in written)  # fullwidth
    action, findings, _ = run(policies["sales-email"], f"Honestly we are faster than {written} on every test.")
    assert action in ("hold", "block")
    assert {"competitor_mention", "prohibited_claim"} & {f.rule for f in findings}
