"""Review metrics and agreement on a fixed, hand-computed fixture; agreement checked against
scikit-learn's `cohen_kappa_score` and the `krippendorff` package."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from proxy.store.database import Store
from proxy.store.models import Decision, Interaction, ReviewItem
from review_ui.metrics.agreement import cohen_kappa, krippendorff_alpha
from review_ui.metrics.figures import Window, compute
from tests.conftest import run_cli, write_config

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday: ISO week 2026-W02


def _finding(check: str, rule: str) -> dict[str, Any]:
    return {"check": check, "rule": rule, "severity": "high", "action": "hold"}


# interaction: (guard decision, findings); item: (interaction, status, minutes to decision or None,
# [(reviewer, action, reason)], independent decisions wanted) — see the expected figures below for the
# arithmetic. Items 0-2 are blind overlap items (two independent decisions).
INTERACTIONS = [
    ("hold", [_finding("compliance", "unauthorized_discount")]),
    ("hold", [_finding("compliance", "unauthorized_discount"), _finding("pii", "EMAIL_ADDRESS")]),
    ("fix", [_finding("pii", "EMAIL_ADDRESS")]),
    ("allow", []),
    ("allow", []),
    ("block", [_finding("brand", "competitor_mention")]),
]
ITEMS = [
    (0, "rejected", 10, [(2, "reject", "wrong"), (1, "approve", "ok")], 2),  # the first decision is the item's
    (1, "edited", 30, [(2, "edit", "tone"), (1, "edit", "discount")], 2),
    (2, "approved", 90, [(1, "approve", "ok"), (2, "approve", "ok")], 2),  # after its 60-minute SLA
    (3, "rejected", 20, [(3, "reject", "wrong")], 1),  # an audit sample the checks missed
    (4, "approved", 40, [(3, "escalate", "unsure"), (1, "approve", "ok")], 1),
    (5, "pending", None, [], 1),  # open past its SLA
]
EXPECTED = {
    "interactions": 6, "flagged": 4, "flag_rate": 0.6667,
    "flag_rate_by_rule": {"brand/competitor_mention": 0.1667, "compliance/unauthorized_discount": 0.3333,
                          "pii/EMAIL_ADDRESS": 0.3333},
    "decided": 5, "approved": 2, "edited": 1, "rejected": 2,
    "correction_rate": 0.2, "rejection_rate": 0.4, "escalation_rate": 0.2,
    "override_rate": 0.2,  # only the audit sample rejected although the checks allowed it
    "audit_samples": 3, "audit_miss_rate": 0.3333,  # the fixed and the two allowed items; one rejected
    "review_latency_p50_s": 1800.0,  # 600, 1200, 1800, 2400, 5400 s
    "review_latency_p90_s": 4200.0,  # 2400 + 0.6 · (5400 − 2400)
    "cycle_time_p50_s": 1800.0,
    "sla_misses": 2,
    "throughput": {"r1@example.com": 4, "r2@example.com": 3, "r3@example.com": 2},
    "reasons_by_week": {"2026-W02": {"ok": 2, "tone": 1, "wrong": 2}},
    # three items with two reviewers: r1 [approve, edit, approve], r2 [reject, edit, approve]
    # κ: observed 2/3, chance 2/3·1/3 + 1/3·1/3 = 1/3 -> 0.5
    # α: coincidences a-r 2, e-e 2, a-a 2; n = 6, n_a 3, n_r 1, n_e 2 -> 1 − 5·2/22 = 0.5455
    "agreement": {"p1": {"cohen_kappa": 0.5, "krippendorff_alpha": 0.5455, "items": 3}},
    "disagreements": [{"policy": "p1", "review_id": 1, "actions": {"1": "approve", "2": "reject"}}],
}


@pytest.fixture
def seeded(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'metrics.db'}")
    app, _ = store.create_app_key("a1", "p1", "review", "wait")
    for n in (1, 2, 3):
        store.create_user(f"r{n}@example.com", "lead" if n == 1 else "reviewer")
    with store.session() as s:
        interactions = [Interaction(app_id=app.id or 0, created_at=T0, state="completed", decision=d, findings=f)
                        for d, f in INTERACTIONS]
        s.add_all(interactions)
        s.flush()
        for index, status, minutes, decisions, overlap in ITEMS:
            item = ReviewItem(interaction_id=interactions[index].id or 0, app_id=app.id or 0, policy="p1",
                              mode="review", decision=INTERACTIONS[index][0], status=status, created_at=T0,
                              sla_deadline=T0 + timedelta(minutes=60),
                              decided_at=T0 + timedelta(minutes=minutes) if minutes else None,
                              overlap=overlap, blind_decisions=len(decisions) if overlap > 1 else 0)
            s.add(item)
            s.flush()
            for step, (reviewer, action, reason) in enumerate(decisions):
                kind = "overlap" if overlap > 1 and step else "decision"
                s.add(Decision(review_id=item.id or 0, reviewer_id=reviewer, action=action, reason_code=reason,
                               created_at=T0 + timedelta(minutes=step + 1), kind=kind))
        s.commit()
    return store


def test_figures_match_the_hand_computed_values(seeded: Store) -> None:
    figures = compute(seeded, Window(), now=T0 + timedelta(hours=2))
    for key, expected in EXPECTED.items():
        assert figures[key] == expected, key
    assert figures["reason_agreement"]["p1"]["items"] == 3
    assert figures["agreement_by_pair"] == [{"policy": "p1", "reviewers": [1, 2], "items": 3, "cohen_kappa": 0.5}]


def test_the_window_and_policy_filters_narrow_every_figure(seeded: Store) -> None:
    early = compute(seeded, Window(until=T0 + timedelta(minutes=25)), now=T0 + timedelta(hours=2))
    assert (early["decided"], early["rejected"], early["rejection_rate"]) == (2, 2, 1.0)
    other = compute(seeded, Window(policy="p2"), now=T0 + timedelta(hours=2))
    assert (other["interactions"], other["decided"], other["flag_rate"], other["agreement"]) == (0, 0, None, {})
    ungranted = compute(seeded, Window(app_ids=frozenset()), now=T0 + timedelta(hours=2))
    assert (ungranted["interactions"], ungranted["decided"], ungranted["sla_misses"], ungranted["throughput"]) == \
        (0, 0, 0, {})


def test_metrics_json_has_the_documented_keys_and_the_table_names_each_share(seeded: Store, tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'metrics.db'}")
    figures = json.loads(run_cli(config, "metrics", "--json", "--policy", "p1").stdout)
    for key in ("flag_rate", "correction_rate", "override_rate", "rejection_rate", "review_latency_p50_s",
                "review_latency_p90_s", "sla_misses", "escalation_rate", "audit_miss_rate", "agreement"):
        assert key in figures
    assert figures["agreement"]["p1"] == EXPECTED["agreement"]["p1"]
    table = run_cli(config, "metrics").stdout
    assert "edited ÷ decided items" in table and "correction_rate" in table
    bad = run_cli(config, "metrics", "--since", "soon", check=False)
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0 and "bad date for --since" in bad.stderr


RATINGS = [  # (rater A, rater B)
    (["a", "a", "b", "b", "c"], ["a", "b", "b", "b", "c"]),
    (["approve", "reject", "edit", "approve"], ["approve", "reject", "approve", "approve"]),
    (["x", "y"] * 5, ["y", "x"] * 5),
]


@pytest.mark.parametrize(("first", "second"), RATINGS)
def test_cohen_kappa_matches_scikit_learn(first: list[str], second: list[str]) -> None:
    assert cohen_kappa(first, second) == pytest.approx(cohen_kappa_score(first, second))


def _library_alpha(units: list[list[str | None]]) -> float:
    labels = sorted({v for unit in units for v in unit if v is not None})
    data = np.array([[np.nan if unit[r] is None else labels.index(unit[r]) for unit in units]
                     for r in range(len(units[0]))], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


@pytest.mark.parametrize("units", [
    [["a", "a", None], ["a", "b", "b"], [None, "c", "c"], ["b", "b", "b"], ["a", None, None]],
    [["approve", "approve"], ["edit", "edit"], ["approve", "reject"]],
])
def test_krippendorff_alpha_matches_the_krippendorff_package_with_missing_values(units: list[list[str | None]]) -> None:
    ours = krippendorff_alpha([[v for v in unit if v is not None] for unit in units])
    assert ours == pytest.approx(_library_alpha(units))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=3, max_size=3), min_size=2, max_size=12))
def test_krippendorff_alpha_agrees_with_the_package_on_random_data(units: list[list[str | None]]) -> None:
    present = [[v for v in unit if v is not None] for unit in units]
    ours = krippendorff_alpha(present)
    if ours is None:  # undefined: one label only, or nothing pairable
        return
    assert ours == pytest.approx(_library_alpha(units))
