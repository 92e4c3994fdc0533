"""Live swap: how soon a served bot picks up a rebuilt index, and what the swap does to answer latency.

    python -m bench.swap SIZE [--before SECONDS] [--after SECONDS]

One process serves like the bot: a `LiveIndex` (bot/live_index.py, checking every 0.25 s) over a copy of the
index, and a client answering questions one after another in worker threads (`asyncio.to_thread`, as the
handlers do). After `--before` seconds a rebuilt index (the same articles under a new build id, prepared
beforehand) is renamed over the served file. Reported: seconds from the rename to the swap, and the p99
latency of the answers before the rename and of those that overlapped the swap (rename to swap + 0.5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import time
import uuid

from bench.common import OUT, emit, index_db, peak_rss_mb, percentile, questions_for


async def serve(size: str, before: float, after: float) -> dict[str, float]:
    from bot.conversation import Conversation
    from bot.live_index import LiveIndex, serving_collector
    from index.answer import Engine

    served = OUT / f"swap-{size}.db"
    rebuilt = OUT / f"swap-{size}.next.db"
    shutil.copy(index_db(size), served)
    shutil.copy(index_db(size), rebuilt)
    with sqlite3.connect(rebuilt) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'build_id'", (uuid.uuid4().hex,))
    conn.close()
    installed: list[float] = []
    engine = Engine.from_db(served, remember=0, freeze=True)
    engine.analyser.read_ahead()  # as the bot does before it serves (bot/cli.py open_engine)
    first = Conversation(engine)
    serving_collector()  # as the bot does after its first load
    live = LiveIndex(served, first, lambda c: installed.append(0), 0.25)
    live.start()
    questions = questions_for(size, 5000)
    samples: list[tuple[float, float]] = []  # (start, seconds)
    renamed = swapped = 0.0
    started = time.perf_counter()
    n = 0
    while True:
        now = time.perf_counter()
        if not renamed and now - started >= before:
            os.replace(rebuilt, served)
            renamed = time.perf_counter()
        if renamed and installed and not swapped:
            swapped = time.perf_counter()
        if swapped and now - swapped >= after:
            break
        if renamed and now - renamed > 60:
            raise RuntimeError("the rebuilt index was not swapped in within 60 s")
        engine = live.conversation.engine
        t0 = time.perf_counter()
        await asyncio.to_thread(engine.answer, questions[n % len(questions)])
        samples.append((t0, time.perf_counter() - t0))
        n += 1
    await live.stop()
    served.unlink()
    base = [s for t, s in samples if t < renamed]
    during = [s for t, s in samples if t + s >= renamed and t <= swapped + 0.5]
    return {
        "swap_s": swapped - renamed,
        "p99_before_ms": 1000 * percentile(base, 99),
        "p99_during_ms": 1000 * percentile(during, 99),
        "answers_during": len(during),
        "answers_before": len(base),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("size")
    parser.add_argument("--before", type=float, default=8.0)
    parser.add_argument("--after", type=float, default=2.0)
    args = parser.parse_args()
    result = asyncio.run(serve(args.size, args.before, args.after))
    emit({"size": args.size, **result, "peak_rss_mb": peak_rss_mb()})


if __name__ == "__main__":
    main()
