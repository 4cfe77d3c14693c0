"""The `pii` check: presidio-analyzer with loopguard's recognizers, per-entity actions,
and presidio-anonymizer operators for the fix.

Entities a policy allows are never analysed, so a policy that allows person names
never runs NER at all.

In a stream, a value is settled once the text has run past it by its entity's reach
(`REACH`): the longest value plus the context after it that can decide it. Presidio's context
words are read before a value only. A name's cues are read 80 characters either side of it,
and the next line's first words can make it a signature, so person names reach furthest.
A value written without spaces (an email, a URL, an unspaced IBAN) is never cut however long:
the check suite never settles inside a word. A text that may still turn out to be a chat
transcript is held from its first speaker label or lower-case given name (`chat_pending`).
Other readings of person names reach across the whole output and are not held for: a later
full name marks earlier mentions of its words, a second cued mention raises the first, a list
of names extends to its doubtful items. Where one of them changes text already streamed, the
whole-output check at the end of the stream says so (`proxy.stream.guard`).

Before a value, a stream's window (`resume`) reaches back over presidio's context words (the
five words before a value) and the recognizers' own look-backs (a phone number's 40
characters on its line, an SSN's 40, an IP address's 30), with room to spare. Person names are
read against the whole text (other mentions, lists, chats, the names inside email addresses),
so a policy that looks for them reads the whole text at every step.
"""

from __future__ import annotations

from typing import Any, Literal

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.predefined_recognizers import IbanRecognizer
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as AnonymizerSpan
from pydantic import BaseModel, ConfigDict, Field, field_validator

from checks.context import FastLemmaContextAwareEnhancer
from checks.language.nlp import TOKEN, LeanSpacyNlpEngine
from checks.names.lexicon import NameLexicon
from checks.recognizers import phone
from checks.recognizers.credit_card import CreditCardRecognizer
from checks.recognizers.email import EmailRecognizer
from checks.recognizers.ip_address import IpAddressRecognizer
from checks.recognizers.person import PersonRecognizer, chat_pending
from checks.recognizers.phone import BROAD_REGIONS, PhoneNumberRecognizer
from checks.recognizers.street_address import StreetAddressRecognizer
from checks.recognizers.us_ssn import UsSsnRecognizer
from checks.resources import Resources
from checks.types import Action, CheckContext, Finding, Severity, reach_back

PiiAction = Literal["allow", "mask", "hold", "block"]
SUPPORTED_ENTITIES = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS", "STREET_ADDRESS",
)
# Characters after a value's start that can still decide it (the value and the context after it).
REACH = {
    "PERSON": 160,  # up to ~60 for the name, 80 of cues after it, the first words of the next line
    "EMAIL_ADDRESS": 64, "PHONE_NUMBER": 48, "CREDIT_CARD": 32, "US_SSN": 16, "IBAN_CODE": 48,
    "IP_ADDRESS": 48, "STREET_ADDRESS": 128,
}
LOOKBACK = 64  # characters before a value that its recognizer reads (phone and SSN: 40, IP: 30)
CONTEXT_WORDS = 5  # presidio's context words before a value (LemmaContextAwareEnhancer's prefix count)
_ACTIONS: dict[str, tuple[Action, Severity]] = {
    "mask": ("fix", "medium"),
    "hold": ("hold", "high"),
    "block": ("block", "critical"),
}


def _mask_everything() -> dict[str, PiiAction]:
    return dict.fromkeys(SUPPORTED_ENTITIES, "mask")


class PiiConfig(BaseModel):
    """Per-entity actions and how masked values are written."""

    model_config = ConfigDict(extra="forbid")

    entities: dict[str, PiiAction] = Field(default_factory=_mask_everything)
    operator: Literal["replace", "redact", "mask", "hash"] = "replace"
    operator_params: dict[str, Any] = Field(default_factory=dict)
    allow_list: list[str] = Field(default_factory=list)
    score_threshold: float = Field(0.5, ge=0.0, le=1.0)
    phone_regions: list[str] = Field(
        default_factory=lambda: list(BROAD_REGIONS),
        description="regions (ISO 3166 alpha-2) whose national phone formats count; international ones always do",
    )

    @field_validator("entities")
    @classmethod
    def _known_entities(cls, value: dict[str, PiiAction]) -> dict[str, PiiAction]:
        unknown = sorted(set(value) - set(SUPPORTED_ENTITIES))
        if unknown:
            raise ValueError(f"unknown entity {', '.join(unknown)}; supported: {', '.join(SUPPORTED_ENTITIES)}")
        return value


class PiiEngines:
    """The analyzer, anonymizer and NLP engine: built once per process."""

    def __init__(self) -> None:
        self.nlp = LeanSpacyNlpEngine()
        self.nlp.load()
        self.lexicon = NameLexicon()
        self.lexicon.warm_up()
        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in (
            PersonRecognizer(self.lexicon, ner=self.nlp.ner), EmailRecognizer(), PhoneNumberRecognizer(),
            CreditCardRecognizer(), StreetAddressRecognizer(), UsSsnRecognizer(), IbanRecognizer(), IpAddressRecognizer(),
        ):
            registry.add_recognizer(recognizer)
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=self.nlp, supported_languages=["en"],
                                       context_aware_enhancer=FastLemmaContextAwareEnhancer())
        self.anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]

    def analyze(self, text: str, entities: list[str], threshold: float, allow_list: list[str]) -> list[RecognizerResult]:
        results = self.analyzer.analyze(
            text, language="en", entities=entities, score_threshold=threshold, allow_list=allow_list or None
        )
        return _drop_contained(results)

    def replacement(self, value: str, entity: str, operator: str, params: dict[str, Any]) -> str:
        """The fix for one value. `replace` (the default) is presidio's Replace operator written
        out: an anonymizer run per value cost more than the detection on texts with thousands
        of values."""
        if operator == "replace" and isinstance(params.get("new_value", ""), str):
            return str(params.get("new_value") or f"<{entity}>")
        result = self.anonymizer.anonymize(
            text=value,
            analyzer_results=[AnonymizerSpan(entity, 0, len(value), 1.0)],
            operators={"DEFAULT": OperatorConfig(operator, params)},
        )
        return str(result.text)


def _words_back(text: str, position: int, count: int) -> int:
    """Where the `count`-th word (presidio's token) before `position` starts; 0 if there are fewer."""
    tail = 256
    while True:
        start = max(0, position - tail)
        starts = [m.start() + start for m in TOKEN.finditer(text, start, position)]
        if start == 0 or len(starts) > count:  # the first word of a cut tail may be cut
            return starts[-count] if len(starts) >= count else 0
        tail *= 4


def _drop_contained(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Keep the outermost detection where one lies inside another (a name inside an address)."""
    ordered = sorted(results, key=lambda r: (r.start, -(r.end - r.start), -r.score))
    kept: list[RecognizerResult] = []
    for r in ordered:
        if kept and r.start >= kept[-1].start and r.end <= kept[-1].end:
            continue
        kept.append(r)
    return kept


class PiiCheck:
    """Finds personal data; masks, holds or blocks it per entity as the policy says."""

    name = "pii"
    cpu_only = True
    Config = PiiConfig

    def __init__(self, config: PiiConfig, resources: Resources) -> None:
        self.config = config
        self.entities = [e for e, action in config.entities.items() if action != "allow"]
        self.engines = resources.get("pii.engines", PiiEngines) if self.entities else None
        self.window = max((REACH[e] for e in self.entities), default=0)

    def settled(self, text: str) -> int:
        point = reach_back(text, self.window)
        if self.engines is not None and "PERSON" in self.entities:
            chat = chat_pending(text, self.engines.lexicon)
            point = point if chat is None else min(point, chat)
        return point

    def resume(self, text: str, position: int) -> int:
        """Far enough back for the context words and look-backs before a value at `position`;
        the whole text when person names are looked for."""
        if self.engines is None:
            return position
        if "PERSON" in self.entities:
            return 0
        return min(position - LOOKBACK, _words_back(text, position, CONTEXT_WORDS + 1))

    def run(self, text: str, context: CheckContext) -> list[Finding]:
        if self.engines is None or not text:
            return []
        cfg = self.config
        findings = []
        for r in self.engines.analyze(text, self.entities, cfg.score_threshold, cfg.allow_list):
            if not self._in_policy_regions(r, text):
                continue
            action, severity = _ACTIONS[cfg.entities[r.entity_type]]
            value = text[r.start : r.end]
            findings.append(
                Finding(
                    check=self.name, rule=r.entity_type, severity=severity, action=action,
                    score=round(float(r.score), 3), start=r.start, end=r.end, text=value,
                    fix=self.engines.replacement(value, r.entity_type, cfg.operator, cfg.operator_params),
                    message=f"{r.entity_type.lower().replace('_', ' ')} detected",
                )
            )
        return findings

    def _in_policy_regions(self, result: RecognizerResult, text: str) -> bool:
        """A national-format phone number counts only in a region the policy lists."""
        metadata = result.recognition_metadata or {}
        if result.entity_type != "PHONE_NUMBER" or metadata.get("international") or "region" not in metadata:
            return True
        regions = self.config.phone_regions
        return metadata["region"] in regions or phone.counts_in(text[result.start : result.end], tuple(regions))
