"""Word-level differences between two texts: what a check changed in the output (original ->
guarded), and what a reviewer changed in an edit (original -> edited)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import regex

TOKENS = regex.compile(r"\w+|\s+|[^\w\s]")
MAX_TOKENS = 20_000  # beyond this a diff costs more than it shows: the texts are shown whole


@dataclass(frozen=True)
class Piece:
    kind: str  # same | added | removed
    text: str


def pieces(before: str, after: str) -> list[Piece]:
    a, b = TOKENS.findall(before), TOKENS.findall(after)
    if len(a) + len(b) > MAX_TOKENS:
        return [Piece("removed", before), Piece("added", after)] if before != after else [Piece("same", after)]
    out: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(Piece("added", "".join(b[j1:j2])))
    return out
