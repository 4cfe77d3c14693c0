"""The `brand` check: banned or discouraged phrases, competitor names, required text.

Phrases match whole words, tolerate inflections ("guarantees", "guaranteed") and small
misspellings, and never match inside another word ("umbrella agreement" is not
"Umbrella Corp").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from checks.resources import Resources
from checks.text import find_phrase, stem, tokenize
from checks.types import Action, CheckContext, Finding, Severity


class PhraseRule(BaseModel):
    """Phrases that share one rule id and one action; `replacement` makes them fixable."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    phrases: list[str] = Field(min_length=1)
    action: Action = "hold"
    severity: Severity = "high"
    replacement: str | None = None


class RequiredText(BaseModel):
    """Text every output must contain (a disclaimer, a footer); `fix` appends it."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    text: str
    action: Action = "fix"
    severity: Severity = "low"


class BrandConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phrases: list[PhraseRule] = Field(default_factory=list)
    competitors: list[str] = Field(default_factory=list)
    competitor_rule: str = "competitor_mention"
    competitor_action: Action = "hold"
    required: list[RequiredText] = Field(default_factory=list)


class BrandCheck:
    name = "brand"
    Config = BrandConfig

    def __init__(self, config: BrandConfig, resources: Resources) -> None:
        self.config = config
        self.phrase_rules = [
            (rule, [[t.stem for t in tokenize(p)] for p in rule.phrases]) for rule in config.phrases
        ]
        self.competitors = [(name, [stem(w) for w in name.split()]) for name in config.competitors]

    def run(self, text: str, context: CheckContext) -> list[Finding]:
        tokens = tokenize(text)
        findings: list[Finding] = []
        for rule, phrases in self.phrase_rules:
            for source, phrase in zip(rule.phrases, phrases, strict=True):
                for start, end in find_phrase(phrase, tokens):
                    findings.append(Finding(
                        check=self.name, rule=rule.rule, severity=rule.severity, action=rule.action,
                        start=start, end=end, text=text[start:end], fix=rule.replacement,
                        message=f"matches banned phrase {source!r}",
                    ))
        for name, words in self.competitors:
            for start, end in find_phrase(words, tokens):
                findings.append(Finding(
                    check=self.name, rule=self.config.competitor_rule, severity="high",
                    action=self.config.competitor_action, start=start, end=end, text=text[start:end],
                    message=f"mentions competitor {name}",
                ))
        findings.extend(self._missing_required(text))
        return findings

    def _missing_required(self, text: str) -> list[Finding]:
        folded = " ".join(text.split()).lower()
        return [
            Finding(
                check=self.name, rule=req.rule, severity=req.severity, action=req.action,
                start=len(text), end=len(text), fix="\n\n" + req.text,
                message="required text missing",
            )
            for req in self.config.required
            if " ".join(req.text.split()).lower() not in folded
        ]
