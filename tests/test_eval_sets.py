"""The PII check on labelled business texts, as the proxy runs it (normalised view, then fixes).

Floors: the issue's targets on the shared wild set (recall >= 0.95, at most 1 of 35 clean texts
altered), no regression on the template set, and regression floors a little under today's figures
on the second dev set and on the holdout set (written by an author who never saw the rules; it is
measured, never tuned on). Figures are printed at the end of the run.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from checks.engine import CheckSuite, apply_fixes
from checks.pii import PiiCheck, PiiConfig
from checks.resources import Resources
from checks.types import CheckContext
from tests.eval_report import report

pytestmark = pytest.mark.independent  # stateless CPU-bound tests: spread over the xdist workers

EVAL = Path(__file__).parent / "data" / "eval"


@pytest.fixture(scope="module")
def suite(resources: Resources) -> CheckSuite:
    return CheckSuite([PiiCheck(PiiConfig(), resources)])


@pytest.mark.parametrize(("name", "min_recall", "max_altered"), [
    ("pii_wild_dev", 0.95, 1),
    ("pii_dev", 1.0, 0),
    ("pii_wild_dev2", 0.94, 6),
    ("pii_holdout", 0.93, 7),
])
def test_pii_recall_and_clean_texts_left_alone(suite: CheckSuite, name: str, min_recall: float, max_altered: int) -> None:
    rows = [json.loads(line) for line in (EVAL / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    altered = clean = 0
    for row in rows:
        out = apply_fixes(row["text"], suite.run(row["text"], CheckContext()))
        for value in row["pii"]:
            total[value["type"]] += 1
            caught[value["type"]] += value["value"] not in out
        clean += not row["pii"]
        altered += (not row["pii"]) and out != row["text"]
    recall = sum(caught.values()) / sum(total.values())
    per_type = ", ".join(f"{t} {caught[t]}/{total[t]}" for t in sorted(total))
    report(f"{name}: PII recall {recall:.3f}, clean texts altered {altered}/{clean} ({per_type})")
    assert recall >= min_recall
    assert altered <= max_altered
