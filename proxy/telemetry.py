"""Prometheus metrics: what this process saw (requests, latency, flags) and what the shared
database holds (decisions by action, queue depth and oldest age per tier).

Each gateway owns one `Telemetry` with its own registry (no process-wide state). The
request path is not instrumented call by call: the store announces every finished
interaction (`Store.listeners`), and `interaction_finished` reads the figures it was given,
so streamed and non-streamed requests are counted the same way. Database figures are read
at scrape time, so every worker reports the same queue (and are left out while the database is
unreachable: the process's own counters, such as `loopguard_unlogged`, matter most then).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from proxy.store.database import OPEN_STATUSES, Store
from proxy.store.models import Decision, ReviewItem, utcnow

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class QueueCollector(Collector):
    """Decisions by action and the open queue per tier, read from the database per scrape."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        decisions = GaugeMetricFamily("loopguard_decisions", "Review decisions stored, by action", labels=["action"])
        depth = GaugeMetricFamily("loopguard_queue_depth", "Open review items (pending, claimed, escalated)",
                                  labels=["tier"])
        oldest = GaugeMetricFamily("loopguard_queue_oldest_age_seconds", "Age of the oldest open item", labels=["tier"])
        now = utcnow()
        try:
            with self.store.session() as s:
                for action, n in s.exec(select(Decision.action, func.count()).group_by(col(Decision.action))):
                    decisions.add_metric([action], n)
                for tier, n, first in s.exec(select(ReviewItem.tier, func.count(), func.min(ReviewItem.created_at))
                                             .where(col(ReviewItem.status).in_(OPEN_STATUSES))
                                             .group_by(col(ReviewItem.tier))):
                    depth.add_metric([tier], n)
                    started = first if first.tzinfo else first.replace(tzinfo=UTC)
                    oldest.add_metric([tier], max((now - started).total_seconds(), 0.0))
        except OperationalError:  # the database is down: the process's own figures are still scraped
            return
        yield from (decisions, depth, oldest)


class Telemetry:
    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("loopguard_requests", "Chat completion requests finished, by outcome", ["state"],
                                registry=self.registry)
        self.latency = Histogram("loopguard_latency_seconds", "Time per request part (upstream, checks, total)",
                                 ["part"], buckets=SECONDS, registry=self.registry)
        self.flags = Counter("loopguard_flags", "Findings per check and rule", ["check", "rule"], registry=self.registry)
        self.registry.register(QueueCollector(store))

    def interaction_finished(self, fields: dict[str, Any]) -> None:
        """Counts a `Store.finish_interaction` call that ends an interaction (it carries its
        `state`); earlier writes of the same figures (a held item's findings) are not counted."""
        state = fields.get("state")
        if state not in ("completed", "failed"):
            return
        self.requests.labels(state).inc()
        for part in ("upstream", "checks", "total"):
            ms = fields.get(f"{part}_ms")
            if isinstance(ms, int | float):
                self.latency.labels(part).observe(ms / 1000)
        for finding in fields.get("findings") or []:
            self.flags.labels(str(finding.get("check", "")), str(finding.get("rule", ""))).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
