"""What the handlers share, typed: python-telegram-bot's ContextTypes with a BotData class instead of a dict.

`build_application` fills it; a handler reads `context.bot_data.conversation` and so on, and a wiring slip is an
error at once instead of a silent fall back to defaults.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.config import Settings
from bot.conversation import Conversation
from bot.flood import FloodGate
from bot.live_index import LiveIndex
from bot.stats import Stats


class BotData:
    """The bot's shared state: its settings, the conversation (swapped on a live rebuild), counters, gates."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.stats = Stats(None)
        self.flood: FloodGate | None = None  # questions per user; None: no limit
        self.inline_flood: FloodGate | None = None  # inline queries per user (a larger budget)
        self.live: LiveIndex | None = None  # watches the index file; None: live reload off
        self._conversation: Conversation | None = None

    @property
    def conversation(self) -> Conversation:
        """The conversation over the served index (set by build_application, swapped by LiveIndex)."""
        if self._conversation is None:
            raise RuntimeError("no conversation installed: build the application with bot.app.build_application")
        return self._conversation

    @conversation.setter
    def conversation(self, conversation: Conversation) -> None:
        self._conversation = conversation


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler receives: `bot_data` is a BotData, chat data a dict holding the chat's State."""


CONTEXT_TYPES: ContextTypes[Context, dict[Any, Any], dict[Any, Any], BotData] = ContextTypes(
    context=Context, bot_data=BotData
)
