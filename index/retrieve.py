"""Candidates: the passages that may answer a question, from BM25 and the article's structure.

Never fewer than BM25's own best passages; the speaker a question names adds their passages, a question about
what comes next adds the forward-looking ones, a question about the article adds each article's lead; a question
none of whose content words the index holds gets the passages closest in meaning. Deciding among them is not
done here (index/features.py, index/decide.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from index.models import Passage
from index.question import Intent, Query

if TYPE_CHECKING:
    from index.answer import Engine

TOP_K = 20  # BM25's best passages, always candidates
STRUCTURE_K = 40  # at most this many more from the structure (a speaker's passages, forward-looking ones)
CLOSEST_K = 3  # when BM25 finds nothing, the passages closest in meaning are the candidates
CLOSEST_POOL = 400  # ... if the index holds at most this many passages (each one's vector is compared)


@dataclass(frozen=True)
class Candidate:
    """One passage that may answer, with its BM25 evidence."""

    index: int  # position in Engine.passages
    bm25: float  # 0.0 when only the structure brought it
    rank: int  # BM25 rank, 0 best; TOP_K and beyond for structure-only candidates
    passage: Passage  # Engine.passages[index], read once: the features read it many times


def candidates(engine: Engine, q: Query, exclude: frozenset[str] = frozenset()) -> list[Candidate]:
    """The candidates for a question, best BM25 first, then those the structure adds in article order (or,
    when neither finds any, the closest in meaning)."""
    scores = engine.ranker.grouped_scores(q.groups, limit=engine.candidate_limit, keep=engine.best_articles(q))
    out: dict[int, Candidate] = {}
    best = best_first(scores, TOP_K + len(exclude))
    for (i, s), p in zip(best, engine.passages_at([i for i, _ in best]), strict=True):
        if p.id in exclude:
            continue
        out[i] = Candidate(i, s, len(out), p)
        if len(out) == TOP_K:
            break
    extra: list[int] = []
    for who in (q.speaker, q.affiliated):
        if who is not None:
            extra += engine.own(who)
    if q.intent is Intent.NEXT:
        extra += engine.forward_looking(set(_articles_of(engine, out)))
    if q.intent is Intent.ABOUT:
        extra += engine.leads()
    more = [i for i in dict.fromkeys(extra[: STRUCTURE_K * 2]) if i not in out]
    for i, p in zip(more, engine.passages_at(more), strict=True):
        if len(out) >= TOP_K + STRUCTURE_K:
            break
        if p.id not in exclude:
            out[i] = Candidate(i, scores.get(i, 0.0), TOP_K + len(out), p)
    if not out and not exclude:  # ("more" after everything a speaker said is shown: nothing more)
        return [Candidate(i, 0.0, TOP_K + n, p) for n, (i, p) in enumerate(_closest(engine, q))]
    return list(out.values())


def _closest(engine: Engine, q: Query) -> list[tuple[int, Passage]]:
    """The CLOSEST_K passages closest in meaning to the question, for a question none of whose words the
    index holds ("wat did the unoin say", "does she admit to doping"): only with sentence vectors, for a
    question with a content word in Latin letters or digits, and in an index of at most CLOSEST_POOL passages (an
    article or a few), so that the work stays bounded. Whether one of them answers is the model's decision."""
    if engine.vectors is None or not 0 < len(engine.passages) <= CLOSEST_POOL:
        return []
    if not any(re.search("[a-z0-9]", w) for w in q.content):  # the encoder knows English words, not symbols
        return []  # (and "what else did he say?" in a new chat names nothing to look for)
    passages = engine.passages_at(list(range(len(engine.passages))))
    asked = engine.question_vector(q.text)
    close = np.array([float(m[0] @ asked) for m in engine.vectors.of(passages)])
    order = np.argsort(-close, kind="stable").tolist()
    return [(n, passages[n]) for n in order[:CLOSEST_K]]


def _articles_of(engine: Engine, found: dict[int, Candidate]) -> list[str]:
    """The articles of the best BM25 candidates (all articles when there are none)."""
    return [x.passage.article_id for x in list(found.values())[:3]]


def best_first(scores: dict[int, float], n: int) -> list[tuple[int, float]]:
    """The n best (passage, score) pairs, best first; ties: the earlier passage first."""
    if not scores:
        return []
    docs = np.fromiter(scores.keys(), dtype=np.int64, count=len(scores))
    values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
    if len(docs) > n:  # keep the n best and every passage tied with the n-th, then order those
        kth = np.partition(values, len(values) - n)[len(values) - n]
        keep = values >= kth
        docs, values = docs[keep], values[keep]
    order = np.lexsort((docs, -values))[:n]
    return list(zip(docs[order].tolist(), values[order].tolist(), strict=True))
