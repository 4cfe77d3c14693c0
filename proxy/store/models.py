"""Storage models: apps and keys, users and their grants, browser sessions and login
attempts, interactions, review items, decisions and drafts, webhook deliveries, audit log.

JSON-valued columns hold request bodies, candidates and findings as they were, so what
the app asked and what each check saw can always be reconstructed. Secrets are never
stored: keys, user tokens and session tokens as SHA-256 digests, passwords as argon2
hashes, and a webhook's signing secret not at all (it is derived, see `proxy.review.webhooks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class App(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    policy: str
    mode: str  # monitor | review | command
    on_hold: str = "wait"  # wait | defer
    created_at: datetime = Field(default_factory=utcnow)
    webhook_url: str | None = None
    webhook_salt: str | None = None  # with the server's secret_key, derives the signing secret
    frame_origins: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # may frame the embed view


class ApiKey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id", index=True)
    key_hash: str = Field(index=True, unique=True)
    prefix: str  # first characters, safe to show ("lg-3fA9…")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True)
    role: str  # reviewer | lead | admin | ml
    token_hash: str = Field(index=True, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    password_hash: str | None = None  # argon2; None: no browser login yet
    disabled_at: datetime | None = None  # revoked: no token, no session, no login


class AppGrant(SQLModel, table=True):
    """A reviewer, lead or ML user may see (and, by role, decide) the items of this app."""

    __table_args__ = (UniqueConstraint("user_id", "app_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    app_id: int = Field(foreign_key="app.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class ReviewSession(SQLModel, table=True):
    """A browser session: the cookie holds the token, the table its digest (revocable)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(index=True, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """One password login, kept for rate limiting and lockout (emails are lower-cased)."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True)
    ip: str = Field(index=True)
    ok: bool
    at: datetime = Field(default_factory=utcnow, index=True)


class Interaction(SQLModel, table=True):
    """One proxied request: written when it starts, completed before the response leaves."""

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    model: str = ""
    stream: bool = False
    state: str = "started"  # started | completed | failed
    request: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    request_metadata: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    candidates: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    findings: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    decision: str | None = None
    final_output: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    usage: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    error: str | None = None
    upstream_ms: float | None = None
    checks_ms: float | None = None
    total_ms: float | None = None


class ReviewItem(SQLModel, table=True):
    """A held (or queued-for-audit) output. Status: pending, claimed, approved, edited,
    rejected, escalated, expired.

    `rules` and `checks` list what fired as ",a,b," so the queue filters without reading
    the interaction's findings. A two-person item keeps its first approval in
    `first_approver_id` and the output that approval would release in `pending_release`.

    An overlap item (`review_ui.overlap`) wants `overlap` independent decisions from as many
    reviewers; `blind_decisions` counts those in. A gold item (`proxy.review.gold`) is a playbook
    example whose expected check decision is `gold_expect`: it measures its reviewers and is
    never released to an app nor exported.
    """

    # Covers the queue's filters, order and per-tier counts, so they are read from the index alone.
    __table_args__ = (Index("ix_reviewitem_queue", "status", "app_id", "tier", "priority", "sla_deadline", "deal_value",
                            "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    app_id: int = Field(foreign_key="app.id", index=True)
    policy: str
    mode: str
    decision: str  # the guard's decision that queued it
    status: str = Field(default="pending", index=True)
    blocking: bool = True  # the app is waiting on it (review/command), not after the fact (monitor)
    tier: str = "standard"
    priority: int = 0
    deal_value: float | None = None
    sla_deadline: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    claimed_by: int | None = None
    claimed_at: datetime | None = None
    decided_at: datetime | None = None
    released_output: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    rules: str = ""
    checks: str = ""
    two_person: bool = False
    first_approver_id: int | None = None
    pending_release: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    sla_breached_at: datetime | None = None
    version: int = 0  # bumped by every change of state: a decision applies only to the state it was made on
    overlap: int = 1  # independent decisions wanted (set by the first decision, `review_ui.overlap`)
    blind_decisions: int = 0  # of those, how many are in
    gold: bool = False
    gold_expect: str | None = None  # a gold item's expected check decision (allow | fix | hold | block)


class Decision(SQLModel, table=True):
    """One person's decision on an item. `kind`: `decision` changed the item's state (what the
    app got); `overlap` is a later blind decision on an overlap item, recorded only; an
    `adjudication` is a lead's ruling on a disagreement, which wins in exports."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="reviewitem.id", index=True)
    reviewer_id: int = Field(foreign_key="user.id")
    action: str  # approve | edit | reject | escalate
    reason_code: str
    note: str = ""
    candidate_index: int = 0
    original_text: str | None = None
    edited_text: str | None = None
    ranking: list[int] | None = Field(default=None, sa_column=Column(JSON))  # candidate indexes, best first
    created_at: datetime = Field(default_factory=utcnow)
    kind: str = "decision"  # decision | overlap | adjudication


FINAL_ACTIONS = ("approve", "edit", "reject")


def ruling(decisions: Sequence[Decision]) -> Decision | None:
    """The decision that counts for training data and calibration: a lead's latest
    adjudication, else the last final decision that changed the item's state (blind overlap
    decisions after the first are recorded, never acted on)."""
    adjudications = [d for d in decisions if d.kind == "adjudication"]
    if adjudications:
        return adjudications[-1]
    acting = [d for d in decisions if d.kind == "decision" and d.action in FINAL_ACTIONS]
    return acting[-1] if acting else None


class ReviewDraft(SQLModel, table=True):
    """A decision a reviewer typed but could not send (session expired, claim lost): kept
    server-side and offered again on the item page."""

    __table_args__ = (UniqueConstraint("review_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="reviewitem.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    action: str = ""
    reason_code: str = ""
    note: str = ""
    edited_text: str | None = None
    why: str = ""  # what stopped it, shown with the draft
    updated_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event for an app's webhook. `body` is frozen at the first attempt, so every retry
    sends (and signs) the same bytes. Status: pending, delivered, failed."""

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id", index=True)
    review_id: int = Field(foreign_key="reviewitem.id", index=True)
    event: str  # review.decided | review.expired | review.sla_breach
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    body: str | None = None
    status: str = Field(default="pending", index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class WebhookAttempt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhookdelivery.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    status_code: int | None = None
    error: str = ""
    duration_ms: float = 0.0


class AuditEntry(SQLModel, table=True):
    """Append-only; each row's hash covers the previous row's hash."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: str
    subject: str = Field(index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    prev_hash: str
    hash: str


class RateWindow(SQLModel, table=True):
    """Requests and tokens one API key used in one minute (`proxy.store.quotas`), shared by every
    worker through the database."""

    bucket: str = Field(primary_key=True)  # the key's digest
    minute: int = Field(primary_key=True)  # minutes since the epoch
    requests: int = 0
    tokens: int = 0
