"""Settings: declared once, documented in .env.example, malformed values stop the bot with one clear line."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import start_bot_process

from bot.app import HideContent, RedactToken, setup_logging
from bot.config import SETTINGS, ConfigError, Settings, read_settings
from index.build import build
from index.paths import DEFAULT_ARTICLES

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_env_example_documents_every_setting() -> None:
    documented = {
        line.split("=", 1)[0].strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert documented == {s.name for s in SETTINGS}


def test_defaults_and_values() -> None:
    assert read_settings({}) == Settings()
    s = read_settings(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
         "INDEX_DB": "x/i.db", "ADMIN_USER_IDS": "1, 22", "LOG_LEVEL": "debug"}
    )  # fmt: skip
    assert s == Settings(TOKEN, "http://127.0.0.1:8081/bot", Path("x/i.db"), frozenset({1, 22}), "DEBUG")
    assert read_settings({"TELEGRAM_CONNECTIONS": "8"}).telegram_connections == 8


@pytest.mark.parametrize(
    ("name", "value"),
    [("TELEGRAM_BOT_TOKEN", "not-a-token"), ("TELEGRAM_API_BASE_URL", "localhost:8081"),
     ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot/"), ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081"),
     ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:99999/bot"), ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:0/bot"),
     ("TELEGRAM_API_BASE_URL", "http://bad_host!/bot"), ("TELEGRAM_API_BASE_URL", "ftp://127.0.0.1/bot"),
     ("ADMIN_USER_IDS", "12,abc"), ("LOG_LEVEL", "LOUD"), ("TELEGRAM_CONNECTIONS", "0"),
     ("TELEGRAM_CONNECTIONS", "many")],
)  # fmt: skip
def test_malformed_setting_names_itself(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name} is malformed: expected"):
        read_settings({name: value})


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8081/bot", "https://api.telegram.org/bot", "http://[::1]:8081/bot",
            "https://tg.example.com/api/bot{token}/test"],
)  # fmt: skip
def test_working_base_urls_are_accepted(url: str) -> None:
    assert read_settings({"TELEGRAM_API_BASE_URL": url}).api_base_url == url


@pytest.mark.parametrize(("token_ok", "suffix"), [(False, ""), (True, "/")])
def test_a_rejected_token_is_one_line_naming_the_setting_without_the_token(
    tmp_path: Path, token_ok: bool, suffix: str
) -> None:
    """A revoked token, or a base URL Telegram answers 404 on: PTB raises InvalidToken with the token in its
    message. The bot says which setting to fix in one line, exits non-zero, and prints no traceback."""
    from devtools.fake_bot_api import TOKEN as FAKE_TOKEN
    from devtools.fake_bot_api import FakeBotAPI

    fake = FakeBotAPI().start()
    token = FAKE_TOKEN if token_ok else "987654321:" + "Z" * 35
    # A trailing slash fails the settings check before Telegram is asked: one line all the same.
    env = {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": fake.base_url + suffix, "LOG_LEVEL": "DEBUG",
           "INDEX_DB": str(tmp_path / "index.db")}  # fmt: skip
    try:
        done = run_bot(tmp_path, env)
    finally:
        fake.stop()
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "TELEGRAM_" in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert token not in done.stderr and token.split(":")[1] not in done.stderr


def run_bot(tmp_path: Path, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not any(k == s.name for s in SETTINGS)}
    return subprocess.run(
        [sys.executable, "-m", "bot"], input=stdin, capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
    )  # fmt: skip


def test_malformed_setting_exits_with_one_line(tmp_path: Path) -> None:
    result = run_bot(tmp_path, {"LOG_LEVEL": "LOUD"})
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "error: LOG_LEVEL is malformed: expected one of DEBUG, INFO, WARNING, ERROR "
        "(set it in .env or the environment)"
    )


def test_no_token_opens_the_terminal_chat_and_builds_a_missing_index(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("INDEX_DB=fresh/index.db\n")
    result = run_bot(tmp_path, {}, stdin="what did Trump say?\n")
    assert result.returncode == 0, result.stderr
    assert "@BotFather" in result.stderr and "No index at" in result.stderr
    assert (tmp_path / "fresh" / "index.db").is_file()
    assert "What Donald Trump said:" in result.stdout and "¶3 · Donald Trump" in result.stdout


def test_token_is_redacted_from_logs(caplog: pytest.LogCaptureFixture) -> None:
    record = logging.LogRecord(
        "httpx", logging.ERROR, __file__, 1, "POST https://api.telegram.org/bot%s/getMe", (TOKEN,), None
    )
    assert RedactToken(TOKEN).filter(record)
    assert TOKEN not in record.getMessage() and "<token>" in record.getMessage()
    other = logging.LogRecord("x", logging.INFO, __file__, 1, "token 987654321:%s", ("Z" * 35,), None)
    RedactToken(None).filter(other)
    assert "Z" * 35 not in other.getMessage()


def test_setup_logging_quiets_http_loggers() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        setup_logging("DEBUG", TOKEN)
        assert logging.getLogger("httpx").level == logging.WARNING
        assert logging.getLogger("httpcore").level == logging.WARNING
    finally:
        for h in root.handlers:
            if h not in before:
                root.removeHandler(h)
        for h in before:
            h.filters = [f for f in h.filters if not isinstance(f, RedactToken | HideContent)]


def test_python_m_bot_with_a_token_polls_and_never_logs_the_token(tmp_path: Path) -> None:
    from devtools.fake_bot_api import TOKEN as FAKE_TOKEN
    from devtools.fake_bot_api import FakeBotAPI

    fake = FakeBotAPI().start()
    env = {"TELEGRAM_BOT_TOKEN": FAKE_TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "LOG_LEVEL": "DEBUG",
           "INDEX_DB": str(tmp_path / "index.db")}  # fmt: skip
    proc = start_bot_process(tmp_path, env)
    try:
        fake.wait_for(lambda: fake.commands, timeout=30)
        fake.push_text(9, "what did Trump say?")
        assert "What Donald Trump said" in fake.wait_messages(9, 1, timeout=30)[0]["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        fake.stop()
    assert proc.returncode == 0, stderr
    assert "DEBUG" in stderr and "getUpdates" in stderr  # PTB's own debug logging is on ...
    assert FAKE_TOKEN not in stderr and FAKE_TOKEN.split(":")[1] not in stderr  # ... and the token is not in it
    assert "what did Trump say" not in stderr and "What Donald Trump said" not in stderr  # nor what users wrote


def test_a_token_revoked_while_running_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    """PTB's polling gives up for good on a rejected token; the process used to keep running without updates.
    Now it stops, exits 1 (a supervisor notices) and says which setting to fix, without the token."""
    from devtools.fake_bot_api import TOKEN as FAKE_TOKEN
    from devtools.fake_bot_api import FakeBotAPI

    fake = FakeBotAPI().start()
    env = {"TELEGRAM_BOT_TOKEN": FAKE_TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,
           "INDEX_DB": str(tmp_path / "index.db")}  # fmt: skip
    proc = start_bot_process(tmp_path, env)
    try:
        fake.wait_for(lambda: fake.commands, timeout=30)
        fake.push_text(9, "what did Trump say?")
        fake.wait_messages(9, 1, timeout=30)
        fake.revoke()
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        fake.stop()
    assert proc.returncode == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "TELEGRAM_BOT_TOKEN" in errors[0], stderr
    assert "Traceback" not in stderr
    assert FAKE_TOKEN not in stderr and FAKE_TOKEN.split(":")[1] not in stderr


def test_every_command_reads_index_db_from_dotenv_under_the_real_environment(tmp_path: Path) -> None:
    """`ask`, `chat` and `python -m index build` all read INDEX_DB the same way: environment, then .env."""
    from_dotenv = tmp_path / "from-dotenv.db"
    (tmp_path / ".env").write_text(f"INDEX_DB={from_dotenv}\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not any(k == s.name for s in SETTINGS)}
    env = {**clean, "PYTHONPATH": str(ROOT)}
    articles = str(ROOT / "tests" / "fixtures" / "2026-03-05-port-strike.txt")  # not the default article

    def run(*args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=120,
                              cwd=tmp_path, env={**env, **(extra or {})})  # fmt: skip

    assert run("index", "build", articles).returncode == 0
    assert from_dotenv.is_file()
    asked = run("bot", "ask", "what did Haverkamp say")
    assert asked.returncode == 0 and "Elin Haverkamp" in asked.stdout
    real = tmp_path / "from-environment.db"
    assert run("index", "build", articles, extra={"INDEX_DB": str(real)}).returncode == 0
    assert real.is_file()
    missing = run("bot", "ask", "hi", extra={"INDEX_DB": str(tmp_path / "nowhere.db")})
    assert missing.returncode == 1 and "nowhere.db" in missing.stderr


@pytest.mark.parametrize(("script", "usage"), [("newsbot", "python -m bot"), ("newsbot-index", "python -m index")])
def test_console_scripts_run_the_same_commands(script: str, usage: str) -> None:
    """An installed package runs without `python -m` from the source folder."""
    import shutil

    found = shutil.which(script, path=str(Path(sys.executable).parent))
    assert found, f"{script} is not installed beside {sys.executable}"
    done = subprocess.run([found, "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0 and f"usage: {usage}" in done.stdout


def test_ask_preloads_the_encoder_for_the_index_it_will_open(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`python -m bot ask` starts loading the encoder before anything else when its index stores vectors."""
    from bot import __main__ as entry
    from index import dense

    monkeypatch.setenv("INDEX_DB", str(tmp_path / "env.db"))
    assert entry._asked_db(["--db", "a.db", "who?"]) == Path("a.db")
    assert entry._asked_db(["--json", "--db=b.db"]) == Path("b.db")
    assert entry._asked_db(["who", "is", "quoted"]) == tmp_path / "env.db"
    loaded: list[bool] = []
    monkeypatch.setattr(dense, "encoder", lambda: loaded.append(True))
    entry._preload_encoder(tmp_path / "missing.db")
    plain = tmp_path / "plain.db"
    build([DEFAULT_ARTICLES], plain, vectors=False)
    entry._preload_encoder(plain)
    assert loaded == []  # nothing to encode with: no load
    with_vectors = tmp_path / "vectors.db"
    with sqlite3.connect(with_vectors) as conn:
        conn.execute("CREATE TABLE vectors (id TEXT, data BLOB)")
        conn.execute("INSERT INTO vectors VALUES ('a#1', x'00')")
    conn.close()
    entry._preload_encoder(with_vectors)
    assert loaded == [True]


def test_the_entry_point_has_typing_loaded_before_the_encoder_thread_starts() -> None:
    """`dataclasses` reads `typing` from sys.modules without importing it: if the encoder thread were first to import
    it, the main thread's dataclasses could find it half-initialised (one `ask` in forty failed so). The entry point
    imports both before it starts the thread."""
    code = "import sys; import bot.__main__; print('typing' in sys.modules, 'dataclasses' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.split() == ["True", "True"]
