"""The SQLite index, through sqlite-utils: schema, atomic (and incremental) rebuild, and opening.

This is the only module that touches SQLite. The file holds the rows people browse (articles, passages,
speakers: `sqlite-utils tables data/index.db --counts`, Datasette) and what the answering step derives from
them, written at build time under the same build id: the layout (table `layout`: one row per array, raw
little-endian bytes read straight into NumPy; see index/analysis.py), which the engine opens and an incremental
build splices. Opening reads the layout, not the rows: passages are read by rowid when an answer needs them.
"""

from __future__ import annotations

import glob
import itertools
import json
import logging
import operator
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from index import lexicon
from index.analysis import (
    WORD_SOURCES,
    ArticleAnalysis,
    Combiner,
    Layout,
    TermTable,
    WordTable,
    analyse,
    analyse_article,
    fingerprint,
    load_profile_chunks,
    splice,
)
from index.dense import BUILD_WORKERS, ENCODER, encode_passages, from_blob, to_blob
from index.lexicon import English
from index.models import Article, ParsedArticle, Passage, Speaker
from index.question import SpeakerLookups
from index.rank import Postings

if TYPE_CHECKING:  # sqlite-utils is only imported to write: opening an index reads it with sqlite3 alone
    import sqlite_utils
    import sqlite_utils.db

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # 2: the layout table (issue 12)


class StoreError(RuntimeError):
    """The index file is missing, unreadable or of another schema; the message says how to fix it."""


@dataclass(frozen=True)
class Corpus:
    """Everything loaded from one index file."""

    articles: tuple[Article, ...]
    passages: Sequence[Passage]  # a tuple, or an opened index's StoredPassages (read on demand)
    speakers: tuple[Speaker, ...]
    build_id: str
    built_at: str

    @classmethod
    def of(cls, parsed: list[ParsedArticle], *, build_id: str = "in-memory") -> Corpus:
        """Hold parsed articles as a corpus without writing an index file (fitting and evaluation)."""
        return cls(
            articles=tuple(p.article for p in parsed),
            passages=tuple(x for p in parsed for x in p.passages),
            speakers=tuple(x for p in parsed for x in p.speakers),
            build_id=build_id,
            built_at="",
        )


Progress = Callable[[str, int, int, int], None]  # (step, files done, files in all, passages so far): a progress bar


def write_index(
    parsed: Iterable[ParsedArticle],
    db_path: Path,
    *,
    hashes: dict[str, str],
    base: Path | None = None,
    keep: Sequence[str] = (),
    order: Sequence[str] | None = None,
    vectors: bool = True,
) -> dict[str, int]:
    """Write an index to a temporary file beside db_path, then rename it over db_path.

    Without `base`, the index holds the `parsed` articles. With `base` (an index of this schema and analysis,
    see `reusable`), it starts as a copy of that file: the articles of its sources in `keep` stay as they
    were (rows and layout), every other article is dropped, and the `parsed` ones are added. `order` lists
    every article's source in index order (default: `keep`, then `parsed`); kept articles must stay in their
    previous order (`indexed_sources`). A reader never sees a
    half-written index, and a failure (an error raised by `parsed` too: it may be a generator that parses as
    it goes) leaves the previous file as it was. With `vectors`, each new passage's sentence vector is
    stored too (index/dense.py; `base` must hold them as well, see `reusable`). Returns the index's counts
    (passages, quotes, speakers).
    """
    if db_path.is_dir():
        raise StoreError(f"{db_path}: is a folder, not an index file; give a file path with --db or INDEX_DB")
    blocking = next((p for p in db_path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise StoreError(f"{db_path}: {blocking} is a file, not a folder; {_ELSEWHERE}")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        clear_stale_temporaries(db_path)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
        os.close(fd)
    except OSError as exc:
        raise StoreError(f"{db_path}: cannot write the index there ({exc.strerror or exc}); {_ELSEWHERE}") from exc
    tmp = Path(tmp_name)
    try:
        import sqlite_utils

        if base is not None:
            shutil.copyfile(base, tmp)
        db = sqlite_utils.Database(tmp)
        db.conn.execute("PRAGMA journal_mode = OFF")  # the temporary file is thrown away on any failure
        db.conn.execute("PRAGMA synchronous = OFF")  # and fsync'd once before the rename
        with db.conn:
            old: Layout | None = None
            if base is None:
                _create_schema(db)
                table, words = TermTable(), WordTable()
            else:
                old, old_rowids = _layout_of(_read_layout(db.conn), _layout_types(db.conn))
                table, words = TermTable(old.postings.terms), old.words or WordTable()
                _drop_articles(db, keep)
            combiner = Combiner(table, words)
            streaming = base is None and order is None
            added: dict[str, ArticleAnalysis] = {}
            for p in parsed:
                analysed = analyse_article(p.article, p.passages, p.speakers, table)
                _insert_article(db, p, hashes.get(p.article.source, ""))
                if vectors:
                    _insert_vectors(db, p.passages)
                if streaming:
                    combiner.add(analysed)  # a full build streams: nothing of an article is held after this
                else:
                    added[p.article.source] = analysed
            if old is None:
                for source in order or []:
                    combiner.add(added[source])
                layout = combiner.finish()
                rowids = _passage_rowids(db.conn, layout)
            else:
                numbered = {a.source: n for n, a in enumerate(old.articles)}
                sources = list(order) if order is not None else [*keep, *added]
                plan = [added[src] if src in added else numbered[src] for src in sources]
                kept_order = [x for x in plan if isinstance(x, int)]
                if kept_order != sorted(kept_order) or old.words is None:
                    raise StoreError(f"{db_path}: the kept articles changed order; build with --full")
                layout = splice(old, plan, table)  # an incremental build: the old layout, spliced
                rowids = _spliced_rowids(db.conn, old, old_rowids, plan)
            _write_layout(db, layout, table, rowids)
            counts = {
                "passages": layout.size,
                "quotes": db.conn.execute("SELECT count(*) FROM passages WHERE kind = 'quote'").fetchone()[0],
                "speakers": len(layout.speakers),
            }
            _table(db, "meta").upsert_all(
                [
                    {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                    {"key": "analysis", "value": fingerprint()},
                    {"key": "build_id", "value": uuid.uuid4().hex},
                    {"key": "built_at", "value": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
                    {"key": "source_hashes", "value": json.dumps(hashes, sort_keys=True)},
                    {"key": "vectors", "value": ENCODER if vectors else "none"},
                ],
                pk="key",
            )
        db.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        tmp.chmod(0o644)  # mkstemp makes 0600: a bot or Datasette running as another user must read it
        os.replace(tmp, db_path)
        return counts
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}-journal").unlink(missing_ok=True)
        if isinstance(exc, OSError | sqlite3.OperationalError):
            raise StoreError(f"{db_path}: cannot write the index there ({exc}); {_ELSEWHERE}") from exc
        raise


def reusable(db_path: Path, *, vectors: bool = True) -> dict[str, str] | None:
    """The source hashes of an index an incremental build can start from (this schema, this analysis code,
    vectors by this encoder or none as asked, readable), or None: then the build starts from scratch."""
    try:
        meta = read_meta(db_path)
    except StoreError:
        return None
    if meta.get("schema_version") != str(SCHEMA_VERSION) or meta.get("analysis") != fingerprint():
        return None
    if meta.get("vectors") != (ENCODER if vectors else "none"):
        return None
    try:
        hashes = json.loads(meta.get("source_hashes", ""))
    except ValueError:
        return None
    return hashes if isinstance(hashes, dict) else None


_DROP_PASSAGES = (
    "DELETE FROM passages WHERE article_id IN "
    "(SELECT id FROM articles WHERE source NOT IN (SELECT value FROM json_each(?)))"
)
_DROP_SPEAKERS = (
    "DELETE FROM speakers WHERE article_id IN "
    "(SELECT id FROM articles WHERE source NOT IN (SELECT value FROM json_each(?)))"
)
_DROP_ARTICLES = "DELETE FROM articles WHERE source NOT IN (SELECT value FROM json_each(?))"
_DROP_VECTORS = "DELETE FROM vectors WHERE id NOT IN (SELECT id FROM passages)"


def indexed_sources(db_path: Path) -> list[str]:
    """The source files of an index's articles, in index order."""
    conn = _open(db_path)
    try:
        row = conn.execute("SELECT dtype, data FROM layout WHERE name = 'sources'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise _unreadable(db_path, exc) from exc
    finally:
        conn.close()
    if not row or not row[1]:
        return []
    return json.loads(row[1]) if row[0] == "json" else row[1].decode().split("\n")  # type: ignore[no-any-return]


def article_sources(db_path: Path) -> dict[str, str]:
    """The article id of each source file in an index."""
    conn = _open(db_path)
    try:
        return {source: article_id for article_id, source in conn.execute("SELECT id, source FROM articles")}
    except sqlite3.DatabaseError as exc:
        raise _unreadable(db_path, exc) from exc
    finally:
        conn.close()


def _drop_articles(db: sqlite_utils.Database, keep: Sequence[str]) -> None:
    """Delete the articles (and their rows) whose source is not in keep."""
    kept = (json.dumps(list(keep)),)
    db.conn.execute(_DROP_PASSAGES, kept)
    db.conn.execute(_DROP_SPEAKERS, kept)
    db.conn.execute(_DROP_ARTICLES, kept)
    db.conn.execute(_DROP_VECTORS)


def _spliced_rowids(
    conn: sqlite3.Connection, old: Layout, old_rowids: np.ndarray, plan: Sequence[int | ArticleAnalysis]
) -> np.ndarray:
    """The passages' rowids after `splice`: kept articles keep theirs (the file was copied), new ones are read."""
    first = old.article_first.tolist()
    parts = []
    for item in plan:
        if isinstance(item, int):
            parts.append(old_rowids[first[item] : first[item + 1]])
        else:
            rows = conn.execute("SELECT rowid FROM passages WHERE article_id = ? ORDER BY number", (item.article.id,))
            parts.append(np.asarray([r[0] for r in rows], dtype=np.int64))
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def _passage_rowids(conn: sqlite3.Connection, layout: Layout) -> np.ndarray:
    """The rowid of each passage of the layout, in its order."""
    where = {a.id: n for n, a in enumerate(layout.articles)}
    rowids = np.zeros(layout.size, dtype=np.int64)
    first = layout.article_first
    numbers = layout.numbers
    for rowid, article_id, number in conn.execute("SELECT rowid, article_id, number FROM passages"):
        a = where[article_id]
        at = int(first[a]) + number - 1
        if not (first[a] <= at < first[a + 1]) or numbers[at] != number:
            at = int(first[a]) + int(np.flatnonzero(numbers[first[a] : first[a + 1]] == number)[0])
        rowids[at] = rowid
    return rowids


_INSERT_LAYOUT = "INSERT INTO layout (name, dtype, data) VALUES (?, ?, ?)"


def _write_layout(db: sqlite_utils.Database, layout: Layout, table: TermTable, rowids: np.ndarray) -> None:
    p = layout.postings
    texts: dict[str, str] = {
        "terms": "\n".join(table.terms),
        "surface_words": "\n".join(layout.surface),
        "surface_stems": "\n".join(layout.surface.values()),
        "speaker_names": layout.speaker_names,
    }
    arrays: dict[str, np.ndarray] = {
        "article_first": layout.article_first, "numbers": layout.numbers, "tokens": layout.tokens,
        "token_offsets": layout.token_offsets, "flags": layout.flags, "said_by": layout.said_by,
        "rowids": rowids, "offsets": p.offsets, "docs": p.docs, "tf": p.tf, "idf": p.idf, "norm": p.norm,
        "lengths": layout.lengths, "word_counts": layout.word_counts,
        **{f"word_ids_{source}": ids for source, ids in layout.word_ids.items()},
    }  # fmt: skip
    if layout.words is not None:
        texts["words"] = "\n".join(layout.words.words)
        texts["word_stems"] = "\n".join(layout.words.stems)
    db.conn.execute("DELETE FROM layout")
    for k, v in texts.items():
        db.conn.execute(_INSERT_LAYOUT, (k, "text", v.encode()))
    for k, (kind, data) in _record_columns(layout).items():
        db.conn.execute(_INSERT_LAYOUT, (k, kind, data))
    for k, a in arrays.items():  # one at a time, and without a copy: the arrays are most of a build's memory
        little = np.ascontiguousarray(_little(a))
        _insert_blob(db.conn, k, little.dtype.str, [little.data.cast("B")])
    _insert_blob(db.conn, "profiles", "bytes", layout.profiles)
    lookups = layout.lookups or SpeakerLookups.of(load_profile_chunks(layout.profiles))
    for k, (kind, data) in _lookup_columns(lookups).items():
        db.conn.execute(_INSERT_LAYOUT, (k, kind, data))
    english = lexicon.english()
    for name, data in {"words": english.words, "offsets": english.offsets, "counts": english.counts}.items():
        db.conn.execute(_INSERT_LAYOUT, (f"english_{name}", "bytes", data))
    bounds = np.concatenate([[0], np.cumsum([len(c) for c in layout.profiles])]).astype("<i8")
    db.conn.execute(_INSERT_LAYOUT, ("profile_offsets", bounds.dtype.str, bounds.tobytes()))


_BLOB_PIECE = 1 << 22  # bytes written at a time into a layout row


def _insert_blob(conn: sqlite3.Connection, name: str, dtype: str, pieces: Sequence[bytes | memoryview]) -> None:
    """A layout row whose data is the pieces joined, written through SQLite's blob I/O a few megabytes at a time:
    binding the whole value would make SQLite copy it first (a 240 MB array at 100,000 articles)."""
    size = sum(len(piece) for piece in pieces)
    row = conn.execute("INSERT INTO layout (name, dtype, data) VALUES (?, ?, zeroblob(?))", (name, dtype, size))
    if not size:
        return
    assert row.lastrowid is not None
    with conn.blobopen("layout", "data", row.lastrowid) as blob:
        for piece in pieces:
            view = memoryview(piece).cast("B")
            for at in range(0, len(view), _BLOB_PIECE):
                blob.write(view[at : at + _BLOB_PIECE])


_LOOKUPS = ("token", "qualifier", "head")


def _lookup_columns(lookups: SpeakerLookups) -> dict[str, tuple[str, bytes]]:
    """The speakers' lookups as columns: per map, its keys (lines), where each key's numbers start, the numbers."""
    out: dict[str, tuple[str, bytes]] = {}
    for name in _LOOKUPS:
        groups: Mapping[str, Sequence[int]] = getattr(lookups, f"by_{name}")
        bounds = np.cumsum([0, *(len(v) for v in groups.values())]).astype("<i8")
        values = np.fromiter((n for v in groups.values() for n in v), dtype="<i4")
        out[f"speakers_by_{name}"] = _column(list(groups))
        out[f"speakers_by_{name}_offsets"] = (bounds.dtype.str, bounds.tobytes())
        out[f"speakers_by_{name}_numbers"] = (values.dtype.str, values.tobytes())
    out["speaker_offices"] = _column(sorted(lookups.offices))
    return out


class _Groups(Mapping[str, Sequence[int]]):
    """Key -> speaker numbers, read off stored arrays (no list is made until a key is asked for)."""

    def __init__(self, keys: list[str], offsets: np.ndarray, numbers: np.ndarray) -> None:
        self._keys = keys
        self._at = dict(zip(keys, range(len(keys)), strict=True))
        self._offsets = offsets
        self._numbers = numbers

    def __getitem__(self, key: str) -> list[int]:
        i = self._at[key]
        start, end = self._offsets[i : i + 2].tolist()
        found: list[int] = self._numbers[start:end].tolist()
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _stored_array(stored: dict[str, bytes], typed: dict[str, str], name: str) -> np.ndarray:
    """A layout row read as the array it was written from (no copy)."""
    return np.frombuffer(stored[name], dtype=np.dtype(typed[name]))


def _stored_column(stored: dict[str, bytes], typed: dict[str, str], name: str, size: int | None = None) -> list[Any]:
    """A column of `_column`; with `size`, checked to hold that many values (a line column of none is empty)."""
    data = stored[name]
    if typed[name] == "json":
        values: list[Any] = json.loads(data)
    else:
        values = data.decode().split("\n") if (size if size is not None else data) else []
    if size is not None and len(values) != size:
        raise ValueError(f"layout column {name}: {len(values)} values, {size} expected")
    return values


def _lookups(stored: dict[str, bytes], typed: dict[str, str]) -> SpeakerLookups:
    """The speakers' lookups from `_lookup_columns`."""

    def array(name: str) -> np.ndarray:
        return _stored_array(stored, typed, name)

    def column(name: str, size: int | None = None) -> list[str]:
        return _stored_column(stored, typed, name, size)

    def groups(name: str) -> _Groups:
        offsets = array(f"speakers_by_{name}_offsets")
        return _Groups(column(f"speakers_by_{name}", len(offsets) - 1), offsets, array(f"speakers_by_{name}_numbers"))

    return SpeakerLookups(
        by_token=groups("token"),
        by_qualifier=groups("qualifier"),
        by_head=groups("head"),
        offices=frozenset(column("speaker_offices")),
    )


_RECORDS = (
    "article_ids", "article_titles", "article_dates", "sources", "article_tag_counts", "article_tags",
    "speaker_articles", "speaker_full_names", "speaker_role_counts", "speaker_roles", "speaker_alias_counts",
    "speaker_aliases", "voice_articles", "voice_names",
)  # fmt: skip


_OPENED = (
    "terms", "surface_words", "surface_stems", "speaker_names", *_RECORDS, "profiles", "speaker_offices",
    *(f"speakers_by_{name}{part}" for name in _LOOKUPS for part in ("", "_offsets", "_numbers")),
    "profile_offsets", "article_first", "numbers",
    "tokens", "token_offsets", "flags", "said_by", "rowids", "offsets", "docs", "tf", "idf", "norm",
    "english_words", "english_offsets", "english_counts",
)  # fmt: skip


def _layout_types(conn: sqlite3.Connection) -> dict[str, str]:
    return {name: dtype for name, dtype in conn.execute("SELECT name, dtype FROM layout")}


def _column(values: Sequence[str | None]) -> tuple[str, bytes]:
    """A column of strings as one value per line ("lines"), or as a JSON list when a value is None or holds a
    line break ("json"). Lines split back in one short C call and no parsing: most of what opening an archive's
    articles and speakers cost when they were JSON."""
    if all(v is not None and "\n" not in v for v in values):
        return "lines", "\n".join(values).encode()  # type: ignore[arg-type]
    return "json", json.dumps(list(values), ensure_ascii=False).encode()


def _record_columns(layout: Layout) -> dict[str, tuple[str, bytes]]:
    """Articles, speakers and the passages' voices as columns (read by `_records`)."""
    where = {a.id: n for n, a in enumerate(layout.articles)}

    def numbers(values: Iterable[int]) -> tuple[str, bytes]:
        a = np.fromiter(values, dtype="<i4")
        return a.dtype.str, a.tobytes()

    arts, sps, voices = layout.articles, layout.speakers, layout.voices
    return {
        "article_ids": _column([a.id for a in arts]),
        "article_titles": _column([a.title for a in arts]),
        "article_dates": _column([a.date for a in arts]),
        "sources": _column([a.source for a in arts]),
        "article_tag_counts": numbers(len(a.tags) for a in arts),
        "article_tags": _column([t for a in arts for t in a.tags]),
        "speaker_articles": numbers(where[sp.article_id] for sp in sps),
        "speaker_full_names": _column([sp.name for sp in sps]),
        "speaker_role_counts": numbers(len(sp.roles) for sp in sps),
        "speaker_roles": _column([r for sp in sps for r in sp.roles]),
        "speaker_alias_counts": numbers(len(sp.aliases) for sp in sps),
        "speaker_aliases": _column([al for sp in sps for al in sp.aliases]),
        "voice_articles": numbers(where[a] for a, _ in voices),
        "voice_names": _column([name for _, name in voices]),
    }


def _records(
    stored: dict[str, bytes], typed: dict[str, str]
) -> tuple[tuple[Article, ...], tuple[Speaker, ...], tuple[tuple[str, str], ...]]:
    """Articles, speakers and voices from `_record_columns`."""

    def counts(name: str) -> list[int]:
        found: list[int] = _stored_array(stored, typed, name).tolist()
        return found

    def column(name: str, size: int) -> list[Any]:
        return _stored_column(stored, typed, name, size)

    def grouped(name: str, sizes: list[int]) -> list[tuple[str, ...]]:
        flat = column(name, sum(sizes))
        ends = list(itertools.accumulate(sizes))
        return [tuple(flat[end - n : end]) if n else () for n, end in zip(sizes, ends, strict=True)]

    tag_counts, role_counts, alias_counts = (
        counts("article_tag_counts"),
        counts("speaker_role_counts"),
        counts("speaker_alias_counts"),
    )
    n = len(tag_counts)
    ids = column("article_ids", n)
    articles = tuple(
        map(Article, ids, column("article_titles", n), column("article_dates", n), grouped("article_tags", tag_counts),
            column("sources", n))
    )  # fmt: skip
    m = len(role_counts)
    speakers = tuple(
        map(Speaker, [ids[a] for a in counts("speaker_articles")], column("speaker_full_names", m),
            grouped("speaker_roles", role_counts), grouped("speaker_aliases", alias_counts))
    )  # fmt: skip
    voice_articles = counts("voice_articles")
    voices = tuple(zip([ids[a] for a in voice_articles], column("voice_names", len(voice_articles)), strict=True))
    return articles, speakers, voices


def _little(array: np.ndarray) -> np.ndarray:
    """The array in little-endian order (what the file holds, whatever the machine)."""
    return array.astype(array.dtype.newbyteorder("<"), copy=False)


def _read_layout(conn: sqlite3.Connection, names: Sequence[str] | None = None) -> dict[str, bytes]:
    if names is None:
        return {name: data for name, data in conn.execute("SELECT name, data FROM layout")}
    rows = conn.execute(
        "SELECT name, data FROM layout WHERE name IN (SELECT value FROM json_each(?))", (json.dumps(names),)
    )
    return {name: data for name, data in rows}


_ELSEWHERE = "choose another path with --db or INDEX_DB"
STALE_SECONDS = 600  # a build writes its temporary file continuously: one untouched this long was abandoned


def clear_stale_temporaries(db_path: Path) -> list[Path]:
    """Remove the temporary files (and journals) that killed builds of this index left behind; return them.

    Only files of this index's own naming (".NAME.db.*.tmp") untouched for STALE_SECONDS: a build running
    beside this one keeps writing its file and is left alone.
    """
    removed: list[Path] = []
    now = time.time()
    for leftover in db_path.parent.glob(f".{glob.escape(db_path.name)}.*.tmp*"):
        if not (leftover.name.endswith(".tmp") or leftover.name.endswith(".tmp-journal")):
            continue
        try:
            if now - leftover.stat().st_mtime >= STALE_SECONDS:
                leftover.unlink()
                removed.append(leftover)
        except OSError:
            continue  # another build removed it, or it is not ours to remove
    if removed:
        logger.info("Removed %d temporary file(s) of killed builds beside %s", len(removed), db_path)
    return removed


def _table(db: sqlite_utils.Database, name: str) -> sqlite_utils.db.Table:
    return db.table(name)


def _create_schema(db: sqlite_utils.Database) -> None:
    _table(db, "articles").create(
        {"id": str, "title": str, "date": str, "tags": str, "source": str, "sha256": str}, pk="id"
    )
    _table(db, "passages").create(
        {
            "id": str,
            "article_id": str,
            "number": int,
            "kind": str,
            "text": str,
            "speaker": str,
            "lead_in": str,
            "list_number": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    _table(db, "speakers").create(
        {"id": int, "article_id": str, "name": str, "roles": str, "aliases": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    _table(db, "meta").create({"key": str, "value": str}, pk="key")
    _table(db, "layout").create({"name": str, "dtype": str, "data": bytes}, pk="name")
    # Each passage's sentence vectors (index/dense.py: the whole passage's, then each sentence's), float16.
    _table(db, "vectors").create({"id": str, "data": bytes}, pk="id", foreign_keys=[("id", "passages", "id")])
    _table(db, "passages").create_index(["article_id", "number"], unique=True)
    _table(db, "speakers").create_index(["article_id", "name"], unique=True)


def _insert_article(db: sqlite_utils.Database, parsed: ParsedArticle, sha256: str) -> None:
    a = parsed.article
    _table(db, "articles").insert(
        {"id": a.id, "title": a.title, "date": a.date, "tags": json.dumps(list(a.tags)), "source": a.source,
         "sha256": sha256}
    )  # fmt: skip
    _table(db, "passages").insert_all(
        {
            "id": p.id,
            "article_id": p.article_id,
            "number": p.number,
            "kind": p.kind,
            "text": p.text,
            "speaker": p.speaker,
            "lead_in": p.lead_in,
            "list_number": p.list_number,
        }
        for p in parsed.passages
    )
    _table(db, "speakers").insert_all(
        {"article_id": s.article_id, "name": s.name, "roles": json.dumps(list(s.roles)),
         "aliases": json.dumps(list(s.aliases))}
        for s in parsed.speakers
    )  # fmt: skip


def _insert_vectors(db: sqlite_utils.Database, passages: Sequence[Passage]) -> None:
    found = encode_passages(passages, BUILD_WORKERS)
    rows = [(p.id, to_blob(v)) for p, v in zip(passages, found, strict=True)]
    db.conn.executemany("INSERT INTO vectors (id, data) VALUES (?, ?)", rows)


def read_meta(db_path: Path) -> dict[str, str]:
    """Return the meta table of an index file (cheap: used to notice a rebuilt index)."""
    conn = _open(db_path)
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone() is None:
            return {}
        return {key: value for key, value in conn.execute("SELECT key, value FROM meta")}
    except sqlite3.DatabaseError as exc:
        raise _unreadable(db_path, exc) from exc
    finally:
        conn.close()


def _unreadable(db_path: Path, exc: Exception, what: str = "not a readable index") -> StoreError:
    if "locked" in str(exc):
        return StoreError(f"{db_path}: the index is locked by another program; try again when it is done")
    return StoreError(f"{db_path}: {what} ({exc}); rebuild it with `python -m index build`")


def open_index(db_path: Path) -> tuple[Corpus, Layout]:
    """Open an index: its articles and speakers, its passages read on demand, and its stored layout.

    An index analysed by other code (see index/analysis.py) is analysed afresh from its rows: right, slow,
    and logged with the fix.
    """
    meta = _checked_meta(db_path)
    if meta.get("analysis") != fingerprint():
        logger.warning(
            "%s was built by another version of the analysis: analysing it again (slow); "
            "rebuild it with `python -m index build` to open it at once",
            db_path,
        )
        corpus = load_corpus(db_path)
        return corpus, analyse(corpus.articles, corpus.passages, corpus.speakers)
    # The damage check reads every row (0.3 s at 10,000 articles): SQLite does it on the other core, without the
    # GIL, while this thread turns the layout into arrays.
    scan = _DamageScan(db_path)
    scan.start()
    conn = _open(db_path)
    try:
        stored = _read_layout(conn, _OPENED)
        typed = _layout_types(conn)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(db_path, exc, "damaged index") from exc
    finally:
        conn.close()
    try:
        layout, rowids = _layout_of(stored, typed)
    except (KeyError, ValueError, TypeError) as exc:
        raise _unreadable(db_path, exc, "damaged index") from exc
    finally:
        scan.join()
    if isinstance(scan.error, StoreError):
        raise scan.error
    if scan.error is not None:
        raise _unreadable(db_path, scan.error, "damaged index") from scan.error
    damaged, count = scan.damaged, scan.count
    if damaged is not None or count != layout.size:
        what = f"passage {damaged[0]}#{damaged[1]}" if damaged else f"{count} passages, {layout.size} expected"
        raise StoreError(f"{db_path}: damaged index ({what} is not as built); rebuild it with `python -m index build`")
    passages = StoredPassages(db_path, rowids)
    corpus = Corpus(layout.articles, passages, layout.speakers, meta.get("build_id", ""), meta.get("built_at", ""))
    return corpus, layout


def _layout_of(stored: dict[str, bytes], typed: dict[str, str]) -> tuple[Layout, np.ndarray]:
    def array(name: str) -> np.ndarray:
        return _stored_array(stored, typed, name)

    def lines(name: str) -> list[str]:
        text = stored[name].decode()
        return text.split("\n") if text else []

    articles, speakers, voices = _records(stored, typed)
    bounds = array("profile_offsets").tolist()
    blob = stored["profiles"]
    surface: dict[str, str] = {}
    words, stems = lines("surface_words"), lines("surface_stems")
    for i in range(0, len(words), 20_000):  # in steps: a live reload's thread leaves answers the GIL between them
        surface.update(zip(words[i : i + 20_000], stems[i : i + 20_000], strict=True))
    postings = Postings(lines("terms"), array("offsets"), array("docs"), array("tf"), array("idf"), array("norm"))
    layout = Layout(
        articles=articles,
        speakers=speakers,
        article_first=array("article_first"),
        numbers=array("numbers"),
        tokens=array("tokens"),
        token_offsets=array("token_offsets"),
        flags=array("flags"),
        said_by=array("said_by"),
        voices=voices,
        postings=postings,
        surface=surface,
        speaker_names=stored["speaker_names"].decode(),
        profiles=tuple(blob[a:b] for a, b in itertools.pairwise(bounds)),
        english=English(stored["english_words"], stored["english_offsets"], stored["english_counts"]),
        lookups=_lookups(stored, typed),
    )
    if "words" in stored:  # a build reads these; an engine does not
        layout = replace(
            layout,
            lengths=array("lengths"),
            words=WordTable(lines("words"), lines("word_stems")),
            word_ids={source: array(f"word_ids_{source}") for source in WORD_SOURCES},
            word_counts=array("word_counts").reshape(len(layout.articles), len(WORD_SOURCES)),
        )
    if len(layout.articles) + 1 != len(layout.article_first) or len(array("rowids")) != layout.size:
        raise ValueError("the layout does not match its articles")
    return layout, array("rowids")


_PASSAGE_AT = "SELECT article_id, number, kind, text, speaker, lead_in, list_number FROM passages WHERE rowid = ?"
_PASSAGES_AT = (
    "SELECT rowid, article_id, number, kind, text, speaker, lead_in, list_number FROM passages "
    "WHERE rowid IN (SELECT value FROM json_each(?))"
)
_ALL_PASSAGES = "SELECT article_id, number, kind, text, speaker, lead_in, list_number FROM passages"
# What a build never writes (a hand edit, a damaged copy): found at open with one scan, not on a user's question.
_DAMAGE = (
    "SELECT article_id, number FROM passages WHERE typeof(text) != 'text' OR typeof(number) != 'integer' "
    "OR kind NOT IN ('paragraph', 'quote', 'item') OR article_id NOT IN (SELECT id FROM articles) "
    "UNION ALL SELECT id, 0 FROM articles WHERE typeof(title) != 'text' LIMIT 1"
)


class _DamageScan(threading.Thread):
    """Look for rows that are not as a build writes them, and count the passages."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(name="index-damage-scan", daemon=True)
        self.db_path = db_path
        self.damaged: tuple[str, int] | None = None
        self.count = -1
        self.error: sqlite3.DatabaseError | StoreError | None = None

    def run(self) -> None:
        try:
            conn = _open(self.db_path, threads=True)
        except StoreError as exc:
            self.error = exc
            return
        try:
            self.damaged = conn.execute(_DAMAGE).fetchone()
            self.count = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            self.error = exc
        finally:
            conn.close()


class StoredPassages(Sequence[Passage]):
    """An opened index's passages, in index order, read from the file when asked for (the recent ones kept).

    Safe to share between threads. The connection stays open on the file that was opened: a rebuild renames
    a new file over the path, and this one keeps reading the old file until the engine is dropped.
    """

    CACHED = 16384

    def __init__(self, db_path: Path, rowids: np.ndarray) -> None:
        self._rowids = rowids
        self._size = len(rowids)
        self._conn = _open(db_path, threads=True)
        self._lock = threading.Lock()
        self._cache: dict[int, Passage] = {}

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, i: int) -> Passage: ...

    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...

    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        # The engine asks for a hundred passages per question, mostly the same ones again: a hit costs a dict get.
        if type(i) is int:
            found = self._cache.get(i)
            if found is not None:
                return found
        if isinstance(i, slice):
            return self._many(range(self._size)[i])
        i = operator.index(i)
        if i < 0:
            i += self._size
        if not 0 <= i < self._size:
            raise IndexError(i)
        found = self._cache.get(i)
        if found is None:
            with self._lock:
                row = self._conn.execute(_PASSAGE_AT, (int(self._rowids[i]),)).fetchone()
            found = Passage(*row)
            self._keep({i: found})
        return found

    def many(self, indices: list[int]) -> list[Passage]:
        """The passages at these positions, those not kept read in one query."""
        missing = [i for i in indices if i not in self._cache]
        if len(missing) > 1:
            self._keep(self._read(missing))
        return [self[i] for i in indices]

    def _keep(self, passages: dict[int, Passage]) -> None:
        if len(self._cache) > self.CACHED:
            self._cache.clear()  # plain and bounded: a question reads tens of passages
        self._cache.update(passages)

    def __iter__(self) -> Iterator[Passage]:
        for start in range(0, self._size, 2048):
            yield from self._read(range(start, min(start + 2048, self._size))).values()

    def _many(self, at: range) -> list[Passage]:
        """The passages at some positions, read in one query and kept."""
        found = self._read(at)
        self._keep(found)
        return list(found.values())

    def _read(self, at: Sequence[int]) -> dict[int, Passage]:
        """The passages at these positions by position, in the order given, read from the file in one query."""
        if not len(at):
            return {}
        rowids = [int(self._rowids[i]) for i in at]
        with self._lock:
            rows = {r[0]: r[1:] for r in self._conn.execute(_PASSAGES_AT, (json.dumps(rowids),))}
        return {i: Passage(*rows[rowid]) for i, rowid in zip(at, rowids, strict=True)}


class StoredVectors:
    """An opened index's passage vectors, read from the file by passage id when asked for (recent ones kept).

    Safe to share between threads; like StoredPassages, it keeps reading the file it opened.
    """

    CACHED = 4096  # passages (1.5 kB a row as float32, two or three rows a passage)

    def __init__(self, db_path: Path) -> None:
        self._conn = _open(db_path, threads=True)
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}

    def of(self, passages: Sequence[Passage]) -> list[np.ndarray]:
        """Each passage's vectors (index/dense.py `encode_passages`; those not kept read in one query)."""
        found: dict[str, np.ndarray] = {}
        for p in passages:
            kept = self._cache.get(p.id)
            if kept is not None:
                found[p.id] = kept  # held here: another question may empty the cache meanwhile
        missing = list(dict.fromkeys(p.id for p in passages if p.id not in found))
        if missing:
            with self._lock:
                rows = self._conn.execute(_VECTORS_OF, (json.dumps(missing),)).fetchall()
            if len(rows) != len(missing):
                raise StoreError("the index lacks vectors of some passages; rebuild it with `python -m index build`")
            fresh = {r[0]: from_blob(r[1]) for r in rows}
            found.update(fresh)
            if len(self._cache) + len(fresh) > self.CACHED:
                self._cache.clear()  # plain and bounded: a question reads tens of passages
            self._cache.update(fresh)
        return [found[p.id] for p in passages]


_VECTORS_OF = "SELECT id, data FROM vectors WHERE id IN (SELECT value FROM json_each(?))"


def stored_vectors(db_path: Path) -> StoredVectors | None:
    """The passage vectors of an index built with them by this encoder, or None (then the engine answers without)."""
    if read_meta(db_path).get("vectors") != ENCODER:
        return None
    return StoredVectors(db_path)


def _checked_meta(db_path: Path) -> dict[str, str]:
    meta = read_meta(db_path)
    version = meta.get("schema_version")
    if version != str(SCHEMA_VERSION):
        raise StoreError(
            f"{db_path}: index schema {version or 'unknown'}, this version needs {SCHEMA_VERSION}; "
            "rebuild it with `python -m index build`"
        )
    return meta


def load_corpus(db_path: Path) -> Corpus:
    """Load every article, passage and speaker of an index file, in index order (rows only, all in memory)."""
    meta = _checked_meta(db_path)
    conn = _open(db_path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = {"articles", "passages", "speakers", "meta"} - tables
        if missing:
            raise StoreError(
                f"{db_path}: damaged index (no {', '.join(sorted(missing))} table); "
                "rebuild it with `python -m index build`"
            )
        articles = tuple(
            Article(id=r[0], title=r[1], date=r[2], tags=tuple(json.loads(r[3] or "[]")), source=r[4] or "")
            for r in conn.execute("SELECT id, title, date, tags, source FROM articles ORDER BY rowid")
        )
        where = {a.id: n for n, a in enumerate(articles)}
        rows = conn.execute(_ALL_PASSAGES).fetchall()
        rows.sort(key=lambda r: (where.get(r[0], len(where)), r[1] if isinstance(r[1], int) else 0))
        passages = tuple(Passage(*r) for r in rows)
        speakers = tuple(
            Speaker(article_id=r[0], name=r[1], roles=tuple(json.loads(r[2])), aliases=tuple(json.loads(r[3])))
            for r in conn.execute("SELECT article_id, name, roles, aliases FROM speakers ORDER BY id")
        )
        speakers = tuple(sorted(speakers, key=lambda sp: where.get(sp.article_id, len(where))))
    except (sqlite3.DatabaseError, KeyError, ValueError, TypeError) as exc:
        raise _unreadable(db_path, exc, "damaged index") from exc
    finally:
        conn.close()
    damage = _damage(articles, passages, speakers)
    if damage:
        raise StoreError(f"{db_path}: damaged index ({damage}); rebuild it with `python -m index build`")
    return Corpus(articles, passages, speakers, build_id=meta.get("build_id", ""), built_at=meta.get("built_at", ""))


def _damage(articles: tuple[Article, ...], passages: Sequence[Passage], speakers: tuple[Speaker, ...]) -> str:
    """What is wrong with loaded rows that a build never writes (empty values, unknown kinds), or ""."""
    for a in articles:
        if not isinstance(a.id, str) or not isinstance(a.title, str):
            return "an article without an id or title"
    ids = {a.id for a in articles}
    for p in passages:
        if not isinstance(p.text, str) or not isinstance(p.number, int) or p.article_id not in ids:
            return f"passage {p.article_id}#{p.number} has no text, number or article"
        if p.kind not in ("paragraph", "quote", "item"):
            return f"passage {p.article_id}#{p.number} has an unknown kind {p.kind!r}"
    for sp in speakers:
        if not isinstance(sp.name, str) or sp.article_id not in ids:
            return "a speaker without a name or article"
    return ""


def _open(db_path: Path, *, threads: bool = False) -> sqlite3.Connection:
    """A read-only connection to an index file (raises StoreError with the fix)."""
    if not db_path.is_file():
        raise StoreError(f"{db_path}: no index file; build it with `python -m index build`")
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=not threads)
        conn.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise _unreadable(db_path, exc) from exc
    return conn
