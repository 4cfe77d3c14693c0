"""Never an unchecked character out: values the checks must catch, split across stream chunks at
every offset (and at random), never reach the app before the checks have seen them whole.

The stream guard runs in process (`tests.streaming`) and is asked to check after every chunk,
which gives it the most chances to release too early. After each chunk, what the app has
received must not hold the value; in the end, it must be exactly what the same reply gets
unstreamed.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.registry import discover
from checks.resources import Resources
from proxy.policy import LoadedPolicy, load_policies
from tests.streaming import Streamed, stream, words

LEAD = "Thanks for the call today, it was good to hear how the rollout is going across your regional teams. "
TAIL = (" Let me know if anything changes before the review next month, and I will update the plan and send the "
        "new figures to the whole group so that everyone has them ahead of the meeting.")

# (policy, sentence with the value, the value, whether a hold stops the stream (review mode), the decision)
CASES = [
    ("default", "You can write to jane.roe@example.com for the invoices.", "jane.roe@example.com", False, "fix"),
    ("default", "Her direct line is (415) 555-0147 during office hours.", "555-0147", False, "fix"),
    ("default", "Call the London desk on +44 20 7946 0958 instead.", "7946 0958", False, "fix"),
    ("default", "The card 4111 1111 1111 1111 was charged twice.", "4111 1111 1111 1111", False, "fix"),
    ("default", "The SSN on file is 536-22-8712 for the claim.", "536-22-8712", False, "fix"),
    ("default", "Wire it to DE89 3704 0044 0532 0130 00 by Friday.", "DE89 3704 0044 0532 0130 00", False, "fix"),
    ("default", "Please ask Jennifer Cherry to sign the order form.", "Jennifer Cherry", False, "fix"),
    ("default", "The server at 10.1.2.3 rejected the upload.", "10.1.2.3", False, "fix"),
    ("default", "Ship the kit to 742 Evergreen Terrace, Springfield, OR 97403 next week.", "742 Evergreen Terrace", False, "fix"),
    ("sales-email", "Unlike Globex, we ship a release every week.", "Globex", True, "hold"),
    ("sales-email", "Initech, Inc. quoted you a lower seat price.", "Initech", True, "hold"),
    ("sales-email", "Teams moving from Umbrella Corp onboard in a day.", "Umbrella Corp", True, "hold"),
    ("sales-email", "I can approve a 25% discount on the annual plan.", "25%", True, "hold"),
    ("sales-email", "Take 45% off your renewal if you sign today.", "45%", True, "block"),
    ("sales-email", "We can take thirty-five percent off the platform fee.", "thirty-five percent", True, "hold"),
    ("sales-email", "Our tool is guaranteed to cut churn in half.", "guaranteed", True, "hold"),
    ("support-reply", "The card on file is 4111 1111 1111 1111 as you asked.", "4111 1111 1111 1111", False, "block"),
    # The context that decides the value lies far before it, beyond any short window: a table's
    # header row, a list's heading, a figure an "extra" one adds to, the sentence on the line above.
    ("sales-email", "Discount by term:\n\n| Term | Discount |\n|---|---|\n"
     + "".join(f"| {n} years | 10% |\n" for n in range(1, 14)) + "| 14 years | 35% |\n", "35%", True, "hold"),
    ("sales-email", "Proposed discounts for the renewal:\n" + "".join(f"- Seat pack {c}: 5%\n" for c in "ABCDEFGHIJKLMN")
     + "- Platform fee: 35%\n", "35%", True, "hold"),
    ("sales-email", "We already take 15% off the seats.\n\n" + LEAD * 3 + "\n\nWe can add an extra 10% if you sign today.",
     "10%", True, "hold"),
    ("sales-email", LEAD * 2 + "We can be flexible on price.\nWould 35% work for you?", "35%", True, "hold"),
]


@pytest.fixture(scope="module")
def policies(resources: Resources) -> dict[str, LoadedPolicy]:
    return load_policies(None, discover(), resources)


def _reply(sentence: str) -> str:
    return LEAD + sentence + TAIL


def _assert_never_leaked(out: Streamed, text: str, value: str, decision: str) -> None:
    """Whatever the app had at any point is the start of what it may have in the end: of the
    unstreamed output when it is fixed, of the text before the value when it is held or blocked."""
    allowed = out.unstreamed if decision == "fix" else text[: text.index(value)]
    for seen in out.seen:
        assert allowed.startswith(seen), f"went out mid-stream: {seen[-120:]!r}"
    assert out.decision == out.unstreamed_decision == decision
    if decision == "fix":
        assert out.text == out.unstreamed  # the same final text as unstreamed
    assert value not in out.text


def _splits(text: str, value: str) -> list[int]:
    """Every offset from just before the value to just after it."""
    start = text.index(value)
    return list(range(start - 1, start + len(value) + 2))


@pytest.mark.parametrize(("policy", "sentence", "value", "holds", "decision"), CASES,
                         ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_a_value_split_in_two_at_every_offset_never_goes_out(policies: dict[str, LoadedPolicy], policy: str,
                                                             sentence: str, value: str, holds: bool, decision: str) -> None:
    text = _reply(sentence)
    for cut in _splits(text, value):
        out = stream(policies[policy], [text[:cut], text[cut:]], holds=holds, every_chunk=True)
        _assert_never_leaked(out, text, value, decision)


@pytest.mark.parametrize(("policy", "sentence", "value", "holds", "decision"), CASES,
                         ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_a_value_streamed_word_by_word_never_goes_out(policies: dict[str, LoadedPolicy], policy: str,
                                                      sentence: str, value: str, holds: bool, decision: str) -> None:
    text = _reply(sentence)
    out = stream(policies[policy], words(text), holds=holds, every_chunk=True)
    _assert_never_leaked(out, text, value, decision)
    assert any(out.seen), "the stream released nothing before its end"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(CASES), data=st.data())
def test_a_value_in_randomly_cut_chunks_never_goes_out(policies: dict[str, LoadedPolicy],
                                                       case: tuple[str, str, str, bool, str], data: st.DataObject) -> None:
    policy, sentence, value, holds, decision = case
    text = _reply(sentence)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(text) - 1), max_size=24))))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    _assert_never_leaked(stream(policies[policy], pieces, holds=holds, every_chunk=True), text, value, decision)
