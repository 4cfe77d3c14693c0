"""A load run that must reconcile exactly: every request sent is one stored interaction, every
held reply one review item, every decision sent one decision applied.

Concurrent clients send a mix to several loopguard workers (round robin) in front of the fake
provider, steered by the prompt: plain replies, replies the sales policy holds (answered at
once, `on_hold: defer`), provider errors (`FAIL 500`) and provider timeouts (`SLEEP`, longer
than `upstream_timeout_s`). Then every held item is approved through the review API, and the
database is counted.

    python -m bench.reconcile --base http://127.0.0.1:4000 --base http://127.0.0.1:4001 \\
        --key lg-... --app NAME --token lgu-... --database-url postgresql+psycopg://... --clients 50 --seconds 60

`tests/test_postgres_proxy.py` runs it bounded (a few seconds) on two workers on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from proxy.store.database import Store
from proxy.store.models import App, Decision, Interaction, ReviewItem

HELD = "REPLY: Deal {n}: we can do 35% off this quarter."
PLAIN = "REPLY: Thanks for your note {n}; see you Tuesday."


@dataclass(frozen=True)
class Mix:
    error_rate: float = 0.05
    timeout_rate: float = 0.02
    held_rate: float = 0.2
    timeout_prompt: str = "SLEEP 5"

    def prompt(self, n: int) -> str:
        """The n-th request's prompt: the mix spread evenly over every 100 requests."""
        slot = n % 100
        if slot < self.error_rate * 100:
            return "FAIL 500"
        if slot < (self.error_rate + self.timeout_rate) * 100:
            return self.timeout_prompt
        if slot < (self.error_rate + self.timeout_rate + self.held_rate) * 100:
            return HELD.format(n=n)
        return PLAIN.format(n=n)


@dataclass
class Sent:
    status: int  # NO_ANSWER: the connection failed (a worker that died, a client timeout)
    review_id: int | None
    interaction_id: int | None = None  # from the reply's `loopguard` object (2xx only)
    seconds: float = 0.0
    error: str | None = None  # why there was no answer (the transport error's type)


NO_ANSWER = 0


async def drive(bases: list[str], key: str, clients: int, mix: Mix, requests: int | None = None,
                seconds: float | None = None) -> list[Sent]:
    """Sends until `requests` were sent or `seconds` passed, from `clients` concurrent clients."""
    numbers = itertools.count()
    deadline = time.monotonic() + seconds if seconds else None
    sent: list[Sent] = []

    async def client(index: int) -> None:
        async with httpx.AsyncClient(timeout=60, headers={"Authorization": f"Bearer {key}"}) as http:
            while True:
                n = next(numbers)
                if (requests is not None and n >= requests) or (deadline and time.monotonic() > deadline):
                    return
                body = {"model": "fake-model", "messages": [{"role": "user", "content": mix.prompt(n)}]}
                started = time.perf_counter()
                try:
                    response = await http.post(f"{bases[n % len(bases)]}/v1/chat/completions", json=body)
                except httpx.TransportError as exc:
                    sent.append(Sent(NO_ANSWER, None, None, time.perf_counter() - started, type(exc).__name__))
                    await asyncio.sleep(0.05)  # a dead worker refuses at once: do not spin on it
                    continue
                review = response.headers.get("x-loopguard-review-id")
                sent.append(Sent(response.status_code, int(review) if review else None,
                                 _interaction_id(response), time.perf_counter() - started))

    await asyncio.gather(*(client(i) for i in range(clients)))
    return sent


def _interaction_id(response: httpx.Response) -> int | None:
    if not response.is_success:
        return None
    info = response.json().get("loopguard") or {}
    return info.get("interaction_id") if isinstance(info.get("interaction_id"), int) else None


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else 0.0


def approve_all(bases: list[str], token: str, review_ids: list[int]) -> int:
    """Approves each held item once (alternating workers); returns how many were applied."""
    applied = 0
    for n, review_id in enumerate(review_ids):
        with httpx.Client(base_url=f"{bases[n % len(bases)]}/api", headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as api:
            response = api.post(f"/reviews/{review_id}/decision", json={"action": "approve", "reason_code": "approved_as_is"})
            applied += response.status_code == 200
    return applied


@dataclass(frozen=True)
class Reconciliation:
    sent: int
    statuses: dict[int, int]
    interactions: int
    interaction_states: dict[str, int]
    held_replies: int
    review_items: int
    decisions_sent: int
    decisions_applied: int
    decisions_stored: int
    items_decided_twice: int

    @property
    def exact(self) -> bool:
        ok = self.statuses.get(200, 0)
        return (self.sent == self.interactions and self.held_replies == self.review_items
                and self.interaction_states.get("completed", 0) == ok
                and self.interaction_states.get("failed", 0) == self.sent - ok
                and self.decisions_sent == self.decisions_applied == self.decisions_stored
                and self.items_decided_twice == 0)


def count(store: Store, app_name: str, sent: list[Sent], decisions_sent: int, applied: int) -> Reconciliation:
    with store.session() as s:
        app = s.exec(select(App).where(App.name == app_name)).one()
        states = dict(s.exec(select(Interaction.state, func.count()).where(Interaction.app_id == app.id)
                             .group_by(Interaction.state)).all())
        items = list(s.exec(select(ReviewItem.id).where(ReviewItem.app_id == app.id)))
        per_item = Counter(s.exec(select(Decision.review_id).where(col(Decision.review_id).in_(items)))) if items else Counter()
    held = [x.review_id for x in sent if x.review_id is not None]
    return Reconciliation(
        sent=len(sent), statuses=dict(Counter(x.status for x in sent)), interactions=sum(states.values()),
        interaction_states=states, held_replies=len(set(held)), review_items=len(items), decisions_sent=decisions_sent,
        decisions_applied=applied, decisions_stored=sum(per_item.values()),
        items_decided_twice=sum(1 for c in per_item.values() if c > 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", action="append", required=True)
    parser.add_argument("--key", required=True, help="an app key (review mode, on_hold defer, sales-email policy)")
    parser.add_argument("--app", required=True, help="that key's app name")
    parser.add_argument("--token", required=True, help="a reviewer's API token granted the app")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    started = time.monotonic()
    sent = asyncio.run(drive(args.base, args.key, args.clients, Mix(), seconds=args.seconds))
    elapsed = time.monotonic() - started
    held = sorted({x.review_id for x in sent if x.review_id is not None})
    applied = approve_all(args.base, args.token, held)
    result = count(Store(args.database_url), args.app, sent, len(held), applied)
    seconds = [x.seconds for x in sent if x.status == 200]
    print(f"{result.sent} requests in {elapsed:.1f} s ({result.sent / elapsed:.1f}/s), statuses {result.statuses}")
    print(f"latency of 200s: p50 {percentile(seconds, 0.5) * 1000:.0f} ms, p95 {percentile(seconds, 0.95) * 1000:.0f} ms")
    print(f"interactions {result.interactions} {result.interaction_states}; review items {result.review_items} "
          f"(held replies {result.held_replies}); decisions sent {result.decisions_sent}, applied "
          f"{result.decisions_applied}, stored {result.decisions_stored}; decided twice {result.items_decided_twice}")
    print("RECONCILED EXACTLY" if result.exact else "DOES NOT RECONCILE")
    raise SystemExit(0 if result.exact else 1)


if __name__ == "__main__":
    main()
