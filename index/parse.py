"""Parse a plain-text article into typed passages and speakers. Pure: text in, values out.

The layout: a headline on the first line; indented paragraphs separated by blank lines; quote
lines ``Name: “…”`` or ``Name, Role: “…”``; quotes inside paragraphs (``“…,” said X``,
``X said that “…”``); quote paragraphs attributed in the paragraph before them; bullet lists
``• …`` after a lead-in sentence; hashtag lines; a closing ``DD.MM.YYYY HH:MM`` date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from index import people
from index.attribution import (
    QUOTE_LINE,
    QUOTED,
    Registry,
    find_people,
    mentions,
    quote_head,
    reported_speaker,
)
from index.models import Article, ParsedArticle, Passage, PassageKind, Speaker

BULLET = re.compile(r"^\s*(?:[•·▪◦‣∙●○■□➢►–—*-]|\d{1,2}[.)])\s+(?P<text>\S.*)$")
DATE_LINE = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{4})(?:[ ,]+(\d{1,2}):(\d{2}))?\s*$")
ISO_DATE_LINE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T]+(\d{1,2}):(\d{2}))?\s*$")
TAG_LINE = re.compile(r"^\s*#\w+(?:[\s,]+#\w+)*\s*$")


class ArticleError(ValueError):
    """An article file that cannot be indexed; the message names the file and the problem."""

    def __init__(self, source: str | Path, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = str(source)
        self.problem = problem


@dataclass
class _Block:
    kind: str  # "para" or "item"
    text: str


@dataclass
class _Draft:
    kind: PassageKind
    text: str
    speaker: str | None = None
    lead_in: str | None = None
    list_number: int | None = None
    intro: bool = False  # a paragraph ending with ":" that introduces what follows
    open_quote: bool = False  # a quote paragraph left open: the next “ paragraph continues it


def read_article(path: Path) -> ParsedArticle:
    """Read and parse one article file, raising ArticleError with a one-line reason."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(path, f"cannot read the file ({exc.strerror or exc})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(path, f"not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8") from exc
    if "\x00" in text:
        raise ArticleError(path, "binary data, not a plain-text article")
    try:
        return parse_article(text, article_id=path.stem, source=path.name)
    except ArticleError as exc:  # name the file by its path: two folders may hold the same file name
        raise ArticleError(path, exc.problem) from None


def parse_article(text: str, *, article_id: str, source: str = "") -> ParsedArticle:
    """Parse article text into its Article, Passages and Speakers."""
    where = source or article_id
    lines = _clean(text).split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise ArticleError(where, "empty file; expected a headline on the first line and paragraphs below it")
    title = lines[0].strip()
    body, date, tags = _split_metadata(lines[1:])
    blocks = _blocks(body)
    if not blocks:
        raise ArticleError(where, "no body: expected paragraphs after the headline")
    registry = find_people([b.text for b in blocks])
    drafts = _attribute(blocks, registry)
    passages = tuple(
        Passage(
            article_id=article_id,
            number=i,
            kind=d.kind,
            text=d.text,
            speaker=d.speaker,
            lead_in=d.lead_in,
            list_number=d.list_number,
        )
        for i, d in enumerate(drafts, start=1)
    )
    spoken = {p.speaker for p in passages if p.speaker}
    speakers = tuple(
        Speaker(article_id=article_id, name=p.name, roles=tuple(p.roles), aliases=_aliases(p))
        for p in registry.persons.values()
        if p.name in spoken or p.roles
    )
    article = Article(id=article_id, title=title, date=date, tags=tags, source=source)
    return ParsedArticle(article=article, passages=passages, speakers=speakers)


def _clean(text: str) -> str:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    text = text.replace("\u00a0", " ")
    return "\n".join(_curl_quotes(line) for line in text.split("\n"))


def _curl_quotes(line: str) -> str:
    """Turn straight double quotes into curly ones: opening after space or start, closing elsewhere."""
    if '"' not in line:
        return line
    out = []
    for i, ch in enumerate(line):
        if ch == '"':
            prev = line[i - 1] if i else " "
            out.append("“" if prev.isspace() or prev in "([{—–-" else "”")
        else:
            out.append(ch)
    return "".join(out)


def _split_metadata(lines: list[str]) -> tuple[list[str], str | None, tuple[str, ...]]:
    body: list[str] = []
    date: str | None = None
    tags: list[str] = []
    for line in lines:
        m = DATE_LINE.match(line)
        iso = ISO_DATE_LINE.match(line)
        if m or iso:
            if m:
                day, month, year, hh, mm = m.groups()
            else:
                assert iso is not None
                year, month, day, hh, mm = iso.groups()
            date = f"{year}-{int(month):02d}-{int(day):02d}" + (f" {int(hh):02d}:{mm}" if hh else "")
        elif TAG_LINE.match(line):
            tags += [t.lstrip("#") for t in re.findall(r"#\w+", line)]
        else:
            body.append(line)
    return body, date, tuple(dict.fromkeys(tags))


def _blocks(lines: list[str]) -> list[_Block]:
    """Group body lines into paragraphs and list items."""
    blocks: list[_Block] = []
    prev_blank = True
    for raw in lines:
        if not raw.strip():
            prev_blank = True
            continue
        bullet = BULLET.match(raw)
        text = " ".join(raw.split())
        if bullet:
            blocks.append(_Block("item", " ".join(bullet.group("text").split())))
        elif not prev_blank and blocks and blocks[-1].kind == "para" and not re.search(r"[.!?:”\"']$", blocks[-1].text):
            blocks[-1].text += " " + text  # a hard-wrapped line continues its paragraph
        else:
            blocks.append(_Block("para", text))
        prev_blank = False
    return blocks


def _attribute(blocks: list[_Block], registry: Registry) -> list[_Draft]:
    """Turn blocks into passage drafts with their speakers."""
    drafts: list[_Draft] = []
    last_person: str | None = None
    list_number = 0
    lead_in: str | None = None
    for i, block in enumerate(blocks):
        if block.kind == "item":
            if not drafts or drafts[-1].kind != "item":
                list_number += 1
                prev = drafts[-1] if drafts else None
                lead_in = prev.text if prev and prev.kind == "paragraph" else None
                if prev and prev.kind == "paragraph" and lead_in and lead_in.endswith(":"):
                    prev.intro = True
            drafts.append(_Draft("item", block.text, lead_in=lead_in, list_number=list_number))
            continue
        text = block.text
        draft = _quote_line(text, registry) or _continued_quote(text, drafts)
        if draft is None:
            found = mentions(text, registry)
            for mention in found:
                if mention.person is None:
                    mention.person = last_person
                elif not registry.persons[mention.person].organisation:
                    last_person = mention.person  # "he" and "she" refer to people, not to bodies
            speaker = reported_speaker(text, found)
            longest = max((len(q) for q in QUOTED.findall(text)), default=0)
            # A full quoted sentence makes a quote; short scare-quoted fragments do not.
            kind: PassageKind = "quote" if speaker and longest >= 60 else "paragraph"
            draft = _Draft(kind, text, speaker=speaker)
            if text.endswith(":") and i + 1 < len(blocks) and blocks[i + 1].text.startswith("“"):
                draft.intro = True
        elif draft.speaker:
            last_person = draft.speaker
        drafts.append(draft)
    return drafts


def _quote_line(text: str, registry: Registry) -> _Draft | None:
    """A quote line: ``Name: “…”``, ``Name, Role: “…”`` or ``Name said: “…”``."""
    m = QUOTE_LINE.match(text)
    if not m:
        return None
    name_part = quote_head(m.group("head"))[0]
    split = people.split_name(name_part)
    person = registry.find_name(split[1] if split else name_part)
    if person is None:
        return None
    return _Draft("quote", _strip_quote(m.group("body")), speaker=person.name)


def _continued_quote(text: str, drafts: list[_Draft]) -> _Draft | None:
    """A paragraph that is all quote, attributed by the intro paragraph or quote before it."""
    if not text.startswith("“") or not drafts:
        return None
    prev = drafts[-1]
    if (prev.intro and prev.kind == "paragraph" and prev.speaker) or (prev.kind == "quote" and prev.open_quote):
        speaker = prev.speaker
    else:
        return None
    inner = text[1:]
    if "“" in inner.replace("”", "", inner.count("”")) and "”" not in inner:
        return None
    draft = _Draft("quote", _strip_quote(text), speaker=speaker)
    draft.open_quote = "”" not in text
    return draft


def _strip_quote(body: str) -> str:
    body = body.strip()
    body = re.sub(r"^“", "", body)
    body = re.sub(r"”\s*([.!?]?)\s*$", r"\1", body)
    body = body.rstrip("”").strip()
    if body and body[-1] not in ".!?…":
        body += "."
    return body


def _aliases(person: people.Person) -> tuple[str, ...]:
    forms = [person.name, person.surname]
    forms += [r for r in person.roles]
    return tuple(dict.fromkeys(f for f in forms if f))
