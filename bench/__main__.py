"""`python -m bench` (what `make bench` runs): every benchmark of issues 5 and 12, one table per part and a summary.

    python -m bench [--sizes bundled,1k,10k] [--skip-bot]
    python -m bench --sizes 100k --skip-bot     # the 100,000-article archive (about 2.5 million passages)

Synthetic archives are generated once into bench/out/ (deterministic, seed 5) and reused. Each engine
measurement runs in a fresh process. Results also go to bench/out/results.md and results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from typing import Any

from bench.bot import UNCACHED
from bench.common import OUT, SIZES, archive, run_json, table

MB_TARGET = 200.0


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc), {model}, Python {platform.python_version()}"


def ensure_archive(size: str) -> None:
    """Generate a synthetic archive once; a marker file records what was generated."""
    if size == "bundled":
        return
    from bench.common import questions_for
    from bench.generate import SEED, write_archive

    folder = archive(size)
    marker = folder / f".generated-{SIZES[size]}-seed{SEED}"
    if marker.exists():
        questions_for(size, 1)  # generated here once, not in a measuring process
        return
    print(f"generating {SIZES[size]} articles into {folder} ...", flush=True)
    write_archive(folder, SIZES[size], SEED)
    marker.touch()
    questions_for(size, 1)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="bundled,1k,10k")
    parser.add_argument("--skip-bot", action="store_true")
    parser.add_argument("--budget", type=float, default=45.0, help="seconds of answering per size")
    args = parser.parse_args()
    sizes = [s for s in args.sizes.split(",") if s]
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"Machine: {machine()}\n", flush=True)
    results: dict[str, Any] = {"machine": machine(), "engine": {}, "retrieval": {}}
    for size in sizes:
        ensure_archive(size)
        print(f"[{size}] build ...", flush=True)
        built = run_json("bench.engine", "build", size, timeout=7200)
        print(f"[{size}] add one article (incremental build) ...", flush=True)
        added = run_json("bench.engine", "add", size, timeout=3600)
        print(f"[{size}] answer ...", flush=True)
        questions = "3000" if size == "bundled" else "1000"
        answered = run_json("bench.engine", "answer", size, "--questions", questions, "--budget", str(args.budget))
        results["engine"][size] = {"build": built, "add": added, "answer": answered}
        if size != "100k":  # bm25s over 2.5 million passages would measure bm25s's memory, not ours
            print(f"[{size}] retrieval beside bm25s ...", flush=True)
            results["retrieval"][size] = run_json("bench.retrieval", size, "--questions", "500")
        if size != "bundled":
            print(f"[{size}] live swap ...", flush=True)
            results.setdefault("swap", {})[size] = run_json("bench.swap", size)
    if "bundled" in sizes:
        print("hostile questions ...", flush=True)
        results["hostile"] = run_json("bench.hostile", "bundled")
    from bench.startup import time_to_first_answer

    print("start-up ...", flush=True)
    results["startup"] = {s: time_to_first_answer(s, runs=3 if s == "bundled" else 1) for s in sizes}
    if not args.skip_bot and "bundled" in sizes:
        from bench.bot import limits, side_by_side

        print("bot beside echo (limiter off) ...", flush=True)
        results["bot"] = side_by_side()
        print("bot with AIORateLimiter on ...", flush=True)
        results["limits"] = limits()
    results["seconds"] = time.perf_counter() - started
    report = render(results)
    print("\n" + report)
    (OUT / "results.md").write_text(report, encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")


def render(r: dict[str, Any]) -> str:
    parts = [f"Machine: {r['machine']}. Whole run: {r['seconds']:.0f} s.\n"]
    engine_rows = []
    for size, e in r["engine"].items():
        b, a, add = e["build"], e["answer"], e.get("add", {})
        engine_rows.append([
            size, b["articles"], b["passages"], b["build_s"], b["peak_rss_mb"], add.get("add_s", float("nan")),
            add.get("peak_rss_mb", float("nan")), a["load_s"] + a["engine_init_s"], a["peak_rss_mb"], a["questions"],
            a["qps"], a["p50_ms"], a["p99_ms"], f"{100 * a['analyse_share']:.0f}%", f"{100 * a['rank_share']:.0f}%",
        ])  # fmt: skip
    parts.append(table(
        "Engine: full build, one article added (incremental build), open, answer (Engine.answer, one question at "
        "a time, one core)",
        ["index", "articles", "passages", "build s", "build peak MB", "add 1 s", "add peak MB", "open s",
         "serving peak MB", "questions", "q/s", "p50 ms", "p99 ms", "question analysis", "BM25 ranking"],
        engine_rows,
    ))  # fmt: skip
    swap = r.get("swap")
    if swap:
        parts.append(table(
            "Live swap: a rebuilt index renamed over the served one while answering (LiveIndex checking every 0.25 s)",
            ["index", "rename to swap s", "p99 before ms", "p99 during swap ms", "during / before", "answers during"],
            [[s, x["swap_s"], x["p99_before_ms"], x["p99_during_ms"], x["p99_during_ms"] / x["p99_before_ms"],
              x["answers_during"]] for s, x in swap.items()],
        ))  # fmt: skip
    retrieval_rows = [
        [size, x["passages"], x["questions"], x["ours_mean_ms"], x["bm25s_mean_ms"], x["ours_p99_ms"],
         x["bm25s_p99_ms"], x["ratio"], f"{100 * x['same_top1']:.0f}%"]
        for size, x in r["retrieval"].items()
    ]  # fmt: skip
    parts.append(table(
        "Retrieval beside bm25s: same passages, same tokens, top 10 per question",
        ["index", "passages", "questions", "ours ms", "bm25s ms", "ours p99 ms", "bm25s p99 ms", "ours / bm25s",
         "same top passage"],
        retrieval_rows,
    ))  # fmt: skip
    hostile = r.get("hostile")
    if hostile:
        rows = [["ordinary questions (median / worst)", f"{hostile['normal_median_ms']:.2f}",
                 f"{hostile['normal_worst_ms']:.2f}"]]  # fmt: skip
        rows += [[name, "", f"{ms:.2f}"] for name, ms in hostile["by_shape_ms"].items()]
        rows.append(["all hostile shapes (median / worst)", f"{hostile['hostile_median_ms']:.2f}",
                     f"{hostile['hostile_worst_ms']:.2f}"])  # fmt: skip
        parts.append(table(
            "Hostile questions: 4,096-character messages, answer time of Engine.answer (worst of 3), bundled index",
            ["question", "median ms", "worst ms"],
            rows,
        ))  # fmt: skip
    parts.append(table(
        "Start-up: process start to first answer (`python -m bot ask`)",
        ["index", "median s", "worst s"],
        [[s, x["median_s"], x["max_s"]] for s, x in r["startup"].items()],
    ))  # fmt: skip
    bot = r.get("bot")
    if bot:
        e = bot["echo"]
        kinds = [k for k in ("ours", UNCACHED) if k in bot]
        rows = [[k, x["questions"], x["answered"], x["errors"], x["qps"], x["p50_ms"], x["p99_ms"],
                 x["cpu_ms_per_question"], ""] for k, x in [("echo", e)] + [(k, bot[k]) for k in kinds]]  # fmt: skip
        for k in kinds:
            o = bot[k]
            spread = ", ".join(f"{x:.2f}" for x in bot.get("round_ratios", {}).get(k, []))
            rows.append([f"{k} / echo", "", "", "", o["qps"] / e["qps"], o["p50_ms"] / e["p50_ms"],
                         o["p99_ms"] / e["p99_ms"], o["cpu_ms_per_question"] / e["cpu_ms_per_question"],
                         spread])  # fmt: skip
        parts.append(table(
            "Bot beside a minimal echo bot: same stack, fake Bot API on 127.0.0.1, rate limiter off, one burst "
            "(best of the rounds; the last column: ours / echo in each round)",
            ["bot", "questions", "answered", "API errors", "q/s", "p50 ms", "p99 ms", "bot CPU ms / question",
             "q/s ratio per round"],
            rows,
        ))  # fmt: skip
    lim = r.get("limits")
    if lim:
        parts.append(table(
            "Bot with AIORateLimiter on: one burst over private chats and two groups",
            ["questions", "messages", "lost", "API errors", "seconds", "max msgs in any 1 s", "sustained msgs/s",
             "max per chat in any 1 s", "group msgs", "max per group in any 60 s", "group rate after its burst /min"],
            [[lim["questions"], lim["messages"], lim["lost"], lim["errors"], lim["span_s"], lim["max_per_1s"],
              lim["sustained_per_s"], lim["max_chat_per_1s"], lim["group_messages"], lim["max_group_per_60s"],
              lim["group_after_burst_per_min"]]],
        ))  # fmt: skip
    parts.append(summary(r))
    return "\n".join(parts)


def summary(r: dict[str, Any]) -> str:
    rows: list[list[Any]] = []
    eng, ret = r["engine"], r["retrieval"]

    def add(target: str, measured: str, ok: bool | str | None) -> None:
        rows.append([target, measured, "not run" if ok is None else ok if isinstance(ok, str) else verdict(ok)])

    if "bundled" in eng:
        qps = eng["bundled"]["answer"]["qps"]
        add("≥ 1,000 questions/s, bundled article", f"{qps:,.0f} q/s", qps >= 1000)
    if "1k" in eng:
        a = eng["1k"]["answer"]
        add("1,000 articles: ≥ 300 questions/s", f"{a['qps']:,.1f} q/s", a["qps"] >= 300)
        add("1,000 articles: p99 ≤ 10 ms", f"{a['p99_ms']:,.1f} ms", a["p99_ms"] <= 10)
    if "10k" in eng:
        a = eng["10k"]["answer"]
        add("10,000 articles: p99 ≤ 50 ms", f"{a['p99_ms']:,.0f} ms", a["p99_ms"] <= 50)
    for size in ("1k", "10k"):
        if size in ret:
            x = ret[size]["ratio"]
            add(f"retrieval no slower than bm25s, {SIZES[size]:,} articles", f"ours / bm25s = {x:.2f}", x <= 1.0)
    bot = r.get("bot")
    if bot:
        x = bot["ours"]["qps"] / bot["echo"]["qps"]
        add("bot throughput ≥ 0.8 × echo (limiter off)", f"{x:.2f} ×", x >= 0.8)
        if UNCACHED in bot:
            y = bot[UNCACHED]["qps"] / bot["echo"]["qps"]
            add("(not a target) the same, answer cache off: every answer computed", f"{y:.2f} ×", "reference")
    lim = r.get("limits")
    if lim:
        ok = lim["lost"] == 0 and lim["errors"] == 0 and lim["sustained_per_s"] <= 30
        ok = ok and lim["group_after_burst_per_min"] <= 20.5
        add(
            "limiter on: no message lost, ≤ 30 msg/s sustained, ≤ 20/min per group after its burst",
            f"lost {lim['lost']}, {lim['sustained_per_s']:.1f} msg/s, group {lim['group_after_burst_per_min']:.1f}/min",
            ok,
        )
    if "1k" in eng:
        s = eng["1k"]["build"]["build_s"]
        add("rebuild of 1,000 articles ≤ 30 s", f"{s:.1f} s", s <= 30)
    startup_targets = (
        ("bundled", 2.0, "start to first answer ≤ 2 s (bundled index)"),
        ("bundled", 0.5, "issue 12: start to first answer ≤ 0.5 s (bundled index)"),
        ("10k", 1.0, "issue 12: start to first answer ≤ 1 s at 10,000 articles"),
    )
    for size, limit, target in startup_targets:
        if size in r["startup"]:
            s = r["startup"][size]["median_s"]
            add(target, f"{s:.2f} s", s <= limit)
    if "1k" in eng:
        peak = max(eng["1k"]["build"]["peak_rss_mb"], eng["1k"]["answer"]["peak_rss_mb"])
        add(
            f"peak memory ≤ {MB_TARGET:.0f} MB at 1,000 articles (build and serving)",
            f"{peak:.0f} MB",
            peak <= MB_TARGET,
        )
    if "10k" in eng:
        peak = eng["10k"]["answer"]["peak_rss_mb"]
        add("issue 12: serving memory ≤ 300 MB at 10,000 articles", f"{peak:.0f} MB", peak <= 300)
        if "add" in eng["10k"]:
            s = eng["10k"]["add"]["add_s"]
            add("issue 12: one article added to 10,000 ≤ 3 s", f"{s:.2f} s", s <= 3)
    if "100k" in eng:
        e = eng["100k"]
        peak = max(e["build"]["peak_rss_mb"], e["answer"]["peak_rss_mb"])
        add("issue 12: 100,000 articles build and serve ≤ 2 GB peak", f"{peak:,.0f} MB", peak <= 2048)
        p99 = e["answer"]["p99_ms"]
        add("issue 12: 100,000 articles p99 ≤ 50 ms", f"{p99:.0f} ms", p99 <= 50)
    swap = r.get("swap", {})
    if "10k" in swap:
        x = swap["10k"]
        ok = x["swap_s"] <= 2 and x["p99_during_ms"] <= 2 * x["p99_before_ms"]
        add(
            "issue 12: live swap at 10,000 within 2 s, p99 during ≤ 2 × before",
            f"{x['swap_s']:.2f} s, {x['p99_during_ms']:.0f} / {x['p99_before_ms']:.0f} ms",
            ok,
        )
    return table("Summary: the targets of issues 5 and 12", ["target", "measured", "verdict"], rows)


if __name__ == "__main__":
    main()
