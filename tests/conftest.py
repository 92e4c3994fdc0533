"""Shared fixtures: a small real index built from the bundled article (and one with two articles)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from index.answer import Engine
from index.build import build
from index.paths import DEFAULT_ARTICLES

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent


def start_bot_process(cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start `python -m bot` with exactly these settings: none inherited from the developer's environment."""
    from bot.config import SETTINGS

    clean = {k: v for k, v in os.environ.items() if not any(k == s.name for s in SETTINGS)}
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=cwd, env={**clean, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def engine_from_text(tmp_path_factory: pytest.TempPathFactory, filename: str, text: str) -> Engine:
    """An engine over one article given as text, indexed in a folder of its own."""
    folder = tmp_path_factory.mktemp(Path(filename).stem)
    (folder / filename).write_text(text, encoding="utf-8")
    build([folder], folder / "index.db")
    return Engine.from_db(folder / "index.db")


@pytest.fixture(scope="session")
def bot_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine over the bundled article, in a private index file."""
    db = tmp_path_factory.mktemp("bot-index") / "index.db"
    build([DEFAULT_ARTICLES], db)
    return Engine.from_db(db)


@pytest.fixture(scope="session")
def bot_engine_two(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine over the bundled article and the port-strike fixture: citations must name the article."""
    db = tmp_path_factory.mktemp("bot-index-two") / "index.db"
    build([DEFAULT_ARTICLES, FIXTURES / "2026-03-05-port-strike.txt"], db)
    return Engine.from_db(db)


# -- hardening harness: the real bot, configurable, polling the fake Bot API in its own thread -----------------


class PollingBot:
    """The bot's application polling in its own thread and event loop, as `run_polling` runs it in production.

    Settings beyond the token and base URL come from `overrides`; `index_path` turns on live index reloads.
    """

    def __init__(
        self,
        fake: Any,
        engine: Engine,
        *,
        index_path: Path | None = None,
        state_path: Path | None = None,
        poll_timeout: float = 1,
        **overrides: Any,
    ) -> None:
        from bot.app import build_application
        from bot.config import Settings
        from devtools.fake_bot_api import TOKEN

        self.settings = Settings(token=TOKEN, api_base_url=fake.base_url, **overrides)
        self.app = build_application(self.settings, engine, index_path=index_path, state_path=state_path)
        self.errors: list[BaseException] = []  # raised while handling an update
        self.polling_errors: list[BaseException] = []  # raised while fetching updates (PTB retries those)
        self.app.add_error_handler(self._record_error)
        self.poll_timeout = poll_timeout
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="polling-bot", daemon=True)

    async def _record_error(self, update: object, context: Any) -> None:
        (self.polling_errors if update is None else self.errors).append(context.error)

    def _run(self) -> None:
        from telegram import Update

        asyncio.set_event_loop(self.loop)
        self.app.run_polling(
            poll_interval=0, timeout=int(self.poll_timeout), allowed_updates=Update.ALL_TYPES, close_loop=False,
            stop_signals=None, bootstrap_retries=-1,
        )  # fmt: skip

    def start(self, fake: Any) -> PollingBot:
        """Start polling and wait until the bot has asked for updates."""
        self.thread.start()
        fake.wait_for(lambda: any(c.method == "getUpdates" for c in fake.calls), timeout=20)
        return self

    @property
    def alive(self) -> bool:
        """Tell whether the polling thread still runs."""
        return self.thread.is_alive()

    def stop(self) -> None:
        """Stop polling gracefully and close the loop."""
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.app.stop_running)
            self.thread.join(timeout=20)
        assert not self.thread.is_alive(), "the bot did not stop"
        self.loop.close()


@pytest.fixture
def fake_api() -> Iterator[Any]:
    """A fresh fake Bot API server for one test."""
    from devtools.fake_bot_api import FakeBotAPI

    server = FakeBotAPI().start()
    yield server
    server.stop()


@pytest.fixture
def polling_bot(fake_api: Any) -> Iterator[Callable[..., PollingBot]]:
    """Start real polling bots against `fake_api` with chosen settings; they are stopped after the test."""
    bots: list[PollingBot] = []

    def start(engine: Engine, **kw: Any) -> PollingBot:
        bot = PollingBot(fake_api, engine, **kw).start(fake_api)
        bots.append(bot)
        return bot

    yield start
    for bot in bots:
        bot.stop()


@pytest.fixture(scope="session", autouse=True)
def quick_thread_switches() -> Iterator[None]:
    """The bot and the fake server share one process: hand the GIL over sooner than every 5 ms, so a reply
    waiting on the server thread is not held up (about a quarter off the end-to-end tests' wall time)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    yield
    sys.setswitchinterval(before)
