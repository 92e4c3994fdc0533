"""The real bot against the fake Bot API server, beside a minimal echo bot on the same stack.

The fake server (tests/fake_bot_api.py) runs in this process; each bot runs in a subprocess polling it through
TELEGRAM_API_BASE_URL-style base_url. A burst of questions from many chats is pushed at once; a question's
latency runs from its push to the server receiving the last message of its reply.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

from bench.common import BUNDLED_QUESTIONS, ROOT, index_db, percentile
from devtools.fake_bot_api import FakeBotAPI

SETTLE = 0.25  # seconds without a new message before a warm-up reply counts as complete
UNCACHED = "ours, cache off"  # our bot with the engine's cache of recent answers off: every answer computed


class Running:
    """One bot subprocess polling the fake server."""

    def __init__(self, fake: FakeBotAPI, kind: str, limiter: bool) -> None:
        self.fake = fake
        proc = "ours" if kind == UNCACHED else kind
        args = [sys.executable, "-m", "bench.botproc", proc, fake.base_url, "--limiter", "on" if limiter else "off"]
        args += ["--db", str(index_db("bundled"))] + (["--no-cache"] if kind == UNCACHED else [])
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        fake.wait_for(lambda: any(c.method == "getUpdates" for c in fake.calls) or self.proc.poll() is not None, 60)
        if self.proc.poll() is not None:
            raise RuntimeError(f"{kind} bot died:\n{self.proc.stderr.read() if self.proc.stderr else ''}")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the bot process has used so far (from /proc)."""
        with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _sends(fake: FakeBotAPI) -> dict[int, list[float]]:
    """Times of the successful sendMessage calls, per chat."""
    out: dict[int, list[float]] = defaultdict(list)
    with fake.lock:
        for c in fake.calls:
            if c.method == "sendMessage" and c.error is None:
                out[int(c.params["chat_id"])].append(c.at)
    return out


def warm_up(fake: FakeBotAPI, chat: int, questions: list[str], *, group: bool = False) -> dict[str, int]:
    """Ask each question once, one at a time, each from its own chat (the flood gate counts per user);
    return how many messages each reply takes."""
    counts: dict[str, int] = {}
    for i, q in enumerate(questions):
        chat = (chat - i) if group else (chat + i)
        before = len(fake.sent(chat))
        _push(fake, chat, q, group)
        fake.wait_messages(chat, before + 1, timeout=30)
        n = len(fake.sent(chat))
        while True:
            time.sleep(SETTLE)
            if len(fake.sent(chat)) == n:
                break
            n = len(fake.sent(chat))
        counts[q] = n - before
    return counts


_group_users = iter(range(700_000, 10**9))


def _push(fake: FakeBotAPI, chat: int, question: str, group: bool) -> None:
    if group:  # many members asking, so the per-user flood gate stays out of the measurement
        fake.push_text(chat, f"/ask {question}", chat_type="supergroup", user_id=next(_group_users))
    else:
        fake.push_text(chat, question)


def burst(
    fake: FakeBotAPI, plan: list[tuple[int, str, bool]], counts: dict[str, int], timeout: float
) -> dict[str, Any]:
    """Push every (chat, question, group) at once; wait for every reply; return timings."""
    expected: dict[int, list[int]] = defaultdict(list)  # chat -> messages per question, in order
    base = _sends(fake)
    pushed: dict[int, list[float]] = defaultdict(list)
    for chat, q, group in plan:
        pushed[chat].append(time.monotonic())
        _push(fake, chat, q, group)
        expected[chat].append(counts[q])
    deadline = time.monotonic() + timeout
    while True:
        sends = _sends(fake)
        missing = sum(max(0, sum(e) - (len(sends[c]) - len(base.get(c, [])))) for c, e in expected.items())
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    latencies: list[float] = []
    times: list[float] = []
    for chat, per_q in expected.items():
        mine = sends[chat][len(base.get(chat, [])) :]
        times += mine
        k = 0
        for n, t_push in zip(per_q, pushed[chat], strict=True):
            k += n
            if k <= len(mine):
                latencies.append(mine[k - 1] - t_push)
    start = min(t for ts in pushed.values() for t in ts)
    end = max(times) if times else start
    return {
        "questions": len(plan),
        "answered": len(latencies),
        "messages": len(times),
        "expected_messages": sum(sum(e) for e in expected.values()),
        "seconds": end - start,
        "qps": len(latencies) / (end - start) if end > start else float("nan"),
        "p50_ms": 1000 * percentile(latencies, 50),
        "p99_ms": 1000 * percentile(latencies, 99),
        "send_times": {c: sends[c][len(base.get(c, [])) :] for c in expected},
    }


def side_by_side(chats: int = 60, per_chat: int = 5, rounds: int = 3) -> dict[str, Any]:
    """Echo, ours and ours without the answer cache, limiter off, the same burst; `rounds` rounds, alternating.

    Each kind's best round is reported (the one least disturbed by the machine's other work), and the ratio
    of ours to echo within each round, to show the spread.
    """
    questions = BUNDLED_QUESTIONS
    results: dict[str, list[dict[str, Any]]] = {"echo": [], "ours": [], UNCACHED: []}
    for r in range(rounds):
        for kind in results:
            fake = FakeBotAPI().start()
            bot = Running(fake, kind, limiter=False)
            try:
                counts = dict.fromkeys(questions, 1) if kind == "echo" else warm_up(fake, 100, questions)
                first = 1000 + r * 10000
                plan = [(first + c, questions[(c + k) % len(questions)], False) for k in range(per_chat)
                        for c in range(chats)]  # fmt: skip
                cpu = bot.cpu_seconds()
                out = burst(fake, plan, counts, timeout=120)
                out["cpu_ms_per_question"] = 1000 * (bot.cpu_seconds() - cpu) / len(plan)
                out.pop("send_times")
                out["errors"] = len(fake.errors())
                results[kind].append(out)
            finally:
                bot.stop()
                fake.stop()
    best: dict[str, Any] = {kind: max(runs, key=lambda x: x["qps"]) for kind, runs in results.items()}
    best["round_ratios"] = {
        kind: [o["qps"] / e["qps"] for o, e in zip(results[kind], results["echo"], strict=True)]
        for kind in ("ours", UNCACHED)
    }
    return best


def _max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def limits(private_chats: int = 60, per_chat: int = 2, groups: int = 2, per_group: int = 26) -> dict[str, Any]:
    """Ours with AIORateLimiter on: a burst over private chats and groups; every reply arrives, paced."""
    questions = BUNDLED_QUESTIONS
    fake = FakeBotAPI().start()
    bot = Running(fake, "ours", limiter=True)
    try:
        counts = warm_up(fake, 100, questions)
        plan = [(5000 + c, questions[(c + k) % len(questions)], False) for k in range(per_chat)
                for c in range(private_chats)]  # fmt: skip
        group_ids = [-(9000 + g) for g in range(groups)]
        plan += [(g, questions[k % len(questions)], True) for k in range(per_group) for g in group_ids]
        out = burst(fake, plan, counts, timeout=240)
        times = out.pop("send_times")
        everything = [t for ts in times.values() for t in ts]
        private = [ts for c, ts in times.items() if c > 0]
        grouped = [ts for c, ts in times.items() if c < 0]
        span = max(everything) - min(everything)
        # After the first second's burst, the sustained overall rate.
        t0 = min(everything)
        later = [t for t in everything if t >= t0 + 1.0]
        sustained = (len(later) - 1) / (max(later) - min(later)) if len(later) > 1 else float("nan")
        group_tail = []
        for ts in grouped:
            ts = sorted(ts)
            if len(ts) > 20:
                group_tail.append((len(ts) - 20) / (ts[-1] - ts[19]) * 60 if ts[-1] > ts[19] else float("inf"))
        out.update(
            {
                "errors": len(fake.errors()),
                "lost": out["expected_messages"] - out["messages"],
                "span_s": span,
                "max_per_1s": _max_in_window(everything, 1.0),
                "sustained_per_s": sustained,
                "max_chat_per_1s": max(_max_in_window(ts, 1.0) for ts in private),
                "max_group_per_60s": max(_max_in_window(ts, 60.0) for ts in grouped),
                "group_after_burst_per_min": max(group_tail) if group_tail else float("nan"),
                "group_messages": max(len(ts) for ts in grouped),
            }
        )
        return out
    finally:
        bot.stop()
        fake.stop()
