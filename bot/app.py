"""The Telegram application: every handler registered in one place, the error handler, logging set-up."""

from __future__ import annotations

import logging
import re
from typing import Any, TypeAlias

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import handlers
from bot.config import Settings
from bot.conversation import COMMANDS, Conversation
from index.answer import Engine

logger = logging.getLogger(__name__)

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]

RATE_LIMIT_RETRIES = 3  # AIORateLimiter's default is 0: a RetryAfter would drop the message
_TOKEN_IN_TEXT = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")


class RedactToken(logging.Filter):
    """Replace the bot token, and anything shaped like one, in every log record."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with the token blanked out; never drop the record."""
        message = record.getMessage()
        redacted = _TOKEN_IN_TEXT.sub("<token>", message)
        if self.token:
            redacted = redacted.replace(self.token, "<token>")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(level: str, token: str | None) -> None:
    """Configure logging once, at the entry point: level, format, quiet HTTP loggers, token redaction."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    # httpx logs every request URL at INFO, and the URL holds the token (PTB examples, PR #3746).
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


async def post_init(application: App) -> None:
    """Register the commands so Telegram shows them in the menu."""
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])


def build_application(settings: Settings, engine: Engine) -> App:
    """Build the bot: rate limiter, optional self-hosted API server, every handler, the error handler."""
    if not settings.token:
        raise ValueError("build_application needs a token; without one, use the terminal chat")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .post_init(post_init)
    )
    if settings.api_base_url:
        file_url = settings.api_base_url.replace("/bot", "/file/bot")
        builder = builder.base_url(settings.api_base_url).base_file_url(file_url)
    application = builder.build()
    application.bot_data["conversation"] = Conversation(engine)

    new = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND & new
    application.add_handlers(
        [
            CommandHandler([name for name, _ in COMMANDS], handlers.on_command, filters=new),
            MessageHandler(text & filters.ChatType.PRIVATE, handlers.on_private_text),
            MessageHandler(text & filters.ChatType.GROUPS, handlers.on_group_text),
            CallbackQueryHandler(handlers.on_button),
            InlineQueryHandler(handlers.on_inline),
        ]
    )
    application.add_error_handler(handlers.on_error)
    return application


def run(application: App) -> None:
    """Poll Telegram until interrupted."""
    application.run_polling(allowed_updates=Update.ALL_TYPES)
