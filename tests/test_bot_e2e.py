"""End to end: the real bot (PTB Application, polling loop, HTTPX) against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.app import App, build_application
from bot.config import Settings
from bot.conversation import Conversation, State
from devtools.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotAPI, utf16_len
from index.answer import Engine
from index.build import build

_chat_ids = itertools.count(1001)


class RunningBot:
    """The bot's application polling in its own thread and event loop, as `run_polling` runs it."""

    def __init__(self, fake: FakeBotAPI, engine: Engine) -> None:
        settings = Settings(token=TOKEN, api_base_url=fake.base_url)
        self.app: App = build_application(settings, engine)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="bot", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        # Short long-poll timeout keeps shutdown quick; everything else is run_polling as in production.
        self.app.run_polling(
            poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES, close_loop=False, stop_signals=None
        )

    def start(self, fake: FakeBotAPI) -> None:
        """Start polling and wait until the bot has registered its commands and asked for updates."""
        self.thread.start()
        fake.wait_for(lambda: fake.commands and any(c.method == "getUpdates" for c in fake.calls))

    def stop(self) -> None:
        """Stop polling gracefully (post_stop, shutdown) and close the loop."""
        self.loop.call_soon_threadsafe(self.app.stop_running)
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the bot did not stop"
        self.loop.close()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeBotAPI]:
    """The fake Bot API server."""
    server = FakeBotAPI().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bot(fake: FakeBotAPI, bot_engine: Engine) -> Iterator[RunningBot]:
    """The real bot, polling the fake server for the whole module."""
    running = RunningBot(fake, bot_engine)
    running.start(fake)
    yield running
    running.stop()
    assert not fake.errors(), [(c.method, c.error) for c in fake.errors()]


@pytest.fixture
def chat() -> int:
    """A fresh private chat id per test, so per-chat follow-up state never leaks between tests."""
    return next(_chat_ids)


def ask(fake: FakeBotAPI, chat_id: int, text: str, **kw: Any) -> dict[str, Any]:
    """Send a message and return the bot's (last) reply to it."""
    before = len(fake.sent(chat_id))
    fake.push_text(chat_id, text, **kw)
    sent = fake.wait_messages(chat_id, before + 1)
    # A long reply may be split; wait briefly for the pieces of one reply to settle.
    return sent[-1]


def test_commands_registered(bot: RunningBot, fake: FakeBotAPI) -> None:
    names = [c["command"] for c in fake.commands]
    assert names == ["start", "help", "quotes", "issues", "about", "ask", "more"]
    assert fake.calls_to("deleteWebhook")


def test_start_offers_three_example_buttons_that_answer(bot: RunningBot, fake: FakeBotAPI, chat: int) -> None:
    reply = ask(fake, chat, "/start")
    assert reply["text"].startswith("Hello!")
    buttons = [row[0] for row in reply["reply_markup"]["inline_keyboard"]]
    assert len(buttons) == 3
    assert all(b["callback_data"].startswith("ex:") for b in buttons)
    fake.push_callback(reply, buttons[0]["callback_data"], user_id=chat)
    answer = fake.wait_messages(chat, 2)[-1]
    assert "¶" in answer["text"] and "<blockquote>" in answer["html"]
    assert fake.calls_to("answerCallbackQuery")


def test_help(bot: RunningBot, fake: FakeBotAPI, chat: int) -> None:
    reply = ask(fake, chat, "/help")
    assert "/quotes" in reply["text"] and "/issues" in reply["text"]


def test_question_answered_with_cited_highlighted_passages(bot: RunningBot, fake: FakeBotAPI, chat: int) -> None:
    reply = ask(fake, chat, "Who said peace is not only a cessation of hostilities?")
    assert reply["text"].startswith("Volodymyr Zelensky said it")
    assert "<b>hostilities</b>" in reply["html"]
    assert "— ¶16 · Volodymyr Zelensky" in reply["text"]
    assert reply["text"].count("From: Peace talks on Ukraine") == 1


def test_not_in_article_says_so_and_suggests(bot: RunningBot, fake: FakeBotAPI, chat: int) -> None:
    reply = ask(fake, chat, "What did Biden say about <b>tariffs</b> & trade?")
    assert "doesn't answer" in reply["text"]
    assert "/quotes" in reply["text"]


def test_follow_ups_more_what_else_and_another_speaker(bot: RunningBot, fake: FakeBotAPI, chat: int) -> None:
    first = ask(fake, chat, "who said peace is not only a cessation of hostilities")
    assert "— ¶16 · Volodymyr Zelensky" in first["text"]
    again = ask(fake, chat, "what else did he say?")
    assert again["text"].startswith("What Volodymyr Zelensky said") and "¶16" not in again["text"]
    assert "— ¶11 · Volodymyr Zelensky" in again["text"]
    rutte = ask(fake, chat, "and Rutte?")
    assert "What Mark Rutte said" in rutte["text"] and "¶14" in rutte["text"]


MORE_CANDIDATES = ("what about the peace agreement", "negotiations in Moscow", "what are the sticking points")


def test_more_button_gives_further_passages(bot: RunningBot, fake: FakeBotAPI, chat: int, bot_engine: Engine) -> None:
    # The engine decides how much a question has; pick a question it gives more passages for.
    conversation = Conversation(bot_engine)
    question = next(q for q in MORE_CANDIDATES if getattr(conversation.ask(State(), q).reply, "has_more", False))
    first = ask(fake, chat, question)
    more = first["reply_markup"]["inline_keyboard"][0][0]
    assert more["callback_data"] == "more"
    fake.push_callback(first, "more", user_id=chat)
    second = fake.wait_messages(chat, 2)[-1]
    assert second["text"].startswith("More:")
    shown_first = {line for line in first["text"].splitlines() if line.startswith("— ¶")}
    shown_second = {line for line in second["text"].splitlines() if line.startswith("— ¶")}
    assert shown_second and not shown_first & shown_second
    typed = ask(fake, chat, "more")
    assert typed["text"].startswith(("More:", "That's all"))


def test_quotes_paginated_with_buttons(bot: RunningBot, fake: FakeBotAPI, chat: int) -> None:
    page1 = ask(fake, chat, "/quotes")
    assert "page 1 of 2" in page1["text"]
    nxt = page1["reply_markup"]["inline_keyboard"][0][-1]
    assert nxt["text"].startswith("Next")
    fake.push_callback(page1, nxt["callback_data"], user_id=chat)
    edited = fake.wait_for(lambda: fake.messages[(chat, page1["message_id"])].get("edit_date") and fake.messages[
        (chat, page1["message_id"])
    ])  # fmt: skip
    assert "page 2 of 2" in edited["text"]
    assert edited["reply_markup"]["inline_keyboard"][0][0]["text"].startswith("‹")


def test_quotes_forgiving_name(bot: RunningBot, fake: FakeBotAPI, chat: int) -> None:
    reply = ask(fake, chat, "/quotes the NATO chief")
    assert reply["text"].startswith("Quotes by Mark Rutte")
    unknown = ask(fake, chat, "/quotes Biden")
    assert "No one called “Biden”" in unknown["text"]


def test_issues_list_buttons_and_one_issue(bot: RunningBot, fake: FakeBotAPI, chat: int) -> None:
    listing = ask(fake, chat, "/issues")
    assert "1. The territorial status" in listing["text"]
    buttons = [b for row in listing["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["callback_data"] for b in buttons[:2]] == ["is:1", "is:2"]
    one = ask(fake, chat, "/issues 2")
    assert one["text"].startswith("Issue 2 of") and "Security guarantees" in one["text"]
    fake.push_callback(listing, "is:1", user_id=chat)
    tapped = fake.wait_messages(chat, 3)[-1]
    assert tapped["text"].startswith("Issue 1 of")
    missing = ask(fake, chat, "/issues 99")
    assert "There is no issue “99”" in missing["text"]


def test_about(bot: RunningBot, fake: FakeBotAPI, chat: int) -> None:
    reply = ask(fake, chat, "/about")
    assert "#USA" in reply["text"] and "Speakers:" in reply["text"] and "2026-01-22" in reply["text"]


def test_group_answers_only_when_addressed(bot: RunningBot, fake: FakeBotAPI) -> None:
    group = -next(_chat_ids)
    kw: dict[str, Any] = {"chat_type": "supergroup", "user_id": 5}
    fake.push_text(group, "what did Trump say?", **kw)  # chatter: ignored
    fake.push_text(group, "/quotes@other_bot", **kw)  # another bot's command: ignored
    reply = ask(fake, group, "/ask what did Trump say?", **kw)
    assert len(fake.sent(group)) == 1 and "What Donald Trump said" in reply["text"]
    assert reply["reply_to_message_id"]  # answers in a group quote the question
    reply = ask(fake, group, f"/about@{BOT_USERNAME}", **kw)
    assert "Speakers:" in reply["text"]
    reply = ask(fake, group, f"@{BOT_USERNAME} what did the NATO chief say?", **kw)
    assert "Rutte" in reply["text"]
    reply = ask(fake, group, "what else did he say?", reply_to=reply, **kw)  # a reply to the bot
    assert "Rutte" in reply["text"]
    assert len(fake.sent(group)) == 4


def test_inline_mode_offers_one_result_per_cited_passage(bot: RunningBot, fake: FakeBotAPI) -> None:
    fake.push_inline("what did Zelensky say", user_id=42)
    call = fake.wait_for(lambda: [c for c in fake.calls if c.method == "answerInlineQuery"])[-1]
    results = call.params["results"]
    assert len(results) >= 2
    assert all("¶" in r["title"] for r in results)
    assert all("<blockquote>" in r["input_message_content"]["message_text"] for r in results)
    assert call.error is None


def test_long_reply_is_split_and_accepted(bot: RunningBot, fake: FakeBotAPI, chat: int) -> None:
    reply = ask(fake, chat, "x" * 4000 + " what did Trump say?")
    assert reply["text"]
    assert not fake.errors()


def test_private_state_is_per_chat(bot: RunningBot, fake: FakeBotAPI) -> None:
    a, b = next(_chat_ids), next(_chat_ids)
    ask(fake, a, "what did Trump say?")
    reply = ask(fake, b, "what else did he say?")
    assert "Donald Trump" not in reply["text"]
    assert len(fake.sent(a)) == 1 and len(fake.sent(b)) == 1  # one reply each, to the chat that asked


class _Broken:
    """A conversation whose every answer fails, to exercise the global error handler."""

    def __init__(self, real: Conversation) -> None:
        self.engine = real.engine

    def ask(self, state: State, text: str) -> Any:
        raise RuntimeError("engine exploded: /secret/path")


def test_errors_are_logged_and_the_user_gets_a_short_apology(
    bot: RunningBot, fake: FakeBotAPI, chat: int, caplog: pytest.LogCaptureFixture
) -> None:
    real = bot.app.bot_data.conversation
    bot.app.bot_data.conversation = _Broken(real)
    try:
        reply = ask(fake, chat, "what did Trump say?")
    finally:
        bot.app.bot_data.conversation = real
    assert reply["text"] == "Sorry, something went wrong on my side. Please try again in a moment."
    assert any("engine exploded" in str(r.exc_info) for r in caplog.records if r.exc_info)


LONG_ARTICLE = """Harbour report: a very long account of the lighthouse <restoration> & its costs

    The lighthouse restoration began in spring. {long}

    Mayor Ada Lind: “The lighthouse <keeper> & the town will share the costs”.

    #TOWN

    01.02.2026 10:00
"""


def test_over_long_answer_is_split_into_accepted_messages(tmp_path: Path) -> None:
    sentence = "The lighthouse restoration needed <new> glass & stone, and every lantern was rebuilt by hand. "
    article = tmp_path / "2026-02-01-lighthouse.txt"
    article.write_text(LONG_ARTICLE.format(long=sentence * 90))
    build([article], tmp_path / "index.db")
    server = FakeBotAPI().start()
    running = RunningBot(server, Engine.from_db(tmp_path / "index.db"))
    try:
        running.start(server)
        server.push_text(7, "tell me about the lighthouse restoration")
        sent = server.wait_messages(7, 2)
        assert all(utf16_len(m["text"]) <= 4096 for m in sent)
        assert "&lt;new&gt; glass &amp; stone" in sent[0]["html"]
        assert not server.errors()
    finally:
        running.stop()
        server.stop()
