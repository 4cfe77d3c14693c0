"""Proxy overhead: p50/p95 latency of 1 KB non-streamed replies, direct to the fake provider
vs through loopguard (policy `default`, mode monitor), interleaved in one run.

Both servers are real processes on 127.0.0.1; the client is the official openai SDK.

    python bench/overhead.py [--requests N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openai import OpenAI

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from proxy.services import free_port, wait_until_up  # noqa: E402

# 1 KB of business prose with a few pieces of personal data for the checks to mask.
REPLY = (
    "Thanks for the time on Tuesday. As promised, here is a summary of where we landed. Your team wants the "
    "Enterprise plan for 40 seats, with SSO and the audit log add-on, starting next quarter. Jennifer Cherry "
    "will own the rollout on your side and can be reached at jennifer.cherry@example.com or (415) 555-0147. "
    "We agreed to a pilot with two regional teams first, then a wider launch once the admins are trained. "
    "Our onboarding lead will schedule three sessions: one for admins, one for managers, and one open Q&A. "
    "Invoices go to the finance office at 219 Nathan Plaza Apt. 909, South Erin, NE and are due net 30. "
    "The contract redlines are attached; legal flagged only the data processing addendum, which we can sign "
    "as is. If anything in this summary looks off, reply to this email and I will correct it before Friday. "
    "Looking forward to getting your teams live and to our quarterly review in the spring. Best regards."
)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        up_port, lg_port = free_port(), free_port()
        config = Path(tmp) / "loopguard.yaml"
        config.write_text(
            "model_list:\n  - model_name: fake-model\n    litellm_params:\n      model: openai/fake-model\n"
            f"      api_base: http://127.0.0.1:{up_port}/v1\n      api_key: sk-bench\n"
            f"database_url: sqlite:///{tmp}/bench.db\n")
        upstream = subprocess.Popen([sys.executable, "-m", "tests.fake_upstream", "--port", str(up_port)], env=env, cwd=ROOT)
        proxy = subprocess.Popen([str(bin_dir / "loopguard"), "serve", "--config", str(config), "--port", str(lg_port),
                                  "--log-level", "warning"], env=env, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(f"http://127.0.0.1:{up_port}/docs", upstream, "fake upstream")
            wait_until_up(f"http://127.0.0.1:{lg_port}/healthz", proxy, "loopguard")
            key = subprocess.run([str(bin_dir / "loopguard"), "keys", "create", "--app", "bench", "--policy", "default",
                                  "--mode", "monitor", "--config", str(config)],
                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            clients = {
                "direct": OpenAI(base_url=f"http://127.0.0.1:{up_port}/v1", api_key="sk-bench", max_retries=0),
                "loopguard": OpenAI(base_url=f"http://127.0.0.1:{lg_port}/v1", api_key=key, max_retries=0),
            }
            messages = [{"role": "user", "content": f"REPLY: {REPLY}"}]
            timings: dict[str, list[float]] = {name: [] for name in clients}
            for i in range(args.requests + 10):
                for name, client in clients.items():
                    started = time.perf_counter()
                    reply = client.chat.completions.create(model="fake-model", messages=messages)  # type: ignore[arg-type]
                    elapsed = (time.perf_counter() - started) * 1000
                    if i >= 10:  # warm-up excluded
                        timings[name].append(elapsed)
                    assert reply.choices[0].message.content
            masked = reply.choices[0].message.content
        finally:
            proxy.terminate()
            upstream.terminate()
            proxy.wait(10)
            upstream.wait(10)
    print(f"Overhead: {args.requests} sequential 1 KB non-streamed replies each, interleaved, openai SDK client")
    print(f"{'':<12}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name, values in timings.items():
        print(f"{name:<12}{percentile(values, 50):>10.2f}{percentile(values, 95):>10.2f}{statistics.mean(values):>10.2f}")
    d, g = timings["direct"], timings["loopguard"]
    print(f"{'added':<12}{percentile(g, 50) - percentile(d, 50):>10.2f}{percentile(g, 95) - percentile(d, 95):>10.2f}"
          f"{statistics.mean(g) - statistics.mean(d):>10.2f}")
    print(f"{'ratio':<12}{percentile(g, 50) / percentile(d, 50):>10.2f}{percentile(g, 95) / percentile(d, 95):>10.2f}")
    print(f"\nloopguard's reply (masked): {masked[:160]}...")


if __name__ == "__main__":
    main()
