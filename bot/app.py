"""The Telegram application: every handler registered in one place, the error handler, logging set-up."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    filters,
)
from telegram.request import HTTPXRequest

from bot import handlers
from bot.config import Settings
from bot.context import CONTEXT_TYPES, BotData
from bot.conversation import COMMANDS, Conversation
from bot.delivery import deliver
from bot.flood import FloodGate
from bot.live_index import LiveIndex
from bot.stats import Stats
from bot.updates import PerChatUpdateProcessor
from index.answer import Engine

logger = logging.getLogger(__name__)

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]

RATE_LIMIT_RETRIES = 3  # AIORateLimiter's default is 0: a RetryAfter would drop the message
# AIORateLimiter's buckets let a full bucket out at once and then refill, so its defaults (30 per 1 s,
# 20 per 60 s) allow 60 messages in a second and 40 to a group in a minute. A bucket of c refilled at r per
# second sends at most c + r·t in any t seconds: 10 + 20·1 = 30 a second overall, 1 + 60/3.2 < 20 a minute
# to a group (Telegram's limits, telegram/constants.py FloodLimit; measured by bench/ with the limiter on).
OVERALL_BURST, OVERALL_PERIOD = 10, 0.5
GROUP_BURST, GROUP_PERIOD = 1, 3.2
STATE_SAVE_SECONDS = 30  # how often chat state is written to STATE_FILE (and always at a clean stop)
INLINE_FLOOD_FACTOR = 3  # inline queries come per keystroke: a larger silent budget than questions
_TOKEN_IN_TEXT = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
_FORMATTER = logging.Formatter()


class RedactToken(logging.Filter):
    """Replace the bot token, and anything shaped like one, in every log record."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token
        self.started = False  # set once Telegram accepted the token (post_init)
        self.rejected = False  # Telegram refused the token after it had accepted it (revoked while running)
        self.on_rejected: Callable[[], None] | None = None  # what to do then: stop the application

    def redact(self, text: str) -> str:
        """Return text with the token, and anything shaped like one, blanked out."""
        if self.token:
            text = text.replace(self.token, "<token>")
        return _TOKEN_IN_TEXT.sub("<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message and traceback with the token blanked out.

        A rejected token is one line, not a traceback: at start the entry point says which setting to fix (the
        record is dropped); later (the token revoked while the bot runs), PTB's polling has stopped for good, so
        the application is stopped too and the entry point exits with the same one line.
        """
        if record.exc_info and isinstance(record.exc_info[1], InvalidToken):
            if not self.started:
                return False
            record.msg, record.args = "TELEGRAM_BOT_TOKEN was rejected by Telegram; stopping", None
            record.exc_info = record.exc_text = None
            if not self.rejected and self.on_rejected is not None:
                self.rejected = True
                try:
                    self.on_rejected()
                except RuntimeError:  # logged outside the event loop's thread: the polling task still ended
                    logging.getLogger(__name__).warning("Could not stop the bot after its token was rejected")
            return True
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        # A traceback is formatted after the filters run, and an exception's text may hold a URL with the
        # token: format it here, redacted, so handlers use this text instead.
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class HideContent(logging.Filter):
    """At DEBUG, PTB logs whole updates and request parameters: users' questions, names, the bot's replies.
    Unless question storage is on (STORE_QUESTIONS), such values are logged as their length only."""

    SHOWN = 40  # longer values are what users wrote or were sent; method names and ids are shorter

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace long arguments of DEBUG records by their length."""
        if record.levelno <= logging.DEBUG and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(a if len(str(a)) <= self.SHOWN else f"<{len(str(a))} characters>" for a in args)
        return True


def setup_logging(level: str, token: str | None, *, content: bool = False) -> None:
    """Configure logging once, at the entry point: level, format, quiet HTTP loggers, token redaction, and
    (unless `content`) no message content in DEBUG records."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    # httpx logs every request URL at INFO, and the URL holds the token (PTB examples, PR #3746).
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    filters: list[logging.Filter] = [RedactToken(token)] + ([] if content else [HideContent()])
    for handler in logging.getLogger().handlers:
        for f in filters:
            handler.addFilter(f)


async def post_init(application: App) -> None:
    """Register the commands so Telegram shows them in the menu; start watching the index file."""
    for handler in logging.getLogger().handlers:  # Telegram accepted the token (initialize called getMe)
        for f in handler.filters:
            if isinstance(f, RedactToken):
                f.started = True
                f.on_rejected = application.stop_running
    commands = [BotCommand(name, text) for name, text in COMMANDS]
    try:
        await deliver(lambda: application.bot.set_my_commands(commands), "setMyCommands")
    except Exception:  # the menu is a nicety: Telegram being down at start must not stop the bot
        logger.warning("Could not register the command menu", exc_info=True)
    live = data_of(application).live
    if live is not None:
        live.start()


async def post_stop(application: App) -> None:
    """Stop watching the index; close the question store."""
    data = data_of(application)
    if data.live is not None:
        await data.live.stop()
    data.stats.close()


def token_rejected() -> bool:
    """Tell whether Telegram refused the token while the bot was running (the application then stopped)."""
    return any(
        isinstance(f, RedactToken) and f.rejected for handler in logging.getLogger().handlers for f in handler.filters
    )


def data_of(application: App) -> BotData:
    """The application's shared state (CONTEXT_TYPES makes bot_data a BotData)."""
    data: BotData = application.bot_data
    return data


class BoundedRequest(HTTPXRequest):
    """PTB's HTTPX request with at most `connections` requests in flight; the rest wait their turn.

    httpcore's pool re-examines every waiting request against every connection each time one frees, so
    64 handlers sending at once through a few connections cost more CPU than the sends themselves. Waiting
    on a semaphore instead is free. Below PTB's rate limiter: a send the limiter holds back holds no slot.
    """

    def __init__(self, connections: int, timeout: float) -> None:
        t = timeout
        super().__init__(connections, read_timeout=t, write_timeout=t, connect_timeout=t, pool_timeout=t)
        self._slots = asyncio.Semaphore(connections)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Send one request once a slot is free."""
        async with self._slots:
            return await super().do_request(*args, **kwargs)


def build_application(
    settings: Settings, engine: Engine, *, index_path: Path | None = None, state_path: Path | None = None
) -> App:
    """Build the bot: rate limiter, optional self-hosted API server, every handler, the error handler.

    index_path: the file the engine was loaded from; when given (and INDEX_CHECK_SECONDS > 0) a rebuilt
    index there is swapped in live. state_path: where each chat's state is kept across restarts (PTB's
    PicklePersistence, chat data only); None keeps it in memory.
    """
    if not settings.token:
        raise ValueError("build_application needs a token; without one, use the terminal chat")
    t = settings.telegram_timeout
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(settings.token)
        .post_init(post_init)
        .post_stop(post_stop)
        # A few connections carry more than Telegram accepts (about 30 messages a second at ~100 ms each).
        .request(BoundedRequest(settings.telegram_connections, t))
        .get_updates_request(BoundedRequest(1, t))  # PTB adds the long-poll timeout to the read timeout
        .concurrent_updates(PerChatUpdateProcessor())
        .context_types(CONTEXT_TYPES)
    )
    if settings.rate_limiter:
        builder = builder.rate_limiter(
            AIORateLimiter(
                overall_max_rate=OVERALL_BURST,
                overall_time_period=OVERALL_PERIOD,
                group_max_rate=GROUP_BURST,
                group_time_period=GROUP_PERIOD,
                max_retries=RATE_LIMIT_RETRIES,
            )
        )
    if state_path is not None:
        state_path.parent.mkdir(parents=True, exist_ok=True)
        keep = PersistenceInput(bot_data=False, chat_data=True, user_data=False, callback_data=False)
        builder = builder.persistence(
            PicklePersistence(state_path, store_data=keep, update_interval=STATE_SAVE_SECONDS)
        )
    if settings.api_base_url:
        file_url = settings.api_base_url.replace("/bot", "/file/bot")
        builder = builder.base_url(settings.api_base_url).base_file_url(file_url)
    application = builder.build()
    conversation = Conversation(engine)
    data = data_of(application)
    data.conversation = conversation
    data.settings = settings
    data.stats = Stats(settings.stats_db if settings.store_questions else None)
    if settings.flood_limit:
        data.flood = FloodGate(settings.flood_limit, settings.flood_window)
        data.inline_flood = FloodGate(settings.flood_limit * INLINE_FLOOD_FACTOR, settings.flood_window)
    if index_path is not None and settings.index_check_seconds > 0:

        def install(new_conversation: Conversation) -> None:
            data.conversation = new_conversation

        data.live = LiveIndex(index_path, conversation, install, settings.index_check_seconds)

    new = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND & new
    private_other = filters.ChatType.PRIVATE & new & ~filters.TEXT & ~filters.StatusUpdate.ALL
    command_names = [name for name, _ in COMMANDS] + list(handlers.ADMIN_COMMANDS)
    application.add_handlers(
        [
            CommandHandler(command_names, handlers.on_command, filters=new),
            MessageHandler(text & filters.ChatType.PRIVATE, handlers.on_private_text),
            MessageHandler(text & filters.ChatType.GROUPS, handlers.on_group_text),
            MessageHandler(private_other, handlers.on_private_other),
            CallbackQueryHandler(handlers.on_quotes_page, pattern=handlers.QUOTES_PAGE),
            CallbackQueryHandler(handlers.on_more_button, pattern=handlers.MORE_BUTTON),
            CallbackQueryHandler(handlers.on_issue_button, pattern=handlers.ISSUE_BUTTON),
            CallbackQueryHandler(handlers.on_example_button, pattern=handlers.EXAMPLE_BUTTON),
            CallbackQueryHandler(handlers.on_stale_button),
            InlineQueryHandler(handlers.on_inline),
        ]
    )
    application.add_error_handler(handlers.on_error)
    return application


def run(application: App, settings: Settings | None = None, **kw: Any) -> None:
    """Serve until interrupted: a webhook when TELEGRAM_WEBHOOK_URL is set, else long polling.

    `kw` goes to run_webhook / run_polling (tests pass stop_signals=None, close_loop=False).
    """
    # bootstrap_retries=-1: a Telegram hiccup while setting or deleting the webhook at start is retried, not fatal.
    if settings is not None and settings.webhook_url:
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=-1,
            **kw,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=-1, **kw)
