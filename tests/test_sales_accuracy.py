"""The sales-email policy on the labelled sales dev sets: at least 0.97 on each.

The figures (per class and overall, with every miss) are printed in pytest's terminal
summary, so `make test` reports them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.sales_accuracy import EXTRA_SET, OWN_SET, POLICY, SHARED_SET, evaluate
from checks.registry import discover
from checks.resources import Resources
from proxy.policy import LoadedPolicy, load_policy, shipped_policies_dir

TARGET = 0.97


class _Figures:
    """A plugin that prints the collected figures in the terminal summary."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.section(f"{POLICY} accuracy (target {TARGET})")
        for line in self.lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def loaded() -> LoadedPolicy:
    return load_policy(shipped_policies_dir() / f"{POLICY}.yaml", discover(), Resources())


@pytest.fixture(scope="module")
def figures(request: pytest.FixtureRequest) -> _Figures:
    plugin = _Figures()
    request.config.pluginmanager.register(plugin, "loopguard-sales-figures")
    return plugin


@pytest.mark.parametrize("path", [SHARED_SET, OWN_SET, EXTRA_SET], ids=["shared-sales_dev", "sales_email_dev", "sales_email_extra"])
def test_sales_email_accuracy_on_the_dev_sets(path: Path, loaded: LoadedPolicy, figures: _Figures) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not beside the repo")
    report = evaluate(path, loaded)
    figures.lines.extend(report.lines())
    assert report.accuracy >= TARGET, "\n".join(report.lines())
