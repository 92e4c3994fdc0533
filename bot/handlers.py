"""Thin Telegram handlers: translate an update, ask the conversation, send what bot.format renders."""

from __future__ import annotations

import hashlib
import logging
import re

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import format as fmt
from bot.conversation import Conversation, Reply, State
from bot.markup import Keyboard, truncate

logger = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
MAX_INLINE_RESULTS = 10


def _conversation(context: ContextTypes.DEFAULT_TYPE) -> Conversation:
    conversation: Conversation = context.bot_data["conversation"]
    return conversation


def _state(context: ContextTypes.DEFAULT_TYPE) -> State:
    state = (context.chat_data or {}).get("state")
    return state if isinstance(state, State) else State()


def _save(context: ContextTypes.DEFAULT_TYPE, state: State) -> None:
    if context.chat_data is not None:
        context.chat_data["state"] = state


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """Turn a keyboard from bot.format into Telegram's inline keyboard."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in keyboard])


async def send(message: Message, reply: Reply, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a rendered reply as one or more HTML messages; in groups, as replies to the question."""
    in_group = message.chat.type != ChatType.PRIVATE
    for m in fmt.html_messages(reply, _conversation(context).engine.articles):
        await message.reply_text(
            m.html, parse_mode=ParseMode.HTML, reply_markup=markup(m.keyboard), do_quote=in_group or None
        )


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Run /start, /help, /quotes, /issues, /about, /ask or /more through the conversation."""
    message = update.effective_message
    if message is None or not message.text:
        return
    head, _, arg = message.text.partition(" ")
    name = head.lstrip("/").split("@", 1)[0]
    turn = _conversation(context).command(_state(context), name, arg)
    _save(context, turn.state)
    await send(message, turn.reply, context)


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer any text in a private chat as a question (or follow-up)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    turn = _conversation(context).ask(_state(context), message.text)
    _save(context, turn.state)
    await send(message, turn.reply, context)


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In groups, answer only mentions of the bot and replies to its messages; ignore other chatter."""
    message = update.effective_message
    if message is None or not message.text:
        return
    mention = f"@{context.bot.username}"
    replied = message.reply_to_message
    to_me = replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id
    if mention.lower() not in message.text.lower() and not to_me:
        return
    question = re.sub(re.escape(mention), " ", message.text, flags=re.IGNORECASE).strip(" ,:")
    turn = _conversation(context).ask(_state(context), question)
    _save(context, turn.state)
    await send(message, turn.reply, context)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press first, then show the next page, issue, example answer or more passages."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    message = query.message if isinstance(query.message, Message) else None
    conversation, data = _conversation(context), query.data or ""
    kind, _, rest = data.partition(":")
    if kind == "qp" and message is not None and re.fullmatch(r"-?\d{1,4}:\d{1,4}", rest):
        key, page = (int(x) for x in rest.split(":"))
        page_reply = conversation.quotes_page(key, page)
        first = fmt.html_messages(page_reply, conversation.engine.articles)[0]
        try:
            await query.edit_message_text(first.html, parse_mode=ParseMode.HTML, reply_markup=markup(first.keyboard))
        except BadRequest as exc:  # a double tap: "Message is not modified" is harmless
            if "not modified" not in str(exc).lower():
                raise
        return
    if message is None:
        return
    state = _state(context)
    if kind == "more":
        turn = conversation.more(state)
    elif kind == "is" and rest.isdigit():
        turn = conversation.command(state, "issues", rest)
    elif kind == "ex" and rest.isdigit() and int(rest) < len(conversation.examples):
        turn = conversation.ask(state, conversation.examples[int(rest)])
    else:
        await message.reply_text("That button has expired. Send /help to start again.")
        return
    _save(context, turn.state)
    await send(message, turn.reply, context)


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer one inline result per cited passage; choosing one sends it with its citation."""
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    if not text:
        await query.answer([], cache_time=10)
        return
    engine = _conversation(context).engine
    answer = engine.answer(text)
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
    await query.answer(results, cache_time=10, is_personal=False)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log any error with its traceback; apologise to the user if there is one (polling errors have none)."""
    logger.error("Error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(APOLOGY)
        except Exception:  # the apology is best effort: Telegram itself may be what failed
            logger.warning("Could not send the apology", exc_info=True)
