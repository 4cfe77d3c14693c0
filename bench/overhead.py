"""Gateway overhead: p50/p95 latency of 1 KB non-streamed replies, sequential and with 16
concurrent clients, side by side in one run: the fake provider direct, LiteLLM's proxy (no
guardrails), and loopguard with no checks and with each shipped policy (monitor mode).

Every request asks for a different realistic reply (names, products, figures), so no cache
sees a text twice. Sequential requests go round-robin over the targets, so load from other
processes falls on all of them alike. "added" is a target's p50 minus the direct p50; "vs
LiteLLM" divides it by LiteLLM's added p50 (the issue's targets: at most 1.0 for every policy,
0.5 with no checks).

`--baseline DIR` runs another revision's source tree beside this one (rows "before ..."), so a
change is measured against what it replaces under the same load:

    git worktree add /tmp/base main   # or: git archive main | tar -x -C /tmp/base
    python bench/overhead.py [--requests N] [--clients 16] [--smoke] [--no-install] [--baseline /tmp/base]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import Target, Timings, concurrent, timed_call
from bench.replies import reply
from bench.servers import fake_upstream, litellm_proxy, litellm_proxy_bin, litellm_proxy_version, loopguard, workdir

POLICIES = ["none", "default", "sales-email", "support-reply"]
WARMUP = 10


def prompt(i: int) -> str:
    return "REPLY: " + reply(1024, seed=i)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="per target, sequential and concurrent each")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--smoke", action="store_true", help="tiny counts: check that it runs")
    parser.add_argument("--no-install", action="store_true", help="skip LiteLLM's proxy unless already installed")
    parser.add_argument("--baseline", type=Path, help="another revision's source tree, measured beside this one")
    args = parser.parse_args()
    requests, warmup = (4, 2) if args.smoke else (args.requests, WARMUP)
    command = None if args.smoke else litellm_proxy_bin(install=not args.no_install)
    with ExitStack() as stack:
        tmp = stack.enter_context(workdir())
        upstream = stack.enter_context(fake_upstream(tmp))
        targets = [Target("direct", upstream, "sk-bench")]
        if command is not None:
            gateway = stack.enter_context(litellm_proxy(upstream, tmp, command))
            targets.append(Target("LiteLLM proxy", gateway, gateway.keys[""]))
        guard = stack.enter_context(loopguard(upstream, tmp, POLICIES))
        targets += [Target(f"loopguard {p}", guard, guard.keys[p]) for p in POLICIES]
        if args.baseline is not None:
            before = stack.enter_context(loopguard(upstream, tmp, POLICIES, source=args.baseline.resolve()))
            targets += [Target(f"before {p}", before, before.keys[p]) for p in POLICIES]
        sequential = {t.label: Timings() for t in targets}
        with httpx.Client(timeout=60) as client:
            for i in range(warmup + requests):
                for target in targets:
                    elapsed = timed_call(client, target, prompt(i))
                    if i >= warmup:
                        sequential[target.label].values.append(elapsed)
        loaded = {t.label: asyncio.run(concurrent(t, [prompt(10_000 + i) for i in range(requests)], args.clients))
                  for t in targets}
    print(f"Overhead: 1 KB non-streamed replies, {requests} per target sequential (round-robin) and {requests} "
          f"from {args.clients} concurrent clients; ms")
    if command is None:
        print("(LiteLLM's proxy left out: smoke mode, or not installed; `make bench` installs it once)")
    else:
        print(f"(LiteLLM proxy {litellm_proxy_version()}, one worker; loopguard one worker, monitor mode)")
    _table("sequential", sequential)
    _table(f"{args.clients} concurrent clients", loaded)


def _table(title: str, timings: dict[str, Timings]) -> None:
    direct = timings["direct"].p(50)
    base = timings["LiteLLM proxy"].p(50) - direct if "LiteLLM proxy" in timings else None
    print(f"\n{title:<24}{'p50':>9}{'p95':>9}{'added p50':>11}{'vs LiteLLM':>12}{'errors':>8}")
    for label, t in timings.items():
        added = t.p(50) - direct
        ratio = f"{added / base:.2f}" if base and label != "direct" else "-"
        print(f"{label:<24}{t.p(50):>9.1f}{t.p(95):>9.1f}{added:>11.1f}{ratio:>12}{t.errors:>8}")


if __name__ == "__main__":
    main()
