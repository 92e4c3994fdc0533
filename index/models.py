"""Typed values that cross every boundary: articles, passages, speakers, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PassageKind = Literal["paragraph", "quote", "item", "dateline"]  # dateline: an article's date, number 0


@dataclass(frozen=True)
class Article:
    """One parsed article: its identity and metadata."""

    id: str
    title: str
    date: str | None = None  # "YYYY-MM-DD HH:MM" when the article gives one
    tags: tuple[str, ...] = ()
    source: str = ""  # file name it was read from


@dataclass(frozen=True)
class Passage:
    """A citable unit: a paragraph, a speaker's quote or a bullet item."""

    article_id: str
    number: int  # shown to users as ¶N; stable for a given article text
    kind: PassageKind
    text: str
    speaker: str | None = None  # full name of the speaker, where attributable
    lead_in: str | None = None  # for list items: the sentence that introduces the list
    list_number: int | None = None  # for list items: which list (1-based) it belongs to

    @property
    def id(self) -> str:
        """Return the id that names this passage across articles."""
        return f"{self.article_id}#{self.number}"


@dataclass(frozen=True)
class Speaker:
    """A person the article quotes or reports, with the ways it names them."""

    article_id: str
    name: str
    roles: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedArticle:
    """What the parser produces for one file."""

    article: Article
    passages: tuple[Passage, ...]
    speakers: tuple[Speaker, ...]


@dataclass(frozen=True)
class Hit:
    """A passage the answer cites, with its score."""

    passage: Passage
    score: float


@dataclass(frozen=True)
class Answer:
    """The engine's reply to one question, free of any markup."""

    question: str
    answered: bool
    hits: tuple[Hit, ...] = ()  # cited passages, in citing order (closest passages when not answered)
    intent: str = "search"  # search | speaker | who_said | list | count | abstain
    speaker: Speaker | None = None  # the person the question is about, when resolved
    lead: str = ""  # a one-line plain-text summary of what follows
    reason: str = ""  # why the engine abstained, when it did
    more: tuple[Hit, ...] = field(default=(), compare=False)  # further passages for "more"
