"""Ranker tests: candidate-only scoring equals rank-bm25's full scoring; the IDF is positive and monotonic."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.parse import read_article
from index.rank import Ranker
from index.text import terms

ROOT = Path(__file__).resolve().parent.parent
DAVOS = ROOT / "articles" / "2026-01-22-davos-peace-talks.txt"
PORT = ROOT / "tests" / "fixtures" / "2026-03-05-port-strike.txt"


def documents(path: Path) -> list[list[str]]:
    """Return an article's passages as token lists, the way the engine indexes them."""
    return [terms(p.text) + (terms(p.speaker) if p.speaker else []) for p in read_article(path).passages]


CORPORA = {"davos": documents(DAVOS), "port": documents(PORT), "both": documents(DAVOS) + documents(PORT)}
RANKERS = {name: Ranker(docs) for name, docs in CORPORA.items()}
VOCABULARY = {name: sorted({t for doc in docs for t in doc}) for name, docs in CORPORA.items()}

QUERIES = [
    "what did trump say about peace",
    "final issue moscow negotiations",
    "security guarantees for ukraine nato",
    "pay rise percent automated cranes",
    "containers ships waiting anchor",
    "union demands night shifts",
    "peace peace agreement",
    "chocolate cake recipe",
]


def assert_same_scores(ranker: Ranker, query_terms: list[str]) -> None:
    """Candidate scoring must equal rank-bm25's full scoring; documents it skips must score 0 there."""
    weights: dict[str, float] = {}
    for t in query_terms:
        weights[t] = weights.get(t, 0.0) + 1.0
    partial = ranker.scores(weights)
    full = ranker.full_scores(query_terms)
    assert len(full) == ranker.size
    for doc, score in enumerate(full):
        if doc in partial:
            assert partial[doc] == pytest.approx(score, rel=1e-9, abs=1e-12)
        else:
            assert score == 0.0
    assert all(s > 0 for s in partial.values())


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("question", QUERIES)
def test_candidate_scores_equal_full_scores(corpus: str, question: str) -> None:
    assert_same_scores(RANKERS[corpus], terms(question))


@pytest.mark.parametrize("corpus", CORPORA)
def test_every_passage_scores_for_its_own_terms(corpus: str) -> None:
    ranker = RANKERS[corpus]
    for i, doc in enumerate(CORPORA[corpus]):
        query = sorted(set(doc))[:8]
        assert_same_scores(ranker, query)
        if query:
            assert ranker.scores({t: 1.0 for t in query})[i] > 0


@settings(max_examples=150, deadline=None)
@given(data=st.data(), corpus=st.sampled_from(sorted(CORPORA)))
def test_random_vocabulary_queries(data: st.DataObject, corpus: str) -> None:
    words = st.sampled_from(VOCABULARY[corpus])
    query = data.draw(st.lists(words | st.sampled_from(["zzunknown", "qqq"]), min_size=1, max_size=8))
    assert_same_scores(RANKERS[corpus], query)


@settings(max_examples=50, deadline=None)
@given(term=st.sampled_from(VOCABULARY["both"]), weight=st.floats(min_value=0.1, max_value=5.0))
def test_weights_scale_scores(term: str, weight: float) -> None:
    ranker = RANKERS["both"]
    one = ranker.scores({term: 1.0})
    scaled = ranker.scores({term: weight})
    assert set(one) == set(scaled)
    for doc, score in one.items():
        assert scaled[doc] == pytest.approx(weight * score)


def test_unknown_terms_score_nothing() -> None:
    ranker = RANKERS["davos"]
    assert ranker.scores({"zzunknown": 1.0}) == {}
    assert ranker.scores({}) == {}
    assert "zzunknown" not in ranker
    assert ranker.df("zzunknown") == 0


@pytest.mark.parametrize("corpus", CORPORA)
def test_idf_positive_and_monotonic(corpus: str) -> None:
    ranker = RANKERS[corpus]
    by_df = sorted((ranker.df(t), idf) for t, idf in ranker.idf.items())
    assert all(idf > 0 for _, idf in by_df)
    for (df_a, idf_a), (df_b, idf_b) in pairwise(by_df):
        if df_a == df_b:
            assert idf_a == pytest.approx(idf_b)
        else:
            assert idf_a > idf_b
    assert ranker.max_idf() > max(idf for _, idf in by_df)


def test_term_in_half_the_documents_still_counts() -> None:
    """BM25Okapi would give this term IDF 0; ours keeps it positive and below a rarer term's."""
    ranker = Ranker([["peace", "talks"], ["peace", "war"], ["war"], ["talks"]])
    assert ranker.df("peace") == 2
    assert ranker.idf["peace"] > 0
    common = Ranker([["peace"], ["peace"], ["peace"], ["war"]])
    assert 0 < common.idf["peace"] < common.idf["war"]
    assert common.scores({"peace": 1.0})[0] > 0


def test_empty_corpus() -> None:
    ranker = Ranker([])
    assert ranker.size == 0
    assert ranker.scores({"anything": 1.0}) == {}
    assert ranker.full_scores(["anything"]) == []
    assert ranker.df("anything") == 0
    assert ranker.max_idf() > 0


def test_one_document_corpus() -> None:
    ranker = Ranker([["harbour", "strike", "strike"]])
    scores = ranker.scores({"strike": 1.0, "harbour": 1.0})
    assert list(scores) == [0]
    assert scores[0] > 0
    assert_same_scores(ranker, ["strike", "harbour", "missing"])


def test_empty_documents_do_not_crash() -> None:
    ranker = Ranker([[], ["tram", "vote"], []])
    assert ranker.scores({"tram": 1.0}).keys() == {1}
    assert_same_scores(ranker, ["tram", "vote"])
    all_empty = Ranker([[], []])
    assert all_empty.scores({"tram": 1.0}) == {}


def test_term_frequency_and_length_matter() -> None:
    ranker = Ranker([["strike"], ["strike", "strike"], ["strike", "port", "city", "quay", "ship", "crane"]])
    scores = ranker.scores({"strike": 1.0})
    assert scores[1] > scores[0] > scores[2]


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("question", QUERIES)
def test_numpy_path_equals_python_path(corpus: str, question: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large queries take the NumPy path: the same scores and the same top passages as the plain loop."""
    ranker = RANKERS[corpus]
    query = {t: 1.0 for t in terms(question)}
    groups = [{t: 1.0} for t in query]
    plain = (ranker.scores(query), ranker.grouped_scores(groups), ranker.top(query, 5))
    monkeypatch.setattr("index.rank.SMALL", 0)
    vectorised = (ranker.scores(query), ranker.grouped_scores(groups), ranker.top(query, 5))
    for a, b in zip(plain[:2], vectorised[:2], strict=True):
        assert a.keys() == b.keys()
        for doc, score in a.items():
            assert b[doc] == pytest.approx(score, rel=1e-12)
    assert [d for d, _ in plain[2]] == [d for d, _ in vectorised[2]]


def test_grouped_limit_keeps_the_best(monkeypatch: pytest.MonkeyPatch) -> None:
    """A limited grouped scoring keeps the best documents (ties with the last included)."""
    monkeypatch.setattr("index.rank.SMALL", 0)
    ranker = RANKERS["both"]
    groups = [{t: 1.0} for t in terms("peace agreement union strike security")]
    everything = ranker.grouped_scores(groups)
    best = ranker.grouped_scores(groups, limit=5)
    assert 5 <= len(best) < len(everything)
    floor = min(best.values())
    assert all(score <= floor for doc, score in everything.items() if doc not in best)


@pytest.mark.parametrize("small", [0, 10**9], ids=["numpy", "plain"])
def test_grouped_keep_filters_before_the_limit(monkeypatch: pytest.MonkeyPatch, small: int) -> None:
    """`keep` drops documents before `limit` counts: the best kept documents, with their full scores."""
    monkeypatch.setattr("index.rank.SMALL", small)
    ranker = RANKERS["both"]
    groups = [{t: 1.0} for t in terms("peace agreement union strike security talks")]
    everything = ranker.grouped_scores(groups)
    even = {d: s for d, s in everything.items() if d % 2 == 0}
    kept = ranker.grouped_scores(groups, keep=lambda docs: docs % 2 == 0)
    assert kept == even and 0 < len(kept) < len(everything)
    best = ranker.grouped_scores(groups, limit=3, keep=lambda docs: docs % 2 == 0)
    assert set(best) <= set(even) and best == {d: even[d] for d in best}
    if small == 0:  # the limit applies on the NumPy path only
        assert 3 <= len(best) < len(even)
        assert all(s <= min(best.values()) for d, s in even.items() if d not in best)


@pytest.mark.parametrize("corpus", CORPORA)
def test_kept_scoring_equals_filtering_every_score(corpus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With `keep`, only the kept postings are scored (large archives): the same documents, in the same
    first-met order, with the same floats as scoring every document and filtering afterwards, also for groups
    of several terms (a word and its stand-ins: the best counts) and weighted terms."""
    monkeypatch.setattr("index.rank.SMALL", 0)
    ranker = RANKERS[corpus]
    words = terms("peace agreement union strike security talks war conflict port city")
    groups = [{words[i]: 1.0, words[i + 1]: 0.7} for i in range(0, len(words) - 1, 2)] + [{words[0]: 0.4}]

    def keep(docs: np.ndarray) -> np.ndarray:
        return np.asarray(docs % 3 != 1)

    everything = ranker.grouped_scores(groups)
    filtered = [(d, s) for d, s in everything.items() if d % 3 != 1]
    assert list(ranker.grouped_scores(groups, keep=keep).items()) == filtered
    assert ranker.grouped_scores(groups, keep=lambda docs: np.zeros(len(docs), dtype=bool)) == {}


def test_ranges_read_only_their_part_of_long_postings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `Ranges` filter (the articles a question is routed to) gives what testing every posting gives: the same
    documents in the same order with the same scores, whether its parts of the postings are found by binary
    search (few ranges, long postings) or by the mask."""
    from index.rank import Ranges

    monkeypatch.setattr("index.rank.SMALL", 0)
    rng = np.random.default_rng(3)
    vocabulary = ["port", "strike", "crane", "union", "vote"]
    documents = [list(rng.choice(vocabulary, size=int(rng.integers(1, 9)))) for _ in range(600)]
    ranker = Ranker(documents)
    groups = [{"port": 1.0, "crane": 0.6}, {"strike": 1.0}, {"vote": 0.5}]
    starts, ends = np.array([3, 40, 41, 300]), np.array([17, 41, 90, 302])
    allowed = np.zeros(len(documents), dtype=bool)
    for a, b in zip(starts, ends, strict=True):
        allowed[a:b] = True
    ranges = Ranges(starts, ends, lambda docs: allowed[docs])
    assert ranges.within(ranker.documents_array("port")) is not None  # the binary search is taken
    expected = list(ranker.grouped_scores(groups, keep=lambda docs: allowed[docs]).items())
    assert list(ranker.grouped_scores(groups, keep=ranges).items()) == expected
    assert list(ranker.grouped_scores(groups, keep=ranges, limit=5).items()) == list(
        ranker.grouped_scores(groups, keep=lambda docs: allowed[docs], limit=5).items()
    )
    assert {d for d, _ in expected} == {d for d in np.flatnonzero(allowed).tolist() if documents[d] != ["union"]}
