"""Person names of any origin, found by weighing three kinds of evidence.

1. The words: runs of capitalised words (`checks.names.spans`) read against a lexicon of
   given names and surnames of 105 countries and the frequency of ordinary words
   (`checks.names.lexicon`): "Kenji Sato" reads as a name, "Cloud Suite" as words,
   "Morgan Stanley" as names that are also words.
2. The context (`checks.names.cues`): honorifics, greetings, sign-offs, form labels,
   roles, verbs of contact, verbs only people take, personal possessions, the name inside
   an email address; and counter-cues: company words, "&", street types, counts,
   articles, versions, product tiers, business nouns.
3. The NER model, asked only about the paragraphs where the first two leave a run in
   doubt: its PERSON label raises the score, another label (ORG, GPE, PRODUCT, ...)
   lowers it (less so where the context spoke for a person).

Then the text is read as a whole: a name taken with confidence marks its other mentions
("Pieter to send the forecast" after "Pieter van der Meer"); the other items of a list
of names are names; a one-word name mentioned twice with cues is likelier a person; chat
transcripts are read for their speakers ("raj: fixing tests") and casual lower-case
messages for the names in their greetings and sign-offs ("hi rui, ... thx, bea").
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from checks.names import cues
from checks.names.lexicon import NameLexicon, Nameness, fold, strip_accents
from checks.names.spans import NameSpan, NameWord, find_name_spans

NerFunction = Callable[[str], Any]

ACCEPT = 0.5  # the score a run needs to be reported as a person
CONFIDENT = 0.75  # at or above this, NER is not asked
MARKS_OTHER_MENTIONS = ACCEPT  # a name taken makes its other mentions names too
DOUBT_FLOOR = 0.25  # below this, NER could not save the run either
NER_PERSON, NER_OTHER, NER_OTHER_WITH_A_CUE, NER_OTHER_AFTER_STRONG_CUE = 0.2, -0.25, -0.1, -0.05
# The small model's ORG for two listed names is mostly world knowledge ("Goldman Sachs"); its NORP,
# PRODUCT or GPE for them mostly confusion ("Venkatesh Subramanian" as NORP).
NER_CONFUSED_FOR_LISTED_NAMES = -0.15
PLACE, PLACE_FOR_LISTED_NAMES = -0.5, -0.25
# NER reads a paragraph (a heading alone reads differently), or sentences of long paragraphs.
PARAGRAPH = regex.compile(r"(?:[^\n]|\n(?!\s*\n))+")
SENTENCE = regex.compile(r"[^\n.!?]+(?:[.!?]+(?=\s|$)|(?=\n)|$)|[^\n]+")
LONG_PARAGRAPH = 600
CHAT_MIN_SPEAKER_LINES = 2
CHAT_GIVEN_NAME_RANK = 500  # in a chat, a lower-case given name this popular or more is a name
LOWER_CASE_WORD = regex.compile(r"(?<![\p{L}\p{N}@._\-/])\p{Ll}[\p{Ll}\p{M}]{2,}(?![\p{L}\p{N}@_\-/]|\.\w)")
CONTEXT_CHARS = 80  # how far around a run its cues are read
NEXT_CAPITALISED = regex.compile(r"^[ ](\p{Lu}\p{Ll}{2,})\b")
ALL_CAPS_RUN = regex.compile(r"(?<![\p{L}\p{N}])\p{Lu}{2,}(?:[ ]\p{Lu}{2,}){1,3}(?![\p{L}\p{N}])")


@dataclass
class Scored:
    """A candidate run, its score, and the evidence behind it (the `why` shows in tests)."""

    start: int
    end: int
    score: float
    why: list[str] = field(default_factory=list)
    words: tuple[str, ...] = ()
    listed_names: int = 0  # words of the run that are well-attested names
    strong_cue: bool = False
    cued: bool = False  # some context speaks for a person


class PersonRecognizer(EntityRecognizer):
    """PERSON from name lexicons, context cues and, where those leave doubt, NER."""

    def __init__(self, lexicon: NameLexicon | None = None, ner: NerFunction | None = None) -> None:
        self.lexicon = lexicon
        self.ner = ner
        super().__init__(supported_entities=["PERSON"], name="PersonRecognizer", supported_language="en")

    def load(self) -> None:
        if self.lexicon is None:
            self.lexicon = NameLexicon()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [RecognizerResult("PERSON", s.start, s.end, round(min(s.score, 1.0), 3))
                for s in self.explain(text) if s.score >= ACCEPT]

    def explain(self, text: str) -> list[Scored]:
        """Every candidate run with its score and evidence."""
        assert self.lexicon is not None
        lexicon = self.lexicon
        emails = _email_words(text)
        scored = [self._score(text, span, emails) for span in find_name_spans(text, lexicon)]
        scored += _all_caps_names(text, lexicon, emails, scored)
        _corroborate(scored)
        self._ask_ner(text, [s for s in scored if _needs_world_knowledge(s)])
        scored += _chat_speakers(text, lexicon, scored)
        scored += _lower_case_names(text, lexicon, scored)
        _extend_lists(text, scored)
        scored += _other_mentions(text, scored, lexicon)
        return sorted(scored, key=lambda s: s.start)

    def _score(self, text: str, span: NameSpan, emails: set[str]) -> Scored:
        base, why = _lexical(span)
        words = tuple(w.text for w in span.names)
        listed = sum(1 for w in span.names if w.kind is Nameness.NAME)
        scored = _with_cues(text, span.start, span.end, base, why, words, listed, emails, self.lexicon)
        if not scored.strong_cue and self.lexicon is not None and self.lexicon.is_place(text[span.start : span.end]):
            penalty = PLACE_FOR_LISTED_NAMES if listed and len(words) == 1 else PLACE
            scored.score += penalty
            scored.why.append("a place name")
        return scored

    def _ask_ner(self, text: str, doubtful: list[Scored]) -> None:
        if self.ner is None or not doubtful:
            return
        for unit in _ner_units(text):
            inside = [s for s in doubtful if unit.start() <= s.start and s.end <= unit.end()]
            if inside:
                doc = self.ner(unit.group())
                for s in inside:
                    _apply_ner(s, doc, unit.start())


def _needs_world_knowledge(s: Scored) -> bool:
    """Two or more name-like words and nothing around them: "Goldman Sachs" and "Kenji Sato" read
    alike, and only a model that has seen the world (NER) knows the bank. Everything else is
    decided by the words and the context, which cost far less than a model."""
    return len(s.words) >= 2 and not s.cued and DOUBT_FLOOR <= s.score < CONFIDENT


def _part_of_a_longer_name(right: str, lexicon: NameLexicon) -> bool:
    """"Johnson Controls", "Ford Transit": a capitalised word that is no name right after the run."""
    m = NEXT_CAPITALISED.match(right)
    if not m or m.group(1).casefold() in cues.NOT_A_LONGER_NAME:
        return False
    return lexicon.name_ranks(m.group(1)).best is None


def _with_cues(text: str, start: int, end: int, base: float, why: list[str], words: tuple[str, ...],
               listed: int, emails: set[str], lexicon: NameLexicon | None = None) -> Scored:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = _line_end(text, end)
    left, right = text[max(line_start, start - CONTEXT_CHARS) : start], text[end : min(line_end, end + CONTEXT_CHARS)]
    found = cues.read_cues(left, right)
    if lexicon is not None and _part_of_a_longer_name(right, lexicon):
        found.append(cues.Cue("part of a longer name", -0.4))
    if (cues.is_sign_off(_previous_line(text, line_start), left, right) or _signature(text, line_end, left, right)
            or cues.is_dash_sign_off(left, text[end:]) or cues.is_last_line_alone(text, start, end)):
        found.append(cues.Cue("sign-off", cues.STRONG))
    if emails & {_plain(w) for w in words}:
        found.append(cues.Cue("in an email address", cues.STRONG))
    if listed and len(words) == 1:  # company-ish context weighs less on a listed name: "the Adjei file"
        found = [cues.Cue(c.name, c.weight / 2) if c.name in cues.SOFTER_FOR_NAMES else c for c in found]
    score = round(base + sum(c.weight for c in found), 3)
    strong = any(c.weight >= cues.STRONG for c in found)
    cued = any(c.weight > 0 for c in found)
    return Scored(start, end, score, why + [c.name for c in found], words, listed, strong, cued)


def _lexical(span: NameSpan) -> tuple[float, list[str]]:
    """What the words alone say. Each word weighs by how name-like it is (a listed name 1, a very
    popular name that is also a word 0.75, another such word 0.5, an unlisted word 0.25, an
    initial 0.5); two words' worth make a likely name, one word only a hint."""
    if any(w.text.rstrip(".") in ("Jr", "Sr", "II", "III", "IV") for w in span.words) and len(span.names) >= 2:
        return 0.7, ["a generational suffix"]
    weight = sum(_word_weight(w) for w in span.words)
    if len(span.names) == 1 and weight < 1.5:  # one word (perhaps with initials)
        if span.names[0].kind is Nameness.NAME:
            return (0.5, ["initials and a listed name"]) if weight > 1 else (0.2, ["a listed name"])
        if span.names[0].kind is Nameness.AMBIGUOUS:
            return 0.1, ["a name that is also a word"]
        return (0.1, ["a word foreign to English"]) if span.names[0].rare else (0.05, ["an unlisted capitalised word"])
    if weight >= 2:
        return 0.7, ["listed names"]
    if weight >= 1.5:
        return 0.6, ["popular names"]
    if weight >= 1.25:
        return 0.5, ["a listed name"]
    return (0.3, ["names that are also words"]) if weight >= 1 else (0.15, ["unlisted capitalised words"])


def _word_weight(word: NameWord) -> float:
    if word.kind is None:
        return 0.5 if regex.fullmatch(r"\p{Lu}\.", word.text) else 0.0
    if word.kind is Nameness.NAME:
        return 1.0
    if word.kind is Nameness.AMBIGUOUS:
        return 0.75 if word.popular else 0.5
    return 0.25


def _apply_ner(s: Scored, doc: Any, offset: int) -> None:
    _read_ner(s, doc, offset)
    s.score = round(s.score, 3)


def _read_ner(s: Scored, doc: Any, offset: int) -> None:
    labels = {ent.label_ for ent in doc.ents if ent.start_char + offset < s.end and s.start < ent.end_char + offset}
    if "PERSON" in labels:
        s.score += NER_PERSON
        s.why.append("NER: PERSON")
    elif labels - {"CARDINAL", "DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"}:
        if s.strong_cue:
            s.score += NER_OTHER_AFTER_STRONG_CUE
        elif s.cued:
            s.score += NER_OTHER_WITH_A_CUE
        else:
            confused = s.listed_names >= 2 and "ORG" not in labels
            s.score += NER_CONFUSED_FOR_LISTED_NAMES if confused else NER_OTHER
        s.why.append(f"NER: {'/'.join(sorted(labels))}")



def _ner_units(text: str) -> list[regex.Match[str]]:
    units: list[regex.Match[str]] = []
    for paragraph in PARAGRAPH.finditer(text):
        if len(paragraph.group()) <= LONG_PARAGRAPH:
            units.append(paragraph)
        else:
            units.extend(SENTENCE.finditer(text, paragraph.start(), paragraph.end()))
    return units


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _previous_line(text: str, line_start: int) -> str:
    """The nearest non-blank line above."""
    lines = text[: max(line_start - 1, 0)].split("\n")
    return next((line for line in reversed(lines) if line.strip()), "")


def _signature(text: str, line_end: int, left: str, right: str) -> bool:
    """A line holding only the name, with a job title on the next line."""
    if left.strip() or right.strip():
        return False
    next_line = text[line_end + 1 : _line_end(text, line_end + 1)]
    return bool(regex.match(rf"\s*(?i:{cues.ROLE})\b", next_line))


def _plain(word: str) -> str:
    return strip_accents(fold(word)).replace("-", "").replace("'", "")


def _email_words(text: str) -> set[str]:
    """The words of email local parts ("tunde.adeyemi" -> tunde, adeyemi), three letters or more."""
    found: set[str] = set()
    for m in cues.EMAIL.finditer(text):
        found.update(_plain(w) for w in regex.split(r"[._+\-']", m.group("local")) if len(w) >= 3 and w.isalpha())
    return found


def _taken(scored: list[Scored]) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in scored if s.score >= ACCEPT]


def _free(start: int, taken: list[tuple[int, int]]) -> bool:
    return not any(a <= start < b for a, b in taken)


def _all_caps_names(text: str, lexicon: NameLexicon, emails: set[str], scored: list[Scored]) -> list[Scored]:
    """"Cardholder: ROSE MARTEL": names written in capitals count only after a strong cue."""
    found = []
    for m in ALL_CAPS_RUN.finditer(text):
        words = tuple(m.group().split())
        listed = sum(1 for w in words if lexicon.nameness(w.capitalize()) is Nameness.NAME)
        s = _with_cues(text, m.start(), m.end(), 0.0, ["a name in capitals"], words, listed, emails)
        if s.strong_cue and listed:
            s.score += 0.2 * listed
            found.append(s)
    return found


def _corroborate(scored: list[Scored]) -> None:
    """A one-word name mentioned twice, each time with a cue of its own, is likelier a person."""
    by_word: dict[str, list[Scored]] = {}
    for s in scored:
        if len(s.words) == 1 and s.cued:
            by_word.setdefault(s.words[0], []).append(s)
    for mentions in by_word.values():
        if len(mentions) > 1:
            for s in mentions:
                s.score = round(s.score + cues.WEAK * (len(mentions) - 1), 3)
                s.why.append("mentioned again with a cue")


def _chat_speakers(text: str, lexicon: NameLexicon, scored: list[Scored]) -> list[Scored]:
    """Speakers of a chat transcript ("sanjay: ...", "kemi.adeyemi: ...", "Customer (Hyun-woo): ...")."""
    labels = [m for m in cues.SPEAKER.finditer(text) if _says_something(text, m.end())]
    speakers = [m for m in labels
                if not cues.FIELD_LABEL.fullmatch(m.group("name")) and _could_be_a_speaker(m.group("name"), lexicon)]
    if len(labels) < CHAT_MIN_SPEAKER_LINES or not speakers:
        return []
    taken = _taken(scored)
    return [Scored(m.start("name"), m.end("name"), 0.8, ["chat speaker"], tuple(regex.split(r"[ ._]", m.group("name"))))
            for m in speakers if _free(m.start("name"), taken)]


def chat_pending(text: str, lexicon: NameLexicon) -> int | None:
    """Where a stream must hold a text that is not yet a chat transcript but may become one:
    once it is, its speakers and its lower-case given names count as names wherever they are
    ("jia" in the first line, after the second speaker line). From the first speaker label or
    lower-case given name; None when the text is a chat already or holds neither."""
    labels = [m for m in cues.SPEAKER.finditer(text) if _says_something(text, m.end())]
    if len(labels) >= CHAT_MIN_SPEAKER_LINES and any(
            not cues.FIELD_LABEL.fullmatch(m.group("name")) and _could_be_a_speaker(m.group("name"), lexicon) for m in labels):
        return None
    starts = [m.start() for m in labels[:1]]
    for m in LOWER_CASE_WORD.finditer(text):
        given = lexicon.name_ranks(m.group()).given
        if given is not None and given <= CHAT_GIVEN_NAME_RANK and lexicon.zipf(m.group()) < 3.5:
            starts.append(m.start())
            break
    return min(starts) if starts else None


def _says_something(text: str, position: int) -> bool:
    """A chat line says something (three words or more), where a form field holds a value."""
    return len(regex.findall(r"\p{L}{2,}", text[position : _line_end(text, position)])) >= 3


def _could_be_a_speaker(label: str, lexicon: NameLexicon) -> bool:
    """A speaker label that is a name ("tom", "Elif", "kemi.adeyemi"), not a field ("Email") or a role
    ("Agent"). A lower-case label may be an everyday word that is a popular name ("tom"); a
    capitalised one must not be an everyday word at all."""
    parts = regex.split(r"[ ._]", label)
    if any(p.isupper() and len(p) > 1 for p in parts):
        return False
    if "." in label or "_" in label:  # a user name: one part must be a given name
        return any((lexicon.name_ranks(p).given or 10**6) <= 1000 for p in parts)
    for word in parts:
        ranks = lexicon.name_ranks(word)
        if lexicon.is_common_word(word):
            popular = ranks.given is not None and ranks.given <= 300 and lexicon.zipf(word) < 5.0
            if not (word.islower() and popular):
                return False
        elif ranks.best is None:
            return False
    return True


def _lower_case_names(text: str, lexicon: NameLexicon, scored: list[Scored]) -> list[Scored]:
    """Given names written in lower case ("hi rui,", "thx, bea", "- dewi", "loop in ama from legal",
    "seen burak?" in a chat): a listed given name that is not an English word, with a cue."""
    taken = _taken(scored)
    chat = any("chat speaker" in s.why for s in scored)
    found = []
    for m in LOWER_CASE_WORD.finditer(text):
        word = m.group()
        given = lexicon.name_ranks(word).given
        if given is None or given > 1000 or lexicon.zipf(word) >= 3.5 or not _free(m.start(), taken):
            continue
        end = m.end()
        follower = LOWER_CASE_WORD.match(text, end + 1) if text[end : end + 1] == " " else None
        if follower and lexicon.name_ranks(follower.group()).surname is not None and lexicon.zipf(follower.group()) < 3.5:
            end = follower.end()  # "kwame asante"
        s = _with_cues(text, m.start(), end, 0.2, ["a given name in lower case"], (word,), 1, set())
        if chat and given <= CHAT_GIVEN_NAME_RANK:
            s.score += cues.MEDIUM
            s.why.append("in a chat")
        if (s.score >= ACCEPT and s.cued) or (chat and s.score >= ACCEPT):
            found.append(s)
            taken.append((s.start, s.end))
    return found


def _extend_lists(text: str, scored: list[Scored]) -> None:
    """In a list of runs ("Panel: Chen Jiahui, Liu Yang, Sofia Rossi"; "Pádraig and Niamh
    O'Connor") where most are names, the rest that hold a listed name are names too."""
    ordered = sorted(scored, key=lambda s: s.start)
    lists: list[list[Scored]] = []
    for a, b in itertools.pairwise(ordered):
        if regex.fullmatch(r"\s*(?:,|;|,?\s+and|,?\s+or|,?\s+y|,?\s+e|,?\s+et|,?\s+und|,?\s+en)\s*", text[a.end : b.start]):
            if lists and lists[-1][-1] is a:
                lists[-1].append(b)
            else:
                lists.append([a, b])
    for items in lists:
        if sum(1 for s in items if s.score >= ACCEPT) * 2 < len(items):
            continue
        for s in items:
            if ACCEPT > s.score > 0 and s.listed_names:
                s.score = ACCEPT + 0.1
                s.why.append("listed beside names")


def _other_mentions(text: str, scored: list[Scored], lexicon: NameLexicon) -> list[Scored]:
    """Once "Pieter van der Meer" is a name, a later "Pieter" is the same person; so is a
    lower-case "pieter" where the name is no English word (unlike "Will" and "will")."""
    names = {w for s in scored if s.score >= MARKS_OTHER_MENTIONS for w in s.words if len(w) >= 3}
    if not names:
        return []
    taken = sorted(_taken(scored))
    starts = [a for a, _ in taken]
    found = []
    for start, end in _mentions(text, names):
        word = text[start:end]
        lower_ok = word.islower() and lexicon.zipf(word) < 3.5
        if (word[0].isupper() or lower_ok) and not _inside(start, taken, starts):
            found.append(Scored(start, end, 0.6, ["another mention of a name"], (word,)))
    return found


def _mentions(text: str, names: set[str]) -> list[tuple[int, int]]:
    """Where any of `names` stands in `text` as a whole word, in any case, left to right, the longer
    name first where two start together. Found by plain string search: a regex alternation of
    this text's names would be compiled anew for every text (~1 ms)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer ("İ"): offsets would drift
        return _mentions_by_regex(text, names)
    hits = []
    for name in {n.lower() for n in names}:
        at = lowered.find(name)
        while at != -1:
            end = at + len(name)
            if _free_before(text, at) and _free_after(text, end):
                hits.append((at, end))
            at = lowered.find(name, at + 1)
    kept: list[tuple[int, int]] = []
    for start, end in sorted(hits, key=lambda h: (h[0], -h[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def _free_before(text: str, at: int) -> bool:
    """No letter, digit or e-mail/handle character right before `at`."""
    return at == 0 or not (text[at - 1].isalnum() or text[at - 1] in "@._-")


def _free_after(text: str, end: int) -> bool:
    """No letter, digit or "@" right after `end`, nor a dot that goes on into a word (a domain)."""
    if end == len(text):
        return True
    after = text[end]
    if after.isalnum() or after == "@":
        return False
    return not (after == "." and end + 1 < len(text) and (text[end + 1].isalnum() or text[end + 1] == "_"))


def _mentions_by_regex(text: str, names: set[str]) -> list[tuple[int, int]]:
    alternation = "|".join(regex.escape(w) for w in sorted(names, key=len, reverse=True))
    pattern = regex.compile(rf"(?<![\p{{L}}\p{{N}}@._\-])(?i:{alternation})(?![\p{{L}}\p{{N}}@]|\.\w)")
    return [m.span() for m in pattern.finditer(text)]


def _inside(position: int, taken: list[tuple[int, int]], starts: list[int]) -> bool:
    """Whether `position` falls in one of the sorted, non-nested `taken` intervals."""
    i = bisect.bisect_right(starts, position) - 1
    return i >= 0 and taken[i][0] <= position < taken[i][1]
