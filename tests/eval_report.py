"""Figures the eval-set tests measure, printed at the end of the pytest run (`make test`)."""

from __future__ import annotations

FIGURES: list[str] = []


def report(line: str) -> None:
    FIGURES.append(line)
