"""Presentation of replies: the same blocks become Telegram HTML messages or terminal plain text.

Pure: no Telegram, no I/O. Every piece of article or user text passes through bot.markup, which escapes it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.conversation import (
    AboutReply,
    AnswerReply,
    HelpReply,
    IssueReply,
    IssuesReply,
    QuotesReply,
    Reply,
    StartReply,
)
from bot.markup import Block, Button, Keyboard, Message, highlight_stems, to_messages, to_plain, truncate
from index.models import Answer, Article, Passage

logger = logging.getLogger(__name__)

LISTED_QUOTE = 550  # characters of a quote shown in a /quotes page (5 per page stay under 4096)
CITED_NAME = 60  # a speaker's name in a citation, at most
CITED_TITLE = 100
LISTED_ISSUE = 300
INLINE_PASSAGE = 3500


def citation(p: Passage, article: Article | None = None, *, with_article: bool = False) -> str:
    """Return where a passage stands: ¶N, its speaker, and the article when several are indexed."""
    parts = ["date line" if p.kind == "dateline" else f"¶{p.number}"]
    if p.speaker:
        parts.append(truncate(p.speaker, CITED_NAME))
    if with_article and article is not None:
        parts.append(truncate(article.title, CITED_TITLE))
    return " · ".join(parts)


def shown_text(p: Passage) -> str:
    """Return a passage as a reader sees it: quotes in quote marks, list items with a bullet."""
    return f"“{p.text}”" if p.kind == "quote" else ("• " + p.text if p.kind == "item" else p.text)


def source_line(a: Article) -> str:
    """Return an article's title and date, once per message."""
    return f"From: {a.title}" + (f" ({a.date})" if a.date else "")


def passage_blocks(
    p: Passage, articles: Mapping[str, Article], stems: frozenset[str] = frozenset(), *, limit: int = 0
) -> list[Block]:
    """Return a cited passage: its text as a quote, then its citation."""
    text = shown_text(p)
    if limit:
        text = truncate(text, limit)
    cite = citation(p, articles.get(p.article_id), with_article=len(articles) > 1)
    return [Block(text, "blockquote", stems), Block(f"— {cite}", "i")]


def answer_blocks(reply: AnswerReply, articles: Mapping[str, Article]) -> list[Block]:
    """Return an answer: the lead, the cited passages, the source once, and a hint when not answered."""
    answer = reply.answer
    stems = highlight_stems(answer.question)
    blocks: list[Block] = []
    if not answer.answered:
        why = f" ({answer.reason})" if answer.reason else ""
        blocks.append(Block(f"The article doesn't answer that{why}.", "b"))
        if answer.hits:
            blocks.append(Block("Closest passages, which may not answer it:", "i"))
    else:
        lead = answer.lead or "What the article says"
        blocks.append(Block(("More: " if reply.continued else "") + lead.rstrip(":") + ":", "b"))
    for hit in answer.hits:
        blocks.append(Block(""))
        blocks += passage_blocks(hit.passage, articles, stems)
    sources = {h.passage.article_id for h in answer.hits}
    if len(sources) == 1 and len(articles) == 1 and (a := articles.get(sources.pop())):
        blocks += [Block(""), Block(source_line(a), "i")]
    if not answer.answered:
        blocks += [Block(""), Block("Try /quotes or /issues, or ask about someone the article quotes.")]
    return blocks


def quotes_blocks(reply: QuotesReply, articles: Mapping[str, Article]) -> list[Block]:
    """Return one page of quotes."""
    if reply.unknown_name is not None:
        return [
            Block(f"No one called “{reply.unknown_name}” is quoted in the article.", "b"),
            Block("Send /quotes alone for every quote, or /about for who is in the article."),
        ]
    who = reply.speaker
    title = f"Quotes by {who.name}" + (f", {who.roles[0]}" if who.roles else "") if who else "Quotes"
    title = truncate(title, 150)
    if not reply.quotes:
        return [Block(f"{title}: none. The article reports no direct quotes" + (" by them." if who else "."))]
    page = f" (page {reply.page + 1} of {reply.pages})" if reply.pages > 1 else ""
    blocks = [Block(f"{title}{page}:", "b")]
    for p in reply.quotes:
        blocks.append(Block(""))
        blocks += passage_blocks(p, articles, limit=LISTED_QUOTE)
    return blocks


def quotes_keyboard(reply: QuotesReply) -> Keyboard:
    """Return the page buttons of a quotes page."""
    row: list[Button] = []
    if reply.page > 0:
        row.append(Button("‹ Previous", f"qp:{reply.speaker_key}:{reply.page - 1}"))
    if reply.page + 1 < reply.pages:
        row.append(Button("Next ›", f"qp:{reply.speaker_key}:{reply.page + 1}"))
    return (tuple(row),) if row else ()


def issues_blocks(reply: IssuesReply) -> list[Block]:
    """Return the numbered list of issues, under the sentences that introduce them."""
    if not reply.issues:
        return [Block("The article lists no issues. Ask a question instead, or try /quotes.")]
    blocks = [Block("Issues the article lists:", "b")]
    lead: str | None = None
    for issue in reply.issues:
        if issue.item.lead_in and issue.item.lead_in != lead:
            lead = issue.item.lead_in
            blocks += [Block(""), Block(truncate(lead, LISTED_ISSUE), "i")]
        blocks.append(Block(f"{issue.number}. {truncate(issue.item.text, LISTED_ISSUE)}"))
    blocks += [Block(""), Block("Tap a number, or send /issues N, for the passages that discuss it.")]
    return blocks


def issues_keyboard(reply: IssuesReply) -> Keyboard:
    """Return one button per issue, six to a row."""
    buttons = [Button(str(i.number), f"is:{i.number}") for i in reply.issues[:96]]
    return tuple(tuple(buttons[k : k + 6]) for k in range(0, len(buttons), 6))


def issue_blocks(reply: IssueReply, articles: Mapping[str, Article]) -> list[Block]:
    """Return one issue and the passages that discuss it."""
    issue = reply.issue
    if issue is None:
        span = f"1 to {reply.count}" if reply.count > 1 else str(reply.count)
        if not reply.count:
            return [Block("The article lists no issues.")]
        return [Block(f"There is no issue “{reply.asked}”; the article lists issues {span}. Send /issues for the list")]
    blocks = [Block(f"Issue {issue.number} of {reply.count}:", "b")]
    if issue.item.lead_in:
        blocks.append(Block(issue.item.lead_in, "i"))
    blocks += passage_blocks(issue.item, articles)
    if issue.related:
        blocks += [Block(""), Block("Where the article discusses it:", "b")]
        for p in issue.related:
            blocks.append(Block(""))
            blocks += passage_blocks(p, articles)
    return blocks


def about_blocks(reply: AboutReply) -> list[Block]:
    """Return what the index holds."""
    blocks: list[Block] = []
    for a in reply.articles:
        blocks.append(Block(a.title, "b"))
        if a.date:
            blocks.append(Block(f"Published {a.date}"))
        if a.tags:
            blocks.append(Block(" ".join(f"#{t}" for t in a.tags)))
        blocks.append(Block(""))
    n = len(reply.articles)
    held = f"{n} article{'s' if n != 1 else ''}, {reply.passages} passages, {reply.quotes} quotes"
    blocks.append(Block(f"Indexed: {held}."))
    if reply.speakers:
        blocks.append(Block("Speakers: " + ", ".join(reply.speakers) + "."))
    return blocks


HELP = (
    "Ask me anything about the article in your own words; I answer with the article's own passages, "
    "each cited with its ¶ number and speaker, or tell you plainly that the article doesn't say.",
    "",
    "Follow-ups: “more” (or the More button) for further passages, “what else did he say?”, “and <name>?”.",
    "",
    "/quotes [name]: every quote, or one speaker's (surname, role or a misspelling will do)",
    "/issues: the issues the article lists; /issues N: the passages about issue N",
    "/about: the article's title, date, tags and what the index holds",
    "/ask <question>: ask in a group (or mention me, or reply to my message)",
    "",
    "Inline: type @ and my name followed by a question in any chat to share a cited passage.",
)


def start_blocks(reply: StartReply) -> list[Block]:
    """Return the greeting."""
    blocks = [
        Block("Hello! I answer questions about this article:", "b"),
        Block(reply.title, "i"),
        Block(""),
        Block("My answers are the article's own passages, cited with ¶ numbers and speakers."),
    ]
    if reply.examples:
        blocks += [Block(""), Block("Try one of these, or type your own question:")]
        blocks += [Block(f"• {q}") for q in reply.examples]
    blocks += [Block(""), Block("/quotes · /issues · /about · /help")]
    return blocks


def examples_keyboard(examples: tuple[str, ...]) -> Keyboard:
    """Return one button per example question."""
    return tuple((Button(truncate(q, 60), f"ex:{i}"),) for i, q in enumerate(examples))


def reply_blocks(reply: Reply, articles: Mapping[str, Article]) -> tuple[list[Block], Keyboard]:
    """Return the blocks and keyboard of any reply."""
    if isinstance(reply, AnswerReply):
        more: Keyboard = ((Button("More ›", "more"),),) if reply.has_more else ()
        return answer_blocks(reply, articles), more
    if isinstance(reply, QuotesReply):
        return quotes_blocks(reply, articles), quotes_keyboard(reply)
    if isinstance(reply, IssuesReply):
        return issues_blocks(reply), issues_keyboard(reply)
    if isinstance(reply, IssueReply):
        return issue_blocks(reply, articles), ()
    if isinstance(reply, AboutReply):
        return about_blocks(reply), ()
    if isinstance(reply, StartReply):
        return start_blocks(reply), examples_keyboard(reply.examples)
    if isinstance(reply, HelpReply):
        return [Block(line) for line in HELP], examples_keyboard(reply.examples)
    return [Block(reply.text)], ()


def html_messages(reply: Reply, articles: Mapping[str, Article]) -> list[Message]:
    """Render a reply as Telegram HTML messages, each within 4096 characters."""
    blocks, keyboard = reply_blocks(reply, articles)
    return to_messages(blocks, keyboard)


def plain_text(reply: Reply, articles: Mapping[str, Article]) -> str:
    """Render a reply as terminal text, with the keyboard's choices as typed hints."""
    blocks, _ = reply_blocks(reply, articles)
    text = to_plain(blocks)
    if isinstance(reply, AnswerReply) and reply.has_more:
        text += "\n\n(type “more” for further passages)"
    if isinstance(reply, QuotesReply) and reply.page + 1 < reply.pages:
        name = f" {reply.speaker.name}" if reply.speaker else ""
        text += f"\n\n(type “/quotes{name} {reply.page + 2}” for the next page)"
    return text


def passage_message(p: Passage, articles: Mapping[str, Article], question: str = "") -> Message:
    """Return one cited passage as a single message (inline mode), shortened to fit."""
    blocks = passage_blocks(p, articles, highlight_stems(question), limit=INLINE_PASSAGE)
    a = articles.get(p.article_id)
    if a is not None:
        blocks.append(Block(truncate(source_line(a), 300), "i"))
    return to_messages(blocks)[0]


def plain_reply(answer: Answer, articles: dict[str, Article]) -> str:
    """Render an answer as plain text, as the bot would write it (used by `ask` and `ask --json`)."""
    return plain_text(AnswerReply(answer), articles)
