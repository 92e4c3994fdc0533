"""Reliability: one user never stalls the bot. A question's cost is bounded whatever its length or shape, and
answers are computed off the event loop, so a slow one holds up no other chat."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from conftest import PollingBot

from devtools.hostile import shapes
from index.answer import Engine
from index.models import Answer
from index.text import MAX_QUESTION_CHARS

ORDINARY = ("What did Trump say?", "who is going to Moscow", "why does the US want the war over", "zelensky security")


def _seconds(engine: Engine, question: str) -> float:
    started = time.perf_counter()
    engine.answer(question)
    return time.perf_counter() - started


def test_a_hostile_question_costs_about_what_an_ordinary_one_does(bot_engine: Engine) -> None:
    """Before the cap and the bounded patterns, "Witkoff a a a …" of 4,096 characters took 1.4 s (and 610 s at
    92,000 characters through `ask --json`); an ordinary question takes well under a millisecond."""
    engine = Engine(bot_engine.corpus, remember=0)
    ordinary = statistics.median(_seconds(engine, q) for q in ORDINARY * 3)
    for name, question in shapes().items():
        worst = max(_seconds(engine, question) for _ in range(2))
        assert worst <= 30 * ordinary + 0.05, f"{name}: {1000 * worst:.1f} ms vs {1000 * ordinary:.2f} ms"
        assert len(engine.answer(question).question) <= MAX_QUESTION_CHARS


class SlowEngine(Engine):
    """The bundled engine, with one question that takes `delay` seconds to answer."""

    delay = 1.5
    slow_started = threading.Event()

    def answer(self, question: str, **kw: Any) -> Answer:
        if "slow" in question:
            self.slow_started.set()
            time.sleep(self.delay)
        return super().answer(question, **kw)


def test_a_slow_answer_in_one_chat_does_not_hold_up_another(
    polling_bot: Callable[..., PollingBot], fake_api: Any, bot_engine: Engine
) -> None:
    engine = SlowEngine(bot_engine.corpus)
    polling_bot(engine, rate_limiter=False, flood_limit=0)
    fake_api.push_text(1, "slow question about Trump")
    assert engine.slow_started.wait(10)
    asked = time.monotonic()
    fake_api.push_text(2, "What did Trump say?")
    fake_api.wait_messages(2, 1, timeout=10)
    waited = time.monotonic() - asked
    assert not fake_api.sent(1), "the slow answer should still be in progress"
    assert waited < SlowEngine.delay
    fake_api.wait_messages(1, 1, timeout=10)
