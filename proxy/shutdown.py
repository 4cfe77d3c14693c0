"""Graceful shutdown: held `wait` requests end cleanly when their worker stops.

On SIGTERM (or Ctrl-C) uvicorn stops accepting connections and gives the requests in flight
`shutdown_grace_s` to finish (its `timeout_graceful_shutdown`; `loopguard serve` sets it),
then cancels what is left. Requests that are checking or streaming finish well inside it; a
`wait` hold would sit out its whole hold timeout and be cut off. So a worker that is told to
stop also drains its holds at once (`Notices.drain`): each re-reads its item a last time and
answers with the released text if it was decided, otherwise a 503 in OpenAI's shape that
names the review item, which stays in the queue for any worker, or the next start, to decide.

uvicorn owns the process's signal handlers; `drain_on_exit` chains onto them for the app's
lifetime. It only ever adds to a handler already there (a server run in a thread, as some
tests do, has none, and then nothing changes).
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from proxy.store.notices import Notices

SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def drain_on_exit(notices: Notices) -> Iterator[None]:
    """While inside, a SIGTERM or SIGINT drains `notices` before the server's own handler runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {sig: signal.getsignal(sig) for sig in SIGNALS}

    def handler(sig: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(notices.drain)
        prior = previous[sig]
        if callable(prior):
            prior(sig, frame)

    chained = [sig for sig, prior in previous.items() if callable(prior)]
    for sig in chained:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig in chained:
            if signal.getsignal(sig) is handler:
                signal.signal(sig, previous[sig])
