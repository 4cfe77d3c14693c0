"""Payment card numbers, 13-19 digits, written solid or in groups with spaces or dashes,
accepted only when the Luhn checksum holds."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

GROUPED = r"(?<![\d\-])(?:\d{4}[ \-]){3}\d{1,7}(?![\d\-])"
AMEX = r"(?<![\d\-])3[47]\d{2}[ \-]\d{6}[ \-]\d{5}(?![\d\-])"
SOLID = r"(?<![\d\-])\d{13,19}(?![\d\-])"


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
        Pattern("solid", SOLID, 0.4),
    ]
    CONTEXT = ["card", "credit", "visa", "mastercard", "amex", "paid", "payment", "cc"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language="en",
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = "".join(ch for ch in pattern_text if ch.isdigit())
        return 13 <= len(digits) <= 19 and luhn_valid(digits)
