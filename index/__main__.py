"""Index commands: `build` rebuilds the index from article files, `search` shows ranked passages."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Never

from tqdm import tqdm

from index.answer import Engine
from index.build import build
from index.parse import ArticleError
from index.paths import DEFAULT_ARTICLES, default_db
from index.store import StoreError


def main(argv: list[str] | None = None) -> int:
    """Run one index command; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild the index from .txt article files or folders")
    b.add_argument("paths", nargs="*", type=Path, help=f"files or folders (default: {DEFAULT_ARTICLES})")
    b.add_argument("--db", type=Path, default=None, help="index file to write (default: $INDEX_DB or data/index.db)")
    b.add_argument("--full", action="store_true", help="parse every file again, not only new or changed ones")
    b.add_argument(
        "--no-vectors",
        dest="vectors",
        action="store_false",
        help="store no sentence vectors (builds large archives in a fraction of the time; answers a little worse)",
    )
    s = sub.add_parser("search", help="show the ranked passages and the answer for a question")
    s.add_argument("question")
    s.add_argument("--db", type=Path, default=None)
    s.add_argument("-n", type=int, default=8, help="how many ranked passages to show")
    args = parser.parse_args(argv)
    db = args.db or default_db()
    try:
        if args.command == "build":
            with BuildProgress() as progress:
                stats = build(
                    args.paths or [DEFAULT_ARTICLES], db, full=args.full, progress=progress, vectors=args.vectors
                )
            changes = f"{stats.parsed} parsed, {stats.articles - stats.parsed} unchanged"
            changes += f", {stats.removed} removed" if stats.removed else ""
            print(
                f"Indexed {stats.articles} article(s) ({changes}): {stats.passages} passages, {stats.quotes} quotes, "
                f"{stats.speakers} speakers in {stats.seconds:.2f}s -> {db}"
            )
            return 0
        engine = Engine.from_db(db)
        return _search(engine, args.question, args.n)
    except (ArticleError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


class BuildProgress:
    """A build's progress on the terminal (tqdm, on stderr): files parsed, then analysed, passages, time left.

    Shown only when the build lasts more than a second and stderr is a terminal; never in CI or when piped.
    """

    def __init__(self) -> None:
        self._bars: dict[str, tqdm[Never]] = {}
        self._quiet = not sys.stderr.isatty() or bool(os.environ.get("CI"))

    def __enter__(self) -> BuildProgress:
        return self

    def __exit__(self, *_: object) -> None:
        for bar in self._bars.values():
            bar.close()

    def __call__(self, step: str, done: int, total: int, passages: int) -> None:
        if self._quiet:
            return
        if step not in self._bars:
            self._bars[step] = tqdm(
                desc=step, total=total, unit=" files", delay=1.0, file=sys.stderr, leave=False, mininterval=0.25
            )
        bar = self._bars[step]
        bar.set_postfix_str(f"{passages:,} passages", refresh=False)
        bar.update(done - bar.n)


def _search(engine: Engine, question: str, n: int) -> int:
    q = engine.analyser.analyse(question)
    print(f"intent={q.intent} type={q.answer_type or '-'} speaker={q.speaker.name if q.speaker else '-'}")
    print(f"terms={q.terms} missing={q.missing}")
    for i, score in sorted(engine.ranker.grouped_scores(q.groups).items(), key=lambda x: -x[1])[:n]:
        p = engine.passages[i]
        who = f" [{p.speaker}]" if p.speaker else ""
        print(f"{score:7.3f}  ¶{p.number} {p.kind}{who}: {p.text[:100]}")
    a = engine.answer(question)
    print(f"answered={a.answered} intent={a.intent} reason={a.reason!r}")
    for h in a.hits:
        print(f"  -> {h.passage.id} ({h.score}) {h.passage.text[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
