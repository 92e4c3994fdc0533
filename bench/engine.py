"""Engine benchmarks, one measurement per fresh process (so peak RSS is that step's own).

    python -m bench.engine build SIZE            # index build time and peak RSS (a full build)
    python -m bench.engine add SIZE              # one article added to a copy of the built index (incremental)
    python -m bench.engine answer SIZE [--questions N] [--budget SECONDS]

`answer` opens the engine (timed; its cache of recent answers off, so every question is computed), then answers
questions one at a time: questions/s, p50 and p99 latency of Engine.answer, and where the time goes (question
analysis, ranking, the rest).
"""

from __future__ import annotations

import argparse
import time

from bench.common import BUNDLED, OUT, archive, emit, index_db, peak_rss_mb, percentile, questions_for, with_vectors


def build(size: str) -> None:
    from index.build import build as build_index

    started = time.perf_counter()
    stats = build_index([archive(size)], index_db(size), full=True, vectors=with_vectors(size))
    emit(
        {
            "size": size,
            "articles": stats.articles,
            "passages": stats.passages,
            "speakers": stats.speakers,
            "build_s": time.perf_counter() - started,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def answer(size: str, count: int, budget: float) -> None:
    started = time.perf_counter()
    from index.answer import CANDIDATES, Engine

    imported = time.perf_counter()
    engine = Engine.from_db(index_db(size), remember=0)  # every question computed: no answer is reused
    loaded = time.perf_counter()
    engine.analyser.read_ahead()  # as the bot does before it serves (bot/cli.py open_engine)
    ready = time.perf_counter()
    rss_loaded = peak_rss_mb()
    questions = questions_for(size, count)
    for q in questions[:5]:
        engine.answer(q)
    latencies: list[float] = []
    answered = 0
    deadline = time.perf_counter() + budget
    for q in questions:
        t0 = time.perf_counter()
        a = engine.answer(q)
        latencies.append(time.perf_counter() - t0)
        answered += a.answered
        if t0 > deadline:
            break
    total = sum(latencies)
    asked = questions[: len(latencies)]
    # Where the time goes: the same questions again, analysis and ranking alone.
    analyse: list[float] = []
    rank: list[float] = []
    for q in asked[:200]:
        t0 = time.perf_counter()
        query = engine.analyser.analyse(q)
        t1 = time.perf_counter()
        # The engine's own call: candidates limited, and kept to the articles that hold the question.
        engine.ranker.grouped_scores(query.groups, limit=CANDIDATES, keep=engine.best_articles(query))
        t2 = time.perf_counter()
        analyse.append(t1 - t0)
        rank.append(t2 - t1)
    share = len(analyse) / len(latencies)
    emit(
        {
            "size": size,
            "passages": len(engine.passages),
            "vectors": engine.vectors is not None,
            "speakers": len(engine.speakers),
            "questions": len(latencies),
            "answered": answered / len(latencies),
            "qps": len(latencies) / total,
            "p50_ms": 1000 * percentile(latencies, 50),
            "p99_ms": 1000 * percentile(latencies, 99),
            "max_ms": 1000 * max(latencies),
            "analyse_share": sum(analyse) / (total * share),
            "rank_share": sum(rank) / (total * share),
            "analyse_p99_ms": 1000 * percentile(analyse, 99),
            "import_s": imported - started,
            "load_s": loaded - imported,
            "engine_init_s": ready - loaded,
            "rss_loaded_mb": rss_loaded,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def add(size: str) -> None:
    """Add one article to a copy of the index: the incremental build a news bot runs every day."""
    import shutil

    from index.build import build as build_index

    copy = OUT / f"add-{size}.db"
    extra = OUT / "added" / "9999-12-31-added-article.txt"
    extra.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(BUNDLED / "2026-01-22-davos-peace-talks.txt", extra)
    shutil.copy(index_db(size), copy)
    paths = [archive(size), extra]
    started = time.perf_counter()
    stats = build_index(paths, copy, vectors=with_vectors(size))
    seconds = time.perf_counter() - started
    copy.unlink()
    emit({"size": size, "add_s": seconds, "parsed": stats.parsed, "articles": stats.articles,
          "peak_rss_mb": peak_rss_mb()})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=("build", "add", "answer"))
    parser.add_argument("size")
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--budget", type=float, default=60.0, help="stop answering after this many seconds")
    args = parser.parse_args()
    if args.step == "build":
        build(args.size)
    elif args.step == "add":
        add(args.size)
    else:
        answer(args.size, args.questions, args.budget)


if __name__ == "__main__":
    main()
