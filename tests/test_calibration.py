"""`loopguard calibrate` on a fixed fixture (and `--write` round-tripping a policy file), and
`loopguard playbook add` on an item decided through the real proxy and review API."""

from __future__ import annotations

import difflib
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from proxy.store.database import Store
from proxy.store.models import Decision, Interaction, ReviewItem
from review_ui.metrics.calibration import calibrate
from tests.conftest import BIN, ROOT, Proxy, run_cli, write_config
from tests.review_helpers import app_key, deferred

pytestmark = pytest.mark.timeout(300)

# (check, rule, action the rule asked for, guard decision, [final status per item], reason code)
ITEMS: list[tuple[str, str, str, str, list[str], str]] = [
    ("compliance", "discount", "hold", "hold", ["approved"] * 3 + ["rejected"] * 7, "discount"),
    ("brand", "claim", "hold", "hold", ["rejected"] * 10, "claim"),
    ("guardrails", "shouting", "hold", "hold", ["approved"] * 8 + ["edited"] * 2, "tone"),
    ("pii", "EMAIL_ADDRESS", "fix", "fix", ["approved", "approved"], "ok"),
    ("", "", "", "allow", ["rejected", "rejected", "approved", "approved"], "competitor"),  # audit samples
]
# rule: (flags, confirmed, overridden, precision, missed, start of the suggestion)
EXPECTED = {
    "discount": (10, 7, 3, 0.7, 0, "keep (precision 0.70 over 10 flags)"),
    "claim": (10, 10, 0, 1.0, 0, "block instead of hold (all 10 flagged items were rejected)"),
    "shouting": (10, 2, 8, 0.2, 0, "relax: raise the threshold or hold less (8 of 10 flags were overridden)"),
    "EMAIL_ADDRESS": (2, 2, 0, 1.0, 0, "keep (only 2 flags; 10 needed for a suggestion)"),
    "competitor": (0, 0, 0, None, 2, "tighten: lower the threshold or widen the rule (missed 2 of 6 audit samples)"),
}


def _seed(store: Store) -> None:
    app, _ = store.create_app_key("cal", "p1", "review", "wait")
    reviewer, _ = store.create_user("cal@example.com", "reviewer")
    action = {"approved": "approve", "edited": "edit", "rejected": "reject"}
    with store.session() as s:
        for check, rule, rule_action, guard, statuses, reason in ITEMS:
            for status in statuses:
                findings: list[dict[str, Any]] = [{"check": check, "rule": rule, "action": rule_action}] if rule else []
                interaction = Interaction(app_id=app.id or 0, decision=guard, findings=findings)
                s.add(interaction)
                s.flush()
                item = ReviewItem(interaction_id=interaction.id or 0, app_id=app.id or 0, policy="p1", mode="review",
                                  decision=guard, status=status)
                s.add(item)
                s.flush()
                s.add(Decision(review_id=item.id or 0, reviewer_id=reviewer.id or 0, action=action[status],
                               reason_code=reason))
        s.commit()


def test_calibration_counts_precision_misses_and_suggestions(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'cal.db'}")
    _seed(store)
    rows = {r.rule: r for r in calibrate(store, "p1")}
    assert set(rows) == set(EXPECTED)
    for rule, (flags, confirmed, overridden, precision, missed, suggestion) in EXPECTED.items():
        r = rows[rule]
        assert (r.flags, r.confirmed, r.overridden, r.precision, r.missed) == (flags, confirmed, overridden, precision,
                                                                             missed), rule
        assert r.suggestion(10) == suggestion
    assert calibrate(store, "other") == []
    config = write_config(tmp_path, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'cal.db'}")
    table = run_cli(config, "calibrate", "--policy", "p1").stdout
    assert "block instead of hold" in table and "precision = confirmed ÷ flags" in table


def test_playbook_add_turns_a_rejected_item_into_a_masked_example_that_policy_test_runs(proxy: Proxy,
                                                                                        tmp_path: Path) -> None:
    app_key(proxy, "pb-app")
    review_id = deferred(proxy, "pb-app", "REPLY: Unlike Initech, we ship weekly. Mail jane.doe@example.com.")
    api = proxy.review_api(proxy.user_token("pb-reviewer@example.com", "reviewer"))
    assert api.post(f"/reviews/{review_id}/decision", json={"action": "reject", "reason_code": "competitor_mention"}
                    ).status_code == 200
    config = write_config(tmp_path, "http://127.0.0.1:9", database_url=f"sqlite:///{proxy.db}")
    out = run_cli(config, "playbook", "add", str(review_id)).stdout
    assert "expect=hold rules=competitor_mention; passes now" in out
    policy_file = tmp_path / "policies" / "sales-email.yaml"
    text = policy_file.read_text()
    assert "jane.doe@example.com" not in text
    shipped = (Path(__file__).parents[1] / "policies" / "sales-email.yaml").read_text()
    assert text.startswith(shipped.rstrip("\n"))  # appended in place: the file's layout is kept
    added = yaml.safe_load(text)["playbook"][-1]
    assert added["text"] == "Unlike Initech, we ship weekly. Mail <EMAIL_ADDRESS>."
    assert added["expect"] == "hold" and added["rules"] == ["competitor_mention"]
    assert f"review {review_id}: reject (competitor_mention)" in added["note"]
    assert run_cli(config, "policy", "test", "sales-email").returncode == 0
    not_decided = run_cli(config, "playbook", "add", "999999", check=False)
    assert not_decided.returncode == 1 and "not a decided item" in not_decided.stderr


# (check, rule, rule's action, guard decision, [(final status, finding score, quoted figure)], reason code)
WRITE_ITEMS: list[tuple[str, str, str, str, list[tuple[str, float, str]], str]] = [
    ("compliance", "unauthorized_discount", "hold", "hold",
     [("approved", 1.0, "25%")] * 6 + [("approved", 1.0, "22%")] * 2 + [("rejected", 1.0, "35%")] * 2,
     "unauthorized_discount"),  # precision 0.2: reviewers approve up to 25% -> hold_above 20 -> 25
    ("brand", "prohibited_claim", "hold", "hold", [("rejected", 1.0, "guarantee")] * 10, "prohibited_claim"),
    ("brand", "competitor_mention", "hold", "hold", [("rejected", 1.0, "Initech")] * 10, "competitor_mention"),
    ("pii", "PHONE_NUMBER", "fix", "fix", [("edited", 0.6, "")] * 8 + [("approved", 0.9, "")] * 2, "tone"),
    ("guardrails", "shouting", "hold", "hold", [("approved", 1.0, "")] * 3, "approved_as_is"),  # too few flags
]
WRITTEN = [  # (path into the policy, value after calibrate --write)
    (("checks", "compliance", "numbers", 0, "hold_above"), 25),
    (("checks", "compliance", "numbers", 0, "block_above"), 40),  # untouched
    (("checks", "brand", "phrases", 0, "action"), "block"),
    (("checks", "brand", "competitor_action"), "block"),
    (("checks", "pii", "score_threshold"), 0.61),  # just above the overridden 0.6, below the confirmed 0.9
    (("checks", "guardrails", "validators", 0, "action"), "hold"),
]


def _seed_sales(store: Store) -> None:
    app, _ = store.create_app_key("cal-w", "sales-email", "review", "wait")
    reviewer, _ = store.create_user("calw@example.com", "reviewer")
    action = {"approved": "approve", "edited": "edit", "rejected": "reject"}
    with store.session() as s:
        for check, rule, rule_action, guard, outcomes, reason in WRITE_ITEMS:
            for status, score, figure in outcomes:
                finding = {"check": check, "rule": rule, "action": rule_action, "score": score, "text": figure}
                interaction = Interaction(app_id=app.id or 0, decision=guard, findings=[finding])
                s.add(interaction)
                s.flush()
                item = ReviewItem(interaction_id=interaction.id or 0, app_id=app.id or 0, policy="sales-email",
                                  mode="review", decision=guard, status=status)
                s.add(item)
                s.flush()
                s.add(Decision(review_id=item.id or 0, reviewer_id=reviewer.id or 0, action=action[status],
                               reason_code=reason))
        s.commit()


def _calibrate(config: Path, *args: str, answer: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([str(BIN / "loopguard"), "calibrate", "--policy", "sales-email", "--write", *args,
                           "--config", str(config)], input=answer, capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_calibrate_write_shows_the_diff_asks_then_edits_the_policy_keeping_its_comments(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'calw.db'}")
    _seed_sales(store)
    config = write_config(tmp_path, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'calw.db'}")
    target = tmp_path / "policies" / "sales-email.yaml"
    shipped = (ROOT / "policies" / "sales-email.yaml").read_text()
    target.write_text("# our sales policy: edited by hand, keep this comment\n" + shipped)

    declined = _calibrate(config, answer="n\n")
    assert declined.returncode == 0, declined.stderr
    assert "-        hold_above: 20" in declined.stdout and "+        hold_above: 25" in declined.stdout
    assert "8 of 10 flags up to 25 were approved unchanged; the lowest corrected was 35" in declined.stdout
    assert "nothing written" in declined.stdout and target.read_text().startswith("# our sales policy")
    assert "hold_above: 20" in target.read_text()

    written = _calibrate(config, "--yes")
    assert written.returncode == 0, written.stderr
    text = target.read_text()
    assert text.startswith("# our sales policy: edited by hand, keep this comment\n")
    lines = list(difflib.ndiff(shipped.splitlines(), text.splitlines()[1:]))
    assert [line for line in lines if line.startswith("- ")] == [
        "-         hold_above: 20", "-     competitor_action: hold", "-         action: hold"]  # all else as it was
    assert "+     score_threshold: 0.61" in lines
    data = yaml.safe_load(text)
    for path, expected in WRITTEN:
        node: Any = data
        for key in path:
            node = node[key]
        assert node == expected, path
    assert [e.action for e in store.audit_trail("policy:sales-email")] == ["policy.calibrate"]

    again = _calibrate(config, "--yes")  # the round trip: nothing more is pinned down
    assert again.returncode == 0 and "nothing written" in again.stdout and target.read_text() == text
