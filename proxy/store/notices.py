"""Decision notices between workers: a `wait` hold on one worker learns of a decision taken
on another at once.

On PostgreSQL a final decision (or a hold's timeout) sends `NOTIFY loopguard_review, '<id>'`
in the transaction that records it (`announce`), so the notice goes out exactly when the
decision is visible; each worker keeps one connection LISTENing and wakes the holds waiting
on that id. Waiting still re-reads the database every WAIT_POLL_S (every POLL_S without
notices: SQLite, or while the listener is reconnecting), so a lost notice only costs time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger("loopguard.notices")
CHANNEL = "loopguard_review"
POLL_S = 0.2  # no notices: how often a hold re-reads its item
WAIT_POLL_S = 2.0  # with notices: the safety net


def announce(session: Session, review_id: int) -> None:
    """Queues the notice in `session`'s transaction (PostgreSQL only; sent on commit)."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_notify(:channel, :id)").bindparams(channel=CHANNEL, id=str(review_id)))  # type: ignore[call-overload]


class Notices:
    """One worker's listener: `wait(id, ...)` returns early when a notice for `id` arrives."""

    def __init__(self, engine: Engine) -> None:
        self._url = (engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
                     if engine.dialect.name == "postgresql" else None)
        self._waiting: dict[int, set[asyncio.Event]] = defaultdict(set)
        self._listening = False
        self.draining = False  # the worker is shutting down: holds stop waiting (`drain`)

    async def run(self) -> None:
        """Listens until cancelled, reconnecting after a failure (a background task of the app)."""
        if self._url is None:
            return
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._listening = True
                    async for notice in conn.notifies():
                        if notice.payload.isdecimal():
                            self._wake(int(notice.payload))
            except psycopg.Error as exc:
                log.warning("decision notices lost their connection (%s); polling until it is back", type(exc).__name__)
            finally:
                self._listening = False
            await asyncio.sleep(1.0)

    def drain(self) -> None:
        """Graceful shutdown began (`proxy.shutdown`): every waiting hold wakes now and stops
        waiting; its item stays in the queue, decidable through any worker or after a restart."""
        self.draining = True
        for events in self._waiting.values():
            for event in events:
                event.set()

    def _wake(self, review_id: int) -> None:
        for event in self._waiting.get(review_id, ()):
            event.set()

    async def wait(self, review_id: int, limit_s: float) -> None:
        """Sleeps until a notice for the item, the poll interval, or `limit_s`, whichever is first."""
        if self.draining:
            return
        event = asyncio.Event()
        self._waiting[review_id].add(event)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(limit_s, WAIT_POLL_S if self._listening else POLL_S))
        finally:
            self._waiting[review_id].discard(event)
            if not self._waiting[review_id]:
                del self._waiting[review_id]
