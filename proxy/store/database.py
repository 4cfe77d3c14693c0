"""Database access for apps, keys, users, interactions, reviews and the audit log: one
`Store` per process, sync sqlmodel sessions.

SQLite (WAL) by default; any SQLAlchemy URL works. Every change of a review item's state
is a conditional update on the version it was read at (first writer wins), so two
reviewers can never both decide the same item, and a decision never lands on a state its
reviewer did not see. Browser sessions, the queue and webhooks keep their queries in their
own modules (`review_ui.accounts.sessions`, `review_ui.queue`, `proxy.review.webhooks`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, event, insert, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, create_engine, select

from proxy.secrets import KEY_PREFIX, TOKEN_PREFIX, digest, display_prefix, new_secret
from proxy.store.migrate import require_current, upgrade
from proxy.store.models import (
    ApiKey,
    App,
    AppGrant,
    AuditEntry,
    Decision,
    Interaction,
    ReviewItem,
    ReviewSession,
    User,
    utcnow,
)
from proxy.store.notices import announce
from proxy.store.sealing import Sealer

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x6C67_6175  # "lgau": the audit chain's advisory lock
OPEN_STATUSES = ("pending", "claimed", "escalated")
MAX_ID = 2**63 - 1  # ids are BIGINT-sized; a larger number in a URL names no row


class StoreError(Exception):
    """A change the store refuses (an existing email, an unknown app or user); the message says why."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


# Connections kept open. SQLAlchemy's default (5, and 10 more opened and closed as needed)
# meant that under 16 concurrent requests SQLite connections were opened, set up (WAL and
# the other pragmas) and closed again on most requests.
SQLITE_POOL = {"pool_size": 20, "max_overflow": 20}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")  # one shared connection: no pool to size
        engine = create_engine(url, connect_args={"check_same_thread": False}, **({} if in_memory else SQLITE_POOL))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    def __init__(self, url: str, migrate: bool = True) -> None:
        """`migrate` False: the schema must already be current (`proxy.store.migrate.require_current`)."""
        self.engine = make_engine(url)
        self.sealer = Sealer.from_env()
        if migrate:
            upgrade(self.engine)
        else:
            require_current(self.engine)
        self._audit_lock = threading.Lock()
        self.listeners: list[Callable[[dict[str, Any]], None]] = []  # told of every finish_interaction (metrics)

    def ping(self) -> None:
        """Raises (sqlalchemy OperationalError) if the database does not answer."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    # apps and keys -------------------------------------------------------------
    def create_app_key(self, app_name: str, policy: str, mode: str, on_hold: str,
                       webhook_url: str | None = None) -> tuple[App, str]:
        """Creates (or updates) the app and returns it with a new plaintext key. A webhook URL
        given here replaces the app's and starts a new signing secret (`proxy.review.webhooks`)."""
        key = new_secret(KEY_PREFIX)
        with self.session() as s:
            app = s.exec(select(App).where(App.name == app_name)).first() or App(name=app_name, policy=policy, mode=mode)
            app.policy, app.mode, app.on_hold = policy, mode, on_hold
            if webhook_url:
                app.webhook_url, app.webhook_salt = webhook_url, new_secret("")
            s.add(app)
            s.flush()
            assert app.id is not None
            s.add(ApiKey(app_id=app.id, key_hash=digest(key), prefix=display_prefix(key)))
            s.commit()
        self.audit("cli", "key.create", f"app:{app_name}", {"policy": policy, "mode": mode, "on_hold": on_hold,
                                                             "webhook": bool(webhook_url)})
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

    def get_app(self, app_id: int) -> App | None:
        with self.session() as s:
            return s.get(App, app_id)

    def app_named(self, name: str) -> App:
        with self.session() as s:
            app = s.exec(select(App).where(App.name == name)).first()
        if app is None:
            raise StoreError(f"no app named {name!r} (create it with 'loopguard keys create --app {name} ...')")
        return app

    def list_apps(self) -> list[App]:
        with self.session() as s:
            return list(s.exec(select(App).order_by(col(App.name))))

    def set_app_webhook(self, name: str, url: str | None, actor: str) -> App:
        """Sets (or with None removes) the app's webhook; a new URL starts a new signing secret."""
        app = self.app_named(name)
        with self.session() as s:
            app.webhook_url, app.webhook_salt = (url, new_secret("")) if url else (None, None)
            s.add(app)
            s.commit()
        self.audit(actor, "app.webhook", f"app:{name}", {"webhook": bool(url)})
        return app

    def set_frame_origins(self, name: str, origins: list[str], actor: str) -> App:
        app = self.app_named(name)
        with self.session() as s:
            app.frame_origins = list(origins)
            s.add(app)
            s.commit()
        self.audit(actor, "app.frame_origins", f"app:{name}", {"origins": origins})
        return app

    # users ----------------------------------------------------------------------
    def create_user(self, email: str, role: str, actor: str = "cli") -> tuple[User, str]:
        """A new user and their API token; refuses an email that already has a user."""
        email = normalise_email(email)
        token = new_secret(TOKEN_PREFIX)
        with self.session() as s:
            existing = s.exec(select(User).where(User.email == email)).first()
            if existing is not None:
                raise StoreError(f"user {email} already exists (role {existing.role}); use 'users set-role' or "
                                 "'users rotate-token' to change them")
            user = User(email=email, role=role, token_hash=digest(token))
            s.add(user)
            s.commit()
        self.audit(actor, "user.create", f"user:{email}", {"role": role})
        return user, token

    def user_for_token(self, token: str) -> User | None:
        with self.session() as s:
            return s.exec(select(User).where(User.token_hash == digest(token), col(User.disabled_at).is_(None))).first()

    def get_user(self, user_id: int) -> User | None:
        with self.session() as s:
            return s.get(User, user_id)

    def emails(self, user_ids: Collection[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        with self.session() as s:
            return {uid: email for uid, email in s.exec(select(User.id, User.email).where(col(User.id).in_(sorted(user_ids))))
                    if uid is not None}

    def user_by_email(self, email: str) -> User | None:
        with self.session() as s:
            return s.exec(select(User).where(User.email == normalise_email(email))).first()

    def _user(self, email: str) -> User:
        user = self.user_by_email(email)
        if user is None:
            raise StoreError(f"no user {normalise_email(email)} (create one with 'loopguard users create')")
        return user

    def list_users(self) -> list[tuple[User, list[str]]]:
        """Every user with the names of the apps granted to them."""
        with self.session() as s:
            users = list(s.exec(select(User).order_by(col(User.email))))
            grants = s.exec(select(AppGrant.user_id, App.name).join(App, col(App.id) == AppGrant.app_id)).all()
        by_user: dict[int, list[str]] = {}
        for user_id, name in grants:
            by_user.setdefault(user_id, []).append(name)
        return [(u, sorted(by_user.get(u.id or 0, []))) for u in users]

    def set_role(self, email: str, role: str, actor: str) -> User:
        user = self._user(email)
        with self.session() as s:
            before, user.role = user.role, role
            s.add(user)
            s.commit()
        self.audit(actor, "user.set_role", f"user:{user.email}", {"from": before, "to": role})
        return user

    def rotate_token(self, email: str, actor: str) -> str:
        user = self._user(email)
        token = new_secret(TOKEN_PREFIX)
        with self.session() as s:
            user.token_hash = digest(token)
            s.add(user)
            s.commit()
        self.audit(actor, "user.rotate_token", f"user:{user.email}", {})
        return token

    def set_password_hash(self, email: str, password_hash: str, actor: str) -> User:
        """Stores a new password hash and ends the user's browser sessions."""
        user = self._user(email)
        with self.session() as s:
            user.password_hash = password_hash
            s.add(user)
            self._end_sessions(s, user.id or 0)
            s.commit()
        self.audit(actor, "user.set_password", f"user:{user.email}", {})
        return user

    def disable_user(self, email: str, actor: str) -> User:
        """Revokes a user: token, password login and every session stop working at once."""
        user = self._user(email)
        with self.session() as s:
            user.disabled_at = utcnow()
            s.add(user)
            self._end_sessions(s, user.id or 0)
            s.commit()
        self.audit(actor, "user.revoke", f"user:{user.email}", {})
        return user

    @staticmethod
    def _end_sessions(s: Session, user_id: int) -> None:
        s.exec(update(ReviewSession).where(col(ReviewSession.user_id) == user_id, col(ReviewSession.revoked_at).is_(None))
               .values(revoked_at=utcnow()))

    def grant(self, email: str, app_name: str, actor: str) -> bool:
        """Grants the app to the user; False if it already was."""
        user, app = self._user(email), self.app_named(app_name)
        with self.session() as s:
            if s.exec(select(AppGrant).where(AppGrant.user_id == user.id, AppGrant.app_id == app.id)).first():
                return False
            s.add(AppGrant(user_id=user.id or 0, app_id=app.id or 0))
            s.commit()
        self.audit(actor, "user.grant", f"user:{user.email}", {"app": app_name})
        return True

    def revoke_grant(self, email: str, app_name: str, actor: str) -> bool:
        user, app = self._user(email), self.app_named(app_name)
        with self.session() as s:
            grant = s.exec(select(AppGrant).where(AppGrant.user_id == user.id, AppGrant.app_id == app.id)).first()
            if grant is None:
                return False
            s.delete(grant)
            s.commit()
        self.audit(actor, "user.revoke_grant", f"user:{user.email}", {"app": app_name})
        return True

    def granted_app_ids(self, user_id: int) -> set[int]:
        with self.session() as s:
            return set(s.exec(select(AppGrant.app_id).where(AppGrant.user_id == user_id)))

    # interactions ---------------------------------------------------------------
    def start_interaction(self, app_id: int, request: dict[str, Any], metadata: dict[str, Any], stream: bool) -> int:
        """The new interaction row's id. Written with one Core statement in its own transaction,
        its parameters passed apart from the statement, so the compiled statement is reused:
        building the ORM object, its unit of work and a statement per call cost several times
        the insert itself on the request path. The values, defaults included, are the model's
        (`_with_defaults`)."""
        values = _with_defaults(Interaction, app_id=app_id, model=str(request.get("model", "")), stream=stream,
                                request=request, request_metadata=metadata)
        with self.engine.begin() as connection:
            key = connection.execute(insert(Interaction), values).inserted_primary_key
        assert key is not None
        return int(key[0])

    def finish_interaction(self, interaction_id: int, **fields: Any) -> None:
        """Sets the row's closing columns in one committed statement (durable before it returns)."""
        unknown = fields.keys() - Interaction.model_fields.keys()
        if unknown:  # a parameter that names no column would otherwise be left out silently
            raise TypeError(f"Interaction has no column {', '.join(sorted(unknown))}")
        with self.engine.begin() as connection:
            connection.execute(update(Interaction).where(col(Interaction.id) == bindparam("row_id")),
                               {"row_id": interaction_id, **fields})
        for listener in self.listeners:
            listener(fields)

    def get_interaction(self, interaction_id: int) -> Interaction | None:
        """The interaction, its sealed raw outputs opened (`proxy.store.sealing`)."""
        with self.session() as s:
            row = s.get(Interaction, interaction_id)
        if row is not None and row.candidates:
            row.candidates = self.sealer.reveal(row.candidates)
        return row

    # reviews --------------------------------------------------------------------
    def create_review(self, item: ReviewItem) -> ReviewItem:
        with self.session() as s:
            s.add(item)
            s.commit()
        self.audit("proxy", "review.create", f"review:{item.id}", {"policy": item.policy, "decision": item.decision, "tier": item.tier})
        return item

    def get_review(self, review_id: int) -> ReviewItem | None:
        if not 0 < review_id <= MAX_ID:  # no such row, and the database could not even compare it
            return None
        with self.session() as s:
            return s.get(ReviewItem, review_id)

    def list_reviews(self, statuses: list[str] | None = None, policy: str | None = None,
                     app_ids: Collection[int] | None = None, limit: int = 100) -> list[ReviewItem]:
        """Items in queue order; `app_ids` None means every app."""
        query = select(ReviewItem)
        if statuses:
            query = query.where(col(ReviewItem.status).in_(statuses))
        if policy:
            query = query.where(ReviewItem.policy == policy)
        if app_ids is not None:
            query = query.where(col(ReviewItem.app_id).in_(sorted(app_ids)))
        query = query.order_by(col(ReviewItem.priority).desc(), col(ReviewItem.sla_deadline),
                               col(ReviewItem.deal_value).desc(), col(ReviewItem.id)).limit(limit)
        with self.session() as s:
            return list(s.exec(query))

    def claim_review(self, review_id: int, user_id: int, claim_timeout_s: int) -> bool:
        """Claims a pending item, or one whose claim has lapsed; False if someone else holds it."""
        with self.session() as s:
            claimed = self.claim_review_in(s, review_id, user_id, claim_timeout_s)
            s.commit()
            return claimed

    @staticmethod
    def claim_review_in(s: Session, review_id: int, user_id: int, claim_timeout_s: int) -> bool:
        """`claim_review` inside the caller's transaction (which commits it)."""
        stale = utcnow() - timedelta(seconds=claim_timeout_s)
        result = s.exec(
            update(ReviewItem)
            .where(col(ReviewItem.id) == review_id)
            .where((col(ReviewItem.status) == "pending")
                   | ((col(ReviewItem.status) == "claimed") & ((col(ReviewItem.claimed_by) == user_id)
                                                                | (col(ReviewItem.claimed_at) < stale))))
            .values(status="claimed", claimed_by=user_id, claimed_at=utcnow(), version=col(ReviewItem.version) + 1)
        )
        return bool(result.rowcount)

    def release_claim(self, review_id: int, user_id: int) -> bool:
        """Puts an item the user holds back in the queue."""
        with self.session() as s:
            result = s.exec(
                update(ReviewItem)
                .where(col(ReviewItem.id) == review_id, col(ReviewItem.status) == "claimed",
                       col(ReviewItem.claimed_by) == user_id)
                .values(status="pending", claimed_by=None, claimed_at=None, version=col(ReviewItem.version) + 1))
            s.commit()
            return bool(result.rowcount)

    def decide(self, item: ReviewItem, decision: Decision, new_status: str,
               released: list[dict[str, Any]] | None, allowed_from: tuple[str, ...],
               extra: dict[str, Any] | None = None) -> bool:
        """Records the decision iff the item is still in one of `allowed_from` and unchanged
        since it was read (first writer wins). A final status stamps `decided_at` and the
        released output; `extra` sets more columns (a two-person item's first approval)."""
        values: dict[str, Any] = {"status": new_status, "version": item.version + 1, **(extra or {})}
        if new_status not in OPEN_STATUSES:
            values |= {"decided_at": utcnow(), "released_output": released}
        with self.session() as s:
            result = s.exec(
                update(ReviewItem)
                .where(col(ReviewItem.id) == item.id, col(ReviewItem.status).in_(allowed_from),
                       col(ReviewItem.version) == item.version)
                .values(**values)
            )
            if not result.rowcount:
                s.rollback()
                return False
            s.add(decision)
            if new_status not in OPEN_STATUSES:
                announce(s, item.id or 0)
            s.commit()
        details: dict[str, Any] = {"reason_code": decision.reason_code, "status": new_status}
        if decision.candidate_index:
            details["candidate_index"] = decision.candidate_index
        if decision.ranking:
            details["ranking"] = decision.ranking
        if decision.note:
            details["note"] = decision.note
        self.audit(f"user:{decision.reviewer_id}", f"review.{decision.action}", f"review:{item.id}", details)
        return True

    def expire_review(self, review_id: int, released: list[dict[str, Any]] | None) -> bool:
        with self.session() as s:
            result = s.exec(
                update(ReviewItem)
                .where(col(ReviewItem.id) == review_id, col(ReviewItem.status).in_(OPEN_STATUSES))
                .values(status="expired", decided_at=utcnow(), released_output=released,
                        version=col(ReviewItem.version) + 1)
            )
            if result.rowcount:
                announce(s, review_id)
            s.commit()
        if result.rowcount:
            self.audit("proxy", "review.expire", f"review:{review_id}", {"released": released is not None})
        return bool(result.rowcount)

    def decisions_for(self, review_id: int) -> list[Decision]:
        with self.session() as s:
            return list(s.exec(select(Decision).where(Decision.review_id == review_id).order_by(col(Decision.id))))

    def audit_trail(self, subject: str) -> list[AuditEntry]:
        with self.session() as s:
            return list(s.exec(select(AuditEntry).where(AuditEntry.subject == subject).order_by(col(AuditEntry.id))))

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


def _with_defaults(table: type[SQLModel], /, **values: Any) -> dict[str, Any]:
    """A new row's column values: `values`, and the model's own default for every other field
    but the primary key (what constructing the model would have filled in)."""
    out = dict(values)
    for name, info in table.model_fields.items():
        if name not in out and not info.is_required() and name != "id":
            factory = info.default_factory  # these take no argument (pydantic's check of that is slow)
            out[name] = factory() if factory is not None else info.default  # type: ignore[call-arg]
    return out


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _chain_hash(prev: str, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any]) -> str:
    payload = json.dumps([prev, at.isoformat(), actor, action, subject, details], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()
