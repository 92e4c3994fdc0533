"""The terminal chat: same conversation, plain text, piped stdin."""

from __future__ import annotations

import io

from bot.console import run_chat
from bot.conversation import Conversation
from index.answer import Engine


def test_piped_conversation_with_follow_ups_and_commands(bot_engine: Engine) -> None:
    stdin = io.StringIO(
        "what did Zelensky say?\nwhat else did he say?\nand Rutte?\n/quotes 2\n/issues 1\n\n/quit\nignored\n"
    )
    stdout = io.StringIO()
    assert run_chat(Conversation(bot_engine), stdin, stdout, interactive=False) == 0
    out = stdout.getvalue()
    assert out.startswith("Ask me about: Peace talks on Ukraine")
    assert "you> what did Zelensky say?\n\nWhat Volodymyr Zelensky said:" in out
    assert "What Mark Rutte said:" in out
    assert "Quotes (page 2 of 2):" in out
    assert "Issue 1 of" in out
    assert "ignored" not in out and "<b>" not in out
