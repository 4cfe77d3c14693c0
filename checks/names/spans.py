"""Where a person's name could be: runs of capitalised words, as names are written in
many languages.

A run may hold initials ("J. R. Okafor"), particles ("van der", "de la", "dos", "bin"),
hyphenated and apostrophe forms ("Jean-Baptiste", "O'Sullivan", "McCarthy"), letters with
diacritics ("Nguyễn Thị Thu Hằng") and a generational suffix ("Jr."). Ordinary words split
a run ("Grace Period" leaves "Grace"); honorifics, greetings, street types and nouns for
people never belong to one; a product tier at its end is left outside ("Atlas" of "Atlas
Pro"), as are a possessive and a Japanese honorific ("Sato-san's"), where the cues read them.

Where the context all but says "a name comes next" (after "Mr.", "Hi", "Thanks,", a form
label, or alone on a sign-off line) an everyday word that is also a given name is kept:
"Hi Will", "Mr. Brown", "Cheers,\\nMark".
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from checks.names import vocabulary as v
from checks.names.lexicon import NameLexicon, Nameness

_UP = r"\p{Lu}"
_LO = r"[\p{Ll}\p{M}]"
# "Kenji", "McCarthy", "DeShawn", "O'Connor", "Jean-Baptiste", "Hyun-woo", "Al-Amin".
NAME_WORD = (
    rf"(?!(?:Jr|Sr)\b)(?:{_UP}{_LO}{{0,2}}{_UP}{_LO}+|{_UP}['’]{_UP}{_LO}+|{_UP}{_LO}+)(?:-(?:{_UP}{_LO}+|{_LO}{{2,}}))*"
    r"(?!\p{L})"
)
INITIAL = rf"{_UP}\."
PARTICLE = r"(?:van|von|der|den|de|del|della|di|da|do|dos|das|du|le|la|ter|ten|bin|binti|binte|bte|ibn|al|el|y|zu|'t)"
SUFFIX = r"(?:,?[ ]+(?:Jr|Sr)\.?|[ ]+(?:II|III|IV)\b)"
RUN = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}@_/\\.\-])(?:{INITIAL}[ ]?){{0,3}}{NAME_WORD}"
    rf"(?:[ \t]+(?:{PARTICLE}[ \t]+|{INITIAL}[ \t]?){{0,2}}{NAME_WORD}){{0,5}}(?:{SUFFIX})?"
)
WORD = regex.compile(rf"{INITIAL}|(?:Jr|Sr)\.?(?!\p{{L}})|(?:II|III|IV)\b|{NAME_WORD}|{PARTICLE}(?!\p{{L}})")
JAPANESE_SUFFIX = regex.compile(r"-(?:san|sama|sensei|kun|chan)\b")
# Place suffixes: "Meguro-ku" is a ward of Tokyo, "Karl-Marx-Allee" a street.
PLACE_SUFFIX = regex.compile(rf"-(?:ku|shi|cho|machi|mura|gun|ken|dong|gu|si|(?i:{v.alternation(v.PLACE_TYPES)}))$")
GENERATIONAL = ("Jr", "Sr", "II", "III", "IV")

NON_NAME_WORDS = (
    v.HONORIFICS | v.GREETINGS | v.THANKS | frozenset(w for c in v.CLOSINGS for w in c.split()) | v.PLACE_TYPES
    | v.PERSON_NOUNS | v.ABBREVIATIONS | v.ORG_PREFIXES
)
# Before these, a word that is also a given name is read as one ("Hi Will", "Mr. Brown").
GREETING_BEFORE = regex.compile(rf"(?i:{v.alternation(v.GREETINGS, v.THANKS)}),?[ ]+$", regex.REVERSE)
LABEL_BEFORE = regex.compile(rf"(?i:{v.alternation(v.PERSON_LABELS)}):[ ]+$", regex.REVERSE)
CLOSING_LINE = regex.compile(rf"\s*(?i:{v.alternation(v.CLOSINGS)})\s*[,!.]?\s*")
PARTICLE_WORD = regex.compile(PARTICLE)
HONORIFIC_BEFORE = regex.compile(rf"(?i:{v.alternation(v.HONORIFICS)})\.?[ ]+$", regex.REVERSE)
POPULAR_GIVEN_NAME = 300
RARE_ZIPF = 2.0
INSIDE_NAME_RANK = 1000
POPULAR_RANK_AT_SENTENCE_START = 100
SENTENCE_START_WORD_ZIPF = 4.5  # "Ask", "Please", "Call"; not "Curtis"
SENTENCE_START = regex.compile(r"(?:^|[.!?:;]\s+|\n\s*|^\s*[-•*]\s*)$", regex.REVERSE)
POPULAR_RANK = 50
CONTEXT_CHARS = 60  # how far before a word its cues are looked for
EVERYDAY_ZIPF = 5.0  # after a form label, only a name that is not a very common word is promoted
TRAILING_CONTEXT = v.PRODUCT_WORDS | v.COMPASS | v.HONORIFIC_SUFFIXES


@dataclass(frozen=True)
class NameWord:
    text: str
    start: int
    end: int
    kind: Nameness | None  # None for initials, particles and suffixes
    rare: bool = False  # all but unknown to English text (a Zipf frequency below 2)
    popular: bool = False  # among the 50 commonest given names or surnames of some country


@dataclass(frozen=True)
class NameSpan:
    """A run of words that could be a person's name."""

    start: int
    end: int
    words: tuple[NameWord, ...]

    @property
    def names(self) -> list[NameWord]:
        """The words that carry the name (not initials, particles or suffixes)."""
        return [w for w in self.words if w.kind is not None]


def find_name_spans(text: str, lexicon: NameLexicon) -> list[NameSpan]:
    spans: list[NameSpan] = []
    for run in RUN.finditer(text):
        words = [_word(m, run.start(), lexicon) for m in WORD.finditer(run.group())]
        words = [_where_a_name_is_expected(text, w, lexicon) for w in words]
        words = [_after_particle(w, words[i - 1] if i else None) for i, w in enumerate(words)]
        for i, w in enumerate(words):
            words[i] = _inside_a_name(w, words[:i], lexicon)
        if words and _opens_a_sentence(text, words[0].start):
            words[0] = _sentence_initial(words[0], lexicon)
        spans.extend(_split_at_words(words))
    return spans


def _word(m: regex.Match[str], offset: int, lexicon: NameLexicon) -> NameWord:
    token = m.group()
    start, end = offset + m.start(), offset + m.end()
    if regex.fullmatch(rf"{INITIAL}|{PARTICLE}|(?:Jr|Sr)\.?|II|III|IV", token):
        return NameWord(token, start, end, None)
    if token.casefold() in NON_NAME_WORDS:
        return NameWord(token, start, end, Nameness.WORD)
    suffix = JAPANESE_SUFFIX.search(token)
    if suffix:  # "Sato-san": the name is "Sato"
        token, end = token[: suffix.start()], start + suffix.start()
    if PLACE_SUFFIX.search(token):
        return NameWord(token, start, end, Nameness.WORD)
    best = lexicon.name_ranks(token).best
    popular = best is not None and best <= POPULAR_RANK
    return NameWord(token, start, end, lexicon.nameness(token), lexicon.zipf(token) < RARE_ZIPF, popular)


def _where_a_name_is_expected(text: str, word: NameWord, lexicon: NameLexicon) -> NameWord:
    """After "Mr.", "Hi", "Thanks," or a form label, or alone after a closing line, a popular given
    name that is also an everyday word ("Will", "Hope", "Mark", "June") is read as a name."""
    if word.kind is not Nameness.WORD or word.text.casefold() in NON_NAME_WORDS:
        return word
    ranks = lexicon.name_ranks(word.text)
    line_start = text.rfind("\n", 0, word.start) + 1
    before = text[max(line_start, word.start - CONTEXT_CHARS) : word.start]
    if HONORIFIC_BEFORE.search(before):  # "Mr. Brown", "Mr. Al-Farsi": any listed name
        expected = ranks.best is not None
    elif LABEL_BEFORE.search(before):  # "Owner: Will" but not "Product: Go"
        expected = ranks.best is not None and ranks.best <= POPULAR_GIVEN_NAME and lexicon.zipf(word.text) < EVERYDAY_ZIPF
    else:
        expected = (bool(GREETING_BEFORE.search(before)) or (not before.strip() and _after_closing_line(text, line_start))) \
            and ranks.best is not None and ranks.best <= POPULAR_GIVEN_NAME
    return NameWord(word.text, word.start, word.end, Nameness.AMBIGUOUS, word.rare, word.popular) if expected else word


def _after_particle(word: NameWord, previous: NameWord | None) -> NameWord:
    """After "van", "de la", "dos", a word is a surname even if it is a street type ("van Dijk")."""
    if word.kind is Nameness.WORD and previous is not None and previous.kind is None and PARTICLE_WORD.fullmatch(previous.text):
        return NameWord(word.text, word.start, word.end, Nameness.AMBIGUOUS)
    return word


def _inside_a_name(word: NameWord, before: list[NameWord], lexicon: NameLexicon) -> NameWord:
    """A capitalised everyday word that follows name words and is itself a listed name is part of
    the name ("Martin Luther King", "Nguyen Van An"), not the word it spells: a word rarer than
    "day" or "home" after one name word, any such word after two ("Victoria Day" stays a holiday)."""
    if word.kind is not Nameness.WORD or not before or before[-1].kind in (None, Nameness.WORD):
        return word
    folded = word.text.casefold()
    if folded in NON_NAME_WORDS or folded in v.CALENDAR_WORDS or folded in v.ORG_WORDS:
        return word
    best = lexicon.name_ranks(word.text).best
    names_before = len([w for w in before if w.kind not in (None, Nameness.WORD)])
    if best is not None and best <= INSIDE_NAME_RANK and (lexicon.zipf(word.text) < EVERYDAY_ZIPF or names_before >= 2):
        return NameWord(word.text, word.start, word.end, Nameness.AMBIGUOUS, word.rare, word.popular)
    return word


def _opens_a_sentence(text: str, start: int) -> bool:
    return bool(SENTENCE_START.search(text[max(0, start - 4) : start]))


def _sentence_initial(word: NameWord, lexicon: NameLexicon) -> NameWord:
    """"Ask Jennifer Cherry": a capitalised everyday word opening a sentence is that word, unless it is
    a popular given name ("Grace Hopper said")."""
    if word.kind is not Nameness.AMBIGUOUS or lexicon.zipf(word.text) < SENTENCE_START_WORD_ZIPF:
        return word
    given = lexicon.name_ranks(word.text).given
    if given is not None and given <= POPULAR_RANK_AT_SENTENCE_START:
        return word
    return NameWord(word.text, word.start, word.end, Nameness.WORD, word.rare, word.popular)


def _after_closing_line(text: str, line_start: int) -> bool:
    previous = text[: max(line_start - 1, 0)].rstrip().rsplit("\n", 1)[-1]
    return bool(CLOSING_LINE.fullmatch(previous))


def _split_at_words(words: list[NameWord]) -> list[NameSpan]:
    """Ordinary words break a run; a span needs a name word and ends on one (or a suffix)."""
    spans: list[NameSpan] = []
    current: list[NameWord] = []
    for word in [*words, None]:
        if word is not None and word.kind is not Nameness.WORD:
            current.append(word)
            continue
        if len(current) > 1 and current[-1].text.casefold() in TRAILING_CONTEXT:
            current.pop()  # "Atlas Pro", "Roma Norte", "Zeynep Hanım": read as context, not as a surname
        while current and current[-1].kind is None and current[-1].text.rstrip(".") not in GENERATIONAL:
            current.pop()  # a trailing particle or initial belongs to what follows
        while current and current[0].kind is None and not current[0].text.endswith("."):
            current.pop(0)  # a leading lower-case particle ("de") starts no name
        if any(w.kind is not None for w in current):
            spans.append(NameSpan(current[0].start, current[-1].end, tuple(current)))
        current = []
    return spans
