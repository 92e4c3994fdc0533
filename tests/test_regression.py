"""Regression: every labelled news set under eval/news, asked through the engine with the shipped model.

An answerable question is right when the engine answers and its FIRST cited passage holds a gold phrase; an
unanswerable one (offtopic, near_offtopic) when the engine says the article does not answer. The shipped model
(index/model.json) was fitted on these sets, so these are fitted figures, kept as floors against regressions of
the pipeline; the honest figures are the leave-article-out ones `make fit` prints (README, Accuracy). Run with
`-s` to see each set's figures.
"""

from __future__ import annotations

from collections import Counter

import pytest

from index.answer import Engine
from index.dataset import Labelled, LabelledSet, by_article, news_sets, norm
from index.parse import read_article
from index.store import Corpus

KINDS = frozenset(
    "speaker who_said fact issue list reason paraphrase typo keyword meta offtopic near_offtopic".split()
)  # fmt: skip
ABSTAIN_KINDS = frozenset({"offtopic", "near_offtopic"})
SETS = news_sets()
# The floor under the shipped model's fitted accuracy on all the news sets together (0.75 when fitted).
MIN_ACCURACY = 0.72
MIN_SET_ACCURACY = 0.60  # no single set may fall below this


def test_the_sets_are_many_and_well_formed() -> None:
    questions = [q for s in SETS for q in s.questions]
    articles = {(s.name, a) for s in SETS for a in s.articles}
    assert len(questions) >= 1500 and len(articles) >= 40
    for s in SETS:
        assert len({(q.article, q.q) for q in s.questions}) == len(s.questions), s.name
        for q in s.questions:
            assert q.kind in KINDS, q
            assert q.answerable == (q.kind not in ABSTAIN_KINDS), q
            assert s.article_path(q.article).is_file(), q


@pytest.mark.parametrize("labelled", SETS, ids=lambda s: s.name)
def test_gold_phrases_are_in_one_passage_of_the_article(labelled: LabelledSet) -> None:
    """Some gold phrase of every answerable question occurs (normalised) inside one passage: the question can be
    answered right (date questions are answered from the date line)."""
    for article in labelled.articles:
        parsed = read_article(labelled.article_path(article))
        passages = [norm(p.text) for p in parsed.passages]
        for q in labelled.questions:
            if q.article != article:
                continue
            if q.answerable and q.kind != "meta":
                assert any(gold in p for gold in q.gold for p in passages), q


def test_norm_matches_the_scorer() -> None:
    assert norm("“Within reach,” he said — 9,000 park-and-ride!") == "within reach he said 9 000 park and ride"
    assert norm("Ukraine’s") == norm("Ukraine's") == "ukraine s"


def _outcomes() -> dict[str, Counter[str]]:
    tally: dict[str, Counter[str]] = {}
    for labelled, article, questions in by_article(SETS):
        engine = Engine(Corpus.of([read_article(labelled.article_path(article))]), remember=0)
        for q in questions:
            _count(tally.setdefault(labelled.name, Counter()), q, engine)
    return tally


def _count(c: Counter[str], q: Labelled, engine: Engine) -> None:
    right = q.right(engine.answer(q.q))
    c["n"] += 1
    c["right"] += right
    c["answerable" if q.answerable else "refusable"] += 1
    c["top1" if q.answerable else "refused"] += right


def test_fitted_accuracy_holds() -> None:
    tally = _outcomes()
    total: Counter[str] = sum(tally.values(), Counter())
    for name, c in [*sorted(tally.items()), ("ALL", total)]:
        print(f"{name:10} n={c['n']:4} accuracy={c['right'] / c['n']:.3f} answerable={c['top1'] / c['answerable']:.3f} "
              f"abstain={c['refused'] / max(c['refusable'], 1):.3f}")  # fmt: skip
        assert c["right"] / c["n"] >= MIN_SET_ACCURACY, name
    assert total["right"] / total["n"] >= MIN_ACCURACY
