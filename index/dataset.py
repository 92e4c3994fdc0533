"""Labelled questions: loading the sets under eval/, and judging an answer the way the scorer does.

A set is a folder of article files with a `questions.jsonl`, one question per line:
{"article": file name, "q": question, "kind": kind, "gold_any": [phrases]}. An answerable question (some gold
phrase) is right when the answer is given and its FIRST cited passage holds a gold phrase; an unanswerable one
(no gold phrase) is right when the engine says the article does not answer it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.models import Answer

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval"
NEWS = EVAL / "news"
SQUAD = EVAL / "squad"

_APOSTROPHES = re.compile(r"[\u2018\u2019\u201a\u201b`\u00b4]")
_QUOTES = re.compile(r"[\u201c\u201d\u201e\u00ab\u00bb]")


def norm(text: str) -> str:
    """Lower-case, unify quote marks, turn punctuation into spaces and collapse them (as the scorer does)."""
    text = _QUOTES.sub('"', _APOSTROPHES.sub("'", text.lower()))
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Labelled:
    """One labelled question about one article of a set."""

    set: str
    article: str  # file name
    q: str
    kind: str
    gold: tuple[str, ...]  # normalised gold phrases; empty: the article does not answer it

    @property
    def answerable(self) -> bool:
        """Tell whether the article answers the question."""
        return bool(self.gold)

    def holds(self, text: str) -> bool:
        """Tell whether a passage's text holds one of the gold phrases."""
        folded = norm(text)
        return any(g in folded for g in self.gold)

    def right(self, answer: Answer) -> bool:
        """Judge an answer: the first cited passage holds the answer, or an unanswerable question is refused."""
        if not self.answerable:
            return not answer.answered
        return answer.answered and bool(answer.hits) and self.holds(answer.hits[0].passage.text)


@dataclass(frozen=True)
class LabelledSet:
    """A folder of articles and the questions about them."""

    name: str
    folder: Path
    questions: tuple[Labelled, ...]

    def article_path(self, article: str) -> Path:
        """Return the file of one of the set's articles."""
        return self.folder / "articles" / article if (self.folder / "articles").is_dir() else self.folder / article

    @property
    def articles(self) -> list[str]:
        """The set's article file names, in order of first question."""
        return list(dict.fromkeys(q.article for q in self.questions))


def load_set(folder: Path, name: str | None = None) -> LabelledSet:
    """Read one labelled set."""
    name = name or folder.name
    rows = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    questions = tuple(
        Labelled(name, r["article"], r["q"], r["kind"], tuple(norm(g) for g in r.get("gold_any", ()) if norm(g)))
        for r in rows
        if r
    )
    return LabelledSet(name, folder, questions)


def news_sets(root: Path = NEWS) -> list[LabelledSet]:
    """Every labelled news set under eval/news, by name."""
    return [load_set(d) for d in sorted(root.iterdir()) if (d / "questions.jsonl").exists()]


def squad_set() -> LabelledSet:
    """The SQuAD 2.0 sample (eval/squad): Wikipedia articles, crowd-written questions."""
    return load_set(SQUAD, "squad")


def by_article(sets: Iterable[LabelledSet]) -> Iterator[tuple[LabelledSet, str, list[Labelled]]]:
    """Each (set, article, its questions)."""
    for s in sets:
        for article in s.articles:
            yield s, article, [q for q in s.questions if q.article == article]
