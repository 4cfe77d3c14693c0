"""The gateway's state, built once at start-up and passed to every route explicitly.

Blocking work leaves the event loop: database calls go to the thread pool (`run_io`), and
checks of long texts, which are CPU-bound, to a bounded share of it (`run_checks`, at most
CHECK_THREADS at once per worker), so that under load requests queue for the checks instead
of thrashing, and the loop keeps streaming. Short texts are checked on the loop itself (see
`run_checks`). More CPU means more workers (`loopguard serve --workers N`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from starlette.concurrency import run_in_threadpool

from checks.registry import discover
from checks.resources import Resources
from proxy.config import ConfigError, Settings
from proxy.http.errors import ApiError
from proxy.http.unlogged import DatabaseFallback
from proxy.policy import LoadedPolicy, load_policies
from proxy.store.database import Store
from proxy.store.models import App
from proxy.store.notices import Notices
from proxy.store.sealing import KEY_ENV
from proxy.telemetry import Telemetry
from proxy.upstream import Upstream

T = TypeVar("T")
CHECK_THREADS = 2
# Texts up to this many characters are checked on the event loop: at most ~30 ms of it.
INLINE_CHECK_CHARS = 4096


@dataclass
class Gateway:
    settings: Settings
    store: Store
    upstream: Upstream
    policies: dict[str, LoadedPolicy]
    telemetry: Telemetry
    notices: Notices
    db_errors: DatabaseFallback  # on_db_error (proxy.http.unlogged)
    _checks: list[anyio.CapacityLimiter] = field(default_factory=list)  # made on first use, inside the loop

    async def run_checks(self, fn: Callable[..., T], *args: Any, chars: int | None = None) -> T:
        """`fn(*args)`, CPU-bound check work on about `chars` characters of text (None: unknown,
        or work that may wait on I/O: the database, a check that is not `cpu_only`).

        Up to INLINE_CHECK_CHARS it runs on the event loop: a thread would cost more than the
        check. The `regex` module releases the GIL at every match, so a check thread and a busy
        loop hand the GIL back and forth hundreds of times per check: measured on one worker
        under 16 clients, 1 KB replies under `default` took 27 ms of CPU each from a thread and
        19 ms on the loop (39 vs 52 requests/s). Longer texts go to a thread, at most
        CHECK_THREADS at a time, so that a 100 KB check does not stop the loop for a second.
        """
        if chars is not None and chars <= INLINE_CHECK_CHARS:
            return fn(*args)
        if not self._checks:
            self._checks.append(anyio.CapacityLimiter(CHECK_THREADS))
        return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=self._checks[0])

    async def run_io(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A blocking (database) call in the thread pool."""
        return await run_in_threadpool(fn, *args, **kwargs)

    @classmethod
    def build(cls, settings: Settings) -> Gateway:
        """Raises ConfigError for a bad config, SchemaError for a database not at this release's schema."""
        try:
            factories = discover(settings.check_plugins)
        except Exception as exc:  # a plugin that fails to import is a config error
            raise ConfigError(f"check_plugins: {exc}") from exc
        policies = load_policies(settings.policies_dir, factories, Resources())
        store = Store(settings.database_url, migrate=False)
        sealed = [name for name, p in policies.items() if p.policy.store_raw == "encrypted"]
        if sealed and not store.sealer.has_key:
            raise ConfigError(f"policies {', '.join(sealed)} use store_raw: encrypted; set the key in "
                              f"${KEY_ENV} (make one with: python -c 'from cryptography.fernet import Fernet; "
                              "print(Fernet.generate_key().decode())')")
        telemetry = Telemetry(store)
        store.listeners.append(telemetry.interaction_finished)
        return cls(settings, store, Upstream(settings), policies, telemetry, Notices(store.engine),
                   DatabaseFallback(settings.on_db_error, telemetry.registry))

    def policy_for(self, app: App) -> LoadedPolicy:
        if app.policy not in self.policies:
            raise ApiError(500, f"App '{app.name}' uses policy '{app.policy}', which this server has not loaded.",
                           "policy_not_loaded")
        return self.policies[app.policy]
