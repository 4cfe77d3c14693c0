"""Storage models: apps and keys, users, interactions, review items, decisions, audit log.

JSON-valued columns hold request bodies, candidates and findings as they were, so what
the app asked and what each check saw can always be reconstructed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column
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
    rejected, escalated, expired."""

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


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="reviewitem.id", index=True)
    reviewer_id: int = Field(foreign_key="user.id")
    action: str  # approve | edit | reject | escalate
    reason_code: str
    note: str = ""
    candidate_index: int = 0
    original_text: str | None = None
    edited_text: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Append-only; each row's hash covers the previous row's hash."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: str
    subject: str
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    prev_hash: str
    hash: str
