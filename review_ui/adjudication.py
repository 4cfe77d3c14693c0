"""Disagreements among the blind overlap decisions of an item, and a lead's adjudication.

An overlap item (`review_ui.overlap`) whose independent decisions are all in is a
disagreement when its reviewers' final decisions differ in action or reason code. A lead
(or admin) rules on it: the winning action, text (for an edit), reason code and a note. The
ruling is a `Decision` of kind `adjudication`, recorded in the audit log; it changes nothing
an app already received, and it is the decision exports build their records from
(`proxy.store.models.ruling`). A later ruling replaces an earlier one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import col, select

from proxy.gateway import Gateway
from proxy.http.errors import ApiError
from proxy.review.holds import released_after
from proxy.store.database import Store
from proxy.store.models import FINAL_ACTIONS, App, Decision, ReviewItem
from review_ui import decisions, overlap
from review_ui.accounts.access import Viewer

LIMIT = 200


@dataclass(frozen=True)
class Disagreement:
    item: ReviewItem
    app: str
    votes: list[Decision]  # each reviewer's own final decision, in the order they came
    ruling: Decision | None  # the latest adjudication, if a lead gave one


def complete(item: ReviewItem) -> bool:
    """An overlap item with all its independent decisions in."""
    return item.overlap > 1 and item.blind_decisions >= item.overlap


def disagreements(store: Store, app_ids: Collection[int] | None, open_only: bool = True,
                  limit: int = LIMIT) -> list[Disagreement]:
    """Complete overlap items whose reviewers disagree, newest first; `open_only` leaves out
    the ones a lead already ruled on. `app_ids` None: every app."""
    query = select(ReviewItem).where(col(ReviewItem.overlap) > 1,
                                     col(ReviewItem.blind_decisions) >= col(ReviewItem.overlap))
    if app_ids is not None:
        query = query.where(col(ReviewItem.app_id).in_(sorted(app_ids)))
    out: list[Disagreement] = []
    with store.session() as s:
        names = {a.id: a.name for a in s.exec(select(App))}
        for item in s.exec(query.order_by(col(ReviewItem.id).desc()).execution_options(yield_per=500)):
            decided = list(s.exec(select(Decision).where(Decision.review_id == item.id).order_by(col(Decision.id))))
            cast = overlap.votes(decided)
            rulings = [d for d in decided if d.kind == "adjudication"]
            if not overlap.disagree(cast) or (open_only and rulings):
                continue
            out.append(Disagreement(item, names.get(item.app_id, "?"), cast, rulings[-1] if rulings else None))
            if len(out) >= limit:
                break
    return out


def adjudicate(gw: Gateway, viewer: Viewer, review_id: int, ruling: decisions.DecisionIn) -> Decision:
    """Records a lead's ruling on a disagreement; an `ApiError` says why it cannot be."""
    if not viewer.is_lead:
        raise ApiError(403, "Only a lead or admin adjudicates disagreements.", "forbidden")
    item = decisions.visible_item(gw, viewer, review_id)
    if not complete(item) or overlap.collecting(item):
        raise ApiError(409, f"Review {review_id} is not an overlap item with all its independent decisions in.",
                       "not_adjudicable")
    if not overlap.disagree(overlap.votes(gw.store.decisions_for(review_id))):
        raise ApiError(409, f"The reviewers of review {review_id} agree; there is nothing to adjudicate.",
                       "not_adjudicable")
    if ruling.action not in FINAL_ACTIONS:
        raise ApiError(400, "An adjudication approves, edits or rejects.", "invalid_action", "action")
    loaded = gw.policies.get(item.policy)
    interaction = gw.store.get_interaction(item.interaction_id)
    if loaded is None or interaction is None:
        raise ApiError(500, f"Review {review_id}'s policy or interaction is not available.", "policy_not_loaded")
    chosen, ranking = decisions.validated(loaded.policy, interaction, ruling)
    released_after(loaded, interaction, ruling.action, chosen, ruling.edited_text)  # an edit must pass the policy
    message = interaction.candidates[chosen]["message"] if interaction.candidates else {}
    original = message.get("content") if isinstance(message.get("content"), str) else None
    record = Decision(review_id=review_id, reviewer_id=viewer.id, action=ruling.action, reason_code=ruling.reason_code,
                      note=ruling.note.strip(), candidate_index=chosen, original_text=original,
                      edited_text=ruling.edited_text if ruling.action == "edit" else None, ranking=ranking,
                      kind="adjudication")
    with gw.store.session() as s:
        s.add(record)
        s.commit()
    gw.store.audit(f"user:{viewer.id}", "review.adjudicate", f"review:{review_id}",
                   {"action": ruling.action, "reason_code": ruling.reason_code, "note": record.note})
    return record
