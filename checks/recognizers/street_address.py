"""Street addresses: a house number, a street name, a USPS suffix, an optional unit and
an optional ", City, ST 12345" tail. Stock presidio has no street-address recognizer."""

from __future__ import annotations

from faker.providers.address.en_US import Provider as UsAddress
from presidio_analyzer import Pattern, PatternRecognizer

# USPS Publication 28 suffixes (Faker ships the full list) plus common abbreviations.
_ABBREVIATIONS = [
    "St", "Ave", "Av", "Rd", "Blvd", "Dr", "Ln", "Ct", "Pl", "Sq", "Ter", "Pkwy", "Hwy",
    "Cir", "Trl", "Way", "Row", "Close", "Gardens", "Mews", "Hill", "Green",
]
_SUFFIXES = sorted(set(UsAddress.street_suffixes) | set(_ABBREVIATIONS), key=len, reverse=True)
_SUFFIX = "(?:" + "|".join(_SUFFIXES) + r")\.?"
_NAME_WORD = r"(?:[A-Z][a-zA-Z'\-]+|\d{1,3}(?:st|nd|rd|th))"  # "Evergreen", "O'Hara", "5th"
_DIRECTIONAL = r"(?:\s(?:N|S|E|W|NE|NW|SE|SW)\b)"  # "Pennsylvania Avenue NW"
_UNIT = r"(?:,?\s+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Floor|Fl\.?|Room|#)\s*[A-Za-z0-9\-]+)"
_CITY = r"(?:,\s+(?:[A-Z][a-zA-Z'\-]+\s){0,2}[A-Z][a-zA-Z'\-]+)"
_STATE_ZIP = r"(?:,?\s+[A-Z]{2}\b(?:\s+\d{5}(?:-\d{4})?)?)"
_STREET = rf"\b\d{{1,6}}[A-Za-z]?\s+(?:{_NAME_WORD}\s+){{0,3}}{_SUFFIX}{_DIRECTIONAL}?"

ADDRESS_REGEX = rf"{_STREET}(?:{_UNIT})?(?:{_CITY}{_STATE_ZIP}?)?"
PO_BOX_REGEX = r"\bP\.?\s?O\.?\s+Box\s+\d{1,6}\b"


class StreetAddressRecognizer(PatternRecognizer):
    """Recognizes US/UK-style street addresses with a known street suffix."""

    PATTERNS = [
        Pattern("street address", ADDRESS_REGEX, 0.7),
        Pattern("po box", PO_BOX_REGEX, 0.6),
    ]
    CONTEXT = ["address", "home", "ship", "shipping", "mail", "lives", "located", "deliver"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language="en",
            global_regex_flags=0,  # case matters: street names are capitalised
        )
