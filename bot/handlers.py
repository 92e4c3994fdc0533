"""Thin Telegram handlers: translate an update, ask the conversation, send what bot.format renders."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, NetworkError

from bot import format as fmt
from bot.config import Settings
from bot.context import Context
from bot.conversation import AnswerReply, Conversation, HelpReply, Notice, Reply, State, Turn
from bot.delivery import deliver
from bot.flood import Verdict
from bot.markup import Keyboard, truncate
from bot.markup import Message as Rendered
from bot.stats import Stats
from index.answer import Recent

logger = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
TEXT_ONLY = "I can only read text. Ask me a question about the article in words, or send /help."
MAX_INLINE_RESULTS = 10
SLOW = "That took me too long to answer. Please ask a shorter question."
ADMIN_COMMANDS = ("reload", "stats")
ANSWER_THREADS = 2  # this machine's cores; more threads would only queue on the GIL
ANSWER_SECONDS = 10.0  # a budget no real question comes near (a 4,096-character one takes milliseconds)
_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")


T = TypeVar("T")
# Answers are computed off the event loop: the loop keeps reading and sending for every other chat while
# one chat's question is being answered (a question's cost is bounded: index/text.py clips it).
_WORKERS = ThreadPoolExecutor(ANSWER_THREADS, thread_name_prefix="answer")


async def think(work: Callable[[], T]) -> T:
    """Run engine work in a worker thread within ANSWER_SECONDS (TimeoutError past it)."""
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.run_in_executor(_WORKERS, work), ANSWER_SECONDS)


def _conversation(context: Context) -> Conversation:
    return context.bot_data.conversation


def _state(context: Context) -> State:
    state = (context.chat_data or {}).get("state")
    return state if isinstance(state, State) else State()


def _save(context: Context, state: State) -> None:
    if context.chat_data is not None:
        context.chat_data["state"] = state
        context.chat_data["at"] = time.time()
        global _saves
        _saves += 1
        if _saves % PRUNE_EVERY == 0:
            forget_quiet_chats(context.application)


STATE_DAYS = 30  # a chat quiet this long is forgotten (its state, and so its row in STATE_FILE)
MAX_CHATS = 20_000  # at most this many chats' state is kept; the quietest go first
PRUNE_EVERY = 500  # saves between two prunings
_saves = 0


def forget_quiet_chats(application: Any, *, now: float | None = None) -> int:
    """Drop the state of chats quiet for STATE_DAYS, and the quietest beyond MAX_CHATS; return how many."""
    now = time.time() if now is None else now
    seen = sorted(((data.get("at", 0.0), chat) for chat, data in application.chat_data.items()), reverse=True)
    old = [chat for at, chat in seen if at < now - STATE_DAYS * 86_400] + [chat for _, chat in seen[MAX_CHATS:]]
    for chat in dict.fromkeys(old):
        application.drop_chat_data(chat)
    return len(set(old))


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """Turn a keyboard from bot.format into Telegram's inline keyboard."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in keyboard])


def _settings(context: Context) -> Settings:
    return context.bot_data.settings


def _stats(context: Context) -> Stats | None:
    return context.bot_data.stats


def _record(context: Context, question: str, turn: Turn) -> None:
    """Count a question that got an answer or an abstention (not follow-up pages, not notices)."""
    stats = _stats(context)
    if stats is not None and isinstance(turn.reply, AnswerReply) and not turn.reply.continued:
        stats.record(question, turn.reply.answer.answered)


# Replies as HTML, by reply and index build: many users get the same answer, and rendering it (escaping,
# highlighting, splitting) costs more than the rest of answering a repeated question.
_RENDERED: Recent[tuple[Reply, str], list[Rendered]] = Recent(256)


def rendered(reply: Reply, conversation: Conversation) -> list[Rendered]:
    """Return a reply's messages, rendered once per reply and index build."""
    engine = conversation.engine
    key = (reply, engine.build_id)
    found = _RENDERED.get(key)
    return found if found is not None else _RENDERED.put(key, fmt.html_messages(reply, engine.articles))


async def send(message: Message, reply: Reply, context: Context, conversation: Conversation | None = None) -> None:
    """Send a rendered reply as one or more HTML messages; in groups, as replies to the question.

    Each message is retried on transient failures on its own, so a split reply is never sent twice.
    """
    in_group = message.chat.type != ChatType.PRIVATE
    chosen = conversation or _conversation(context)
    for m in await think(lambda: rendered(reply, chosen)):
        await deliver(
            lambda m=m: message.reply_text(  # type: ignore[misc]
                m.html, parse_mode=ParseMode.HTML, reply_markup=markup(m.keyboard), do_quote=in_group or None
            ),
            "sendMessage",
        )


async def _admit(update: Update, context: Context, message: Message | None) -> bool:
    """Apply flood control to one question: True to answer it; past the limit, one notice, then silence."""
    gate = context.bot_data.flood
    user = update.effective_user
    if gate is None or user is None:
        return True
    verdict = gate.check(user.id)
    if verdict is Verdict.ALLOW:
        return True
    if verdict is Verdict.NOTICE and message is not None:
        await send(message, Notice(gate.notice(user.id)), context)
    elif update.callback_query is not None:  # a button: the notice is a toast; past it, just stop the spinner
        await _answer_query(update, truncate(gate.notice(user.id), 200) if verdict is Verdict.NOTICE else None)
    return False


async def _answer_query(update: Update, text: str | None = None) -> None:
    """Stop a button's spinner; best effort (a forged or stale query id is refused by Telegram)."""
    query = update.callback_query
    if query is None:
        return
    try:
        await deliver(lambda: query.answer(text), "answerCallbackQuery")
    except BadRequest as exc:
        logger.info("Could not answer a callback query: %s", exc)


def is_admin(update: Update, context: Context) -> bool:
    """Tell whether the update comes from a user listed in ADMIN_USER_IDS."""
    user = update.effective_user
    return user is not None and user.id in _settings(context).admin_user_ids


async def on_admin(update: Update, context: Context, message: Message, name: str) -> None:
    """Run /reload or /stats for an admin."""
    conversation = _conversation(context)
    if name == "reload":
        live = context.bot_data.live
        text = (await live.check(force=True)).text() if live is not None else "Live reload is off."
    else:
        stats = _stats(context)
        lines = stats.summary().lines() if stats is not None else ["Statistics are off."]
        engine = conversation.engine
        lines.append(
            f"Index: build {engine.build_id[:12]}, {len(engine.articles)} article(s), {len(engine.passages)} passages"
        )
        gate = context.bot_data.flood
        if gate is not None:
            flood = f"{gate.limit} per {gate.window:g}s; {gate.refused} refused, {gate.notices} notices"
            lines.append(f"Flood control: {flood}")
        text = "\n".join(lines)
    await send(message, Notice(text), context, conversation)


async def on_command(update: Update, context: Context) -> None:
    """Run /start, /help, /quotes, /issues, /about, /ask or /more through the conversation."""
    message = update.effective_message
    if message is None or not message.text:
        return
    head, _, arg = message.text.partition(" ")
    name = head.lstrip("/").split("@", 1)[0].lower()
    if name in ADMIN_COMMANDS and is_admin(update, context):
        await on_admin(update, context, message, name)
        return
    if not await _admit(update, context, message):
        return
    conversation = _conversation(context)
    state = _state(context)
    if name in ADMIN_COMMANDS:  # not an admin: the normal help, as if the command did not exist
        turn = Turn(HelpReply(conversation.examples), state)
    else:
        turn = await think(lambda: conversation.command(state, name, arg))
    _save(context, turn.state)
    if name == "ask":
        _record(context, arg, turn)
    await send(message, turn.reply, context, conversation)


async def on_private_other(update: Update, context: Context) -> None:
    """A sticker, photo, voice note … in a private chat: say that questions are typed."""
    message = update.effective_message
    if message is None or not await _admit(update, context, message):
        return
    await send(message, Notice(TEXT_ONLY), context)


async def on_private_text(update: Update, context: Context) -> None:
    """Answer any text in a private chat as a question (or follow-up)."""
    message = update.effective_message
    if message is None or not message.text or not await _admit(update, context, message):
        return
    conversation, state, text = _conversation(context), _state(context), message.text
    turn = await think(lambda: conversation.ask(state, text))
    _save(context, turn.state)
    _record(context, text, turn)
    await send(message, turn.reply, context, conversation)


async def on_group_text(update: Update, context: Context) -> None:
    """In groups, answer only mentions of the bot and replies to its messages; ignore other chatter."""
    message = update.effective_message
    if message is None or not message.text:
        return
    mention = f"@{context.bot.username}"
    replied = message.reply_to_message
    to_me = replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id
    if mention.lower() not in message.text.lower() and not to_me:
        return
    if not await _admit(update, context, message):
        return
    question = re.sub(re.escape(mention), " ", message.text, flags=re.IGNORECASE).strip(" ,:")
    conversation, state = _conversation(context), _state(context)
    turn = await think(lambda: conversation.ask(state, question))
    _save(context, turn.state)
    _record(context, question, turn)
    await send(message, turn.reply, context, conversation)


# Button data, one pattern per kind (bot/format.py writes them); each kind has its CallbackQueryHandler.
QUOTES_PAGE = re.compile(r"^qp:(-?[0-9]{1,4}):([0-9]{1,4})$")  # ASCII digits only: int() refuses some others
MORE_BUTTON = re.compile(r"^more$")
ISSUE_BUTTON = re.compile(r"^is:([0-9]{1,4})$")
EXAMPLE_BUTTON = re.compile(r"^ex:([0-9]{1,4})$")
EXPIRED = "That button has expired. Send /help to start again."


async def _pressed(update: Update, context: Context) -> tuple[str, Message | None] | None:
    """Admit a button press and stop its spinner; return its data and message (None: not to be handled)."""
    query = update.callback_query
    if query is None or not await _admit(update, context, None):
        return None
    await _answer_query(update)
    return query.data or "", query.message if isinstance(query.message, Message) else None


async def on_quotes_page(update: Update, context: Context) -> None:
    """‹ Previous / Next ›: edit the quotes message into the asked page."""
    pressed = await _pressed(update, context)
    query = update.callback_query
    m = QUOTES_PAGE.match(pressed[0]) if pressed else None
    if pressed is None or m is None or query is None or pressed[1] is None:
        return
    message, conversation = pressed[1], _conversation(context)
    key, page = int(m.group(1)), int(m.group(2))
    page_reply = await think(lambda: conversation.quotes_page(key, page))
    first = (await think(lambda: rendered(page_reply, conversation)))[0]
    try:
        await deliver(
            lambda: query.edit_message_text(first.html, parse_mode=ParseMode.HTML, reply_markup=markup(first.keyboard)),
            "editMessageText",
        )
    except BadRequest as exc:  # a double tap: "Message is not modified" is harmless
        reason = str(exc).lower()
        if any(gone in reason for gone in _GONE):  # a stale button on a deleted or old message
            await send(message, page_reply, context, conversation)
        elif "not modified" not in reason:
            raise


async def _turn(message: Message, context: Context, work: Callable[[Conversation, State], Turn]) -> Turn:
    """Run one conversation turn off the event loop, keep the chat's new state, send the reply."""
    conversation, state = _conversation(context), _state(context)
    turn = await think(lambda: work(conversation, state))
    _save(context, turn.state)
    await send(message, turn.reply, context, conversation)
    return turn


async def on_more_button(update: Update, context: Context) -> None:
    """More: the next passages of the chat's last question."""
    pressed = await _pressed(update, context)
    if pressed is not None and pressed[1] is not None:
        await _turn(pressed[1], context, lambda conversation, state: conversation.more(state))


async def on_issue_button(update: Update, context: Context) -> None:
    """An issue's number: the passages that discuss it."""
    pressed = await _pressed(update, context)
    m = ISSUE_BUTTON.match(pressed[0]) if pressed else None
    if pressed is not None and m is not None and pressed[1] is not None:
        number = m.group(1)
        await _turn(pressed[1], context, lambda conversation, state: conversation.command(state, "issues", number))


async def on_example_button(update: Update, context: Context) -> None:
    """An example question from /start: ask it."""
    pressed = await _pressed(update, context)
    m = EXAMPLE_BUTTON.match(pressed[0]) if pressed else None
    if pressed is None or m is None or pressed[1] is None:
        return
    examples, number = _conversation(context).examples, int(m.group(1))
    if number >= len(examples):
        await send(pressed[1], Notice(EXPIRED), context)
        return
    example = examples[number]
    turn = await _turn(pressed[1], context, lambda conversation, state: conversation.ask(state, example))
    _record(context, example, turn)


async def on_stale_button(update: Update, context: Context) -> None:
    """Any other button (forged, or from an older version): say it has expired."""
    pressed = await _pressed(update, context)
    if pressed is not None and pressed[1] is not None:
        await send(pressed[1], Notice(EXPIRED), context)


async def on_inline(update: Update, context: Context) -> None:
    """Offer one inline result per cited passage; choosing one sends it with its citation."""
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    gate = context.bot_data.inline_flood
    if not text or (gate is not None and gate.check(query.from_user.id) is not Verdict.ALLOW):
        await deliver(lambda: query.answer([], cache_time=10), "answerInlineQuery")
        return
    engine = _conversation(context).engine
    answer = await think(lambda: engine.answer(text))
    results = []
    for hit in answer.hits[:MAX_INLINE_RESULTS] if answer.answered else ():
        p = hit.passage
        m = fmt.passage_message(p, engine.articles, text)
        results.append(
            InlineQueryResultArticle(
                id=hashlib.sha1(p.id.encode()).hexdigest(),
                title=truncate(fmt.citation(p, engine.articles.get(p.article_id)), 100),
                description=truncate(p.text, 120),
                input_message_content=InputTextMessageContent(m.html, parse_mode=ParseMode.HTML),
            )
        )
    # cache_time is short: after a rebuild of the index, stale inline answers should not linger.
    await deliver(lambda: query.answer(results, cache_time=10, is_personal=False), "answerInlineQuery")


async def on_error(update: object, context: Context) -> None:
    """Log any error with its traceback; apologise to the user if there is one (polling errors have none)."""
    if update is None and isinstance(context.error, NetworkError):  # polling: PTB retries with a backoff
        logger.warning("Fetching updates failed (%s: %s); retrying", type(context.error).__name__, context.error)
        return
    slow = isinstance(context.error, TimeoutError)
    if slow:  # the answer budget ran out (think): no traceback, it says nothing the log line does not
        logger.warning("An answer took longer than %.0f s; the user was told", ANSWER_SECONDS)
    else:
        logger.error("Error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        message = update.effective_message
        try:
            await deliver(lambda: message.reply_text(SLOW if slow else APOLOGY), "sendMessage", backoff=(0.25, 1.0))
        except Exception:  # the apology is best effort: Telegram itself may be what failed
            logger.warning("Could not send the apology", exc_info=True)
