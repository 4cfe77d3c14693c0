"""Context that says a capitalised run is (or is not) a person: the words around it.

Each cue is a general fact of how people are written about in business text, in several
languages (`checks.names.vocabulary` holds the word classes): an honorific or a greeting
before a name, a sign-off line, a form label ("Cardholder:"), a role after it ("X, Head
of IT"), a verb of contact before it ("call X"), a verb only people take after it ("X
suggested"), a possessive of a personal thing ("X's laptop"), the same name in an email
address; and against: a company word or "&" ("Hollis & Reed LLP"), a street type
("Martin Place", "Calle de Serrano"), a count or house number ("14 Ford Transit"), an
article ("The Charles Schwab connector"), a version ("Cloud Suite 4.2"), a product tier
("Atlas Pro"), a business noun after it ("the Goldman Sachs account").

A cue is a weight added to the span's score; `read_cues` returns them by name so tests
(and reviewers) can see why a run was or was not taken for a name.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex
from spacy.lang.en.stop_words import STOP_WORDS

from checks.names import vocabulary as v

STRONG, MEDIUM, WEAK = 0.55, 0.3, 0.1
# Capitalised words after a name that do not make it part of a longer proper name ("Sato Sales Director").
NOT_A_LONGER_NAME = v.CALENDAR_WORDS | v.ROLES | v.HONORIFIC_SUFFIXES
NOT_NOUNS = frozenset(STOP_WORDS) | v.words("morning|afternoon|evening|weekend|asap|tonight|later|soon|too|also|again|said")
_I = regex.IGNORECASE

HONORIFIC = v.alternation(v.HONORIFICS)
ROLE = v.alternation(v.ROLES)
CLOSING = v.alternation(v.CLOSINGS)
PERSON_KEY = (
    r"(?i:name|full_?name|first_?name|last_?name|given_?name|surname|family_?name|middle_?name|card_?holder"
    r"|holder_?name|account_?holder|customer_?name|contact_?name|display_?name|user_?name|employee_?name"
    r"|applicant|payee|beneficiary|recipient_?name|sender_?name|patient_?name|owner_?name|signatory)"
)

LEFT_CUES: list[tuple[str, float, regex.Pattern[str]]] = [
    ("honorific", STRONG, regex.compile(rf"(?:^|[\s(,;:\"'])(?i:{HONORIFIC})\.?\s+$")),
    ("greeting", STRONG, regex.compile(rf"(?:^|[\s>\"'])(?:{v.alternation(v.GREETINGS)})[ \t]*,?[ \t]+$", _I)),
    ("thanks", STRONG, regex.compile(rf"(?:^|[\s>\"'])(?:{v.alternation(v.THANKS)})[ \t]*,?[ \t]+$", _I)),
    ("introduced", STRONG, regex.compile(r"\b(?i:my name is|my name's|name is|I am|I'm|this is|call me|named|called|known as|me llamo|je m'appelle|ich bin|ich heiße|mi chiamo|meu nome é|mijn naam is)\s+$")),
    ("key", STRONG, regex.compile(rf"[\"']?{PERSON_KEY}[\"']?\s*[:=]\s*[\"']?$")),
    ("label", STRONG, regex.compile(
        rf"(?:^|[\n|;•*\-–—]|\s{{2}}|\d\.\s|[.!?]\s)[^\n:.!?]{{0,40}}?\b(?:{v.alternation(v.PERSON_LABELS)})\s*(?:\([^)]*\))?\s*[:—–]\s*$", _I)),
    ("person noun before", STRONG, regex.compile(rf"\b(?i:{v.alternation(v.PERSON_NOUNS)})\s+$")),
    ("role before", MEDIUM, regex.compile(rf"\b(?:{ROLE})\s+$|\b(?i:{v.alternation(v.PARTY_NOUNS)})\s+$")),
    ("contact verb", MEDIUM, regex.compile(rf"\b(?:{v.alternation(v.CONTACT_VERBS)})\s+(?:(?:to|with|on|for|a|the)\s+)?$", _I)),
    ("beside a pronoun", MEDIUM, regex.compile(r"\b(?i:you|me|I|he|she|we|they|him|her|us)\s+(?:or|and|&)\s+$")),
    ("preposition", WEAK, regex.compile(r"\b(?:by|with|for|to|from|via|para|pour|für|per|con|com|avec|mit|met)\s+$")),
]
RIGHT_CUES: list[tuple[str, float, regex.Pattern[str]]] = [
    ("honorific after", STRONG, regex.compile(rf"^(?:-|\s+)(?:{v.alternation(v.HONORIFIC_SUFFIXES)})\b", _I)),
    ("pronouns", STRONG, regex.compile(r"^\s*\((?:he|she|they|ze|xe)/(?:him|her|them|hir|his|hers|theirs)\)", _I)),
    ("task", STRONG, regex.compile(rf"^\s+to\s+(?:{v.alternation(v.TASK_VERBS)})\b")),
    ("person verb", MEDIUM, regex.compile(rf"^\s+(?:(?:has|had|also|just|already|then|still|now|personally)\s+)?(?:{v.alternation(v.PERSON_VERBS)})\b")),
    ("role", MEDIUM, regex.compile(rf"^\s*(?:,|\(|—|–|-)\s*(?:(?:our|the|a|an|his|her|their)\s+)?(?:{ROLE})\b", _I)),
    ("from a department", MEDIUM, regex.compile(rf"^\s+(?:from|in|at)\s+(?:the\s+)?(?:{v.alternation(v.DEPARTMENTS)})\b", _I)),
    ("personal thing", MEDIUM, regex.compile(
        r"^(?:-\w+)?['’]s\s+(?:(?:new|old|own|personal|work|direct|private)\s+)?"
        r"(?:laptop|phone|line|mobile|cell|number|email|inbox|desk|office|team|manager|assistant|ea|pa|calendar"
        r"|schedule|start date|birthday|accounts|contract|salary|leave|notebook|computer|car|badge|password|login"
        r"|home|flight|visa|passport|wife|husband|partner|son|daughter|mother|father|colleague|boss|role|title"
        r"|department|performance|onboarding|offer|resignation|extension|voicemail|signature|approval|sign-off"
        r"|expenses|expense|payslip|ssn)\b", _I)),
    ("shared verb", WEAK, regex.compile(rf"^\s+(?:(?:has|had|also|just|already|then|still|now)\s+)?(?:{v.alternation(v.SHARED_VERBS)})\b")),
    ("parenthesis", WEAK, regex.compile(r"^\s*\((?!\s*\d)")),
    ("possessive", WEAK, regex.compile(r"^(?:-\w+)?['’]s\b")),
]
NEGATIVE_CUES: list[tuple[str, float, regex.Pattern[str], bool]] = [
    # (name, weight, pattern, read on the left?)
    ("organisation", -0.8, regex.compile(rf"^\s*,?\s*(?:\p{{Lu}}\p{{Ll}}+\s+){{0,2}}(?i:{v.alternation(v.ORG_WORDS)})\b\.?"), False),
    ("organisation", -0.8, regex.compile(rf"\b(?i:{v.alternation(v.ORG_PREFIXES)})\s+$"), True),
    ("ampersand", -0.8, regex.compile(r"&\s*$"), True),
    ("ampersand", -0.8, regex.compile(r"^\s*&"), False),
    ("count or house number", -0.8, regex.compile(r"(?:^|[\s(])\d+[A-Za-z]?\s+$"), True),
    ("street", -0.8, regex.compile(
        rf"\b(?:{v.place_alternation(v.PLACE_TYPES)})\.?\s+(?:(?:de|del|de la|da|do|dos|das|di|du|des|della|van|von)\s+)?$"),
        True),
    ("street", -0.8, regex.compile(rf"^\s*(?:{v.place_alternation(v.PLACE_TYPES, v.COMPASS)})\b"), False),
    ("article", -0.5, regex.compile(r"\b(?:The|the|our|your|their|its)\s+$"), True),
    ("at a place", -0.25, regex.compile(r"\b(?:at|in|near)\s+$"), True),
    ("version", -0.4, regex.compile(r"^\s+v?\d"), False),
    ("quantity", -0.5, regex.compile(r"^\s*\(\s*\d+\s*(?:x|×|pcs|pack|units?|kg|g|ml|l|%|\))"), False),
    ("product", -0.5, regex.compile(rf"^\s+(?:{v.capitalised_alternation(v.PRODUCT_WORDS)})(?!\p{{L}})"), False),
    ("business context", -0.4, regex.compile(rf"^\s+(?i:{v.alternation(v.BUSINESS_NOUNS)})\b"), False),
    ("address or handle", -1.0, regex.compile(r"^(?:@|\.\w|/)"), False),
    # "Ralph Lauren vouchers", "Kafka internals": a name right before a plural noun is a brand used as
    # a modifier. Closed-class words and verbs after a name are not nouns.
    ("modifies a noun", -0.3, regex.compile(
        rf"^[ ](?!(?:{v.alternation(NOT_NOUNS, v.PERSON_VERBS, v.SHARED_VERBS, v.CALENDAR_WORDS)})\b)"
        r"[a-z]{2,}[^s\W]s\b(?![\-'’])"), False),
]
# Negative cues that are about companies and products, not places: weaker on listed names
# ("the Adjei file" may still be a person's).
SOFTER_FOR_NAMES = frozenset({"article", "business context", "at a place"})


@dataclass(frozen=True)
class Cue:
    name: str
    weight: float


# Left cues end at the span ("...$"): searched backwards, each fails or matches at once instead of
# being tried at every position of the line.
LEFT_CUES = [(name, w, regex.compile(p.pattern, p.flags | regex.REVERSE)) for name, w, p in LEFT_CUES]
NEGATIVE_CUES = [(name, w, regex.compile(p.pattern, p.flags | regex.REVERSE) if on_left else p, on_left)
                 for name, w, p, on_left in NEGATIVE_CUES]


def read_cues(left: str, right: str) -> list[Cue]:
    """The cues in the text before (`left`, from the line start) and after (`right`) a span."""
    cues = [Cue(name, w) for name, w, pattern in LEFT_CUES if pattern.search(left)]
    cues += [Cue(name, w) for name, w, pattern in RIGHT_CUES if pattern.search(right)]
    cues += [Cue(name, w) for name, w, pattern, on_left in NEGATIVE_CUES if pattern.search(left if on_left else right)]
    return _strongest_per_side(cues)


def _strongest_per_side(cues: list[Cue]) -> list[Cue]:
    """Positive cues don't stack without limit: the best left cue and the best right cue count."""
    left_names = {name for name, _, _ in LEFT_CUES}
    positive_left = [c for c in cues if c.weight > 0 and c.name in left_names]
    positive_right = [c for c in cues if c.weight > 0 and c.name not in left_names]
    negative = [c for c in cues if c.weight < 0]
    best = [max(group, key=lambda c: c.weight) for group in (positive_left, positive_right) if group]
    return best + list({c.name: c for c in negative}.values())


def is_sign_off(previous_line: str, left: str, right: str) -> bool:
    """The span opens the line after a closing ("Thanks,\\n Declan") and ends its own line or a title follows."""
    return (
        not left.strip()
        and bool(regex.fullmatch(rf"\s*(?:{CLOSING})\s*[,!.]?\s*", previous_line, flags=_I))
        and bool(regex.match(r"^\s*(?:$|[,|(]|[—–-]\s)", right))
    )


DASH_SIGN_OFF = regex.compile(r"(?:^|\s)[—–-]\s*$")
END_OF_MESSAGE = regex.compile(r"^\s*(?:\([^)\n]*\))?\s*(?:$|[\"”'])")


def is_dash_sign_off(left: str, rest: str) -> bool:
    """"— Hana (Tier 2 Support)", "sorry - Olu\\"": a dash, the name, then the message ends."""
    return bool(DASH_SIGN_OFF.search(left) and END_OF_MESSAGE.match(rest))


def is_last_line_alone(text: str, start: int, end: int) -> bool:
    """"...\\n\\nThierry": the name alone on the message's last line, after a blank line."""
    return (not text[end:].strip() and text[:start].rstrip(" \t").endswith("\n\n")
            and "\n" not in text[start:end])


# Header and form fields that look like chat speakers but are not ("To:", "Bill to:", "Subject:").
FIELD_LABEL = regex.compile(
    rf"(?i:{v.alternation(v.PERSON_LABELS)}|subject|re|date|sent|reply-to|total|note|notes|status|action|todo"
    r"|source|email|phone|mobile|mob|tel|fax|address|ref|reference|amount|balance|due|terms|items|item|priority"
    r"|wins|pain|next step|summary|update|error|warning|info|debug)"
)
SPEAKER = regex.compile(
    r"^[ \t]*(?:\[[^\]\n]*\][ \t]*)*(?:#\d+[ \t]*)?(?:[-•*][ \t]*)?"
    r"(?P<name>\p{L}[\p{L}\p{M}'’\-]*(?:[._][\p{L}\p{M}]+)?(?:[ \t]\p{L}[\p{L}\p{M}'’\-]*)?)"
    r"[ \t]*(?:\([^)\n]*\))?:[ \t]",
    regex.M,
)
EMAIL = regex.compile(r"(?P<local>[\w.+'\-]+)@[\w\-]+(?:\.[\w\-]+)+")
