"""Findings as highlighted text: a checked text cut into runs, each covered by the
findings whose span includes it, so every span can be marked in place even when spans
nest or overlap (an address that contains a phone number).

Numbers tie a highlight to its finding in the list beside it. A finding whose span does
not fit the text (or that has none: a metadata rule, a dropped field) is not marked; the
page lists it as about the whole output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


@dataclass(frozen=True)
class Mark:
    """A finding as the page shows it (never the matched text itself: the page shows that in place)."""

    number: int
    check: str
    rule: str
    severity: str
    action: str
    location: str
    start: int | None
    end: int | None
    fix: str | None
    message: str
    score: float

    @classmethod
    def from_finding(cls, number: int, f: dict[str, Any]) -> Mark:
        start, end = f.get("start"), f.get("end")
        return cls(number=number, check=str(f.get("check", "")), rule=str(f.get("rule", "")),
                   severity=str(f.get("severity", "low")), action=str(f.get("action", "")),
                   location=str(f.get("location", "content")),
                   start=start if isinstance(start, int) else None, end=end if isinstance(end, int) else None,
                   fix=f.get("fix") if isinstance(f.get("fix"), str) else None, message=str(f.get("message", "")),
                   score=float(f.get("score", 1.0) or 0.0))

    def fits(self, text: str) -> bool:
        return self.start is not None and self.end is not None and 0 <= self.start <= self.end <= len(text)

    @property
    def label(self) -> str:
        fix = f"; fix: {self.fix}" if self.fix is not None else ""
        return f"{self.number}. {self.check} / {self.rule} ({self.severity}, {self.action}){fix}"


@dataclass(frozen=True)
class Run:
    text: str
    marks: tuple[int, ...] = ()  # numbers of the findings covering this run
    severity: str = ""  # the strongest of them
    ends: tuple[int, ...] = ()  # findings whose span ends here (their number is shown after the run)
    inserts: tuple[int, ...] = ()  # empty spans here: a check would insert text (e.g. a footer)


def runs(text: str, marks: list[Mark]) -> list[Run]:
    spans = [m for m in marks if m.fits(text)]
    cuts = sorted({0, len(text), *(m.start for m in spans if m.start is not None), *(m.end for m in spans if m.end is not None)})
    out: list[Run] = []
    for a, b in zip(cuts, [*cuts[1:], len(text)], strict=False):
        inserts = tuple(m.number for m in spans if m.start == m.end == a)
        if a == b and not inserts:
            continue
        covering = [m for m in spans if m.start is not None and m.end is not None and m.start <= a < m.end and a < b]
        ends = tuple(m.number for m in spans if m.end == b and m.start != m.end and a < b)
        strongest = max((m.severity for m in covering), key=lambda s: SEVERITY_RANK.get(s, 0), default="")
        out.append(Run(text[a:b], tuple(m.number for m in covering), strongest, ends, inserts))
    return out
