"""What a checked reply becomes for the app, per its mode: released, held, or blocked.

Shared by the JSON and the streamed paths of /v1/chat/completions. The interaction row
gets the candidates and findings before a review item that points at it is queued (the
reviewer and the release read them from it); otherwise everything is written once, at the
end, still before the response completes (`record`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from checks.types import CheckContext
from proxy.gateway import Gateway
from proxy.guard import GuardResult, check_context, guard_response, output_chars, public_finding
from proxy.http.errors import ApiError
from proxy.http.responses import completion_body, notice_message
from proxy.policy import LoadedPolicy
from proxy.review import gold
from proxy.review.holds import audit_sampled, new_review_item, wait_for_release
from proxy.store import quotas
from proxy.store.models import App

log = logging.getLogger("loopguard.proxy")
REVIEW_HEADER = "X-Loopguard-Review-Id"


@dataclass
class Exchange:
    """One request to /v1/chat/completions once authenticated and parsed: who asked, under
    which policy, what (the body forwarded upstream), and its interaction row. The row is
    written while the upstream is called (`row`, awaited before anything reads its id)."""

    gw: Gateway
    app: App
    policy: LoadedPolicy
    request: Request
    body: dict[str, Any]
    metadata: dict[str, Any]
    row: asyncio.Task[int]
    include_usage: bool = False
    window: quotas.Window | None = None  # where the request was rate-counted, for its tokens
    started: float = field(default_factory=time.perf_counter)

    @property
    def interaction_id(self) -> int:
        """The interaction row's id; only once `row` is done (after `recording_failures` entered)."""
        return self.row.result()

    @property
    def context(self) -> CheckContext:
        return check_context(self.body, self.metadata)

    def inline_chars(self, chars: int) -> int | None:
        """`chars` for `Gateway.run_checks`, or None when a check of this policy may wait on I/O."""
        return chars if self.policy.suite.cpu_only else None

    def checked_fields(self, guard: GuardResult, upstream_ms: float, checks_ms: float) -> dict[str, Any]:
        """The interaction columns a guard result fills, as the policy's `store_raw` allows."""
        return self.gw.store.sealer.protect(checked_fields(guard, upstream_ms, checks_ms), self.policy.policy.store_raw)

    def ms(self) -> float:
        """Milliseconds since the request was accepted."""
        return round((time.perf_counter() - self.started) * 1000, 2)

    async def record(self, **columns: Any) -> None:
        await self.gw.db_errors.finish(self.gw.store, await self.row, columns, self.gw.telemetry.interaction_finished)
        tokens = (columns.get("usage") or {}).get("total_tokens")
        if self.window is not None and isinstance(tokens, int):
            await self.gw.db_errors.tolerate(
                "rate_limit", self.gw.run_io(quotas.add_tokens, self.gw.store, self.window, tokens), None)

    @asynccontextmanager
    async def recording_failures(self) -> AsyncIterator[None]:
        """Records a failure inside as the interaction's end; an unexpected one becomes a 500.
        The interaction row exists on the way out, whatever happened."""
        try:
            yield
            await self.row
        except ApiError as exc:
            await self.record(state="failed", error=exc.message, total_ms=self.ms())
            raise
        except Exception as exc:
            log.exception("interaction %s failed", self.interaction_id)
            await self.record(state="failed", error=f"{type(exc).__name__}: {exc}", total_ms=self.ms())
            raise ApiError(500, "loopguard failed while handling this request; it has been logged.",
                           "internal_error") from exc


@dataclass(frozen=True)
class Outcome:
    """The review status, the messages the app may see (None: the notice replaces them), and the
    review id when one was queued."""

    status: str
    messages: list[dict[str, Any]] | None
    notice: str
    review_id: int | None = None


def checked_fields(guard: GuardResult, upstream_ms: float, checks_ms: float) -> dict[str, Any]:
    """The interaction columns a guard result fills."""
    return {"candidates": [c.to_dict() for c in guard.candidates], "findings": [f.to_dict() for f in guard.findings],
            "decision": guard.verdict.action, "usage": guard.head.get("usage") or {},
            "upstream_ms": upstream_ms, "checks_ms": checks_ms}


async def decide(gw: Gateway, app: App, policy: LoadedPolicy, interaction_id: int, guard: GuardResult,
                 metadata: dict[str, Any], checked: dict[str, Any],
                 disconnected: Callable[[], Awaitable[bool]]) -> Outcome:
    """The outcome per the app's mode; queues a review item when the output is held or flagged."""
    action = guard.verdict.action
    messages = policy.policy.messages
    held = action != "block" and (app.mode == "command" or (action == "hold" and app.mode == "review"))
    review_id = None
    if held or (action == "hold" and app.mode == "monitor") or audit_sampled(policy.policy, action, interaction_id):
        assert app.id is not None
        item = new_review_item(interaction_id, app.id, app.mode, policy.policy, guard, metadata, blocking=held)
        review_id = await gw.db_errors.queue_review(gw.store, interaction_id, checked, item)
        if review_id is None and held:  # no hold without the database to release it from: fail closed
            return Outcome("blocked", None, messages.block)
        if policy.policy.gold_rate and review_id is not None:  # a gold item beside it, for the gold_rate share
            await gw.run_checks(gold.add_beside, gw.store, policy, app.id, app.mode, str(guard.head.get("model") or ""),
                                review_id, held)
    if action == "block":
        return Outcome("blocked", None, messages.block, review_id)
    fixed = [c.fixed for c in guard.candidates]
    if not held:
        return Outcome("released", fixed, messages.block, review_id)
    assert review_id is not None
    if app.on_hold == "defer":
        return Outcome("pending", None, messages.hold, review_id)
    release = await wait_for_release(gw.store, gw.notices, review_id, policy.policy, fixed, disconnected)
    if release.status == "pending" and gw.notices.draining:
        raise shutting_down(review_id)
    return Outcome(release.status, release.messages, messages.block, review_id)


def shutting_down(review_id: int) -> ApiError:
    """The answer to a `wait` hold that its worker stopped waiting on as it shut down."""
    return ApiError(503, f"loopguard is restarting; this output is still held for review as {review_id}. Fetch its "
                         f"decision from GET /v1/reviews/{review_id}.", "shutting_down",
                    details={"review_id": review_id}, headers={"Retry-After": "5"})


def loopguard_info(interaction_id: int, policy: LoadedPolicy, guard: GuardResult, outcome: Outcome,
                   **extra: Any) -> dict[str, Any]:
    """The `loopguard` object of a response (or of a stream's last chunk)."""
    return {
        "interaction_id": interaction_id,
        "policy": policy.policy.name,
        "decision": guard.verdict.action,
        "status": outcome.status,
        "review_id": outcome.review_id,
        "tier": guard.verdict.tier.name,
        "findings": [public_finding(f) for f in guard.findings],
        **extra,
    }


async def whole_reply(ex: Exchange, upstream: dict[str, Any], upstream_ms: float) -> tuple[dict[str, Any], Outcome]:
    """A whole upstream response checked, decided and recorded: the body the app receives."""
    guard = await ex.gw.run_checks(guard_response, ex.policy, upstream, ex.context, chars=ex.inline_chars(output_chars(upstream)))
    checked = ex.checked_fields(guard, upstream_ms, round(ex.ms() - upstream_ms, 2))
    outcome = await decide(ex.gw, ex.app, ex.policy, ex.interaction_id, guard, ex.metadata, checked,
                           ex.request.is_disconnected)
    shown = outcome.messages if outcome.messages is not None else [notice_message(outcome.notice)]
    body = completion_body(guard, shown, outcome.messages is None, loopguard_info(ex.interaction_id, ex.policy, guard, outcome))
    await ex.record(state="completed", final_output=[c["message"] for c in body["choices"]], total_ms=ex.ms(), **checked)
    return body, outcome


def review_header(outcome: Outcome) -> dict[str, str]:
    return {REVIEW_HEADER: str(outcome.review_id)} if outcome.review_id else {}
