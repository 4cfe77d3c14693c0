"""Phone numbers in the formats people write: (415) 555-0147, 415-555-0147, +1-415-555-0147,
+44 20 7946 0958, 415.555.0147. Stock presidio validates with libphonenumber's strict
`VALID` leniency and so drops real-looking numbers in unassigned area codes; here a
number only has to be *possible* for its region, and the written shape carries the rest."""

from __future__ import annotations

import phonenumbers
from presidio_analyzer import Pattern, PatternRecognizer

_SEP = r"[\s.\-]"
NANP = rf"(?<![\w+])(?:\+?1{_SEP}?)?(?:\(\d{{3}}\)\s?|\d{{3}}{_SEP})\d{{3}}{_SEP}\d{{4}}(?:\s?(?:x|ext\.?)\s?\d{{1,5}})?\b"
INTERNATIONAL = r"(?<![\w+])\+\d{1,3}(?:[\s.\-]?\(?\d{1,4}\)?){2,5}\b"


class PhoneRecognizer(PatternRecognizer):
    """North American and E.164-style international phone numbers."""

    PATTERNS = [
        Pattern("nanp", NANP, 0.6),
        Pattern("international", INTERNATIONAL, 0.6),
    ]
    CONTEXT = ["phone", "call", "line", "mobile", "cell", "tel", "reach", "text", "fax", "number"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language="en",
        )

    def validate_result(self, pattern_text: str) -> bool:
        region = None if pattern_text.lstrip().startswith("+") else "US"
        try:
            number = phonenumbers.parse(pattern_text, region)
        except phonenumbers.NumberParseException:
            return False
        return bool(phonenumbers.is_possible_number(number))
