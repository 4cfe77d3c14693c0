"""The pieces of the streaming guard: what each check says it has settled of a text still being
written, where a window may cut, and what happens when the whole-output check changes text
that was already streamed."""

from __future__ import annotations

from typing import Any

import pytest

from checks.brand import BrandCheck, BrandConfig
from checks.compliance import ComplianceCheck, ComplianceConfig
from checks.engine import CheckSuite, word_start
from checks.guardrails_adapter import GuardrailsCheck, GuardrailsConfig
from checks.pii import PiiCheck, PiiConfig
from checks.registry import discover
from checks.resources import Resources
from checks.types import CheckContext, Finding, StreamingCheck
from proxy.policy import load_policies
from proxy.stream.window import release_point
from tests.plugins import CrashConfig, CrashingCheck
from tests.streaming import stream, words

FILLER = "The rollout covers the regional teams first, then the wider group once the admins are trained. "


def _check(name: str, config: dict[str, Any], resources: Resources) -> StreamingCheck:
    factories: dict[str, Any] = {"pii": (PiiCheck, PiiConfig), "brand": (BrandCheck, BrandConfig),
                                 "compliance": (ComplianceCheck, ComplianceConfig),
                                 "guardrails": (GuardrailsCheck, GuardrailsConfig)}
    cls, model = factories[name]
    check: StreamingCheck = cls(model.model_validate(config), resources)
    return check


SALES_NUMBERS = {"numbers": [{"rule": "discount", "meaning": "discount", "hold_above": 20}]}


# (check, config, text, the text before the settled point)
SETTLED = [
    ("pii", {}, FILLER * 3, (FILLER * 3)[: len(FILLER * 3) - 160]),
    ("pii", {"entities": {"PERSON": "allow", "US_SSN": "mask"}}, FILLER, FILLER[: len(FILLER) - 16]),
    ("pii", {"entities": {"PERSON": "allow"}}, FILLER, FILLER),  # nothing to find: all settled
    ("pii", {}, FILLER * 2 + "thanks, bea. " + FILLER * 3, FILLER * 2 + "thanks, "),  # might still become a chat
    ("compliance", SALES_NUMBERS, FILLER + "We can do 25% if you sign the order form this week or early next week at the latest",
     FILLER + "We can do "),
    ("compliance", SALES_NUMBERS, FILLER + "We can do 25% if you sign. And more", (FILLER + "We can do 25% if you sign. And more")[:-64]),
    ("compliance", SALES_NUMBERS, '{"discount_percent": 35, "note": "' + FILLER, ""),  # JSON: read whole
    ("compliance", {"metadata": [{"rule": "big", "field": "deal_value", "value": 1}]}, FILLER, FILLER),
    ("brand", {"phrases": [{"rule": "claim", "phrases": ["guaranteed results"]}]}, FILLER + "it is guaranteed", FILLER + "it "),
    ("brand", {"phrases": [{"rule": "claim", "phrases": ["guarantee"], "negatable": True}]},
     FILLER + "We guarantee a reply within", FILLER + "We "),
    ("brand", {"competitors": ["Umbrella Corp"]}, FILLER + "moving from Umbrella", FILLER + "moving "),
    ("brand", {"required": [{"rule": "footer", "text": "Thanks."}]}, FILLER, FILLER),  # appended at the end
    ("guardrails", {"validators": [{"validator": "guardrails_ai.secrets_present:SecretsPresent", "rule": "s"}]},
     FILLER * 2, (FILLER * 2)[:-128]),
    ("guardrails", {"validators": [{"validator": "loopguard/no_shouting", "rule": "s", "window": "line"}]},
     "First line.\n" + FILLER, "First line.\n"),
    ("guardrails", {"validators": [{"validator": "loopguard/no_shouting", "rule": "s", "window": "output"}]}, FILLER, ""),
]


@pytest.mark.parametrize(("name", "config", "text", "before"), SETTLED, ids=[f"{s[0]}-{i}" for i, s in enumerate(SETTLED)])
def test_what_a_check_has_settled(resources: Resources, name: str, config: dict[str, Any], text: str, before: str) -> None:
    assert text[: _check(name, config, resources).settled(text)] == before


def test_a_suite_never_settles_inside_a_word_and_maps_back_to_the_text_as_written(resources: Resources) -> None:
    suite = CheckSuite([_check("pii", {"entities": {"PERSON": "allow", "US_SSN": "mask"}}, resources)])
    text = "Call me on\u200b Monday about the renewal of the plan please"  # an invisible character
    settled = suite.check_prefix(text, CheckContext()).settled
    assert text[:settled] == "Call me on\u200b Monday about the renewal of"  # 16 characters before the end, not in a word


def test_a_check_that_cannot_say_what_it_settled_holds_the_whole_output(resources: Resources) -> None:
    suite = CheckSuite([CrashingCheck(CrashConfig(), resources), _check("pii", {}, resources)])
    assert not suite.streams
    assert suite.check_prefix(FILLER * 3, CheckContext()).settled == 0


@pytest.mark.parametrize(("text", "position", "start"), [
    ("send it to jane.roe@example.com today", 20, 11),
    ("send it to jane.roe@example.com today", 11, 11),
    ("send it to jane.roe@example.com today", 10, 10),
    ("abcdef", 3, 0),
    ("abc def", 7, 7),
])
def test_a_word_is_never_cut(text: str, position: int, start: int) -> None:
    assert word_start(text, position) == start


def _finding(start: int, end: int) -> Finding:
    return Finding(check="t", rule="r", severity="low", action="fix", start=start, end=end, fix="x")


@pytest.mark.parametrize(("settled", "spans", "point"), [
    (50, [], 50),
    (50, [(10, 20)], 50),
    (50, [(40, 60)], 40),
    (50, [(40, 60), (30, 45)], 30),  # moving back may cut another finding
    (50, [(50, 60)], 50),
    (50, [(45, 45)], 50),  # an insertion cuts nothing
])
def test_release_stops_before_any_finding_it_would_cut(settled: int, spans: list[tuple[int, int]], point: int) -> None:
    assert release_point(settled, [_finding(a, b) for a, b in spans]) == point


def test_a_name_confirmed_after_its_first_mention_went_out_is_held_for_review(resources: Resources) -> None:
    """The documented exception: a later full name marks an earlier mention of its first word
    ("Pieter" ... "Pieter van der Meer"), farther back than the window. The app already has the
    first mention; the whole check at the end finds it, and the output is held for a person."""
    policy = load_policies(None, discover(), resources)["default"]
    text = "Pieter will send the forecast on Monday. " + FILLER * 3 + "\n\nKind regards,\nPieter van der Meer"
    out = stream(policy, words(text))
    assert out.seen[-1].startswith("Pieter will send")
    assert out.late == 1 and out.decision == "hold"
    assert out.unstreamed.startswith("<PERSON> will send") and out.text.endswith("Kind regards,\n<PERSON>")


RESUMES = [
    # (check, config, text, position, the text from where the check's window starts)
    ("pii", {"entities": {"PERSON": "allow", "US_SSN": "mask"}}, FILLER * 2, len(FILLER) + 40,
     "the admins are trained. " + FILLER),  # 64 characters before (more than five words), at a word
    ("pii", {}, FILLER * 2, len(FILLER) + 40, FILLER * 2),  # person names: the whole text
    ("compliance", SALES_NUMBERS, "Intro.\n| Term | Discount |\n|---|---|\n| 1 year | 10% |\n| 3 years | 35% |",
     len("Intro.\n| Term | Discount |\n|---|---|\n| 1 year | 10% |\n| 3"),
     "Intro.\n| Term | Discount |\n|---|---|\n| 1 year | 10% |\n| 3 years | 35% |"),  # back to the table's caption
    ("compliance", SALES_NUMBERS, "First line.\nWe can be flexible on price.\nWould 35% work?", len("First line.\nWe can be flexible on price.\nWould"),
     "We can be flexible on price.\nWould 35% work?"),  # the sentence before, on the line above
    ("compliance", SALES_NUMBERS, "We take 15% off.\nOne more line.\nAnd another 10% on top.", 40, "We take 15% off.\nOne more line.\nAnd another 10% on top."),
    ("brand", {"competitors": ["Globex"]}, FILLER + "  Globex wins", len(FILLER) + 2, "trained.   Globex wins"),  # the word before
    ("brand", {"phrases": [{"rule": "claim", "phrases": ["guarantee"], "negatable": True}]},
     "First line.\nWe can't, in all honesty, guarantee it.", len("First line.\nWe can't, in all honesty, "),
     "We can't, in all honesty, guarantee it."),  # the sentence's line: its negation may come first
    ("guardrails", {"validators": [{"validator": "checks.secrets:SecretsPresent", "rule": "s"}]},
     "a\\nb = 1\n  continued\n" + FILLER, len("a\\nb = 1\n  continued\n") + 10, "a\\nb = 1\n  continued\n" + FILLER),
]


@pytest.mark.parametrize(("name", "config", "text", "position", "window"), RESUMES, ids=[f"{r[0]}-{i}" for i, r in enumerate(RESUMES)])
def test_how_far_back_a_check_reads(resources: Resources, name: str, config: dict[str, Any], text: str, position: int,
                                    window: str) -> None:
    suite = CheckSuite([_check(name, config, resources)])
    start = suite._resume(suite.checks[0], text, position)
    assert text[start:] == window


def _from(findings: list[Finding], since: int) -> list[tuple[str, int | None, int | None, str | None]]:
    return [(f.rule, f.start, f.end, f.fix) for f in findings if f.start is None or f.start >= since]


@pytest.mark.parametrize("policy", ["default", "sales-email", "support-reply"])
def test_a_windowed_check_finds_from_its_point_on_what_the_whole_check_finds(resources: Resources, policy: str) -> None:
    """Each check reads only its own window; from `since` on, it finds exactly what a check of
    the whole text finds, over the labelled texts stitched into long replies, at many points."""
    from tests.stream_corpus import pii_texts, sales_texts

    suite = load_policies(None, discover(), resources)[policy].suite
    texts = [t for _, t in pii_texts()][::9] if policy == "default" else [t for _, t, _ in sales_texts()][::4]
    context = CheckContext()
    for text in texts:
        whole = suite.run(text, context)
        for since in range(0, len(text), max(len(text) // 6, 1)):
            since = word_start(text, since)
            assert _from(suite.check_prefix(text, context, since).findings, since) == _from(whole, since), (since, text)
