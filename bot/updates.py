"""Processing updates: concurrently across chats, in order within each chat.

PTB's default processes one update at a time, so every user waits for every other user's reply to reach
Telegram; its ``concurrent_updates(True)`` removes that wait but lets two messages from one chat race (a
follow-up like "more" could be answered before the question it follows). This processor keeps one lock
per chat: chats proceed side by side, each chat's updates in the order they came.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 64


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Process updates of different chats concurrently and the updates of one chat in order."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[object, asyncio.Lock] = {}
        self._users: dict[object, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Run one update's handlers once the updates before it in the same chat are done."""
        key = _chat_key(update)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody waits on this chat: forget its lock
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _chat_key(update: object) -> object:
    """The chat an update belongs to; the user for inline queries; one shared key for anything else."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return ("other", None)
