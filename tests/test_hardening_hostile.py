"""Item 2: hostile input. More than 10,000 generated updates (`make soak`; `make test` runs 1,750 of them) go
through the full handler path: most through
`Application.process_update` with every reply sent over HTTP to the fake Bot API (fast), a share through real
polling. Zero unhandled exceptions; every reply accepted by the fake server's validator."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import PollingBot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.app import App, build_application
from bot.config import Settings
from devtools.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotAPI
from index.answer import Engine

# `make soak` (SOAK=1) runs the full 10,000 updates before a release; `make test` runs a representative slice.
SOAK = os.environ.get("SOAK", "") not in ("", "0")
CORPUS_UPDATES = 7_000 if SOAK else 1_200
HYPOTHESIS_UPDATES = 2_600 if SOAK else 400
POLLING_UPDATES = 400 if SOAK else 150
USERS = 1_500  # with the default flood limit, some users trip it: the notice path is exercised too
# Edits of a message the bot no longer has (a stale button) are refused as Telegram refuses them; the bot
# then sends the page afresh. That refusal is about the message, not the reply: it is not a validator error.
STALE = ("message to edit not found", "message is not modified")

QUESTIONS = (
    "What did Trump say?", "who said peace is not only a cessation of hostilities", "what are the sticking points",
    "and Rutte?", "what else did he say?", "more", "what did the NATO chief say?", "When did they meet?",
)  # fmt: skip
HOSTILE = (
    "", " ", "   \n\t  ", "\u00a0", "\u3000", "\u200b", "\u200b\u200c\u200d\u2060\ufeff", "\u200f\u200e\u202e",
    "مرحبا، ماذا قال ترامب عن السلام؟", "מה אמר טראמפ?", "Tr\u200bump\u200d said?", "\u202ewhat did Trump say",
    "<b>", "</blockquote>", "<blockquote>x", "<a href=\"javascript:alert(1)\">x</a>", "<tg-spoiler>", "<br/>",
    "&", "&amp;", "&lt;&gt;", "&#0;", "&#x110000;", "&nbsp;", "& what did Trump say <i>", "<<>>", "a > b < c",
    "*_[", "*bold* _it_ [x](http://a) `code` ```pre```", "||spoiler||", "~~strike~~", "\\*", "__init__",
    "🙂", "👨‍👩‍👧‍👦🇺🇦🏳️‍🌈", "e\u0301\u0301\u0301" * 40, "\x00\x01\x1b[31mred\x7f", "%s %d {0} {} %(x)s",
    "'; DROP TABLE passages; --", "\" OR 1=1 --", "Robert'); DROP TABLE questions;--", "../../etc/passwd",
    "/", "//", "@", "@article_bot", "@other_bot hi", "#USA", "¶16", "¶", "💥" * 300, "a" * 300,
)  # fmt: skip
LONG = (
    "x" * 4096, "🙂" * 2048, ("what did Trump say? " * 250)[:4096], ("<b>&amp;</b> " * 400)[:4096],
    ("\u200b" * 4000) + "Rutte?", ("ש" * 4096),
)  # fmt: skip
COMMANDS = ("start", "help", "quotes", "issues", "about", "ask", "more", "reload", "stats", "nonsense", "Quotes")
BUTTON_DATA = (
    "more", "ex:0", "ex:2", "ex:99", "ex:-1", "ex:", "is:1", "is:99999", "is:x", "qp:-1:0", "qp:-1:1", "qp:0:9999",
    "qp:9999:0", "qp:-1:-1", "qp:", "qp:1", "x" * 64, "é" * 32, "<b>", "'; drop table x; --", ":", "", "🙂" * 16,
)  # fmt: skip


class Harness:
    """An initialised application whose replies go over HTTP to the fake server; errors are recorded."""

    def __init__(self, fake: FakeBotAPI, engine: Engine) -> None:
        self.fake = fake
        self.loop = asyncio.new_event_loop()
        settings_ = Settings(token=TOKEN, api_base_url=fake.base_url, rate_limiter=False, telegram_timeout=5)
        self.app: App = build_application(settings_, engine)
        self.errors: list[tuple[dict[str, Any], BaseException]] = []
        self.current: dict[str, Any] = {}
        self.app.add_error_handler(self._record)
        self.loop.run_until_complete(self.app.initialize())
        self.ids = itertools.count(1)
        self.handled: Counter[str] = Counter()

    async def _record(self, update: object, context: Any) -> None:
        self.errors.append((self.current, context.error))

    def feed(self, kind: str, payload: dict[str, Any]) -> None:
        """Run one update through the whole handler path."""
        data = {"update_id": next(self.ids), kind: payload}
        self.current = data
        self.handled[_label(kind, payload)] += 1
        self.loop.run_until_complete(self.app.process_update(Update.de_json(data, self.app.bot)))

    def close(self) -> None:
        self.loop.run_until_complete(self.app.shutdown())
        self.loop.close()


def _label(kind: str, payload: dict[str, Any]) -> str:
    if kind != "message":
        return kind
    text = payload.get("text")
    if text is None:
        return "non-text message"
    return "command" if text.startswith("/") else ("group text" if payload["chat"]["type"] != "private" else "text")


# -- update builders (shared by the corpus and hypothesis) ----------------------------------------------------


class Updates:
    """Builds update payloads of every kind against the fake server's chats and the bot's real messages."""

    def __init__(self, fake: FakeBotAPI) -> None:
        self.fake = fake

    def text(
        self, user: int, text: str, *, group: bool = False, reply_to_bot: bool = False
    ) -> tuple[str, dict[str, Any]]:
        chat = -100_000 - user % 50 if group else user
        reply = None
        if reply_to_bot:
            mine = self.fake.sent(chat)
            reply = mine[-1] if mine else self.bot_message(chat, 10**6 + user)
        message = self.fake.text_message(chat, text, user_id=user, chat_type="supergroup" if group else "private",
                                         reply_to=reply)  # fmt: skip
        return "message", message

    def bot_message(self, chat: int, message_id: int) -> dict[str, Any]:
        chat_ = self.fake.chats.get(chat) or self.fake.chat(chat)
        return {"message_id": message_id, "date": int(time.time()), "chat": chat_, "from": self.fake.api_getMe({}),
                "text": "an old answer"}  # fmt: skip

    def other(self, user: int, kind: str, caption: str = "") -> tuple[str, dict[str, Any]]:
        message = self.fake.text_message(user, "x", user_id=user)
        del message["text"], message["entities"]
        file = {"file_id": f"f{user}", "file_unique_id": f"u{user}"}
        if kind == "sticker":
            message["sticker"] = {**file, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                                  "is_video": False, "emoji": "🙂"}  # fmt: skip
        elif kind == "photo":
            message["photo"] = [{**file, "width": 90, "height": 90}]
            if caption:
                message["caption"] = caption[:1024]
        elif kind == "location":
            message["location"] = {"latitude": 46.8, "longitude": 9.8}
        elif kind == "document":
            message["document"] = {**file, "file_name": caption[:60] or "a.pdf"}
        else:
            message["dice"] = {"emoji": "🎲", "value": 3}
        return "message", message

    def edited(self, user: int, text: str) -> tuple[str, dict[str, Any]]:
        _, message = self.text(user, text)
        return "edited_message", {**message, "edit_date": int(time.time())}

    def channel_post(self, text: str) -> tuple[str, dict[str, Any]]:
        chat = {"id": -100_999, "type": "channel", "title": "News"}
        message = {"message_id": 1, "date": int(time.time()), "chat": chat, "sender_chat": chat, "text": text}
        return "channel_post", message

    def callback(self, user: int, data: str, *, stale: bool, inaccessible: bool = False) -> tuple[str, dict[str, Any]]:
        self.fake.chat(user)
        mine = self.fake.sent(user)
        if inaccessible:
            message: dict[str, Any] = {"message_id": 1, "date": 0, "chat": self.fake.chat(user)}
        elif mine and not stale:
            message = mine[-1]
        else:
            message = self.bot_message(user, 10**6 + user)
        query: dict[str, Any] = {"id": f"cb{user}-{data[:8]}", "from": self.fake.user(user), "chat_instance": "ci",
                                 "message": message}  # fmt: skip
        if data:
            query["data"] = data
        return "callback_query", query

    def inline(self, user: int, text: str) -> tuple[str, dict[str, Any]]:
        return "inline_query", {"id": f"iq{user}", "from": self.fake.user(user), "query": text[:256], "offset": ""}


def corpus(make: Updates, n: int, seed: int = 4) -> Iterator[tuple[str, dict[str, Any]]]:
    """A deterministic mix of every kind of hostile and ordinary update."""
    rnd = random.Random(seed)
    strings = HOSTILE + QUESTIONS

    def junk() -> str:
        parts = rnd.sample(strings, rnd.randint(1, 3))
        return " ".join(parts) if rnd.random() < 0.7 else "".join(parts)

    for i in range(n):
        user = rnd.randint(1, USERS)
        roll = rnd.random()
        if i % 400 == 0:
            yield make.text(user, LONG[(i // 400) % len(LONG)])
        elif roll < 0.30:
            yield make.text(user, junk())
        elif roll < 0.45:
            cmd = rnd.choice(COMMANDS) + (f"@{BOT_USERNAME}" if rnd.random() < 0.2 else "")
            yield make.text(user, f"/{cmd} {junk()}" if rnd.random() < 0.8 else f"/{cmd}")
        elif roll < 0.55:
            text = rnd.choice([f"@{BOT_USERNAME} {junk()}", junk(), f"/ask {junk()}", f"/quotes@{BOT_USERNAME}"])
            yield make.text(user, text, group=True, reply_to_bot=rnd.random() < 0.2)
        elif roll < 0.63:
            kind = rnd.choice(["sticker", "photo", "location", "document", "dice"])
            yield make.other(user, kind, junk())
        elif roll < 0.68:
            yield make.edited(user, junk())
        elif roll < 0.72:
            yield make.channel_post(rnd.choice([junk(), "/start", f"/quotes {junk()}"]))
        elif roll < 0.88:
            data = rnd.choice(BUTTON_DATA) if rnd.random() < 0.8 else junk().encode()[:64].decode("utf-8", "ignore")
            yield make.callback(user, data, stale=rnd.random() < 0.4, inaccessible=rnd.random() < 0.1)
        else:
            yield make.inline(user, junk())


# -- the tests ------------------------------------------------------------------------------------------------

FIGURES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def harness(server: FakeBotAPI, bot_engine: Engine) -> Iterator[Harness]:
    h = Harness(server, bot_engine)
    yield h
    h.close()


def rejected(fake: FakeBotAPI) -> list[tuple[str, str | None]]:
    """The calls the fake refused, other than edits of messages it does not have."""
    return [(c.method, c.error) for c in fake.errors() if not any(s in (c.error or "") for s in STALE)]


def test_corpus_updates_through_process_update(harness: Harness, server: FakeBotAPI) -> None:
    started = time.monotonic()
    for kind, payload in corpus(Updates(server), CORPUS_UPDATES):
        harness.feed(kind, payload)
    FIGURES["corpus"] = CORPUS_UPDATES
    FIGURES["corpus seconds"] = round(time.monotonic() - started)
    assert not harness.errors, harness.errors[:3]
    assert not rejected(server), rejected(server)[:5]


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
_nasty = (
    _text
    | st.sampled_from(HOSTILE + QUESTIONS)
    | st.builds(lambda a, b: a + " " + b, _text, st.sampled_from(QUESTIONS))
)
_user = st.integers(1, USERS)


@st.composite
def hostile_update(draw: st.DrawFn, make: Updates) -> tuple[str, dict[str, Any]]:
    kind = draw(
        st.sampled_from(["text", "text", "text", "command", "group", "other", "edited", "channel", "button", "inline"])
    )
    user = draw(_user)
    if kind == "text":
        return make.text(user, draw(_nasty | st.sampled_from(LONG) if draw(st.integers(0, 99)) == 0 else _nasty))
    if kind == "command":
        return make.text(user, f"/{draw(st.sampled_from(COMMANDS))} {draw(_nasty)}")
    if kind == "group":
        prefix = draw(st.sampled_from([f"@{BOT_USERNAME} ", "/ask ", "", f"/about@{BOT_USERNAME} "]))
        return make.text(user, prefix + draw(_nasty), group=True, reply_to_bot=draw(st.booleans()))
    if kind == "other":
        return make.other(
            user, draw(st.sampled_from(["sticker", "photo", "location", "document", "dice"])), draw(_text)
        )
    if kind == "edited":
        return make.edited(user, draw(_nasty))
    if kind == "channel":
        return make.channel_post(draw(_nasty) or "x")
    if kind == "button":
        data = draw(st.sampled_from(BUTTON_DATA) | st.text(max_size=20).filter(lambda s: len(s.encode()) <= 64))
        return make.callback(user, data, stale=draw(st.booleans()), inaccessible=draw(st.integers(0, 9)) == 0)
    return make.inline(user, draw(_nasty))


def test_hypothesis_updates_through_process_update(harness: Harness, server: FakeBotAPI) -> None:
    make = Updates(server)
    count = itertools.count()
    started = time.monotonic()

    @settings(max_examples=HYPOTHESIS_UPDATES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(hostile_update(make))
    def run(update: tuple[str, dict[str, Any]]) -> None:
        next(count)
        harness.feed(*update)
        assert not harness.errors, harness.errors[-1]

    run()
    FIGURES["hypothesis"] = next(count)
    FIGURES["hypothesis seconds"] = round(time.monotonic() - started)
    assert not rejected(server), rejected(server)[:5]


def test_a_share_through_real_polling(
    fake_api: FakeBotAPI, polling_bot: Callable[..., PollingBot], bot_engine: Engine
) -> None:
    bot = polling_bot(bot_engine, rate_limiter=False)
    started = time.monotonic()
    for kind, payload in corpus(Updates(fake_api), POLLING_UPDATES, seed=11):
        fake_api.push(kind, payload)
    sentinel = 999_999
    fake_api.push_text(sentinel, "/help")  # updates are handled in order: its answer means all were handled
    fake_api.wait_messages(sentinel, 1, timeout=60)
    FIGURES["polling"] = POLLING_UPDATES
    FIGURES["polling seconds"] = round(time.monotonic() - started)
    assert not bot.errors and not bot.polling_errors, (bot.errors + bot.polling_errors)[:3]
    assert not rejected(fake_api), rejected(fake_api)[:5]
    assert bot.alive


def test_figures(harness: Harness, server: FakeBotAPI) -> None:
    """Report what the tests above handled (they fill FIGURES; alone, this test has nothing to report)."""
    if not {"corpus", "hypothesis", "polling"} <= set(FIGURES):
        pytest.skip("reports the figures of the tests before it in this file; run the whole file")
    total = FIGURES["corpus"] + FIGURES["hypothesis"] + FIGURES["polling"]
    sent = Counter(c.method for c in server.calls if c.error is None)
    stale = sum(1 for c in server.errors() if any(s in (c.error or "") for s in STALE))
    print(
        f"\n[hostile] updates {total} (corpus {FIGURES['corpus']} in {FIGURES['corpus seconds']}s, hypothesis "
        f"{FIGURES['hypothesis']} in {FIGURES['hypothesis seconds']}s, real polling {FIGURES['polling']} in "
        f"{FIGURES['polling seconds']}s); by kind {dict(harness.handled)}; unhandled exceptions "
        f"{len(harness.errors)}; replies accepted {dict(sent)}; replies rejected by the validator "
        f"{len(rejected(server))}; refused as Telegram would (stale or unchanged edits), then handled {stale}"
    )
    assert total >= (10_000 if SOAK else 1_750)
    assert not harness.errors
