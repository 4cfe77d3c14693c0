"""Opening, claiming and deciding review items: the one code path that the web pages, the
JSON API and the CLI all call.

A decision is checked in this order, and the first failure is an `ApiError` that says what
to do: the item exists and is visible to the user (404 otherwise, also for other tenants'
items), the role may decide (403), the item is still open (409 naming who decided it and
when), escalated items are for leads (403), nobody else holds a live claim (409 naming
them), the reason code belongs to the policy's taxonomy for this action (400), the chosen
candidate and ranking are valid (400), an edit passes the policy (409 `edit_blocked`). The
store then applies it only to the state that was read (first writer wins); losing that race
is a 409 saying what happened instead.

Two-person items (a `two_person` tier in `command` mode) need two distinct approvers: the
first approval (or an edit) records what would be released and puts the item back in the
queue; an approval by anyone else releases exactly that. A final decision is announced on
the app's webhook.

An overlap item (`review_ui.overlap`) is decided as usual the first time; the decisions it
then collects from other reviewers are recorded blind and release nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from proxy.gateway import Gateway
from proxy.http.errors import ApiError
from proxy.policy import LoadedPolicy, Policy, ReasonCode
from proxy.review import webhooks
from proxy.review.holds import released_after
from proxy.store.models import FINAL_ACTIONS, Decision, Interaction, ReviewItem, utcnow
from review_ui import drafts, overlap, queue
from review_ui.accounts.access import Viewer

ACTIONS = ("approve", "edit", "reject", "escalate")
NEW_STATUS = {"approve": "approved", "edit": "edited", "reject": "rejected", "escalate": "escalated"}
DECIDED = ("approved", "edited", "rejected", "expired")
RECORDED = "recorded"  # the outcome of a blind overlap decision: kept, acted on by nothing
MAX_EDIT_CHARS = 100_000


@dataclass(frozen=True)
class DecisionIn:
    """A reviewer's decision as any front door received it. `candidate_index` None means
    "not chosen": fine with one candidate, an error with several unless `ranking` is given."""

    action: str
    reason_code: str
    note: str = ""
    edited_text: str | None = None
    candidate_index: int | None = None
    ranking: list[int] | None = None


@dataclass(frozen=True)
class Outcome:
    review_id: int
    status: str
    reason_code: str
    awaiting_second_approval: bool = False


def reason_codes_for(policy: Policy, action: str) -> list[ReasonCode]:
    return [r for r in policy.reason_codes if action in r.applies_to]


def visible_item(gw: Gateway, viewer: Viewer, review_id: int) -> ReviewItem:
    item = gw.store.get_review(review_id)
    if item is None or not viewer.sees(item.app_id):
        raise ApiError(404, f"No review {review_id}.", "review_not_found")
    return item


def live_claimer(gw: Gateway, item: ReviewItem) -> int | None:
    """The user holding a live claim on the item, if any."""
    if item.status != "claimed" or item.claimed_by is None or item.claimed_at is None:
        return None
    if item.claimed_at < utcnow() - timedelta(seconds=gw.settings.claim_timeout_s):
        return None
    return item.claimed_by


def claim_expires_at(gw: Gateway, item: ReviewItem) -> datetime | None:
    return item.claimed_at + timedelta(seconds=gw.settings.claim_timeout_s) if item.claimed_at else None


def view(gw: Gateway, viewer: Viewer, review_id: int, claim: bool = True) -> ReviewItem:
    """Opens an item for the viewer: recorded in the audit log, and claimed when they could
    decide it now (an item claimed by someone else stays theirs)."""
    item = visible_item(gw, viewer, review_id)
    gw.store.audit(f"user:{viewer.id}", "review.view", f"review:{review_id}", {})
    if claim and viewer.can_decide and item.status in ("pending", "claimed") and item.first_approver_id != viewer.id:
        already_mine = live_claimer(gw, item) == viewer.id
        if gw.store.claim_review(review_id, viewer.id, gw.settings.claim_timeout_s) and not already_mine:
            gw.store.audit(f"user:{viewer.id}", "review.claim", f"review:{review_id}", {})
        item = gw.store.get_review(review_id) or item
    return item


def claim(gw: Gateway, viewer: Viewer, review_id: int) -> ReviewItem:
    """An explicit claim (the JSON API): 409 when the item is not claimable by this user."""
    item = visible_item(gw, viewer, review_id)
    if not viewer.can_decide:
        raise ApiError(403, f"Role '{viewer.role}' cannot claim or decide reviews.", "forbidden")
    if overlap.collecting(item) and not overlap.has_decided(gw.store, review_id, viewer.id):
        return overlap.shown(item)  # nothing to claim: each reviewer decides it on their own
    if not gw.store.claim_review(review_id, viewer.id, gw.settings.claim_timeout_s):
        raise ApiError(409, f"Review {review_id} is not pending or is claimed by someone else. {_state(gw, item)}",
                       "not_claimable")
    gw.store.audit(f"user:{viewer.id}", "review.claim", f"review:{review_id}", {})
    return gw.store.get_review(review_id) or item


def claim_next(gw: Gateway, viewer: Viewer) -> ReviewItem:
    """Claims the most urgent item this user could decide now (the JSON API's "give me work")."""
    if not viewer.can_decide:
        raise ApiError(403, f"Role '{viewer.role}' cannot claim or decide reviews.", "forbidden")
    review_id = queue.claim_next(gw.store, viewer, gw.settings.claim_timeout_s)
    item = gw.store.get_review(review_id) if review_id is not None else None
    if item is None:
        raise ApiError(404, "Nothing in the queue for you to claim.", "queue_empty")
    gw.store.audit(f"user:{viewer.id}", "review.claim", f"review:{review_id}", {})
    return item


def release(gw: Gateway, viewer: Viewer, review_id: int) -> bool:
    visible_item(gw, viewer, review_id)
    released = gw.store.release_claim(review_id, viewer.id)
    if released:
        gw.store.audit(f"user:{viewer.id}", "review.release", f"review:{review_id}", {})
    return released


def decide(gw: Gateway, viewer: Viewer, review_id: int, decision: DecisionIn) -> Outcome:
    item = visible_item(gw, viewer, review_id)
    if overlap.collecting(item):
        return _decide_blind(gw, viewer, item, decision)
    allowed_from = _allowed_from(gw, viewer, item)
    loaded = _loaded(gw, item)
    interaction = gw.store.get_interaction(item.interaction_id)
    assert interaction is not None
    chosen, ranking = validated(loaded.policy, interaction, decision)
    record = _row(viewer, review_id, interaction, decision, chosen, ranking, "decision")
    status, released, extra = _effect(gw, viewer, item, interaction, decision, chosen)
    second_needed = "first_approver_id" in extra
    wanted = loaded.policy.overlap_for(review_id) if status in DECIDED and not (item.two_person or item.gold) else 1
    if wanted > 1:  # the first of several independent decisions
        extra = {**extra, "overlap": wanted, "blind_decisions": 1}
    if not gw.store.decide(item, record, status, released, allowed_from, extra):
        raise ApiError(409, f"Review {review_id} changed while you decided. {_state(gw, gw.store.get_review(review_id))}",
                       "already_decided")
    drafts.discard(gw.store, review_id, viewer.id)
    if status in DECIDED and not item.gold:
        webhooks.enqueue(gw.store, review_id, "review.decided")
    return Outcome(review_id, status, decision.reason_code, awaiting_second_approval=second_needed)


def _decide_blind(gw: Gateway, viewer: Viewer, item: ReviewItem, decision: DecisionIn) -> Outcome:
    """A later independent decision on an overlap item: checked like any other, recorded,
    and acted on by nothing (the app already has the first decision's result)."""
    review_id = item.id or 0
    if not viewer.can_decide:
        raise ApiError(403, f"Role '{viewer.role}' cannot decide reviews.", "forbidden")
    if overlap.has_decided(gw.store, review_id, viewer.id):
        raise ApiError(409, f"You already decided review {review_id}; it waits for other reviewers' independent "
                            "decisions. Nothing was changed.", "already_decided")
    if decision.action not in FINAL_ACTIONS:
        raise ApiError(400, "This item collects independent decisions: approve, edit or reject it.", "invalid_action",
                       "action")
    loaded = _loaded(gw, item)
    interaction = gw.store.get_interaction(item.interaction_id)
    assert interaction is not None
    chosen, ranking = validated(loaded.policy, interaction, decision)
    released_after(loaded, interaction, decision.action, chosen, decision.edited_text)  # an edit must pass the policy
    record = _row(viewer, review_id, interaction, decision, chosen, ranking, "overlap")
    if not overlap.record(gw.store, item, record):
        raise ApiError(409, f"Review {review_id} already has all its independent decisions. Nothing was changed.",
                       "already_decided")
    drafts.discard(gw.store, review_id, viewer.id)
    return Outcome(review_id, RECORDED, decision.reason_code)


def _row(viewer: Viewer, review_id: int, interaction: Interaction, decision: DecisionIn, chosen: int,
         ranking: list[int] | None, kind: str) -> Decision:
    original = _content(interaction.candidates[chosen]["message"]) if interaction.candidates else None
    return Decision(review_id=review_id, reviewer_id=viewer.id, action=decision.action,
                    reason_code=decision.reason_code, note=decision.note.strip(), candidate_index=chosen,
                    original_text=original, edited_text=decision.edited_text if decision.action == "edit" else None,
                    ranking=ranking, kind=kind)


def _loaded(gw: Gateway, item: ReviewItem) -> LoadedPolicy:
    loaded = gw.policies.get(item.policy)
    if loaded is None:
        raise ApiError(500, f"Review {item.id} uses policy '{item.policy}', which this server has not loaded.",
                       "policy_not_loaded")
    return loaded


def _allowed_from(gw: Gateway, viewer: Viewer, item: ReviewItem) -> tuple[str, ...]:
    """The item states this user may decide from, or an error saying why not."""
    if not viewer.can_decide:
        raise ApiError(403, f"Role '{viewer.role}' cannot decide reviews.", "forbidden")
    if item.status in DECIDED:
        raise ApiError(409, f"Review {item.id} was already decided: {_state(gw, item)} Nothing was changed.",
                       "already_decided")
    if item.status == "escalated" and not viewer.is_lead:
        raise ApiError(403, "This item was escalated; a lead or admin must decide it.", "escalated")
    holder = live_claimer(gw, item)
    if holder is not None and holder != viewer.id:
        raise ApiError(409, f"Review {item.id} is claimed by another reviewer. {_state(gw, item)}", "claimed_by_other")
    if item.two_person and item.first_approver_id == viewer.id:
        raise ApiError(409, f"You gave review {item.id} its first approval; a second reviewer must decide it.",
                       "second_approver_needed")
    return ("pending", "claimed", "escalated") if viewer.is_lead else ("pending", "claimed")


def validated(policy: Policy, interaction: Interaction, decision: DecisionIn) -> tuple[int, list[int] | None]:
    """(the chosen candidate, the ranking) of a decision that fits the policy and the
    interaction; an `ApiError` (400) says what does not."""
    _check_input(policy, decision)
    return _chosen(interaction, decision)


def _check_input(policy: Policy, decision: DecisionIn) -> None:
    if decision.action not in ACTIONS:
        raise ApiError(400, f"action must be one of: {', '.join(ACTIONS)}.", "invalid_action", "action")
    reason = policy.reason_code(decision.reason_code)
    if reason is None or decision.action not in reason.applies_to:
        codes = [r.code for r in reason_codes_for(policy, decision.action)]
        raise ApiError(400, f"Choose a reason for {decision.action}: reason_code '{decision.reason_code}' is not in "
                            f"policy '{policy.name}'s taxonomy for it; use one of: {', '.join(codes)}.",
                       "invalid_reason_code", "reason_code")
    if decision.action == "edit":
        text = decision.edited_text or ""
        if not text.strip():
            raise ApiError(400, "An edit needs the corrected text.", "invalid_request", "edited_text")
        if len(text) > MAX_EDIT_CHARS:
            raise ApiError(400, f"The edited text is longer than {MAX_EDIT_CHARS} characters.", "invalid_request",
                           "edited_text")


def _chosen(interaction: Interaction, decision: DecisionIn) -> tuple[int, list[int] | None]:
    """The candidate the decision is about, and the ranking (best first) when one was given."""
    count = max(len(interaction.candidates), 1)
    ranking = decision.ranking or None
    if ranking is not None:
        if len(set(ranking)) != len(ranking) or any(not 0 <= r < count for r in ranking):
            raise ApiError(400, f"ranking must list distinct candidate indexes below {count}.", "invalid_ranking",
                           "ranking")
        if decision.candidate_index is not None and decision.candidate_index != ranking[0]:
            raise ApiError(400, "candidate_index must be the first of the ranking.", "invalid_candidate",
                           "candidate_index")
        return ranking[0], ranking
    index = decision.candidate_index
    if index is None:
        if count > 1 and decision.action in ("approve", "edit"):
            raise ApiError(400, f"Rank the {count} candidates (keys 1–{min(count, 9)}) or pick one before you "
                                f"{decision.action}.", "candidate_required", "ranking")
        index = 0
    if not 0 <= index < count:
        raise ApiError(400, f"candidate_index must be below {count}.", "invalid_candidate", "candidate_index")
    return index, None


def _effect(gw: Gateway, viewer: Viewer, item: ReviewItem, interaction: Interaction, decision: DecisionIn,
            chosen: int) -> tuple[str, list[dict[str, Any]] | None, dict[str, Any]]:
    """(new status, what the app receives, other columns to set) for this decision."""
    if decision.action in ("reject", "escalate"):
        return NEW_STATUS[decision.action], None, {}
    if item.two_person and decision.action == "approve" and item.first_approver_id is not None:
        return _second_approval_status(gw, item), item.pending_release, {}
    released = released_after(gw.policies[item.policy], interaction, decision.action, chosen, decision.edited_text)
    if item.two_person:  # a first approval, or an edit that now awaits someone else's approval
        return "pending", None, {"first_approver_id": viewer.id, "pending_release": released,
                                 "claimed_by": None, "claimed_at": None}
    return NEW_STATUS[decision.action], released, {}


def _second_approval_status(gw: Gateway, item: ReviewItem) -> str:
    """A second approval releases what the first approved: "edited" if that was an edit."""
    releasing = [d for d in gw.store.decisions_for(item.id or 0) if d.action in ("approve", "edit")]
    return "edited" if releasing and releasing[-1].action == "edit" else "approved"


def _content(message: dict[str, Any]) -> str | None:
    content = message.get("content")
    return content if isinstance(content, str) else None


def _state(gw: Gateway, item: ReviewItem | None) -> str:
    """Who has the item now, and since when, in a sentence."""
    if item is None:
        return "It no longer exists."
    if overlap.collecting(item):
        return "It is collecting independent decisions from several reviewers."
    if item.status == "expired":
        return f"It timed out at {_at(item.decided_at)} (the policy's timeout action was applied)."
    if item.status in DECIDED or item.status == "escalated":
        last = next(iter(reversed(gw.store.decisions_for(item.id or 0))), None)
        if last is not None:
            who = gw.store.get_user(last.reviewer_id)
            return f"It was {item.status} by {who.email if who else 'user ' + str(last.reviewer_id)} at {_at(last.created_at)}."
        if item.sla_breached_at is not None:
            return f"It passed its SLA deadline and was moved up to the leads at {_at(item.sla_breached_at)}."
        return f"It is {item.status}."
    if item.status == "claimed" and item.claimed_by is not None:
        who = gw.store.get_user(item.claimed_by)
        return f"{who.email if who else 'Another reviewer'} claimed it at {_at(item.claimed_at)}."
    return f"It is {item.status}."


def _at(when: datetime | None) -> str:
    return f"{when:%Y-%m-%d %H:%M:%S} UTC" if when else "an unknown time"
