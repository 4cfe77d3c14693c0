"""The normalised view every check reads, and the way back to the original text.

A value can be hidden from pattern checks by writing it so that a person still reads it
but a pattern does not: fullwidth or Arabic-Indic digits, a zero-width space inside a
number, a Cyrillic "а" in a competitor's name, "G l o b e x", "4 1 1 1 ...",
"jane dot doe at example dot com", "jane%40example.com". `normalize` writes those forms
the plain way, so that checks, which know nothing of this, see what a reader sees. Every
rewrite is recorded (`checks.language.offsets`), so a finding on the normalised text maps back to
exactly the original characters it came from, and a mask lands there and nowhere else.

The ordinary written forms other checks read (phone numbers, dates, versions, decimals,
IP addresses, amounts, the word "at" in prose) are left as written: each rewrite fires
only on a shape ordinary writing does not take. Text that is plain ASCII with nothing
spelled out costs a few regular-expression scans and no copy.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from checks.language.domains import has_public_suffix
from checks.language.offsets import Edit, OffsetMap, rewrite
from checks.language.unicode_fold import fold_cluster, fold_text


@dataclass(frozen=True)
class NormalizedText:
    """`original`, the normalised `text` checks see, and the maps from one to the other."""

    original: str
    text: str
    maps: tuple[OffsetMap, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.maps)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of `original` that the span `[start, end)` of `text` was made from."""
        start = min(max(start, 0), len(self.text))
        end = min(max(end, start), len(self.text))
        for offset_map in reversed(self.maps):
            start, end = offset_map.source_span(start, end)
        return start, end


def normalize(text: str) -> NormalizedText:
    """`text` with look-alike characters and obfuscated written forms made plain."""
    maps: list[OffsetMap] = []
    current = text
    for step in STEPS:
        edits = step(current)
        if edits:
            current, offset_map = rewrite(current, edits)
            maps.append(offset_map)
    return NormalizedText(text, current, tuple(maps))


# --- percent-encoding: "jane%40example.com" ------------------------------------------

_PERCENT_RUN = re.compile(r"%[0-9A-Fa-f]{2}(?:%[0-9A-Fa-f]{2})*")


def decode_percent(text: str) -> list[Edit]:
    """Percent-encoded UTF-8 decoded, as a browser shows it.

    After a number "%" is a percent sign ("35%"), so a run there is decoded only when it
    stands for punctuation such as "@" (never for letters, digits or spaces).
    """
    if "%" not in text:
        return []
    edits = []
    for m in _PERCENT_RUN.finditer(text):
        try:
            decoded = bytes.fromhex(m.group().replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            continue
        plain = "".join(fold_cluster(ch) for ch in decoded)
        if plain and not plain.isprintable():
            continue
        after_number = m.start() > 0 and text[m.start() - 1].isdigit()
        if after_number and all(ch.isalnum() or ch.isspace() for ch in plain):
            continue
        edits.append(Edit(m.start(), m.end(), plain))
    return edits


# --- spaced-out digits: "4 1 1 1 1 1 1 1 ..." ----------------------------------------

_DIGIT_GAP = re.compile(r"[ \t]?-[ \t]?|[ \t]{1,3}")
_SPACED_DIGITS = re.compile(rf"(?<![\w.,])\d(?:(?:{_DIGIT_GAP.pattern})\d){{5,}}(?!\w|[.,]\d)")


def join_spaced_digits(text: str) -> list[Edit]:
    """Runs of six or more single digits with gaps between them written as one number.

    Nobody writes a number one digit at a time except to hide it; versions, dates, IPs,
    phone numbers and amounts have multi-digit groups and never match.
    """
    return [edit for run in _SPACED_DIGITS.finditer(text) for edit in _close_gaps(run, _DIGIT_GAP)]


def _close_gaps(run: re.Match[str], gap: re.Pattern[str]) -> list[Edit]:
    """Edits that close the padding gaps of a spaced-out `run`.

    The commonest gap is padding and goes; a different gap is the value's own grouping
    and stays, trimmed: "5 3 6 - 2 2 - 8 7 1 2" is "536-22-8712", and
    "U m b r e l l a  C o r p" is "Umbrella Corp".
    """
    gaps = list(gap.finditer(run.string, run.start(), run.end()))
    padding = Counter(g.group() for g in gaps).most_common(1)[0][0]
    edits = []
    for g in gaps:
        kept = "" if g.group() == padding else g.group().strip() or " "
        if kept != g.group():
            edits.append(Edit(g.start(), g.end(), kept))
    return edits


# --- spaced-out letters: "G l o b e x", "G.l.o.b.e.x" --------------------------------

_LETTER_GAP = re.compile(r"[ \t]?[.\-_*/·•][ \t]?|[ \t]{1,2}")
_SPACED_LETTERS = re.compile(rf"(?<!\w)[^\W\d_](?:(?:{_LETTER_GAP.pattern})[^\W\d_]){{2,}}(?!\w)")


def join_spaced_letters(text: str) -> list[Edit]:
    """Three or more single letters with gaps between them written as words.

    Words are not written one letter at a time; at worst an abbreviation ("U.S.A.")
    becomes "USA", which reads the same to every check.
    """
    return [edit for run in _SPACED_LETTERS.finditer(text) for edit in _close_gaps(run, _LETTER_GAP)]


# --- spelled-out emails: "jane dot doe at example dot com", "jane[at]example.com" -----

# A label is atomic: what follows it (a dot, "at", a bracket) is never a label character,
# so giving characters back could not help a match, and not trying keeps the scan linear.
_LABEL = r"(?>[A-Za-z0-9][A-Za-z0-9_+\-]{0,63})"
_SPELLED_DOT = re.compile(r"[ \t]{0,2}[(\[{<][ \t]?dot[ \t]?[)\]}>][ \t]{0,2}|[ \t]{1,2}dot[ \t]{1,2}", re.IGNORECASE)
_DOT = rf"(?:\.|{_SPELLED_DOT.pattern})"
_AT = r"@|[ \t]{0,2}[(\[{<][ \t]?at[ \t]?[)\]}>][ \t]{0,2}|[ \t]{1,2}at[ \t]{1,2}"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.@%+\-])(?P<local>{_LABEL}(?:{_DOT}{_LABEL}){{0,4}})(?P<at>{_AT})"
    rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL}){{1,4}})(?![\w@]|\.\w)",
    re.IGNORECASE,
)
_MARKED_AT_HINT = re.compile(r"at[ \t]?[)\]}>]")  # starts with a literal: a fast scan


def unspell_emails(text: str) -> list[Edit]:
    """Email addresses with "at"/"dot" spelled out written with "@" and ".".

    A bare " at " is an address only in "first dot last at domain dot tld" (the name has
    a dot, something is spelled out, the domain ends in a public suffix), so "meet at
    noon", "sign up at example.com" and "v2.0 at acme.io" stay as written. A marked
    "(at)"/"[at]" needs only a domain with a public suffix.
    """
    lowered = text.lower()
    if "dot" not in lowered and not _MARKED_AT_HINT.search(lowered):
        return []
    edits: list[Edit] = []
    position = 0
    while m := _SPELLED_EMAIL.search(text, position):
        if _is_spelled_email(m):
            edits.extend(_email_edits(m))
            position = m.end()
        else:
            position = m.start() + 1
    return edits


def _is_spelled_email(m: re.Match[str]) -> bool:
    local, at = m.group("local"), m.group("at")
    bare = at.strip().lower() == "at"
    if bare and "." not in local and not _SPELLED_DOT.search(local):
        return False
    spelled = bool(_SPELLED_DOT.search(m.group())) or (at != "@" and not bare)
    domain = _SPELLED_DOT.sub(".", m.group("domain"))
    return spelled and any(ch.isalpha() for ch in local) and has_public_suffix(domain)


def _email_edits(m: re.Match[str]) -> list[Edit]:
    edits = [
        Edit(dot.start(), dot.end(), ".")
        for group in ("local", "domain")
        for dot in _SPELLED_DOT.finditer(m.string, m.start(group), m.end(group))
    ]
    if m.group("at") != "@":
        edits.append(Edit(m.start("at"), m.end("at"), "@"))
    return sorted(edits)


STEPS: tuple[Callable[[str], list[Edit]], ...] = (
    fold_text, decode_percent, join_spaced_digits, join_spaced_letters, unspell_emails,
)
