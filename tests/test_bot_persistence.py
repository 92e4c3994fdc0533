"""Chat state survives a restart: the follow-ups of a conversation still work after the bot is restarted."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from conftest import PollingBot

from bot.config import Settings, read_settings
from bot.handlers import STATE_DAYS, forget_quiet_chats
from index.answer import Engine


def test_a_follow_up_after_a_restart_continues_the_conversation(
    fake_api: Any, bot_engine: Engine, tmp_path: Path
) -> None:
    state = tmp_path / "state.pickle"
    first = PollingBot(fake_api, bot_engine, state_path=state, rate_limiter=False).start(fake_api)
    fake_api.push_text(41, "what did Trump say?")
    assert "What Donald Trump said" in fake_api.wait_messages(41, 1, timeout=20)[0]["text"]
    first.stop()
    assert state.is_file()
    second = PollingBot(fake_api, bot_engine, state_path=state, rate_limiter=False).start(fake_api)
    try:
        fake_api.push_text(41, "what else did he say?")
        replies = fake_api.wait_messages(41, 2, timeout=20)
        assert "Donald Trump" in replies[1]["text"]
        fake_api.push_text(42, "what else did he say?")  # a chat with no past: nobody to continue with
        assert "Donald Trump" not in fake_api.wait_messages(42, 1, timeout=20)[0]["text"]
    finally:
        second.stop()


class _App:
    def __init__(self, chats: dict[int, dict[str, Any]]) -> None:
        self.chat_data = chats

    def drop_chat_data(self, chat: int) -> None:
        del self.chat_data[chat]


def test_quiet_chats_are_forgotten() -> None:
    now = time.time()
    app = _App({1: {"at": now}, 2: {"at": now - (STATE_DAYS + 1) * 86_400}, 3: {}, 4: {"at": now - 60}})
    assert forget_quiet_chats(app, now=now) == 2
    assert set(app.chat_data) == {1, 4}


def test_state_file_setting(tmp_path: Path) -> None:
    index = tmp_path / "index.db"
    assert Settings(index_db=index).state_path() == tmp_path / "state.pickle"
    assert read_settings({"STATE_FILE": "off"}).state_path() is None
    assert read_settings({"STATE_FILE": str(tmp_path / "s.pkl")}).state_path() == tmp_path / "s.pkl"
