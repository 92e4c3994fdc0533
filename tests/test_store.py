"""Store and rebuild tests: the SQLite schema, loading, atomic rebuilds, and the `python -m index build` CLI."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from index.build import build, collect_files
from index.parse import ArticleError, read_article
from index.store import SCHEMA_VERSION, StoreError, load_corpus, read_meta

ROOT = Path(__file__).resolve().parent.parent
DAVOS = ROOT / "articles" / "2026-01-22-davos-peace-talks.txt"
PORT = ROOT / "tests" / "fixtures" / "2026-03-05-port-strike.txt"
TRAM = ROOT / "tests" / "fixtures" / "2026-02-11-tram-vote.txt"
ARTICLES = [DAVOS, PORT, TRAM]
REBUILD_HINT = "python -m index build"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """An index path in its own folder, so stray temporary files are easy to see."""
    folder = tmp_path / "data"
    folder.mkdir()
    return folder / "index.db"


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A folder holding copies of the three articles."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for path in ARTICLES:
        shutil.copy(path, folder / path.name)
    return folder


# -- schema -------------------------------------------------------------------------------------


def test_build_creates_tables_with_keys(db_path: Path) -> None:
    build(ARTICLES, db_path)
    db = sqlite_utils.Database(db_path)
    assert set(db.table_names()) == {"articles", "passages", "speakers", "meta", "layout", "vectors"}
    assert db.table("articles").pks == ["id"]
    assert db.table("passages").pks == ["id"]
    assert db.table("meta").pks == ["key"]
    for table in ("passages", "speakers"):
        assert [(fk.column, fk.other_table, fk.other_column) for fk in db.table(table).foreign_keys] == [
            ("article_id", "articles", "id")
        ]
    assert [(fk.column, fk.other_table) for fk in db.table("vectors").foreign_keys] == [("id", "passages")]
    assert set(db.table("passages").columns_dict) == {
        "id", "article_id", "number", "kind", "text", "speaker", "lead_in", "list_number",
    }  # fmt: skip
    assert {"id", "article_id", "name", "roles", "aliases"} <= set(db.table("speakers").columns_dict)
    assert {"id", "title", "date", "tags", "source"} <= set(db.table("articles").columns_dict)
    # The foreign keys hold: every passage and speaker points at an indexed article.
    assert db.execute("pragma foreign_key_check").fetchall() == []
    db.close()


def test_meta_table(db_path: Path) -> None:
    build(ARTICLES, db_path)
    meta = read_meta(db_path)
    assert set(meta) == {"schema_version", "analysis", "build_id", "built_at", "source_hashes", "vectors"}
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert re.fullmatch(r"[0-9a-f]{32}", meta["build_id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*", meta["built_at"])
    assert json.loads(meta["source_hashes"]) == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in ARTICLES}


def test_rows_are_readable(db_path: Path) -> None:
    build([DAVOS], db_path)
    db = sqlite_utils.Database(db_path)
    article = db.table("articles").get("2026-01-22-davos-peace-talks")
    assert article["title"].startswith("Peace talks on Ukraine")
    assert json.loads(article["tags"]) == ["USA", "UKRAINE"]
    assert article["date"] == "2026-01-22 01:59"
    rutte = db.table("passages").get("2026-01-22-davos-peace-talks#14")
    assert (rutte["kind"], rutte["speaker"], rutte["number"]) == ("quote", "Mark Rutte", 14)
    item = db.table("passages").get("2026-01-22-davos-peace-talks#19")
    assert (item["kind"], item["list_number"]) == ("item", 2)
    assert item["lead_in"] == "The United States is interested in ending the war for several reasons:"
    (witkoff,) = db.table("speakers").rows_where("name = ?", ["Steve Witkoff"])
    assert json.loads(witkoff["roles"]) == ["US Special Envoy"]
    assert "Witkoff" in json.loads(witkoff["aliases"])
    db.close()


# -- several articles, loading ------------------------------------------------------------------


def test_several_articles_round_trip(db_path: Path) -> None:
    stats = build(ARTICLES, db_path)
    parsed = [read_article(p) for p in ARTICLES]
    corpus = load_corpus(db_path)
    assert [a.id for a in corpus.articles] == [p.article.id for p in parsed]
    assert corpus.articles == tuple(p.article for p in parsed)
    assert corpus.passages == tuple(x for p in parsed for x in p.passages)
    assert corpus.speakers == tuple(x for p in parsed for x in p.speakers)
    assert corpus.build_id == read_meta(db_path)["build_id"]
    assert (stats.articles, stats.passages, stats.speakers) == (3, len(corpus.passages), len(corpus.speakers))
    assert stats.quotes == sum(1 for p in corpus.passages if p.kind == "quote")
    assert stats.seconds >= 0
    by_article = {a.id: sum(1 for p in corpus.passages if p.article_id == a.id) for a in corpus.articles}
    assert by_article == {"2026-01-22-davos-peace-talks": 25, "2026-03-05-port-strike": 19, "2026-02-11-tram-vote": 19}
    # Passage ids are unique across articles although their numbers repeat.
    assert len({p.id for p in corpus.passages}) == len(corpus.passages)


def test_folder_input_is_sorted(articles_dir: Path, db_path: Path) -> None:
    assert [p.name for p in collect_files([articles_dir])] == sorted(p.name for p in ARTICLES)
    build([articles_dir], db_path)
    assert [a.id for a in load_corpus(db_path).articles] == sorted(p.stem for p in ARTICLES)


def test_rebuild_replaces_the_index(articles_dir: Path, db_path: Path) -> None:
    build([DAVOS], db_path)
    first = read_meta(db_path)["build_id"]
    build([articles_dir], db_path)
    assert read_meta(db_path)["build_id"] != first
    assert len(load_corpus(db_path).articles) == 3
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["index.db"]


def test_same_article_id_twice_is_refused(tmp_path: Path, db_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(DAVOS, other / DAVOS.name)
    with pytest.raises(ArticleError, match="same article id"):
        build([DAVOS, other / DAVOS.name], db_path)
    assert not db_path.exists()


def test_missing_path_and_empty_folder(tmp_path: Path, db_path: Path) -> None:
    with pytest.raises(ArticleError, match=r"nothere\.txt"):
        build([tmp_path / "nothere.txt"], db_path)
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    with pytest.raises(ArticleError, match="empty-folder"):
        build([empty], db_path)
    assert list(db_path.parent.iterdir()) == []


# -- failed rebuilds leave the previous index alone ---------------------------------------------

BAD_FILES = {
    "latin1": "Überschrift\n\n    Straße und Café.\n".encode("latin-1"),
    "empty": b"",
    "headline-only": b"Only a headline\n",
    "binary": b"\x00\x01\x02\x03" * 10,
}


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_failed_rebuild_keeps_previous_index(articles_dir: Path, db_path: Path, content: bytes) -> None:
    build([articles_dir], db_path)
    before = db_path.read_bytes()
    bad = articles_dir / "2026-02-01-bad.txt"  # sorts between the good ones
    bad.write_bytes(content)
    with pytest.raises(ArticleError) as err:
        build([articles_dir], db_path)
    message = str(err.value)
    assert "2026-02-01-bad.txt" in message
    assert "\n" not in message
    assert db_path.read_bytes() == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["index.db"]
    assert len(load_corpus(db_path).articles) == 3


def test_failed_first_build_writes_nothing(tmp_path: Path, db_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    with pytest.raises(ArticleError):
        build([DAVOS, bad], db_path)
    assert list(db_path.parent.iterdir()) == []


# -- loading a missing, damaged or foreign index ------------------------------------------------


def assert_store_error(db: Path) -> str:
    """Load db, expecting a StoreError that names the file and the rebuild command."""
    with pytest.raises(StoreError) as err:
        load_corpus(db)
    message = str(err.value)
    assert str(db) in message
    assert REBUILD_HINT in message
    assert "\n" not in message
    return message


def test_load_missing_index(tmp_path: Path) -> None:
    assert "no index file" in assert_store_error(tmp_path / "missing.db")


def test_load_folder_instead_of_index(tmp_path: Path) -> None:
    folder = tmp_path / "folder.db"
    folder.mkdir()
    assert_store_error(folder)


def test_load_garbage_bytes(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not an sqlite database\x00\xff\xfe" * 200)
    assert_store_error(garbage)


def test_load_truncated_index(db_path: Path) -> None:
    build(ARTICLES, db_path)
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 2])
    assert_store_error(db_path)


def test_load_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert_store_error(empty)


def test_load_other_sqlite_database(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite_utils.Database(other).table("things").insert({"a": 1})
    assert "schema" in assert_store_error(other)


def test_load_wrong_schema_version(db_path: Path) -> None:
    build([DAVOS], db_path)
    db = sqlite_utils.Database(db_path)
    db.table("meta").update("schema_version", {"value": str(SCHEMA_VERSION + 1)})
    db.close()
    message = assert_store_error(db_path)
    assert f"schema {SCHEMA_VERSION + 1}" in message


def test_load_index_missing_tables(tmp_path: Path) -> None:
    hollow = tmp_path / "hollow.db"
    sqlite_utils.Database(hollow).table("meta").insert(
        {"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key"
    )
    assert_store_error(hollow)


def test_read_meta_on_garbage(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00garbage" * 500)
    with pytest.raises(StoreError, match=REBUILD_HINT):
        read_meta(garbage)


# -- the CLI ------------------------------------------------------------------------------------


def run_index(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m index ...` from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "index", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_build_prints_one_summary(articles_dir: Path, db_path: Path) -> None:
    result = run_index("build", articles_dir, "--db", db_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert re.match(
        r"Indexed 3 article\(s\) \(3 parsed, 0 unchanged\): 63 passages, \d+ quotes, 11 speakers in [\d.]+s", lines[0]
    )
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    assert str(db_path) in lines[0]
    assert len(load_corpus(db_path).articles) == 3


def test_cli_build_bad_file(articles_dir: Path, db_path: Path) -> None:
    assert run_index("build", articles_dir, "--db", db_path).returncode == 0
    before = db_path.read_bytes()
    (articles_dir / "2026-02-01-bad.txt").write_bytes(b"\xff\xfe\xfa not utf-8 \xc3\x28")
    result = run_index("build", articles_dir, "--db", db_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "2026-02-01-bad.txt" in lines[0]
    assert db_path.read_bytes() == before


def test_cli_build_missing_path(tmp_path: Path, db_path: Path) -> None:
    result = run_index("build", tmp_path / "nothere.txt", "--db", db_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "nothere.txt" in result.stderr
    assert not db_path.exists()
