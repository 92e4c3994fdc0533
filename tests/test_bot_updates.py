"""Per-chat update processing: chats side by side, each chat in order."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update, User

from bot.updates import PerChatUpdateProcessor


def _update(update_id: int, chat_id: int) -> Update:
    user = User(id=chat_id, first_name="u", is_bot=False)
    chat = Chat(id=chat_id, type="private")
    message = Message(message_id=update_id, date=None, chat=chat, from_user=user, text="q")  # type: ignore[arg-type]
    return Update(update_id=update_id, message=message)


async def test_one_chat_in_order_other_chats_side_by_side() -> None:
    processor = PerChatUpdateProcessor()
    log: list[str] = []

    async def handle(name: str, delay: float) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(delay)
        log.append(f"end {name}")

    async with processor:
        await asyncio.gather(
            processor.process_update(_update(1, 10), handle("a1", 0.05)),
            processor.process_update(_update(2, 10), handle("a2", 0.0)),
            processor.process_update(_update(3, 20), handle("b1", 0.0)),
        )
    # chat 10: a2 starts only after a1 ended; chat 20 did not wait for chat 10
    assert log.index("end a1") < log.index("start a2")
    assert log.index("end b1") < log.index("end a1")
    assert processor._locks == {}  # idle chats leave no lock behind
