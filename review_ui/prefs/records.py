"""Preference records from one decided review item.

What a decision says about the outputs, as pairs (chosen over rejected) or as unpaired
examples (one output with a good/bad label, for KTO-style trainers):

- an edit: the reviewer's text is chosen over the original candidate;
- a ranking of k candidates: each candidate over every one ranked below it, k·(k−1)/2 pairs;
- an approval of one of several candidates (no ranking): the approved one over each of the
  others, which the app never received;
- an approval after the checks fixed the text: the fixed text over the raw one, when they differ;
- a rejection with no alternative: each rejected candidate as an unpaired negative;
- an approval of an item nothing flagged (an audit sample): an unpaired positive.

Candidates without text (tool calls only) give no records. The record keeps the full
conversation as the prompt, who decided, how far they agreed, and the ids to trace it back.

"The decision" is `proxy.store.models.ruling`: a lead's adjudication when there is one (the
record then says `adjudicated`), else the final decision that changed the item's state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from proxy.store.models import Decision, Interaction, ReviewItem, ruling

Message = dict[str, str]
DECIDING = ("approve", "edit", "reject")


@dataclass(frozen=True)
class PrefRecord:
    """One pair (`chosen` and `rejected` both set) or one unpaired example (one of them set).

    `agreement` is the share of the item's reviewers whose decision matched the final one;
    None when only one person decided it. `adjudicated`: the final one is a lead's ruling.
    """

    source: str  # edit | ranking | approved_over_withheld | fix | rejected | audit_approve
    prompt: list[Message]
    chosen: str | None
    rejected: str | None
    reason_code: str
    policy: str
    app: str
    findings: list[dict[str, Any]]
    reviewers: list[int]
    agreement: float | None
    requested_at: datetime
    held_at: datetime
    decided_at: datetime
    interaction_id: int
    review_id: int
    prompt_hash: str
    split: str = "train"
    adjudicated: bool = False

    @property
    def paired(self) -> bool:
        return self.chosen is not None and self.rejected is not None

    def with_texts(self, prompt: list[Message], chosen: str | None, rejected: str | None) -> PrefRecord:
        return replace(self, prompt=prompt, chosen=chosen, rejected=rejected)


def prompt_messages(request: dict[str, Any]) -> list[Message]:
    """The request's conversation as plain role/content messages (text parts joined), the
    one shape every trainer format takes."""
    out: list[Message] = []
    for m in request.get("messages") or []:
        if isinstance(m, dict):
            out.append({"role": str(m.get("role") or "user"), "content": _text(m.get("content"))})
    return out


def prompt_hash(prompt: list[Message]) -> str:
    """A stable digest of the conversation: the train/test split and de-duplication key."""
    return hashlib.sha256(json.dumps(prompt, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def records_for(item: ReviewItem, interaction: Interaction, decisions: Sequence[Decision], app: str) -> list[PrefRecord]:
    """Every record the item's final decision gives (none if nobody decided it)."""
    final = ruling(decisions)
    if final is None or item.decided_at is None or item.gold:
        return []
    deciding = [d for d in decisions if d.action in DECIDING and d.kind != "adjudication"]
    prompt = prompt_messages(interaction.request)
    raw = [_text_or_none(c.get("message")) for c in interaction.candidates]
    fixed = [_text_or_none(c.get("fixed")) for c in interaction.candidates]
    base = PrefRecord(
        source="", prompt=prompt, chosen=None, rejected=None, reason_code=final.reason_code, policy=item.policy,
        app=app, findings=_findings(interaction.findings), reviewers=sorted({d.reviewer_id for d in decisions}),
        agreement=agreement(deciding, final.action), requested_at=interaction.created_at, held_at=item.created_at,
        decided_at=item.decided_at, interaction_id=interaction.id or 0, review_id=item.id or 0,
        prompt_hash=prompt_hash(prompt), adjudicated=final.kind == "adjudication")
    out = [replace(base, source=source, chosen=chosen, rejected=rejected)
           for source, chosen, rejected in _outcomes(item, final, raw, fixed)]
    return [r for r in out if r.chosen != r.rejected and (r.chosen or r.rejected)]


def _outcomes(item: ReviewItem, final: Decision, raw: list[str | None],
              fixed: list[str | None]) -> list[tuple[str, str | None, str | None]]:
    """(source, chosen, rejected) for the final decision; None marks the missing side."""
    chosen = final.candidate_index if final.candidate_index < len(raw) else 0
    out: list[tuple[str, str | None, str | None]] = []
    if final.action == "edit" and final.edited_text:
        original = final.original_text if final.original_text is not None else _at(raw, chosen)
        if original is not None:
            out.append(("edit", final.edited_text, original))
    ranking = final.ranking or []
    if len(ranking) >= 2:
        out += [("ranking", _at(raw, better), _at(raw, worse))
                for i, better in enumerate(ranking) for worse in ranking[i + 1:]
                if _at(raw, better) is not None and _at(raw, worse) is not None]
    elif final.action == "approve" and len(raw) > 1:
        out += [("approved_over_withheld", _at(raw, chosen), other) for i, other in enumerate(raw)
                if i != chosen and other is not None and _at(raw, chosen) is not None]
    if final.action == "approve":
        if _at(fixed, chosen) is not None and _at(raw, chosen) is not None and _at(fixed, chosen) != _at(raw, chosen):
            out.append(("fix", _at(fixed, chosen), _at(raw, chosen)))
        if item.decision == "allow" and not item.rules:
            out.append(("audit_approve", _at(raw, chosen), None))
    if final.action == "reject" and len(ranking) < 2:
        out += [("rejected", None, text) for text in raw if text is not None]
    return out


def agreement(deciding: Sequence[Decision], final: str) -> float | None:
    """Share of reviewers whose own last decision had the `final` action; None when fewer
    than two people decided the item."""
    last: dict[int, str] = {}
    for d in deciding:
        last[d.reviewer_id] = d.action
    if len(last) < 2:
        return None
    return round(sum(action == final for action in last.values()) / len(last), 4)


def _findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What fired, without the matched text (which may be personal data)."""
    return [{"check": str(f.get("check", "")), "rule": str(f.get("rule", "")), "severity": str(f.get("severity", "")),
             "action": str(f.get("action", ""))} for f in findings]


def _at(texts: list[str | None], index: int) -> str | None:
    return texts[index] if 0 <= index < len(texts) else None


def _text_or_none(message: Any) -> str | None:
    if not isinstance(message, dict):
        return None
    content = message.get("content")
    return content if isinstance(content, str) and content else None


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""
