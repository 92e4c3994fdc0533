"""The bot under measurement, in its own process: ours (bot.app.build_application) or a minimal echo bot.

    python -m bench.botproc ours|echo BASE_URL --limiter on|off [--db PATH] [--no-cache]

Both are built on the same stack (PTB's ApplicationBuilder, HTTPX, run_polling with the production
arguments) with the same rate-limiter setting; the echo bot answers every text with the same text.
`--no-cache` turns off the engine's cache of recent answers, so every question is computed afresh.
SIGTERM stops either gracefully.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.app import RATE_LIMIT_RETRIES
from devtools.fake_bot_api import TOKEN


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def echo_application(base_url: str, limiter: bool) -> Any:
    builder: Any = (
        ApplicationBuilder().token(TOKEN).base_url(base_url).base_file_url(base_url.replace("/bot", "/file/bot"))
    )
    if limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    return application


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("ours", "echo"))
    parser.add_argument("base_url")
    parser.add_argument("--limiter", choices=("on", "off"), default="off")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    limiter = args.limiter == "on"
    if args.kind == "echo":
        echo_application(args.base_url, limiter).run_polling(allowed_updates=Update.ALL_TYPES)
        return
    from bot.app import build_application, run
    from bot.config import Settings
    from index.answer import REMEMBERED_ANSWERS, Engine

    settings = Settings(token=TOKEN, api_base_url=args.base_url, index_db=args.db, rate_limiter=limiter)
    engine = Engine.from_db(args.db, remember=0 if args.no_cache else REMEMBERED_ANSWERS)
    run(build_application(settings, engine, index_path=args.db))


if __name__ == "__main__":
    main()
