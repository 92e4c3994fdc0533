"""The SQLite index, through sqlite-utils: schema, atomic rebuild and loading.

This is the only module that touches SQLite.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import sqlite3
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
import sqlite_utils.db

from index.models import Article, ParsedArticle, Passage, Speaker

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1


class StoreError(RuntimeError):
    """The index file is missing, unreadable or of another schema; the message says how to fix it."""


@dataclass(frozen=True)
class Corpus:
    """Everything loaded from one index file."""

    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
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


def write_index(parsed: list[ParsedArticle], db_path: Path, *, hashes: dict[str, str]) -> None:
    """Write a fresh index to a temporary file beside db_path, then rename it over db_path.

    A reader never sees a half-written index, and a failure leaves the previous file as it was.
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
        db = sqlite_utils.Database(tmp)
        _create_schema(db)
        with db.conn:
            for p in parsed:
                _insert_article(db, p, hashes.get(p.article.source, ""))
            _table(db, "meta").insert_all(
                [
                    {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                    {"key": "build_id", "value": uuid.uuid4().hex},
                    {"key": "built_at", "value": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
                    {"key": "source_hashes", "value": json.dumps(hashes, sort_keys=True)},
                ]
            )
        db.close()
        tmp.chmod(0o644)  # mkstemp makes 0600: a bot or Datasette running as another user must read it
        os.replace(tmp, db_path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}-journal").unlink(missing_ok=True)
        if isinstance(exc, OSError | sqlite3.OperationalError):
            raise StoreError(f"{db_path}: cannot write the index there ({exc}); {_ELSEWHERE}") from exc
        raise


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


def read_meta(db_path: Path) -> dict[str, str]:
    """Return the meta table of an index file (cheap: used to notice a rebuilt index)."""
    db = _open(db_path)
    try:
        return {row["key"]: row["value"] for row in db["meta"].rows}
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc):
            raise StoreError(f"{db_path}: the index is locked by another program; try again when it is done") from exc
        raise StoreError(f"{db_path}: not a readable index ({exc}); rebuild it with `python -m index build`") from exc
    finally:
        db.close()


def load_corpus(db_path: Path) -> Corpus:
    """Load every article, passage and speaker of an index file."""
    meta = read_meta(db_path)
    version = meta.get("schema_version")
    if version != str(SCHEMA_VERSION):
        raise StoreError(
            f"{db_path}: index schema {version or 'unknown'}, this version needs {SCHEMA_VERSION}; "
            "rebuild it with `python -m index build`"
        )
    db = _open(db_path)
    missing = {"articles", "passages", "speakers", "meta"} - set(db.table_names())
    if missing:
        db.close()
        raise StoreError(
            f"{db_path}: damaged index (no {', '.join(sorted(missing))} table); rebuild it with `python -m index build`"
        )
    try:
        articles = tuple(
            Article(id=r["id"], title=r["title"], date=r["date"], tags=tuple(json.loads(r["tags"] or "[]")),
                    source=r["source"] or "")
            for r in db["articles"].rows_where(order_by="rowid")
        )  # fmt: skip
        passages = tuple(
            Passage(
                article_id=r["article_id"],
                number=r["number"],
                kind=r["kind"],
                text=r["text"],
                speaker=r["speaker"],
                lead_in=r["lead_in"],
                list_number=r["list_number"],
            )
            for r in db["passages"].rows_where(order_by="rowid")
        )
        speakers = tuple(
            Speaker(article_id=r["article_id"], name=r["name"], roles=tuple(json.loads(r["roles"])),
                    aliases=tuple(json.loads(r["aliases"])))
            for r in db["speakers"].rows_where(order_by="id")
        )  # fmt: skip
    except (sqlite3.DatabaseError, KeyError, ValueError) as exc:
        if "locked" in str(exc):
            raise StoreError(f"{db_path}: the index is locked by another program; try again when it is done") from exc
        raise StoreError(f"{db_path}: damaged index ({exc}); rebuild it with `python -m index build`") from exc
    finally:
        db.close()
    damage = _damage(articles, passages, speakers)
    if damage:
        raise StoreError(f"{db_path}: damaged index ({damage}); rebuild it with `python -m index build`")
    return Corpus(articles, passages, speakers, build_id=meta.get("build_id", ""), built_at=meta.get("built_at", ""))


def _damage(articles: tuple[Article, ...], passages: tuple[Passage, ...], speakers: tuple[Speaker, ...]) -> str:
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


def _open(db_path: Path) -> sqlite_utils.Database:
    if not db_path.is_file():
        raise StoreError(f"{db_path}: no index file; build it with `python -m index build`")
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        conn.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc):
            raise StoreError(f"{db_path}: the index is locked by another program; try again when it is done") from exc
        raise StoreError(f"{db_path}: not a readable index ({exc}); rebuild it with `python -m index build`") from exc
    return sqlite_utils.Database(conn)
