"""Example questions derived from the indexed article itself: its speakers, its lists and its quotes.

Never a hard-coded name: the bot serves whatever article it is given, so the examples come from the index,
and each one is kept only if the engine really answers it.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator

from index.answer import Engine
from index.models import Passage, Speaker
from index.text import STOP_WORDS, fold

logger = logging.getLogger(__name__)

MAX_EXAMPLE = 60  # characters: an example must fit on a button
_QUANTIFIER = re.compile(
    r"\b(?:several|some|a few|a number of|many|the following|these|those|two|three|four|five|six|seven|eight|nine|"
    r"ten|\d+)\s+",
    re.IGNORECASE,
)


def example_questions(engine: Engine, *, want: int = 3) -> list[str]:
    """Return up to `want` short questions the engine answers, one of each kind where the article allows."""
    kinds = [_speaker_questions(engine), _list_questions(engine), _who_said_questions(engine)]
    chosen: list[str] = []
    # Round-robin over the kinds so the three examples show three different things the bot can do.
    while kinds and len(chosen) < want:
        for gen in list(kinds):
            question = next((q for q in gen if q not in chosen and _answers(engine, q)), None)
            if question is None:
                kinds.remove(gen)
            else:
                chosen.append(question)
            if len(chosen) >= want:
                break
    return chosen


def _answers(engine: Engine, question: str) -> bool:
    return len(question) <= MAX_EXAMPLE and engine.answer(question).answered


def _quoted(engine: Engine) -> list[Speaker]:
    # From the index's lookups, not by reading every passage: an archive has hundreds of thousands (issue 12).
    spoken = engine.quoted_names()
    return [s for s in engine.speakers if s.name in spoken]


def short_name(speaker: Speaker) -> str:
    """Return the shortest one-word alias of a speaker (usually the surname), or the full name."""
    single = [a for a in speaker.aliases if " " not in a and a[:1].isupper()]
    return min(single, key=len) if single else speaker.name


def _speaker_questions(engine: Engine) -> Iterator[str]:
    for s in _quoted(engine):
        yield f"What did {short_name(s)} say?"


def _list_questions(engine: Engine) -> Iterator[str]:
    seen: set[str] = set()
    for i in engine.list_item_numbers():
        p = engine.passages[i]
        if p.lead_in and p.lead_in not in seen:
            seen.add(p.lead_in)
            question = question_from_lead_in(p.lead_in)
            if question:
                yield question


def question_from_lead_in(lead_in: str) -> str | None:
    """Turn a list's lead-in ("Experts name several problematic topics:") into a question about the list."""
    sentence = re.split(r"(?<=[.!?])\s+", lead_in.strip())[-1].rstrip(":;.— ")
    matches = list(_QUANTIFIER.finditer(sentence))
    if not matches:
        return None
    m = matches[-1]
    before, phrase = sentence[: m.start()].strip(), sentence[m.end() :].strip()
    if not phrase:
        return None
    if " " not in phrase and before.lower().endswith(" for"):
        # "X is interested in Y for several reasons" -> "What are the reasons X is interested in Y?"
        rest = before[: -len(" for")]
        return f"What are the {phrase} {rest[:1].lower()}{rest[1:]}?"
    return f"What are the {phrase}?"


def _who_said_questions(engine: Engine) -> Iterator[str]:
    numbers = engine.quote_numbers()
    # Prefer a speaker other than the first one, who already has a "What did X say?" example: theirs come last.
    # Lazily: an archive has tens of thousands of quotes and the first few usually give a question.
    first = _quoted(engine)[:1]
    name = first[0].name if first else None
    others = (i for i in numbers if name is None or engine.speaker_of(i) != name)
    theirs = (i for i in numbers if name is not None and engine.speaker_of(i) == name)
    for i in itertools.chain(others, theirs):
        p: Passage = engine.passages[i]
        sentence = re.split(r"(?<=[.!?])\s+", p.text.strip())[-1]
        ws = sentence.rstrip('.!?”"').split()
        ws = ws[:6]
        while ws and (fold(ws[-1].strip(",;:")) in STOP_WORDS or not ws[-1][-1].isalnum()):
            ws.pop()
        if len(ws) >= 4:
            yield f"Who said “{' '.join(ws)}”?"
