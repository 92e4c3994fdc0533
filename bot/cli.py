"""The command line of `python -m bot`: no command runs the bot (Telegram with a token, else the
terminal chat); `run` (Telegram), `chat` (terminal), `ask` answers questions from the command line (`--json`
for tools)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.format import plain_reply
from bot.stats import StatsError
from index.answer import Engine
from index.models import Answer
from index.paths import DEFAULT_ARTICLES, default_db
from index.store import StoreError

logger = logging.getLogger(__name__)


def answer_json(engine: Engine, question: str) -> dict[str, object]:
    """Return the stable JSON form of one answer."""
    answer: Answer = engine.answer(question)
    return {
        "question": question,
        "answered": answer.answered,
        "passages": [
            {
                "id": h.passage.id,
                "article": h.passage.article_id,
                "number": h.passage.number,
                "kind": h.passage.kind,
                "speaker": h.passage.speaker,
                "text": h.passage.text,
                "score": h.score,
            }
            for h in answer.hits
        ],
        "reply": plain_reply(answer, engine.articles),
    }


def main(argv: list[str] | None = None) -> int:
    """Run one bot command; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Telegram bot (long polling); needs TELEGRAM_BOT_TOKEN")
    chat = sub.add_parser("chat", help="chat with the bot in the terminal (reads piped stdin too)")
    chat.add_argument("--db", type=Path, default=None)
    ask = sub.add_parser("ask", help="answer a question, or with --json one question per stdin line")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--db", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.command == "ask":
        return _ask(args)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "chat":
        return _chat(settings, args.db)
    if args.command == "run" and not settings.token:
        print("error: TELEGRAM_BOT_TOKEN is not set; put the token from @BotFather in .env", file=sys.stderr)
        return 2
    if not settings.token:
        from bot.console import CONNECT_HINT

        print(CONNECT_HINT, file=sys.stderr)
        return _chat(settings, None)
    return _run(settings)


def _ask(args: argparse.Namespace) -> int:
    try:
        # Frozen, as the bot's engines are: else the first answer pays a collection over the index's objects.
        engine = Engine.from_db(args.db or default_db(), freeze=True)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        # Bytes in, UTF-8 out, whatever the locale: a line that is not valid UTF-8 is read with its bad bytes
        # replaced (U+FFFD), so every input line gets exactly one valid JSON line.
        out = sys.stdout.buffer
        for raw in sys.stdin.buffer:
            line = raw.decode("utf-8", errors="replace")
            question = line.strip()
            if not question and not line.endswith("\n"):
                continue
            out.write(json.dumps(answer_json(engine, question), ensure_ascii=False).encode("utf-8") + b"\n")
        out.flush()
        return 0
    question = " ".join(args.question)
    print(plain_reply(engine.answer(question), engine.articles))
    return 0


def open_engine(db: Path) -> Engine:
    """Load the index, building it from the bundled articles first when the file is missing."""
    if not db.exists():
        from index.build import build  # (parsing is imported only by a process that builds: not by `ask`)

        print(f"No index at {db}; building it from {DEFAULT_ARTICLES} (`python -m index build`) ...", file=sys.stderr)
        stats = build([DEFAULT_ARTICLES], db)
        print(f"Indexed {stats.articles} article(s), {stats.passages} passages.", file=sys.stderr)
    from bot.live_index import serving_collector

    engine = Engine.from_db(db, freeze=True)
    engine.analyser.read_ahead()
    serving_collector()
    # The encoder loads beside the bot's own start (the first question would otherwise wait for it).
    threading.Thread(target=engine.warm, name="encoder-warm").start()  # not a daemon: see Engine.from_db
    return engine


def _chat(settings: Settings, db: Path | None) -> int:
    from bot.console import run_chat
    from bot.conversation import Conversation
    from index.parse import ArticleError

    logging.basicConfig(level=settings.log_level)
    try:
        engine = open_engine(db or settings.index_db)
    except (StoreError, ArticleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return run_chat(Conversation(engine), sys.stdin, sys.stdout, interactive=sys.stdin.isatty())


def _run(settings: Settings) -> int:
    from telegram.error import InvalidToken

    from bot.app import build_application, run, setup_logging, token_rejected
    from index.parse import ArticleError

    setup_logging(settings.log_level, settings.token, content=settings.store_questions)
    try:
        engine = open_engine(settings.index_db)
    except (StoreError, ArticleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        application = build_application(
            settings, engine, index_path=settings.index_db, state_path=settings.state_path()
        )
    except StatsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    how = f"serving the webhook {settings.webhook_url}" if settings.webhook_url else "polling Telegram"
    logger.info("Loaded %d passages from %s; %s", len(engine.passages), settings.index_db, how)
    try:
        run(application, settings)
        rejected = token_rejected()  # revoked while running: polling stopped, so did the bot
    except InvalidToken:  # refused at start
        rejected = True
    if rejected:
        # PTB's message holds the token, and a traceback would print it: one line naming the setting, status 1.
        print(f"error: {rejected_token_message(settings)}", file=sys.stderr)
        return 1
    return 0


def rejected_token_message(settings: Settings) -> str:
    """Say which setting to fix when Telegram (or the configured Bot API server) refuses the token."""
    if settings.api_base_url:
        return (
            f"TELEGRAM_BOT_TOKEN was rejected by the Bot API server at TELEGRAM_API_BASE_URL={settings.api_base_url}: "
            "check the token, and that the server is a Bot API server whose URL ends in /bot"
        )
    return "TELEGRAM_BOT_TOKEN was rejected by Telegram (revoked or mistyped): copy the current token from @BotFather"
