"""The `compliance` check: numbers in context and rules on request metadata.

- Number rules: a percentage or money amount within a few words of a keyword
  ("30% off", "a discount of thirty percent", "refund of $900") compared with limits:
  above `hold_above` holds, above `block_above` blocks.
- Metadata rules: a request field compared with a value (`deal_value` >= 100000) flags
  the whole output.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from checks.quantities import Quantity, Unit, find_quantities
from checks.resources import Resources
from checks.text import stem, tokenize
from checks.types import COMPARISONS, Action, CheckContext, Comparison, Finding, Severity

# A sentence ends at . ! ? followed by a space or the end, not inside "1.2k" or "v4.2".
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=[^\s.!?]))+[.!?]*")


class NumberRule(BaseModel):
    """A quantity near one of `near` (within `window` words, same sentence) above a limit."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    unit: Unit = "percent"
    near: list[str] = Field(min_length=1)
    window: int = Field(6, ge=1)
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


class ComplianceCheck:
    name = "compliance"
    Config = ComplianceConfig

    def __init__(self, config: ComplianceConfig, resources: Resources) -> None:
        self.config = config
        self.keywords = [{stem(w) for w in rule.near} for rule in config.numbers]

    def run(self, text: str, context: CheckContext) -> list[Finding]:
        findings = [f for rule, keys in zip(self.config.numbers, self.keywords, strict=True) for f in self._numbers(text, rule, keys)]
        findings += [f for rule in self.config.metadata if (f := self._metadata(rule, context.metadata))]
        return findings

    def _numbers(self, text: str, rule: NumberRule, keywords: set[str]) -> list[Finding]:
        findings = []
        for sentence in _SENTENCE.finditer(text):
            tokens = tokenize(sentence.group())
            keyword_positions = [i for i, t in enumerate(tokens) if t.stem in keywords]
            for q in find_quantities(sentence.group(), rule.unit):
                index = next((i for i, t in enumerate(tokens) if t.end > q.start), len(tokens))
                if any(abs(i - index) <= rule.window for i in keyword_positions):
                    finding = self._limit_finding(rule, q, sentence.start(), text)
                    if finding:
                        findings.append(finding)
        return findings

    def _limit_finding(self, rule: NumberRule, q: Quantity, offset: int, text: str) -> Finding | None:
        action: Action
        severity: Severity
        if rule.block_above is not None and q.value > rule.block_above:
            action, severity, limit = "block", "critical", rule.block_above
        elif rule.hold_above is not None and q.value > rule.hold_above:
            action, severity, limit = "hold", "high", rule.hold_above
        else:
            return None
        start, end = offset + q.start, offset + q.end
        return Finding(
            check=self.name, rule=rule.rule, severity=severity, action=action, start=start, end=end,
            text=text[start:end], message=f"{q.value:g} {rule.unit} is above the limit of {limit:g}",
        )

    def _metadata(self, rule: MetadataRule, metadata: dict[str, Any]) -> Finding | None:
        if rule.field not in metadata:
            return None
        try:
            hit = COMPARISONS[rule.op](metadata[rule.field], rule.value)
        except TypeError:
            return None  # unknown or mistyped metadata is stored, never an error
        if not hit:
            return None
        return Finding(
            check=self.name, rule=rule.rule, severity=rule.severity, action=rule.action,
            message=f"metadata {rule.field}={metadata[rule.field]!r} is {rule.op} {rule.value!r}",
        )
