"""Negation scope: whether a sentence denies a phrase instead of asserting it.

"We can't guarantee results", "no one can promise zero downtime", "this is not a
risk-free trial", "there's no guarantee", "I won't tell you it never fails", "I'd hardly call it risk-free",
"we guarantee nothing": a negation
on the phrase or on a verb that governs it (through complement clauses: what one won't
say, promise or call) scopes over it. It stops at a clause of its own: in "nobody can
guarantee a deal will close, but we guarantee a reply", the second guarantee stands; in
"I can't stress this enough: it's risk-free" the claim stands. Negation words inside the
phrase ("no risk", "never fails") are the phrase, and "not only" does not negate.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

# A clause of its own: negation outside it does not reach in.
# A restrictive relative clause is inside ("that isn't something we can guarantee" denies the
# guarantee); one set off by a comma ("nobody likes downtime, which is why we guarantee...")
# is a clause of its own (see _boundary).
SCOPE_BOUNDARIES = frozenset({"conj", "parataxis", "advcl", "csubj", "csubjpass", "list", "dep", "appos"})
NEGATIVE_DETERMINERS = frozenset({"no", "neither", "nor"})
NEGATIVE_PRONOUNS = frozenset({"nobody", "nothing", "none", "noone", "neither"})
NEGATIVE_PREPOSITIONS = frozenset({"without"})
NEGATIVE_ADVERBS = frozenset({"hardly", "scarcely", "barely"})
MAX_STEPS = 8


def _denies(node: Token, phrase: set[int]) -> bool:
    """A dependent of `node` (outside the phrase) that negates it."""
    for child in node.children:
        if child.i in phrase:
            continue
        if child.dep_ == "neg" and not _not_only(child):
            return True
        if child.dep_ == "det" and child.lower_ in NEGATIVE_DETERMINERS:
            return True
        if child.dep_ == "advmod" and child.lower_ in NEGATIVE_ADVERBS:
            return True
        if child.dep_ in ("dobj", "attr") and child.lower_ in NEGATIVE_PRONOUNS:
            return True  # "we guarantee nothing"
        if child.dep_ in ("nsubj", "nsubjpass") and (
            child.lower_ in NEGATIVE_PRONOUNS
            or any(g.dep_ == "det" and g.lower_ in NEGATIVE_DETERMINERS for g in child.children)
        ):
            return True
    return False


def _not_only(token: Token) -> bool:
    """"Not only is it risk-free, ..." asserts, it does not negate."""
    following = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    return following is not None and following.lower_ in ("only", "just", "merely")


def _boundary(node: Token) -> bool:
    if node.dep_ in SCOPE_BOUNDARIES or node.head is node:
        return True
    if node.dep_ == "relcl":
        first = min(t.i for t in node.subtree)
        return first > 0 and node.doc[first - 1].text in (",", ";", "—", "–", "(")
    return False


def is_negated(doc: Doc, start: int, end: int) -> bool:
    """Whether the phrase written at chars [start, end) of the parsed `doc` is negated."""
    span = doc.char_span(start, end, alignment_mode="expand")
    phrase = {t.i for t in span} if span is not None else set()
    if not phrase:
        return False
    node = next((doc[i] for i in sorted(phrase) if doc[i].head.i not in phrase or doc[i].head.i == i), doc[min(phrase)])
    for _ in range(MAX_STEPS):
        if _denies(node, phrase):
            return True
        if node.head.lower_ in NEGATIVE_PREPOSITIONS and node.dep_ == "pobj":
            return True
        if _boundary(node):
            return False
        node = node.head
    return False
