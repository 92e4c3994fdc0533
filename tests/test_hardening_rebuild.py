"""Item 4: live rebuild, and item 5: bad state.

While the bot answers a steady stream of questions, `python -m index build` adds an article: no question fails,
and the new article becomes answerable without a restart. A missing, corrupt or older-schema index gives one
startup line naming the file and the fix; a rebuild that fails on a bad article leaves the served index as is.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, PollingBot

from bot.cli import open_engine
from bot.config import SETTINGS
from bot.handlers import APOLOGY
from devtools.fake_bot_api import TOKEN, FakeBotAPI
from index.answer import Engine
from index.build import build
from index.paths import DEFAULT_ARTICLES
from index.store import read_meta

ROOT = Path(__file__).resolve().parent.parent
NEW = FIXTURES / "2026-03-05-port-strike.txt"
OLD_QUESTION = "What did Trump say?"
NEW_QUESTION = "What did Haverkamp say?"
EVERY = 0.05  # seconds between questions of the steady stream

_chats = itertools.count(70_001)


def index_build(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the real rebuild command, as an operator would."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "index", "build", *map(str, args)], capture_output=True, text=True, env=env, timeout=60
    )


def test_rebuild_while_answering_swaps_the_new_article_in(
    fake_api: FakeBotAPI, polling_bot: Callable[..., PollingBot], tmp_path: Path
) -> None:
    db = tmp_path / "index.db"
    build([DEFAULT_ARTICLES], db)
    bot = polling_bot(Engine.from_db(db), index_path=db, index_check_seconds=1.0)
    asked: list[tuple[int, str, float]] = []
    stop = threading.Event()

    def stream() -> None:
        for i in itertools.count():
            if stop.is_set():
                return
            chat, question = next(_chats), (OLD_QUESTION, NEW_QUESTION)[i % 2]
            asked.append((chat, question, time.monotonic()))
            fake_api.push_text(chat, question)
            time.sleep(EVERY)

    streamer = threading.Thread(target=stream, daemon=True)
    streamer.start()
    time.sleep(0.5)
    result = index_build(DEFAULT_ARTICLES, NEW, "--db", db)
    built_at = time.monotonic()
    assert result.returncode == 0, result.stderr

    def first_new_answer() -> float | None:
        for chat, question, at in asked:
            sent = fake_api.sent(chat)
            if question == NEW_QUESTION and sent and "Elin Haverkamp" in sent[0]["text"]:
                return at
        return None

    try:
        fake_api.wait_for(first_new_answer, timeout=20)
        time.sleep(0.5)  # a little more of the stream on the new index
    finally:
        stop.set()
        streamer.join()
    for chat, _, _ in asked:
        fake_api.wait_messages(chat, 1, timeout=15)
    answered_at = first_new_answer()
    assert answered_at is not None
    failed = [c for c, _, _ in asked if any(m["text"] == APOLOGY for m in fake_api.sent(c))]
    duplicates = sum(len(fake_api.sent(c)) - 1 for c, _, _ in asked)
    new_answers = sum(1 for c, q, _ in asked if q == NEW_QUESTION and "Elin Haverkamp" in fake_api.sent(c)[0]["text"])
    old_answers = sum(1 for c, q, _ in asked if q == OLD_QUESTION and "Donald Trump" in fake_api.sent(c)[0]["text"])
    live = bot.app.bot_data.live
    print(
        f"\n[rebuild] questions {len(asked)} (one every {EVERY * 1000:.0f} ms); failed {len(failed)}; duplicates "
        f"{duplicates}; old article answered {old_answers}/{len(asked) - len(asked) // 2}; new article answered "
        f"{new_answers}/{len(asked) // 2} (abstained before the swap); `python -m index build` took "
        f"{result.stdout.split(' in ')[-1].split('s')[0]}s; new article answerable {answered_at - built_at:+.2f}s "
        f"after the build finished; swaps {live.swaps}; restarts 0"
    )
    assert not failed and duplicates == 0 and not bot.errors and not fake_api.errors()
    assert old_answers == len(asked) - len(asked) // 2  # the old article stays answerable throughout
    assert live.swaps == 1 and bot.app.bot_data.conversation.engine.build_id == read_meta(db)["build_id"]
    assert answered_at - built_at < 3.0


def test_a_failed_rebuild_leaves_the_served_index_untouched(
    fake_api: FakeBotAPI, polling_bot: Callable[..., PollingBot], tmp_path: Path
) -> None:
    db = tmp_path / "index.db"
    build([DEFAULT_ARTICLES], db)
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    bot = polling_bot(Engine.from_db(db), index_path=db, index_check_seconds=0.2, admin_user_ids=frozenset({5}))
    bad = tmp_path / "2026-04-01-bad.txt"
    bad.write_bytes(b"\xff\xfe not utf-8 \x80")
    result = index_build(DEFAULT_ARTICLES, bad, "--db", db)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and str(bad) in result.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    time.sleep(0.5)  # several index checks
    fake_api.push_text(5, "/reload")
    assert fake_api.wait_messages(5, 1)[0]["text"].startswith("The index is unchanged; serving build")
    # A file that is not an index at all appears in its place: logged, and the old engine stays served.
    db.write_bytes(b"garbage" * 100)
    fake_api.push_text(5, "/reload")
    reply = fake_api.wait_messages(5, 2)[-1]["text"]
    assert reply.startswith("Reload failed:") and "python -m index build" in reply and "Still serving" in reply
    chat = next(_chats)
    fake_api.push_text(chat, OLD_QUESTION)
    assert "Donald Trump" in fake_api.wait_messages(chat, 1)[0]["text"]
    assert bot.app.bot_data.live.swaps == 0 and not bot.errors


def _older_schema(path: Path, source: Path) -> Path:
    shutil.copy(source, path)
    with sqlite3.connect(path) as conn:
        conn.execute("update meta set value = ? where key = ?", ("0", "schema_version"))
    conn.close()
    return path


@pytest.fixture(scope="module")
def good_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("good") / "index.db"
    build([DEFAULT_ARTICLES], db)
    return db


@pytest.mark.parametrize("state", ["corrupt", "older schema", "empty", "a folder"])
def test_bad_index_gives_one_startup_line_naming_the_file_and_the_fix(
    state: str, tmp_path: Path, good_db: Path
) -> None:
    db = tmp_path / "index.db"
    if state == "corrupt":
        db.write_bytes(b"SQLite format 3\x00" + os.urandom(2000))
    elif state == "older schema":
        _older_schema(db, good_db)
    elif state == "empty":
        db.write_bytes(b"")
    else:
        db.mkdir()
    clean = {k: v for k, v in os.environ.items() if not any(k == s.name for s in SETTINGS)}
    env = {**clean, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN, "INDEX_DB": str(db),
           "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "bot"], capture_output=True, text=True, env=env, timeout=60,
                            cwd=tmp_path)  # fmt: skip
    print(f"\n[bad state: {state}] exit {result.returncode}: {result.stderr.strip()}")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {db}")
    assert "python -m index build" in result.stderr
    assert result.stdout == ""


def test_missing_index_is_built_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "sub" / "index.db"
    engine = open_engine(db)
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"No index at {db}") and "python -m index build" in err[0]
    assert engine.passages and db.is_file()
