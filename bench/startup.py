"""Start-up: seconds from process start to the first answered question, as `python -m bot ask` does it."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from bench.common import ROOT, index_db


def time_to_first_answer(size: str, runs: int = 3, question: str = "What did Trump say?") -> dict[str, float]:
    """Median and worst wall time of `python -m bot ask QUESTION` over fresh processes."""
    env = {**os.environ, "INDEX_DB": str(index_db(size)), "TELEGRAM_BOT_TOKEN": ""}
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bot", "ask", question], cwd=ROOT, env=env, capture_output=True, text=True
        )
        times.append(time.perf_counter() - started)
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"bot ask failed: {done.stderr[-2000:]}")
    return {"median_s": statistics.median(times), "max_s": max(times)}
