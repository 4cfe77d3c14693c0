"""What the normalised view costs: `normalize` per KB on clean ASCII, on ordinary prose with
curly quotes and dashes, and on obfuscated text; and a policy's checks run on the text as
written vs through `CheckSuite.run` (normalise, check, map spans back), with the ratio.

    python bench/normalize_cost.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks.engine import CheckSuite  # noqa: E402
from checks.language.normalize import normalize  # noqa: E402
from checks.registry import discover  # noqa: E402
from checks.resources import Resources  # noqa: E402
from checks.types import CheckContext, Finding  # noqa: E402
from proxy.policy import load_policy, shipped_policies_dir  # noqa: E402

CLEAN = (
    "Thanks for the time on Tuesday. As promised, here is a summary of where we landed. Your team wants the "
    "Enterprise plan for 40 seats, with SSO and the audit log add-on, starting next quarter. Jennifer Cherry "
    "will own the rollout on your side and can be reached at jennifer.cherry@example.com or (415) 555-0147. "
    "We agreed to a pilot with two regional teams first, then a wider launch once the admins are trained. "
    "Version 4.2.1 ships on 2024-11-30; the invoice of $1,200 is due 12/05/2024 and uptime was 99.9% at noon. "
)
PROSE = CLEAN.replace("As promised,", "As promised —").replace("your side", "your side’s “pilot”")
OBFUSCATED = (
    "Reach jane dot doe at example dot com or jane%40example.com; card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 or "
    "4111\u200b1111\u200b1111\u200b1111; SSN 536/22/8712. Unlike Gl\u043ebex and G l o b e x, we "
    "guar\u200bantee nothing; ４０％ off. "
)


def per_kb(text: str, kb: int) -> str:
    return (text * (kb * 1024 // len(text) + 1))[: kb * 1024]


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of `fn` over `repeat` runs."""
    return paired([fn], repeat)[0]


def paired(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """Median seconds of each of `fns`, run interleaved so that machine load hits them alike."""
    runs: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, times in zip(fns, runs, strict=True):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in runs]


def checks_as_written(suite: CheckSuite, text: str, context: CheckContext) -> list[list[Finding]]:
    return [check.run(text, context) for check in suite.checks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    samples = {"clean ASCII": CLEAN, "prose ’—“”": PROSE, "obfuscated": OBFUSCATED}

    started = time.perf_counter()
    normalize(OBFUSCATED)
    print(f"first call (loads the confusables data and the public suffix list once): "
          f"{(time.perf_counter() - started) * 1000:.0f} ms\n")

    print("normalize() alone, median per KB")
    print(f"{'text':<12}{'1 KB µs':>10}{'100 KB µs/KB':>15}")
    for name, sample in samples.items():
        one = timed(partial(normalize, per_kb(sample, 1)), args.repeat * 25)
        big = timed(partial(normalize, per_kb(sample, 100)), max(3, args.repeat // 8)) / 100
        print(f"{name:<12}{one * 1e6:>10.1f}{big * 1e6:>15.1f}")

    resources, factories, context = Resources(), discover(), CheckContext()
    print("\nchecks on 1 KB, median ms: each check on the text as written (no normalisation) vs CheckSuite.run")
    print("(normalise, check the normalised text, map spans back). On obfuscated text the checks find more, and")
    print("each finding costs its own fix, so the ratio there is mostly the extra findings, not normalisation.")
    print(f"{'policy':<14}{'text':<12}{'as written':>12}{'normalised':>12}{'ratio':>8}")
    for policy_name in ("default", "sales-email"):
        suite = load_policy(shipped_policies_dir() / f"{policy_name}.yaml", factories, resources).suite
        for name, sample in samples.items():
            text = per_kb(sample, 1)
            suite.run(text, context)  # warm caches
            raw, full = paired([partial(checks_as_written, suite, text, context), partial(suite.run, text, context)],
                               args.repeat)
            print(f"{policy_name:<14}{name:<12}{raw * 1000:>12.2f}{full * 1000:>12.2f}{full / raw:>8.3f}")


if __name__ == "__main__":
    main()
