"""Throughput at saturation on this machine: requests per second, error rate and peak memory
per worker process, loopguard (policy `default`, monitor mode) vs LiteLLM's proxy (no
guardrails), each with two workers (one per core), under a closed loop of concurrent clients
sending 1 KB replies for a fixed time, side by side in one run.

    python bench/throughput.py [--clients 32] [--seconds 15] [--workers 2] [--smoke] [--no-install] [--baseline DIR]

`--baseline DIR` also measures another revision's source tree (see bench/overhead.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import Target, saturate
from bench.replies import reply
from bench.servers import (
    Server,
    fake_upstream,
    litellm_proxy,
    litellm_proxy_bin,
    litellm_proxy_version,
    loopguard,
    peak_rss_mb,
    workdir,
)


def prompt(i: int) -> str:
    return "REPLY: " + reply(1024, seed=i)


def measure(target: Target, server: Server, clients: int, seconds: float) -> tuple[float, float, float, list[float]]:
    asyncio.run(saturate(target, prompt, clients, min(3.0, seconds)))  # warm-up
    timings, elapsed = asyncio.run(saturate(target, lambda i: prompt(100_000 + i), clients, seconds))
    done = len(timings.values)
    rate = done / elapsed
    errors = timings.errors / max(1, done + timings.errors)
    workers = [peak_rss_mb(pid) for pid in server.pids()[1:]] or [peak_rss_mb(server.proc.pid)]
    return rate, errors, timings.p(50), workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--no-install", action="store_true")
    parser.add_argument("--baseline", type=Path, help="another revision's source tree, measured too")
    args = parser.parse_args()
    clients, seconds, workers = (4, 1.0, 1) if args.smoke else (args.clients, args.seconds, args.workers)
    command = None if args.smoke else litellm_proxy_bin(install=not args.no_install)
    rows = {}
    with ExitStack() as stack:
        tmp = stack.enter_context(workdir())
        upstream = stack.enter_context(fake_upstream(tmp))
        if command is not None:
            with litellm_proxy(upstream, tmp, command, workers=workers) as gateway:
                rows[f"LiteLLM proxy {litellm_proxy_version()}"] = measure(
                    Target("LiteLLM", gateway, gateway.keys[""]), gateway, clients, seconds)
        with loopguard(upstream, tmp, ["default"], workers=workers) as guard:
            rows["loopguard default"] = measure(Target("loopguard", guard, guard.keys["default"]), guard, clients, seconds)
        if args.baseline is not None:
            with loopguard(upstream, tmp, ["default"], workers=workers, source=args.baseline.resolve()) as before:
                rows["before: loopguard default"] = measure(Target("before", before, before.keys["default"]), before,
                                                            clients, seconds)
    print(f"Throughput at saturation: {clients} clients for {seconds:g} s, 1 KB replies, {workers} worker(s) each")
    if command is None:
        print("(LiteLLM's proxy left out: smoke mode, or not installed; `make bench` installs it once)")
    print(f"{'':<26}{'req/s':>9}{'errors':>9}{'p50 ms':>9}{'peak RSS per worker, MB':>26}")
    for label, (rate, errors, p50, workers) in rows.items():
        print(f"{label:<26}{rate:>9.1f}{errors:>9.1%}{p50:>9.1f}{' / '.join(f'{w:.0f}' for w in workers):>26}")
    lite = next((row for label, row in rows.items() if label.startswith("LiteLLM")), None)
    if lite is not None:
        for label, row in rows.items():
            if label.startswith(("loopguard", "before")):
                print(f"{label.replace('loopguard ', '') + ' / LiteLLM':<26}{row[0] / lite[0]:>9.2f}")


if __name__ == "__main__":
    main()
