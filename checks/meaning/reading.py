"""Reading what a quantity means from the structure of its sentence.

A quantity's meaning comes from the cue word closest to it in the dependency tree, not in
the word sequence: "list prices rise 30%" attaches 30% to "rise" (whose subject is a
price: a price increase), "35% of our customers use the 10% discount" attaches 35% to "of
customers" (a share) and 10% to "discount". Distances do not cross into another clause
(a conjunct, an adverbial or complement clause), so "a 20% VAT applies, and we'll take 15%
off" reads 20% as tax and 15% as a discount. Which words are cues is data (`Lexicon`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from checks.meaning.lexicon import ANY, Lexicon, Sense

MAX_DISTANCE = 3
# Edges into another clause: a cue there speaks about something else.
CLAUSE_EDGES = frozenset({"conj", "parataxis", "advcl", "ccomp", "csubj", "csubjpass", "list", "dep"})
# Dependents that say what a cue is about (its subject, object, the noun it modifies...).
ARGUMENT_EDGES = frozenset({"nsubj", "nsubjpass", "dobj", "pobj", "attr", "dative", "poss", "compound", "amod", "npadvmod", "agent", "obj"})
MODIFIER_EDGES = frozenset({"prt", "acomp", "attr", "advmod", "xcomp", "amod", "compound", "npadvmod", "prep", "nummod", "quantmod", "dobj", "pobj"})
# "Discounts above 20% need approval": a bound on a generic plural is a rule, not an offer.
BOUND_PREPOSITIONS = frozenset({"above", "over", "beyond", "exceeding", "past"})
NEGATIONS = frozenset({"not", "n't", "never", "no"})


@dataclass(frozen=True)
class Reading:
    """What a quantity means: the meaning, the value it has in that meaning, and the cue word."""

    meaning: str
    value: float
    cue: str


def tokens_at(doc: Doc, start: int, end: int) -> list[Token]:
    """The tokens that overlap chars [start, end) of `doc`."""
    span = doc.char_span(start, end, alignment_mode="expand")
    return list(span) if span is not None else []


def anchor(doc: Doc, start: int, end: int) -> Token | None:
    """The token that heads the quantity written at chars [start, end) of `doc`."""
    inside = tokens_at(doc, start, end)
    if not inside:
        return None
    return next((t for t in inside if not (start <= t.head.idx < end) or t.head is t), inside[-1])


def distances(root: Token, inside: set[int]) -> dict[int, tuple[int, Token]]:
    """Tree distance from `root` to every token of its clause within MAX_DISTANCE."""
    seen: dict[int, tuple[int, Token]] = {root.i: (0, root)}
    queue = deque([root])
    following = max(inside) + 1 if inside else root.i + 1
    if following < len(root.doc) and following not in inside:
        seen[following] = (1, root.doc[following])  # "30% off", "20% VAT": the word written right after
        queue.append(root.doc[following])
    while queue:
        token = queue.popleft()
        d = seen[token.i][0]
        if d >= MAX_DISTANCE:
            continue
        steps = [c for c in token.children if c.dep_ not in CLAUSE_EDGES]
        if token.dep_ not in CLAUSE_EDGES and token.head is not token:
            steps.append(token.head)
        for nxt in steps:
            if nxt.i not in seen:
                cost = 0 if nxt.i in inside else 1
                seen[nxt.i] = (d + cost, nxt)
                queue.append(nxt)
    return seen


def _words(token: Token) -> set[str]:
    return {token.lemma_.lower(), token.lower_}


def arguments(cue: Token) -> set[str]:
    """Words the cue is about: its dependents, their compounds, objects of its prepositions, and
    for a modifier ("up" in "prices go up", "lower" in "the rate is lower") its head's arguments."""
    out: set[str] = set()
    heads = [cue]
    if cue.dep_ in MODIFIER_EDGES and cue.head is not cue:
        heads.append(cue.head)
        if cue.head.dep_ in ("xcomp", "acomp", "prep") and cue.head.head is not cue.head:
            heads.append(cue.head.head)
    for head in heads:
        for child in head.children:
            if child.dep_ in ARGUMENT_EDGES or child.dep_ == "prep" or child.dep_ == "prt":
                out |= _words(child)
                for grandchild in child.children:
                    if grandchild.dep_ in ("compound", "amod", "poss", "pobj"):
                        out |= _words(grandchild)
                        out |= {w for g in grandchild.children if g.dep_ == "poss" for w in _words(g)}
        if head is not cue:
            out |= _words(head)
    return out


def _partitive(token: Token) -> Token | None:
    """The noun in "<quantity> of <noun>", if the quantity has one."""
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ == "of":
            return next((g for g in child.children if g.dep_ == "pobj"), None)
    return None


def _sense_matches(sense: Sense, cue: Token, distance: int) -> bool:
    if not sense.cues or distance > sense.within or not (_words(cue) & set(sense.cues)):
        return False
    about = arguments(cue)
    return (not sense.with_ or bool(about & set(sense.with_))) and not about & set(sense.not_with)


def _of_matches(sense: Sense, noun: Token | None) -> bool:
    if noun is None or not sense.of:
        return False
    if sense.complement and noun.tag_ in ("NNS", "NNPS"):
        return False  # "70% of seats" counts seats; "70% of list" is a price
    words = _words(noun) | {w for c in noun.children if c.dep_ == "compound" for w in _words(c)}
    return (ANY in sense.of and noun.pos_ in ("NOUN", "PROPN", "PRON")) or bool(words & set(sense.of))


def offer_negated(token: Token) -> bool:
    """Whether the clause that states the quantity is negated ("I can't do 35%").

    Narrower than a claim's negation (checks.language.negation): only the quantity's own verb counts,
    so "nobody beats our 30% off" still offers 30% off."""
    node = token
    for _ in range(6):
        if any(c.dep_ == "neg" for c in node.children):
            return True
        if node.dep_ in CLAUSE_EDGES or node.head is node or node.pos_ in ("VERB", "AUX"):
            return False
        node = node.head
    return False


def is_generic_bound(token: Token) -> bool:
    """"Discounts above 20%", "refunds over $500": the quantity bounds a bare plural, so it
    states a rule about a class of things rather than offering one."""
    if token.dep_ == "pobj" and token.head.lower_ in BOUND_PREPOSITIONS:
        noun = token.head.head
    elif any(c.dep_ == "quantmod" and c.lower_ in BOUND_PREPOSITIONS for c in token.children):
        noun = token.head
    else:
        return _written_generic_bound(token)
    if noun.tag_ in ("NNS", "NNPS") and not any(c.dep_ in ("det", "poss", "nummod") for c in noun.children):
        return True
    return _written_generic_bound(token)


def _written_generic_bound(token: Token) -> bool:
    """The same read from the words as written, where the tagger took the plural for a verb
    ("...; refunds over $500 need a manager")."""
    first = min(t.i for t in token.subtree)
    if token.doc[first].lower_ in BOUND_PREPOSITIONS:
        first += 1  # "over" parsed as part of the amount
    if first < 2 or token.doc[first - 1].lower_ not in BOUND_PREPOSITIONS:
        return False
    noun = token.doc[first - 2]
    if noun.tag_ not in ("NNS", "NNPS", "VBZ") or not noun.lower_.endswith("s"):
        return False
    before = token.doc[first - 3] if first >= 3 else None
    return before is None or before.is_punct or before.dep_ not in ("det", "poss", "nummod", "amod")


@dataclass(frozen=True, order=True)
class _Candidate:
    """A cue that could give the quantity its meaning; the smallest (closest, then earliest
    meaning, then earliest sense) wins."""

    distance: float
    rank: int
    order: int
    meaning: str = field(compare=False)
    complement: bool = field(compare=False)
    cue: str = field(compare=False)


PARTITIVE_DISTANCE = 1.5  # "70% of list": closer than a cue two edges away, farther than one edge


def read(doc: Doc, start: int, end: int, value: float, lexicon: Lexicon, ratio: bool = False) -> Reading | None:
    """The meaning of the quantity at chars [start, end) of the parsed `doc`, or None.

    `ratio`: the quantity is a bare fraction or decimal (senses marked `ratio` apply only to those)."""
    root = anchor(doc, start, end)
    if root is None:
        return None
    inside = {t.i for t in tokens_at(doc, start, end)}
    reach = distances(root, inside)
    noun = _partitive(root)
    candidates: list[_Candidate] = []
    for rank, (name, meaning) in enumerate(lexicon.meanings.items()):
        for order, sense in enumerate(meaning.senses):
            if sense.ratio and not ratio:
                continue
            if noun is not None and _of_matches(sense, noun):
                candidates.append(_Candidate(PARTITIVE_DISTANCE, rank, order, name, sense.complement, noun.text))
            candidates += [
                _Candidate(float(d), rank, order, name, sense.complement, token.text)
                for i, (d, token) in reach.items()
                if i not in inside and not _bound_word(token, inside) and _sense_matches(sense, token, d)
            ]
    if not candidates:
        return None
    best = min(candidates)
    return Reading(best.meaning, 100.0 - value if best.complement else value, best.cue)


def _bound_word(token: Token, inside: set[int]) -> bool:
    """"up to 30%", "down to 70% of list": "up" or "down" bounds the quantity, it says no direction."""
    doc = token.doc
    return (token.lower_ in ("up", "down") and token.i + 2 < len(doc) and doc[token.i + 1].lower_ == "to"
            and bool(inside) and min(inside) in (token.i + 2, token.i + 3))


def measured_noun(doc: Doc, start: int, end: int) -> bool:
    """Whether the quantity measures a named thing ("NPS is 72%", "72% satisfaction"); such a
    quantity does not take its meaning from the sentence before."""
    root = anchor(doc, start, end)
    if root is None:
        return False
    if root.dep_ in ("compound", "amod", "nummod") and root.head.pos_ in ("NOUN", "PROPN"):
        # "we hit 72% adoption"; but a subject or root compound is often a question misparsed
        # ("Would 35% work for you?" tags "work" as a noun), so it does not count.
        return root.head.dep_ not in ("nsubj", "nsubjpass", "ROOT")
    if root.dep_ in ("attr", "acomp"):
        return any(c.dep_ in ("nsubj", "nsubjpass") and c.pos_ in ("NOUN", "PROPN") for c in root.head.children)
    return False
