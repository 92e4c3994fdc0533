"""What the answering step derives from the text, computed once per article at build time.

A start or a live reload must not re-tokenise, re-stem and re-scan every passage: each article is analysed
once (`analyse_article`: its passages' index terms as ids, their BM25 postings, which passages give a reason or
look ahead, the surface words typo correction looks up, its speakers' profiles), the store keeps that per
article, and `combine` joins the articles of an index, in order, into the flat arrays the engine reads
(`Layout`). An incremental build re-analyses only new or changed articles and combines again.

Term ids come from a `TermTable` that only grows: an incremental build extends the table of the index it
starts from, so the stored analyses of unchanged articles keep their meaning. Ids carry no order the
answers depend on (a term's postings are in document order whatever its id; the vocabulary is looked up,
never iterated), so an incremental build answers exactly as a full one.

Stored analyses are only as good as the code that made them: `fingerprint()` hashes the modules whose
output they hold, and an index whose fingerprint differs is analysed afresh from its rows (slow, but right).
"""

from __future__ import annotations

import functools
import hashlib
import io
import pickle
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from index.evidence import CAUSAL
from index.lexicon import FUTURE
from index.models import Article, Passage, Speaker
from index.question import SpeakerProfile, speaker_profile
from index.rank import PLACEHOLDER, Postings
from index.text import STOP_WORDS, fold, stem, terms, words

CAUSES, AHEAD = 1, 2  # flag bits of a passage
QUOTE = 4  # a third bit: the passage is a quote (what the bot's example questions look for, without reading text)

# The modules whose output a stored analysis (or a stored article's rows) holds: any change to them makes
# stored indexes stale. Fitting, features and decisions read the analysis, they do not shape it.
_SOURCES = (
    "analysis.py", "attribution.py", "evidence.py", "lexicon.py", "models.py", "parse.py", "people.py",
    "question.py", "rank.py", "text.py",
)  # fmt: skip


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """A hash of the code that analyses articles (and of the stemmer's version)."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _SOURCES:
        h.update(name.encode() + b"\0" + (here / name).read_bytes())
    for package in ("PyStemmer", "snowballstemmer"):
        try:
            h.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{package}=none".encode())
    return h.hexdigest()[:32]


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


def passage_terms(p: Passage, text_words: list[str] | None = None) -> list[str]:
    """A passage's index terms: its text plus its speaker's name."""
    ws = words(p.text) if text_words is None else text_words
    doc = [stem(w) for w in ws if w not in STOP_WORDS]
    if p.speaker:
        doc += terms(p.speaker)
    return doc


@dataclass(frozen=True)
class ArticleAnalysis:
    """One article analysed: what the store keeps per article and an incremental build reuses."""

    article: Article
    speakers: tuple[Speaker, ...]
    numbers: np.ndarray  # int32, per passage: its ¶ number
    said_by: tuple[str | None, ...]  # per passage: its speaker's name
    tokens: np.ndarray  # int32 term ids of every passage, in order, concatenated
    token_counts: np.ndarray  # int32, per passage
    post_terms: np.ndarray  # int32: each passage's distinct terms (an empty passage: the placeholder)
    post_tf: np.ndarray  # int32: how often each occurs in it
    post_counts: np.ndarray  # int32, per passage: how many distinct terms
    flags: np.ndarray  # uint8, per passage: CAUSES | AHEAD | QUOTE
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
    profiles: bytes  # every speaker's profile, pickled once (equal values shared: a tenth of the loading time)

    @property
    def size(self) -> int:
        """How many passages."""
        return len(self.numbers)


class Combiner:
    """Joins articles' analyses, added one at a time in index order, into one layout.

    Only what the layout keeps is held (compact arrays, each distinct word once), not the articles' analyses:
    a build streams 100,000 articles through it in bounded memory.
    """

    def __init__(self, table: TermTable) -> None:
        self.table = table
        self._arrays: dict[str, list[np.ndarray]] = {n: [] for n in _JOINED}
        self._said_by: list[int] = []
        self._voices: dict[tuple[str, str], int] = {}
        self._words: dict[str, dict[str, None]] = {source: {} for source in WORD_SOURCES}
        self._stems: dict[str, str] = {}
        self._articles: list[Article] = []
        self._speakers: list[Speaker] = []
        self._lines: list[str] = []
        self._profiles: list[SpeakerProfile] = []
        self._canonical: dict[Any, Any] = {}
        self._sizes: list[int] = []

    def add(self, a: ArticleAnalysis) -> None:
        """Append one article (after those already added)."""
        for name, dtype in _JOINED.items():
            self._arrays[name].append(getattr(a, name).astype(dtype, copy=False))
        voices = self._voices
        self._said_by += [voices.setdefault((a.article.id, s), len(voices)) if s else -1 for s in a.said_by]
        for source, found in self._words.items():
            found.update(dict.fromkeys(a.words[source]))
        self._stems.update(a.stems)
        self._articles.append(a.article)
        self._sizes.append(len(a.numbers))
        self._speakers += a.speakers
        self._lines += a.speaker_lines
        for p in load_profiles(a.profiles):  # equal values made one object: smaller, and quicker to load
            q = object.__new__(SpeakerProfile)
            q.__dict__.update({k: self._canonical.setdefault((type(v), v), v) for k, v in vars(p).items()})
            self._profiles.append(q)

    def _joined(self, name: str) -> np.ndarray:
        parts = self._arrays.pop(name)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=_JOINED[name])

    def finish(self) -> Layout:
        """The layout of every article added."""
        numbers = self._joined("numbers")
        counts = np.asarray(self._sizes, dtype=np.int64)
        post_counts = self._joined("post_counts").astype(np.int64)
        post_tf = self._joined("post_tf")
        lengths = np.zeros(len(post_counts), dtype=np.int64)
        if len(post_tf):
            starts = np.concatenate([[0], np.cumsum(post_counts)[:-1]])
            lengths = np.add.reduceat(post_tf.astype(np.int64), starts)
        postings = Postings.of(self.table.terms, self._joined("post_terms"), post_tf, post_counts, lengths)
        del post_tf, lengths
        surface: dict[str, None] = {}
        for found in self._words.values():
            surface.update(found)
        token_counts = self._joined("token_counts")
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
            surface={w: self._stems[w] for w in surface},
            speaker_names="\n".join(self._lines),
            profiles=pickle.dumps(self._profiles, protocol=pickle.HIGHEST_PROTOCOL),
        )


_JOINED: dict[str, Any] = {
    "numbers": np.int32, "tokens": np.int32, "token_counts": np.int32, "post_terms": np.int32,
    "post_tf": np.int32, "post_counts": np.int32, "flags": np.uint8,
}  # fmt: skip


def combine(analyses: Iterable[ArticleAnalysis], table: TermTable) -> Layout:
    """Join articles' analyses (in index order) into one layout."""
    combiner = Combiner(table)
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
