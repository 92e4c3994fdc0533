"""Incremental builds (issue 12): only new or changed files are parsed, and the index equals a full build's."""

from __future__ import annotations

import io
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index import build as build_module
from index.__main__ import BuildProgress
from index.analysis import load_profile_chunks
from index.answer import Engine
from index.build import build
from index.models import ParsedArticle
from index.parse import ArticleError
from index.store import open_index, read_meta

ROOT = Path(__file__).resolve().parent.parent
DAVOS = ROOT / "articles" / "2026-01-22-davos-peace-talks.txt"
FIXTURES = ROOT / "tests" / "fixtures"
MORE = sorted((ROOT / "eval" / "fresh").glob("*.txt"))  # more real articles, for adding
QUESTIONS = [
    "What did Trump say?",
    "How many containers are waiting?",
    "Why did the union strike?",
    "When is the tram vote?",
    "What are the sticking points?",
    "what happens next",
    "Who is quoted?",
    "What is the article about?",
    "What did the mayor say?",
    "what did the judge say about the appeal",
    "wat did rute say",
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of four articles."""
    out = tmp_path / "articles"
    out.mkdir()
    for path in [DAVOS, *sorted(FIXTURES.glob("*.txt")), MORE[0]]:
        shutil.copy(path, out / path.name)
    return out


def postings_by_term(db: Path) -> dict[str, list[tuple[int, int]]]:
    """Each term's (document, tf) postings, whatever the term ids."""
    p = open_index(db)[1].postings
    return {
        t: list(zip(p.docs[a:b].tolist(), p.tf[a:b].tolist(), strict=True))
        for t, a, b in zip(p.terms, p.offsets[:-1].tolist(), p.offsets[1:].tolist(), strict=True)
        if b > a
    }


def assert_same_index(a: Path, b: Path) -> None:
    """Two index files hold the same articles, analysis and answers (term ids aside)."""
    (ca, la), (cb, lb) = open_index(a), open_index(b)
    assert ca.articles == cb.articles and ca.speakers == cb.speakers and list(ca.passages) == list(cb.passages)
    assert list(la.surface.items()) == list(lb.surface.items())
    assert [la.postings.terms[t] for t in la.tokens] == [lb.postings.terms[t] for t in lb.tokens]
    assert (la.token_offsets == lb.token_offsets).all() and (la.flags == lb.flags).all()
    assert la.voices == lb.voices and la.speaker_names == lb.speaker_names
    assert load_profile_chunks(la.profiles) == load_profile_chunks(lb.profiles)
    assert np.array_equal(la.postings.norm, lb.postings.norm)
    assert postings_by_term(a) == postings_by_term(b)
    ea, eb = Engine.from_db(a, remember=0), Engine.from_db(b, remember=0)
    assert ea.ranker.idf == eb.ranker.idf
    for question in QUESTIONS:
        assert ea.answer(question) == eb.answer(question)


def test_incremental_build_equals_a_full_build(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "index.db"
    first = build([folder], db)
    assert (first.parsed, first.articles) == (4, 4)
    files = sorted(folder.glob("*.txt"))
    # Change one article, remove one, add two (one sorting first, one last): the order is the folder's.
    files[1].write_text(files[1].read_text(encoding="utf-8") + "\n    A new closing paragraph about cranes.\n")
    files[2].unlink()
    shutil.copy(MORE[1], folder / "2000-01-01-early.txt")
    shutil.copy(MORE[2], folder / "2099-01-01-late.txt")
    read: list[Path] = []
    real = build_module.read_article  # type: ignore[attr-defined]

    def reading(path: Path) -> ParsedArticle:
        read.append(path)
        return real(path)

    monkeypatch.setattr(build_module, "read_article", reading)
    again = build([folder], db)
    assert sorted(p.name for p in read) == sorted([files[1].name, "2000-01-01-early.txt", "2099-01-01-late.txt"])
    assert (again.parsed, again.removed, again.articles) == (3, 1, 5)
    full = tmp_path / "full.db"
    assert build([folder], full, full=True).parsed == 5
    assert_same_index(db, full)
    assert [a.source for a in open_index(db)[0].articles] == sorted(p.name for p in folder.glob("*.txt"))


def test_unchanged_files_are_not_parsed_and_a_new_build_id_is_written(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    build([folder], db)
    before = read_meta(db)["build_id"]
    stats = build([folder], db)
    assert (stats.parsed, stats.articles) == (0, 4)
    assert read_meta(db)["build_id"] != before
    full = tmp_path / "full.db"
    build([folder], full, full=True)
    assert_same_index(db, full)


def test_a_bad_article_leaves_the_previous_index_as_it_was(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    build([folder], db)
    before = db.read_bytes()
    (folder / "2026-05-05-bad.txt").write_bytes(b"")
    with pytest.raises(ArticleError, match=r"2026-05-05-bad\.txt"):
        build([folder], db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["articles", "index.db"]  # no temporary file left


def test_an_index_of_other_analysis_code_is_rebuilt_in_full(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    build([folder], db)
    with sqlite3.connect(db) as conn:
        conn.execute("update meta set value = 'older code' where key = 'analysis'")
    assert build([folder], db).parsed == 4  # nothing of the old analysis is trusted
    with sqlite3.connect(db) as conn:
        conn.execute("update meta set value = 'older code' where key = 'analysis'")
    stale = Engine.from_db(db, remember=0)  # opened by analysing its rows again: slow, but the same answers
    fresh = tmp_path / "fresh.db"
    build([folder], fresh, full=True)
    assert [stale.answer(q) for q in QUESTIONS] == [Engine.from_db(fresh, remember=0).answer(q) for q in QUESTIONS]


def test_paths_given_in_another_order_rebuild_in_full(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    files = sorted(folder.glob("*.txt"))
    build(files, db)
    stats = build(files[::-1], db)  # the same files, the articles in another order: nothing can be spliced
    assert stats.parsed == len(files)
    full = tmp_path / "full.db"
    build(files[::-1], full, full=True)
    assert_same_index(db, full)


def test_a_reused_article_id_is_refused_naming_both_files(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    build([folder], db)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(DAVOS, other / "x.txt")
    (other / DAVOS.name).write_text("Headline\n\n    Another text.\n", encoding="utf-8")
    with pytest.raises(ArticleError, match="same article id"):
        build([folder, other], db)


def test_progress_is_quiet_when_not_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with BuildProgress() as progress:
        for n in range(1, 4):
            progress("parsing", n, 3, 10 * n)
    assert err.getvalue() == ""


def test_progress_shows_files_passages_and_time_left_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.delenv("CI", raising=False)
    clock = iter(float(n) for n in range(1000))
    monkeypatch.setattr("tqdm.std.time", lambda: next(clock))
    with BuildProgress() as progress:
        for n in range(1, 6):
            progress("parsing", n, 10, 25 * n)
    shown = err.getvalue()
    assert "parsing" in shown and "/10" in shown and "passages" in shown and "<" in shown  # elapsed<left
    monkeypatch.setenv("CI", "true")
    quiet = Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    with BuildProgress() as progress:
        progress("parsing", 1, 10, 25)
    assert quiet.getvalue() == ""


def test_a_build_joining_its_arrays_in_chunks_equals_one_that_does_not(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large builds join the arrays they gather every few hundred articles (bounded memory): here every two
    articles, so that four articles make two joined chunks; the index is the same as without."""
    shutil.copy(MORE[1], folder / "2099-01-01-fifth.txt")  # two chunks of two, and one article left over
    whole = tmp_path / "whole.db"
    build([folder], whole, full=True)
    monkeypatch.setattr("index.analysis._COMPACT", 2)
    chunked = tmp_path / "chunked.db"
    build([folder], chunked, full=True)
    assert_same_index(chunked, whole)
    assert open_index(chunked)[1].word_counts.tolist() == open_index(whole)[1].word_counts.tolist()
