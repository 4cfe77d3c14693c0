"""Check cost per KB at 0.2, 1, 10 and 100 KB: loopguard's check suite per shipped policy vs
stock presidio (AnalyzerEngine with en_core_web_sm, its default recognizers, on the entity
types it shares with loopguard), in one process, side by side. Texts are realistic replies of
each size, a different one for every pass, so no cache sees a text twice.

Cost should grow linearly: "x 100 KB/1 KB" is the time per KB at 100 KB over the time per KB
at 1 KB (1.0 is linear). "peak +MB" is how much the process's peak memory rose while checking
the 100 KB texts. "default/stock" is the PII policy's time over stock presidio's (the issue's
target: at most 0.2).

    python bench/check_cost.py [--smoke]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pii_accuracy import STOCK_ENTITIES, STOCK_THRESHOLD, stock_analyzer
from bench.replies import reply
from checks.registry import discover
from checks.resources import Resources
from checks.types import CheckContext
from proxy.policy import load_policies

SIZES_KB = [0.2, 1, 10, 100]
PASSES = {0.2: 20, 1: 10, 10: 3, 100: 1}
POLICIES = ["default", "sales-email", "support-reply"]


def ms_per_kb(check: Callable[[str], object], size_kb: float, passes: int, seed: int) -> float:
    texts = [reply(int(size_kb * 1024), seed=seed + i) for i in range(passes + 1)]
    check(texts[-1])  # warm-up
    samples = []
    for text in texts[:passes]:
        started = time.perf_counter()
        check(text)
        samples.append((time.perf_counter() - started) * 1000 / (len(text.encode()) / 1024))
    return statistics.median(samples)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    sizes = [0.2, 1] if args.smoke else SIZES_KB
    policies = load_policies(None, discover(), Resources())
    context = CheckContext()
    analyzer = stock_analyzer()
    guards: dict[str, Callable[[str], object]] = {
        name: (lambda text, suite=policies[name].suite: suite.run(text, context)) for name in POLICIES}
    guards["stock presidio"] = lambda text: analyzer.analyze(text, language="en", entities=STOCK_ENTITIES,
                                                             score_threshold=STOCK_THRESHOLD)
    table: dict[str, dict[float, float]] = {name: {} for name in guards}
    growth: dict[str, float] = {}
    for guard in guards.values():  # warm-up: lazily loaded lexicons, first-call allocations
        for seed in range(3):
            guard(reply(1024, seed=50_000 + seed))
    for name, guard in guards.items():
        for size in sizes:
            before = peak_mb()
            table[name][size] = ms_per_kb(guard, size, 1 if args.smoke else PASSES[size], seed=hash(name) % 1000)
            if size == sizes[-1]:
                growth[name] = peak_mb() - before
    print("Check cost: ms per KB of realistic replies, median of passes, one process")
    print(f"{'':<16}" + "".join(f"{f'{s:g} KB':>9}" for s in sizes) + f"{'x ' + f'{sizes[-1]:g} KB/1 KB':>16}{'peak +MB':>10}")
    for name, row in table.items():
        print(f"{name:<16}" + "".join(f"{row[s]:>9.2f}" for s in sizes) + f"{row[sizes[-1]] / row[1]:>16.2f}{growth[name]:>10.0f}")
    stock = table["stock presidio"]
    print(f"{'default/stock':<16}" + "".join(f"{table['default'][s] / stock[s]:>9.2f}" for s in sizes))


if __name__ == "__main__":
    main()
