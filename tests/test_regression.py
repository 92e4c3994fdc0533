"""Regression: our own labelled questions, asked through the engine, with accuracy floors.

Each line of fixtures/questions.jsonl is {"article", "q", "kind", "gold_any"}. An answerable question
(non-empty gold_any) is right when the engine answers and its FIRST cited passage holds a gold phrase;
an unanswerable one (offtopic, near_offtopic: empty gold_any) is right when the engine abstains.

Sets: fixtures/questions.jsonl (64 questions over three articles, two of which the engine was
built on) and three holdout sets, fixtures/holdout/, holdout2/ and holdout3/ (four articles and 100 questions
each, written for measuring by people who did not build the engine). Each was measured once untuned (0.770,
0.790, 0.720 overall) and the engine was then improved on its misses with general rules, so all three are now
regression sets; a fresh set is the only honest measure of generalisation.
Each article gets its own index.
Run with `-s` to see the per-kind tables and the misses.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from index.answer import Engine
from index.build import build
from index.parse import read_article

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "fixtures" / "questions.jsonl"
ARTICLE_DIRS = (ROOT / "articles", ROOT / "tests" / "fixtures")
HOLDOUT = ROOT / "tests" / "fixtures" / "holdout"
HOLDOUT_QUESTIONS = HOLDOUT / "questions.jsonl"
KINDS = frozenset(
    "speaker who_said fact issue reason paraphrase typo keyword offtopic near_offtopic".split()
)  # fmt: skip
ABSTAIN_KINDS = frozenset({"offtopic", "near_offtopic"})

# Our own 64 questions: 0.844 (54/64), abstain 0.750 on the engine of 7dba732; 0.938 and 0.938 now.
# The floors sit about 0.05 below what the engine achieves; raise them as it improves.
MIN_ACCURACY = 0.88
MIN_ABSTAIN_ACCURACY = 0.87

# The first holdout set: 0.770 overall (77/100), answerable top-1 0.792, abstain 0.714 when written, before
# anyone tuned on it; 0.880, 0.889 and 0.857 after the engine was improved on its misses. It is therefore no
# longer a holdout but a regression set; tests/fixtures/holdout2/ measures generalisation afresh.
MIN_HOLDOUT_ACCURACY = 0.84
MIN_HOLDOUT_ANSWERABLE_ACCURACY = 0.83
MIN_HOLDOUT_ABSTAIN_ACCURACY = 0.84

# The second holdout set, fixtures/holdout2/ (four articles and 100 questions written after the engine was tuned on
# the first). When written, the engine of 52ca58f scored 0.790 overall (79/100), 0.767 answerable top-1 (56/73) and
# 0.852 abstain (23/27): that is the generalisation figure. Its misses then prompted general fixes (attribution of
# statement lead-ins, spelled-out numbers, vote tallies, a broader thesaurus) that lifted it to 0.870 / 0.863 /
# 0.889, so it is partly spent too; tests/fixtures/holdout3/ measures afresh. The floors sit 0.05 below.
HOLDOUT2 = ROOT / "tests" / "fixtures" / "holdout2"
HOLDOUT2_QUESTIONS = HOLDOUT2 / "questions.jsonl"
MIN_HOLDOUT2_ACCURACY = 0.82
MIN_HOLDOUT2_ANSWERABLE_ACCURACY = 0.81
MIN_HOLDOUT2_ABSTAIN_ACCURACY = 0.83

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "`": "'"})


@dataclass(frozen=True)
class Question:
    """One labelled question."""

    article: str
    q: str
    kind: str
    gold_any: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        """Tell whether the article answers this question."""
        return bool(self.gold_any)


@dataclass(frozen=True)
class Outcome:
    """How the engine did on one question."""

    question: Question
    right: bool
    answered: bool
    first: str  # the first cited passage, "" if none


def normalise(text: str) -> str:
    """Lower-case, unify quote marks, drop punctuation and collapse spaces, for phrase matching."""
    text = text.lower().translate(_QUOTES)
    text = re.sub(r"[^\w\s]", "", text)
    return " ".join(text.split())


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Read the labelled questions."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Question(r["article"], r["q"], r["kind"], tuple(r["gold_any"])) for r in rows]


def article_path(name: str) -> Path:
    """Find an article file among the repo's article folders."""
    for folder in ARTICLE_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(name)


def judge(engine: Engine, question: Question) -> Outcome:
    """Ask one question and judge the answer."""
    answer = engine.answer(question.q)
    first = answer.hits[0].passage.text if answer.hits else ""
    if not question.answerable:
        right = not answer.answered
    else:
        held = normalise(first)
        right = answer.answered and any(normalise(g) in held for g in question.gold_any)
    return Outcome(question, right, answer.answered, first)


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Engine]:
    """One index and engine per article the questions are about."""
    out: dict[str, Engine] = {}
    for name in sorted({q.article for q in load_questions()}):
        db = tmp_path_factory.mktemp("regression") / "index.db"
        build([article_path(name)], db)
        out[name] = Engine.from_db(db)
    return out


def test_questions_are_well_formed() -> None:
    questions = load_questions()
    assert len(questions) >= 60
    assert len({(q.article, q.q) for q in questions}) == len(questions)
    for q in questions:
        assert q.kind in KINDS, q
        assert q.answerable == (q.kind not in ABSTAIN_KINDS), q
    per_article = defaultdict(int)
    for q in questions:
        per_article[q.article] += 1
    assert len(per_article) == 3 and min(per_article.values()) >= 18
    share = sum(not q.answerable for q in questions) / len(questions)
    assert 0.2 <= share <= 0.3


def test_gold_phrases_are_in_the_article() -> None:
    """Every gold phrase occurs verbatim (after normalising) in some passage of its article."""
    passages = {}
    for q in load_questions():
        if q.article not in passages:
            passages[q.article] = [normalise(p.text) for p in read_article(article_path(q.article)).passages]
        for gold in q.gold_any:
            assert any(normalise(gold) in p for p in passages[q.article]), (q.q, gold)


def test_normalise() -> None:
    assert normalise("“Within reach,” he said — 9,000 park-and-ride!") == "within reach he said 9000 parkandride"
    assert normalise("Ukraine’s") == normalise("Ukraine's") == "ukraines"


@pytest.fixture(scope="module")
def holdout_engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Engine]:
    """One index and engine per holdout article."""
    out: dict[str, Engine] = {}
    for name in sorted({q.article for q in load_questions(HOLDOUT_QUESTIONS)}):
        db = tmp_path_factory.mktemp("holdout") / "index.db"
        build([HOLDOUT / name], db)
        out[name] = Engine.from_db(db)
    return out


def test_regression_accuracy(engines: dict[str, Engine]) -> None:
    outcomes = [judge(engines[q.article], q) for q in load_questions()]
    accuracy = sum(o.right for o in outcomes) / len(outcomes)
    abstain = [o for o in outcomes if not o.question.answerable]
    abstain_accuracy = sum(o.right for o in abstain) / len(abstain)
    print(report(outcomes, accuracy, abstain_accuracy))
    assert accuracy >= MIN_ACCURACY
    assert abstain_accuracy >= MIN_ABSTAIN_ACCURACY


def report(outcomes: list[Outcome], accuracy: float, abstain_accuracy: float, *, per_article: bool = False) -> str:
    """Return the per-kind table (and per-article table) and the misses, for `pytest -s`."""
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.question.kind].append(o)
    lines = ["", f"{'kind':<14} {'right':>5} / {'n':<3} acc"]
    for kind in sorted(by_kind):
        group = by_kind[kind]
        right = sum(o.right for o in group)
        lines.append(f"{kind:<14} {right:>5} / {len(group):<3} {right / len(group):.2f}")
    if per_article:
        by_article: dict[str, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            by_article[o.question.article].append(o)
        lines.append(f"{'article':<40} {'overall':>13} {'answerable':>13} {'abstain':>13}")
        for name in sorted(by_article):
            group = by_article[name]
            cells = [
                group,
                [o for o in group if o.question.answerable],
                [o for o in group if not o.question.answerable],
            ]
            shown = [f"{share_right(c):.2f} ({sum(o.right for o in c)}/{len(c)})" for c in cells]
            lines.append(f"{name:<40} {shown[0]:>13} {shown[1]:>13} {shown[2]:>13}")
        answerable = [o for o in outcomes if o.question.answerable]
        lines.append(
            f"answerable top-1 {share_right(answerable):.3f} ({sum(o.right for o in answerable)}/{len(answerable)})"
        )
    lines.append(f"overall accuracy {accuracy:.3f} ({sum(o.right for o in outcomes)}/{len(outcomes)})")
    lines.append(f"abstain accuracy {abstain_accuracy:.3f}")
    misses = [o for o in outcomes if not o.right]
    lines.append(f"misses ({len(misses)}):")
    for o in misses:
        q = o.question
        expected = "abstain" if not q.answerable else " | ".join(q.gold_any)
        lines.append(f"  [{q.article[:10]} {q.kind}] {q.q!r}")
        lines.append(f"      expected: {expected}")
        lines.append(f"      got: answered={o.answered} first={o.first[:100]!r}")
    return "\n".join(lines)


# -- the holdout set ----------------------------------------------------------------------------


def test_holdout_questions_are_well_formed() -> None:
    questions = load_questions(HOLDOUT_QUESTIONS)
    assert len(questions) >= 100
    assert len({(q.article, q.q) for q in questions}) == len(questions)
    for q in questions:
        assert q.kind in KINDS, q
        assert q.answerable == (q.kind not in ABSTAIN_KINDS), q
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[a-z0-9-]+\.txt", q.article), q
        assert (HOLDOUT / q.article).is_file(), q
    per_article: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        per_article[q.article].append(q)
    assert len(per_article) == 4 and min(len(qs) for qs in per_article.values()) >= 20
    for qs in per_article.values():
        assert {"speaker", "who_said", "fact", "typo", "offtopic", "near_offtopic"} <= {q.kind for q in qs}
    share = sum(not q.answerable for q in questions) / len(questions)
    assert 0.2 <= share <= 0.35


def test_holdout_gold_phrases_are_in_the_article() -> None:
    """Every gold phrase occurs verbatim (after normalising) in some passage of its holdout article."""
    passages: dict[str, list[str]] = {}
    for q in load_questions(HOLDOUT_QUESTIONS):
        if q.article not in passages:
            passages[q.article] = [normalise(p.text) for p in read_article(HOLDOUT / q.article).passages]
        for gold in q.gold_any:
            assert any(normalise(gold) in p for p in passages[q.article]), (q.q, gold)


def test_holdout_accuracy(holdout_engines: dict[str, Engine]) -> None:
    outcomes = [judge(holdout_engines[q.article], q) for q in load_questions(HOLDOUT_QUESTIONS)]
    accuracy = share_right(outcomes)
    answerable = share_right([o for o in outcomes if o.question.answerable])
    abstain = share_right([o for o in outcomes if not o.question.answerable])
    print(report(outcomes, accuracy, abstain, per_article=True))
    assert accuracy >= MIN_HOLDOUT_ACCURACY
    assert answerable >= MIN_HOLDOUT_ANSWERABLE_ACCURACY
    assert abstain >= MIN_HOLDOUT_ABSTAIN_ACCURACY


def share_right(outcomes: list[Outcome]) -> float:
    """Return the share of outcomes judged right (0.0 for none)."""
    return sum(o.right for o in outcomes) / len(outcomes) if outcomes else 0.0


# -- the second holdout set: generalisation ------------------------------------------------------------------


@pytest.fixture(scope="module")
def holdout2_engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Engine]:
    """One index and engine per article of the second holdout set."""
    out: dict[str, Engine] = {}
    for name in sorted({q.article for q in load_questions(HOLDOUT2_QUESTIONS)}):
        db = tmp_path_factory.mktemp("holdout2") / "index.db"
        build([HOLDOUT2 / name], db)
        out[name] = Engine.from_db(db)
    return out


def test_holdout2_questions_are_well_formed() -> None:
    questions = load_questions(HOLDOUT2_QUESTIONS)
    assert len(questions) == 100
    assert len({(q.article, q.q) for q in questions}) == len(questions)
    for q in questions:
        assert q.kind in KINDS, q
        assert q.answerable == (q.kind not in ABSTAIN_KINDS), q
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[a-z0-9-]+\.txt", q.article), q
        assert (HOLDOUT2 / q.article).is_file(), q
    per_article: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        per_article[q.article].append(q)
    assert len(per_article) == 4 and all(len(qs) == 25 for qs in per_article.values())
    for name, qs in per_article.items():
        assert {"speaker", "who_said", "fact", "typo", "offtopic", "near_offtopic"} <= {q.kind for q in qs}
        assert 12 <= len(read_article(HOLDOUT2 / name).passages) <= 20, name
    share = sum(not q.answerable for q in questions) / len(questions)
    assert 0.2 <= share <= 0.35


def test_holdout2_gold_phrases_are_in_the_article() -> None:
    """Every gold phrase occurs verbatim (after normalising) in some passage of its article in the second holdout."""
    passages: dict[str, list[str]] = {}
    for q in load_questions(HOLDOUT2_QUESTIONS):
        if q.article not in passages:
            passages[q.article] = [normalise(p.text) for p in read_article(HOLDOUT2 / q.article).passages]
        for gold in q.gold_any:
            assert any(normalise(gold) in p for p in passages[q.article]), (q.q, gold)


def test_holdout2_accuracy(holdout2_engines: dict[str, Engine]) -> None:
    outcomes = [judge(holdout2_engines[q.article], q) for q in load_questions(HOLDOUT2_QUESTIONS)]
    accuracy = share_right(outcomes)
    answerable = share_right([o for o in outcomes if o.question.answerable])
    abstain = share_right([o for o in outcomes if not o.question.answerable])
    print(report(outcomes, accuracy, abstain, per_article=True))
    assert accuracy >= MIN_HOLDOUT2_ACCURACY
    assert answerable >= MIN_HOLDOUT2_ANSWERABLE_ACCURACY
    assert abstain >= MIN_HOLDOUT2_ABSTAIN_ACCURACY


# -- the third holdout set --------------------------------------------------------------------------------------

# fixtures/holdout3/: four articles (an airline's cancellations, a mayor's bribery trial, a bank's data breach, a book
# prize) and 100 questions written before the engine was run on them. When written, the engine of f9625ef scored 0.720
# overall (72/100), 0.722 answerable top-1 (52/72) and 0.714 abstain (20/28): the generalisation figure. General fixes
# its misses prompted (organisations' statements, role resolution within an article, body nouns) then lifted it to
# 0.800 / 0.806 / 0.786, so it too is partly spent. The floors sit 0.05 below.
HOLDOUT3 = ROOT / "tests" / "fixtures" / "holdout3"
HOLDOUT3_QUESTIONS = HOLDOUT3 / "questions.jsonl"
MIN_HOLDOUT3_ACCURACY = 0.75
MIN_HOLDOUT3_ANSWERABLE_ACCURACY = 0.75
MIN_HOLDOUT3_ABSTAIN_ACCURACY = 0.73


@pytest.fixture(scope="module")
def holdout3_engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Engine]:
    """One index and engine per article of the third holdout set."""
    out: dict[str, Engine] = {}
    for name in sorted({q.article for q in load_questions(HOLDOUT3_QUESTIONS)}):
        db = tmp_path_factory.mktemp("holdout3") / "index.db"
        build([HOLDOUT3 / name], db)
        out[name] = Engine.from_db(db)
    return out


def test_holdout3_gold_phrases_are_in_the_article() -> None:
    """Every gold phrase occurs verbatim (after normalising) in some passage of its article in the third holdout."""
    passages: dict[str, list[str]] = {}
    for q in load_questions(HOLDOUT3_QUESTIONS):
        if q.article not in passages:
            passages[q.article] = [normalise(p.text) for p in read_article(HOLDOUT3 / q.article).passages]
        for gold in q.gold_any:
            assert any(normalise(gold) in p for p in passages[q.article]), (q.q, gold)


def test_holdout3_accuracy(holdout3_engines: dict[str, Engine]) -> None:
    outcomes = [judge(holdout3_engines[q.article], q) for q in load_questions(HOLDOUT3_QUESTIONS)]
    accuracy = share_right(outcomes)
    answerable = share_right([o for o in outcomes if o.question.answerable])
    abstain = share_right([o for o in outcomes if not o.question.answerable])
    print(report(outcomes, accuracy, abstain, per_article=True))
    assert accuracy >= MIN_HOLDOUT3_ACCURACY
    assert answerable >= MIN_HOLDOUT3_ANSWERABLE_ACCURACY
    assert abstain >= MIN_HOLDOUT3_ABSTAIN_ACCURACY


# -- the fourth holdout set: the generalisation figure we report ---------------------------------------------------

# fixtures/holdout4/: four articles (a city's water-price rise, a car plant's closure, a school-meals salmonella
# outbreak, an avalanche rescue) and 100 questions written before the engine was run on them, in holdout3's mix of
# kinds. Nobody tunes on this set: it is the generalisation figure. When written, the engine of b645985 scored 0.750
# overall (75/100), 0.764 answerable top-1 (55/72) and 0.714 abstain (20/28); per article 0.64 water price, 0.80 car
# plant, 0.68 school meals, 0.88 avalanche. The floors sit 0.05 below.
HOLDOUT4 = ROOT / "tests" / "fixtures" / "holdout4"
HOLDOUT4_QUESTIONS = HOLDOUT4 / "questions.jsonl"
MIN_HOLDOUT4_ACCURACY = 0.70
MIN_HOLDOUT4_ANSWERABLE_ACCURACY = 0.71
MIN_HOLDOUT4_ABSTAIN_ACCURACY = 0.66


@pytest.fixture(scope="module")
def holdout4_engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Engine]:
    """One index and engine per article of the fourth holdout set."""
    out: dict[str, Engine] = {}
    for name in sorted({q.article for q in load_questions(HOLDOUT4_QUESTIONS)}):
        db = tmp_path_factory.mktemp("holdout4") / "index.db"
        build([HOLDOUT4 / name], db)
        out[name] = Engine.from_db(db)
    return out


def test_holdout4_gold_phrases_are_in_the_article() -> None:
    """Every gold phrase occurs verbatim (after normalising) in some passage of its article in the fourth holdout."""
    passages: dict[str, list[str]] = {}
    for q in load_questions(HOLDOUT4_QUESTIONS):
        if q.article not in passages:
            passages[q.article] = [normalise(p.text) for p in read_article(HOLDOUT4 / q.article).passages]
        for gold in q.gold_any:
            assert any(normalise(gold) in p for p in passages[q.article]), (q.q, gold)


def test_holdout4_accuracy(holdout4_engines: dict[str, Engine]) -> None:
    outcomes = [judge(holdout4_engines[q.article], q) for q in load_questions(HOLDOUT4_QUESTIONS)]
    assert len(outcomes) == 100
    accuracy = share_right(outcomes)
    answerable = share_right([o for o in outcomes if o.question.answerable])
    abstain = share_right([o for o in outcomes if not o.question.answerable])
    print(report(outcomes, accuracy, abstain, per_article=True))
    assert accuracy >= MIN_HOLDOUT4_ACCURACY
    assert answerable >= MIN_HOLDOUT4_ANSWERABLE_ACCURACY
    assert abstain >= MIN_HOLDOUT4_ABSTAIN_ACCURACY
