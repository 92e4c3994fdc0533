"""Presentation of answers: plain text for the terminal (HTML for Telegram comes later)."""

from __future__ import annotations

from index.models import Answer, Article, Passage


def citation(p: Passage, article: Article | None = None, *, with_article: bool = False) -> str:
    """Return where a passage stands: ¶N, its speaker, and the article when several are indexed."""
    parts = [f"¶{p.number}"]
    if p.speaker:
        parts.append(p.speaker)
    if with_article and article is not None:
        parts.append(article.title)
    return " · ".join(parts)


def plain_reply(answer: Answer, articles: dict[str, Article]) -> str:
    """Render an answer as plain text, as the bot would write it."""
    several = len(articles) > 1
    lines: list[str] = []
    if not answer.answered:
        lines.append("The article doesn't answer that" + (f" ({answer.reason})." if answer.reason else "."))
        if answer.hits:
            lines.append("Closest passages, which may not answer it:")
    else:
        lines.append(answer.lead + ":")
    for hit in answer.hits:
        p = hit.passage
        text = f"“{p.text}”" if p.kind == "quote" else ("• " + p.text if p.kind == "item" else p.text)
        lines.append("")
        lines.append(text)
        lines.append(f"  — {citation(p, articles.get(p.article_id), with_article=several)}")
    if answer.hits and not several:
        a = articles.get(answer.hits[0].passage.article_id)
        if a:
            lines.append("")
            lines.append(f"From: {a.title}" + (f" ({a.date})" if a.date else ""))
    if not answer.answered:
        lines.append("")
        lines.append("Try /quotes or /issues, or ask about someone the article quotes.")
    return "\n".join(lines)
