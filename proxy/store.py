"""All database access: one `Store` per process, sync sqlmodel sessions.

SQLite (WAL) by default; any SQLAlchemy URL works. Decisions are conditional updates,
so two reviewers can never both decide the same item.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, create_engine, select

from proxy.migrate import upgrade
from proxy.models import ApiKey, App, AuditEntry, Decision, Interaction, ReviewItem, User, utcnow
from proxy.secrets import KEY_PREFIX, TOKEN_PREFIX, digest, display_prefix, new_secret

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x6C67_6175  # "lgau": the audit chain's advisory lock
OPEN_STATUSES = ("pending", "claimed", "escalated")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        upgrade(self.engine)
        self._audit_lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    # apps and keys -------------------------------------------------------------
    def create_app_key(self, app_name: str, policy: str, mode: str, on_hold: str) -> tuple[App, str]:
        """Creates (or updates) the app and returns it with a new plaintext key."""
        key = new_secret(KEY_PREFIX)
        with self.session() as s:
            app = s.exec(select(App).where(App.name == app_name)).first() or App(name=app_name, policy=policy, mode=mode)
            app.policy, app.mode, app.on_hold = policy, mode, on_hold
            s.add(app)
            s.flush()
            assert app.id is not None
            s.add(ApiKey(app_id=app.id, key_hash=digest(key), prefix=display_prefix(key)))
            s.commit()
        self.audit("cli", "key.create", f"app:{app_name}", {"policy": policy, "mode": mode, "on_hold": on_hold})
        return app, key

    def list_keys(self) -> list[tuple[ApiKey, App]]:
        with self.session() as s:
            return [(k, a) for k, a in s.exec(select(ApiKey, App).where(ApiKey.app_id == App.id).order_by(col(ApiKey.id)))]

    def revoke_key(self, prefix: str) -> int:
        with self.session() as s:
            keys = s.exec(select(ApiKey).where(col(ApiKey.prefix).startswith(prefix), col(ApiKey.revoked_at).is_(None))).all()
            for k in keys:
                k.revoked_at = utcnow()
                s.add(k)
            s.commit()
        if keys:
            self.audit("cli", "key.revoke", f"key:{prefix}", {"count": len(keys)})
        return len(keys)

    def app_for_key(self, key: str) -> App | None:
        with self.session() as s:
            row = s.exec(
                select(App).join(ApiKey, col(ApiKey.app_id) == App.id)
                .where(ApiKey.key_hash == digest(key), col(ApiKey.revoked_at).is_(None))
            ).first()
            return row

    # users ----------------------------------------------------------------------
    def create_user(self, email: str, role: str) -> tuple[User, str]:
        token = new_secret(TOKEN_PREFIX)
        with self.session() as s:
            user = s.exec(select(User).where(User.email == email)).first() or User(email=email, role=role, token_hash="")
            user.role, user.token_hash = role, digest(token)
            s.add(user)
            s.commit()
        self.audit("cli", "user.create", f"user:{email}", {"role": role})
        return user, token

    def user_for_token(self, token: str) -> User | None:
        with self.session() as s:
            return s.exec(select(User).where(User.token_hash == digest(token))).first()

    # interactions ---------------------------------------------------------------
    def start_interaction(self, app_id: int, request: dict[str, Any], metadata: dict[str, Any], stream: bool) -> int:
        with self.session() as s:
            row = Interaction(app_id=app_id, model=str(request.get("model", "")), stream=stream,
                              request=request, request_metadata=metadata)
            s.add(row)
            s.commit()
            assert row.id is not None
            return row.id

    def finish_interaction(self, interaction_id: int, **fields: Any) -> None:
        with self.session() as s:
            s.exec(update(Interaction).where(col(Interaction.id) == interaction_id).values(**fields))
            s.commit()

    def get_interaction(self, interaction_id: int) -> Interaction | None:
        with self.session() as s:
            return s.get(Interaction, interaction_id)

    # reviews --------------------------------------------------------------------
    def create_review(self, item: ReviewItem) -> ReviewItem:
        with self.session() as s:
            s.add(item)
            s.commit()
        self.audit("proxy", "review.create", f"review:{item.id}", {"policy": item.policy, "decision": item.decision, "tier": item.tier})
        return item

    def get_review(self, review_id: int) -> ReviewItem | None:
        with self.session() as s:
            return s.get(ReviewItem, review_id)

    def list_reviews(self, statuses: list[str] | None = None, policy: str | None = None,
                     app_id: int | None = None, limit: int = 100) -> list[ReviewItem]:
        query = select(ReviewItem)
        if statuses:
            query = query.where(col(ReviewItem.status).in_(statuses))
        if policy:
            query = query.where(ReviewItem.policy == policy)
        if app_id is not None:
            query = query.where(ReviewItem.app_id == app_id)
        query = query.order_by(col(ReviewItem.priority).desc(), col(ReviewItem.sla_deadline),
                               col(ReviewItem.deal_value).desc(), col(ReviewItem.id)).limit(limit)
        with self.session() as s:
            return list(s.exec(query))

    def claim_review(self, review_id: int, user_id: int, claim_timeout_s: int) -> bool:
        """Claims a pending item, or one whose claim has lapsed; False if someone else holds it."""
        stale = utcnow() - timedelta(seconds=claim_timeout_s)
        with self.session() as s:
            result = s.exec(
                update(ReviewItem)
                .where(col(ReviewItem.id) == review_id)
                .where((col(ReviewItem.status) == "pending")
                       | ((col(ReviewItem.status) == "claimed") & ((col(ReviewItem.claimed_by) == user_id)
                                                                    | (col(ReviewItem.claimed_at) < stale))))
                .values(status="claimed", claimed_by=user_id, claimed_at=utcnow())
            )
            s.commit()
            return bool(result.rowcount)

    def decide(self, item: ReviewItem, decision: Decision, new_status: str,
               released: list[dict[str, Any]] | None, allowed_from: tuple[str, ...]) -> bool:
        """Records the decision iff the item is still in one of `allowed_from` (first writer wins)."""
        with self.session() as s:
            values: dict[str, Any] = {"status": new_status}
            if new_status != "escalated":
                values |= {"decided_at": utcnow(), "released_output": released}
            result = s.exec(
                update(ReviewItem)
                .where(col(ReviewItem.id) == item.id, col(ReviewItem.status).in_(allowed_from))
                .values(**values)
            )
            if not result.rowcount:
                s.rollback()
                return False
            s.add(decision)
            s.commit()
        self.audit(f"user:{decision.reviewer_id}", f"review.{decision.action}", f"review:{item.id}",
                   {"reason_code": decision.reason_code, "status": new_status})
        return True

    def expire_review(self, review_id: int, released: list[dict[str, Any]] | None) -> bool:
        with self.session() as s:
            result = s.exec(
                update(ReviewItem)
                .where(col(ReviewItem.id) == review_id, col(ReviewItem.status).in_(OPEN_STATUSES))
                .values(status="expired", decided_at=utcnow(), released_output=released)
            )
            s.commit()
        if result.rowcount:
            self.audit("proxy", "review.expire", f"review:{review_id}", {"released": released is not None})
        return bool(result.rowcount)

    def decisions_for(self, review_id: int) -> list[Decision]:
        with self.session() as s:
            return list(s.exec(select(Decision).where(Decision.review_id == review_id).order_by(col(Decision.id))))

    # audit ------------------------------------------------------------------------
    def audit(self, actor: str, action: str, subject: str, details: dict[str, Any]) -> None:
        """Appends a row chained to the previous one; serialised across threads and processes."""
        with self._audit_lock, self.session() as s:
            self._lock_audit_chain(s)
            last = s.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
            prev = last.hash if last else GENESIS
            at = utcnow()
            entry = AuditEntry(at=at, actor=actor, action=action, subject=subject, details=details,
                               prev_hash=prev, hash=_chain_hash(prev, at, actor, action, subject, details))
            s.add(entry)
            s.commit()

    def _lock_audit_chain(self, s: Session) -> None:
        """Takes the database's write lock before reading the chain's tail, so two workers
        can never both extend the same row."""
        if self.engine.dialect.name == "postgresql":
            s.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=AUDIT_LOCK_KEY))  # type: ignore[call-overload]
        elif self.engine.dialect.name == "sqlite":
            s.exec(text("UPDATE auditentry SET id = id WHERE 0"))  # type: ignore[call-overload]  # takes the write lock

    def verify_audit(self) -> tuple[int, int | None]:
        """(rows checked, id of the first broken row or None)."""
        prev = GENESIS
        count = 0
        with self.session() as s:
            for e in s.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
                count += 1
                if e.prev_hash != prev or e.hash != _chain_hash(prev, e.at, e.actor, e.action, e.subject, e.details):
                    return count, e.id
                prev = e.hash
        return count, None


def _chain_hash(prev: str, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any]) -> str:
    payload = json.dumps([prev, at.isoformat(), actor, action, subject, details], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()
