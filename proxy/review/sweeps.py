"""The app's background task: what happens to review items when nobody acts.

Every `sweep_interval_s` it expires holds older than their policy's `hold_timeout_s`
(deferred requests have nobody waiting to do it), marks items past their SLA deadline,
moves them up to the leads (pending ones become `escalated`; a reviewer's live claim is
left to finish first) and announces each breach once on the app's webhook, then sends due
webhook deliveries. Everything is a conditional update on the shared database, so several
workers can sweep at once without doing anything twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
from sqlmodel import col, select, update

from proxy.gateway import Gateway
from proxy.review import webhooks
from proxy.review.holds import expire
from proxy.store.database import OPEN_STATUSES
from proxy.store.models import Interaction, ReviewItem, utcnow

log = logging.getLogger("loopguard.sweeps")


def webhook_settings(gw: Gateway) -> webhooks.WebhookSettings:
    s = gw.settings
    return webhooks.WebhookSettings(s.secret_key, s.public_url, s.webhook_timeout_s, s.webhook_max_attempts,
                                    s.webhook_backoff_s)


def expire_timed_out(gw: Gateway) -> list[int]:
    """Blocking holds past their policy's hold timeout get its timeout action; their ids."""
    now = utcnow()
    expired = []
    shortest = min((p.policy.hold_timeout_s for p in gw.policies.values()), default=0.0)
    with gw.store.session() as s:
        open_items = s.exec(select(ReviewItem.id, ReviewItem.policy, ReviewItem.created_at, ReviewItem.interaction_id)
                            .where(col(ReviewItem.status).in_(OPEN_STATUSES), col(ReviewItem.blocking).is_(True),
                                   col(ReviewItem.created_at) < now - timedelta(seconds=shortest))).all()
    for review_id, policy_name, created_at, interaction_id in open_items:
        loaded = gw.policies.get(policy_name)
        if loaded is None or created_at + timedelta(seconds=loaded.policy.hold_timeout_s) > now:
            continue
        released = None
        if loaded.policy.timeout_action == "release":
            interaction = gw.store.get_interaction(interaction_id)
            released = [c["fixed"] for c in (interaction or Interaction(app_id=0)).candidates]
        if review_id is not None and expire(gw.store, review_id, released):
            expired.append(review_id)
    return expired


def mark_sla_breaches(gw: Gateway) -> list[int]:
    """Open items past their deadline: marked and announced once, and moved up to the leads
    unless a reviewer holds a live claim on them. Returns the newly breached ids."""
    now = utcnow()
    stale = now - timedelta(seconds=gw.settings.claim_timeout_s)
    with gw.store.session() as s:
        due = [i for i in s.exec(select(ReviewItem.id).where(col(ReviewItem.status).in_(OPEN_STATUSES),
                                                       col(ReviewItem.sla_breached_at).is_(None),
                                                       col(ReviewItem.sla_deadline) < now)) if i is not None]
        breached = []
        for review_id in due:
            marked = s.exec(update(ReviewItem).where(col(ReviewItem.id) == review_id,
                                                     col(ReviewItem.sla_breached_at).is_(None))
                            .values(sla_breached_at=now, version=col(ReviewItem.version) + 1))
            if marked.rowcount:
                breached.append(review_id)
        s.exec(update(ReviewItem)
               .where(col(ReviewItem.sla_breached_at).is_not(None),
                      (col(ReviewItem.status) == "pending")
                      | ((col(ReviewItem.status) == "claimed") & (col(ReviewItem.claimed_at) < stale)))
               .values(status="escalated", claimed_by=None, claimed_at=None, version=col(ReviewItem.version) + 1))
        s.commit()
    for review_id in breached:
        gw.store.audit("proxy", "review.sla_breach", f"review:{review_id}", {"escalated_to": "lead"})
        webhooks.enqueue(gw.store, review_id, "review.sla_breach")
    return breached


async def sweep_once(gw: Gateway, client: httpx.AsyncClient) -> None:
    await asyncio.to_thread(expire_timed_out, gw)
    await asyncio.to_thread(mark_sla_breaches, gw)
    await webhooks.deliver_due(gw.store, webhook_settings(gw), client)


async def run(gw: Gateway) -> None:
    """Sweeps until cancelled; a failing sweep is logged and the next one runs as usual."""
    async with httpx.AsyncClient(follow_redirects=False) as client:
        while True:
            try:
                await sweep_once(gw, client)
            except Exception:
                log.exception("background sweep failed; retrying in %.1f s", gw.settings.sweep_interval_s)
            await asyncio.sleep(gw.settings.sweep_interval_s)
