"""The rebuild: read article files, parse the new and changed ones, then replace the index in one rename.

Each source file's SHA-256 is kept in the index. A build starts from the index it replaces when that index
was made by this code (same schema and analysis: index/store.py `reusable`): unchanged files keep their rows
and analysis, changed and new ones are parsed, removed ones are dropped, so its cost grows with what changed.
`full=True` (`python -m index build --full`) parses everything; both give the same index, answer for answer.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index.models import ParsedArticle
from index.parse import ArticleError, read_article
from index.store import Progress, article_sources, indexed_sources, reusable, write_index

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildStats:
    """What one rebuild indexed."""

    articles: int
    passages: int
    quotes: int
    speakers: int
    seconds: float
    parsed: int = 0  # files parsed (new or changed); the others were unchanged and reused
    removed: int = 0  # articles of the previous index whose file is gone


def collect_files(paths: list[Path]) -> list[Path]:
    """Expand files and folders into the sorted list of article files to index."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # By name (a folder's files share the rest of their path): comparing Path objects costs 0.3 s at 10,000.
            found = sorted((p for p in path.iterdir() if p.suffix == ".txt" and p.is_file()), key=lambda p: p.name)
            if not found:
                raise ArticleError(path, "folder has no .txt articles")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ArticleError(path, "no such file or folder")
    return list(dict.fromkeys(files))


def build(
    paths: list[Path], db_path: Path, *, full: bool = False, progress: Progress | None = None, vectors: bool = True
) -> BuildStats:
    """Index the articles under paths and atomically replace the index at db_path.

    Only new or changed files are parsed unless `full`. Nothing is written unless every parsed article
    parses: a bad file leaves the old index in place. `progress` hears of each file read and analysed. Without
    `vectors` the index holds no sentence vectors (a large archive builds in a fraction of the time; its
    answers come from the model fitted without them, index/dense.py).
    """
    started = time.perf_counter()
    files = collect_files(paths)
    hashes: dict[str, str] = {}
    named: dict[str, Path] = {}
    for f in files:
        if f.name in named:
            raise ArticleError(f, f"same article id as {named[f.name]}; rename one of them")
        named[f.name] = f
        hashes[f.name] = hashlib.sha256(f.read_bytes()).hexdigest()
    previous = None if full or not db_path.is_file() else reusable(db_path, vectors=vectors)
    keep = [] if previous is None else [name for name, digest in hashes.items() if previous.get(name) == digest]
    if keep:
        before = {source: n for n, source in enumerate(indexed_sources(db_path))}
        kept_order = [before.get(name, -1) for name in keep]
        if kept_order != sorted(kept_order) or min(kept_order) < 0:
            previous, keep = None, []  # the articles would change order (paths given in another order): in full
    kept = set(keep)
    seen: dict[str, Path] = {}
    if previous is not None:
        seen = {article_id: named[source] for source, article_id in article_sources(db_path).items() if source in kept}
    todo = [f for f in files if f.name not in kept]
    parsed = 0

    def parse() -> Iterator[ParsedArticle]:
        """The new and changed articles, parsed one at a time as the store takes them (bounded memory)."""
        nonlocal parsed
        passages = 0
        for f in todo:
            article = read_article(f)
            if article.article.id in seen:
                raise ArticleError(f, f"same article id as {seen[article.article.id]}; rename one of them")
            seen[article.article.id] = f
            parsed += 1
            passages += len(article.passages)
            if progress:
                progress("indexing", parsed, len(todo), passages)
            yield article

    reuse = previous is not None
    counts = write_index(
        parse(),
        db_path,
        hashes=hashes,
        base=db_path if reuse else None,
        keep=keep,
        order=list(hashes) if reuse else None,
        vectors=vectors,
    )
    return BuildStats(
        articles=len(files),
        passages=counts["passages"],
        quotes=counts["quotes"],
        speakers=counts["speakers"],
        seconds=time.perf_counter() - started,
        parsed=parsed,
        removed=0 if previous is None else len(set(previous) - set(hashes)),
    )
