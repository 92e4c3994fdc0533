"""Evidence checks: does a passage give what the question asks for (a figure, a time, a name)?

Pure functions of a question and a passage's text; general English only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Protocol

from index import people
from index.lexicon import FUTURE, synonyms
from index.models import Passage
from index.question import Query, Tense
from index.text import fold, placed_terms, placed_word, stem, terms, words

NUMBER = re.compile(
    r"(?<![\d.,])(?!(?:19|20)\d\d\b)\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|"
    r"hundreds?|thousands?|millions?|billions?|dozens?)\b"
)
TIME = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|today|tomorrow|yesterday|tonight|morning|evening|"
    r"spring|summer|autumn|winter|since|until|ago|later|earlier|soon|next|last|\d{1,2}:\d{2}|(?:19|20)\d{2}|"
    r"(?:coming|next|this|last)\s+(?:days?|weeks?|months?|years?)|"
    r"(?:in|within|after|for)\s+(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+"
    r"(?:days?|weeks?|months?|years?|hours?|minutes?))\b"
)
# What a "how much/many ..." question measures, by the words it uses (general English).
_MONEY = re.compile(
    r"[€$£¥₹₽₺₩₪]|\b(?:euros?|dollars?|pounds?|francs?|yen|yuan|renminbi|rubles?|roubles?|hryvnias?|cents?|pence|"
    r"kroner|kronor|kronur|krona|krone|crowns?|zloty|zlotys|forints?|koruna|korun|lira|lire|rupees?|pesos?|reais|"
    r"real|rand|won|shekels?|dinars?|dirhams?|baht|ringgit|lei|leu|levs?|usd|eur|gbp|chf|sek|nok|dkk|pln)\b"
)
DIMENSIONS: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = (
    (frozenset("weigh weighs weight heavy heavier mass".split()),
     re.compile(r"\b(?:kg|kilo\w*|tonnes?|tons?|grams?|pounds?|lbs?)\b")),
    (frozenset("cost costs costing money pay paid price spend spent earn earns earned worth fine budget "
               "salary salaries wage wages compensation funding fund grant grants subsidy bonus damages payout "
               "fee fees tax taxes revenue profit profits bill".split()), _MONEY),
)  # fmt: skip
# Dimensions asked by "how <adjective>": only the adjective right after "how" counts.
HOW_DIMENSIONS: dict[str, re.Pattern[str]] = {
    "far": re.compile(r"\b(?:km|kilomet\w*|metres?|meters?|miles?|feet|yards?)\b"),
    "cold": re.compile(r"\b(?:degrees?|celsius|fahrenheit)\b|°"),
    "hot": re.compile(r"\b(?:degrees?|celsius|fahrenheit)\b|°"),
    "often": re.compile(r"\b(?:every|times|per|daily|weekly|hourly|once|twice)\b"),
    "heavy": re.compile(r"\b(?:kg|kilo\w*|tonnes?|tons?|grams?|pounds?|lbs?)\b"),
    "long": re.compile(r"\b(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|since)\b"),
    "old": re.compile(r"\b(?:years?|aged|age|born|since)\b"),
}
CAUSAL = re.compile(
    r"\b(?:because|reasons?|due to|as a result|so that|in order to|to offset|reflect\w*|explain\w*|"
    r"aimed|meant to|led to|given|unless|until|only once|as a way|therefore|if|in (?:her|his|their) view)\b"
)
_MAGNITUDES = frozenset(
    stem(w)
    for w in "hundred hundreds thousand thousands million millions billion billions "
    "percent per cent dozen dozens more than about around some over".split()
)
_PERIODIC = {
    "hour": "hourly",
    "day": "daily",
    "week": "weekly",
    "month": "monthly",
    "year": "(?:yearly|annual|annually)",
}


class _Searcher(Protocol):
    def search(self, low: str, /) -> object: ...


class _NotOnlyDurations:
    """A "pattern" that passes a sentence holding a number that is not a duration ("30 days")."""

    def search(self, low: str, /) -> bool:
        return any(not _TIME_UNIT.match(low[n.end() :]) for n in NUMBER.finditer(low))


_NOT_ONLY_DURATIONS = _NotOnlyDurations()
_COUNT_WORD = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+teen|twenty|thirty|forty|fifty)"
_TALLY = re.compile(rf"\bvot\w*\s+(?:\w+\s+){{0,3}}?{_COUNT_WORD}\s+(?:votes?\s+)?to\s+{_COUNT_WORD}\b")
_TIME_UNIT = re.compile(r"[\d.,]*\s*(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b")
SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z“\d])")


class Measure:
    """What a "how many / when" question asks for, worked out once: then `given_by` reads each passage."""

    def __init__(self, q: Query) -> None:
        self.q = q
        self.pattern = TIME if q.answer_type == "when" else NUMBER
        self.units: list[_Searcher] = []
        if q.answer_type == "count":
            self.units = [unit for dim, unit in DIMENSIONS if dim & set(q.words)]
            if q.how in HOW_DIMENSIONS:
                self.units.append(HOW_DIMENSIONS[q.how])
            if q.how in ("much", "many") and not q.duration:
                self.units.append(_NOT_ONLY_DURATIONS)
            if q.period:
                # "per month" asks for a rate: the figure must be given per month too.
                rate = rf"\b(?:per|a|every|each)\s+{q.period}\b|\b{_PERIODIC[q.period]}\b"
                self.units.append(re.compile(rate))
        self.total = sum(q.weights.get(t, 0.0) for t in q.content) or 1.0
        # Each content term with its weight and every form a text may hold it in: itself, a synonym, or the
        # head of a compound written apart.
        self.forms = [(q.weights.get(t, 0.0), frozenset({t} | synonyms(t) | _heads(t))) for t in q.content]

    def _figure_in(self, low: str) -> bool:
        return bool(self.pattern.search(low)) and all(u.search(low) for u in self.units)

    def given_by(self, text: str, held: Iterable[str] | None = None) -> bool:
        """Tell whether a passage's text gives the figure or time asked for, in a sentence about the question.

        `held`: the passage's index terms, when the caller has them (else they are read from the text).
        """
        if self._share(set(terms(text) if held is None else held)) < PASSAGE_SHARE:
            return False  # the passage is not about what the question is about
        if not self._figure_in(fold(text)):
            return False  # no figure or time (of the right kind) anywhere in the passage
        return any(
            self._figure_in(fold(sentence)) and self._share(set(terms(sentence))) >= SENTENCE_SHARE
            for sentence in SENTENCE.split(text)
        )

    def _share(self, held: set[str]) -> float:
        return sum(weight for weight, forms in self.forms if not held.isdisjoint(forms)) / self.total


SENTENCE_SHARE = 0.25  # the sentence giving the figure or time must be about the question
PASSAGE_SHARE = 0.5  # and its passage must hold most of what the question is about


def _heads(term: str) -> set[str]:
    """The heads of the compounds a long term may be written apart as: a text holding "dock" (as in "dock
    workers") holds "dockers". A head is at least 4 letters and 60% of the term."""
    if len(term) < 6:
        return set()
    return {term[:k] for k in range(max(4, math.ceil(0.6 * len(term))), len(term))}


def same_tense(q: Query, text: str) -> bool:
    """For "when" questions: tell whether a passage speaks of the past or future as the question does."""
    if q.answer_type != "when" or q.tense is Tense.ANY:
        return False
    return bool(FUTURE.search(fold(text))) == (q.tense is Tense.FUTURE)


def counts_the_noun(q: Query, text: str, noun: str) -> bool:
    """Tell whether a passage puts a number right before what "how many X" counts."""
    if not q.counted:
        return False
    low = fold(text)
    if q.votes and _TALLY.search(low):
        return True  # "how many voted for it": "voted 31 to 12" is the count
    for n in NUMBER.finditer(low):
        if re.match(r"[\d.,]*\s*(?:%|percent|per\s+cent)", low[n.end() : n.end() + 20]):
            continue  # "81 percent of the members" is a share, not a count
        following = following_terms(low, n, 2, skip=_MAGNITUDES)
        if noun in following or synonyms(noun) & set(following):
            return True
        # "3,200 dock workers" counts "dockers": a compound written as two words.
        if following and len(following[0]) >= 4 and noun.startswith(following[0]):
            return True
    return False


def following_terms(low: str, number: re.Match[str], count: int, *, skip: frozenset[str]) -> list[str]:
    """The first `count` index terms (not in `skip`) of the words that start within 50 characters after a
    number found in folded text; the number's own word ("3,200", "hundreds") is not one of them."""
    word = placed_word(low, number.start())
    after = max(number.end(), word.end() if word else 0)
    out: list[str] = []
    for _start, term in placed_terms(low, after, number.end() + 50):
        if term not in skip:
            out.append(term)
            if len(out) == count:
                break
    return out


def names_someone_new(q: Query, p: Passage) -> bool:
    """Tell whether a passage names someone or something the question does not.

    For "which X" questions the name must stand in a sentence that mentions X.
    """
    asked = set(q.words)
    focus = {stem(w) for w in q.focus}
    if p.speaker and not focus and not (set(words(p.speaker)) & asked):
        return True
    for sentence in SENTENCE.split(p.text):
        if focus and not focus & set(terms(sentence)):
            continue
        for run in people.CAP_RUN.finditer(sentence):
            tokens = [fold(t) for t in run.group().split()]
            if run.start() == 0 and len(tokens) == 1:
                continue  # a capital that only starts the sentence
            if not set(tokens) <= asked and any(t not in ("the", "a") for t in tokens):
                return True
    return False


def defines(text: str, asked: list[str]) -> bool:
    """Tell whether a text says what one of the asked words is: "Peace is not only ..."."""
    low = fold(text)
    return any(re.search(rf"\b{re.escape(w)}\s+(?:is|are|means|was)\b", low) for w in asked)
