"""Payment card numbers, 13-19 digits, accepted only when the Luhn checksum holds.

Grouped numbers may use any of the separators people (or someone hiding a number) put
between groups: spaces, dashes, dots, slashes, mixed ("4111.1111/1111 1111"). Digits
spaced out one by one or split by invisible characters reach this recognizer already
joined (`checks.language.normalize`). A Luhn-valid match scores 1.0 whichever pattern found it
(presidio's rule for a validated result).
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

_SEP = r"[ .\-/]"
_BEFORE = r"(?<![\d\-./])"
_AFTER = r"(?!\d|[\-./]\d)"
GROUPED = rf"{_BEFORE}(?:\d{{4}}{_SEP}){{3}}\d{{1,7}}{_AFTER}"
AMEX = rf"{_BEFORE}3[47]\d{{2}}{_SEP}\d{{6}}{_SEP}\d{{5}}{_AFTER}"
SOLID = rf"{_BEFORE}\d{{13,19}}{_AFTER}"
DINERS = rf"{_BEFORE}3[0689]\d{{2}}{_SEP}\d{{6}}{_SEP}\d{{4}}{_AFTER}"
# ISO/IEC 7812 major industry identifiers of payment cards: 2 and 5 Mastercard, 3 Amex, Diners and
# JCB, 4 Visa, 6 Discover, UnionPay and Maestro; and 1 for 15-digit UATP airline cards. Other
# first digits are fuel, phone or store cards.
PAYMENT_CARD_FIRST_DIGITS = frozenset("23456")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) checksum every major card scheme uses."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class CreditCardRecognizer(PatternRecognizer):
    """Card numbers in any common grouping, Luhn-checked."""

    PATTERNS = [
        Pattern("grouped", GROUPED, 0.5),
        Pattern("amex", AMEX, 0.5),
        Pattern("diners", DINERS, 0.5),
        Pattern("solid", SOLID, 0.4),
    ]
    CONTEXT = ["card", "credit", "debit", "visa", "mastercard", "amex", "paid", "payment", "cc"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language="en",
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = "".join(ch for ch in pattern_text if ch.isdigit())
        issued = digits[0] in PAYMENT_CARD_FIRST_DIGITS or (digits[0] == "1" and len(digits) == 15)
        return 13 <= len(digits) <= 19 and issued and luhn_valid(digits) and len(set(digits)) > 1
