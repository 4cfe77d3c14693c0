"""Phone numbers as people write them in many countries, checked with libphonenumber.

A run of digits shaped like a phone number ("+44 20 7946 0958", "030 1234567",
"(02) 9374 4000", "090-8812-3306", "(11) 91234-5678", "415.555.0147 x204") is parsed
for each region of a broad list and kept where libphonenumber says the number is valid
there. How sure the match is depends on the shape:

- international form (+ or 00): valid anywhere -> sure;
- a national trunk prefix ("0...") or the North American 3-3-4 shape -> likely;
- any other national form ("612 34 56 78" in Spain) -> only with a phone word near it
  ("tel.", "mobile", "call", "WhatsApp", "llamar", "Handy", ...).

Digits that an id word introduces ("order", "invoice", "tracking", "SKU", "ref", "#")
are ids, not phones, as are dates, times, versions and IP addresses. Each result names
the first region (in BROAD_REGIONS' order) it is valid in; `counts_in` tells a policy that
keeps only some regions whether the number is valid in one of them. Regions are tried in
order and the search stops at the first valid one: parsing costs ~0.1 ms a region.
"""

from __future__ import annotations

import functools
import re

import phonenumbers
import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

RECOGNIZER_NAME = "PhoneNumberRecognizer"
# Regions tried for numbers written without a country code.
BROAD_REGIONS = (
    "US CA GB IE FR DE AT CH NL BE LU ES PT IT PL CZ SK HU RO GR SE NO DK FI IS TR IL AE SA EG MA NG GH KE ZA"
    " ET TZ UG IN PK BD LK NP CN HK TW JP KR SG MY ID TH VN PH AU NZ BR MX AR CL CO PE"
).split()

_SEP = r"[ \t.\-/]"
CANDIDATE = regex.compile(
    r"(?<![\w+\-/.,@#])"
    r"(?:(?:\+|00)\d{1,3}[ \t.\-]?)?"  # country code
    rf"(?:\(\d{{1,5}}\)[ \t.\-]?)?"  # area code in parentheses
    rf"\d{{1,5}}(?:{_SEP}?\d{{1,5}}){{1,6}}"  # groups
    r"(?:[ \t]*(?:x|ext\.?|extension|#)[ \t]*\d{1,5})?"  # extension
    r"(?![\w\-/]|[.,]\d)",
    regex.IGNORECASE,
)
NANP_SHAPE = regex.compile(r"^(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}")
NOT_A_PHONE = regex.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,3}(?:\.\d{1,3}){3}|\d{1,4}\.\d{1,3}\.\d{1,3}"
    r"|\d{3}([ .\-/])\d{2}\1\d{4})$"  # dates, IPs, versions, the US SSN shape
)
# Digits that continue a code ("1Z 999 AA1 01 2345 6784", "DK26 0474 3957 5513 13") are part of it.
CODE_BEFORE = regex.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{2,}[ \t]$")
CONTEXT_WINDOW = 40
PHONE_WORDS = regex.compile(
    r"\b(?i:phone|tel|tél|telephone|téléphone|telefon|telefone|teléfono|telefono|telefoon|mobile|mobil|móvil|mobiel"
    r"|mob|cell|celular|cellulare|handy|portable|gsm|fax|whatsapp|wa|sms|text|call|calls|calling|ring|reach"
    r"|dial|line|direct|desk|office|hotline|contact|llam\w*|appel\w*|joindre|anruf\w*|ruf|lig\w*|chiam\w*"
    r"|bel|bellen|zadzwoń|ph|tlf|tfn|number|no)\b|電話|\b[MTPFW]\b"
)
ID_WORDS = regex.compile(
    r"(?:\b(?i:social security|national insurance|passport|licen[cs]e|sin|nino|order|invoice|inv|ref|reference|tracking|waybill|awb|consignment|shipment|parcel|sku|part|item|po|p\.o"
    r"|ticket|case|incident|id|account|acct|acc|serial|s/n|batch|lot|iban|bic|swift|routing|sort code|customer"
    r"|member|policy|claim|contract|booking|confirmation|reservation|pnr|voucher|coupon|receipt|transaction|txn"
    r"|auth|code|pin|otp|isbn|vat|tax|ein|ssn)\b|\b(?i:no|nr)[.:#]|n°|nº|#)"
    r"[\s:#.\-]*(?:(?i:no|nr|number|num)\b\.?)?[\s:#.\-]*$"
)


class PhoneNumberRecognizer(EntityRecognizer):
    """PHONE_NUMBER in international and national formats, validated per region."""

    def __init__(self, regions: tuple[str, ...] | list[str] = tuple(BROAD_REGIONS)) -> None:
        self.regions = list(regions)
        super().__init__(supported_entities=["PHONE_NUMBER"], name=RECOGNIZER_NAME, supported_language="en")

    def load(self) -> None:
        """Nothing to load: libphonenumber's metadata is imported with the package."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for m in CANDIDATE.finditer(text):
            found = self._judge(text, m)
            if found is not None:
                score, region = found
                name = RECOGNIZER_NAME
                explanation = AnalysisExplanation(name, score, textual_explanation=region)
                metadata = {"region": region, "international": m.group().startswith(("+", "00")),
                            RecognizerResult.RECOGNIZER_NAME_KEY: name,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
                results.append(RecognizerResult("PHONE_NUMBER", m.start(), m.end(), score, explanation,
                                                 recognition_metadata=metadata))
        return results

    def _judge(self, text: str, m: regex.Match[str]) -> tuple[float, str] | None:
        """(score, a region it is valid in) or None when the digits are no phone number."""
        raw = m.group()
        digits = _digits(raw)
        if not 7 <= len(digits) <= 15 or NOT_A_PHONE.match(raw):
            return None
        left = _left_context(text, m.start())
        if CODE_BEFORE.search(left):
            return None
        if ID_WORDS.search(left):  # "Order 4155550147", "Ref: 0412 938 556"
            return None
        phone_word_near = bool(PHONE_WORDS.search(left))
        international = raw.startswith(("+", "00"))
        if international:
            number = _parse("+" + raw.lstrip("+")[2 if raw.startswith("00") else 0 :], None)
            if number is None or not phonenumbers.is_possible_number(number):
                return None
            home = str(phonenumbers.region_code_for_number(number) or "ZZ")
            return (0.85 if phonenumbers.is_valid_number(number) else 0.6), home
        if NANP_SHAPE.match(raw) and _possible_in(raw, "US"):  # 555 numbers are "possible", never "valid": keep them
            return 0.75, "US"
        region = _first_valid_region(raw, digits, tuple(self.regions))
        if region is None:
            return None
        if digits.startswith("0") or "(" in raw:
            return (0.75 if phone_word_near else 0.6), region
        return (0.6 if phone_word_near else 0.3), region


def counts_in(raw: str, regions: tuple[str, ...]) -> bool:
    """Whether a national-format number the recognizer found is one of `regions`' numbers."""
    if "US" in regions and NANP_SHAPE.match(raw) and _possible_in(raw, "US"):
        return True
    return _first_valid_region(raw, _digits(raw), regions) is not None


def _digits(raw: str) -> str:
    """The number's digits, without its extension."""
    return str(regex.sub(r"\D", "", regex.split(r"(?i)x|ext|#", raw)[0]))



def _left_context(text: str, position: int) -> str:
    """Up to CONTEXT_WINDOW characters before `position` on its line, starting at a whole word."""
    line_start = text.rfind("\n", 0, position) + 1
    start = max(line_start, position - CONTEXT_WINDOW)
    left = text[start:position]
    return regex.sub(r"^\w+", "", left) if start > line_start and text[start - 1].isalnum() else left


def _parse(raw: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None


@functools.lru_cache(maxsize=4096)
def _first_valid_region(raw: str, digits: str, regions: tuple[str, ...]) -> str | None:
    """The first of `regions` where `raw` is a valid national number. A region is only parsed
    where its numbers can have this many digits and their pattern fits the digits."""
    return next((r for r in regions if _could_have(r, len(digits)) and _could_be_national(digits, r)
                 and _valid_in(raw, r)), None)


@functools.lru_cache(maxsize=512)
def _lengths(region: str) -> frozenset[int]:
    """Possible digit counts of a national number written in `region`, trunk prefix included."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return frozenset()
    lengths = set(metadata.general_desc.possible_length or ())
    prefix = len(metadata.national_prefix or "")
    return frozenset(lengths | {n + prefix for n in lengths})


@functools.lru_cache(maxsize=512)
def _national_pattern(region: str) -> re.Pattern[str] | None:
    """A test that some ending of a run of digits fits the region's national number pattern.

    Parsing only ever strips a beginning off the digits (a trunk or international prefix, the
    country code, an extension after them), and a valid number's national part always fits
    the region's general pattern, so digits with no fitting ending are valid nowhere in the
    region. None where the region rewrites numbers as it parses them (a national prefix
    transform rule: Argentina, Brazil, Japan): only a parse can tell there.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.national_prefix_transform_rule:
        return None
    general = metadata.general_desc
    if general is None or not general.national_number_pattern:
        return None
    return re.compile(rf"\d*?(?:{general.national_number_pattern})")  # libphonenumber's patterns are `re` syntax


def _could_be_national(digits: str, region: str) -> bool:
    pattern = _national_pattern(region)
    return pattern is None or pattern.fullmatch(digits) is not None


def _could_have(region: str, digit_count: int) -> bool:
    return digit_count in _lengths(region)


def _valid_in(raw: str, region: str) -> bool:
    number = _parse(raw, region)
    return number is not None and phonenumbers.is_valid_number_for_region(number, region)


def _possible_in(raw: str, region: str) -> bool:
    number = _parse(raw, region)
    return number is not None and phonenumbers.is_possible_number(number)
