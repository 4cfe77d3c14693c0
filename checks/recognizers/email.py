"""Email addresses, validated against the public suffix list bundled with tldextract.

Presidio's own email recognizer calls `tldextract.extract`, whose default extractor
fetches the suffix list over the network on first use; this one never does."""

from __future__ import annotations

import tldextract
from presidio_analyzer.predefined_recognizers import EmailRecognizer as PresidioEmailRecognizer

_OFFLINE_TLDS = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class EmailRecognizer(PresidioEmailRecognizer):
    """Presidio's email pattern with an offline domain check."""

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_TLDS(pattern_text.rsplit("@", 1)[-1]).suffix != ""
