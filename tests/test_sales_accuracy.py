"""The sales-email policy on labelled sales outputs: at least 0.97 on each dev set, and a floor on
the holdout set (written by an author who never saw the rules; measured, never tuned on).

The figures (per class and overall, with every miss) are printed at the end of the run
(tests/eval_report.py), so `make test` reports them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.sales_accuracy import EXTRA_SET, OWN_SET, POLICY, SHARED_SET, evaluate
from checks.registry import discover
from checks.resources import Resources
from proxy.policy import LoadedPolicy, load_policy, shipped_policies_dir
from tests.eval_report import report

pytestmark = pytest.mark.independent  # stateless CPU-bound tests: spread over the xdist workers

HOLDOUT = Path(__file__).parent / "data" / "eval" / "sales_holdout.jsonl"


@pytest.fixture(scope="module")
def loaded(resources: Resources) -> LoadedPolicy:
    return load_policy(shipped_policies_dir() / f"{POLICY}.yaml", discover(), resources)


@pytest.mark.parametrize(("path", "target"), [(SHARED_SET, 0.97), (OWN_SET, 0.97), (EXTRA_SET, 0.97), (HOLDOUT, 0.95)],
                         ids=["shared-sales_dev", "sales_email_dev", "sales_email_extra", "sales_holdout"])
def test_sales_email_accuracy(path: Path, target: float, loaded: LoadedPolicy) -> None:
    result = evaluate(path, loaded)
    for line in result.lines():
        report(line)
    assert result.accuracy >= target, "\n".join(result.lines())
