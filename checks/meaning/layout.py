"""The layout of a text: sentences, table cells with their headers, list items with their
heading, and the sentence before each, so a value can take its meaning from them.

"| Term | Discount |" over "| 3 years | 30% |" makes 30% a discount; "Proposed discounts:"
over "- Support: 25%" too; "We can be flexible on price. Would 35% work?" reads 35% with the
sentence before. Spans index the text given.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

# A sentence ends at . ! ? ; followed by a space or the end, not inside "1.2k" or "v4.2"; lines end sentences.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=[^\s.!?]))+[.!?]*")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_SEPARATOR_ROW = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ITEM = re.compile(r"^\s*(?:[-*•·▪–]|\d{1,2}[.)])\s+")
_LABEL = re.compile(r"^(?P<label>[^:\n]{1,60}?)\s*[:=]\s*$")

Span = tuple[int, int]


@dataclass(frozen=True)
class Segment:
    """A sentence, list item or table cell, with the text around it that can give it meaning."""

    start: int
    end: int
    line_start: int
    header: Span | None = None
    heading: Span | None = None
    previous: Span | None = None

    def label(self, text: str, position: int) -> Span | None:
        """"Support: 25%": the words before a colon that precedes `position` on its line."""
        line = text[self.line_start : position]
        bullet = _ITEM.match(line)
        offset = bullet.end() if bullet else 0
        match = _LABEL.match(line[offset:])
        if not match:
            return None
        return self.line_start + offset + match.start("label"), self.line_start + offset + match.end("label")


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str

    @property
    def is_row(self) -> bool:
        return bool(_TABLE_ROW.match(self.text))

    @property
    def is_item(self) -> bool:
        return bool(_ITEM.match(self.text))

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _lines(text: str) -> list[_Line]:
    lines, start = [], 0
    for raw in text.split("\n"):
        lines.append(_Line(start, start + len(raw), raw))
        start += len(raw) + 1
    return lines


def _cells(line: _Line) -> list[Span]:
    """Spans of the cells of a table row (between pipes)."""
    bars = [line.start + i for i, ch in enumerate(line.text) if ch == "|"]
    return [(a + 1, b) for a, b in itertools.pairwise(bars)]


def _caption(lines: list[_Line], index: int) -> Span | None:
    """The nearest line above a table or list that is neither a row, an item nor blank."""
    for line in reversed(lines[:index]):
        if line.blank or line.is_row or line.is_item:
            continue
        return line.start, line.end
    return None


def context_start(text: str, position: int) -> int:
    """Where the context of the segments from `position` on begins: the start of the nearest
    line of prose above the line holding `position` (neither blank, a table row nor a list
    item), or 0. Everything a segment there takes meaning from lies after it: its label (on its
    own line), its table's header row and caption, its list's heading, the sentence before."""
    end = text.rfind("\n", 0, max(position, 0))
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = _Line(start, end, text[start:end])
        if not (line.blank or line.is_row or line.is_item):
            return start
        end = start - 1
    return 0


def segments(text: str) -> list[Segment]:
    """Every sentence, list item and table cell of `text`, in order, with its context spans."""
    lines = _lines(text)
    out: list[Segment] = []
    previous: Span | None = None
    header: list[Span] = []
    for index, line in enumerate(lines):
        if line.is_row:
            if _SEPARATOR_ROW.match(line.text):
                continue
            cells = _cells(line)
            is_header = index == 0 or not lines[index - 1].is_row
            if is_header:
                header = cells
            caption = _caption(lines, index)
            for column, (a, b) in enumerate(cells):
                raw = text[a:b]
                cell = (a + len(raw) - len(raw.lstrip()), b - (len(raw) - len(raw.rstrip())))
                head = header[column] if column < len(header) and not is_header else None
                out.append(Segment(cell[0], cell[1], line.start, head, caption, previous))
            continue
        heading = _caption(lines, index) if line.is_item else None
        for match in _SENTENCE.finditer(line.text):
            sentence = match.group()
            if not sentence.strip():
                continue
            lead = len(sentence) - len(sentence.lstrip())
            span = (line.start + match.start() + lead, line.start + match.end() - (len(sentence) - len(sentence.rstrip())))
            out.append(Segment(span[0], span[1], line.start, None, heading, previous))
            previous = span
    return out
