"""What the answering step derives from the text, computed once per article at build time.

A start or a live reload must not re-tokenise, re-stem and re-scan every passage: each article is analysed
once (`analyse_article`: its passages' index terms as ids, their BM25 postings, which passages give a reason,
look ahead or quote someone, the surface words typo correction looks up, its speakers' profiles), and the
articles of an index are joined, in order, into the flat arrays the engine reads and the store writes
(`Layout`): by a `Combiner` that a full build streams articles through, or by `splice`, which an incremental
build uses to drop, keep and insert articles in the previous layout without analysing the kept ones again.

Term and surface-word ids come from tables that only grow (`TermTable`, `WordTable`): an incremental build
extends those of the index it starts from, so the kept arrays keep their meaning. Ids carry no order the
answers depend on (a term's postings are in document order whatever its id; the vocabulary is looked up,
never iterated; the surface words are ordered by first use), so an incremental build answers exactly as a
full one.

Stored analyses are only as good as the code that made them: `fingerprint()` hashes the modules whose
output they hold, and an index whose fingerprint differs is analysed afresh from its rows (slow, but right).
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import re
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np

from index.evidence import CAUSAL
from index.lexicon import FUTURE, English
from index.models import Article, Passage, Speaker
from index.question import LookupsBuilder, SpeakerLookups, SpeakerProfile, speaker_profile
from index.rank import PLACEHOLDER, Postings
from index.text import STOP_WORDS, fold, stem, terms, words

CAUSES, AHEAD = 1, 2  # flag bits of a passage
QUOTE = 4  # a third bit: the passage is a quote (what the bot's example questions look for, without reading text)
LISTED = 8  # a fourth: the passage is a list item under a lead-in (the same, for list questions)

# The modules whose output a stored analysis (or a stored article's rows) holds: any change to them makes
# stored indexes stale. Fitting, features and decisions read the analysis, they do not shape it.
_SOURCES = (
    "analysis.py", "attribution.py", "evidence.py", "lexicon.py", "models.py", "parse.py", "people.py",
    "question.py", "rank.py", "store.py", "text.py",
)  # fmt: skip


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """A hash of the code that analyses articles (and of the stemmer's version)."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _SOURCES:
        h.update(name.encode() + b"\0" + (here / name).read_bytes())
    for package in ("PyStemmer", "snowballstemmer", "pyspellchecker"):
        h.update(f"{package}={_installed_version(package) or 'none'}".encode())
    return h.hexdigest()[:32]


def _installed_version(package: str) -> str | None:
    """The installed version of a distribution, read off its ``<name>-<version>.dist-info`` folder name on the
    import path, as importlib.metadata finds it (importing that module costs more than the rest of a bundled
    start's analysis: 20-80 ms)."""
    wanted = re.sub(r"[-_.]+", "_", package).lower()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                project, _, version = name[: -len(".dist-info")].partition("-")
                if re.sub(r"[-_.]+", "_", project).lower() == wanted and version:
                    return version
    return None


fingerprint()  # now, not when a build ends: a file edited meanwhile must not be taken for the code that ran


class TermTable:
    """Term ids: a list and its inverse, only ever extended."""

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self.terms: list[str] = list(terms)
        self.ids: dict[str, int] = {t: i for i, t in enumerate(self.terms)}

    def id(self, term: str) -> int:
        """The id of a term, a new one if it has none yet."""
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return found


class WordTable:
    """Surface word ids and their stems: a list and its inverse, only ever extended (as TermTable)."""

    def __init__(self, words: Iterable[str] = (), stems: Iterable[str] = ()) -> None:
        self.words: list[str] = list(words)
        self.stems: list[str] = list(stems)
        self.ids: dict[str, int] = {w: i for i, w in enumerate(self.words)}

    def encode(self, words: list[str], stems: dict[str, str]) -> np.ndarray:
        """The ids of words (new ones added with their stems)."""
        out = []
        for w in words:
            found = self.ids.get(w)
            if found is None:
                found = self.ids[w] = len(self.words)
                self.words.append(w)
                self.stems.append(stems[w])
            out.append(found)
        return np.asarray(out, dtype=np.int32)

    def surface(self, joined: list[np.ndarray]) -> dict[str, str]:
        """Word -> stem for the word ids given: by first letter and length, then in the order each is first met."""
        every = np.concatenate(joined) if joined else np.zeros(0, dtype=np.int32)
        first = np.full(len(self.words), len(every), dtype=np.int64)
        np.minimum.at(first, every, np.arange(len(every)))  # where each word is first used
        ids = np.flatnonzero(first < len(every))
        met = ids[np.argsort(first[ids], kind="stable")].tolist()
        found = [self.words[i] for i in met]
        stems = [self.stems[i] for i in met]
        # In the order typo correction scans them (question.spelling_key: first letter, then length; stable, so by
        # first use within it), sorted by NumPy on the two keys rather than by a Python key per word.
        initials = np.fromiter((ord(w[0]) if w else -1 for w in found), dtype=np.int64, count=len(found))
        lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        return {found[k]: stems[k] for k in np.lexsort((lengths, initials)).tolist()}


def passage_terms(p: Passage, text_words: list[str] | None = None) -> list[str]:
    """A passage's index terms: its text plus its speaker's name."""
    ws = words(p.text) if text_words is None else text_words
    doc = [stem(w) for w in ws if w not in STOP_WORDS]
    if p.speaker:
        doc += terms(p.speaker)
    return doc


@dataclass(frozen=True)
class ArticleAnalysis:
    """One article analysed: what a build adds to the layout for it."""

    article: Article
    speakers: tuple[Speaker, ...]
    numbers: np.ndarray  # int32, per passage: its ¶ number
    said_by: tuple[str | None, ...]  # per passage: its speaker's name
    tokens: np.ndarray  # int32 term ids of every passage, in order, concatenated
    token_counts: np.ndarray  # int32, per passage
    post_terms: np.ndarray  # int32: each passage's distinct terms (an empty passage: the placeholder)
    post_tf: np.ndarray  # int32: how often each occurs in it
    post_counts: np.ndarray  # int32, per passage: how many distinct terms
    flags: np.ndarray  # uint8, per passage: CAUSES | AHEAD | QUOTE | LISTED
    words: dict[str, list[str]]  # surface words by where they were first met (passages, names, roles, ...)
    stems: dict[str, str]  # surface word -> stem, for every word above
    speaker_lines: tuple[str, ...]  # each speaker's name as folded words
    profiles: bytes  # the speakers' question-analysis profiles, pickled


WORD_SOURCES = ("passages", "names", "roles", "titles", "leads")


def analyse_article(
    article: Article, passages: Sequence[Passage], speakers: Sequence[Speaker], table: TermTable
) -> ArticleAnalysis:
    """Analyse one article's passages and speakers (term ids from `table`, which grows)."""
    tokens: list[int] = []
    token_counts: list[int] = []
    post_terms: list[int] = []
    post_tf: list[int] = []
    post_counts: list[int] = []
    surface: dict[str, None] = {}
    for p in passages:
        text_words = words(p.text)
        surface.update(dict.fromkeys(text_words))
        doc = [table.id(t) for t in passage_terms(p, text_words)]
        tokens += doc
        token_counts.append(len(doc))
        # rank-bm25 would divide by zero on an empty document: it sees a placeholder term instead.
        freqs = Counter(doc) if doc else Counter({table.id(PLACEHOLDER): 1})
        post_terms += freqs
        post_tf += freqs.values()
        post_counts.append(len(freqs))
    texts = [p.text for p in passages]
    flags = matching(CAUSAL, texts).astype(np.uint8) * CAUSES | matching(FUTURE, texts).astype(np.uint8) * AHEAD
    flags |= np.asarray([p.kind == "quote" for p in passages], dtype=np.uint8) * QUOTE
    flags |= np.asarray([p.kind == "item" and bool(p.lead_in) for p in passages], dtype=np.uint8) * LISTED
    found = {
        "passages": list(surface),
        "names": words(" ".join(sp.name for sp in speakers)),
        "roles": words(" ".join(r for sp in speakers for r in sp.roles)),
        "titles": words(article.title),
        "leads": words(" ".join(dict.fromkeys(p.lead_in for p in passages if p.lead_in))),
    }
    stems = {w: stem(w) for ws in found.values() for w in ws}
    return ArticleAnalysis(
        article=article,
        speakers=tuple(speakers),
        numbers=np.asarray([p.number for p in passages], dtype=np.int32),
        said_by=tuple(p.speaker for p in passages),
        tokens=np.asarray(tokens, dtype=np.int32),
        token_counts=np.asarray(token_counts, dtype=np.int32),
        post_terms=np.asarray(post_terms, dtype=np.int32),
        post_tf=np.asarray(post_tf, dtype=np.int32),
        post_counts=np.asarray(post_counts, dtype=np.int32),
        flags=flags,
        words=found,
        stems=stems,
        speaker_lines=tuple(" ".join(words(sp.name)) for sp in speakers),
        profiles=pickle.dumps([speaker_profile(sp) for sp in speakers], protocol=pickle.HIGHEST_PROTOCOL),
    )


@dataclass(frozen=True)
class Layout:
    """Every article's analysis joined, in index order: what the engine opens."""

    articles: tuple[Article, ...]
    speakers: tuple[Speaker, ...]
    article_first: np.ndarray  # int64, per article + 1: its first passage (the last entry: the passage count)
    numbers: np.ndarray  # int32, per passage
    tokens: np.ndarray  # int32 term ids, every passage's terms in order
    token_offsets: np.ndarray  # int64, per passage + 1
    flags: np.ndarray  # uint8, per passage
    said_by: np.ndarray  # int32, per passage: a number in `voices`, or -1
    voices: tuple[tuple[str, str], ...]  # (article id, speaker name) of the passages' speakers
    postings: Postings
    surface: dict[str, str]  # folded word -> stem, in the order first met
    speaker_names: str  # one line per speaker: the name's folded words
    profiles: tuple[bytes, ...]  # every speaker's profile, pickled PROFILES_PER_CHUNK at a time (see pickle_profiles)
    # What only a build reads (an incremental build splices them; opening an index skips them):
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  # terms per passage (BM25)
    words: WordTable | None = None  # every surface word an article of this lineage used, with its stem
    word_ids: dict[str, np.ndarray] = field(default_factory=dict)  # per source: each article's words, joined
    word_counts: np.ndarray = field(default_factory=lambda: np.zeros((0, len(WORD_SOURCES)), dtype=np.int32))
    # General English word frequencies as the build read them (an opened index gives them to the question
    # analysis without parsing the library's file).
    english: English | None = None
    lookups: SpeakerLookups | None = None  # the same for the speakers (an opened index gives them)

    @property
    def size(self) -> int:
        """How many passages."""
        return len(self.numbers)


class Combiner:
    """Joins articles' analyses, added one at a time in index order, into one layout.

    Only what the layout keeps is held (compact arrays, word ids), not the articles' analyses: a build streams
    100,000 articles through it in bounded memory.
    """

    def __init__(self, table: TermTable, words: WordTable) -> None:
        self.table = table
        self.words = words
        self._arrays: dict[str, list[np.ndarray]] = {n: [] for n in _JOINED}
        self._word_ids: dict[str, list[np.ndarray]] = {source: [] for source in WORD_SOURCES}
        self._said_by = array("i")  # per passage (as Python ints in a list: 90 MB at 100,000 articles)
        self._voices: dict[tuple[str, str], int] = {}
        self._articles: list[Article] = []
        self._speakers: list[Speaker] = []
        self._lines: list[str] = []
        # Profiles are pickled PROFILES_PER_CHUNK at a time as they come (pickle_profiles' chunks, byte for
        # byte) and only their lookups are kept: 287,000 profiles as objects were 300 MB of a 100k build.
        self._profiles: list[SpeakerProfile] = []  # those of the chunk being gathered
        self._canonical: dict[Any, Any] = {}  # equal values of that chunk made one object
        self._pickled: list[bytes] = []
        self._lookups = LookupsBuilder()
        self._sizes: list[int] = []
        self._word_counts: list[int] = []  # per article, per word source (in WORD_SOURCES order)

    def add(self, a: ArticleAnalysis) -> None:
        """Append one article (after those already added)."""
        for name, dtype in _JOINED.items():
            self._arrays[name].append(getattr(a, name).astype(dtype, copy=False))
        voices = self._voices
        self._said_by.extend(voices.setdefault((a.article.id, s), len(voices)) if s else -1 for s in a.said_by)
        for source, found in self._word_ids.items():
            found.append(self.words.encode(a.words[source], a.stems))
            self._word_counts.append(len(found[-1]))
        self._articles.append(a.article)
        self._sizes.append(len(a.numbers))
        self._speakers += a.speakers
        self._lines += a.speaker_lines
        for p in load_profiles(a.profiles):  # equal values made one object: smaller, and quicker to load
            q = object.__new__(SpeakerProfile)
            q.__dict__.update({k: self._canonical.setdefault((type(v), v), v) for k, v in vars(p).items()})
            self._profiles.append(q)
            self._lookups.add(q)
            if len(self._profiles) == PROFILES_PER_CHUNK:
                self._pickled += pickle_profiles(self._profiles)
                self._profiles, self._canonical = [], {}
        if len(self._sizes) % _COMPACT == 0:
            self._compact()

    def _compact(self) -> None:
        """Join the arrays of the last _COMPACT articles into one: twelve small arrays per article would be 1.2
        million NumPy objects (about 150 MB of headers) at 100,000 articles."""
        chunks = len(self._sizes) // _COMPACT - 1  # arrays already joined, one per earlier chunk
        for parts in (*self._arrays.values(), *self._word_ids.values()):
            parts[chunks:] = [np.concatenate(parts[chunks:])]
        tf = self._arrays["post_tf"]
        if len(tf[-1]) and int(tf[-1].max()) <= np.iinfo(np.uint16).max:  # as Postings will keep them
            tf[-1] = tf[-1].astype(np.uint16)

    def _joined(self, name: str) -> np.ndarray:
        parts = self._arrays.pop(name)
        if not parts:
            return np.zeros(0, dtype=_JOINED[name])
        if name == "post_tf" and all(int(part.max(initial=0)) <= np.iinfo(np.uint16).max for part in parts):
            return np.concatenate(parts, dtype=np.uint16, casting="unsafe")  # as Postings keeps them: half the bytes
        return np.concatenate(parts)

    def finish(self) -> Layout:
        """The layout of every article added."""
        numbers = self._joined("numbers")
        counts = np.asarray(self._sizes, dtype=np.int64)
        post_counts = self._joined("post_counts").astype(np.int64)
        post_tf = self._joined("post_tf")
        lengths = np.zeros(len(post_counts), dtype=np.int64)
        if len(post_tf):
            starts = np.concatenate([[0], np.cumsum(post_counts)[:-1]])
            lengths = np.add.reduceat(post_tf, starts, dtype=np.int64)  # no int64 copy of every posting
        postings = Postings.of(self.table.terms, self._joined("post_terms"), post_tf, post_counts, lengths)
        del post_tf
        token_counts = self._joined("token_counts")
        word_counts = np.asarray(self._word_counts, dtype=np.int32).reshape(len(self._articles), len(WORD_SOURCES))
        word_ids = {
            source: np.concatenate(ids) if ids else np.zeros(0, np.int32) for source, ids in self._word_ids.items()
        }
        return Layout(
            articles=tuple(self._articles),
            speakers=tuple(self._speakers),
            article_first=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            numbers=numbers,
            tokens=self._joined("tokens"),
            token_offsets=np.concatenate([[0], np.cumsum(token_counts, dtype=np.int64)]).astype(np.int64),
            flags=self._joined("flags"),
            said_by=np.asarray(self._said_by, dtype=np.int32),
            voices=tuple(self._voices),
            postings=postings,
            surface=self.words.surface([word_ids[source] for source in WORD_SOURCES]),
            speaker_names="\n".join(self._lines),
            profiles=(*self._pickled, *pickle_profiles(self._profiles)),
            lookups=self._lookups.lookups(),  # gathered as the profiles came: not unpickled again to store
            lengths=lengths.astype(np.int32),
            words=self.words,
            word_ids=word_ids,
            word_counts=word_counts,
        )


def splice(old: Layout, plan: Sequence[int | ArticleAnalysis], table: TermTable) -> Layout:
    """A new layout from an old one: its articles numbered in `plan` (ascending) kept as they were, the analyses
    in `plan` added where they stand, every other article dropped. Costs NumPy copies of the old arrays and
    Python work for the new articles only (and a pass over the passages' speakers): an incremental build."""
    assert old.words is not None
    first = old.article_first.tolist()
    runs: list[tuple[int, int] | ArticleAnalysis] = []  # old article ranges and new articles, in order
    for item in plan:
        last = runs[-1] if runs else None
        if isinstance(item, int) and isinstance(last, tuple) and last[1] == item:
            runs[-1] = (last[0], item + 1)
        else:
            runs.append((item, item + 1) if isinstance(item, int) else item)

    def passages(old_array: np.ndarray, name: str) -> np.ndarray:
        parts = [old_array[first[r[0]] : first[r[1]]] if isinstance(r, tuple) else getattr(r, name) for r in runs]
        return np.concatenate(parts).astype(old_array.dtype) if parts else old_array[:0]

    numbers = passages(old.numbers, "numbers")
    flags = passages(old.flags, "flags")
    old_counts = np.diff(old.token_offsets)
    token_counts = passages(old_counts, "token_counts")
    offsets = old.token_offsets.tolist()
    tokens = [
        old.tokens[offsets[first[r[0]]] : offsets[first[r[1]]]] if isinstance(r, tuple) else r.tokens for r in runs
    ]
    new_lengths = []
    remap = np.full(old.size, -1, dtype=np.int64)
    added: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    at = 0
    for r in runs:
        if isinstance(r, tuple):
            n = first[r[1]] - first[r[0]]
            remap[first[r[0]] : first[r[1]]] = np.arange(at, at + n)
            new_lengths.append(old.lengths[first[r[0]] : first[r[1]]])
        else:
            n = len(r.numbers)
            docs = at + np.repeat(np.arange(n), r.post_counts)
            added.append((r.post_terms.astype(np.int64), docs, r.post_tf.astype(np.int64)))
            starts = np.concatenate([[0], np.cumsum(r.post_counts)[:-1]]).astype(np.int64)
            new_lengths.append(np.add.reduceat(r.post_tf.astype(np.int64), starts) if n else np.zeros(0, np.int64))
        at += n
    size = at
    lengths = np.concatenate(new_lengths).astype(np.int64) if new_lengths else np.zeros(0, np.int64)
    # Old postings stay grouped by term with documents ascending (kept articles keep their order); the few new
    # ones are put in their places.
    p = old.postings
    term_of = np.repeat(np.arange(len(p.terms), dtype=np.int64), np.diff(p.offsets))
    docs = remap[p.docs]
    kept = docs >= 0
    terms_kept, docs_kept, tf_kept = term_of[kept], docs[kept], p.tf[kept].astype(np.int64)
    if added:
        nt, nd, ntf = (np.concatenate(x) for x in zip(*added, strict=True))
        order = np.lexsort((nd, nt))
        nt, nd, ntf = nt[order], nd[order], ntf[order]
        where = np.searchsorted(terms_kept * max(size, 1) + docs_kept, nt * max(size, 1) + nd)
        terms_kept = np.insert(terms_kept, where, nt)
        docs_kept = np.insert(docs_kept, where, nd)
        tf_kept = np.insert(tf_kept, where, ntf)
    postings = Postings.grouped(table.terms, terms_kept, docs_kept, tf_kept, lengths, size)
    voices: dict[tuple[str, str], int] = {}
    said_by: list[int] = []
    for r in runs:
        if isinstance(r, tuple):
            keys = old.voices
            said_by += [voices.setdefault(keys[v], len(voices)) if v >= 0 else -1
                        for v in old.said_by[first[r[0]] : first[r[1]]].tolist()]  # fmt: skip
        else:
            said_by += [voices.setdefault((r.article.id, s), len(voices)) if s else -1 for s in r.said_by]
    # Speakers (and their name lines and profiles) are in article order too.
    speaker_first = [0]
    by_article: dict[str, int] = {}
    for sp in old.speakers:
        by_article[sp.article_id] = by_article.get(sp.article_id, 0) + 1
    for a in old.articles:
        speaker_first.append(speaker_first[-1] + by_article.get(a.id, 0))
    lines = old.speaker_names.split("\n") if old.speakers else []
    profiles = load_profile_chunks(old.profiles)
    speakers: list[Speaker] = []
    new_lines: list[str] = []
    new_profiles: list[SpeakerProfile] = []
    articles: list[Article] = []
    word_ids: dict[str, list[np.ndarray]] = {source: [] for source in WORD_SOURCES}
    word_counts: list[np.ndarray] = []
    word_first = np.concatenate([np.zeros((1, len(WORD_SOURCES)), np.int64), np.cumsum(old.word_counts, axis=0)])
    words = old.words
    for r in runs:
        if isinstance(r, tuple):
            a0, a1 = r
            s0, s1 = speaker_first[a0], speaker_first[a1]
            speakers += old.speakers[s0:s1]
            new_lines += lines[s0:s1]
            new_profiles += profiles[s0:s1]
            articles += old.articles[a0:a1]
            for k, source in enumerate(WORD_SOURCES):
                word_ids[source].append(old.word_ids[source][word_first[a0, k] : word_first[a1, k]])
            word_counts.append(old.word_counts[a0:a1])
        else:
            speakers += r.speakers
            new_lines += r.speaker_lines
            new_profiles += load_profiles(r.profiles)
            articles.append(r.article)
            ids = [words.encode(r.words[source], r.stems) for source in WORD_SOURCES]
            for source, found in zip(WORD_SOURCES, ids, strict=True):
                word_ids[source].append(found)
            word_counts.append(np.asarray([[len(x) for x in ids]], dtype=np.int32))
    joined = {source: np.concatenate(parts) if parts else np.zeros(0, np.int32) for source, parts in word_ids.items()}
    article_sizes = [first[r[1]] - first[r[0]] if isinstance(r, tuple) else len(r.numbers) for r in runs]
    per_article: list[int] = []
    for r, n in zip(runs, article_sizes, strict=True):
        per_article += [first[a + 1] - first[a] for a in range(r[0], r[1])] if isinstance(r, tuple) else [n]
    return Layout(
        articles=tuple(articles),
        speakers=tuple(speakers),
        article_first=np.concatenate([[0], np.cumsum(per_article)]).astype(np.int64),
        numbers=numbers,
        tokens=np.concatenate(tokens).astype(np.int32) if tokens else np.zeros(0, np.int32),
        token_offsets=np.concatenate([[0], np.cumsum(token_counts, dtype=np.int64)]).astype(np.int64),
        flags=flags,
        said_by=np.asarray(said_by, dtype=np.int32),
        voices=tuple(voices),
        postings=postings,
        surface=words.surface([joined[source] for source in WORD_SOURCES]),
        speaker_names="\n".join(new_lines),
        profiles=pickle_profiles(new_profiles),
        lookups=SpeakerLookups.of(new_profiles),
        lengths=lengths.astype(np.int32),
        words=words,
        word_ids=joined,
        word_counts=np.concatenate(word_counts) if word_counts else np.zeros((0, len(WORD_SOURCES)), np.int32),
    )


_COMPACT = 512  # articles between two joins of the gathered arrays (Combiner)
_JOINED: dict[str, Any] = {
    "numbers": np.int32, "tokens": np.int32, "token_counts": np.int32, "post_terms": np.int32,
    "post_tf": np.int32, "post_counts": np.int32, "flags": np.uint8,
}  # fmt: skip


def combine(analyses: Iterable[ArticleAnalysis], table: TermTable) -> Layout:
    """Join articles' analyses (in index order) into one layout."""
    combiner = Combiner(table, WordTable())
    for a in analyses:
        combiner.add(a)
    return combiner.finish()


def analyse(articles: Sequence[Article], passages: Sequence[Passage], speakers: Sequence[Speaker]) -> Layout:
    """Analyse a whole corpus in memory (fitting, evaluation, and an index built by other code)."""
    by_article: dict[str, list[Passage]] = {a.id: [] for a in articles}
    for p in passages:
        by_article[p.article_id].append(p)
    spoken: dict[str, list[Speaker]] = {a.id: [] for a in articles}
    for sp in speakers:
        spoken[sp.article_id].append(sp)
    table = TermTable()
    return combine([analyse_article(a, by_article[a.id], spoken[a.id], table) for a in articles], table)


class _Profiles(pickle.Unpickler):
    """Unpickles speaker profiles and nothing else: a damaged or foreign file cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (SpeakerProfile.__module__, SpeakerProfile.__qualname__):
            return SpeakerProfile
        if (module, name) in (("builtins", "frozenset"), ("builtins", "set")):
            return frozenset if name == "frozenset" else set
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in stored profiles")


PROFILES_PER_CHUNK = 500  # about 5 ms to read back: a live reload's worker thread never holds the GIL for long


def pickle_profiles(profiles: list[SpeakerProfile]) -> tuple[bytes, ...]:
    """Pickle profiles in chunks (equal values within a chunk written once: a tenth of the reading time)."""
    return tuple(
        pickle.dumps(profiles[i : i + PROFILES_PER_CHUNK], protocol=pickle.HIGHEST_PROTOCOL)
        for i in range(0, len(profiles), PROFILES_PER_CHUNK)
    )


def load_profile_chunks(chunks: Iterable[bytes]) -> list[SpeakerProfile]:
    """Read back the chunks of `pickle_profiles`, in order."""
    out: list[SpeakerProfile] = []
    for chunk in chunks:  # one short C call each: an answering thread gets the GIL between them
        out += load_profiles(chunk)
    return out


class StoredProfiles(Sequence[SpeakerProfile]):
    """The profiles of `pickle_profiles`, each chunk read back when one of its profiles is first asked for: a
    question looks at a few speakers, an archive holds tens of thousands."""

    def __init__(self, chunks: tuple[bytes, ...], size: int) -> None:
        self._chunks = chunks
        self._size = size
        self._read: dict[int, list[SpeakerProfile]] = {}

    def __len__(self) -> int:
        return self._size

    def read_all(self) -> None:
        """Read every chunk now (a serving process: not during its first users' questions)."""
        for chunk in range(len(self._chunks)):
            if chunk not in self._read:
                self._read[chunk] = load_profiles(self._chunks[chunk])

    @overload
    def __getitem__(self, n: int) -> SpeakerProfile: ...
    @overload
    def __getitem__(self, n: slice) -> list[SpeakerProfile]: ...
    def __getitem__(self, n: int | slice) -> SpeakerProfile | list[SpeakerProfile]:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(self._size))]
        if not -self._size <= n < self._size:
            raise IndexError(n)
        n %= self._size
        chunk = n // PROFILES_PER_CHUNK
        found = self._read.get(chunk)
        if found is None:
            found = self._read[chunk] = load_profiles(self._chunks[chunk])
        return found[n % PROFILES_PER_CHUNK]


def load_profiles(pickled: bytes) -> list[SpeakerProfile]:
    """Read back pickled profiles (of `analyse_article` or of a layout), in order."""
    found: list[SpeakerProfile] = _Profiles(io.BytesIO(pickled)).load()
    return found


def matching(pattern: Any, texts: list[str]) -> np.ndarray:
    """Which texts the pattern finds something in (folded), as booleans: one scan over all of them, which is
    quicker than a search per text. The pattern must not match across a line break."""
    folded = [fold(t).replace("\n", " ") for t in texts]
    joined = "\n".join(folded)
    starts = np.cumsum([0] + [len(t) + 1 for t in folded[:-1]])
    found = np.zeros(len(texts), dtype=bool)
    at = [m.start() for m in pattern.finditer(joined)]
    if at:
        found[np.searchsorted(starts, at, side="right") - 1] = True
    return found
