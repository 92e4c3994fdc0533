"""Features: one row of numbers per candidate passage, describing the evidence for and against it.

No decisions here: what the old rules checked (coverage of the question's words, a figure or time in a sentence
about the question, the speaker asked about, a reason, a name the article lacks ...) is measured and handed to
the fitted model (index/decide.py). Adding a signal is adding a named function below and running `make fit`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from index.evidence import Measure, defines, names_someone_new, same_tense
from index.question import AnswerType, Intent, Query
from index.retrieve import Candidate
from index.text import fold, stem

if TYPE_CHECKING:
    from index.answer import Engine


@dataclass
class Context:
    """What every candidate of one question shares: the question, its evidence readers, BM25's spread."""

    engine: Engine
    q: Query
    top: float  # best BM25 score among the candidates
    margin: float  # share by which the best BM25 score beats the second
    measure: Measure | None  # the figure or time reader, for count and when questions
    acronym: re.Pattern[str] | None  # "what does CPA stand for": "(CPA)" spelled out
    asked_words: list[str]  # the question's own words that are index terms (for "X is ..." definitions)
    missing_share: float  # share of the question's weighted content the index lacks
    silent: bool  # "what did the government say" and no passage has it saying anything
    meaning: dict[int, Closeness] = field(default_factory=dict)  # by candidate index, see `closeness`


Feature = Callable[[Context, Candidate], float]
PER_QUESTION: set[Feature] = set()  # features whose value is the question's: computed once per question


def per_question(feature: Feature) -> Feature:
    """Mark a feature as the same for every candidate of a question."""
    PER_QUESTION.add(feature)
    return feature


def _flag(value: bool) -> float:
    return 1.0 if value else 0.0


def _signed(applies: bool, value: bool) -> float:
    """Evidence a linear model can weigh either way: +1 found, -1 asked for but not found, 0 not asked for."""
    if not applies:
        return 0.0
    return 1.0 if value else -1.0


def _passage(c: Context, x: Candidate) -> tuple[int, str]:
    p = x.passage
    return x.index, p.text


# -- the candidate's own evidence -------------------------------------------------------------------


def bm25_share(c: Context, x: Candidate) -> float:
    """BM25 score as a share of the best candidate's."""
    return x.bm25 / c.top if c.top > 0 else 0.0


def bm25_log(c: Context, x: Candidate) -> float:
    """log(1 + BM25 score)."""
    return math.log1p(x.bm25)


def rank_inverse(c: Context, x: Candidate) -> float:
    """1 / (1 + BM25 rank)."""
    return 1.0 / (1.0 + x.rank)


def best_bm25(c: Context, x: Candidate) -> float:
    """The candidate is BM25's first."""
    return _flag(x.rank == 0 and x.bm25 > 0)


def coverage(c: Context, x: Candidate) -> float:
    """Share of the question's content, weighted by how specific each word is, that the passage holds."""
    return c.engine.coverage(c.q, x.index)


def bigrams(c: Context, x: Candidate) -> float:
    """Share of the question's adjacent content-word pairs that stand side by side in the passage too."""
    pairs = c.q.bigrams
    if not pairs:
        return 0.0
    seq = c.engine.term_sequence(x.index)
    held = set(itertools.pairwise(seq))
    return sum(1 for pair in pairs if pair in held) / len(pairs)


def quote(c: Context, x: Candidate) -> float:
    """The passage is a quote line."""
    return _flag(x.passage.kind == "quote")


def item(c: Context, x: Candidate) -> float:
    """The passage is a list item."""
    return _flag(x.passage.kind == "item")


def intro(c: Context, x: Candidate) -> float:
    """The passage introduces a list or a statement (it ends with a colon)."""
    return _flag(c.engine.is_intro(x.index))


def lead(c: Context, x: Candidate) -> float:
    """The passage is its article's first."""
    return _flag(x.passage.number == 1)


def position(c: Context, x: Candidate) -> float:
    """Where the passage stands in its article, 0 at the start and 1 at the end."""
    return c.engine.position(x.index)


def forward(c: Context, x: Candidate) -> float:
    """The passage looks ahead (will, next, plans, due to, expected ...)."""
    return _flag(c.engine.looks_ahead(x.index))


def causal(c: Context, x: Candidate) -> float:
    """The passage gives a reason in words (because, due to, in order to ...)."""
    return _flag(c.engine.causal(x.index))


def attributed(c: Context, x: Candidate) -> float:
    """Somebody says the passage (a quote, or reported speech the parser attributed)."""
    return _flag(x.passage.speaker is not None)


# -- the candidate against what the question asks ---------------------------------------------------


def speaker_match(c: Context, x: Candidate) -> float:
    """A question about what someone said, and the passage is said by that person."""
    who = c.q.speaker
    asked = who is not None and c.q.intent is Intent.SPEAKER
    return _signed(asked, asked and x.passage.speaker == who.name)  # type: ignore[union-attr]


def speaker_mentioned(c: Context, x: Candidate) -> float:
    """The passage names the person the question names (reported speech, or a paragraph about them)."""
    who = c.q.speaker
    if who is None:
        return 0.0
    surname = fold(who.name.split()[-1])
    return _flag(surname in fold(x.passage.text))


def other_speaker(c: Context, x: Candidate) -> float:
    """The question names someone and the passage is somebody else's words."""
    said = x.passage.speaker
    asked = c.q.speaker is not None and c.q.intent is Intent.SPEAKER
    return _flag(asked and said is not None and said != c.q.speaker.name)  # type: ignore[union-attr]


def side_match(c: Context, x: Candidate) -> float:
    """The passage is said by the side (organisation, party) the question's words name."""
    side = c.q.affiliated
    return _flag(side is not None and x.passage.speaker == side.name)


def speaker_intent_quote(c: Context, x: Candidate) -> float:
    """ "What did X say": the passage is X's own quote."""
    asked = c.q.intent is Intent.SPEAKER and c.q.speaker is not None
    return _signed(asked, quote(c, x) > 0 and speaker_match(c, x) > 0)


def who_said_attributed(c: Context, x: Candidate) -> float:
    """ "Who said ...": the passage is attributed to someone."""
    return _signed(c.q.intent is Intent.WHO_SAID, attributed(c, x) > 0)


def list_fit(c: Context, x: Candidate) -> float:
    """A question asking for a list, and the passage is a list item or introduces one."""
    return _signed(c.q.intent is Intent.LIST, item(c, x) > 0 or intro(c, x) > 0)


def why_causal(c: Context, x: Candidate) -> float:
    """A why question, and the passage gives a reason in words."""
    return _signed(c.q.answer_type is AnswerType.WHY, c.engine.causal(x.index))


def why_plain_item(c: Context, x: Candidate) -> float:
    """A why question, and the passage is a list item whose lead-in gives no reason (a demand states what)."""
    if c.q.answer_type is not AnswerType.WHY:
        return 0.0
    p = x.passage
    return _flag(p.kind == "item" and not c.engine.causal_lead_in(x.index))


def figure(c: Context, x: Candidate) -> float:
    """A how-many/how-much or when question, and a sentence about the question gives a figure or time."""
    if c.measure is None:
        return 0.0
    i, text = _passage(c, x)
    return _signed(True, c.measure.given_by(text, c.engine.distinct_terms(i)))


def counts_noun(c: Context, x: Candidate) -> float:
    """ "How many X": a number stands right before X (or a word for it) in the passage."""
    if c.q.answer_type is not AnswerType.COUNT or not c.q.how_many:
        return 0.0
    return _signed(True, c.engine.counts(c.q, x.index))


def tense(c: Context, x: Candidate) -> float:
    """A when question, and the passage speaks of the past or the future as the question does."""
    return _signed(c.q.answer_type is AnswerType.WHEN, same_tense(c.q, x.passage.text))


def names_new(c: Context, x: Candidate) -> float:
    """A who/which question, and the passage names someone or something the question does not."""
    if c.q.answer_type is not AnswerType.WHO or c.q.intent is Intent.WHO_SAID:
        return 0.0
    return _signed(True, names_someone_new(c.q, x.passage))


def definition(c: Context, x: Candidate) -> float:
    """ "How does X define peace": the passage says what it is ("Peace is ...")."""
    if not c.asked_words or not c.q.defines:
        return 0.0
    return _signed(True, defines(x.passage.text, c.asked_words))


def spelled_out(c: Context, x: Candidate) -> float:
    """ "What does CPA stand for": the passage spells it out, "Long Name (CPA)"."""
    return _signed(c.acronym is not None, c.acronym is not None and bool(c.acronym.search(x.passage.text)))


def next_forward(c: Context, x: Candidate) -> float:
    """ "What happens next": the passage looks ahead."""
    return _signed(c.q.intent is Intent.NEXT, c.engine.looks_ahead(x.index))


def next_late(c: Context, x: Candidate) -> float:
    """ "What happens next": how late in its article the passage stands (articles end with what comes next)."""
    return c.engine.position(x.index) if c.q.intent is Intent.NEXT else 0.0


def about_lead(c: Context, x: Candidate) -> float:
    """ "What is the article about": the passage is an article's lead."""
    return _flag(c.q.intent is Intent.ABOUT and x.passage.number == 1)


# -- the question's own evidence (the same for every candidate: it moves the decision to answer) ----


@per_question
def unknown_person(c: Context, x: Candidate) -> float:
    """The question names a person or office the article never mentions."""
    return _flag(c.q.person_unknown)


@per_question
def absent_names(c: Context, x: Candidate) -> float:
    """The question holds a capitalised name no article text contains."""
    return _flag(bool(c.q.absent_names))


@per_question
def silent_body(c: Context, x: Candidate) -> float:
    """ "What did the government say", and no passage has the government saying anything."""
    return _flag(c.silent)


@per_question
def focus_missing(c: Context, x: Candidate) -> float:
    """ "Which X" or "the name of the X", and the article never names an X."""
    return _flag(bool(c.q.focus_missing))


@per_question
def missing(c: Context, x: Candidate) -> float:
    """Share of the question's weighted content that no passage holds."""
    return c.missing_share


@per_question
def mostly_missing(c: Context, x: Candidate) -> float:
    """How far past half of the question's weighted content the article lacks (0 up to half)."""
    return max(0.0, c.missing_share - 0.5)


@per_question
def margin(c: Context, x: Candidate) -> float:
    """Share by which BM25's best candidate beats its second."""
    return c.margin


# -- closeness in meaning (sentence vectors, index/dense.py) -----------------------------------------


def closeness(engine: Engine, q: Query, found: list[Candidate]) -> dict[int, Closeness]:
    """Per candidate, how close its passage's meaning is to the question's (cosines of sentence vectors)."""
    vectors = engine.vectors
    if vectors is None or not found:
        return {}
    asked = engine.question_vector(q.text)
    own = vectors.of([x.passage for x in found])
    shown = vectors.of([engine.shown(q.intent, x.index) for x in found])
    whole = np.array([float(m[0] @ asked) for m in own])
    sentence = np.array([float((m @ asked).max()) for m in own])
    rank = np.argsort(np.argsort(-whole, kind="stable"), kind="stable")
    return {
        x.index: Closeness(
            whole=float(whole[n]),
            shown=float(shown[n][0] @ asked),
            gap=float(whole[n] - whole.max()),
            rank=int(rank[n]),
            sentence=float(sentence[n]),
            sentence_gap=float(sentence[n] - sentence.max()),
        )
        for n, x in enumerate(found)
    }


@dataclass(frozen=True)
class Closeness:
    """One candidate's closeness in meaning to the question."""

    whole: float  # cosine of the passage's vector with the question's
    shown: float  # the same for the passage its answer shows first (what an intro leads into)
    gap: float  # `whole` less the closest candidate's (0 for the closest)
    rank: int  # rank among the candidates by `whole`, 0 closest
    sentence: float  # the best cosine of the passage or any one of its sentences
    sentence_gap: float  # `sentence` less the best candidate's


def meaning_own(c: Context, x: Candidate) -> float:
    """Cosine of the passage's sentence vector with the question's."""
    return c.meaning[x.index].whole


def meaning_shown(c: Context, x: Candidate) -> float:
    """Cosine of the passage the answer shows first (what an intro leads into) with the question."""
    return c.meaning[x.index].shown


def meaning_gap(c: Context, x: Candidate) -> float:
    """The passage's cosine less the closest candidate's (0 for the closest)."""
    return c.meaning[x.index].gap


def meaning_rank(c: Context, x: Candidate) -> float:
    """The passage's rank among the candidates by cosine (0 closest)."""
    return float(c.meaning[x.index].rank)


def meaning_sentence(c: Context, x: Candidate) -> float:
    """The best cosine of the passage or one of its sentences with the question."""
    return c.meaning[x.index].sentence


def meaning_sentence_gap(c: Context, x: Candidate) -> float:
    """That best cosine less the best candidate's."""
    return c.meaning[x.index].sentence_gap


FEATURES: tuple[Feature, ...] = (
    bm25_share, bm25_log, rank_inverse, best_bm25, coverage, bigrams, quote, item, intro, lead, position, forward,
    causal, attributed, speaker_match, speaker_mentioned, other_speaker, side_match, speaker_intent_quote,
    who_said_attributed, list_fit, why_causal, why_plain_item, figure, counts_noun, tense, names_new, definition,
    spelled_out, next_forward, next_late, about_lead, unknown_person, absent_names, silent_body, focus_missing,
    missing, mostly_missing, margin,
)  # fmt: skip
MEANING: tuple[Feature, ...] = (
    meaning_own, meaning_shown, meaning_gap, meaning_rank, meaning_sentence, meaning_sentence_gap,
)  # fmt: skip


def columns(dense: bool) -> tuple[Feature, ...]:
    """The features an engine with (or without) sentence vectors computes, in row order."""
    return FEATURES + MEANING if dense else FEATURES


def names(dense: bool) -> tuple[str, ...]:
    """The names of those columns (what a model file lists)."""
    return tuple(f.__name__ for f in columns(dense))


NAMES: tuple[str, ...] = names(False)  # an index without sentence vectors
DENSE_NAMES: tuple[str, ...] = names(True)  # an index with them


def context(engine: Engine, q: Query, found: list[Candidate]) -> Context:
    """Work out once what every candidate of a question shares."""
    scores = sorted((x.bm25 for x in found), reverse=True)
    top = scores[0] if scores else 0.0
    second = scores[1] if len(scores) > 1 else 0.0
    spelled = re.compile(rf"\(\s*{re.escape(q.acronym)}\s*\)", re.IGNORECASE) if q.acronym else None
    total = sum(q.weights.get(t, 1.0) for t in q.content)
    absent = [t for t in q.content if t not in engine.ranker and t not in q.calendar]
    lacking = sum(q.weights.get(t, 1.0) for t in absent)
    return Context(
        engine=engine,
        q=q,
        top=top,
        margin=(top - second) / top if top > 0 else 0.0,
        measure=Measure(q) if q.answer_type in (AnswerType.COUNT, AnswerType.WHEN) else None,
        acronym=spelled,
        asked_words=[w for w in q.words if stem(w) in q.terms],
        missing_share=lacking / total if total else 0.0,
        silent=bool(engine.silent_body(q)),
        meaning=closeness(engine, q, found),
    )


def rows(engine: Engine, q: Query, found: list[Candidate]) -> np.ndarray:
    """The feature rows of a question's candidates, one per candidate, columns in `names` order."""
    features = columns(engine.vectors is not None)
    if not found:
        return np.zeros((0, len(features)))
    shared = context(engine, q, found)
    out = np.empty((len(found), len(features)))
    for column, f in enumerate(features):
        if f in PER_QUESTION:
            out[:, column] = f(shared, found[0])
        else:
            out[:, column] = [f(shared, x) for x in found]
    return out
