"""Reliability of the index files: bad destinations, killed builds, damaged rows, private question stores."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from bot.conversation import Conversation
from bot.live_index import LiveIndex
from bot.stats import Stats
from index.answer import Engine
from index.build import build
from index.parse import ArticleError
from index.paths import DEFAULT_ARTICLES
from index.store import STALE_SECONDS, StoreError, load_corpus


def test_a_folder_or_a_file_in_the_way_is_one_line_naming_the_path(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir.db").mkdir()
    with pytest.raises(StoreError, match=r"afile is a file, not a folder; choose another path"):
        build([DEFAULT_ARTICLES], tmp_path / "afile" / "index.db")
    with pytest.raises(StoreError, match=r"adir\.db: is a folder, not an index file"):
        build([DEFAULT_ARTICLES], tmp_path / "adir.db")


def test_a_killed_build_leaves_nothing_behind_for_the_next_one(tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    stale = [tmp_path / ".index.db.abc123.tmp", tmp_path / ".index.db.abc123.tmp-journal"]
    fresh = tmp_path / ".index.db.def456.tmp"  # another build, writing now: not ours to remove
    other = tmp_path / ".other.db.xyz.tmp"
    old = time.time() - STALE_SECONDS - 60
    for f in [*stale, fresh, other]:
        f.write_bytes(b"x" * 1000)
    for f in [*stale, other]:
        os.utime(f, (old, old))
    build([DEFAULT_ARTICLES], db)
    assert not any(f.exists() for f in stale)
    assert fresh.exists() and other.exists()
    assert db.is_file()


def _damaged_copy(tmp_path: Path, sql: str) -> Path:
    db = tmp_path / "index.db"
    build([DEFAULT_ARTICLES], db)
    with sqlite3.connect(db) as conn:
        conn.execute(sql)
    return db


@pytest.mark.parametrize(
    "sql", ["update passages set text = NULL", "update passages set kind = 'poem'", "update articles set title = NULL"]
)
def test_null_or_impossible_values_are_damage(tmp_path: Path, sql: str) -> None:
    db = _damaged_copy(tmp_path, sql)
    with pytest.raises(StoreError, match=r"damaged index .*; rebuild it with `python -m index build`"):
        load_corpus(db)


def test_a_damaged_rebuild_is_tried_once_until_the_file_changes(
    tmp_path: Path, bot_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = tmp_path / "served.db"
    build([DEFAULT_ARTICLES], served)
    live = LiveIndex(served, Conversation(Engine.from_db(served)), lambda c: None, interval=0.001)
    loads = 0
    real = Engine.from_db

    def counting(path: Path | str, **kw: object) -> Engine:
        nonlocal loads
        loads += 1
        return real(path)

    monkeypatch.setattr(Engine, "from_db", staticmethod(counting))
    (tmp_path / "new").mkdir()
    os.replace(_damaged_copy(tmp_path / "new", "update passages set text = NULL"), served)
    results = []
    for _ in range(5):
        time.sleep(0.002)
        results.append(asyncio.run(live.check()))
    assert loads == 1
    assert results[0].error and "damaged index" in results[0].error
    assert all(r.build_id == results[0].build_id for r in results)  # the old engine is still served


def test_a_parse_error_names_the_file_by_its_path(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    (tmp_path / "a" / "2026-01-01-x.txt").write_text("Headline\n\n    Fine paragraph.\n", encoding="utf-8")
    bad = tmp_path / "b" / "2026-01-01-x.txt"
    bad.write_text("", encoding="utf-8")
    with pytest.raises(ArticleError) as caught:
        build([tmp_path / "b"], tmp_path / "index.db")
    assert str(bad) in str(caught.value)


def test_the_question_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    store = tmp_path / "stats.db"
    stats = Stats(store)
    stats.record("what did Trump say", True)
    stats.close()
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
