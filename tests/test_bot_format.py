"""Presentation: Telegram HTML is always valid and every message fits, whatever the article or user wrote."""

from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import format as fmt
from bot.conversation import AnswerReply, Conversation, IssueReply, IssuesReply, Notice, QuotesReply, State
from bot.handlers import rendered
from bot.markup import MAX_MESSAGE, Block, Button, Message, cut, to_messages
from devtools.fake_bot_api import check_markup, parse_html, utf16_len
from index.answer import Engine, Issue
from index.models import Answer, Article, Hit, Passage

ARTICLES = {"a": Article(id="a", title="A <title> & “quotes”", date="2026-01-22 01:59", tags=("X",))}
NASTY = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=6000) | st.sampled_from(
    ["<b>", "</blockquote>", "&amp;", "&", "<", ">", "a & b < c > d", "*_[`", "\u200f\u200b", "😀" * 3000, " \n "]
)
KINDS = st.sampled_from(["paragraph", "quote", "item"])


def valid(messages: list[Message]) -> None:
    """Assert that Telegram would accept every message (as the fake Bot API checks them)."""
    assert messages
    for m in messages:
        shown = parse_html(m.html)
        assert shown.strip()
        assert utf16_len(shown) <= MAX_MESSAGE
        check_markup({"inline_keyboard": [[{"text": b.text, "callback_data": b.data} for b in r] for r in m.keyboard]})


def passages(texts: list[str], kinds: list[str], speaker: str | None) -> list[Passage]:
    return [
        Passage(article_id="a", number=n + 1, kind=k, text=t, speaker=speaker, lead_in=t[:50] or None)  # type: ignore[arg-type]
        for n, (t, k) in enumerate(zip(texts, kinds, strict=False))
    ]


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(NASTY, min_size=0, max_size=4),
    kinds=st.lists(KINDS, min_size=4, max_size=4),
    question=NASTY,
    speaker=st.none() | NASTY,
    answered=st.booleans(),
    lead=NASTY,
)
def test_any_answer_renders_valid_html_within_limits(
    texts: list[str], kinds: list[str], question: str, speaker: str | None, answered: bool, lead: str
) -> None:
    hits = tuple(Hit(p, 1.0) for p in passages(texts, kinds, speaker))
    answer = Answer(question=question, answered=answered, hits=hits, lead=lead, reason=question[:100])
    valid(fmt.html_messages(AnswerReply(answer, has_more=True), ARTICLES))
    assert fmt.plain_reply(answer, ARTICLES)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(NASTY, min_size=1, max_size=5), speaker=st.none() | NASTY, name=NASTY)
@example(texts=["😀" * 3000] * 5, speaker="&" * 5000, name="<" * 5000)
def test_any_quotes_page_issue_and_notice_render_valid_html(texts: list[str], speaker: str | None, name: str) -> None:
    ps = passages(texts, ["quote", "item", "paragraph", "quote", "item"], speaker)
    page = QuotesReply(tuple(ps), page=1, pages=3, speaker_key=-1)
    messages = fmt.html_messages(page, ARTICLES)
    assert len(messages) == 1  # a page is edited in place, so it must be one message
    valid(messages)
    valid(fmt.html_messages(QuotesReply((), 0, 0, unknown_name=name), ARTICLES))
    issues = tuple(Issue(n + 1, p, tuple(ps)) for n, p in enumerate(ps))
    valid(fmt.html_messages(IssuesReply(issues), ARTICLES))
    valid(fmt.html_messages(IssueReply(issues[0], "1", len(issues)), ARTICLES))
    valid(fmt.html_messages(IssueReply(None, name[:40], 3), ARTICLES))
    valid(fmt.html_messages(Notice(name or "x"), ARTICLES))
    valid([fmt.passage_message(ps[0], ARTICLES, name)])


@settings(max_examples=100, deadline=None)
@given(text=NASTY, limit=st.integers(min_value=2, max_value=300))
def test_cut_keeps_every_word_and_respects_the_limit(text: str, limit: int) -> None:
    pieces = cut(text, limit)
    assert all(utf16_len(p) <= limit for p in pieces)
    assert "".join(pieces).split() == text.split() or "".join("".join(pieces).split()) == "".join(text.split())


def test_question_words_are_highlighted_and_text_escaped() -> None:
    p = Passage("a", 3, "quote", "Peace <now> & security", speaker="Jane Roe")
    answer = Answer("is peace near?", True, (Hit(p, 1.0),), lead="Jane Roe in the article")
    html = fmt.html_messages(AnswerReply(answer), ARTICLES)[0].html
    assert "<blockquote>“<b>Peace</b> &lt;now&gt; &amp; security”</blockquote>" in html
    assert "<i>— ¶3 · Jane Roe</i>" in html
    assert html.count("A &lt;title&gt; &amp; “quotes”") == 1


def test_long_answer_splits_between_blocks_never_inside_a_tag() -> None:
    ps = [Passage("a", n, "paragraph", f"Passage {n} " + "word " * 400) for n in range(1, 6)]
    answer = Answer("word", True, tuple(Hit(p, 1.0) for p in ps), lead="What the article says")
    messages = fmt.html_messages(AnswerReply(answer, has_more=True), ARTICLES)
    assert len(messages) == 3
    valid(messages)
    assert [bool(m.keyboard) for m in messages] == [False, False, True]  # the More button goes last


def test_one_huge_block_is_cut_into_several_messages() -> None:
    messages = to_messages([Block("&<" * 5000, "blockquote", frozenset())])
    assert len(messages) == 3
    valid(messages)
    assert all(m.html.startswith("<blockquote>") and m.html.endswith("</blockquote>") for m in messages)


def test_callback_data_over_64_bytes_is_refused() -> None:
    Button("ok", "qp:1:2")
    try:
        Button("too long", "я" * 33)
    except ValueError:
        return
    raise AssertionError("66 bytes of callback data were accepted")


def test_several_articles_are_named_in_citations(bot_engine_two: Engine) -> None:
    answer = bot_engine_two.answer("what did Trump say")
    text = fmt.plain_reply(answer, bot_engine_two.articles)
    assert "· Peace talks on Ukraine" in text
    assert "From:" not in text


def test_plain_reply_is_plain_text(bot_engine: Engine) -> None:
    text = fmt.plain_reply(bot_engine.answer("what did Trump say"), bot_engine.articles)
    assert text.startswith("What Donald Trump said:") and "<" not in text
    json.dumps(text)


def test_a_reply_is_rendered_once_per_index_build(bot_engine: Engine) -> None:
    """The same reply from the same index is rendered once and gives the same messages."""
    conversation = Conversation(bot_engine)
    reply = conversation.ask(State(), "what did witkoff say").reply
    again = conversation.ask(State(), "what did witkoff say").reply
    first = rendered(reply, conversation)
    assert first == fmt.html_messages(reply, bot_engine.articles)
    assert rendered(again, conversation) is first
