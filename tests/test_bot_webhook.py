"""Webhook mode: with TELEGRAM_WEBHOOK_URL set the bot registers the webhook with its secret and answers the
updates posted to its local endpoint; a post without the secret is refused and answered nothing."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from bot.app import build_application, run
from bot.config import ConfigError, Settings, read_settings
from devtools.fake_bot_api import TOKEN, FakeBotAPI
from index.answer import Engine

SECRET = "s3cret-token_for-tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_listening(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _post(port: int, update: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hook", data=json.dumps(update).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_webhook_registers_with_its_secret_and_answers_posted_updates(fake_api: FakeBotAPI, bot_engine: Engine) -> None:
    port = _free_port()
    settings = Settings(
        token=TOKEN, api_base_url=fake_api.base_url, rate_limiter=False, webhook_url="https://bot.example.org/hook",
        webhook_port=port, webhook_secret=SECRET,
    )  # fmt: skip
    app = build_application(settings, bot_engine)
    loop = asyncio.new_event_loop()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        run(app, settings, stop_signals=None, close_loop=False)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        fake_api.wait_for(lambda: any(c.method == "setWebhook" for c in fake_api.calls), timeout=20)
        assert fake_api.webhook["url"] == "https://bot.example.org/hook"
        assert fake_api.webhook["secret_token"] == SECRET
        _wait_listening(port)
        message = fake_api.text_message(77, "what did Trump say?", user_id=77)
        assert _post(port, {"update_id": 1, "message": message}, None) == 403
        assert _post(port, {"update_id": 2, "message": message}, "wrong") == 403
        assert _post(port, {"update_id": 3, "message": message}, SECRET) == 200
        replies = fake_api.wait_messages(77, 1, timeout=20)
        assert "What Donald Trump said" in replies[0]["text"]
        assert len(fake_api.sent(77)) == 1  # the refused posts were answered nothing
        assert not any(c.method == "getUpdates" for c in fake_api.calls)
    finally:
        loop.call_soon_threadsafe(app.stop_running)
        thread.join(timeout=20)
        loop.close()
    assert not thread.is_alive()


@pytest.mark.parametrize(
    ("env", "named"),
    [({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"}, "TELEGRAM_WEBHOOK_SECRET"),
     ({"TELEGRAM_WEBHOOK_URL": "http://bot.example.org/hook", "TELEGRAM_WEBHOOK_SECRET": SECRET},
      "TELEGRAM_WEBHOOK_URL"),
     ({"TELEGRAM_WEBHOOK_PORT": "70000"}, "TELEGRAM_WEBHOOK_PORT"),
     ({"TELEGRAM_WEBHOOK_SECRET": "has spaces"}, "TELEGRAM_WEBHOOK_SECRET")],
)  # fmt: skip
def test_webhook_settings_are_checked(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=f"^{named}"):
        read_settings(env)
