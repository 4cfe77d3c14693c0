"""The review process in figures, from stored interactions, items and decisions.

Every rate is a share of something stated beside it (and in `CAPTIONS`, which the terminal
table and the dashboard print):

- `flag_rate`: interactions the checks flagged (fixed, held or blocked) ÷ interactions
  started in the range; `flag_rate_by_rule` the same per `check/rule` that fired.
- `correction_rate`: items whose final decision was an edit ÷ items decided in the range.
- `override_rate`: decided items whose decision went against the check's suggestion ÷ items
  decided: approved unchanged although the checks held or blocked it, or edited or rejected
  although the checks let it through (allowed or only fixed it).
- `rejection_rate`: items rejected ÷ items decided.
- `escalation_rate`: decided items that were escalated on the way ÷ items decided.
- `audit_miss_rate`: audit samples (items the checks alone would have released: allowed or
  fixed) that reviewers edited or rejected ÷ audit samples decided: what the checks missed.
- `review_latency_p50_s`/`_p90_s`: seconds from hold to final decision, over items decided.
- `cycle_time_p50_s`: seconds from the app's request to release, over decided items an app
  was waiting for.
- `sla_misses`: items decided after their SLA deadline, plus open items already past it.
- `throughput`: decisions per reviewer in the range.
- `reviewers`: per reviewer, their decisions and their accuracy on gold items
  (`review_ui.metrics.gold`: gold items decided as the playbook expects ÷ gold items they
  decided), flagged when below the policy's floor.
- `agreement`: per policy, on the action of the blind overlap items (`review_ui.overlap`:
  decided independently by two or more reviewers; items several people touched in sequence
  do not count), `review_ui.metrics.agreement`; `reason_agreement` the same on reason codes;
  `agreement_by_pair` kappa per reviewer pair; `disagreements` the overlap items whose
  reviewers differ.
- `reasons_by_week`: final decisions per ISO week and reason code.

"Decided" means a person's final decision (approve, edit, reject) with `decided_at` in the
range; expired items are not decided. Gold items (`proxy.review.gold`) are not real traffic: they
count only in `reviewers`.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import col, select

from proxy.store.database import OPEN_STATUSES, Store
from proxy.store.models import App, Decision, Interaction, ReviewItem, ruling, utcnow
from review_ui.metrics import agreement, gold

DECIDED = ("approved", "edited", "rejected")
FLAGGED = ("fix", "hold", "block")
AUTO_RELEASED = ("allow", "fix")  # what the checks alone would have sent: reviewing it is an audit
CAPTIONS = {
    "flag_rate": "flagged (fixed, held or blocked) ÷ interactions",
    "correction_rate": "edited ÷ decided items",
    "override_rate": "decisions against the checks' suggestion ÷ decided items",
    "rejection_rate": "rejected ÷ decided items",
    "escalation_rate": "escalated on the way ÷ decided items",
    "audit_miss_rate": "audit samples edited or rejected ÷ audit samples decided",
    "review_latency_p50_s": "hold to decision, median seconds",
    "review_latency_p90_s": "hold to decision, 90th percentile seconds",
    "cycle_time_p50_s": "request to release of held items, median seconds",
    "sla_misses": "decided after the SLA deadline, or open past it",
}


@dataclass(frozen=True)
class Window:
    """The range, and whose items: one policy's, and the apps a viewer may see (None: all)."""

    since: datetime | None = None
    until: datetime | None = None
    policy: str | None = None
    app_ids: frozenset[int] | None = None

    def items(self) -> list[ColumnElement[bool]]:
        """Conditions on `ReviewItem` for the policy and the apps (gold items never count)."""
        out: list[ColumnElement[bool]] = [col(ReviewItem.gold).is_(False)]
        if self.policy:
            out.append(col(ReviewItem.policy) == self.policy)
        if self.app_ids is not None:
            out.append(col(ReviewItem.app_id).in_(sorted(self.app_ids)))
        return out


def _in(column: Any, window: Window) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if window.since is not None:
        out.append(column >= window.since)
    if window.until is not None:
        out.append(column < window.until)
    return out


def compute(store: Store, window: Window, now: datetime | None = None, floors: gold.Floors | None = None) -> dict[str, Any]:
    """Every figure for the window, as one JSON-ready object. `floors`: each policy's gold
    floor and minimum (`review_ui.metrics.gold`; the policy defaults when not given)."""
    now = now or utcnow()
    out: dict[str, Any] = {"since": _iso(window.since), "until": _iso(window.until), "policy": window.policy}
    out |= _flags(store, window)
    items, decisions = _decided(store, window)
    out |= _decision_rates(items, decisions)
    out["sla_misses"] = _sla_misses(store, window, items, now)
    out["throughput"] = _throughput(store, window)
    out["reviewers"] = _reviewers(store, window, out["throughput"], floors or {})
    out |= _agreement(items, decisions)
    return out


def _flags(store: Store, window: Window) -> dict[str, Any]:
    gold_interactions = select(ReviewItem.interaction_id).where(col(ReviewItem.gold).is_(True))
    query = select(Interaction.decision, Interaction.findings).where(*_in(col(Interaction.created_at), window),
                                                                      col(Interaction.id).not_in(gold_interactions))
    if window.policy:
        query = query.join(App, col(App.id) == Interaction.app_id).where(col(App.policy) == window.policy)
    if window.app_ids is not None:
        query = query.where(col(Interaction.app_id).in_(sorted(window.app_ids)))
    total, flagged = 0, 0
    rules: Counter[str] = Counter()
    with store.session() as s:
        for decision, findings in s.exec(query.execution_options(yield_per=1000)):
            total += 1
            if decision in FLAGGED:
                flagged += 1
                rules.update({f"{f.get('check')}/{f.get('rule')}" for f in findings or []})
    return {"interactions": total, "flagged": flagged, "flag_rate": _share(flagged, total),
            "flag_rate_by_rule": {k: _share(n, total) for k, n in sorted(rules.items())}}


def _decided(store: Store, window: Window) -> tuple[list[tuple[ReviewItem, datetime]], dict[int, list[Decision]]]:
    """Decided items with their request's time, and each one's decisions in order."""
    where = [col(ReviewItem.status).in_(DECIDED), *_in(col(ReviewItem.decided_at), window), *window.items()]
    with store.session() as s:
        items = [(item, at) for item, at in s.exec(
            select(ReviewItem, Interaction.created_at).join(Interaction, col(Interaction.id) == ReviewItem.interaction_id)
            .where(*where))]
        decisions: dict[int, list[Decision]] = defaultdict(list)
        for d in s.exec(select(Decision).join(ReviewItem, col(ReviewItem.id) == Decision.review_id).where(*where)
                        .order_by(col(Decision.id))):
            decisions[d.review_id].append(d)
    return items, decisions


def _decision_rates(items: list[tuple[ReviewItem, datetime]], decisions: dict[int, list[Decision]]) -> dict[str, Any]:
    statuses = Counter(item.status for item, _ in items)
    n = len(items)
    overrides = sum(_overrides(item) for item, _ in items)
    escalated = sum(any(d.action == "escalate" for d in decisions.get(item.id or 0, [])) for item, _ in items)
    audits = [item for item, _ in items if item.decision in AUTO_RELEASED]
    missed = sum(item.status in ("edited", "rejected") for item in audits)
    latency = [_seconds(item.created_at, item.decided_at) for item, _ in items]
    cycle = [_seconds(requested, item.decided_at) for item, requested in items if item.blocking]
    weeks: dict[str, Counter[str]] = defaultdict(Counter)
    for item, _ in items:
        final = _final(decisions.get(item.id or 0, []))
        if final is not None and item.decided_at is not None:
            year, week, _ = item.decided_at.isocalendar()
            weeks[f"{year}-W{week:02d}"][final.reason_code] += 1
    return {
        "decided": n, "approved": statuses["approved"], "edited": statuses["edited"], "rejected": statuses["rejected"],
        "correction_rate": _share(statuses["edited"], n), "override_rate": _share(overrides, n),
        "rejection_rate": _share(statuses["rejected"], n), "escalation_rate": _share(escalated, n),
        "audit_samples": len(audits), "audit_miss_rate": _share(missed, len(audits)),
        "review_latency_p50_s": _percentile(latency, 50), "review_latency_p90_s": _percentile(latency, 90),
        "cycle_time_p50_s": _percentile(cycle, 50),
        "reasons_by_week": {week: dict(sorted(codes.items())) for week, codes in sorted(weeks.items())},
    }


def _overrides(item: ReviewItem) -> bool:
    """The reviewer went against what the checks suggested (see the module's docstring)."""
    if item.decision in ("hold", "block"):
        return item.status == "approved"
    return item.status in ("edited", "rejected")


def _final(decisions: Iterable[Decision]) -> Decision | None:
    return ruling(list(decisions))


def _sla_misses(store: Store, window: Window, items: list[tuple[ReviewItem, datetime]], now: datetime) -> int:
    late = sum(1 for item, _ in items if item.sla_deadline and item.decided_at and
               _aware(item.decided_at) > _aware(item.sla_deadline))
    where = [col(ReviewItem.status).in_(OPEN_STATUSES), col(ReviewItem.sla_deadline) < now,
             *_in(col(ReviewItem.created_at), window), *window.items()]
    with store.session() as s:
        open_late = len(list(s.exec(select(ReviewItem.id).where(*where))))
    return late + open_late


def _throughput(store: Store, window: Window) -> dict[str, int]:
    """Decisions (escalations included) per reviewer's email in the range."""
    query = (select(Decision.reviewer_id).where(*_in(col(Decision.created_at), window))
             .join(ReviewItem, col(ReviewItem.id) == Decision.review_id).where(*window.items()))
    with store.session() as s:
        counts = Counter(s.exec(query))
    emails = store.emails(set(counts))
    return {emails.get(uid, f"user {uid}"): n for uid, n in counts.most_common()}


def _reviewers(store: Store, window: Window, throughput: dict[str, int], floors: gold.Floors) -> dict[str, Any]:
    """Per reviewer: decisions on real items, and their gold accuracy and flag."""
    measured = gold.reviewers(store, floors, window.since, window.until, window.policy, window.app_ids)
    blank: dict[str, Any] = {"gold_decisions": 0, "gold_right": 0, "gold_accuracy": None, "flagged": False, "flagged_policies": []}
    return {email: {"decisions": throughput.get(email, 0), **measured.get(email, blank)}
            for email in sorted(set(throughput) | set(measured))}


def _agreement(items: list[tuple[ReviewItem, datetime]], decisions: dict[int, list[Decision]]) -> dict[str, Any]:
    """Per policy: agreement on action and on reason code, per reviewer pair, and the items
    on which reviewers disagreed (for a lead to adjudicate); from blind overlap items only,
    each reviewer's own last final decision (a lead's adjudication is not a rating)."""
    actions: dict[str, dict[int, dict[int, str]]] = defaultdict(dict)
    reasons: dict[str, dict[int, dict[int, str]]] = defaultdict(dict)
    for item, _ in items:
        if item.overlap < 2:
            continue
        last = {d.reviewer_id: d for d in decisions.get(item.id or 0, [])
                if d.action in ("approve", "edit", "reject") and d.kind in ("decision", "overlap")}
        actions[item.policy][item.id or 0] = {r: d.action for r, d in last.items()}
        reasons[item.policy][item.id or 0] = {r: d.reason_code for r, d in last.items()}
    pairs = [{"policy": policy, "reviewers": list(pair), "items": n, "cohen_kappa": _round(kappa)}
             for policy, ratings in sorted(actions.items())
             for pair, (n, kappa) in sorted(agreement.by_rater_pair(ratings).items())]
    disagreements = [{"policy": policy, "review_id": review_id, "actions": {str(r): a for r, a in labels.items()}}
                     for policy, ratings in sorted(actions.items()) for review_id, labels in sorted(ratings.items())
                     if len(set(labels.values())) > 1]
    return {"agreement": {p: agreement.summary(r) for p, r in sorted(actions.items())},
            "reason_agreement": {p: agreement.summary(r) for p, r in sorted(reasons.items())},
            "agreement_by_pair": pairs, "disagreements": disagreements}


def _percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 3)


def _seconds(start: datetime | None, end: datetime | None) -> float:
    return (_aware(end) - _aware(start)).total_seconds() if start and end else 0.0


def _aware(when: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every stored time is UTC."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None
