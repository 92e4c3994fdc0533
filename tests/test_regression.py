"""Regression: our own labelled questions, asked through the engine, with accuracy floors.

Each line of fixtures/questions.jsonl is {"article", "q", "kind", "gold_any"}. An answerable question
(non-empty gold_any) is right when the engine answers and its FIRST cited passage holds a gold phrase;
an unanswerable one (offtopic, near_offtopic: empty gold_any) is right when the engine abstains.

Sets: fixtures/questions.jsonl (64 questions over three articles, two of which the engine was
built on) and five holdout sets, fixtures/holdout*/ (four articles and 100 questions each, written for
measuring by people who did not build the engine; see HOLDOUTS). Each was measured once, untuned, when
written: those first figures are the generalisation estimate. The engine was then improved with general
rules on their misses, so all are regression sets now; a fresh set is the only honest measure again.
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
QUESTIONS = ROOT / "eval" / "news" / "own" / "questions.jsonl"
ARTICLE_DIRS = (ROOT / "eval" / "news" / "own",)
KINDS = frozenset(
    "speaker who_said fact issue reason paraphrase typo keyword offtopic near_offtopic".split()
)  # fmt: skip
ABSTAIN_KINDS = frozenset({"offtopic", "near_offtopic"})

# Our own 64 questions: 0.844 (54/64), abstain 0.750 on the engine of 7dba732; 0.938 and 0.938 now.
# The floors sit about 0.05 below what the engine achieves; raise them as it improves.
MIN_ACCURACY = 0.88
MIN_ABSTAIN_ACCURACY = 0.87

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


# -- the holdout sets -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldoutSet:
    """A folder of four articles written for measuring, with 100 labelled questions and accuracy floors."""

    name: str
    floors: tuple[float, float, float]  # overall, answerable top-1, abstain
    note: str  # what it scored when written, before anyone tuned on it, and since

    @property
    def folder(self) -> Path:
        return ROOT / "eval" / "news" / self.name

    def questions(self) -> list[Question]:
        return load_questions(self.folder / "questions.jsonl")


# Each set was measured once, untuned, when written (0.770, 0.790, 0.720, 0.750, 0.720); the misses of the first
# three and the last then drove general fixes, and those of the fourth were read, so all are regression sets now.
# Floors sit about 0.05 below what the engine achieves.
HOLDOUTS = (
    HoldoutSet(
        "holdout1",
        (0.84, 0.83, 0.84),
        "tram vote, nurses' pay, wildfire, central bank, football takeover: 0.770 untuned (3522003); 0.890 since",
    ),
    HoldoutSet(
        "holdout2",
        (0.82, 0.81, 0.83),
        "ammonia leak, museum theft, drug recall, flood barrier: 0.790 untuned (52ca58f); 0.870 since",
    ),
    HoldoutSet(
        "holdout3",
        (0.75, 0.75, 0.73),
        "airline cancellations, bribery trial, bank data breach, book prize: 0.720 untuned (f9625ef); 0.790 since",
    ),
    HoldoutSet(
        "holdout4",
        (0.70, 0.71, 0.66),
        "water prices, car plant closure, school meals, avalanche: 0.750 untuned (b645985); its misses were read",
    ),
    HoldoutSet(
        "holdout5",
        (0.72, 0.70, 0.77),
        "waiting lists, festival storm, dam inspection, whale stranding: 0.720 untuned (25a7983); 0.770 since",
    ),
)


@pytest.fixture(scope="module", params=HOLDOUTS, ids=lambda h: h.name)
def holdout(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[HoldoutSet, dict]:
    """A holdout set with one index and engine per article."""
    which: HoldoutSet = request.param
    engines: dict[str, Engine] = {}
    for name in sorted({q.article for q in which.questions()}):
        db = tmp_path_factory.mktemp(which.name) / "index.db"
        build([which.folder / name], db)
        engines[name] = Engine.from_db(db)
    return which, engines


@pytest.mark.parametrize("which", HOLDOUTS, ids=lambda h: h.name)
def test_holdout_questions_are_well_formed(which: HoldoutSet) -> None:
    questions = which.questions()
    assert len(questions) >= 100
    assert len({(q.article, q.q) for q in questions}) == len(questions)
    for q in questions:
        assert q.kind in KINDS, q
        assert q.answerable == (q.kind not in ABSTAIN_KINDS), q
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[a-z0-9-]+\.txt", q.article), q
        assert (which.folder / q.article).is_file(), q
    per_article: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        per_article[q.article].append(q)
    assert len(per_article) == 4 and min(len(qs) for qs in per_article.values()) >= 20
    for name, qs in per_article.items():
        assert {"speaker", "who_said", "fact", "offtopic", "near_offtopic"} <= {q.kind for q in qs}
        assert 12 <= len(read_article(which.folder / name).passages) <= 20, name
    share = sum(not q.answerable for q in questions) / len(questions)
    assert 0.2 <= share <= 0.35


@pytest.mark.parametrize("which", HOLDOUTS, ids=lambda h: h.name)
def test_holdout_gold_phrases_are_in_the_article(which: HoldoutSet) -> None:
    """Every gold phrase occurs verbatim (after normalising) in some passage of its article."""
    passages: dict[str, list[str]] = {}
    for q in which.questions():
        if q.article not in passages:
            passages[q.article] = [normalise(p.text) for p in read_article(which.folder / q.article).passages]
        for gold in q.gold_any:
            assert any(normalise(gold) in p for p in passages[q.article]), (q.q, gold)


def test_holdout_accuracy(holdout: tuple[HoldoutSet, dict[str, Engine]]) -> None:
    which, engines = holdout
    outcomes = [judge(engines[q.article], q) for q in which.questions()]
    accuracy = share_right(outcomes)
    answerable = share_right([o for o in outcomes if o.question.answerable])
    abstain = share_right([o for o in outcomes if not o.question.answerable])
    print(f"\n== {which.name}: {which.note}")
    print(report(outcomes, accuracy, abstain, per_article=True))
    overall_floor, answerable_floor, abstain_floor = which.floors
    assert accuracy >= overall_floor
    assert answerable >= answerable_floor
    assert abstain >= abstain_floor


def share_right(outcomes: list[Outcome]) -> float:
    """Return the share of outcomes that are right (0 for none)."""
    return sum(o.right for o in outcomes) / len(outcomes) if outcomes else 0.0
