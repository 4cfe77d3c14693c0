"""The `compliance` check: numbers read for what they mean, and rules on request metadata.

- Number rules name the meaning they limit (`discount`, `refund`, ...; see meanings.yaml)
  and a unit. Every percentage, fraction, decimal share and money amount of the output is
  read for its meaning from its sentence's structure (`checks.meaning.reading`); one with no cue of
  its own takes it from a label before a colon, its table column's header, its list's
  heading or the sentence before (`checks.meaning.layout`). A value above `hold_above` holds,
  above `block_above` blocks. "List prices rise 30%" is a price increase, not a discount;
  "you'd pay 70% of list" is a 30% discount; "I can't do 35%" offers nothing.
- A JSON object or array (tool-call arguments) is read field by field (`checks.meaning.arguments`):
  a numeric field whose key names a meaning ("discount_percent", "refund_amount") is that
  meaning; one too deeply nested to read holds.
- In a stream, a figure is settled once its sentence (list item, table cell) has ended, since
  its meaning can come from any word of it; a JSON document is read only once it is whole.
  A stream's window reaches back to the line of prose above (`checks.meaning.layout.context_start`),
  which holds all a figure's context; to the start when a figure may add to an earlier one
  ("another 10 points") or the output is JSON.
- Metadata rules: a request field compared with a value (`deal_value` >= 100000) flags the
  whole output. Values are coerced by `checks.types.coerce_number` (the rule triage tiers
  and review items use too); an absent or null field is missing, and a value that cannot
  be read is treated as missing and noted as a low-severity finding (`unreadable_metadata`,
  action allow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from spacy.tokens import Doc

from checks.language.syntax import Syntax
from checks.language.words import Stemmer
from checks.meaning import arguments
from checks.meaning.layout import Segment, context_start, segments
from checks.meaning.lexicon import Lexicon, Meaning
from checks.meaning.quantities import Quantity, Unit, find_quantities
from checks.meaning.reading import Reading, anchor, is_generic_bound, measured_noun, offer_negated, read
from checks.meaning.triggers import Triggers, limited_meanings
from checks.resources import Resources
from checks.types import Action, CheckContext, CheckError, Comparison, Finding, Severity, compare, reach_back

# "another 10 points", "a further 5%": the value adds to the one stated before it.
_ADDITIVE = re.compile(r"\b(?:another|additional|extra|further)\s+(?:\S+\s+)?$", re.IGNORECASE)
_ANY_ADDITIVE = re.compile(r"\b(?:another|additional|extra|further)\b", re.IGNORECASE)
_PARTITIVE = re.compile(r"\s+of\b", re.IGNORECASE)
_AFTER_CHANGE = re.compile(r"\s*(?:to|,?\s*(?:down|up)\s+from)\b", re.IGNORECASE)
_TO = re.compile(r"\bto\s*$", re.IGNORECASE)
_BEFORE_CHANGE = re.compile(r"\bfrom\s*$", re.IGNORECASE)
MAX_FIGURES = 500  # more in one output (a data dump) is held for a person rather than read
WINDOW = 1_000  # longest piece of a run-on segment parsed at once (below Syntax's MAX_CHARS)
LONGEST_FIGURE = 64  # "one hundred and twenty-five thousand dollars": a figure still being written
_WORDS = re.compile(r"[^\W\d_]+")
_PERCENT_WORDS = frozenset({"percent", "pct", "percentage", "perc"})
_RATIO_WORDS = frozenset({"rate", "ratio", "fraction", "share"})
_MONEY_WORDS = frozenset({"amount", "price", "cost", "total", "fee", "sum", "usd", "eur", "gbp", "subtotal", "cents"})
_BASE_WORDS = frozenset({"subtotal", "total", "list", "gross", "base", "msrp"})
_BARE_KEYS = _PERCENT_WORDS | _RATIO_WORDS | {"amount", "value", "number", "percentage"}


class NumberRule(BaseModel):
    """A quantity of `unit` that means `meaning`, above a limit."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    meaning: str
    unit: Unit = "percent"
    cues: list[str] = Field(default_factory=list, description="extra words that mean this on their own")
    hold_above: float | None = None
    block_above: float | None = None

    @model_validator(mode="after")
    def _has_a_limit(self) -> NumberRule:
        if self.hold_above is None and self.block_above is None:
            raise ValueError("set hold_above, block_above or both")
        return self


class MetadataRule(BaseModel):
    """`metadata[field] <op> value` flags the whole output."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    field: str
    op: Comparison = "gte"
    value: Any
    action: Action = "hold"
    severity: Severity = "high"


class ComplianceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    numbers: list[NumberRule] = Field(default_factory=list)
    metadata: list[MetadataRule] = Field(default_factory=list)
    meanings: dict[str, Meaning] = Field(default_factory=dict, description="meanings added to the shipped lexicon")


class TooManyFigures(Exception):
    """An output with more figures than the check reads; it holds instead."""


@dataclass(frozen=True)
class Figure:
    """A quantity of the output read for its meaning; `start`/`end` index the checked text."""

    value: float
    unit: Unit
    meaning: str
    start: int | None
    end: int | None


class ComplianceCheck:
    name = "compliance"
    cpu_only = True
    Config = ComplianceConfig

    def __init__(self, config: ComplianceConfig, resources: Resources) -> None:
        self.config = config
        cues = {rule.meaning: rule.cues for rule in config.numbers if rule.cues}
        self.lexicon = resources.get("compliance.lexicon", Lexicon.shipped).extended(config.meanings, {})
        unknown = sorted({r.meaning for r in config.numbers} - set(self.lexicon.meanings))
        if unknown:
            raise CheckError(f"compliance.numbers: unknown meaning {', '.join(unknown)} (known: {', '.join(self.lexicon.meanings)})")
        self.lexicon = self.lexicon.extended({}, cues)
        self.syntax = Syntax.shared(resources) if config.numbers else None
        # Only sentences that could give a figure a limited meaning are parsed (checks.meaning.triggers).
        self.limited = limited_meanings((r.meaning for r in config.numbers), self.lexicon)
        self.triggers = Triggers(self.lexicon, self.limited, self.syntax.lemma_exceptions() if self.syntax else {}, Stemmer())
        # A figure that no reading can push over a limit is not read: its unit is limited by no
        # rule, or it is at most the lowest limit and neither "of ..." (70% of list is 30% off)
        # nor an added figure ("another 10 points") can change its value.
        self.floor: dict[str, float] = {}
        for rule in config.numbers:
            lowest = min(v for v in (rule.hold_above, rule.block_above) if v is not None)
            self.floor[rule.unit] = min(self.floor.get(rule.unit, lowest), lowest)

    def settled(self, text: str) -> int:
        """Up to the first figure of the sentence still being written (its meaning may come from
        any word of that sentence); nothing of a JSON document until it is whole."""
        if not self.config.numbers:
            return len(text)
        if text.lstrip()[:1] in ("{", "["):
            return 0
        point = reach_back(text, LONGEST_FIGURE)
        open_segment = segments(text)[-1:]
        if open_segment:
            start = open_segment[0].start
            first = next(iter(find_quantities(text[start:])), None)
            if first is not None:
                point = min(point, start + first.start)
        return point

    def resume(self, text: str, position: int) -> int:
        """The start of the context of a figure at `position`: the line of prose above; the whole
        text when an added figure may take an earlier one as its base, or for JSON."""
        if not self.config.numbers:
            return position
        if text.lstrip()[:1] in ("{", "[") or _ANY_ADDITIVE.search(text):
            return 0
        return context_start(text, position)

    def run(self, text: str, context: CheckContext) -> list[Finding]:
        findings: list[Finding] = []
        if self.config.numbers:
            try:
                figures = self.figures(text, limited=True)
            except arguments.TooDeep:
                findings.append(Finding(
                    check=self.name, rule="unreadable_arguments", severity="high", action="hold",
                    message="structured output nested too deeply to check",
                ))
                figures = []
            except TooManyFigures:
                findings.append(Finding(
                    check=self.name, rule="too_many_figures", severity="high", action="hold",
                    message=f"more than {MAX_FIGURES} figures in one output; not read one by one",
                ))
                figures = []
            findings += [f for figure in figures for rule in self.config.numbers if (f := self._limit(rule, figure, text))]
        findings += [f for rule in self.config.metadata if (f := self._metadata(rule, context.metadata))]
        return findings

    def figures(self, text: str, limited: bool = False) -> list[Figure]:
        """Every quantity of `text` with the meaning its context gives it; with `limited`, at least
        every one whose meaning a rule limits (sentences that cannot give one are not parsed)."""
        data = arguments.load(text)
        if data is not None:
            return self._structure(text, arguments.fields(data))
        loose = arguments.loose_fields(text)
        prose = self._prose(text, limited=limited)
        return self._structure(text, loose) + prose if loose else prose

    # -- prose ---------------------------------------------------------------------------

    def _needs_reading(self, text: str, segment: Segment, inside: list[Quantity]) -> bool:
        """Whether the figures of `segment` could be read with a limited meaning: a cue of one
        among its words, or a label, header, heading or sentence before that names one, or an
        amount in a change ("from £50 to £35")."""
        if self.triggers.marks(text[segment.start : segment.end]):
            return True
        return any(_in_change(text, q) or self._context_meaning(text, segment, q) in self.limited for q in inside)

    def _prose(self, text: str, default: str | None = None, limited: bool = False) -> list[Figure]:
        additive = bool(_ANY_ADDITIVE.search(text))
        quantities = [q for q in find_quantities(text) if _in_change(text, q) or (q.unit in self.floor and (
            q.value > self.floor[q.unit] or additive or (q.unit == "percent" and _PARTITIVE.match(text, q.end))))]
        if not quantities:
            return []
        if len(quantities) > MAX_FIGURES:
            raise TooManyFigures(f"{len(quantities)} figures in one text")
        assert self.syntax is not None
        figures: list[Figure] = []
        holding = [(w, [q for q in quantities if w.start <= q.start and q.end <= w.end])
                   for s in segments(text) for w in _windows(s, quantities)]
        holding = [(s, inside) for s, inside in holding if inside]
        if limited and default is None and not additive:
            holding = [(s, inside) for s, inside in holding if self._needs_reading(text, s, inside)]
        docs = self.syntax.parse_all([text[s.start : s.end] for s, _ in holding])
        for (segment, inside), doc in zip(holding, docs, strict=True):
            readings = [self._read(text, segment, doc, q, default) for q in inside]
            adding = [k for k, q in enumerate(inside) if self._adds(text, segment, doc, q)]
            bases = [None if k in adding else r for k, r in enumerate(readings)]
            for k in adding:
                readings[k] = _added(inside[k], inside, bases, figures) or readings[k]
            changes = self._money_changes(text, segment, inside, readings)
            figures += [Figure(r.value, q.unit, r.meaning, q.start, q.end) for q, r in zip(inside, readings, strict=True)
                        if r and not _within(q, changes)]  # the amounts of a change are not each a discount
            figures += changes
        return figures

    @staticmethod
    def _adds(text: str, segment: Segment, doc: Doc, q: Quantity) -> bool:
        """"Another 10 points", "an extra 5%": the quantity adds to one stated beside it."""
        root = anchor(doc, q.start - segment.start, q.end - segment.start)
        return root is not None and not offer_negated(root) and bool(_ADDITIVE.search(text[segment.start : q.start]))

    def _read(self, text: str, segment: Segment, doc: Doc, q: Quantity, default: str | None) -> Reading | None:
        start, end = q.start - segment.start, q.end - segment.start
        root = anchor(doc, start, end)
        if root is None or offer_negated(root) or is_generic_bound(root):
            return None
        reading = read(doc, start, end, q.value, self.lexicon, q.ratio)
        if reading is not None or _ADDITIVE.search(text[segment.start : q.start]):
            return reading  # an added figure without a cue of its own takes its base's meaning
        if q.ratio and any(ch.isdigit() for ch in text[q.start : q.end]):
            return None  # a bare decimal ("0.3") needs a cue of its own
        if measured_noun(doc, start, end):
            return None
        meaning = self._context_meaning(text, segment, q) or default
        if meaning is None:
            return None
        signed = self.lexicon.meanings[meaning].when_signed.get("+" if q.sign > 0 else "-") if q.sign else None
        return Reading(signed or meaning, q.value, "context")

    def _context_meaning(self, text: str, segment: Segment, q: Quantity) -> str | None:
        """The meaning of a label before the value, the column header, the heading, the sentence before.

        Context words ("price", "budget") make a bare percentage a discount; an amount of money
        under "List price" is a price, so money takes its meaning only from cue words ("Refund")."""
        for span in (segment.label(text, q.start), segment.header, segment.heading, segment.previous):
            if span is None:
                continue
            meaning = self.lexicon.word_meaning(_words_of(text[span[0] : span[1]]), use_context=q.unit == "percent")
            if meaning:
                return meaning
        return None


    def _money_changes(self, text: str, segment: Segment, quantities: list[Quantity],
                       readings: list[Reading | None]) -> list[Figure]:
        """"The price drops from £50 to £35", "falls to £35 from £50", "£35, down from £50": the
        change between an amount introduced by "from" and the nearest other amount, as a
        percentage, with the meaning the sentence gives either amount (a fall in a price is a
        discount, a rise a price increase)."""
        out = []
        amounts = [(q, r) for q, r in zip(quantities, readings, strict=True) if q.unit == "money"]
        for old, old_reading in amounts:
            if old.value <= 0 or not _BEFORE_CHANGE.search(text[max(segment.start, old.start - 8) : old.start]):
                continue
            others = [(abs(q.start - old.start), q, r) for q, r in amounts if q is not old]
            if not others:
                continue
            _, new, new_reading = min(others, key=lambda item: item[0])
            reading = old_reading or new_reading
            if reading is None:
                continue
            change = 100.0 * (old.value - new.value) / old.value
            meaning = reading.meaning
            if meaning in ("discount", "price_increase", "growth"):
                meaning = "discount" if change > 0 else "price_increase"
            out.append(Figure(abs(change), "percent", meaning, min(old.start, new.start), max(old.end, new.end)))
        return out

    # -- structure -----------------------------------------------------------------------

    def _structure(self, raw: str, fields: list[arguments.Field]) -> list[Figure]:
        figures: list[Figure] = []
        cursor = 0
        for field in fields:
            words = arguments.key_words(field.key)
            if isinstance(field.value, str):
                offset = raw.find(field.value)
                meaning = self.lexicon.word_meaning(words, use_context=False)
                for f in self._prose(field.value, default=meaning):
                    shift = offset if offset >= 0 else None
                    figures.append(Figure(f.value, f.unit, f.meaning, _shift(f.start, shift), _shift(f.end, shift)))
                continue
            if isinstance(field.value, bool) or not isinstance(field.value, int | float):
                continue
            figure = self._numeric_field(field, words)
            if figure is None:
                continue
            span = arguments.locate(raw, field.key, field.value, cursor) or arguments.locate(raw, field.key, field.value, 0)
            if span:
                cursor = span[1]
            figures.append(Figure(figure[0], figure[1], figure[2], *(span or (None, None))))
        return figures


    def _numeric_field(self, field: arguments.Field, words: list[str]) -> tuple[float, Unit, str] | None:
        value = float(field.value)
        meaning = self.lexicon.word_meaning(words, use_context=False)
        present = set(words)
        if meaning is None and present <= _BARE_KEYS:
            # {"discount": {"type": "percent", "value": 45}}: the keys above and beside say what it is.
            around = [w for k in (*field.path, *field.siblings) if k != field.key for w in arguments.key_words(str(k))]
            around += [w for v in field.siblings.values() if isinstance(v, str) and len(v) < 40 for w in _words_of(v)]
            meaning = self.lexicon.word_meaning(around)
            present |= set(around) & (_PERCENT_WORDS | _MONEY_WORDS)
        if meaning is None:
            return None
        if present & _MONEY_WORDS and not present & (_PERCENT_WORDS | _RATIO_WORDS):
            base = next((float(v) for k, v in field.siblings.items() if k != field.key and isinstance(v, int | float)
                         and not isinstance(v, bool) and set(arguments.key_words(k)) & _BASE_WORDS and v > 0), None)
            if base is not None:
                return 100.0 * value / base, "percent", meaning
            return value, "money", meaning
        if 0 < value < 1 and not present & _PERCENT_WORDS:
            value *= 100.0  # a fraction: {"discount": 0.35} is 35%
        return value, "percent", meaning

    # -- limits and metadata -------------------------------------------------------------

    def _limit(self, rule: NumberRule, figure: Figure, text: str) -> Finding | None:
        if figure.meaning != rule.meaning or figure.unit != rule.unit:
            return None
        action: Action
        severity: Severity
        if rule.block_above is not None and figure.value > rule.block_above + 1e-9:
            action, severity, limit = "block", "critical", rule.block_above
        elif rule.hold_above is not None and figure.value > rule.hold_above + 1e-9:
            action, severity, limit = "hold", "high", rule.hold_above
        else:
            return None
        quoted = text[figure.start : figure.end] if figure.start is not None and figure.end is not None else None
        return Finding(
            check=self.name, rule=rule.rule, severity=severity, action=action, start=figure.start, end=figure.end,
            text=quoted, message=f"a {rule.meaning.replace('_', ' ')} of {figure.value:g} {rule.unit} is above the limit of {limit:g}",
        )

    def _metadata(self, rule: MetadataRule, metadata: dict[str, Any]) -> Finding | None:
        if metadata.get(rule.field) is None:
            return None
        hit = compare(rule.op, metadata[rule.field], rule.value)
        if hit is None:
            return Finding(
                check=self.name, rule="unreadable_metadata", severity="low", action="allow",
                message=f"metadata {rule.field} could not be read as {type(rule.value).__name__}; treated as missing",
            )
        if not hit:
            return None
        return Finding(
            check=self.name, rule=rule.rule, severity=rule.severity, action=rule.action,
            message=f"metadata {rule.field} is {rule.op} {rule.value!r}",
        )


def _added(q: Quantity, inside: list[Quantity], readings: list[Reading | None], before: list[Figure]) -> Reading | None:
    """The reading of an added quantity: the nearest figure of its unit in its sentence (either
    side: "an extra 5% on top of the 20% discount"), else the last one before it, plus it;
    None when there is nothing to add to (its own reading stands)."""
    near = [(abs(o.start - q.start), r) for o, r in zip(inside, readings, strict=True) if r and o is not q and o.unit == q.unit]
    if near:
        base = min(near, key=lambda pair: pair[0])[1]
        return Reading(base.meaning, base.value + q.value, "another")
    earlier = next((f for f in reversed(before) if f.unit == q.unit), None)
    return Reading(earlier.meaning, earlier.value + q.value, "another") if earlier else None


def _within(q: Quantity, changes: list[Figure]) -> bool:
    return any(c.start is not None and c.end is not None and c.start <= q.start and q.end <= c.end for c in changes)


def _in_change(text: str, q: Quantity) -> bool:
    """An amount in "from £50 to £35" (the change between the two is a percentage)."""
    before = text[max(0, q.start - 8) : q.start]
    return q.unit == "money" and bool(_AFTER_CHANGE.match(text, q.end) or _BEFORE_CHANGE.search(before) or _TO.search(before))


def _windows(segment: Segment, quantities: list[Quantity]) -> list[Segment]:
    """A run-on segment (a long line without sentence ends) in pieces of at most WINDOW chars,
    cut between quantities, so every quantity is parsed and no parse is huge."""
    if segment.end - segment.start <= WINDOW:
        return [segment]
    pieces, start = [], segment.start
    for q in quantities:
        if segment.start <= q.start < segment.end and q.end - start > WINDOW and q.start > start:
            pieces.append(replace(segment, start=start, end=q.start))
            start = q.start
    pieces.append(replace(segment, start=start))
    return pieces


def _words_of(text: str) -> list[str]:
    """The words of a label, header or nearby sentence (the lexicon compares them by stem)."""
    return [w.lower() for w in _WORDS.findall(text)]


def _shift(position: int | None, offset: int | None) -> int | None:
    return None if position is None or offset is None else position + offset
