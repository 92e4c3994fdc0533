"""The conversation: commands and follow-ups, shared by Telegram and the terminal; pure, so tested directly."""

from __future__ import annotations

import pytest

from bot.conversation import (
    AboutReply,
    AnswerReply,
    Conversation,
    IssueReply,
    IssuesReply,
    Notice,
    QuotesReply,
    StartReply,
    State,
)
from bot.examples import question_from_lead_in
from index.answer import Engine


@pytest.fixture(scope="module")
def conv(bot_engine: Engine) -> Conversation:
    return Conversation(bot_engine)


def cited(reply: object) -> list[int]:
    assert isinstance(reply, AnswerReply)
    return [h.passage.number for h in reply.answer.hits]


def test_examples_come_from_the_article_and_are_answered(conv: Conversation, bot_engine: Engine) -> None:
    assert len(conv.examples) == 3
    assert all(bot_engine.answer(q).answered for q in conv.examples)
    surnames = {s.name.split()[-1] for s in bot_engine.speakers}
    assert any(name in conv.examples[0] for name in surnames)


def test_question_from_lead_in() -> None:
    assert question_from_lead_in("Experts name several most likely problematic topics:") == (
        "What are the most likely problematic topics?"
    )
    assert (
        question_from_lead_in("The city is worried for three reasons:") == "What are the reasons the city is worried?"
    )
    assert question_from_lead_in("He said this:") is None


def test_what_else_did_he_say_continues_with_the_same_speaker(conv: Conversation) -> None:
    first = conv.ask(State(), "who said peace is not only a cessation of hostilities")
    assert first.state.speaker == "Volodymyr Zelensky"
    again = conv.ask(first.state, "what else did he say?")
    numbers = cited(again.reply)
    assert numbers and not set(numbers) & set(cited(first.reply))
    assert isinstance(again.reply, AnswerReply)
    assert all(h.passage.speaker == "Volodymyr Zelensky" for h in again.reply.answer.hits)


def test_and_another_speaker_swaps_the_speaker(conv: Conversation) -> None:
    first = conv.ask(State(), "what did Trump say?")
    rutte = conv.ask(first.state, "and Rutte?")
    assert isinstance(rutte.reply, AnswerReply)
    assert rutte.reply.answer.speaker is not None and rutte.reply.answer.speaker.name == "Mark Rutte"
    assert rutte.state.speaker == "Mark Rutte"


def test_pronoun_question_resolves_the_last_speaker(conv: Conversation) -> None:
    first = conv.ask(State(), "what did Zelensky say?")
    follow = conv.ask(first.state, "did he talk about security?")
    assert isinstance(follow.reply, AnswerReply)
    assert all(h.passage.speaker == "Volodymyr Zelensky" for h in follow.reply.answer.hits)


def test_more_never_repeats_and_ends_plainly(conv: Conversation) -> None:
    turn = conv.ask(State(), "negotiations in Moscow")
    seen = set(cited(turn.reply))
    for _ in range(10):
        turn = conv.more(turn.state)
        if isinstance(turn.reply, Notice):
            assert turn.reply.text.startswith("That's all")
            break
        numbers = set(cited(turn.reply))
        assert numbers and not numbers & seen
        seen |= numbers
    else:
        raise AssertionError("more never ended")


def test_more_before_any_question(conv: Conversation) -> None:
    reply = conv.ask(State(), "more").reply
    assert isinstance(reply, Notice) and "first" in reply.text


def test_commands(conv: Conversation) -> None:
    state = State()
    assert isinstance(conv.respond(state, "/start").reply, StartReply)
    assert isinstance(conv.respond(state, "/about@article_bot").reply, AboutReply)
    assert isinstance(conv.respond(state, "/issues").reply, IssuesReply)
    issue = conv.respond(state, "/issues 2").reply
    assert isinstance(issue, IssueReply) and issue.issue is not None and issue.issue.number == 2
    assert isinstance(conv.respond(state, "/nonsense").reply, Notice)
    assert isinstance(conv.respond(state, "/ask what did Trump say").reply, AnswerReply)


def test_quotes_pages_and_forgiving_names(conv: Conversation) -> None:
    page1 = conv.respond(State(), "/quotes").reply
    assert isinstance(page1, QuotesReply) and page1.pages == 2 and len(page1.quotes) == 5
    page2 = conv.respond(State(), "/quotes 2").reply
    assert isinstance(page2, QuotesReply) and page2.page == 1 and len(page2.quotes) == 1
    assert conv.quotes_page(-1, 1) == page2
    for name in ("Zelensky", "zelenskyy", "the Ukrainian president"):
        reply = conv.respond(State(), f"/quotes {name}").reply
        assert isinstance(reply, QuotesReply) and reply.speaker is not None, name
        assert reply.speaker.name == "Volodymyr Zelensky"
    unknown = conv.respond(State(), "/quotes Biden").reply
    assert isinstance(unknown, QuotesReply) and unknown.unknown_name == "Biden"


@pytest.mark.parametrize("arg", ["²", "³", "2²", "①", "١", "𝟚", "99999999999", "-1", "0"])
def test_numbers_in_commands_are_ascii_digits_only(conv: Conversation, arg: str) -> None:
    """str.isdigit() accepts "²", which int() refuses: every such argument is a plain "no such" reply."""
    issue = conv.command(State(), "issues", arg).reply
    assert isinstance(issue, IssueReply) and issue.issue is None
    quotes = conv.command(State(), "quotes", f"Rutte {arg}").reply
    assert isinstance(quotes, QuotesReply)


def test_every_listed_command_has_a_runner(conv: Conversation) -> None:
    """The menu (COMMANDS) and the dispatch table name the same commands."""
    from bot.conversation import COMMANDS

    assert set(conv.runners) == {name for name, _ in COMMANDS}
    assert isinstance(conv.command(State(), "nonsense").reply, Notice)
