"""A replaced engine is freed a slice at a time, and only what nothing else holds is taken apart."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
import time
import uuid
import weakref
from pathlib import Path

import pytest

from bot import live_index
from bot.conversation import Conversation
from bot.live_index import LiveIndex
from index import release
from index.answer import Engine
from index.build import build
from index.release import free_gradually, wait_until_unused

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = [
    ROOT / "articles" / "2026-01-22-davos-peace-talks.txt",
    ROOT / "tests" / "fixtures" / "2026-03-05-port-strike.txt",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("release") / "index.db"
    build(ARTICLES, path, vectors=False)
    return path


def test_an_engine_is_taken_apart_but_what_an_answer_holds_is_not(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(release, "SLICE", 4)  # the fixture's containers are small: drain them in slices too
    engine = Engine.from_db(db)
    answer = engine.answer("What did Witkoff say?")
    kept = answer.hits[0].passage
    text, speaker = kept.text, kept.speaker
    held_outside = engine.speakers  # someone else holds this list: it must survive
    size = len(held_outside)
    freed = free_gradually(engine)
    assert freed > 100
    assert vars(engine) == {}  # the engine itself is empty
    assert (kept.text, kept.speaker) == (text, speaker) and kept.text  # the answer's passage is whole
    assert len(held_outside) == size > 0


def test_waiting_ends_when_the_last_other_holder_lets_go() -> None:
    class Thing:
        pass

    thing = Thing()
    other = [thing]
    assert not wait_until_unused(thing, 0.05, poll=0.01)
    threading.Timer(0.05, other.clear).start()
    assert wait_until_unused(thing, 5.0, poll=0.01)


def test_a_live_swap_frees_the_replaced_engine_once_its_answers_are_done(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(release, "SLICE", 4)
    freed: list[int] = []

    def spy(conversation: object) -> int:
        freed.append(free_gradually(conversation))
        return freed[-1]

    monkeypatch.setattr(live_index, "free_gradually", spy)
    served = tmp_path / "served.db"
    served.write_bytes(db.read_bytes())
    live = LiveIndex(served, Conversation(Engine.from_db(served)), lambda c: None, interval=0.001)
    in_flight = live.conversation.engine  # an answer still running on the old engine
    gone = weakref.ref(in_flight)
    rebuilt = tmp_path / "rebuilt.db"
    rebuilt.write_bytes(db.read_bytes())
    with sqlite3.connect(rebuilt) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'build_id'", (uuid.uuid4().hex,))
    conn.close()
    os.replace(rebuilt, served)
    time.sleep(0.01)
    assert asyncio.run(live.check()).swapped
    time.sleep(0.3)
    assert in_flight.answer("What did Witkoff say?").answered  # not taken apart while still in use
    assert freed == []
    del in_flight
    deadline = time.monotonic() + 10
    while (gone() is not None or not freed) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone() is None
    assert len(freed) == 1 and freed[0] > 100  # taken apart in slices, not dropped at once
    assert live.conversation.engine.answer("What did Witkoff say?").answered


def test_a_reload_hands_the_gil_over_more_often_while_it_loads(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[float] = []
    real = Engine.from_db

    def loading(path: Path | str, **kw: bool) -> Engine:
        seen.append(sys.getswitchinterval())
        return real(path, **kw)

    monkeypatch.setattr(Engine, "from_db", staticmethod(loading))
    before = sys.getswitchinterval()  # the tests' own (conftest.py) is already short: use the default here
    sys.setswitchinterval(0.005)
    try:
        live_index._load(db)
        assert seen == [pytest.approx(live_index.LOAD_SWITCH_INTERVAL)] and seen[0] < 0.005
        assert sys.getswitchinterval() == 0.005
    finally:
        sys.setswitchinterval(before)
