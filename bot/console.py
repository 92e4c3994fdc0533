"""The terminal chat: the same conversation as in Telegram, in plain text, from a prompt or piped stdin."""

from __future__ import annotations

import logging
from typing import TextIO

from bot.conversation import Conversation, State
from bot.format import plain_text

logger = logging.getLogger(__name__)

PROMPT = "you> "
CONNECT_HINT = (
    "No TELEGRAM_BOT_TOKEN is set, so this is the terminal chat. To connect Telegram, get a token from "
    "@BotFather, put TELEGRAM_BOT_TOKEN=... in .env and run `make run` again (see README)."
)


def run_chat(conversation: Conversation, stdin: TextIO, stdout: TextIO, *, interactive: bool) -> int:
    """Answer each line of stdin until end of input or /quit; return the exit status."""
    state = State()
    title = conversation.title()
    stdout.write(f"Ask me about: {title}\nType a question, /help for commands, /quit to leave.\n")
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if not interactive:
            stdout.write(f"\n{PROMPT}{text}\n")
        if text.lower() in ("/quit", "/exit", "quit", "exit"):
            break
        turn = conversation.respond(state, text)
        state = turn.state
        stdout.write("\n" + plain_text(turn.reply, conversation.engine.articles) + "\n")
        stdout.flush()
    if interactive:
        stdout.write("\n")
    return 0
