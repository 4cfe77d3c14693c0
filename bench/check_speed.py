"""Time per KB of the `sales-email` policy's compliance and brand checks, before and after.

"Before" is the checks package as of a base commit (default: the commit this branch started
from), exported with `git archive` and run in its own interpreter; "after" is this working
tree. Both run over the same texts (the sales dev sets' outputs and tool-call arguments),
after a warm-up pass, with parse caches emptied before every timed pass so each pass
parses its sentences afresh. Prints milliseconds per KB for each check and both together.

    python bench/check_speed.py [--base COMMIT] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_BASE = "f1e259e"

# Runs inside the tree being measured; reads the texts on stdin, prints ms/KB as JSON.
TIMER = r"""
import json, statistics, sys, time
import yaml
from checks.brand import BrandCheck, BrandConfig
from checks.compliance import ComplianceCheck, ComplianceConfig
from checks.resources import Resources
from checks.types import CheckContext

texts, repeat = json.load(sys.stdin), int(sys.argv[1])
policy = yaml.safe_load(open("policies/sales-email.yaml"))["checks"]
resources = Resources()
checks = {"compliance": ComplianceCheck(ComplianceConfig.model_validate(policy["compliance"]), resources),
          "brand": BrandCheck(BrandConfig.model_validate(policy["brand"]), resources)}
try:
    from checks.language.syntax import Syntax
    parser = Syntax.shared(resources)
except ImportError:
    parser = None
context, kb = CheckContext(), sum(len(t.encode()) for t in texts) / 1024
for text in texts:
    for check in checks.values():
        check.run(text, context)
result = {}
for name, check in [*checks.items(), ("both", None)]:
    runs = []
    for _ in range(repeat):
        if parser is not None:
            parser.clear()
        start = time.perf_counter()
        for text in texts:
            for c in ([check] if check else checks.values()):
                c.run(text, context)
        runs.append(time.perf_counter() - start)
    result[name] = 1000 * statistics.median(runs) / kb
result["kb"] = kb
print(json.dumps(result))
"""


def texts() -> list[str]:
    from bench.sales_accuracy import EXTRA_SET, OWN_SET, SHARED_SET, row_parts

    out = []
    for path in (SHARED_SET, OWN_SET, EXTRA_SET):
        if path.exists():
            out += [p for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
                    for p in row_parts(json.loads(line)) if p]
    return out


def measure(tree: Path, corpus: list[str], repeat: int) -> dict[str, float]:
    result = subprocess.run([sys.executable, "-c", TIMER, str(repeat)], input=json.dumps(corpus), text=True,
                            capture_output=True, cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, check=True)
    measured: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default=DEFAULT_BASE)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    corpus = texts()
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.base, "checks", "policies"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        before = measure(Path(tmp), corpus, args.repeat)
    after = measure(ROOT, corpus, args.repeat)
    print(f"sales-email checks over {len(corpus)} texts, {after['kb']:.1f} KB, median of {args.repeat} passes")
    print(f"{'ms per KB':<12}{'before ' + args.base:>18}{'after':>12}")
    for name in ("compliance", "brand", "both"):
        print(f"{name:<12}{before[name]:>18.2f}{after[name]:>12.2f}")
    per_text = after["kb"] / len(corpus)
    print(f"{'ms per text':<12}{before['both'] * per_text:>18.2f}{after['both'] * per_text:>12.2f}  (both checks, mean text)")


if __name__ == "__main__":
    main()
