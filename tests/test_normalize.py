"""The normalised view: what it rewrites, what it leaves alone, and how spans map back."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.engine import CheckSuite
from checks.language.normalize import normalize
from checks.types import CheckContext, Finding

ZWSP, ZWNJ, ZWJ, WJ, SHY, BOM = "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"


@pytest.mark.parametrize(("text", "normalised"), [
    # Unicode compatibility forms and other digits
    ("４１１１ １１１１", "4111 1111"),
    ("３５％ off", "35% off"),
    ("card ٤١١١ ۱۱۱۱ १११११", "card 4111 1111 11111"),
    ("½ off, ٣٥٪ off, 3∕4", "1/2 off, 35% off, 3/4"),
    ("from 9:30–17:00", "from 9:30-17:00"),
    ("\ufb01nal offer", "final offer"),
    ("Ｇｌｏｂｅｘ", "Globex"),
    ("𝐆𝐥𝐨𝐛𝐞𝐱", "Globex"),
    ("Tel:\u00a0415\u2009555", "Tel: 415 555"),
    ("4111–1111‒1111−1111", "4111-1111-1111-1111"),
    # Invisible characters
    (f"guar{ZWSP}antee", "guarantee"),
    (f"4111{ZWNJ}1111{ZWJ}1111{WJ}1111", "4111111111111111"),
    (f"Ini{SHY}tech", "Initech"),
    (f"{BOM}Hello", "Hello"),
    ("Glo\u202ebex\u202c and \u200eInitech\u200f", "Globex and Initech"),
    ("Glo\ufe0fbex\u034f", "Globex"),
    ("G\u0332l\u0332o\u0332bex", "Globex"),
    ("\U000e0041\U000e0042\U000e0043 hidden", "ABC hidden"),
    ("nu\x00ll\x1bbyte\x7f", "nullbyte"),
    # Look-alike letters (Cyrillic, Greek, Latin small capitals) and their case
    ("We beat Gl\u043ebex", "We beat Globex"),
    ("\u0406nitech", "Initech"),
    ("\u0399nitech", "Initech"),
    ("\u0391\u0392\u0395 \u0441\u0440\u0435", "ABE cpe"),
    ("\u0261lobex \u0131nitech \u1d04orp", "globex initech corp"),
    ("Umbrella C\u043erp", "Umbrella Corp"),
    # Spaced-out digits
    ("4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "4111111111111111"),
    ("4 1 1 1  1 1 1 1  1 1 1 1  1 1 1 1", "4111 1111 1111 1111"),
    ("5 3 6 - 2 2 - 8 7 1 2", "536-22-8712"),
    ("5-3-6-2-2-8-7-1-2", "536228712"),
    (f"4{ZWSP}1{ZWSP}1{ZWSP}1 1111", "4111 1111"),
    # Spaced-out letters
    ("G l o b e x", "Globex"),
    ("G.l.o.b.e.x.", "Globex."),
    ("G-l-o-b-e-x", "Globex"),
    ("G _ l _ o _ b _ e _ x", "Globex"),
    ("U m b r e l l a  C o r p", "Umbrella Corp"),
    ("U.m.b.r.e.l.l.a C.o.r.p", "Umbrella Corp"),
    # Spelled-out and percent-encoded emails
    ("jane dot doe at example dot com", "jane.doe@example.com"),
    ("JANE DOT DOE AT EXAMPLE DOT COM", "JANE.DOE@EXAMPLE.COM"),
    ("jane.doe at example dot co dot uk", "jane.doe@example.co.uk"),
    ("jane (at) example [dot] com", "jane@example.com"),
    ("jane{at}example{dot}org", "jane@example.org"),
    ("jane[at]example.com", "jane@example.com"),
    ("jane <at> mail.example.io", "jane@mail.example.io"),
    ("jane@example dot com", "jane@example.com"),
    ("write to jane dot doe at example dot com.", "write to jane.doe@example.com."),
    ("jane%40example.com", "jane@example.com"),
    ("%6A%61%6E%65%40example.com", "jane@example.com"),
    ("jane2024%40example.com", "jane2024@example.com"),
    ("Glo%E2%80%8Bbex", "Globex"),
])
def test_obfuscated_forms_are_written_plainly(text: str, normalised: str) -> None:
    assert normalize(text).text == normalised


@pytest.mark.parametrize("text", [
    "Call (415) 555-0147 today",
    "London office: +44 20 7946 0958",
    "Call 1-800-555-0147 or 415.555.0147",
    "Due 2024-11-30, then 12/05/2024",
    "Version 4.2.1 shipped; 4.2.1.7 next",
    "SNMP OID 1.3.6.1.2.1.1.3.0 is polled",
    "A 0.3 point rise, 0.3 off",
    "from 10.1.2.3 at noon",
    "Total $1,200 or €1.249,00",
    "35% off, 100% uptime, 50 %",
    "Meet me at noon at the office.",
    "Sign up at example.com today",
    "We launched v2.0 at acme.io",
    "Visit us at example dot com",
    "the dot at the top",
    "Card 4111 1111 1111 1111 and 4111-1111-1111-1111",
    "UPS tracking 1Z 999 AA1 01 2345 6784",
    "Scores: 1, 2, 3, 4, 5, 6",
    "Steps 1 2 3 then 4",
    "e.g. this, i.e. that, A/B tests, Q&A",
    "Dr. J. Smith and Mr. A. B. Jones",
    "It’s “fine” — Zoë, Müller, Straße, Nguyễn Thị, Ayşe, Łódź, São Paulo – SP",
    "Price 20% off\tnow\r\nbye",
    "ok 🙂👍🏽",
    "",
])
def test_ordinary_forms_stay_as_written(text: str) -> None:
    view = normalize(text)
    assert view.text == text
    assert not view.changed


@pytest.mark.parametrize(("text", "normalised_part", "original_part"), [
    ("We beat G l o b e x today", "Globex", "G l o b e x"),
    ("Card 4111\u200b1111 ok", "41111111", "4111\u200b1111"),
    (f"x {ZWSP}4111{ZWSP} y", "4111", "4111"),
    ("mail jane dot doe at example dot com now", "jane.doe@example.com", "jane dot doe at example dot com"),
    ("mail jane dot doe at example dot com now", "doe", "doe"),
    ("mail jane dot doe at example dot com now", "@", " at "),
    ("mail jane (at) example [dot] com now", "example.com", "example [dot] com"),
    ("see jane%40example.com", "@", "%40"),
    ("Ｇｌｏｂｅｘ wins", "Globex", "Ｇｌｏｂｅｘ"),
    ("Gl\u043ebex", "o", "\u043e"),
    ("\ufb01ne", "i", "\ufb01"),
    ("SSN 5 3 6 - 2 2 - 8 7 1 2.", "536-22-8712", "5 3 6 - 2 2 - 8 7 1 2"),
    ("G\u0332l\u0332obex", "Gl", "G\u0332l\u0332"),
])
def test_normalised_spans_map_to_the_original_characters(text: str, normalised_part: str, original_part: str) -> None:
    view = normalize(text)
    start = view.text.index(normalised_part)
    o_start, o_end = view.original_span(start, start + len(normalised_part))
    assert text[o_start:o_end] == original_part


@pytest.mark.parametrize(("text", "span", "original_span"), [
    (f"ab{ZWSP}", (2, 2), (3, 3)),      # an insertion point at the end stays at the end
    (f"{ZWSP}ab", (0, 2), (1, 3)),      # invisible characters at a span's edge stay outside it
    (f"a{ZWSP}b", (0, 2), (0, 3)),      # ... and inside it when between its characters
    ("Globex", (0, 6), (0, 6)),         # unchanged text maps to itself
    ("abc", (5, 9), (3, 3)),            # spans past the end are clamped
])
def test_span_edges(text: str, span: tuple[int, int], original_span: tuple[int, int]) -> None:
    assert normalize(text).original_span(*span) == original_span


@pytest.mark.parametrize("text", [
    "lone \ud800 and \udfff surrogates",
    "controls " + "".join(chr(c) for c in range(0x20)) + "\x7f" + "".join(chr(c) for c in range(0x80, 0xa0)),
    "\U000e0001\U000e007f\U0010ffff\ufffe\uffff",
    "\u0301\u0301 marks with no base",
])
def test_bad_input_is_normalised_without_crashing(text: str) -> None:
    view = normalize(text)
    kept_controls = "\t\n\v\f\r\x85"
    assert all(unicodedata.category(ch) not in ("Cs", "Cc", "Cf") or ch in kept_controls for ch in view.text)
    start, end = view.original_span(0, len(view.text))
    assert 0 <= start <= end <= len(text)


def test_100_kb_of_obfuscated_text_is_normalised_quickly() -> None:
    chunk = "Reach jane dot doe at example dot com, card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1, G l o b e x — Ｇｌｏｂｅｘ. "
    text = chunk * (100_000 // len(chunk))
    started = time.perf_counter()
    view = normalize(text)
    assert time.perf_counter() - started < 5
    assert view.text.count("jane.doe@example.com") == view.text.count("4111111111111111") == text.count(chunk)


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=60), st.data())
def test_any_text_normalises_and_every_span_maps_inside_the_original(text: str, data: st.DataObject) -> None:
    view = normalize(text)
    start = data.draw(st.integers(0, len(view.text)))
    end = data.draw(st.integers(start, len(view.text)))
    o_start, o_end = view.original_span(start, end)
    assert 0 <= o_start <= o_end <= len(text)
    assert view.original_span(start, start)[0] == o_start <= view.original_span(end, end)[0]


class WordCheck:
    """Flags one word wherever the text it is given holds it, quoting it and masking it."""

    name = "word"

    def __init__(self, word: str) -> None:
        self.word = word

    def run(self, text: str, context: CheckContext) -> list[Finding]:
        start = text.find(self.word)
        if start < 0:
            return []
        end = start + len(self.word)
        return [Finding(check=self.name, rule="word", severity="medium", action="fix",
                        start=start, end=end, text=text[start:end], fix="<W>")]


def test_suite_runs_checks_on_the_normalised_text_and_reports_original_spans() -> None:
    text = "We beat G l o b e x."
    [finding] = CheckSuite([WordCheck("Globex")]).run(text, CheckContext())
    assert (finding.start, finding.end, finding.text) == (8, 19, "G l o b e x")


def test_a_failure_to_normalise_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("checks.engine.normalize", broken)
    findings = CheckSuite([WordCheck("Globex")], on_error="block").run("Globex", CheckContext())
    assert [(f.check, f.rule, f.action) for f in findings] == [("normalize", "check_error", "block"), ("word", "word", "fix")]
