"""US Social Security numbers: 3-2-4 digits with any separators, or 9 solid digits near "SSN".

Presidio's recognizer wants one separator used twice (dash, dot or space); someone
hiding a number writes "536/22/8712" or "536.22-8712", so a slash counts too, and mixed
separators count where the words just before name the number a social security number
(alone, "693-09.4444" is more likely something else, as presidio's own tests hold). A number the Social Security Administration never issues
(area 000, 666 or 900-999, group 00, serial 0000, one digit repeated, the published
sample numbers) is rejected, and so is a number that the words before it name as
something else: an order, invoice, ticket, tracking or phone number.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_BEFORE = r"(?<![\d\-./])"
_AFTER = r"(?!\d|[\-./]\d)"
GROUPED = rf"{_BEFORE}\d{{3}}[ .\-/]\d{{2}}[ .\-/]\d{{4}}{_AFTER}"
SOLID = rf"{_BEFORE}\d{{9}}{_AFTER}"

# "Order 536-22-8712", "invoice no. 536 22 8712", "tel: 536.22.8712": the number is named.
OTHER_NUMBER = re.compile(
    r"\b(?:order|invoice|inv|ref|reference|ticket|case|tracking|shipment|waybill|po|sku|part|item|model"
    r"|serial|account|acct|routing|confirmation|booking|reservation|claim|policy"
    r"|tel|phone|mobile|cell|fax|call|dial|whatsapp)"
    r"\b\W{0,3}(?:no\b\.?|nr\b\.?|num(?:ber)?\b|id\b|#)?\W{0,3}$",
    re.IGNORECASE,
)
_LOOKBACK = 40
SSN_WORDS = re.compile(r"\b(?:social|security|ssns?|ssid)\b", re.IGNORECASE)
# Published sample numbers (the Woolworth wallet card, the SSA's own examples).
SAMPLE_NUMBERS = frozenset({"078051120", "123456789", "219099999"})


def ssn_possible(digits: str) -> bool:
    """Whether the SSA could have issued these nine digits."""
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (
        area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
        and len(set(digits)) > 1
        and digits not in SAMPLE_NUMBERS
    )


class UsSsnRecognizer(PatternRecognizer):
    """US_SSN in any grouping, validated against the numbers the SSA issues."""

    PATTERNS = [
        Pattern("ssn grouped", GROUPED, 0.5),
        Pattern("ssn solid", SOLID, 0.3),  # a bare nine-digit number needs "SSN" nearby
    ]
    CONTEXT = ["social", "security", "ssn", "ssns", "ssid"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="US_SSN",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language="en",
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in results if self._plausible(text[r.start : r.end], text[max(0, r.start - _LOOKBACK) : r.start])]

    def _plausible(self, value: str, before: str) -> bool:
        if OTHER_NUMBER.search(before):
            return False
        mixed = len({ch for ch in value if not ch.isdigit()}) > 1
        return not mixed or bool(SSN_WORDS.search(before))

    def invalidate_result(self, pattern_text: str) -> bool:
        """Impossible numbers are dropped; a possible one keeps its pattern's score.

        (A `validate_result` that passes would raise every match to 1.0, context or not.)
        """
        digits = "".join(ch for ch in pattern_text if ch.isdigit())
        return len(digits) != 9 or not ssn_possible(digits)
