"""Characters folded to the plain form a reader takes them for.

Per character (with its combining marks): invisible characters go (zero-width spaces
and joiners, soft hyphens, bidi controls, variation selectors, stray control codes);
Unicode tag characters become the ASCII they encode (text hidden in them is checked,
not dropped); lone surrogates become U+FFFD; NFKC compatibility folding applies
(fullwidth "４１１１％" is "4111%", "½" is "1/2"); every decimal digit becomes its ASCII
digit (Arabic-Indic "٣٥٪" is "35%"); every space is a space; a dash between two digits
is a hyphen-minus ("4111–1111"; elsewhere a dash stays punctuation, as the NER model
reads it); and a letter that looks like a Latin letter (Cyrillic "а", Greek "Ο",
Cherokee "Ꮪ") becomes that letter, as Unicode's confusables data says (through
`confusable_homoglyphs`, which bundles it and never downloads at run time). That holds
for whole words in another script too, so a name spelled entirely in look-alikes is
caught. Accented Latin letters stay as they are; only marks that decorate a plain ASCII
letter and cannot combine with it ("G̲") go.

Only the non-ASCII parts of a text are looked at, and each distinct character cluster is
folded once per process (an LRU cache), so ordinary text with a few curly quotes or
dashes costs almost nothing.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from checks.language.offsets import Edit

_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# A run of non-ASCII characters with the printable ASCII character before it, which a
# following combining mark may belong to; or an ASCII control code.
_SUSPECT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]|[\x21-\x7e]?[^\x00-\x7f]+")
_KEPT_CONTROLS = frozenset("\t\n\v\f\r\x85")
# Default-ignorable code points outside category Cf: the combining grapheme joiner,
# Hangul fillers, Khmer inherent vowels, Mongolian variation selectors.
_IGNORABLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0")
# Signs that are an ASCII sign written another way; NFKC itself writes "½" as "1⁄2" with
# a FRACTION SLASH, which number readers must see as "1/2".
_SIGNS = {"\u2044": "/", "\u2215": "/", "\u066a": "%"}
_TAGS = range(0xE0020, 0xE007F)
_VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))


def fold_text(text: str) -> list[Edit]:
    """The edits that fold every character of `text` that needs it."""
    if text.isascii():
        return [Edit(m.start(), m.end(), "") for m in _CONTROLS.finditer(text)]
    edits = []
    for m in _SUSPECT.finditer(text):
        chunk = m.group()
        for start, end in _clusters(chunk):
            cluster = chunk[start:end]
            folded = fold_cluster(cluster)
            if _is_dash(folded) and _between_digits(text, m.start() + start, m.start() + end):
                folded = "-"
            if folded != cluster:
                edits.append(Edit(m.start() + start, m.start() + end, folded))
    return edits


def _is_dash(text: str) -> bool:
    return len(text) == 1 and (unicodedata.category(text) == "Pd" or text == "\u2212")  # MINUS SIGN is Sm


def _between_digits(text: str, start: int, end: int) -> bool:
    return 0 < start and end < len(text) and text[start - 1].isdigit() and text[end].isdigit()


def _clusters(chunk: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each character with the combining marks that follow it."""
    start = 0
    for i in range(1, len(chunk) + 1):
        if i == len(chunk) or not unicodedata.category(chunk[i]).startswith("M"):
            yield start, i
            start = i


@functools.lru_cache(maxsize=8192)
def fold_cluster(cluster: str) -> str:
    """One character (and its marks) as a reader takes it; "" for an invisible one."""
    visible = "".join(_visible(ch) for ch in cluster)
    folded = "".join(_plain(ch) for ch in unicodedata.normalize("NFKC", visible))
    if folded[:1].isascii() and all(unicodedata.category(ch).startswith("M") for ch in folded[1:]):
        return folded[:1]
    if len(visible) == 1 and not folded.isascii() and unicodedata.category(visible).startswith("L"):
        # NFKC can turn a look-alike into a letter that looks like nothing Latin
        # (GREEK LUNATE SIGMA "ϲ" becomes final sigma "ς"): the glyph as written counts.
        as_written = _latin_lookalike(visible)
        return as_written if as_written != visible else folded
    return folded


def _visible(ch: str) -> str:
    code = ord(ch)
    if code in _TAGS:
        return chr(code - 0xE0000)
    category = unicodedata.category(ch)
    if category == "Cs":
        return "\ufffd"
    invisible = category == "Cf" or ch in _IGNORABLE or any(code in r for r in _VARIATION_SELECTORS)
    if invisible or (category == "Cc" and ch not in _KEPT_CONTROLS):
        return ""
    return ch


def _plain(ch: str) -> str:
    if ch.isascii():
        return ch
    category = unicodedata.category(ch)
    if category == "Nd":
        return str(unicodedata.decimal(ch))
    if ch in _SIGNS:
        return _SIGNS[ch]
    if category == "Zs":
        return " "
    if category in ("Zl", "Zp"):
        return "\n"
    if category.startswith("L"):
        return _latin_lookalike(ch)
    return ch


def _latin_lookalike(letter: str) -> str:
    """The ASCII letter `letter` is confusable with, in its case; `letter` if none.

    Unicode's data lists some capitals only against a lower-case glyph (Cyrillic "І"
    against "l"); the capital then becomes the ASCII capital confusable with that glyph
    ("I"), so "Іnitech" reads "Initech".
    """
    targets = _ascii_letters(letter)
    if not targets:
        return letter
    for candidates in (targets, *(_ascii_letters(t) for t in targets)):
        same_case = [c for c in candidates if c.isupper() == letter.isupper()]
        if same_case:
            return same_case[0]
    return targets[0]


def _ascii_letters(ch: str) -> list[str]:
    from confusable_homoglyphs import confusables  # loads its bundled data on first use

    found: Any = confusables.is_confusable(ch, greedy=True, preferred_aliases=[])
    glyphs = (g["c"].strip("\u200e\u200f") for entry in found or [] for g in entry["homoglyphs"])
    return [g for g in glyphs if len(g) == 1 and g.isascii() and g.isalpha()]
