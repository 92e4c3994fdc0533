"""Reading a question: its intent, its terms (typo-corrected against the index) and who it is about.

General English only: question patterns, a small thesaurus, role synonyms. The vocabulary and
the people come from the indexed articles.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypedDict

from rapidfuzz import process
from rapidfuzz.distance import OSA, DamerauLevenshtein

from index import people
from index.lexicon import CALENDAR_WORDS, FUTURE, IDIOMS, english_rarity, is_english_word, synonyms
from index.models import Speaker
from index.text import COUNTRY_FORMS, QUESTION_WORDS, STOP_WORDS, clip_question, fold, normalise, stem, words

SAY_VERBS = (
    r"(?:say|said|tell|told|think|thinks|thought|mean|claim|argue|warn|announce|add|explain|state|stress|"
    r"write|do|believe|want|feel|reply|respond|answer|promise|admit)"
)
WHO_SAID = re.compile(
    r"^(?:so\s+|and\s+)?who\s+(?:\w+\s+)?(?:said|says|say|warned|warns|told|tells|claimed|claims|argued|argues|"
    r"compared|compares|admitted|admits|accused|accuses|threatened|threatens|promised|"
    r"insisted|stated|described|declared|noted|added|explained|stressed|emphasi[sz]ed|predicted|urged|"
    r"criticised|criticized|vowed|suggested|described|believes|thinks|complained|denied|acknowledged|"
    r"mentioned|talked|spoke|asked|quoted)\b"
)
# The slots name someone in a few words. Their length is bounded so that matching stays linear in the question's
# length: an unbounded lazy slot tried from every position is quadratic (a 4,096-character question took seconds).
SPEAKER_SLOT = re.compile(
    rf"\b(?:did|does|do|has|have|had|is|was|will|would|can|could)\s+(?P<who>\S+(?:\s+\S+){{0,5}}?)\s+{SAY_VERBS}\b"
)
POSSESSIVE_SLOT = re.compile(
    r"(?<![\w.\-])(?P<who>[\w.\-]+(?:\s+[\w.\-]+){0,4}?)(?:'s|s'|s)?\s+(?:message|statement|statements|comments?|remarks?|words|view|views|position|"
    r"stance|opinion|quotes?|reaction|response|argument|point|warning|promise|answer)\b"
)
COUNT = re.compile(r"\bhow\s+(?:many|much|long|far|big|large|high|often|old|fast|cold|hot|deep|tall|heavy)\b")
WHEN = re.compile(r"^(?:so\s+|and\s+)?(?:when|what\s+time|what\s+date|what\s+day|since\s+when|how\s+soon)\b")
WHO = re.compile(
    r"^(?:so\s+|and\s+)?(?:who|whom|whose|which)\b|\bwhat\s+(?:is|are)\s+the\s+names?\b|\bnames?\s+of\b|\bwho\s+is\b"
)
WHY = re.compile(
    r"\bwhy\b|\breasons?\b|\bhow\s+come\b|\bwhat\s+for\b|"
    r"\bwhat\s+(?:could\s+have\s+|might\s+have\s+|has\s+|had\s+)?(?:caused|causes|led\s+to|triggered|sparked|started)\b"
)
LIST = re.compile(
    r"\b(?:what|which)\s+(?:are|were)\b|\blist\b|\bwhat\s+(?:could|can|might|may)\s+go\s+wrong\b|"
    r"\bwhat\s+(?:\w+\s+){0,2}(?:did|does|do)\s+(?:\w+\s+){1,3}(?:order|demand|want|ask|propose)\b"
)
FOCUS = re.compile(
    r"^(?:so\s+|and\s+)?(?:which|what\s+kind\s+of|what\s+sort\s+of)\s+(?P<a>.+)|\bnames?\s+of\s+(?:the\s+)?(?P<b>.+)|"
    r"^(?:so\s+|and\s+)?who\s+(?:is|was|are|were)\s+(?:the|a|an)\s+(?P<c>.+)|"
    r"^(?:so\s+|and\s+)?what(?:'s|\s+is|\s+was|\s+are|\s+were)\s+(?:the|a|an)\s+(?P<d>(?:\w+\s+){0,2}\w+)\s+of\b"
)
# Questions about the article itself rather than its content (general English).
ABOUT = re.compile(
    r"^(?:so\s+|and\s+|ok\s+)?(?:(?:what|wat|whats|what's)\s+(?:is\s+|s\s+)?(?:this|the|it|that)\s*(?:article|story|news|piece|"
    r"report|text|post)?\s+(?:about|on)\b|(?:give\s+me\s+(?:a|the)\s+)?(?:summary|summari[sz]e|tl;?dr|gist|overview|"
    r"main\s+points?|key\s+points?|in\s+short|in\s+a\s+nutshell|brief\s+me|recap)\b|what\s+happened\s*\??$)"
)
_DOCUMENT = r"(?:this|the|that|it)?\s*(?:article|story|news|piece|report|text|post|interview)?"
PUBLISHED = re.compile(
    r"^(?:the\s+)?(?:date|dated|publication\s+date|published)\s*\??$|"
    r"\b(?:when\s+(?:was|is|did)\s+"
    + _DOCUMENT
    + r"\s*(?:published|posted|written|released|come\s+out|out|dated|from)|"
    r"(?:publication|publish(?:ed|ing)?|posting)\s+date|"
    r"date\s+of\s+(?:this|the|that)?\s*(?:article|story|news|piece|report|text|post|interview)\b|"
    r"(?:how\s+old\s+is|what\s+(?:day|date)\s+(?:is|was))\s+(?:this|the|that|it)\s*"
    r"(?:article|story|news|piece|report|post|interview|published|posted|written|from)?\s*\??$)"
)
QUOTED = re.compile(
    r"^(?:so\s+|and\s+)?(?:who\s+(?:is|are|was|were|gets|got)\s+(?:quoted|cited|interviewed|speaking|talking)|"
    r"who\s+(?:speaks|spoke|talks|talked)\s+in\s+(?:this|the)\s+(?:article|story)|whose\s+(?:quotes|views)|"
    r"(?:which|what)\s+(?:people|sources|speakers)\s+(?:are|were)\s+(?:quoted|cited))\b"
)
NEXT = re.compile(
    r"\bwhat(?:'s|s|\s+is|\s+comes|\s+happens|\s+will\s+happen|\s+are\s+the|s\s+coming|'s\s+coming|\s+is\s+coming)?"
    r"\s+(?:next|now)\b|\bnext\s+steps?\b|\bcoming\s+next\b|"
    r"\bwhat\s+(?:happens|will\s+happen|comes)\s+(?:after|later|from\s+here)\b|\bwhat\s+now\b|\bwhat\s+is\s+planned\b"
)


ACRONYM = re.compile(r"\b([A-Za-z]{2,8})\s+(?:stand|stands)\s+for\b|\bwhat\s+(?:is|does)\s+(?:the\s+)?([A-Z]{2,8})\b")
DEFINE = re.compile(r"\bdefin(?:e|es|ed|ition)\b|\bmean(?:s|t)?\s+by\b|\bwhat\s+does\s+\w+\s+mean\b")
HOW = re.compile(r"\bhow\s+(\w+)(?:\s+(\w+))?")
DURATION = frozenset("time day days week weeks month months year years hour hours minute minutes".split())
PER_PERIOD = re.compile(r"\b(?:per|a|every|each)\s+(hour|day|week|month|year)\b")
VOTES = re.compile(r"\bvot(?:e|es|ed|ing)\b")
PAST = re.compile(r"\b(?:was|were|did|had)\b")
SAID_SLOT = re.compile(
    r"\bwhat\s+(?:did|does|has|have)\s+(?P<who>(?:the|a|an)\s+[\w\s'-]{2,60}?)\s+"
    r"(?:say|said|tell|told|claim|announce|state|write|reply|respond|add|explain|warn)\b"
)


class Tense(StrEnum):
    """Whether a question asks about the past or the future."""

    ANY = ""
    PAST = "past"
    FUTURE = "future"


class Intent(StrEnum):
    """What kind of answer the question wants."""

    SEARCH = "search"  # the passages that hold what is asked
    SPEAKER = "speaker"  # what someone said
    WHO_SAID = "who_said"  # who said something
    LIST = "list"  # the items of a list
    ABOUT = "about"  # what the article is about: its headline and lead
    PUBLISHED = "published"  # when the article was published: its date line
    QUOTED = "quoted"  # who the article quotes
    NEXT = "next"  # what happens next: the forward-looking passages


class AnswerType(StrEnum):
    """What the answer must hold."""

    ANY = ""
    COUNT = "count"  # a figure
    WHEN = "when"  # a time
    WHO = "who"  # a name
    WHY = "why"  # a reason


_FOCUS_STOP = frozenset(
    "is are was were do does did has have had will would can could should in on at of for to by with from".split()
)


def focus_words(low: str) -> list[str]:
    """The noun phrase a which/who-is/name-of question asks to identify ("which country" -> country)."""
    m = FOCUS.search(low)
    if not m:
        return []
    phrase = m.group("a") or m.group("b") or m.group("c") or m.group("d") or ""
    out: list[str] = []
    for w in words(phrase):
        if w in _FOCUS_STOP or len(out) == 3:
            break
        if w in STOP_WORDS or w == "s":
            continue
        out.append(w)
    return out


@dataclass(frozen=True)
class _Profile:
    """What a question can use to recognise one speaker."""

    name_tokens: tuple[str, ...]
    surname_parts: frozenset[str]
    heads: frozenset[str]  # head nouns of the roles
    expanded_heads: frozenset[str]  # with their general-English synonyms
    qualifiers: frozenset[str]  # content stems of the roles other than their head nouns
    affiliations: frozenset[str]  # qualifiers without country forms
    modified: bool  # a role with a modifier before its head ("Health Minister")
    plain: bool  # roles made only of role words ("Chief executive")

    @classmethod
    def of(cls, sp: Speaker) -> _Profile:
        heads = frozenset(h for h in (people.role_head(r) for r in sp.roles) if h)
        quals: set[str] = set()
        for r in sp.roles:
            quals |= people.role_qualifiers(r)
        plain = all(
            not any(t[:1].isupper() for t in r.split()[1:])
            and all(people.is_role(w) or w in people.TITLES for w in people.role_qualifiers(r))
            for r in sp.roles
        )
        return cls(
            name_tokens=tuple(t for t in words(sp.name) if len(t) > 1 and t not in STOP_WORDS),
            surname_parts=frozenset(words(sp.name.split()[-1])),
            heads=heads,
            expanded_heads=frozenset().union(*(people.expand_role_word(h) for h in heads)) if heads else frozenset(),
            qualifiers=frozenset(quals),
            affiliations=frozenset(quals - _COUNTRY_STEMS),
            modified=any(_modifier_before(words(r), people.role_head(r)) for r in sp.roles),
            plain=plain,
        )


@dataclass(frozen=True)
class SpeakerLookups:
    """Speakers by what a question may name them with: a name word, an affiliation, a role's head noun (each a
    list of speaker numbers, ascending); and every office some speaker holds, with its synonyms. An index stores
    them (index/store.py): a start reads them instead of walking every speaker's profile."""

    by_token: Mapping[str, Sequence[int]]
    by_qualifier: Mapping[str, Sequence[int]]
    by_head: Mapping[str, Sequence[int]]
    offices: AbstractSet[str]

    @classmethod
    def of(cls, profiles: Sequence[_Profile]) -> SpeakerLookups:
        gathering = LookupsBuilder()
        for prof in profiles:
            gathering.add(prof)
        return gathering.lookups()


class LookupsBuilder:
    """Gathers `SpeakerLookups` one profile at a time, in speaker order (a build streams its speakers)."""

    def __init__(self) -> None:
        self._by_token: dict[str, list[int]] = {}
        self._by_qualifier: dict[str, list[int]] = {}
        self._by_head: dict[str, list[int]] = {}
        self._offices: set[str] = set()
        self._count = 0

    def add(self, prof: _Profile) -> None:
        """Add the next speaker's profile."""
        n = self._count
        for t in dict.fromkeys(prof.name_tokens):
            self._by_token.setdefault(t, []).append(n)
        for q in sorted(prof.affiliations):
            self._by_qualifier.setdefault(q, []).append(n)
        for h in sorted(prof.heads):
            self._by_head.setdefault(h, []).append(n)
        self._offices |= prof.expanded_heads
        self._count += 1

    def lookups(self) -> SpeakerLookups:
        """The lookups of every profile added."""
        return SpeakerLookups(self._by_token, self._by_qualifier, self._by_head, frozenset(self._offices))


SpeakerProfile = _Profile  # what the index stores per speaker, so that a start does not recompute it
speaker_profile = _Profile.of


@dataclass(frozen=True)
class Query:
    """A question, analysed."""

    text: str
    words: list[str]  # folded surface words
    terms: dict[str, float]  # stem -> weight, for ranking
    missing: list[str]  # content words that match nothing in the index
    content: list[str]  # content stems the question asks about (after correction)
    intent: Intent
    answer_type: AnswerType
    speaker: Speaker | None = None
    speaker_words: set[str] = field(default_factory=set)  # stems that named the speaker
    person_slot: str = ""  # the words where the question names someone ("putin" in "what did putin say")
    person_unknown: bool = False  # the question names someone the index does not know
    focus_missing: list[str] = field(default_factory=list)  # asked-for words the index lacks
    weights: dict[str, float] = field(default_factory=dict)  # content stem -> specificity weight
    groups: list[dict[str, float]] = field(default_factory=list)  # one concept each: a word and its stand-ins
    calendar: set[str] = field(default_factory=set)  # content stems that only place the question in time
    stand_ins: set[str] = field(default_factory=set)  # content stems that replace a question word by synonym
    absent_names: list[str] = field(default_factory=list)  # capitalised names the articles never mention
    affiliated: Speaker | None = None  # someone whose role the question's words name ("the opposition")
    bigrams: tuple[tuple[str, str], ...] = ()  # adjacent content stems, in question order
    how_many: bool = False  # "how many X": a count of something
    how: str = ""  # the word after "how" ("many", "much", "far", "long" ...)
    counted: str = ""  # what "how many X" counts: X
    duration: bool = False  # "how many days", "how much time": the figure is a duration
    period: str = ""  # "per month": the figure is a rate per this period
    votes: bool = False  # the question is about a vote
    tense: Tense = Tense.ANY  # whether it asks about the past or the future
    focus: tuple[str, ...] = ()  # what a which/who-is question asks to identify ("country" in "which country")
    acronym: str = ""  # "what does CPA stand for": CPA
    defines: bool = False  # "how does X define peace", "what does X mean by"
    said_slot: tuple[str, ...] = ()  # the body in "what did the X say" (its words)

    @property
    def topic(self) -> dict[str, float]:
        """The terms the question asks about beyond the person it names ("security" in "zelensky on security")."""
        return {t: w for t, w in self.terms.items() if t not in self.speaker_words}


class Analyser:
    """Analyses questions against one index's vocabulary and speakers."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        surface: dict[str, str],
        speakers: list[Speaker],
        has_phrase: Callable[[list[str]], bool] | None = None,
        articles_with: Callable[[str], set[str]] | None = None,
        passages_with: Callable[[Speaker, set[str]], int] | None = None,
        profiles: Sequence[_Profile] | None = None,
        lookups: SpeakerLookups | None = None,
        surface_ordered: bool = False,
    ) -> None:
        self.has_phrase = has_phrase  # do these folded words stand together in some passage?
        self.articles_with = articles_with  # stem -> ids of the articles that use it
        self.passages_with = passages_with  # (speaker, stems) -> how many of their passages use them
        self.vocabulary = vocabulary  # stem -> document frequency
        self.surface = surface  # folded surface word -> stem, for typo correction
        self.speakers = speakers
        self._spellings = _Spellings(list(surface), ordered=surface_ordered)
        # Everything about the speakers that questions look up, computed once (archives hold thousands).
        # Stored with the index (index/analysis.py), or computed here: one per speaker, in order.
        self._profiles = profiles if profiles is not None else [_Profile.of(sp) for sp in speakers]
        self._position = {id(sp): n for n, sp in enumerate(speakers)}
        self._speaking_articles = {sp.article_id for sp in speakers}
        if lookups is None:
            lookups = SpeakerLookups.of(self._profiles)
        self._by_token = lookups.by_token
        self._by_qualifier = lookups.by_qualifier
        self._by_head = lookups.by_head
        self._name_spellings = _Spellings(list(self._by_token))
        self._offices_named = lookups.offices

    def read_ahead(self) -> None:
        """Read now what questions would otherwise read on first use (stored speaker profiles)."""
        read_all = getattr(self._profiles, "read_all", None)
        if read_all is not None:
            read_all()

    def analyse(self, question: str) -> Query:
        """Analyse one question."""
        text = " ".join(normalise(clip_question(question)).split())
        low = fold(text)
        low = re.sub(r"\bwat\b", "what", low)
        expansions = " ".join(extra for pattern, extra in IDIOMS if pattern.search(low))
        ws = words(text)
        asking = set(words(" ".join(m.group() for m in COUNT.finditer(low))))
        intent, answer_type = _intent(low)
        speaker, speaker_words, slot, unknown = self._speaker(low, ws)
        if (
            speaker
            and intent is Intent.SEARCH
            and (SPEAKER_SLOT.search(low) or POSSESSIVE_SLOT.search(low) or _on_topic(low, ws))
        ):
            intent = Intent.SPEAKER
        terms: dict[str, float] = {}
        missing: list[str] = []
        content: list[str] = []
        weights: dict[str, float] = {}
        if speaker is not None and intent != "speaker":
            speaker_words = set()  # a resolved name still counts as content outside speaker answers
        focus = focus_words(low)
        focus_missing = [w for w in focus if self._lookup(w, stem(w), synonyms_too=False) is None]
        of_match = FOCUS.search(low)
        if of_match and of_match.group("d") and len(focus_missing) < len(focus):
            focus_missing = []  # "what is the X of Y" abstains only when the article has none of X
        absent = self._absent_names(text) + ([] if speaker else self._absent_roles(ws))
        affiliated = None if speaker else self._by_affiliation(ws)
        idiom_words = {w for pattern, _ in IDIOMS for m in pattern.finditer(low) for w in words(m.group())}
        groups: list[dict[str, float]] = []
        calendar: set[str] = set()
        stand_ins: set[str] = set()
        idiom_group: dict[str, float] = {}
        for w in words(expansions):
            found = self._lookup(w, stem(w), synonyms_too=False)
            if found is not None:
                terms[found] = max(terms.get(found, 0.0), 0.7)  # stands in for the idiom; not content
                idiom_group[found] = 0.7
        if idiom_group:
            groups.append(idiom_group)
        for w in ws:
            if w in idiom_words:
                continue
            if w in STOP_WORDS or w in QUESTION_WORDS or w in asking or (len(w) < 2 and not w.isdigit()):
                continue
            s = stem(w)
            if s in speaker_words:
                continue
            found = self._lookup(w, s)
            if found is None:
                if len(w) > 2 or w.isdigit():
                    missing.append(w)
                    content.append(s)
                    weights[s] = max(weights.get(s, 0.0), english_rarity(w))
                continue
            content.append(found)
            weights[found] = max(weights.get(found, 0.0), english_rarity(w))
            if w in CALENDAR_WORDS:
                calendar.add(found)
            via_synonym = found in synonyms(s)
            if via_synonym:
                stand_ins.add(found)
            group = {found: 1.0 if found == s else 0.6 if via_synonym else 0.8}
            # Stand-ins of the asked word itself; a stand-in's own synonyms would drift ("currency" ->
            # "euro" -> "cost").
            for syn in sorted(synonyms(s) if via_synonym else synonyms(found) | synonyms(s)):
                if syn in self.vocabulary and syn not in group:
                    group[syn] = 0.6 if via_synonym else 0.5
            groups.append(group)
            for t, weight in group.items():
                terms[t] = max(terms.get(t, 0.0), weight)
        return Query(
            text=text,
            words=ws,
            terms=terms,
            missing=missing,
            content=list(dict.fromkeys(content)),
            intent=intent,
            answer_type=answer_type,
            speaker=speaker,
            speaker_words=speaker_words,
            person_slot=slot,
            person_unknown=unknown,
            focus_missing=focus_missing,
            weights=weights,
            groups=groups,
            calendar=calendar,
            stand_ins=stand_ins,
            absent_names=absent,
            affiliated=affiliated,
            bigrams=tuple(itertools.pairwise(content)),
            **_asked(text, low, focus),
        )

    def term_for(self, word: str) -> str | None:
        """Return the index term a question word stands for (typos corrected), or None."""
        return self._lookup(word, stem(word), synonyms_too=False)

    def _lookup(self, word: str, term: str, *, synonyms_too: bool = True) -> str | None:
        """Return the index stem a question word stands for: itself, a typo fix or a synonym."""
        if term in self.vocabulary:
            return term
        if word in self.surface:
            return self.surface[word]
        for base in _inflections(word):
            # The stemmer leaves some plurals apart ("buses" -> "buse", "bus" -> "bus").
            if base in self.surface:
                return self.surface[base]
        if len(word) >= 5 and not word.isdigit() and not is_english_word(word):
            best = self._closest(word)
            if best:
                return self.surface[best]
        if synonyms_too:
            present = sorted((s for s in synonyms(term) if s in self.vocabulary), key=lambda s: (self.vocabulary[s], s))
            if present:
                return present[0]
        return None

    def _closest(self, word: str) -> str | None:
        candidates = [v for v in self._spellings.near(word) if people.similar(word, v)]
        if not candidates:
            return None
        return max(candidates, key=lambda v: (v[:1] == word[:1], self.vocabulary.get(self.surface[v], 0)))

    def _speaker(self, low: str, ws: list[str]) -> tuple[Speaker | None, set[str], str, bool]:
        """Resolve who the question is about, by name (typos allowed) or by role."""
        slot_m = SPEAKER_SLOT.search(low)
        slot = slot_m.group("who") if slot_m else ""
        by_name = self._by_name(ws)
        if by_name:
            speaker, used = by_name
            return speaker, used, slot, False
        by_role = self._by_role(ws)
        if by_role:
            speaker, used = by_role
            return speaker, used, slot, False
        unknown = False
        if slot:
            slot_words = [w for w in words(slot) if w not in STOP_WORDS and w not in QUESTION_WORDS]
            known = [w for w in slot_words if stem(w) in self.vocabulary or w in self.surface]
            pronoun = bool(re.fullmatch(r"(?:he|she|they|him|her|it|you|i|we|the article|the report|the author)", slot))
            unknown_words = [w for w in slot_words if w not in known]
            # Only a name ("putin") or a role ("the EU foreign policy chief") names a person the article
            # lacks; "the fans" or "the government" are topics to search for.
            names_someone = any(not is_english_word(w) for w in unknown_words) or any(
                people.is_role(w) for w in slot_words
            )
            unknown = bool(unknown_words) and names_someone and not pronoun
        return None, set(), slot, unknown

    def _absent_names(self, text: str) -> list[str]:
        """Capitalised names in the question ("the Green Party") that no article text contains."""
        out: list[str] = []
        for run in people.CAP_RUN.finditer(text):
            tokens = run.group().split()
            if run.start() == 0:
                tokens = tokens[1:]  # a capital that only starts the question
            known: list[str] = []
            for token in tokens:
                for w in words(token):
                    if (
                        w in STOP_WORDS
                        or w in QUESTION_WORDS
                        or w in people.ROLE_NOUNS
                        or w in people.TITLES
                        or w in COUNTRY_FORMS
                        or len(w) < 2
                    ):
                        continue
                    match = self._surface_form(w)
                    if match is None:
                        out.append(" ".join(tokens))
                        break
                    known.append(match)
                else:
                    continue
                break
            else:
                if len(known) >= 2 and self.has_phrase is not None and not self.has_phrase(known):
                    out.append(" ".join(tokens))
        return list(dict.fromkeys(out))

    def _absent_roles(self, ws: list[str]) -> list[str]:
        """Definite role phrases ("the managing director") whose role noun the articles never use."""
        out: list[str] = []
        for i, w in enumerate(ws):
            known = w in self._offices_named
            if i and ws[i - 1] in {"the", "s"} and w in _OFFICES and not known and self._surface_form(w) is None:
                out.append(f"the {w}")
        return out

    def _surface_form(self, word: str) -> str | None:
        """The article's spelling of a question word: itself, a base form, or a near spelling."""
        if word in self.surface:
            return word
        for base in _inflections(word):
            if base in self.surface:
                return base
        if len(word) >= 4 and not is_english_word(word):
            for v in self._spellings.near(word):
                if people.similar(word, v, shortest=4):
                    return v
        return None

    def _articles_near(self, near: set[str]) -> set[str] | None:
        """The ids of the articles that hold the question's qualifiers ("the Skyvarra boss") and have
        speakers; None when that does not narrow anything (every article's speakers may be meant)."""
        known = [q for q in near if q in self.vocabulary]
        if not known or self.articles_with is None:
            return None
        articles = set.intersection(*(self.articles_with(q) for q in known))
        return articles if articles & self._speaking_articles else None

    def _speakers_near(self, near: set[str]) -> list[Speaker]:
        """The speakers of the articles that hold the question's qualifiers."""
        articles = self._articles_near(near)
        return self.speakers if articles is None else [sp for sp in self.speakers if sp.article_id in articles]

    def _plain_role(self, sp: Speaker, near: set[str]) -> bool:
        """Tell whether a speaker's role names no organisation and the question's qualifiers name no other
        speaker's: "the Skyvarra boss" may be the article's "Chief executive", but "the CEO of Murmelo"
        is not "director of Veldenburg Consumer Watch", nor is "the EU chief" NATO's."""
        # "chair of the pilots' union" belongs to another body; "Chief executive" to the article's subject.
        return self._profile(sp).plain and all(q in self.vocabulary for q in near)

    def _profile(self, sp: Speaker) -> _Profile:
        return self._profiles[self._position[id(sp)]]

    def _by_affiliation(self, ws: list[str]) -> Speaker | None:
        """The one speaker whose role the question's words name, without a role noun ("the opposition")."""
        asked = {stem(w) for w in ws if w not in STOP_WORDS and w not in QUESTION_WORDS and w not in COUNTRY_FORMS}
        found = {n for a in asked for n in self._by_qualifier.get(a, ())}
        return self.speakers[found.pop()] if len(found) == 1 else None

    def _by_name(self, ws: list[str]) -> tuple[Speaker, set[str]] | None:
        best: tuple[int, Speaker, set[str]] | None = None
        candidates: set[int] = set()
        for w in ws:
            for t in (w, w[:-1] if w.endswith("s") else w):
                candidates.update(self._by_token.get(t, ()))
            if len(w) >= 4 and not is_english_word(w):
                for t in self._name_spellings.near(w):
                    if people.similar_name(w, t):
                        candidates.update(self._by_token[t])
        # Names tolerate one typo from four letters on ("rute" for Rutte): they are rare words. Which question
        # words may be such typos is asked once, not once per candidate (thousands in a large archive).
        typo_ok = [len(w) >= 4 and not is_english_word(w) for w in ws]
        for n in sorted(candidates):
            sp = self.speakers[n]
            name_tokens = self._profiles[n].name_tokens
            surname_parts = self._profiles[n].surname_parts
            hits: set[str] = set()
            score = 0
            surname_hit = False
            for w, may_be_typo in zip(ws, typo_ok, strict=True):
                for t in name_tokens:
                    typo = may_be_typo and people.similar_name(w, t)
                    if w == t or typo or (w.endswith("s") and w[:-1] == t):
                        hits.add(stem(w))
                        score += 2 if t in surname_parts else 1
                        surname_hit = surname_hit or t in surname_parts
            named = surname_hit and score >= 2  # a first name alone ("Mark") does not name someone
            if named and (best is None or score > best[0]):
                best = (score, sp, hits)
        return (best[1], best[2]) if best else None

    def _by_role(self, ws: list[str]) -> tuple[Speaker, set[str]] | None:
        ws = [_role_spelling(w) for w in ws]
        joined = " ".join(ws)
        # "the nurse" or "the union's chair" means one person; "a nurse" or "any nurse" means anyone.
        q_roles = [w for i, w in enumerate(ws) if people.is_role(w) and (i == 0 or ws[i - 1] not in _INDEFINITE)]
        if "secretary general" in joined:
            q_roles.append("secretary-general")
        if not q_roles:
            return None
        q_head = q_roles[-1]
        near = _qualifiers_near(ws, q_head)
        modifier = _modifier_before(ws, q_head)
        scored: list[tuple[int, Speaker]] = []
        wanted = people.expand_role_word(q_head)
        holders = {n for h in wanted for n in self._by_head.get(h, ())}
        nearby = self._articles_near(near)
        for n in sorted(holders):
            sp = self.speakers[n]
            if nearby is not None and sp.article_id not in nearby:
                continue
            prof = self._profiles[n]
            heads, quals = prof.heads, prof.qualifiers
            exact = q_head in heads
            if modifier and modifier not in quals and prof.modified:
                continue  # "the prime minister" is not "Health Minister X"
            overlap = len(near & quals)
            if not exact and near and overlap == 0 and not self._plain_role(sp, near):
                continue
            if exact and near and overlap == 0 and any(q in _COUNTRYISH for q in near):
                continue
            scored.append((overlap * 2 + (1 if exact else 0), sp))
        if not scored:
            # "the financial regulator": no role noun matches, but the qualifiers name one speaker's body.
            if q_head not in _BODIES:
                return None  # "the regional president" names a person the article does not have
            by_body = [sp for sp in self._speakers_near(near) if near and near & self._profile(sp).qualifiers]
            if len(by_body) != 1:
                return None
            scored = [(1, by_body[0])]
        scored.sort(key=lambda x: -x[0])
        known = {q for q in near if q in self.vocabulary}  # words no passage uses cannot break a tie
        if len(scored) > 1 and scored[0][0] == scored[1][0] and self.passages_with is not None and known:
            # A tie: prefer the one whose own words mention the qualifiers ("Skyvarra" for its boss).
            tied = [sp for score, sp in scored if score == scored[0][0]]
            mentions = sorted(((self.passages_with(sp, known), sp.name, sp) for sp in tied), key=lambda x: -x[0])
            if mentions[0][0] > (mentions[1][0] if len(mentions) > 1 else 0):
                scored = [(scored[0][0] + 1, mentions[0][2])]
        if len(scored) > 1 and scored[0][0] == scored[1][0]:
            return None
        chosen = scored[0][1]
        used = {stem(w) for w in q_roles} | (near & self._profile(chosen).qualifiers)
        if "secretary-general" in q_roles:
            used |= {stem("secretary"), stem("general")}
        return chosen, used


_COUNTRY_STEMS = frozenset(stem(w) for w in COUNTRY_FORMS)
_COUNTRYISH = frozenset(stem(w) for w in ("usa", "uk", "eu", "un", "nato", "europe", "russia", "ukraine", "china"))


# Words that name a body rather than a person: "the financial regulator" speaks through its head.
_BODIES = frozenset("regulator watchdog supervisor authority agency ministry regulators".split())
# Offices someone holds: when an article never names the office, it does not report its holder.
_OFFICES = people.expand_role_word("chief") | frozenset(
    "minister mayor governor ambassador spokesman spokeswoman spokesperson prosecutor judge commissioner senator "
    "treasurer secretary".split()
)
_INDEFINITE = frozenset("a an any every each some another".split())


def spelling_key(word: str) -> tuple[str, int]:
    """The order typo correction keeps words in: by first letter, then length."""
    return word[:1], len(word)


class _Spellings:
    """Words ordered by first letter and length, to find the ones within two edits of a word.

    Misspellings almost always keep their first letter ("zelenski", "moskow", "judje"); looking only there, and
    only at lengths within two of the word's, makes the scan (rapidfuzz, in C) small enough for a news archive's
    vocabulary. In that order (stable: words of one letter and length keep the order given) the words to scan are
    one slice, found by binary search: an index stores its surface words so (`ordered`), so nothing is grouped at
    a start or a live reload; other vocabularies are ordered when first looked at.
    """

    def __init__(self, vocabulary: list[str], *, ordered: bool = False) -> None:
        self._given = vocabulary
        self._words: list[str] | None = vocabulary if ordered else None
        self._cache: dict[str, list[str]] = {}

    def near(self, word: str) -> list[str]:
        """The words within two edits of `word` that share its first letter, nearest first (ties: in order)."""
        found = self._cache.get(word)
        if found is None:
            if self._words is None:
                self._words = sorted(self._given, key=spelling_key)
            first, size = word[:1], len(word)
            lo = bisect.bisect_left(self._words, (first, size - 2), key=spelling_key)
            hi = bisect.bisect_right(self._words, (first, size + 2), key=spelling_key)
            choices = self._words[lo:hi]
            # Optimal string alignment (bit-parallel in rapidfuzz) first: every word within two edits of
            # Damerau-Levenshtein is within three of it (tests/test_spelling.py checks this exhaustively on
            # short strings), and the exact distance is then taken on those few, in their order.
            rough = process.extract(word, choices, scorer=OSA.distance, score_cutoff=3, limit=None)
            close = [choices[i] for i in sorted(i for _, _, i in rough)]
            hits = process.extract(word, close, scorer=DamerauLevenshtein.distance, score_cutoff=2, limit=None)
            found = [choice for choice, _, _ in sorted(hits, key=lambda x: (x[1], x[2]))]
            if len(self._cache) < 10_000:
                self._cache[word] = found
        return found


def _inflections(word: str) -> list[str]:
    """Plausible base forms of an inflected word: buses -> bus, cities -> city, stopped -> stop."""
    out: list[str] = []
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 4:
        out.append(word[:-2])
    if word.endswith("s") and len(word) > 3:
        out.append(word[:-1])
    if word.endswith("ed") and len(word) > 4:
        out += [word[:-2], word[:-1], word[:-3]]
    if word.endswith("ing") and len(word) > 5:
        out += [word[:-3], word[:-3] + "e", word[:-4]]
    return out


@functools.lru_cache(maxsize=1 << 14)
def _role_spelling(word: str) -> str:
    """Return the role noun a misspelt word stands for ("judje" -> "judge"), or the word itself."""
    if word in people.ROLE_NOUNS or len(word) < 5 or is_english_word(word):
        return word
    # A typo changes the length by at most two letters: only role nouns of about that length can match.
    nearby = [n for length in range(len(word) - 2, len(word) + 3) for n in _ROLES_BY_LENGTH.get(length, ())]
    matches = [n for n in nearby if people.similar(word, n)]
    return min(matches, key=lambda n: (DamerauLevenshtein.distance(word, n), n)) if matches else word


_ROLES_BY_LENGTH: dict[int, list[str]] = {}
for _noun in sorted(people.ROLE_NOUNS):
    _ROLES_BY_LENGTH.setdefault(len(_noun), []).append(_noun)


def _modifier_before(ws: list[str], head: str) -> str:
    """The stem of the word right before a role noun ("prime" in "prime minister"), unless it is a
    possessive or a function word ("Murmelo's lawyer", "the lawyer")."""
    for i, w in enumerate(ws):
        if w == head and i > 0:
            prev = ws[i - 1]
            if prev in STOP_WORDS or prev in QUESTION_WORDS or prev == "s" or people.is_role(prev):
                return ""
            return stem(prev)
    return ""


def _qualifiers_near(ws: list[str], head: str) -> set[str]:
    """Content stems within three words of the role noun (the NATO chief, chair of the union)."""
    out: set[str] = set()
    positions = [i for i, w in enumerate(ws) if w == head or (head == "secretary-general" and w == "general")]
    for i in positions:
        for w in ws[max(0, i - 3) : i + 4]:
            if w in STOP_WORDS or w in QUESTION_WORDS or w in people.ROLE_NOUNS or w in {"of", "the", "s"}:
                continue
            out.add(stem(w))
    return out


def _on_topic(low: str, ws: list[str]) -> bool:
    """ "zelenskyy on security": a name followed by "on" and a topic."""
    return bool(re.search(r"^\S+(?:\s+\S+)?\s+on\s+\S+", low)) and len(ws) <= 6


class _Asks(TypedDict):
    how_many: bool
    how: str
    counted: str
    duration: bool
    period: str
    votes: bool
    tense: Tense
    focus: tuple[str, ...]
    acronym: str
    defines: bool
    said_slot: tuple[str, ...]


def _asked(text: str, low: str, focus: list[str]) -> _Asks:
    """The details of what a question asks that answering needs: read here once, never again downstream."""
    how = HOW.search(low)
    how_word, after = (how.group(1), how.group(2) or "") if how else ("", "")
    acronym = ACRONYM.search(text)
    said = SAID_SLOT.search(low)
    future, past = bool(FUTURE.search(low)), bool(PAST.search(low))
    period = PER_PERIOD.search(low)
    return _Asks(
        **{
            "how_many": how_word == "many",
            "how": how_word,
            "counted": after if how_word == "many" else "",
            "duration": how_word in ("much", "many") and after in DURATION,
            "period": period.group(1) if period else "",
            "votes": bool(VOTES.search(low)),
            "tense": Tense.ANY if future == past else Tense.FUTURE if future else Tense.PAST,
            "focus": tuple(focus),
            "acronym": (acronym.group(1) or acronym.group(2)) if acronym else "",
            "defines": bool(DEFINE.search(low)),
            "said_slot": tuple(words(said.group("who"))) if said else (),
        }
    )


def _intent(low: str) -> tuple[Intent, AnswerType]:
    """Return (intent, answer type) from the question's wording."""
    if PUBLISHED.search(low):
        return Intent.PUBLISHED, AnswerType.WHEN
    if ABOUT.search(low):
        return Intent.ABOUT, AnswerType.ANY
    if QUOTED.search(low):
        return Intent.QUOTED, AnswerType.WHO
    answer_type = AnswerType.ANY
    if COUNT.search(low):
        answer_type = AnswerType.COUNT
    elif WHEN.search(low):
        answer_type = AnswerType.WHEN
    elif WHY.search(low):
        answer_type = AnswerType.WHY
    elif WHO.search(low):
        answer_type = AnswerType.WHO
    if NEXT.search(low):
        return Intent.NEXT, answer_type
    if WHO_SAID.search(low):
        return Intent.WHO_SAID, AnswerType.WHO
    if LIST.search(low):
        return Intent.LIST, answer_type
    return Intent.SEARCH, answer_type
