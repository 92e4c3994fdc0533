"""Item 1: Telegram faults. The real bot polls the fake Bot API while it answers 429s (with retry_after),
500s, 502s, responses slower than the timeout and dropped connections, on sendMessage and on getUpdates.
Every question is answered exactly once, the bot never exits."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable

import pytest
from conftest import PollingBot

from bot import delivery
from bot import format as fmt
from bot.conversation import Conversation, State
from bot.handlers import APOLOGY
from devtools.fake_bot_api import FakeBotAPI, Fault
from index.answer import Engine

TIMEOUT = 0.5  # TELEGRAM_TIMEOUT for the test bot; the long poll adds its own 1 s
QUESTIONS = (
    "What did Trump say?",
    "who said peace is not only a cessation of hostilities",
    "what did the NATO chief say?",
    "What did Biden say about tariffs?",
    "what are the sticking points",
    "and Rutte?",
)
# Each round: one fault on sendMessage and one on getUpdates, met while questions are in flight.
ROUNDS: tuple[tuple[Fault, Fault], ...] = (
    (Fault("sendMessage", status=429, retry_after=1), Fault("getUpdates", status=429, retry_after=1)),
    (Fault("sendMessage", status=500), Fault("getUpdates", status=500)),
    (Fault("sendMessage", status=502), Fault("getUpdates", status=502)),
    # slower than the timeout: the bot gives up waiting; the server then fails the send, or (getUpdates)
    # answers late with the updates, which the bot must fetch again without handling them twice
    (Fault("sendMessage", status=500, delay=TIMEOUT + 0.4), Fault("getUpdates", status=200, delay=1 + TIMEOUT + 0.5)),
    (Fault("sendMessage", drop=True), Fault("getUpdates", drop=True)),
    (Fault("sendMessage", status=500, times=2), Fault("getUpdates", status=502)),  # two in a row
)
PER_ROUND = 3

_chats = itertools.count(50_001)


def expected_messages(conversation: Conversation, question: str) -> int:
    """How many messages the bot's reply to a fresh chat's question takes."""
    return len(fmt.html_messages(conversation.ask(State(), question).reply, conversation.engine.articles))


def test_every_question_answered_exactly_once_through_faults(
    fake_api: FakeBotAPI, polling_bot: Callable[..., PollingBot], bot_engine: Engine
) -> None:
    bot = polling_bot(bot_engine, telegram_timeout=TIMEOUT, flood_limit=0)
    conversation = Conversation(bot_engine)
    expected = {q: expected_messages(conversation, q) for q in QUESTIONS}
    asked: dict[int, str] = {}
    started = time.monotonic()
    questions = itertools.cycle(QUESTIONS)
    for send_fault, poll_fault in ROUNDS:
        fake_api.inject(poll_fault)
        fake_api.inject(send_fault)
        round_chats = []
        for _ in range(PER_ROUND):
            chat, question = next(_chats), next(questions)
            asked[chat] = question
            round_chats.append(chat)
            fake_api.push_text(chat, question)
        for chat in round_chats:
            fake_api.wait_messages(chat, expected[asked[chat]], timeout=30)
        assert bot.alive
    # The bot still answers after everything; updates are handled in order, so a late duplicate of an
    # earlier answer would have been sent before this one.
    final = next(_chats)
    asked[final] = QUESTIONS[0]
    fake_api.push_text(final, QUESTIONS[0])
    fake_api.wait_messages(final, expected[QUESTIONS[0]], timeout=15)

    delivered = lost = duplicates = apologies = 0
    for chat, question in asked.items():
        sent = fake_api.sent(chat)
        apologies += sum(1 for m in sent if m["text"] == APOLOGY)
        texts = Counter(m["text"] for m in sent)
        duplicates += sum(n - 1 for n in texts.values())
        want = expected[question]
        delivered += min(len(sent), want) == want
        lost += len(texts) < want
    faults = Counter(c.method for c in fake_api.faults_met())
    print(
        f"\n[faults] injected {sum(faults.values())} ({dict(faults)}); questions {len(asked)}; "
        f"answers delivered {delivered}; lost {lost}; duplicates {duplicates}; apologies {apologies}; "
        f"handler errors {len(bot.errors)}; polling errors retried {len(bot.polling_errors)}; "
        f"bot alive {bot.alive}; {time.monotonic() - started:.1f}s"
    )
    assert faults["sendMessage"] >= len(ROUNDS) and faults["getUpdates"] >= len(ROUNDS)
    assert (delivered, lost, duplicates, apologies) == (len(asked), 0, 0, 0)
    assert not bot.errors
    assert not fake_api.errors(), [(c.method, c.error) for c in fake_api.errors()]
    assert bot.alive


def test_faults_on_other_methods_and_a_long_outage(
    fake_api: FakeBotAPI, polling_bot: Callable[..., PollingBot], bot_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Buttons, inline answers and a run of failures longer than the retries: the bot degrades, never exits."""
    monkeypatch.setattr(delivery, "BACKOFF", (0.05, 0.1, 0.1, 0.1, 0.1))
    bot = polling_bot(bot_engine, telegram_timeout=TIMEOUT, flood_limit=0)
    chat = next(_chats)
    fake_api.push_text(chat, "/quotes")
    page = fake_api.wait_messages(chat, 1)[0]
    fake_api.inject(Fault("answerCallbackQuery", status=502))
    fake_api.inject(Fault("editMessageText", status=500))
    fake_api.push_callback(page, page["reply_markup"]["inline_keyboard"][0][-1]["callback_data"], user_id=chat)
    fake_api.wait_for(lambda: fake_api.messages[(chat, page["message_id"])].get("edit_date"))
    fake_api.inject(Fault("answerInlineQuery", drop=True))
    fake_api.push_inline("what did Zelensky say", user_id=chat)
    fake_api.wait_for(lambda: fake_api.calls_to("answerInlineQuery"))
    # An outage longer than every retry: that answer is lost (logged), and the bot carries on.
    attempts = len(delivery.BACKOFF) + 1 + 3  # the answer's attempts, then the apology's
    fake_api.inject(Fault("sendMessage", status=502, times=attempts))
    down = next(_chats)
    fake_api.push_text(down, "what did Trump say?")
    fake_api.wait_for(lambda: not fake_api.faults, timeout=40)
    after = next(_chats)
    fake_api.push_text(after, "what did Trump say?")
    assert "Donald Trump" in fake_api.wait_messages(after, 1, timeout=15)[0]["text"]
    assert bot.alive
    assert not fake_api.errors()
