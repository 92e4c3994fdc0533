"""Item 3: flood control. Per user, at most FLOOD_LIMIT questions per FLOOD_WINDOW; past it, one polite notice
rather than many replies; other users are not slowed."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from conftest import PollingBot

from bot.config import read_settings
from bot.flood import FloodGate, Verdict
from devtools.fake_bot_api import FakeBotAPI
from index.answer import Engine

LIMIT, WINDOW = 5, 2.0
FLOOD = 40
QUESTION = "What did Trump say?"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_gate_allows_the_limit_then_one_notice_then_silence_per_user() -> None:
    clock = Clock()
    gate = FloodGate(3, 10, clock)
    assert [gate.check(1) for _ in range(6)] == [Verdict.ALLOW] * 3 + [Verdict.NOTICE] + [Verdict.DROP] * 2
    assert gate.check(2) is Verdict.ALLOW  # another user is not affected
    assert "wait about 10 seconds" in gate.notice(1)
    clock.now += 10.01  # the window slides: the user may ask again, and would get a fresh notice later
    assert [gate.check(1) for _ in range(5)] == [Verdict.ALLOW] * 3 + [Verdict.NOTICE, Verdict.DROP]
    assert (gate.refused, gate.notices) == (5, 2)
    assert FloodGate(0, 10, clock).check(1) is Verdict.ALLOW  # limit 0: off


def test_gate_forgets_idle_users() -> None:
    clock = Clock()
    gate = FloodGate(2, 5, clock)
    gate.PRUNE_AT = 100
    for uid in range(100):
        gate.check(uid)
    clock.now += 6
    gate.check(1_000)
    assert len(gate.users) == 1


def test_flood_settings_are_configurable() -> None:
    s = read_settings({"FLOOD_LIMIT": "7", "FLOOD_WINDOW": "30"})
    assert (s.flood_limit, s.flood_window) == (7, 30.0)
    assert read_settings({"FLOOD_LIMIT": "0"}).flood_limit == 0


def _latency(fake: FakeBotAPI, chat: int, text: str) -> float:
    before = len(fake.sent(chat))
    started = time.monotonic()
    fake.push_text(chat, text)
    fake.wait_messages(chat, before + 1, timeout=15)
    return time.monotonic() - started


def test_a_flooding_user_gets_one_notice_and_others_are_not_slowed(
    fake_api: FakeBotAPI, polling_bot: Callable[..., PollingBot], bot_engine: Engine
) -> None:
    bot = polling_bot(bot_engine, flood_limit=LIMIT, flood_window=WINDOW)  # rate limiter on, as in production
    flooder, others = 61_001, [61_100 + i for i in range(4)]
    baseline = [_latency(fake_api, chat, QUESTION) for chat in others]
    started = time.monotonic()
    for i in range(FLOOD):
        fake_api.push_text(flooder, f"{QUESTION} {i}")
    during = [_latency(fake_api, chat, "and Rutte?") for chat in others]
    flood_seconds = time.monotonic() - started
    fake_api.wait_messages(flooder, LIMIT + 1)
    sent = fake_api.sent(flooder)
    notices = [m for m in sent if m["text"].startswith("You're asking faster")]
    assert flood_seconds < WINDOW, "the flood outlasted the window; the figures below would not mean much"
    time.sleep(max(0.0, started + WINDOW + 0.1 - time.monotonic()))
    after_window = _latency(fake_api, flooder, QUESTION)  # the window has passed: answered again
    sent_after = fake_api.sent(flooder)
    print(
        f"\n[flood] limit {LIMIT} per {WINDOW:g}s; flooder sent {FLOOD}: answered {len(sent) - len(notices)}, "
        f"notices {len(notices)}, ignored {FLOOD - len(sent)}; other users' latency p50 "
        f"{statistics.median(baseline) * 1000:.0f} ms before, {statistics.median(during) * 1000:.0f} ms during "
        f"the flood (max {max(during) * 1000:.0f} ms); after the window the flooder is answered again in "
        f"{after_window * 1000:.0f} ms"
    )
    assert len(sent) == LIMIT + 1 and len(notices) == 1
    assert "Please wait about" in notices[0]["text"]
    assert len(sent_after) == LIMIT + 2 and "Donald Trump" in sent_after[-1]["text"]
    assert all(len(fake_api.sent(chat)) == 2 for chat in others)
    assert max(during) < 1.0  # never queued behind the flood's answers
    assert not bot.errors and not fake_api.errors()
