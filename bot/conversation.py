"""The conversation: commands, follow-ups ("more", "what else did he say?", "and Rutte?") and per-chat state.

Pure: it takes an engine, the chat's state and what the user typed, and returns a reply (plain data, no
markup) with the next state. Telegram (bot/handlers.py) and the terminal (bot/console.py) share it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from index.answer import Engine, Issue
from index.models import Answer, Article, Hit, Passage, Speaker

logger = logging.getLogger(__name__)

QUOTES_PER_PAGE = 5
MORE_PER_TURN = 3

_MORE = re.compile(
    r"(?:and\s+)?(?:more|next|go on|continue|keep going|tell me more|show me more|show more|anything else|what else)"
    r"(?:\s+please)?[\s.!?]*",
    re.IGNORECASE,
)
_WHAT_ELSE = re.compile(
    r"(?:and\s+|so\s+)?what\s+else\s+(?:did|does|has|had|do|would)\s+(?:he|she|they)\s+\w+.*", re.IGNORECASE
)
_AND_X = re.compile(r"(?:and|and what about|what about|how about|what of)\s+(?P<x>[^?!.]+?)\s*[?!.]*", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(?:he|she|him|her|his|hers|they|them|their)\b", re.IGNORECASE)


@dataclass(frozen=True)
class State:
    """What one chat has asked so far: the question "more" continues, its speaker, and what was shown."""

    question: str = ""
    about: str | None = None  # the speaker the question was resolved against, if any
    speaker: str | None = None  # the last person talked about, for "he", "she"
    shown: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AnswerReply:
    """An answer to a question, or the next passages of one ("more")."""

    answer: Answer
    has_more: bool = False
    continued: bool = False  # True when these are further passages of an earlier answer


@dataclass(frozen=True)
class QuotesReply:
    """One page of quotes, of everyone or of one speaker."""

    quotes: tuple[Passage, ...]
    page: int
    pages: int
    speaker: Speaker | None = None
    speaker_key: int = -1  # position in engine.speakers, for the page buttons
    unknown_name: str | None = None  # a name that matched no speaker


@dataclass(frozen=True)
class IssuesReply:
    """The contested issues the articles list."""

    issues: tuple[Issue, ...]


@dataclass(frozen=True)
class IssueReply:
    """One issue with the passages that discuss it (issue None: no such number)."""

    issue: Issue | None
    asked: str
    count: int


@dataclass(frozen=True)
class AboutReply:
    """What the index holds."""

    articles: tuple[Article, ...]
    passages: int
    quotes: int
    speakers: tuple[str, ...]


@dataclass(frozen=True)
class StartReply:
    """The greeting, with example questions."""

    examples: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class HelpReply:
    """How to use the bot."""

    examples: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Notice:
    """A short line of plain text (nothing more to show, ask first, …)."""

    text: str


Reply = AnswerReply | QuotesReply | IssuesReply | IssueReply | AboutReply | StartReply | HelpReply | Notice


@dataclass(frozen=True)
class Turn:
    """The reply to one message and the chat's state afterwards."""

    reply: Reply
    state: State


COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Greeting and example questions"),
    ("help", "How to ask, and the commands"),
    ("quotes", "Every quote, or one speaker's: /quotes Rutte"),
    ("issues", "The contested issues; /issues 2 for one"),
    ("about", "The article and what the index holds"),
    ("ask", "Ask a question (in groups): /ask who said it"),
    ("more", "More passages for the last question"),
)


class Conversation:
    """Turns what a user types into replies, over one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        from bot.examples import example_questions

        self.examples = tuple(example_questions(engine))

    def command(self, state: State, name: str, arg: str = "") -> Turn:
        """Run a command (without its slash) with its argument text."""
        run = self.runners.get(name.lower())
        if run is None:
            return Turn(Notice(f"I don't know /{name}. Try /help."), state)
        return run(state, arg.strip())

    @property
    def runners(self) -> dict[str, Callable[[State, str], Turn]]:
        """Each command (COMMANDS) and what runs it."""
        return {
            "start": lambda state, _: Turn(StartReply(self.examples, self.title()), state),
            "help": lambda state, _: Turn(HelpReply(self.examples), state),
            "quotes": self._quotes_command,
            "issues": lambda state, arg: Turn(
                self.issue(arg) if arg else IssuesReply(tuple(self.engine.issues())), state
            ),
            "about": lambda state, _: Turn(self.about(), state),
            "more": lambda state, _: self.more(state),
            "ask": self._ask_command,
        }

    def _quotes_command(self, state: State, arg: str) -> Turn:
        # "/quotes Rutte 2": a trailing number is the page (names are never numbers).
        head, _, last = arg.rpartition(" ")
        page = small_number(last, digits=3)
        return self.quotes(state, head, page - 1) if page is not None else self.quotes(state, arg)

    def _ask_command(self, state: State, arg: str) -> Turn:
        if not arg:
            return Turn(Notice("Ask a question after /ask, like: /ask " + self._eg()), state)
        return self.ask(state, arg)

    def respond(self, state: State, text: str) -> Turn:
        """Reply to a typed line: a /command, a follow-up, or a new question."""
        text = text.strip()
        if text.startswith("/"):
            head, _, arg = text[1:].partition(" ")
            return self.command(state, head.split("@", 1)[0], arg)
        return self.ask(state, text)

    def ask(self, state: State, text: str) -> Turn:
        """Answer a question, resolving follow-ups against the chat's state."""
        text = " ".join(text.split())
        if not text:
            return Turn(Notice("Ask me anything about the article, for example: " + self._eg()), state)
        if _MORE.fullmatch(text):
            return self.more(state)
        if _WHAT_ELSE.fullmatch(text) and state.speaker:
            turn = self._answer(state, f"what did {state.speaker} say", about=state.speaker, exclude=state.shown)
            if isinstance(turn.reply, AnswerReply) and not turn.reply.answer.hits:
                return Turn(Notice(f"That's all the article reports {state.speaker} said. Try /quotes."), state)
            return turn
        m = _AND_X.fullmatch(text)
        if m and state.question:
            who = self.engine.find_speaker(m.group("x"))
            if who is not None:
                return self._answer(state, self._swap_speaker(state, who), about=who.name)
        about = state.speaker if _PRONOUN.search(text) else None
        return self._answer(state, text, about=about)

    def more(self, state: State) -> Turn:
        """Give the next passages of the last question."""
        if not state.question:
            return Turn(Notice("Ask me a question first; then “more” shows further passages."), state)
        hits = self._next_hits(state.question, state.about, state.shown)
        if not hits:
            return Turn(Notice("That's all the article says about this. Try /quotes or /issues."), state)
        answer = self.engine.answer(state.question, about=state.about, exclude=state.shown)
        shown = state.shown | {h.passage.id for h in hits}
        answer = replace(answer, hits=tuple(hits), more=())
        has_more = bool(self._next_hits(state.question, state.about, shown))
        return Turn(AnswerReply(answer, has_more=has_more, continued=True), replace(state, shown=shown))

    def quotes(self, state: State, name: str = "", page: int = 0) -> Turn:
        """Return one page of quotes, filtered by a forgiving speaker name."""
        speaker, quotes = self.engine.quotes(name or None)
        if name and speaker is None:
            return Turn(QuotesReply((), 0, 0, unknown_name=name[:80]), state)
        key = self.engine.speakers.index(speaker) if speaker is not None else -1
        if speaker is not None:
            state = replace(state, speaker=speaker.name)
        return Turn(self._quotes_page(quotes, page, speaker, key), state)

    def quotes_page(self, key: int, page: int) -> QuotesReply:
        """Return a page of quotes by speaker position (-1: everyone), for the page buttons."""
        speaker = self.engine.speakers[key] if 0 <= key < len(self.engine.speakers) else None
        _, quotes = self.engine.quotes(speaker.name if speaker else None)
        return self._quotes_page(quotes, page, speaker, key if speaker else -1)

    def issue(self, arg: str) -> IssueReply:
        """Return issue number arg with its passages."""
        issues = self.engine.issues()
        number = small_number(arg, digits=5) or 0
        found = next((i for i in issues if i.number == number), None)
        return IssueReply(found, arg[:40], len(issues))

    def about(self) -> AboutReply:
        """Describe the index."""
        e = self.engine
        return AboutReply(
            articles=tuple(e.articles.values()),
            passages=len(e.passages),
            quotes=sum(1 for p in e.passages if p.kind == "quote"),
            speakers=tuple(s.name for s in e.speakers),
        )

    # -- helpers -------------------------------------------------------------------------------

    def _answer(self, state: State, question: str, *, about: str | None, exclude: frozenset[str] = frozenset()) -> Turn:
        answer = self.engine.answer(question, about=about, exclude=exclude)
        shown = exclude | {h.passage.id for h in answer.hits}
        speaker = _speaker_of(answer) or state.speaker
        used_about = about if (answer.speaker and about and answer.speaker.name == about) else None
        new = State(question=question, about=used_about, speaker=speaker, shown=shown if answer.answered else exclude)
        has_more = answer.answered and bool(self._next_hits(question, used_about, new.shown))
        return Turn(AnswerReply(answer, has_more=has_more), new)

    def _next_hits(self, question: str, about: str | None, shown: frozenset[str]) -> list[Hit]:
        answer = self.engine.answer(question, about=about, exclude=shown)
        if not answer.answered:
            return []
        fresh = [h for h in (*answer.hits, *answer.more) if h.passage.id not in shown]
        return fresh[: max(len(answer.hits), MORE_PER_TURN)]

    def _swap_speaker(self, state: State, who: Speaker) -> str:
        """Ask the last question about another speaker ("and Rutte?")."""
        if state.about:
            old = self.engine.find_speaker(state.about)
            for alias in sorted(old.aliases if old else (state.about,), key=len, reverse=True):
                swapped = re.sub(rf"\b{re.escape(alias)}\b", who.name, state.question, flags=re.IGNORECASE)
                if swapped != state.question:
                    return swapped
        return f"what did {who.name} say"

    def _quotes_page(self, quotes: list[Passage], page: int, speaker: Speaker | None, key: int) -> QuotesReply:
        pages = max(1, -(-len(quotes) // QUOTES_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        chunk = quotes[page * QUOTES_PER_PAGE : (page + 1) * QUOTES_PER_PAGE]
        return QuotesReply(tuple(chunk), page, pages, speaker, key)

    def title(self) -> str:
        arts = list(self.engine.articles.values())
        return arts[0].title if len(arts) == 1 else f"{len(arts)} articles"

    def _eg(self) -> str:
        return self.examples[0] if self.examples else "what is the article about?"


def small_number(text: str, *, digits: int) -> int | None:
    """Read a number of at most `digits` ASCII digits typed by a user or carried by a button; None otherwise.

    Not str.isdigit(): it accepts "²" and other Unicode digits that int() refuses.
    """
    return int(text) if 0 < len(text) <= digits and text.isascii() and text.isdigit() else None


def _speaker_of(answer: Answer) -> str | None:
    if answer.speaker is not None:
        return answer.speaker.name
    if answer.answered and answer.hits and answer.hits[0].passage.speaker:
        return answer.hits[0].passage.speaker
    return None
