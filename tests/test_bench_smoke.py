"""The benchmarks of `make bench` in their smoke mode: tiny counts, real servers on 127.0.0.1,
asserting only that each runs to the end and prints its table. Smoke runs leave LiteLLM's proxy
out (it takes minutes to install once and a minute to start); `make bench` runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.independent  # stateless CPU-bound tests: spread over the xdist workers

ROOT = Path(__file__).resolve().parents[1]

# (script, a line its table must print)
BENCHES = [
    ("overhead.py", "loopguard support-reply"),
    ("streaming.py", "sales-email"),
    ("check_cost.py", "stock presidio"),
    ("throughput.py", "loopguard default"),
]


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("script", "row"), BENCHES)
def test_benchmark_runs_and_prints_its_table(script: str, row: str) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--smoke"], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert row in done.stdout, done.stdout
