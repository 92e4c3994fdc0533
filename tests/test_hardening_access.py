"""Items 6 and 7: secrets, access and privacy.

The token appears in no log at any level (DEBUG included, faults and tracebacks included). /reload and /stats
answer only ADMIN_USER_IDS; others get the normal help. Nothing a user types reaches SQL except as a bound
parameter. Question text is stored only when STORE_QUESTIONS is on; /stats shows aggregates.
"""

from __future__ import annotations

import ast
import logging
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import PollingBot, start_bot_process

from bot.app import RedactToken
from bot.format import HELP
from bot.stats import Stats, top_topics
from devtools.fake_bot_api import TOKEN, FakeBotAPI, Fault
from index.answer import Engine
from index.build import build
from index.paths import DEFAULT_ARTICLES

ROOT = Path(__file__).resolve().parent.parent
ADMIN, USER = 4242, 777
INJECTION = "Robert'); DROP TABLE questions; -- what did Biden say?"


# -- secrets -----------------------------------------------------------------------------------------------


def test_token_in_no_log_at_debug_through_faults_errors_and_hostile_text(tmp_path: Path) -> None:
    fake = FakeBotAPI().start()
    db = tmp_path / "index.db"
    build([DEFAULT_ARTICLES], db)
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "LOG_LEVEL": "DEBUG",
           "INDEX_DB": str(db), "TELEGRAM_TIMEOUT": "0.5", "ADMIN_USER_IDS": str(ADMIN)}  # fmt: skip
    proc = start_bot_process(tmp_path, env)
    try:
        fake.wait_for(lambda: fake.commands, timeout=30)
        for fault in (Fault("sendMessage", status=500), Fault("sendMessage", drop=True),
                      Fault("sendMessage", status=429, retry_after=1), Fault("getUpdates", status=502)):  # fmt: skip
            fake.inject(fault)
        fake.push_text(9, f"what did Trump say? {TOKEN} <b>&")  # a user pasting the token is redacted too
        fake.push_text(ADMIN, "/reload")
        fake.push_text(ADMIN, "/stats")
        fake.wait_messages(ADMIN, 2, timeout=30)
        fake.wait_messages(9, 1, timeout=30)
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        fake.stop()
    secret = TOKEN.split(":")[1]
    print(f"\n[secrets] DEBUG log lines {stderr.count(chr(10))}; with the token 0 expected, found "
          f"{stderr.count(secret)}; faults met {len(fake.faults_met())}")  # fmt: skip
    assert proc.returncode == 0, stderr[-2000:]
    assert "DEBUG" in stderr and "sendMessage failed" in stderr  # debug logging on, faults logged ...
    assert TOKEN not in stderr and secret not in stderr  # ... and the token in none of it


def test_redaction_covers_messages_arguments_and_tracebacks() -> None:
    redact = RedactToken(TOKEN)
    try:
        raise RuntimeError(f"POST http://127.0.0.1/bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "url %s", (f"/bot{TOKEN}/getMe",), sys.exc_info())
    assert redact.filter(record)
    formatted = logging.Formatter("%(message)s").format(record)
    assert TOKEN not in formatted and TOKEN.split(":")[1] not in formatted
    assert "url /bot<token>/getMe" in formatted and "RuntimeError: POST http://127.0.0.1/bot<token>" in formatted
    other = "987654321:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"  # anything shaped like a token
    assert redact.redact(f"x {other} y") == "x <token> y"


# -- access --------------------------------------------------------------------------------------------------


def test_admin_commands_answer_only_admins(
    fake_api: FakeBotAPI, polling_bot: Callable[..., PollingBot], tmp_path: Path
) -> None:
    db = tmp_path / "index.db"
    build([DEFAULT_ARTICLES], db)
    polling_bot(Engine.from_db(db), index_path=db, admin_user_ids=frozenset({ADMIN}))
    help_text = fake_api.sent(USER) or None
    fake_api.push_text(USER, "/help")
    help_text = fake_api.wait_messages(USER, 1)[0]["text"]
    assert help_text.startswith(HELP[0])
    for i, command in enumerate(("/stats", "/reload", "/reload now please", "/STATS", "/stats@article_bot")):
        fake_api.push_text(USER, command)
        assert fake_api.wait_messages(USER, i + 2)[-1]["text"] == help_text, command
    fake_api.push_text(ADMIN, "/reload")
    assert fake_api.wait_messages(ADMIN, 1)[0]["text"].startswith("The index is unchanged; serving build")
    fake_api.push_text(ADMIN, "/stats")
    stats = fake_api.wait_messages(ADMIN, 2)[-1]["text"]
    assert stats.startswith("Questions: 0 (since start; question text is not stored)") and "Index: build" in stats
    # Admin commands stay out of the public menu.
    assert {c["command"] for c in fake_api.commands}.isdisjoint({"stats", "reload"})


_SQL_CALLS = {"execute", "executemany", "executescript", "query", "rows_where", "count_where"}


def _sql_is_constant(node: ast.expr, constants: set[str]) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    return isinstance(node, ast.Name) and node.id in constants


def test_no_user_text_reaches_sql_except_as_a_bound_parameter() -> None:
    """Every SQL statement in bot/ and index/ is a literal (or a module constant built from literals)."""
    offenders = []
    for path in sorted([*(ROOT / "bot").glob("*.py"), *(ROOT / "index").glob("*.py")]):
        tree = ast.parse(path.read_text())
        constants = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant | ast.Tuple | ast.BinOp)
            for t in node.targets
            if isinstance(t, ast.Name) and t.id.isupper()
            and all(isinstance(c, ast.Constant) for c in ast.walk(node.value) if isinstance(c, ast.expr)
                    and not isinstance(c, ast.Tuple | ast.BinOp))
        }  # fmt: skip
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SQL_CALLS:
                sql = node.args[0] if node.args else None
                if sql is not None and not _sql_is_constant(sql, constants):
                    offenders.append(f"{path.name}:{node.lineno} {ast.unparse(node)[:80]}")
    assert not offenders, offenders


# -- privacy -----------------------------------------------------------------------------------------------


def _ask_all(fake: FakeBotAPI, chat: int, questions: list[str]) -> None:
    for i, q in enumerate(questions):
        fake.push_text(chat, q)
        fake.wait_messages(chat, i + 1)


QUESTIONS = ["What did Trump say?", "What did Biden say about tariffs?", "Did Zelensky mention NATO?", INJECTION]


def expected(engine: Engine) -> tuple[int, int]:
    answered = sum(engine.answer(q).answered for q in QUESTIONS)
    return answered, len(QUESTIONS) - answered


def test_question_text_is_not_stored_by_default(
    fake_api: FakeBotAPI, polling_bot: Callable[..., PollingBot], bot_engine: Engine, tmp_path: Path
) -> None:
    store = tmp_path / "stats.db"
    polling_bot(bot_engine, admin_user_ids=frozenset({ADMIN}), stats_db=store)
    _ask_all(fake_api, 80_001, QUESTIONS)
    fake_api.push_text(ADMIN, "/stats")
    stats = fake_api.wait_messages(ADMIN, 1)[0]["text"]
    print(f"\n[privacy off] {stats!r}; files in the data folder: {sorted(p.name for p in tmp_path.iterdir())}")
    assert "Questions: 4 (since start; question text is not stored)" in stats
    answered, abstained = expected(bot_engine)
    assert f"Answered: {answered}\nNot in the article: {abstained}" in stats and "topics" not in stats
    assert not store.exists()


def test_stored_questions_give_top_unanswered_topics(
    fake_api: FakeBotAPI, polling_bot: Callable[..., PollingBot], bot_engine: Engine, tmp_path: Path
) -> None:
    store = tmp_path / "stats.db"
    polling_bot(bot_engine, admin_user_ids=frozenset({ADMIN}), stats_db=store, store_questions=True)
    _ask_all(fake_api, 80_002, QUESTIONS)
    fake_api.push_text(ADMIN, "/stats")
    stats = fake_api.wait_messages(ADMIN, 1)[0]["text"]
    print(f"\n[privacy on] {stats!r}")
    answered, abstained = expected(bot_engine)
    assert f"Questions: 4 (all time)\nAnswered: {answered}\nNot in the article: {abstained}" in stats
    assert "Top unanswered topics: biden (2)," in stats  # Biden is in two questions the article does not answer
    with sqlite3.connect(store) as conn:
        rows = conn.execute("select text, answered from questions order by id").fetchall()
        columns = [r[1] for r in conn.execute("pragma table_info(questions)")]
    conn.close()
    # the injection is stored verbatim and the table is intact
    assert rows == [(q, int(bot_engine.answer(q).answered)) for q in QUESTIONS]
    assert columns == ["id", "asked_at", "answered", "text"]  # no user or chat ids


def test_stats_store_survives_restarts_and_prunes(tmp_path: Path) -> None:
    stats = Stats(tmp_path / "s.db")
    stats.record(INJECTION, False)
    stats.close()
    again = Stats(tmp_path / "s.db")
    again.record("when do the talks resume?", True)
    summary = again.summary()
    assert (summary.questions, summary.answered, summary.abstained) == (2, 1, 1)
    assert top_topics(["what did Biden say about tariffs?", "Biden tariffs", "the weather?"]) == (
        ("biden", 2), ("tariffs", 2), ("weather", 1),
    )  # fmt: skip
    again.close()
