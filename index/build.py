"""The rebuild: read article files, parse them all, then replace the index in one rename."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from index.models import ParsedArticle
from index.parse import ArticleError, read_article
from index.store import write_index

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARTICLES = PROJECT_ROOT / "articles"
DEFAULT_DB = PROJECT_ROOT / "data" / "index.db"


@dataclass(frozen=True)
class BuildStats:
    """What one rebuild indexed."""

    articles: int
    passages: int
    quotes: int
    speakers: int
    seconds: float


def collect_files(paths: list[Path]) -> list[Path]:
    """Expand files and folders into the sorted list of article files to index."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix == ".txt" and p.is_file())
            if not found:
                raise ArticleError(path, "folder has no .txt articles")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ArticleError(path, "no such file or folder")
    return list(dict.fromkeys(files))


def build(paths: list[Path], db_path: Path) -> BuildStats:
    """Parse every article under paths and atomically replace the index at db_path.

    Nothing is written unless every article parses: a bad file leaves the old index in place.
    """
    started = time.perf_counter()
    files = collect_files(paths)
    parsed: list[ParsedArticle] = []
    hashes: dict[str, str] = {}
    seen: dict[str, Path] = {}
    for f in files:
        article = read_article(f)
        if article.article.id in seen:
            raise ArticleError(f, f"same article id as {seen[article.article.id]}; rename one of them")
        seen[article.article.id] = f
        parsed.append(article)
        hashes[f.name] = hashlib.sha256(f.read_bytes()).hexdigest()
    write_index(parsed, db_path, hashes=hashes)
    return BuildStats(
        articles=len(parsed),
        passages=sum(len(p.passages) for p in parsed),
        quotes=sum(1 for p in parsed for x in p.passages if x.kind == "quote"),
        speakers=sum(len(p.speakers) for p in parsed),
        seconds=time.perf_counter() - started,
    )
