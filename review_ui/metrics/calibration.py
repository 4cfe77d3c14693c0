"""Calibration: how well each check and rule agrees with reviewers, and what to change.

Per policy, check and rule, over decided items:

- `flags`: decided items where the rule fired;
- `confirmed`: of those, items the reviewer treated as the rule did: edited or rejected when
  the rule held or blocked; approved (the fix accepted) or rejected when it only fixed;
- `overridden`: the rest (approved unchanged although held or blocked; edited after a fix);
- `precision`: confirmed ÷ flags;
- `missed` and `miss_rate`: audit samples (items the checks alone would have released) that
  reviewers edited or rejected with this rule's name as the reason code ÷ the policy's
  decided audit samples.

A suggestion is made only with at least `min_evidence` flags (or two misses), and always
states the counts it rests on. Each flag's score, and the figure its finding quotes (the
first number in it), are kept on the confirmed or the overridden side: the evidence
`review_ui.metrics.tuning` turns into a threshold.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import col, select

from proxy.store.database import Store
from proxy.store.models import Decision, Interaction, ReviewItem, ruling

DECIDED = ("approved", "edited", "rejected")
AUTO_RELEASED = ("allow", "fix")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class RuleStats:
    policy: str
    check: str
    rule: str
    flags: int = 0
    confirmed: int = 0
    overridden: int = 0
    rejected: int = 0
    missed: int = 0
    audit_samples: int = 0
    scores_confirmed: list[float] = field(default_factory=list)
    scores_overridden: list[float] = field(default_factory=list)
    values_confirmed: list[float] = field(default_factory=list)
    values_overridden: list[float] = field(default_factory=list)

    def count(self, finding: dict[str, Any], confirmed: bool) -> None:
        """One more flag, on the confirmed or the overridden side."""
        self.flags += 1
        self.confirmed += confirmed
        self.overridden += not confirmed
        score = finding.get("score")
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            (self.scores_confirmed if confirmed else self.scores_overridden).append(float(score))
        figure = NUMBER.search(str(finding.get("text") or "").replace(",", ""))
        if figure:
            (self.values_confirmed if confirmed else self.values_overridden).append(float(figure.group()))

    @property
    def precision(self) -> float | None:
        return round(self.confirmed / self.flags, 4) if self.flags else None

    @property
    def miss_rate(self) -> float | None:
        return round(self.missed / self.audit_samples, 4) if self.audit_samples else None

    def suggestion(self, min_evidence: int) -> str:
        if self.missed >= 2 and (self.miss_rate or 0) > 0.02:
            return (f"tighten: lower the threshold or widen the rule (missed {self.missed} of {self.audit_samples} "
                    "audit samples)")
        if self.flags < min_evidence:
            return f"keep (only {self.flags} flags; {min_evidence} needed for a suggestion)"
        if (self.precision or 0) < 0.5:
            return (f"relax: raise the threshold or hold less ({self.overridden} of {self.flags} flags were overridden)")
        if self.rejected == self.flags:
            return f"block instead of hold (all {self.flags} flagged items were rejected)"
        return f"keep (precision {self.precision:.2f} over {self.flags} flags)"


def _confirms(action: str, status: str) -> bool:
    if action == "fix":
        return status in ("approved", "rejected")
    return status in ("edited", "rejected")


def calibrate(store: Store, policy: str | None = None) -> list[RuleStats]:
    where: list[ColumnElement[bool]] = [col(ReviewItem.status).in_(DECIDED), col(ReviewItem.gold).is_(False)]
    if policy:
        where.append(col(ReviewItem.policy) == policy)
    stats: dict[tuple[str, str], RuleStats] = {}
    audit_samples: dict[str, int] = defaultdict(int)
    misses: dict[tuple[str, str], int] = defaultdict(int)
    with store.session() as s:
        by_item: dict[int, list[Decision]] = defaultdict(list)
        for d in s.exec(select(Decision).join(ReviewItem, col(ReviewItem.id) == Decision.review_id).where(*where)
                        .order_by(col(Decision.id))):
            by_item[d.review_id].append(d)
        final_reason = {review_id: final.reason_code for review_id, ds in by_item.items()
                        if (final := ruling(ds)) is not None}
        rows = s.exec(select(ReviewItem, Interaction.findings).join(Interaction, col(Interaction.id) == ReviewItem.interaction_id)
                      .where(*where).execution_options(yield_per=1000))
        for item, findings in rows:
            review_id, pol, guard, status = item.id or 0, item.policy, item.decision, item.status
            fired = {(str(f.get("check")), str(f.get("rule"))): f for f in findings or []}
            for (check, rule), finding in fired.items():
                entry = stats.setdefault((pol, rule), RuleStats(pol, check, rule))
                entry.count(finding, _confirms(str(finding.get("action")), status))
                entry.rejected += status == "rejected"
            if guard in AUTO_RELEASED:
                audit_samples[pol] += 1
                if status in ("edited", "rejected") and review_id in final_reason:
                    misses[pol, final_reason[review_id]] += 1
    for (pol, rule), n in misses.items():
        stats.setdefault((pol, rule), RuleStats(pol, "?", rule)).missed = n
    for entry in stats.values():
        entry.audit_samples = audit_samples[entry.policy]
    return sorted(stats.values(), key=lambda e: (e.policy, e.check, e.rule))
