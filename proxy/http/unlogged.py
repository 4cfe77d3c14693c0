"""`on_db_error`: what a chat request does when the database cannot read or store it.

`fail` (the default): the database error reaches `proxy.http.errors.handle_database_down`, a 503 in
OpenAI's shape; nothing passes unlogged. `allow_unlogged` puts availability before the
record: the request is still checked and answered, and each database step it had to skip is
counted (`loopguard_unlogged_total` on /metrics, by step) and logged by step and error type,
never with text. What it cannot do without the database it does not pretend to do:

- an output the policy would hold is blocked: a hold needs a review item to be released by
  (fail closed, as for a check that fails);
- the app key is checked against the keys this worker accepted in the last KNOWN_KEY_S
  (a key that was never seen, or was refused, stays refused);
- the key's rate limit is not counted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from fastapi import Request
from prometheus_client import CollectorRegistry, Counter
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from proxy.http.requests import authenticate_app, bearer_token
from proxy.secrets import digest
from proxy.store.database import Store
from proxy.store.models import App, ReviewItem

T = TypeVar("T")
OnDbError = Literal["fail", "allow_unlogged"]
UNLOGGED = 0  # the interaction id of a request whose row could not be written (real ids start at 1)
KNOWN_KEY_S = 600.0

log = logging.getLogger("loopguard.unlogged")


class DatabaseFallback:
    """One per gateway: the `on_db_error` setting, its counter and the keys recently accepted."""

    def __init__(self, mode: OnDbError, registry: CollectorRegistry) -> None:
        self.mode = mode
        self.skipped = Counter("loopguard_unlogged", "Database steps skipped under on_db_error: allow_unlogged, "
                               "by step", ["step"], registry=registry)
        self._known: dict[str, tuple[App, float]] = {}  # key digest -> (its app, when last accepted)

    @property
    def allowed(self) -> bool:
        return self.mode == "allow_unlogged"

    async def tolerate(self, step: str, work: Awaitable[T], instead: T) -> T:
        """`work`'s result; if the database fails and unlogged answers are allowed, `instead`."""
        try:
            return await work
        except OperationalError as exc:
            if not self.allowed:
                raise
            self.skip(step, exc)
            return instead

    def skip(self, step: str, exc: Exception) -> None:
        log.warning("database unavailable at step %s (%s); answering unlogged (on_db_error: allow_unlogged)",
                    step, type(exc).__name__)
        self.skipped.labels(step).inc()

    async def authenticate(self, store: Store, request: Request) -> App:
        """The request's app (`proxy.http.requests.authenticate_app`); with the database down and
        unlogged answers allowed, the app of a key this worker accepted recently."""
        token = bearer_token(request) or ""
        try:
            app = await run_in_threadpool(authenticate_app, request, store)
        except OperationalError as exc:
            known = self._known.get(digest(token)) if self.allowed else None
            if known is None or time.monotonic() - known[1] > KNOWN_KEY_S:
                raise
            self.skip("authenticate", exc)
            return known[0]
        except Exception:
            self._known.pop(digest(token), None)
            raise
        if self.allowed:
            self._known[digest(token)] = (app, time.monotonic())
        return app

    async def finish(self, store: Store, interaction_id: int, columns: dict[str, Any],
                     counted: Callable[[dict[str, Any]], None]) -> None:
        """Writes the interaction's end; an unlogged request is still counted (`counted`)."""
        if interaction_id == UNLOGGED:
            counted(columns)
            return
        try:
            await run_in_threadpool(store.finish_interaction, interaction_id, **columns)
        except OperationalError as exc:
            if not self.allowed:
                raise
            self.skip("finish", exc)
            counted(columns)

    async def queue_review(self, store: Store, interaction_id: int, checked: dict[str, Any],
                           item: ReviewItem) -> int | None:
        """Stores the checked outputs and queues `item`: its id, or None when the database
        could not (the caller then blocks what it would have held)."""
        if interaction_id == UNLOGGED:
            self.skipped.labels("review").inc()
            return None

        def write() -> int | None:
            store.finish_interaction(interaction_id, **checked)
            return store.create_review(item).id

        return await self.tolerate("review", run_in_threadpool(write), None)
