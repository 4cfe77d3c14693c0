"""Sending requests for the benchmarks: one at a time, or from concurrent clients, timed."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.servers import Server


@dataclass
class Target:
    """Where a benchmark sends requests: a server and the key (and so the policy) to use."""

    label: str
    server: Server
    key: str

    def request(self, prompt: str, stream: bool = False) -> dict[str, Any]:
        return {"url": f"{self.server.base_url}/chat/completions", "headers": {"Authorization": f"Bearer {self.key}"},
                "json": {"model": "fake-model", "stream": stream, "messages": [{"role": "user", "content": prompt}]}}


@dataclass
class Timings:
    values: list[float] = field(default_factory=list)
    errors: int = 0

    def p(self, q: int) -> float:
        if len(self.values) < 2:
            return self.values[0] if self.values else float("nan")
        return statistics.quantiles(self.values, n=100, method="inclusive")[q - 1]


def timed_call(client: httpx.Client, target: Target, prompt: str) -> float:
    started = time.perf_counter()
    response = client.post(**target.request(prompt))
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


async def concurrent(target: Target, prompts: list[str], clients: int, timeout: float = 60) -> Timings:
    """`prompts` sent by `clients` concurrent clients (each waits for its reply before the next)."""
    timings = Timings()
    queue = list(reversed(prompts))
    async with httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=clients)) as client:
        async def worker() -> None:
            while queue:
                prompt = queue.pop()
                started = time.perf_counter()
                try:
                    response = await client.post(**target.request(prompt))
                    response.raise_for_status()
                    timings.values.append((time.perf_counter() - started) * 1000)
                except httpx.HTTPError:
                    timings.errors += 1
        await asyncio.gather(*(worker() for _ in range(clients)))
    return timings


async def saturate(target: Target, prompt_for: Any, clients: int, seconds: float) -> tuple[Timings, float]:
    """Closed-loop load for `seconds` from `clients` clients: the timings and the elapsed time."""
    timings = Timings()
    deadline = time.monotonic() + seconds
    counter = iter(range(10**9))
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients)) as client:
        async def worker() -> None:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.post(**target.request(prompt_for(next(counter))))
                    response.raise_for_status()
                    timings.values.append((time.perf_counter() - started) * 1000)
                except httpx.HTTPError:
                    timings.errors += 1
        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
    return timings, time.monotonic() - started


def sse_payloads(lines: list[str]) -> list[Any]:
    """The JSON payloads of an SSE body's data lines (without [DONE])."""
    return [json.loads(line[6:]) for line in lines if line.startswith("data: ") and line[6:].strip() != "[DONE]"]
