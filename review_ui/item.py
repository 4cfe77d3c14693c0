"""What the item page shows, assembled from the stored interaction, the policy and the
audit log: the conversation, each candidate's checked fields with every finding marked in
place beside the guarded version, the request metadata, the tier and SLA, the playbook
examples of the rules that fired, the two-person state, and the item's history and
webhook deliveries. Plain data; the templates escape every string they print.

The playbook lists the examples of the rules that fired, unless the policy mixes them into
the queue as gold items (`proxy.review.gold`): then they are the answer key, shown on no item. While an overlap item collects independent decisions (`review_ui.overlap`), the page is
blind: it shows the item as pending, only the viewer's own decision and history, and no
webhook deliveries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from proxy import fields
from proxy.gateway import Gateway
from proxy.policy import PlaybookExample, Policy, ReasonCode, Tier
from proxy.review.webhooks import deliveries_for
from proxy.store.models import FINAL_ACTIONS, AuditEntry, Decision, ReviewItem, WebhookAttempt, WebhookDelivery
from review_ui import diff, highlight, overlap
from review_ui.accounts.access import masked_candidate
from review_ui.decisions import ACTIONS, claim_expires_at, live_claimer, reason_codes_for
from review_ui.prefs.masking import Masker

METADATA_FIRST = ("deal_value", "region", "channel")


@dataclass
class FieldView:
    """One checked text of a candidate (its reply, a tool call's arguments...)."""

    location: str
    runs: list[highlight.Run]
    guarded: list[diff.Piece] | None  # what the app gets, changes marked; None when dropped


@dataclass
class CandidateView:
    index: int
    fields: list[FieldView]
    marks: list[highlight.Mark]
    whole: list[highlight.Mark]  # findings not marked in a text: about the whole output
    original_text: str  # the reply text (for the diff of an edit)
    guarded_text: str  # the guarded reply text (seeds the editor)


@dataclass
class HistoryEntry:
    at: datetime
    who: str
    action: str
    details: dict[str, Any]


@dataclass
class ItemView:
    item: ReviewItem
    app_name: str
    frame_origins: list[str]
    policy: Policy
    tier: Tier
    conversation: list[tuple[str, str]]
    candidates: list[CandidateView]
    metadata: list[tuple[str, str]]
    model: str
    playbook: list[PlaybookExample]
    reasons: dict[str, list[ReasonCode]]
    decisions: list[tuple[Decision, str]]
    history: list[HistoryEntry]
    deliveries: list[tuple[WebhookDelivery, list[WebhookAttempt]]]
    claimer: str | None
    claimer_id: int | None
    claim_until: datetime | None
    first_approver: str | None
    pending_text: str | None
    fired_rules: list[str] = field(default_factory=list)
    decided_blind: bool = False  # the viewer gave their independent decision; others are still to come


def build(gw: Gateway, item: ReviewItem, masker: Masker | None = None, viewer_id: int | None = None) -> ItemView:
    """The item page's content; with a `masker` (a user who may not read raw text), the
    prompt masked and the candidates as guarded. Blind while it collects overlap decisions."""
    raw = masker is None
    interaction = gw.store.get_interaction(item.interaction_id)
    request = interaction.request if interaction else {}
    if masker is not None:
        request = masker.request(item.policy, request)
    loaded = gw.policies.get(item.policy)
    policy = loaded.policy if loaded else Policy.model_validate({"name": item.policy,
                                                                 "reason_codes": [{"code": "other", "label": "Other"}]})
    stored = interaction.candidates if interaction else []
    candidates = [_candidate(i, c if raw else masked_candidate(c)) for i, c in enumerate(stored)]
    fired = sorted({m.rule for c in candidates for m in c.marks})
    blind = overlap.collecting(item)
    decisions = overlap.visible_decisions(item, gw.store.decisions_for(item.id or 0), viewer_id)
    trail = overlap.visible_history(item, gw.store.audit_trail(f"review:{item.id}"), viewer_id)
    item = overlap.shown(item)
    emails = _emails(gw, item, decisions, trail)
    app = gw.store.get_app(item.app_id)
    holder = live_claimer(gw, item)
    return ItemView(
        item=item, app_name=app.name if app else "?", frame_origins=app.frame_origins if app else [],
        policy=policy, tier=_tier(policy, item.tier),
        conversation=[(str(m.get("role", "")), _text(m.get("content"))) for m in request.get("messages") or []
                      if isinstance(m, dict)],
        candidates=candidates, metadata=_metadata(interaction.request_metadata if interaction else {}),
        model=str(request.get("model", "")),
        playbook=[e for e in policy.playbook if set(e.rules) & set(fired)] if not policy.gold_rate else [],
        reasons={a: reason_codes_for(policy, a) for a in ACTIONS},
        decisions=[(d, emails.get(d.reviewer_id, f"user {d.reviewer_id}")) for d in decisions],
        history=[_history(e, emails) for e in trail],
        deliveries=[] if blind else deliveries_for(gw.store, item.id or 0),
        claimer=emails.get(holder) if holder else None, claimer_id=holder, claim_until=claim_expires_at(gw, item),
        first_approver=emails.get(item.first_approver_id) if item.first_approver_id else None,
        pending_text=_reply_text(item.pending_release), fired_rules=fired,
        decided_blind=blind and any(d.action in FINAL_ACTIONS for d in decisions),
    )


def _candidate(index: int, stored: dict[str, Any]) -> CandidateView:
    message: dict[str, Any] = stored["message"] if isinstance(stored.get("message"), dict) else {}
    guarded: dict[str, Any] = stored["fixed"] if isinstance(stored.get("fixed"), dict) else {}
    marks = [highlight.Mark.from_finding(n, f) for n, f in enumerate(stored.get("findings") or [], start=1)
             if isinstance(f, dict)]
    after = {seg.location: seg.text for seg in fields.read_message(guarded).segments}
    views, marked = [], set()
    for seg in fields.read_message(message).segments:
        mine = [m for m in marks if m.location == seg.location]
        marked |= {m.number for m in mine if m.fits(seg.text)}
        guarded_text = after.get(seg.location)
        views.append(FieldView(seg.location, highlight.runs(seg.text, mine),
                               diff.pieces(seg.text, guarded_text) if guarded_text is not None else None))
    if not views:  # an empty reply: still show where the footer or fix went
        views.append(FieldView("content", [], diff.pieces("", after.get("content", "")) if after else None))
    return CandidateView(index=index, fields=views, marks=marks, whole=[m for m in marks if m.number not in marked],
                         original_text=_text(message.get("content")), guarded_text=_text(guarded.get("content")))


def _tier(policy: Policy, name: str) -> Tier:
    return next((t for t in policy.tiers if t.name == name), policy.default_tier)


def _text(content: Any) -> str:
    """A message's content as text: a string, or the text of its parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) if isinstance(p, dict) and "text" in p else json.dumps(p)
                         for p in content)
    return json.dumps(content)


def _reply_text(messages: list[dict[str, Any]] | None) -> str | None:
    if not messages:
        return None
    return "\n\n".join(_text(m.get("content")) for m in messages if isinstance(m, dict))


def _metadata(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    keys = [k for k in METADATA_FIRST if k in metadata] + sorted(k for k in metadata if k not in METADATA_FIRST)
    return [(k, _show(metadata[k])) for k in keys]


def _show(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value if isinstance(value, str) else json.dumps(value)
    return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def _emails(gw: Gateway, item: ReviewItem, decisions: list[Decision], trail: list[AuditEntry]) -> dict[int, str]:
    """The emails of everyone the page names, in one query."""
    ids = {d.reviewer_id for d in decisions}
    ids |= {i for i in (item.claimed_by, item.first_approver_id) if i is not None}
    ids |= {int(e.actor[5:]) for e in trail if e.actor.startswith("user:") and e.actor[5:].isdigit()}
    return gw.store.emails(ids)


def _history(entry: AuditEntry, emails: dict[int, str]) -> HistoryEntry:
    who = entry.actor
    if who.startswith("user:") and who[5:].isdigit():
        who = emails.get(int(who[5:]), who)
    return HistoryEntry(entry.at, who, entry.action.removeprefix("review."), entry.details or {})
