"""Shared helpers: where archives and indexes live, timing statistics, subprocess runs, tables."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BUNDLED = ROOT / "articles"
SIZES = {"bundled": 0, "1k": 1000, "10k": 10000, "100k": 100000}

# Questions about the bundled article (the Davos peace talks): every intent the engine knows.
BUNDLED_QUESTIONS = [
    "What did Trump say?",
    "What did Zelensky say about security?",
    "Who said peace is not only a cessation of hostilities?",
    "What are the sticking points?",
    "What is the final issue?",
    "Where is Witkoff going?",
    "When could an agreement be signed?",
    "Why is the US interested in ending the war?",
    "What did the NATO chief say?",
    "what did rute say",
    "How many homes were without heat?",
    "What did Biden say?",
    "What is the weather in Davos?",
    "Is a peace deal within reach?",
    "What does Russia want from the agreement?",
    "what are the risks for Kyiv",
    "who is mediating",
    "What did the American president say about a disgrace?",
    "What happened in the Ukrainian capital?",
    "Which regions are disputed?",
]


def archive(size: str) -> Path:
    """The folder of article files for a size."""
    return BUNDLED if size == "bundled" else OUT / f"archive-{SIZES[size]}"


def with_vectors(size: str) -> bool:
    """Whether the index for a size stores sentence vectors (index/dense.py). The synthetic archives are built
    without: encoding costs about 8 ms a passage (a 1,000-article build would take minutes, not seconds) and 3 ms
    a question; their figures are the engine's without vectors, the bundled article's are with them."""
    return size == "bundled"


def index_db(size: str) -> Path:
    """The index file the benchmarks build for a size."""
    return OUT / f"index-{size}.db"


def questions_for(size: str, count: int) -> list[str]:
    """`count` questions for a size, cycling through a deterministic mix.

    Generated once into bench/out/questions-SIZE.json: generating them means generating the archive's articles
    again, whose memory would count as the engine's in the measuring process (150 MB at 10,000 articles).
    """
    if size == "bundled":
        base = BUNDLED_QUESTIONS
    else:
        cached = OUT / f"questions-{size}.json"
        if cached.exists():
            base = json.loads(cached.read_text(encoding="utf-8"))
        else:
            from bench.generate import generate, questions

            # Questions about the first 10,000 articles (the generator is deterministic in order).
            base = questions(generate(min(SIZES[size], 10_000)), 1000)
            OUT.mkdir(parents=True, exist_ok=True)
            cached.write_text(json.dumps(base), encoding="utf-8")
    return [base[i % len(base)] for i in range(count)]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def run_json(module: str, *args: str, timeout: float = 900) -> dict[str, Any]:
    """Run `python -m module args` in a fresh process; return the JSON object it prints last."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result.setdefault("wall", time.perf_counter() - started)
    return result


def emit(result: dict[str, Any]) -> None:
    """Print a worker's result as one JSON line (the parent reads the last line)."""
    print(json.dumps(result), flush=True)


def table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table with a title line."""
    cells = [[_cell(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    lines = [f"### {title}", "", "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "—"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)
