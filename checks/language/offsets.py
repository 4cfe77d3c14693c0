"""Text rewrites that remember where every character came from.

A rewrite is a list of `Edit`s against one text. `rewrite` applies them and returns an
`OffsetMap` that carries any span of the rewritten text back to the span of the source
it came from, so a finding on a rewritten view lands on exactly the original characters.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple


class Edit(NamedTuple):
    """Replace `source[start:end]` with `replacement` (empty: a deletion)."""

    start: int
    end: int
    replacement: str


class OffsetMap:
    """Maps positions of a rewritten text back to the source text of one rewrite.

    A character inside a replacement comes from the whole replaced source range; any
    other character moved by the length changes of the edits before it. Deleted source
    characters belong to a span only when they lie between two of its characters, never
    at its edges.
    """

    def __init__(self, edits: list[Edit], target_length: int) -> None:
        self.target_length = target_length
        self._source_starts: list[int] = []
        self._source_ends: list[int] = []
        self._target_starts: list[int] = []
        self._target_ends: list[int] = []
        self._shift_after: list[int] = []  # target minus source position after each edit
        shift = 0
        for edit in edits:
            target_start = edit.start + shift
            shift += len(edit.replacement) - (edit.end - edit.start)
            self._source_starts.append(edit.start)
            self._source_ends.append(edit.end)
            self._target_starts.append(target_start)
            self._target_ends.append(target_start + len(edit.replacement))
            self._shift_after.append(shift)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The source span that the target span `[start, end)` was made from."""
        start = min(max(start, 0), self.target_length)
        end = min(max(end, start), self.target_length)
        if start == end:
            point = self._point(start)
            return point, point
        return self._char(start)[0], self._char(end - 1)[1]

    def _point(self, position: int) -> int:
        """Where an empty span (an insertion point) at `position` sits in the source."""
        i = bisect_right(self._target_starts, position) - 1
        if i >= 0 and position < self._target_ends[i]:
            return self._source_starts[i]
        return position - (self._shift_after[i] if i >= 0 else 0)

    def _char(self, position: int) -> tuple[int, int]:
        """The source range of the target character at `position`."""
        i = bisect_right(self._target_starts, position) - 1
        if i >= 0 and position < self._target_ends[i]:
            return self._source_starts[i], self._source_ends[i]
        source = position - (self._shift_after[i] if i >= 0 else 0)
        return source, source + 1


def rewrite(text: str, edits: list[Edit]) -> tuple[str, OffsetMap]:
    """`text` with `edits` applied (sorted, non-overlapping) and the map back to `text`."""
    parts: list[str] = []
    position = 0
    for edit in edits:
        parts.append(text[position : edit.start])
        parts.append(edit.replacement)
        position = edit.end
    parts.append(text[position:])
    result = "".join(parts)
    return result, OffsetMap(edits, len(result))
