"""Who is who: the people an article names, their roles, and whose words each paragraph reports.

Rules of general English only (reporting verbs, role nouns, appositives, pronouns); every name and
role comes from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index import people
from index.text import fold

QUOTED = re.compile(r"“[^“”]*(?:”|$)")
QUOTE_LINE = re.compile(r"^(?P<head>[^“”:]{2,160}?)\s*:\s*(?P<body>“.*)$")
DETERMINERS = frozenset("the a an this that these those its his her their our".split())


@dataclass
class Registry:
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


def outside_quotes(text: str) -> str:
    """Blank out quoted spans (keeping offsets) so names inside quotes are not taken as mentions."""
    return QUOTED.sub(lambda m: "“" + " " * (len(m.group()) - 2) + "”"[: len(m.group()) - 1], text)


_STATEMENT_BY = re.compile(
    rf"(?:The\s+)?(?P<org>{people.CAP_RUN.pattern}|(?<=The\s)[a-z][\w’'-]+(?:\s+[a-z][\w’'-]+)?)"
    r"\s+(?:said|says|stated|announced|added|wrote)\b"
)


def find_people(texts: list[str]) -> Registry:
    """Collect the people the article names: speakers of quote lines and names in person contexts."""
    registry = Registry()
    for text in texts:
        m = QUOTE_LINE.match(text)
        if m:
            name_part, role = quote_head(m.group("head"))
            split = people.split_name(name_part)
            if split:
                prefix, name = split
                registry.add(name, role or " ".join(t for t in prefix.split() if fold(t) not in people.TITLES))
    for text in texts:
        plain = outside_quotes(text)
        for run in people.CAP_RUN.finditer(plain):
            split = people.split_name(run.group())
            if not split or run.group().split()[0].lower() in DETERMINERS:
                continue
            prefix, name = split
            if any(people.is_role(fold(t)) for t in name.split()):
                continue
            before = plain[: run.start()]
            after = plain[run.end() :]
            role = _role_before(before, prefix) or _role_after(after) or _role_apposed_before(before)
            said = _reporting_near(before, after)
            if role or said or registry.find_name(name):
                registry.add(name, role)
    for i, text in enumerate(texts):
        # "Datalinq said in a statement:" followed by the statement: the organisation speaks.
        if not text.endswith(":") or i + 1 >= len(texts) or not texts[i + 1].startswith("“"):
            continue
        last = re.split(r"(?<=[.!?])\s+", text)[-1]
        org = _STATEMENT_BY.match(last)
        name = org.group("org") if org else ""
        if name[:1].islower():
            name = "The " + name  # "The navy said in a statement:" -> the speaker "The navy"
        if (
            name
            and not people.split_name(name)
            and not registry.find_name(name)
            and not any(people.is_role(fold(t)) for t in name.split())
        ):
            registry.persons[name] = people.Person(name, [], organisation=True)
    for text in texts:
        # "Montejo: “…”" for someone never named in full: a one-word name heads the quote line.
        m = QUOTE_LINE.match(text)
        if m:
            name_part, role = quote_head(m.group("head"))
            single = re.fullmatch(rf"[{people.UPPER}][\w'’-]+", name_part)
            if single and not registry.find_name(name_part) and not people.is_role(fold(name_part)):
                registry.add(name_part, role)
    return registry


def _role_before(before: str, prefix: str) -> str:
    """Role words right before a name: "Union leader Elin Haverkamp", "Chief engineer X"."""
    tail = re.search(r"((?:[\w’'.-]+\s+){0,3})$", before)
    words_before = tail.group(1).split() if tail else []
    role_words: list[str] = []
    for w in reversed(words_before):
        if people.is_role(fold(w)) or (role_words and (w[0].isupper() or w.islower())):
            if w.endswith(",") or fold(w) in DETERMINERS or fold(w) in {"and", "of", "by", "with", "to"}:
                break
            role_words.insert(0, w)
        else:
            break
    while role_words and not people.is_role(fold(role_words[0])) and role_words[0].islower():
        role_words.pop(0)
    if role_words and not any(people.is_role(fold(w)) for w in role_words):
        role_words = []
    prefix = " ".join(t for t in prefix.split() if fold(t) not in people.TITLES)
    role = " ".join(role_words + ([prefix] if prefix else []))
    return role.strip()


_APPOSITIVE_AFTER = re.compile(
    rf"^\s*(?:of\s+[{people.UPPER}][\w’'-]*(?:\s+[{people.UPPER}][\w’'-]*)*\s*)?,\s*(?P<role>[^,.:;“”]{{3,80}}?)\s*(?:[,.:;]|$)"
)


_WHO_LEADS = re.compile(
    r"^\s*,\s*who\s+(?P<verb>chairs|leads|heads|runs|directs|manages|owns|coaches|founded|represents)"
    r"\s+(?P<what>[^,.:;“”]{3,80}?)\s*(?:[,.:;]|$)"
)
_LEADER_OF = {"chairs": "chair", "leads": "leader", "heads": "head", "runs": "head", "directs": "director",
              "manages": "manager", "owns": "owner", "coaches": "coach", "founded": "founder",
              "represents": "representative"}  # fmt: skip


def _bare_role(role: str) -> str:
    """A role without its leading article: "the company's lawyer" -> "company's lawyer"."""
    return re.sub(r"^(?:[Tt]he|[Aa]n?|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir|[Oo]ur)\s+", "", role.strip())


def _role_after(after: str) -> str:
    """An appositive after a name: "Tobias Renfrew, the company’s lawyer," or ", who chairs the Forum,"."""
    leads = _WHO_LEADS.match(after)
    if leads:
        return f"{_LEADER_OF[leads.group('verb')]} of {_bare_role(leads.group('what'))}"
    m = _APPOSITIVE_AFTER.match(after)
    if not m:
        return ""
    role = m.group("role")
    tokens = [fold(t).strip(".,’'") for t in role.split()]
    if not any(people.is_role(t) for t in tokens) or any(t in people.REPORTING_VERBS for t in tokens):
        return ""
    return _bare_role(role)


def _role_apposed_before(before: str) -> str:
    """A role phrase set off before a name: "The director of the Port Authority, Pieter Vandermolen"."""
    m = re.search(r"(?:^|[.;]\s+|,\s+)(?P<role>(?:[Tt]he\s+)?[\w’'-]+(?:\s+[\w’'-]+){0,7}),\s*$", before)
    if not m:
        return ""
    role = m.group("role")
    if not people.role_head(role) or re.search(r"\b(?:said|says|told|and|but)\b", role):
        return ""
    owner = re.match(r"(?:Its|Their|its|their)\s+", role)
    if owner:
        # "The pilots’ union said … Its chair, Ruth Abernethy," -> "chair of the pilots’ union".
        subject = _previous_subject(before[: m.start("role")])
        if subject:
            return f"{_bare_role(role)} of {subject}"
    return _bare_role(role)


def _previous_subject(text: str) -> str:
    """The subject of the last sentence before a point: "The pilots’ union said ..." -> "the pilots’ union"."""
    sentences = [x for x in re.split(r"(?<=[.!?])\s+", text.strip()) if x]
    if not sentences:
        return ""
    m = re.match(
        r"(?P<np>(?:[Tt]he\s+)?(?:[\w’'-]+\s+){0,4}?[\w’'-]+)\s+(?:said|says|has|had|is|was|will|would|announced|"
        r"confirmed|welcomed|warned|opened|supported)\b",
        sentences[-1],
    )
    return m.group("np").lower() if m and not m.group("np").lower().startswith(("he ", "she ", "it ")) else ""


def _reporting_near(before: str, after: str) -> bool:
    """Tell whether a reporting verb stands right before or after a name."""
    prev = re.findall(r"[\w’']+", before[-40:])
    nxt = re.findall(r"[\w’']+", re.sub(r"^,[^,]{0,80},", "", after)[:40])
    return bool((prev and fold(prev[-1]) in people.REPORTING_VERBS) or (nxt and fold(nxt[0]) in people.REPORTING_VERBS))


@dataclass
class Mention:
    start: int
    end: int
    person: str | None  # None for a pronoun still to resolve


def mentions(text: str, registry: Registry) -> list[Mention]:
    """Find person mentions outside quotes: full names, surnames, role phrases and pronouns."""
    plain = outside_quotes(text)
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for person in registry.persons.values():
        for form in (person.name, person.surname):
            for m in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", plain):
                if free(m.start(), m.end()):
                    found.append(Mention(m.start(), m.end(), person.name))
                    taken.append((m.start(), m.end()))
    for m in re.finditer(r"\b[Tt]he\s+(?:[\w’'-]+\s+){0,2}?(?P<noun>[a-z]+)\b", plain):
        noun = m.group("noun")
        if people.is_role(noun) and free(m.start(), m.end()):
            holder = registry.by_role(noun)
            if holder:
                found.append(Mention(m.start(), m.end(), holder.name))
                taken.append((m.start(), m.end()))
    for m in re.finditer(r"\b(?:[Hh]e|[Ss]he|[Hh]im|[Hh]er|[Hh]is)\b", plain):
        found.append(Mention(m.start(), m.end(), None))
    return sorted(found, key=lambda x: x.start)


def quote_head(head: str) -> tuple[str, str]:
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


def reported_speaker(text: str, mentions: list[Mention]) -> str | None:
    """The person whose words a paragraph reports: the subject of its first reporting verb.

    A paragraph that introduces a statement ("… Its chief executive, X, said in a statement:") reports
    the words of its last sentence's speaker, who is the one the statement belongs to.
    """
    plain = outside_quotes(text)
    if plain.rstrip().endswith(":"):
        last = [m.end() for m in re.finditer(r"[.!?]\s+", plain.rstrip()[:-1])]
        start = last[-1] if last else 0
        tail = [Mention(x.start - start, x.end - start, x.person) for x in mentions if x.start >= start]
        found = _first_reported(plain[start:], tail)
        if found:
            return found
    return _first_reported(plain, mentions)


def _first_reported(plain: str, mentions: list[Mention]) -> str | None:
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
    return not re.search(r"\b(?:but|while|which|who|that)\b", between) or between.count(",") >= 2
