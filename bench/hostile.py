"""Hostile questions: the worst answer time over shapes meant to be slow, next to ordinary questions.

    python -m bench.hostile [SIZE]

Every shape is a 4,096-character chat message (Telegram's limit): long text naming a speaker, repeated names,
repeated misspellings, and shapes aimed at the question patterns (possessive and "did X say" slots, many
"'s"). The engine's answer cache is off, so each is computed afresh.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.common import BUNDLED_QUESTIONS, emit, index_db
from devtools.hostile import shapes


def measure(size: str, rounds: int) -> dict[str, object]:
    from index.answer import Engine

    engine = Engine.from_db(index_db(size), remember=0)
    normal: list[float] = []
    for _ in range(rounds):
        for q in BUNDLED_QUESTIONS:
            t0 = time.perf_counter()
            engine.answer(q)
            normal.append(time.perf_counter() - t0)
    hostile: dict[str, float] = {}
    for name, q in shapes().items():
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            engine.answer(q)
            times.append(time.perf_counter() - t0)
        hostile[name] = max(times)
    return {
        "size": size,
        "normal_median_ms": 1000 * statistics.median(normal),
        "normal_worst_ms": 1000 * max(normal),
        "hostile_worst_ms": 1000 * max(hostile.values()),
        "hostile_median_ms": 1000 * statistics.median(hostile.values()),
        "by_shape_ms": {k: 1000 * v for k, v in hostile.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("size", nargs="?", default="bundled")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    emit(measure(args.size, args.rounds))


if __name__ == "__main__":
    main()
