"""checks.language.phrases finds exactly the phrase matches that `checks.language.words.find_phrase` finds, word by
word: inflections, misspellings that are not English words, leetspeak, possessives, phrases
that overlap and repeat."""

from __future__ import annotations

import pytest

from bench.replies import reply
from checks.language.english import EnglishWords
from checks.language.phrases import PhraseMatcher
from checks.language.words import Stemmer, find_phrase, tokenize
from checks.resources import Resources

PHRASES = ["guarantee", "guaranteed results", "risk-free", "no risk", "100% uptime", "zero downtime", "never fails",
           "Globex", "Initech", "Umbrella", "you should sue", "legal advice", "your fault", "medical advice"]

TEXTS = [
    "We gaurantee results; guaranteed resultz and guarranteed results are all claims.",
    "Glob3x, Gl0bex and Globexx beat Initech's and Inittech's prices; globe and globes do not.",
    "It's risk free, risk-free and riskfree, with no risk and no risks at all.",
    "100% uptime, zero downtime, and it never fails; zero zero downtime downtime.",
    "You should sue them; you should sue, you should. Legal advice is not medical advice.",
    "An umbrella agreement, Umbrella Corp and UMBRELLA's terms.",
    "",
    reply(2048, seed=3),
]


@pytest.fixture(scope="module")
def english(resources: Resources) -> EnglishWords:
    return EnglishWords.shared(resources)


@pytest.mark.parametrize("text", TEXTS)
def test_the_matcher_finds_what_find_phrase_finds(english: EnglishWords, text: str) -> None:
    stemmer = Stemmer()
    phrases = [[t.stem for t in tokenize(p, stemmer)] for p in PHRASES]
    matcher = PhraseMatcher(phrases, english)
    tokens = tokenize(text, stemmer)
    hits = matcher.index(tokens)
    for phrase in phrases:
        assert matcher.find(phrase, hits) == find_phrase(phrase, tokens, english), phrase
