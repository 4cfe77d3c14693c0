"""Webhooks: an app hears at its own URL when one of its reviews is decided, times out, or
passes its SLA deadline.

An event is a `WebhookDelivery` row written right after the state change it reports, so a
restart loses nothing; the app's background task (`proxy.review.sweeps`) sends due rows, records
every attempt as a `WebhookAttempt`, and retries failures with exponential backoff
(`webhook_backoff_s`, doubling, capped at an hour) up to `webhook_max_attempts`. The body
is frozen at the first attempt, so every retry sends and signs the same bytes. Several
workers may run the task: a worker leases a row with a conditional update before sending.

Signing: header `X-Loopguard-Signature` is the hex HMAC-SHA256 of the raw body. The
per-app secret is derived, never stored: HMAC-SHA256(`secret_key` from loopguard.yaml,
"loopguard-webhook:<app>:<salt>"), with a random salt kept on the app and replaced when
the webhook URL is set again (which rotates the secret). The database alone cannot
produce it; `loopguard keys create --webhook` and `loopguard apps set-webhook` print it
once, and nothing logs it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlmodel import col, select, update

from proxy.store.database import Store
from proxy.store.models import App, ReviewItem, WebhookAttempt, WebhookDelivery, utcnow

log = logging.getLogger("loopguard.webhooks")
SIGNATURE_HEADER = "X-Loopguard-Signature"
MAX_BACKOFF_S = 3600.0
BATCH = 20


class WebhookConfigError(Exception):
    """Webhooks cannot be signed: `secret_key` is missing from loopguard.yaml."""


@dataclass(frozen=True)
class WebhookSettings:
    """What sending needs from loopguard.yaml."""

    secret_key: str | None
    public_url: str
    timeout_s: float
    max_attempts: int
    backoff_s: float


def signing_secret(secret_key: str | None, app: App) -> str:
    if not secret_key:
        raise WebhookConfigError("set secret_key in loopguard.yaml (e.g. secret_key: os.environ/LOOPGUARD_SECRET_KEY) "
                                 "to sign webhooks")
    message = f"loopguard-webhook:{app.name}:{app.webhook_salt or ''}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def review_link(public_url: str, review_id: int) -> str:
    """The stable deep link to an item in the review UI."""
    return f"{public_url.rstrip('/')}/review/items/{review_id}"


def enqueue(store: Store, review_id: int, event: str) -> bool:
    """Queues `event` for the item's app if it has a webhook; the payload is the item as it is now."""
    with store.session() as s:
        row = s.exec(select(ReviewItem, App).join(App, col(App.id) == ReviewItem.app_id)
                     .where(col(ReviewItem.id) == review_id)).first()
        if row is None or not row[1].webhook_url or row[0].gold:  # a gold item is never announced (proxy.review.gold)
            return False
        item, app = row
        s.add(WebhookDelivery(app_id=app.id or 0, review_id=review_id, event=event, payload=_payload(item, event)))
        s.commit()
    return True


def _payload(item: ReviewItem, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "review_id": item.id,
        "status": item.status,
        "tier": item.tier,
        "policy": item.policy,
        "decided_at": item.decided_at.isoformat() if item.decided_at else None,
        "sla_deadline": item.sla_deadline.isoformat() if item.sla_deadline else None,
        "released_output": item.released_output,
    }


def _backoff(settings: WebhookSettings, attempts: int) -> float:
    return float(min(settings.backoff_s * 2 ** max(attempts - 1, 0), MAX_BACKOFF_S))


def _lease(store: Store, settings: WebhookSettings, now: datetime) -> list[tuple[WebhookDelivery, App]]:
    """Due deliveries this worker now owns: each moved past the send's timeout by a
    conditional update, so another worker skips it."""
    leased = []
    lease_until = now + timedelta(seconds=settings.timeout_s * 2 + 1)
    with store.session() as s:
        due = s.exec(select(WebhookDelivery, App).join(App, col(App.id) == WebhookDelivery.app_id)
                     .where(col(WebhookDelivery.status) == "pending", col(WebhookDelivery.next_attempt_at) <= now)
                     .order_by(col(WebhookDelivery.next_attempt_at)).limit(BATCH)).all()
        for delivery, app in due:
            took = s.exec(update(WebhookDelivery)
                          .where(col(WebhookDelivery.id) == delivery.id,
                                 col(WebhookDelivery.next_attempt_at) == delivery.next_attempt_at,
                                 col(WebhookDelivery.status) == "pending")
                          .values(next_attempt_at=lease_until))
            if took.rowcount:
                leased.append((delivery, app))
        s.commit()
    return leased


def _body(delivery: WebhookDelivery, app: App, settings: WebhookSettings) -> str:
    if delivery.body is not None:
        return delivery.body
    payload = {**delivery.payload, "delivery_id": delivery.id, "app": app.name,
               "link": review_link(settings.public_url, delivery.review_id)}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


async def deliver_due(store: Store, settings: WebhookSettings, client: httpx.AsyncClient) -> int:
    """Sends every due delivery once; returns how many were attempted."""
    leased = _lease(store, settings, utcnow())
    for delivery, app in leased:
        await _attempt(store, settings, client, delivery, app)
    return len(leased)


async def _attempt(store: Store, settings: WebhookSettings, client: httpx.AsyncClient,
                   delivery: WebhookDelivery, app: App) -> None:
    body = _body(delivery, app, settings)
    started = time.perf_counter()
    status_code: int | None = None
    error = ""
    try:
        secret = signing_secret(settings.secret_key, app)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body.encode()),
                   "X-Loopguard-Event": delivery.event, "X-Loopguard-Delivery": str(delivery.id)}
        if not app.webhook_url:
            raise WebhookConfigError("the app no longer has a webhook URL")
        response = await client.post(app.webhook_url, content=body.encode(), headers=headers,
                                     timeout=settings.timeout_s)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except (httpx.HTTPError, WebhookConfigError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    _record(store, settings, delivery, body, status_code, error, round((time.perf_counter() - started) * 1000, 1))


def _record(store: Store, settings: WebhookSettings, delivery: WebhookDelivery, body: str, status_code: int | None,
            error: str, duration_ms: float) -> None:
    attempts = delivery.attempts + 1
    now = utcnow()
    values: dict[str, Any] = {"attempts": attempts, "body": body}
    if not error:
        values |= {"status": "delivered", "delivered_at": now}
    elif attempts >= settings.max_attempts:
        values |= {"status": "failed"}
    else:
        values |= {"next_attempt_at": now + timedelta(seconds=_backoff(settings, attempts))}
    with store.session() as s:
        s.add(WebhookAttempt(delivery_id=delivery.id or 0, at=now, status_code=status_code, error=error,
                             duration_ms=duration_ms))
        s.exec(update(WebhookDelivery).where(col(WebhookDelivery.id) == delivery.id).values(**values))
        s.commit()
    outcome = "delivered" if not error else values.get("status", "retrying")
    store.audit("webhooks", "webhook.attempt", f"review:{delivery.review_id}",
                {"delivery_id": delivery.id, "event": delivery.event, "attempt": attempts, "status_code": status_code,
                 "outcome": outcome, "error": error})
    if error:
        log.warning("webhook delivery %s for review %s: attempt %s failed (%s)", delivery.id, delivery.review_id,
                    attempts, error)


def deliveries_for(store: Store, review_id: int) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    """An item's deliveries with their attempts, oldest first (for the item page)."""
    with store.session() as s:
        deliveries = list(s.exec(select(WebhookDelivery).where(WebhookDelivery.review_id == review_id)
                                 .order_by(col(WebhookDelivery.id))))
        ids = [d.id for d in deliveries]
        attempts = list(s.exec(select(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(ids))
                               .order_by(col(WebhookAttempt.id)))) if ids else []
    by_delivery: dict[int, list[WebhookAttempt]] = {}
    for a in attempts:
        by_delivery.setdefault(a.delivery_id, []).append(a)
    return [(d, by_delivery.get(d.id or 0, [])) for d in deliveries]
