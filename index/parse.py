"""Parse a plain-text article into typed passages and speakers. Pure: text in, values out.

The layout: a headline on the first line; indented paragraphs separated by blank lines; quote
lines ``Name: “…”`` or ``Name, Role: “…”``; quotes inside paragraphs (``“…,” said X``,
``X said that “…”``); quote paragraphs attributed in the paragraph before them; bullet lists
``• …`` after a lead-in sentence; hashtag lines; a closing ``DD.MM.YYYY HH:MM`` date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from index import people
from index.models import Article, ParsedArticle, Passage, PassageKind, Speaker
from index.text import fold

BULLET = re.compile(r"^\s*(?:[•·▪◦‣∙●○■□➢►–—*-]|\d{1,2}[.)])\s+(?P<text>\S.*)$")
DATE_LINE = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{4})(?:[ ,]+(\d{1,2}):(\d{2}))?\s*$")
ISO_DATE_LINE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T]+(\d{1,2}):(\d{2}))?\s*$")
TAG_LINE = re.compile(r"^\s*#\w+(?:[\s,]+#\w+)*\s*$")
QUOTED = re.compile(r"“[^“”]*(?:”|$)")
QUOTE_LINE = re.compile(r"^(?P<head>[^“”:]{2,160}?)\s*:\s*(?P<body>“.*)$")
DETERMINERS = frozenset("the a an this that these those its his her their our".split())


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


@dataclass
class _Registry:
    """People found so far, by full name."""

    persons: dict[str, people.Person] = field(default_factory=dict)

    def add(self, name: str, role: str = "") -> people.Person:
        found = self.find_name(name)
        person = found if found is not None else self.persons.setdefault(name, people.Person(name, []))
        role = role.strip(" ,.")
        if role and fold(role) not in {fold(r) for r in person.roles}:
            person.roles.append(role)
        return person

    def find_name(self, name: str) -> people.Person | None:
        """Find a person by full name or by surname (exact, case-insensitive)."""
        key = fold(name)
        for p in self.persons.values():
            if fold(p.name) == key:
                return p
        tokens = key.split()
        if len(tokens) == 1 or (len(tokens) == 2 and tokens[0].rstrip(".") in {"dr", "mr", "mrs", "ms", "prof"}):
            matches = [p for p in self.persons.values() if fold(p.surname) == tokens[-1]]
            if len(matches) == 1:
                return matches[0]
        return None

    def by_role(self, noun: str) -> people.Person | None:
        """Find the one person whose roles have this head noun."""
        matches = [p for p in self.persons.values() if any(noun == people.role_head(r) for r in p.roles)]
        return matches[0] if len(matches) == 1 else None


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
    return parse_article(text, article_id=path.stem, source=path.name)


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
    registry = _find_people([b.text for b in blocks])
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


def _outside_quotes(text: str) -> str:
    """Blank out quoted spans (keeping offsets) so names inside quotes are not taken as mentions."""
    return QUOTED.sub(lambda m: "“" + " " * (len(m.group()) - 2) + "”"[: len(m.group()) - 1], text)


def _find_people(texts: list[str]) -> _Registry:
    """Collect the people the article names: speakers of quote lines and names in person contexts."""
    registry = _Registry()
    for text in texts:
        m = QUOTE_LINE.match(text)
        if m:
            name_part, role = _quote_head(m.group("head"))
            split = people.split_name(name_part)
            if split:
                prefix, name = split
                registry.add(name, role or " ".join(t for t in prefix.split() if fold(t) not in people.TITLES))
    for text in texts:
        plain = _outside_quotes(text)
        for run in people.CAP_RUN.finditer(plain):
            split = people.split_name(run.group())
            if not split or run.group().split()[0].lower() in DETERMINERS:
                continue
            prefix, name = split
            if any(fold(t).strip(".,") in people.ROLE_NOUNS for t in name.split()):
                continue
            before = plain[: run.start()]
            after = plain[run.end() :]
            role = _role_before(before, prefix) or _role_after(after) or _role_apposed_before(before)
            said = _reporting_near(before, after)
            if role or said or registry.find_name(name):
                registry.add(name, role)
    for text in texts:
        # "Montejo: “…”" for someone never named in full: a one-word name heads the quote line.
        m = QUOTE_LINE.match(text)
        if m:
            name_part, role = _quote_head(m.group("head"))
            single = re.fullmatch(rf"[{people.UPPER}][\w'’-]+", name_part)
            if single and not registry.find_name(name_part) and fold(name_part) not in people.ROLE_NOUNS:
                registry.add(name_part, role)
    return registry


def _role_before(before: str, prefix: str) -> str:
    """Role words right before a name: "Union leader Elin Haverkamp", "Chief engineer X"."""
    tail = re.search(r"((?:[\w’'.-]+\s+){0,3})$", before)
    words_before = tail.group(1).split() if tail else []
    role_words: list[str] = []
    for w in reversed(words_before):
        if fold(w).strip(".,") in people.ROLE_NOUNS or (role_words and (w[0].isupper() or w.islower())):
            if w.endswith(",") or fold(w) in DETERMINERS or fold(w) in {"and", "of", "by", "with", "to"}:
                break
            role_words.insert(0, w)
        else:
            break
    while role_words and fold(role_words[0]).strip(".,") not in people.ROLE_NOUNS and role_words[0].islower():
        role_words.pop(0)
    if role_words and not any(fold(w).strip(".,") in people.ROLE_NOUNS for w in role_words):
        role_words = []
    prefix = " ".join(t for t in prefix.split() if fold(t) not in people.TITLES)
    role = " ".join(role_words + ([prefix] if prefix else []))
    return role.strip()


_APPOSITIVE_AFTER = re.compile(
    rf"^\s*(?:of\s+[{people.UPPER}][\w’'-]*(?:\s+[{people.UPPER}][\w’'-]*)*\s*)?,\s*(?P<role>[^,.:;“”]{{3,80}}?)\s*(?:[,.:;]|$)"
)


def _role_after(after: str) -> str:
    """An appositive after a name: "Tobias Renfrew, the company’s lawyer," ."""
    m = _APPOSITIVE_AFTER.match(after)
    if not m:
        return ""
    role = m.group("role")
    tokens = [fold(t).strip(".,’'") for t in role.split()]
    if not any(t in people.ROLE_NOUNS for t in tokens) or any(t in people.REPORTING_VERBS for t in tokens):
        return ""
    return re.sub(r"^[Tt]he\s+", "", role)


def _role_apposed_before(before: str) -> str:
    """A role phrase set off before a name: "The director of the Port Authority, Pieter Vandermolen"."""
    m = re.search(r"(?:^|[.;]\s+|,\s+)(?P<role>(?:[Tt]he\s+)?[\w’'-]+(?:\s+[\w’'-]+){0,7}),\s*$", before)
    if not m:
        return ""
    role = m.group("role")
    tokens = [fold(t).strip(".,’'") for t in role.split()]
    head = tokens[1] if tokens and tokens[0] == "the" and len(tokens) > 1 else (tokens[0] if tokens else "")
    if head not in people.ROLE_NOUNS:
        return ""
    return re.sub(r"^[Tt]he\s+", "", role)


def _reporting_near(before: str, after: str) -> bool:
    """Tell whether a reporting verb stands right before or after a name."""
    prev = re.findall(r"[\w’']+", before[-40:])
    nxt = re.findall(r"[\w’']+", re.sub(r"^,[^,]{0,80},", "", after)[:40])
    return bool((prev and fold(prev[-1]) in people.REPORTING_VERBS) or (nxt and fold(nxt[0]) in people.REPORTING_VERBS))


@dataclass
class _Mention:
    start: int
    end: int
    person: str | None  # None for a pronoun still to resolve


def _mentions(text: str, registry: _Registry) -> list[_Mention]:
    """Find person mentions outside quotes: full names, surnames, role phrases and pronouns."""
    plain = _outside_quotes(text)
    found: list[_Mention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for person in registry.persons.values():
        for form in (person.name, person.surname):
            for m in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", plain):
                if free(m.start(), m.end()):
                    found.append(_Mention(m.start(), m.end(), person.name))
                    taken.append((m.start(), m.end()))
    for m in re.finditer(r"\b[Tt]he\s+(?:[\w’'-]+\s+){0,2}?(?P<noun>[a-z]+)\b", plain):
        noun = m.group("noun")
        if noun in people.ROLE_NOUNS and free(m.start(), m.end()):
            holder = registry.by_role(noun)
            if holder:
                found.append(_Mention(m.start(), m.end(), holder.name))
                taken.append((m.start(), m.end()))
    for m in re.finditer(r"\b(?:[Hh]e|[Ss]he|[Hh]im|[Hh]er|[Hh]is)\b", plain):
        found.append(_Mention(m.start(), m.end(), None))
    return sorted(found, key=lambda x: x.start)


def _attribute(blocks: list[_Block], registry: _Registry) -> list[_Draft]:
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
            mentions = _mentions(text, registry)
            for mention in mentions:
                if mention.person is None:
                    mention.person = last_person
                else:
                    last_person = mention.person
            speaker = _reported_speaker(text, mentions)
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


def _quote_head(head: str) -> tuple[str, str]:
    """Split a quote line's head into (name part, role): "X, role", "X (role)", "X said", "X told reporters"."""
    paren = re.fullmatch(r"\s*(?P<name>[^()]+?)\s*\((?P<role>[^()]+)\)\s*", head)
    if paren:
        head = f"{paren.group('name')}, {paren.group('role')}"
    name_part, _, role = head.partition(",")
    tokens = name_part.split()
    for i, token in enumerate(tokens):
        if i and fold(token) in people.REPORTING_VERBS:
            name_part = " ".join(tokens[:i])
            break
    return name_part.strip(), role.strip()


def _quote_line(text: str, registry: _Registry) -> _Draft | None:
    """A quote line: ``Name: “…”``, ``Name, Role: “…”`` or ``Name said: “…”``."""
    m = QUOTE_LINE.match(text)
    if not m:
        return None
    name_part = _quote_head(m.group("head"))[0]
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


def _reported_speaker(text: str, mentions: list[_Mention]) -> str | None:
    """The person whose words a paragraph reports: the subject of its first reporting verb."""
    plain = _outside_quotes(text)
    for m in re.finditer(r"[\w’']+", plain):
        word = fold(m.group())
        if word == "according" and plain[m.end() : m.end() + 3] == " to":
            after = [x for x in mentions if x.start > m.end()]
            if after and after[0].start - m.end() < 8 and after[0].person:
                return after[0].person
            continue
        if word not in people.REPORTING_VERBS:
            continue
        before = [x for x in mentions if x.end <= m.start() and _same_clause(plain, x.end, m.start())]
        after = [x for x in mentions if x.start >= m.end() and x.start - m.end() < 25]
        inverted = re.search(r"[,”]\s*$", plain[max(0, m.start() - 3) : m.start()])
        if inverted and after and after[0].person:
            return after[0].person
        if before and before[-1].person:
            return before[-1].person
        if after and after[0].person:
            return after[0].person
    for m in re.finditer(r"\b[Ii]n (?:his|her) (?:view|opinion|words)\b", plain):
        before = [x for x in mentions if x.start < m.start() + 3]
        pronoun = [x for x in mentions if x.start >= m.start() and x.end <= m.end()]
        if pronoun and pronoun[0].person:
            return pronoun[0].person
        if before and before[-1].person:
            return before[-1].person
    return None


def _same_clause(text: str, start: int, end: int) -> bool:
    """Tell whether nothing but an appositive separates a subject from its verb."""
    between = text[start:end]
    if re.search(r"[.;!?]\s", between) or len(between) > 90:
        return False
    return not re.search(r"\b(?:and|but|while|which|who|that)\b", between) or between.count(",") >= 2


def _aliases(person: people.Person) -> tuple[str, ...]:
    forms = [person.name, person.surname]
    forms += [r for r in person.roles]
    return tuple(dict.fromkeys(f for f in forms if f))
