"""IP addresses that identify a host: presidio's patterns, minus addresses that identify none.

Loopback ("127.0.0.1", "::1"), unspecified ("0.0.0.0", "::") and multicast addresses are
the same on every machine, so they are configuration, not personal data. A dotted quad
inside a longer dotted number ("1.3.6.1.2.1.1.3.0", an SNMP OID), or one that a version word
introduces ("firmware 10.4.2.118", "upgrade to 4.2.1.3"), is no address either.
"""

from __future__ import annotations

import ipaddress

import regex
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import IpRecognizer

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"
VERSION_BEFORE = regex.compile(
    r"\b(?i:version|ver|v|firmware|fw|build|release|rel|upgrade(?:d)? to|downgrade(?:d)? to|update(?:d)? to|image"
    r"|patch|agent|package|pkg|driver|bios|kernel|sdk|api)\b[\s:=]*v?$"
)
IPV4 = rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?:/(?:[0-2]?\d|3[0-2]))?(?![\w]|\.\d)"


class IpAddressRecognizer(IpRecognizer):
    """IPv4 and IPv6 host addresses."""

    PATTERNS = [Pattern("IPv4", IPV4, 0.6) if p.name == "IPv4" else p for p in IpRecognizer.PATTERNS
                if p.name != "IPv6_unspecified"]

    def __init__(self) -> None:
        super().__init__(patterns=self.PATTERNS, name="IpAddressRecognizer")

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in results if not VERSION_BEFORE.search(text[max(0, r.start - 30) : r.start])]

    def invalidate_result(self, pattern_text: str) -> bool:
        try:
            address = ipaddress.ip_interface(pattern_text).ip
        except ValueError:
            return True
        return address.is_loopback or address.is_unspecified or address.is_multicast
