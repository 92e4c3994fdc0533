"""Requests to Telegram: at most TELEGRAM_CONNECTIONS in flight, the rest wait their turn and all complete."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.request import HTTPXRequest

from bot.app import BoundedRequest, build_application
from bot.config import Settings
from index.answer import Engine

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize("connections", [1, 3])
def test_no_more_requests_in_flight_than_connections(monkeypatch: pytest.MonkeyPatch, connections: int) -> None:
    in_flight, most, done = 0, 0, 0

    async def slow_request(self: HTTPXRequest, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        nonlocal in_flight, most, done
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        done += 1
        return 200, b'{"ok": true, "result": true}'

    monkeypatch.setattr(HTTPXRequest, "do_request", slow_request)
    request = BoundedRequest(connections, 5.0)

    async def burst() -> None:
        await asyncio.gather(*(request.do_request("http://127.0.0.1/x", "POST") for _ in range(12)))

    asyncio.run(burst())
    assert (most, done) == (connections, 12)


def test_the_bot_sends_through_the_configured_number_of_connections(bot_engine: Engine) -> None:
    app = build_application(Settings(token=TOKEN, telegram_connections=2), bot_engine)
    request = app.bot.request
    assert isinstance(request, BoundedRequest)
    assert request._slots._value == 2
