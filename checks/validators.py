"""loopguard's own guardrails-ai validators, registered the way any hub validator is."""

from __future__ import annotations

import re
from typing import Any

from guardrails.validator_base import (
    ErrorSpan,
    FailResult,
    PassResult,
    ValidationResult,
    Validator,
    register_validator,
)

_SHOUTING = re.compile(r"\b[A-Z]{2,}(?:[\s,]+[A-Z]{2,}){2,}\b|!{2,}")


@register_validator(name="loopguard/no_shouting", data_type="string")
class NoShouting(Validator):  # type: ignore[misc]
    """Tone rule: three or more all-caps words in a row, or repeated exclamation marks."""

    def validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        spans = [ErrorSpan(start=m.start(), end=m.end(), reason="shouting") for m in _SHOUTING.finditer(value)]
        if not spans:
            return PassResult()
        return FailResult(error_message="shouting: all-caps run or repeated '!'", error_spans=spans)
