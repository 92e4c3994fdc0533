"""Question statistics for /stats, and the only place question text may be kept.

By default (STORE_QUESTIONS off) nothing a user types is stored: three counters live in memory since start.
With STORE_QUESTIONS on, each question is kept in a small SQLite file of its own (STATS_DB, never the index):
its text, whether it was answered and when, and no user or chat id. Every statement is a constant with bound
parameters; user text only ever travels as a parameter.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from index.text import QUESTION_WORDS, STOP_WORDS, words

logger = logging.getLogger(__name__)

KEEP = 10_000  # questions kept in the store; older ones are deleted
TOPICS = 5
TOPIC_SAMPLE = 2_000  # recent unanswered questions the topics are drawn from
MAX_STORED_CHARS = 1_000

_SCHEMA = (
    "create table if not exists questions ("
    " id integer primary key,"
    " asked_at text not null,"
    " answered integer not null,"
    " text text not null)"
)
_INSERT = "insert into questions (asked_at, answered, text) values (?, ?, ?)"
_COUNTS = "select count(*), coalesce(sum(answered), 0) from questions"
_UNANSWERED = "select text from questions where answered = 0 order by id desc limit ?"
_PRUNE = "delete from questions where id <= (select max(id) from questions) - ?"


_NOT_TOPICS = STOP_WORDS | QUESTION_WORDS


@dataclass(frozen=True)
class Summary:
    """What /stats shows."""

    questions: int
    answered: int
    abstained: int
    stored: bool  # True: counts are all time, from the store; False: since start, in memory
    topics: tuple[tuple[str, int], ...] = ()  # top words of unanswered questions (store only)

    def lines(self) -> list[str]:
        """Return the summary as plain text lines."""
        scope = "all time" if self.stored else "since start; question text is not stored"
        out = [
            f"Questions: {self.questions} ({scope})",
            f"Answered: {self.answered}",
            f"Not in the article: {self.abstained}",
        ]
        if self.stored:
            topics = ", ".join(f"{word} ({n})" for word, n in self.topics) or "none yet"
            out.append(f"Top unanswered topics: {topics}")
        return out


class StatsError(RuntimeError):
    """The question store cannot be opened; the message names the file and the fix."""


class Stats:
    """Counts questions; keeps their text only when given a store path."""

    def __init__(self, store: Path | None = None) -> None:
        self.questions = 0
        self.answered = 0
        self.path = store
        self.db: sqlite3.Connection | None = None
        if store is not None:
            try:
                store.parent.mkdir(parents=True, exist_ok=True)
                # Question text is private: the file (and SQLite's -wal and -shm beside it) for its owner only.
                os.close(os.open(store, os.O_CREAT | os.O_RDWR, 0o600))
                self.db = sqlite3.connect(store, check_same_thread=False, isolation_level=None)
                self.db.execute("pragma journal_mode = wal")
                self.db.execute("pragma synchronous = normal")
                self.db.execute(_SCHEMA)
                self.db.execute(_COUNTS).fetchone()
                for part in (store, store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")):
                    if part.exists():
                        part.chmod(0o600)
            except (OSError, sqlite3.Error) as exc:
                raise StatsError(
                    f"{store}: cannot open the question store ({exc}); fix STATS_DB or set STORE_QUESTIONS=off"
                ) from exc

    def record(self, question: str, answered: bool) -> None:
        """Count one question (and keep its text if storing is on)."""
        self.questions += 1
        self.answered += answered
        if self.db is None:
            return
        try:
            self.db.execute(_INSERT, (time.strftime("%Y-%m-%dT%H:%M:%S"), int(answered), question[:MAX_STORED_CHARS]))
            if self.questions % 100 == 0:
                self.db.execute(_PRUNE, (KEEP,))
        except sqlite3.Error:
            logger.warning("Could not store a question in %s", self.path, exc_info=True)

    def summary(self) -> Summary:
        """Return the aggregates /stats shows."""
        if self.db is None:
            return Summary(self.questions, self.answered, self.questions - self.answered, stored=False)
        total, answered = self.db.execute(_COUNTS).fetchone()
        texts = [row[0] for row in self.db.execute(_UNANSWERED, (TOPIC_SAMPLE,))]
        return Summary(total, answered, total - answered, stored=True, topics=top_topics(texts))

    def close(self) -> None:
        """Close the store."""
        if self.db is not None:
            self.db.close()
            self.db = None


def top_topics(texts: list[str], n: int = TOPICS) -> tuple[tuple[str, int], ...]:
    """Return the content words most unanswered questions share, each counted once per question."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({w for w in words(text) if len(w) > 2 and not w.isdigit() and w not in _NOT_TOPICS})
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n])
