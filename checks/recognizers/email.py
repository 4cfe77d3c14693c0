"""Email addresses, validated against the public suffix list bundled with tldextract.

Presidio's own email recognizer calls `tldextract.extract`, whose default extractor
fetches the suffix list over the network on first use; this one never does.

Obfuscated addresses ("jane dot doe at example dot com", "jane[at]example.com",
"jane%40example.com") need nothing here: the engine's normalised view
(`checks.language.normalize`) writes them in their plain form before any recognizer runs.
"""

from __future__ import annotations

from presidio_analyzer.predefined_recognizers import EmailRecognizer as PresidioEmailRecognizer

from checks.language.domains import has_public_suffix


class EmailRecognizer(PresidioEmailRecognizer):
    """Presidio's email pattern with an offline domain check."""

    def validate_result(self, pattern_text: str) -> bool:
        return has_public_suffix(pattern_text.rsplit("@", 1)[-1])
