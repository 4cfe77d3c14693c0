"""The `brand` check: banned or discouraged phrases, competitor names, required text.

Phrases match whole words, tolerate inflections ("guarantees", "guaranteed") and small
misspellings that are not themselves English words ("gaurantee", never "quarantine"), and
never match inside another word. A rule marked `negatable` does not count where its
sentence negates it ("we can't guarantee results", "no one can promise zero downtime").

Competitor names are read as a core name plus an optional company suffix ("Umbrella Corp"
is "Umbrella" + Corp): any suffix form counts (Corp, Corporation, Inc., Ltd, LLC, GmbH...),
with or without a comma before it, and possessives ("Globex's") are the name. A core made
only of ordinary English words ("Umbrella") is the competitor only with a suffix, so
"umbrella policy" is not Umbrella Corp.

In a stream, the last words are held while they could still begin a phrase or a name (and
the suffix after it), whatever the spacing between them; a negatable phrase is held until
its sentence ends, since the negation may follow it ("we guarantee nothing"). A required
text is about the whole output: it is looked for, and appended, at the end.

Before a match, a stream's window (`resume`) reaches back to the last character written before
it (a capitalised word at a sentence's start is not a name), and to its line's start when
the sentence may negate it (sentences never cross lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from checks.language.english import EnglishWords
from checks.language.negation import is_negated
from checks.language.phrases import PhraseMatcher
from checks.language.syntax import Syntax
from checks.language.words import Stemmer, Token, last_words_start, tokenize
from checks.meaning.layout import Segment, segments
from checks.resources import Resources
from checks.types import Action, CheckContext, Finding, Severity, line_start

_CLAUSE_BREAK = re.compile(r"[;:](?=\s)|\s[—–-]\s")
COMPANY_SUFFIXES = frozenset({
    "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "gmbh", "plc", "co",
    "company", "ag", "sa", "sas", "bv", "nv", "pty", "srl", "kk", "oy", "ab",
})


class PhraseRule(BaseModel):
    """Phrases that share one rule id and one action; `replacement` makes them fixable."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    phrases: list[str] = Field(min_length=1)
    action: Action = "hold"
    severity: Severity = "high"
    replacement: str | None = None
    negatable: bool = Field(False, description="a phrase its sentence negates does not count (claims)")


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


@dataclass(frozen=True)
class Competitor:
    """A competitor's name: the stems of its core words, whether the core is made of ordinary
    English words, and whether the name was configured with a company suffix."""

    name: str
    core: list[str]
    common_words: bool
    has_suffix: bool


class BrandCheck:
    name = "brand"
    cpu_only = True
    Config = BrandConfig

    def __init__(self, config: BrandConfig, resources: Resources) -> None:
        self.config = config
        self.stemmer = Stemmer()
        self.english = EnglishWords.shared(resources)
        self.syntax = Syntax.shared(resources) if any(r.negatable for r in config.phrases) else None
        self.phrase_rules = [
            (rule, [[t.stem for t in tokenize(p, self.stemmer)] for p in rule.phrases]) for rule in config.phrases
        ]
        self.competitors = [self._competitor(name) for name in config.competitors]
        # Words a match can span: the longest phrase, or a competitor's core and its suffix.
        self.longest = max([len(p) for _, phrases in self.phrase_rules for p in phrases]
                           + [len(c.core) + 1 for c in self.competitors], default=0)
        self.negatable = [(rule, phrases) for rule, phrases in self.phrase_rules if rule.negatable]
        self.matcher = PhraseMatcher([p for _, phrases in self.phrase_rules for p in phrases]
                                     + [c.core for c in self.competitors], self.english)

    def _competitor(self, name: str) -> Competitor:
        words = tokenize(name, self.stemmer)
        count = len(words)
        while len(words) > 1 and words[-1].lower in COMPANY_SUFFIXES:
            words.pop()
        return Competitor(name, [t.stem for t in words], all(t.lower in self.english for t in words), len(words) < count)

    def settled(self, text: str) -> int:
        point = last_words_start(text, self.longest)
        sentence = segments(text)[-1:] if self.negatable else []
        if sentence:
            start = sentence[0].start
            tokens = tokenize(text[start:], self.stemmer)
            hits = self.matcher.index(tokens)
            for _, phrases in self.negatable:
                for phrase in phrases:
                    for i, _ in self.matcher.find(phrase, hits)[:1]:
                        point = min(point, start + tokens[i].start)
        return point

    def resume(self, text: str, position: int) -> int:
        """The last character before `position` that is not a space, or its line when a phrase
        may be negated by its sentence."""
        before = len(text[:position].rstrip()) - 1
        if before < 0:
            return 0
        return line_start(text, before) if self.negatable else before

    def run(self, text: str, context: CheckContext) -> list[Finding]:
        tokens = tokenize(text, self.stemmer)
        hits = self.matcher.index(tokens)
        sentences: list[Segment] = []  # split once, on the first negatable match
        findings: list[Finding] = []
        for rule, phrases in self.phrase_rules:
            for source, phrase in zip(rule.phrases, phrases, strict=True):
                for i, j in self.matcher.find(phrase, hits):
                    start, end = tokens[i].start, tokens[j - 1].end
                    if rule.negatable:
                        sentences = sentences or segments(text)
                        if self._negated(text, sentences, start, end):
                            continue
                    findings.append(Finding(
                        check=self.name, rule=rule.rule, severity=rule.severity, action=rule.action,
                        start=start, end=end, text=text[start:end], fix=rule.replacement,
                        message=f"matches banned phrase {source!r}",
                    ))
        for competitor in self.competitors:
            for start, end in self._mentions(competitor, tokens, hits, text):
                findings.append(Finding(
                    check=self.name, rule=self.config.competitor_rule, severity="high",
                    action=self.config.competitor_action, start=start, end=end, text=text[start:end],
                    message=f"mentions competitor {competitor.name}",
                ))
        findings.extend(self._missing_required(text))
        return findings

    def _mentions(self, competitor: Competitor, tokens: list[Token], hits: list[frozenset[str]],
                  text: str) -> list[tuple[int, int]]:
        """Spans of the competitor's core name, with its suffix when one follows.

        A core of ordinary words ("Umbrella") is the competitor only where it is written as a
        name: with a company suffix; or, when configured without one ("Oracle"), capitalised;
        or capitalised mid-sentence in the possessive ("... than Umbrella's support")."""
        spans = []
        for i, j in self.matcher.find(competitor.core, hits):
            suffix = _suffix_end(tokens, j, text)
            if suffix is None and competitor.common_words and not self._written_as_name(competitor, tokens[i:j], text):
                continue
            spans.append((tokens[i].start, suffix if suffix is not None else tokens[j - 1].end))
        return spans

    @staticmethod
    def _written_as_name(competitor: Competitor, words: list[Token], text: str) -> bool:
        capitalised = all(t.text[:1].isupper() for t in words)
        if not competitor.has_suffix:
            return capitalised
        return capitalised and words[-1].possessive and not _sentence_initial(text, words[0].start)

    def _negated(self, text: str, sentences: list[Segment], start: int, end: int) -> bool:
        assert self.syntax is not None
        segment = next((s for s in sentences if s.start <= start and end <= s.end), None)
        if segment is None:
            return False
        # Semicolons, colons and dashes join clauses that a negation in one does not reach.
        first, last = segment.start, segment.end
        for cut in _CLAUSE_BREAK.finditer(text, segment.start, segment.end):
            if cut.end() <= start:
                first = cut.end()
            elif cut.start() >= end:
                last = cut.start()
                break
        doc = self.syntax.parse(text[first:last])
        return is_negated(doc, start - first, end - first)

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


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:\n\"'“‘(-*•|"


def _suffix_end(tokens: list[Token], j: int, text: str) -> int | None:
    """End of a company suffix right after token j-1 ("Initech, Inc.", "Umbrella Corporation's")."""
    if j >= len(tokens) or tokens[j - 1].possessive:
        return None
    between = text[tokens[j - 1].end : tokens[j].start]
    if between.strip() not in ("", ",") or "\n" in between:
        return None
    suffix = tokens[j]
    if suffix.lower not in COMPANY_SUFFIXES or not suffix.text[:1].isupper():
        return None
    return suffix.end + (1 if text[suffix.end : suffix.end + 1] == "." and not suffix.possessive else 0)
