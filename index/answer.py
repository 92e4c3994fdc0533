"""The engine: one loaded index and the answering pipeline over it. No markup.

Data flows one way: Corpus (from the store) -> question analysis (index/question.py: Query) -> candidates
(index/retrieve.py) -> feature rows (index/features.py) -> the fitted decision (index/decide.py) -> the Answer's
shape (index/present.py). The Engine holds what those steps read: passages, the BM25 ranker, speakers, lists.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Generic, Literal, TypeVar

import numpy as np

from index import features, lexicon, present
from index.analysis import AHEAD, CAUSES, LISTED, QUOTE, Layout, StoredProfiles, analyse
from index.decide import MODEL_FILE, PLAIN_MODEL_FILE, Model
from index.dense import BUILD_WORKERS, LiveVectors, Vectors, encoder, unavailable
from index.evidence import CAUSAL, counts_the_noun
from index.lexicon import synonyms
from index.models import Answer, Article, Passage, Speaker
from index.question import Analyser, Intent, Query
from index.rank import Ranges, Ranker
from index.retrieve import Candidate, candidates
from index.store import Corpus, StoredPassages, StoreError, open_index, stored_vectors
from index.text import STOP_WORDS, fold, stem, terms, words

logger = logging.getLogger(__name__)

CANDIDATES = 2000  # in a large archive, BM25 keeps only its best passages before routing to articles
EVIDENCE_DEPTH = 30  # how many passages a check for a body's words reads, in tens
REMEMBERED_ANSWERS = 1024
TERM_CACHE = 4096  # terms whose articles are remembered (a long-running bot must not grow without bound)
READ_TERMS = 8192  # passages whose terms (in order and distinct: two copies) are kept once read
SMALL_SET = 1024  # articles in a remembered set of articles at most


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """The `size` most recently used values by key (size 0: none kept). Safe to share between threads: the bot
    answers in worker threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """Return the value kept for key, marking it recently used; None if there is none."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> V:
        """Keep a value (dropping the least recently used beyond `size`); return it."""
        if self.size:
            with self._lock:
                self._items[key] = value
                if len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value


@dataclass(frozen=True)
class Issue:
    """One contested issue the article lists, with the passages that discuss it."""

    number: int
    item: Passage
    related: tuple[Passage, ...]


class Engine:
    """Answers questions about the articles of one index."""

    candidate_limit = CANDIDATES

    def __init__(
        self,
        corpus: Corpus,
        *,
        remember: int = REMEMBERED_ANSWERS,
        model: Model | None = None,
        layout: Layout | None = None,
        vectors: Vectors | Literal["live"] | None = "live",
    ) -> None:
        """`remember`: how many recent answers to keep (0: compute every answer afresh); `model`: the fitted
        decision (default: index/model.json, or model-plain.json without vectors, read when first needed);
        `layout`: the corpus's stored analysis (an opened index gives it; otherwise the corpus is analysed here);
        `vectors`: where the passages' sentence vectors are read ("live": encoded when first needed; None: the
        engine answers without them)."""
        self.corpus = corpus
        self._model = model
        self.vectors: Vectors | None = LiveVectors() if vectors == "live" else vectors
        self._asked: Recent[str, np.ndarray] = Recent(remember)  # recent questions' vectors
        self._primed: dict[str, np.ndarray] = {}  # questions encoded ahead of asking (fitting)
        # An answer depends only on the index and the question, so recent ones are kept: a chat turn asks
        # the same thing more than once (the answer, then whether "more" has anything), and many users tap
        # the same example questions. Least recently used first out.
        self._answers: Recent[tuple[str, str | None, frozenset[str]], Answer] = Recent(remember)
        self._queries: Recent[str, Query] = Recent(remember)  # "more" asks the same question again
        self._using: Recent[frozenset[str], np.ndarray] = Recent(8)  # passages by the stems they use
        if layout is None:
            layout = analyse(corpus.articles, corpus.passages, corpus.speakers)
        # Everything below is read from the layout (index/analysis.py): no passage is tokenised here.
        self.passages: Sequence[Passage] = corpus.passages
        self.articles: dict[str, Article] = {a.id: a for a in corpus.articles}
        self.speakers: list[Speaker] = list(corpus.speakers)
        self._article_sets: Recent[str, set[str]] = Recent(TERM_CACHE)  # which articles use a term
        flags = layout.flags
        self._causes = (flags & CAUSES).astype(bool)  # passages that give a reason
        self._ahead = (flags & AHEAD).astype(bool)  # passages that look ahead
        self._quotes = np.flatnonzero(flags & QUOTE)
        self._listed = np.flatnonzero(flags & LISTED)
        self._article_arrays: Recent[str, np.ndarray] = Recent(TERM_CACHE)
        self._speaker_names = layout.speaker_names
        self._article_ids = list(self.articles)
        self._article_number = {a: n for n, a in enumerate(self._article_ids)}
        first = layout.article_first
        self._first = first
        self._numbers = layout.numbers
        sizes = np.diff(first)
        self._article_no = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
        lexicon.use_english(layout.english)  # read now, not during someone's first question
        self._vocab = layout.postings.terms
        self._tokens = layout.tokens
        self._token_offsets = layout.token_offsets  # an array: as a list, 9 MB of Python ints at 10,000 articles
        # Each recently read passage's index terms, in order and distinct (the features read both, for every
        # candidate). A plain dict emptied when full: reads and writes of one key are atomic across threads.
        self._read_terms: dict[int, tuple[list[str], tuple[str, ...]]] = {}
        self.ranker = Ranker.from_postings(layout.postings)
        self.analyser = Analyser(
            self.ranker.vocabulary(),
            layout.surface,
            self.speakers,
            *_weakly(self),
            profiles=StoredProfiles(layout.profiles, len(self.speakers)),
            lookups=layout.lookups,
            surface_ordered=True,  # layouts keep their surface words in spelling order (analysis.WordTable)
        )
        # Who says each passage: a number per passage into (article id, speaker name) pairs.
        self._said_by = layout.said_by
        self._voices = layout.voices
        self._voice = {v: n for n, v in enumerate(layout.voices)}
        self._leads: list[int] = first[:-1][sizes > 0].tolist()
        at = np.arange(len(self._article_no)) - first[:-1][self._article_no]
        self._position = at / np.maximum(sizes[self._article_no] - 1, 1) if len(at) else np.zeros(0)

    def _speaker_passages_with(self, speaker: Speaker, stems: set[str]) -> int:
        """How many of a speaker's passages use any of the stems."""
        key = frozenset(stems)
        using = self._using.get(key)
        if using is None:  # asked for many speakers in a row: read the postings once, as a mask over passages
            using = np.zeros(len(self._article_no), dtype=bool)  # (a set of a common word's passages: 20 ms at 100k)
            for s in key:
                using[self.ranker.documents_array(s)] = True
            self._using.put(key, using)
        own = self.own(speaker)
        return int(np.count_nonzero(using[own])) if own else 0

    def _articles_with(self, term: str) -> set[str]:
        """The ids of the articles whose passages use a term (remembered: the index does not change)."""
        found = self._article_sets.get(term)
        if found is None:
            found = {self._article_ids[n] for n in self._article_numbers(term).tolist()}
            if len(found) <= SMALL_SET:  # a common word's set (half a megabyte at 10,000 articles) is not kept
                self._article_sets.put(term, found)
        return found

    def _article_numbers(self, term: str) -> np.ndarray:
        """The numbers of the articles whose passages use a term, ascending (remembered)."""
        found = self._article_arrays.get(term)
        if found is None:
            # Postings are in passage order and an article's passages stand together, so the article numbers
            # come sorted: dropping repeats is one pass (np.unique sorted them again: 2 ms a common word at 10k).
            numbers = self._article_no[self.ranker.documents_array(term)]
            found = self._article_arrays.put(term, numbers[np.flatnonzero(np.diff(numbers, prepend=-1))])
        return found

    @classmethod
    def from_db(cls, db_path: Path | str, *, remember: int = REMEMBERED_ANSWERS, freeze: bool = False) -> Engine:
        """Load an engine from an index file (raises StoreError with the fix).

        `freeze`: for a serving process, keep the cyclic collector off what the load allocated for good
        (`gc.freeze` before the collector resumes). Otherwise the first collection after the load scans those
        millions of objects: 0.1-0.2 s holding the GIL at 10,000 articles, at a user's answer or, during a live
        reload, at everyone's."""
        # Opening allocates millions of long-lived objects, and the cyclic collector would scan them (and those of
        # the engine being replaced) several times over, each pass holding the GIL for tens of milliseconds while
        # a live reload runs beside answers (measured at 10k: stalls of 50-80 ms). Reference counting frees
        # what the load drops; the collector resumes afterwards.
        collecting = gc.isenabled()
        gc.disable()
        try:
            try:
                vectors = stored_vectors(Path(db_path))
            except StoreError:
                vectors = None  # open_index says what is wrong with the file
            missing = unavailable() if vectors is not None else ""
            if vectors is not None and not missing:
                # The encoder loads (0.3 s) on the other core while the index opens, not at the first question.
                # Not a daemon: a process that ends sooner waits for it (ending inside ONNX Runtime aborts).
                threading.Thread(target=encoder, name="encoder-load").start()
            corpus, layout = open_index(Path(db_path))
            if missing:
                logger.warning("%s: answering without sentence vectors: %s", db_path, missing)
                vectors = None
            return cls(corpus, remember=remember, layout=layout, vectors=vectors)
        finally:
            if freeze:
                gc.freeze()
            if collecting:
                gc.enable()

    @property
    def build_id(self) -> str:
        """Return the identity of the index this engine was loaded from."""
        return self.corpus.build_id

    def _has_phrase(self, phrase: list[str]) -> bool:
        """Tell whether some passage or speaker's name holds these folded words side by side ("green party")."""
        wanted = " ".join(phrase)
        if wanted in self._speaker_names:  # one line per name: a phrase of words never spans two
            return True
        stems = [stem(w) for w in phrase if w not in STOP_WORDS]
        if not stems or any(s not in self.ranker for s in stems):
            return False
        docs = self.ranker.documents_array(stems[0])
        for s in stems[1:]:
            docs = np.intersect1d(docs, self.ranker.documents_array(s), assume_unique=True)
        return any(wanted in " ".join(words(self.passages[d].text)) for d in docs.tolist()[:200])

    # -- answering -----------------------------------------------------------------------------

    @property
    def model(self) -> Model:
        """The fitted decision (read on first use: fitting builds engines before any model exists)."""
        if self._model is None:
            dense = self.vectors is not None
            self._model = Model.load(MODEL_FILE if dense else PLAIN_MODEL_FILE, features.names(dense))
        return self._model

    def warm(self) -> None:
        """Load the sentence encoder now (0.3 s of imports and loading), not on the first user's question; and
        NumPy's masked arrays, which it imports at its first `unique` (10 ms)."""
        np.unique(self._article_no[:1])
        if self.vectors is not None:
            encoder().encode(["warm up"])

    def remember_questions(self, texts: list[str]) -> None:
        """Encode questions to be asked soon in one go, on every core (fitting asks thousands)."""
        self._primed.update(zip(texts, encoder().encode(texts, BUILD_WORKERS), strict=True))

    def question_vector(self, text: str) -> np.ndarray:
        """A question's sentence vector (3 ms; recent ones kept: "more" asks the same question again)."""
        found = self._primed.get(text)
        if found is None:
            found = self._asked.get(text)
        if found is None:
            found = self._asked.put(text, encoder().encode([text])[0])
        return found

    def answer(self, question: str, *, about: str | None = None, exclude: frozenset[str] = frozenset()) -> Answer:
        """Answer one question; `about` names the speaker of a follow-up, `exclude` passages already shown."""
        key = (question, about, exclude)
        found = self._answers.get(key)
        if found is None:
            found = self._answers.put(key, self._answer(question, about, exclude))
        return found

    def analyse(self, question: str, about: str | None = None) -> Query:
        """The question analysed against this index; a follow-up's speaker (`about`) fills in who it is about."""
        q = self._queries.get(question)
        if q is None:
            q = self._queries.put(question, self.analyser.analyse(question))
        if about and q.speaker is None and not q.person_unknown:
            speaker = self.find_speaker(about)
            if speaker is not None:
                intent = Intent.SPEAKER if q.intent is Intent.SEARCH else q.intent
                q = replace(q, speaker=speaker, intent=intent)
        return q

    def candidate_rows(self, q: Query, exclude: frozenset[str] = frozenset()) -> tuple[list[Candidate], np.ndarray]:
        """A question's candidates and their feature rows (what the model decides on)."""
        found = candidates(self, q, exclude)
        return found, features.rows(self, q, found)

    def _answer(self, question: str, about: str | None, exclude: frozenset[str]) -> Answer:
        q = self.analyse(question, about)
        if q.intent is Intent.PUBLISHED:
            return present.published(self, q, exclude)
        if q.intent is Intent.QUOTED:
            return present.quoted(self, q, exclude)
        if q.intent is Intent.ABOUT:
            return present.about(self, q, exclude)
        found, rows = self.candidate_rows(q, exclude)
        return present.answer(self, q, found, rows, self.model.probabilities(rows), self.model, exclude)

    # -- what features and presentation read ------------------------------------------------------

    def own(self, speaker: Speaker) -> list[int]:
        """The numbers of the passages a speaker says, in article order."""
        voice = self._voice.get((speaker.article_id, speaker.name))
        n = self._article_number.get(speaker.article_id)
        if voice is None or n is None:
            return []
        start, end = int(self._first[n]), int(self._first[n + 1])
        found: list[int] = (np.flatnonzero(self._said_by[start:end] == voice) + start).tolist()
        return found

    def forward_looking(self, articles: set[str]) -> list[int]:
        """The passages that look ahead, in the given articles (all articles when none are given)."""
        ahead = np.flatnonzero(self._ahead)
        if articles:
            wanted = [self._article_number[a] for a in articles if a in self._article_number]
            ahead = ahead[np.isin(self._article_no[ahead], wanted)]
        found: list[int] = ahead.tolist()
        return found

    def leads(self) -> list[int]:
        """Each article's first passage."""
        return self._leads

    def datelines(self) -> list[Passage]:
        """Each dated article's date line, as the article writes it ("22.01.2026 01:59")."""
        out = []
        for a in self.articles.values():
            if a.date:
                day, _, clock = a.date.partition(" ")
                y, m, d = day.split("-")
                written = f"{d}.{m}.{y}" + (f" {clock}" if clock else "")
                out.append(Passage(a.id, 0, "dateline", f"Published {written}"))
        return out

    def quote_numbers(self) -> list[int]:
        """The numbers of the quote passages that have a speaker, in order (no passage is read)."""
        found: list[int] = self._quotes[self._said_by[self._quotes] >= 0].tolist()
        return found

    def list_item_numbers(self) -> list[int]:
        """The numbers of the list items that stand under a lead-in, in order (no passage is read)."""
        found: list[int] = self._listed.tolist()
        return found

    def quoted_names(self) -> set[str]:
        """The names of everyone with a quote passage (no passage is read)."""
        voices = np.unique(self._said_by[self._quotes]).tolist()
        return {self._voices[v][1] for v in voices if v >= 0}

    def speaker_of(self, i: int) -> str | None:
        """The name of passage i's speaker (no passage is read)."""
        voice = int(self._said_by[i])
        return self._voices[voice][1] if voice >= 0 else None

    def speakers_first_passages(self) -> list[Passage]:
        """Each speaker's first quote (or first reported passage), the most-quoted speakers first."""
        said = np.flatnonzero(self._said_by >= 0)
        by_voice: dict[int, list[int]] = {}
        for i, voice in zip(said.tolist(), self._said_by[said].tolist(), strict=True):
            by_voice.setdefault(voice, []).append(i)
        spoken = sorted(by_voice.values(), key=lambda numbers: (-len(numbers), numbers[0]))
        out = []
        for numbers in spoken:
            quotes = [i for i in numbers if self.passages[i].kind == "quote"]
            out.append(self.passages[(quotes or numbers)[0]])
        return out

    def coverage(self, q: Query, i: int) -> float:
        """Share of the question's content, weighted by how specific each word is, that passage i holds."""
        doc = self.distinct_terms(i)
        total = held = 0.0
        for term in q.content:
            weight = q.weights.get(term, 1.0)
            if term in q.calendar:
                weight *= 0.3  # "tomorrow" or "year" alone is not what a question is about
            total += weight
            if term in doc:
                held += weight * (0.6 if term in q.stand_ins else 1.0)
            elif any(t in doc for t in synonyms(term)):
                held += 0.6 * weight  # a stand-in word is weaker evidence than the word itself
        return held / total if total else 0.0

    def position_of(self, p: Passage) -> int:
        """Where a passage stands among all passages."""
        found = self._find(p.article_id, p.number)
        return len(self.passages) if found is None else found

    def _find(self, article_id: str, number: int) -> int | None:
        """The position of an article's passage ¶number, if it has one."""
        n = self._article_number.get(article_id)
        if n is None:
            return None
        start, end = int(self._first[n]), int(self._first[n + 1])
        at = start + number - 1  # passages are numbered from 1 in order; the check below keeps this honest
        if start <= at < end and self._numbers[at] == number:
            return at
        found = np.flatnonzero(self._numbers[start:end] == number)
        return int(found[0]) + start if len(found) else None

    def term_sequence(self, i: int) -> list[str]:
        """Passage i's index terms in order."""
        return self._passage_terms(i)[0]

    def distinct_terms(self, i: int) -> tuple[str, ...]:
        """Passage i's distinct index terms (a tuple: a tenth of the memory of a set, and as quick to search
        for the handful of words a question has)."""
        return self._passage_terms(i)[1]

    def _passage_terms(self, i: int) -> tuple[list[str], tuple[str, ...]]:
        found = self._read_terms.get(i)
        if found is None:
            vocab = self._vocab
            start, end = self._token_offsets[i : i + 2].tolist()
            seq = [vocab[t] for t in self._tokens[start:end].tolist()]
            found = (seq, tuple(dict.fromkeys(seq)))
            if len(self._read_terms) >= READ_TERMS:
                self._read_terms.clear()
            self._read_terms[i] = found
        return found

    def position(self, i: int) -> float:
        """Where passage i stands in its article: 0 first, 1 last."""
        return float(self._position[i])

    def looks_ahead(self, i: int) -> bool:
        """Tell whether passage i speaks of what comes next."""
        return bool(self._ahead[i])

    def causal(self, i: int) -> bool:
        """Tell whether passage i gives a reason ("because", "in order to")."""
        return bool(self._causes[i])

    def causal_lead_in(self, i: int) -> bool:
        """Tell whether list item i's lead-in gives a reason ("for several reasons:")."""
        return bool(CAUSAL.search(fold(self.passages[i].lead_in or "")))

    def duplicate(self, a: Passage, b: Passage) -> bool:
        """Tell whether two passages share most of their words."""
        at, bt = self._find(a.article_id, a.number), self._find(b.article_id, b.number)
        if at is None or bt is None:
            raise KeyError(a.id if at is None else b.id)
        sa, sb = set(self.distinct_terms(at)), set(self.distinct_terms(bt))
        return bool(sa and sb) and len(sa & sb) / min(len(sa), len(sb)) > 0.8

    def counts(self, q: Query, i: int) -> bool:
        """Tell whether passage i counts what "how many X" asks about (X spelt as the index spells it)."""
        if not q.counted:
            return False
        noun = self.analyser.term_for(q.counted) or stem(q.counted)
        # A passage that never uses the noun (or a word for it) cannot count it: skip reading its figures.
        doc = self.distinct_terms(i)
        kin = synonyms(noun)
        if noun not in doc and not any(t in kin or (len(t) >= 4 and noun.startswith(t)) for t in doc):
            return False
        return counts_the_noun(q, self.passages[i].text, noun)

    def silent_body(self, q: Query) -> str:
        """ "What did the government say?" when no passage has the government saying anything: its name."""
        if not q.said_slot or q.speaker is not None or q.intent is Intent.WHO_SAID:
            return ""
        slot = [w for w in q.said_slot if w not in STOP_WORDS]
        if not slot or slot[-1] in ("he", "she", "they", "it"):
            return ""  # pronouns are follow-ups
        if not all(stem(w) in self.ranker for w in slot):
            # "the Spanish government" in an article that never mentions Spain: a body it does not have.
            return "the " + " ".join(slot) if slot[-1] in _BODY_NOUNS else ""
        head = slot[-1]
        said = re.compile(rf"\b{re.escape(head)}s?\b[^.;:]{{0,60}}?\b(?:{_SPEECH})\b")
        docs = self.ranker.documents_array(stem(head))[: EVIDENCE_DEPTH * 10].tolist()
        if any(said.search(fold(self.passages[d].text)) for d in docs):
            return ""
        return "the " + " ".join(slot)

    def best_articles(self, q: Query) -> Ranges | None:
        """With several articles indexed, a filter keeping the passages of the articles that hold most of the
        question (None when every passage may answer).

        "Which regions would Ukraine give up?" belongs to the article about Ukraine, not to one that
        happens to mention a "Regional Court".
        """
        if len(self.articles) < 2:
            return None
        held = np.zeros(len(self._article_ids))
        for term in q.content:
            found = [t for t in {term} | (synonyms(term) & set(q.terms)) if t in self.ranker]
            if len(found) == 1:
                held[self._article_numbers(found[0])] += q.weights.get(term, 1.0)
            elif found:  # a word and its stand-ins count once per article
                holding = np.zeros(len(held), dtype=bool)
                for t in found:
                    holding[self._article_numbers(t)] = True
                held[holding] += q.weights.get(term, 1.0)
        best = held.max()
        if best <= 0.0:
            return None
        allowed = held >= 0.8 * best
        article_no = self._article_no
        chosen = np.flatnonzero(allowed)
        return Ranges(self._first[chosen], self._first[chosen + 1], lambda docs: allowed[article_no[docs]])

    def passages_at(self, indices: list[int]) -> list[Passage]:
        """The passages at these positions (an opened index reads those it has not kept in one query)."""
        if isinstance(self.passages, StoredPassages):
            return self.passages.many(indices)
        return [self.passages[i] for i in indices]

    def is_intro(self, i: int) -> bool:
        """Tell whether passage i introduces what follows it (a paragraph ending with a colon)."""
        p = self.passages[i]
        if p.kind != "paragraph" or not p.text.endswith(":"):
            return False
        # Something follows it in its article (read from the article numbers: no passage is read).
        return i + 1 < len(self._article_no) and self._article_no[i + 1] == self._article_no[i]

    def same_list(self, i: int) -> list[Passage]:
        """The items of the list that item i belongs to (a list's items stand together)."""
        p = self.passages[i]

        def same(j: int) -> bool:
            x = self.passages[j]
            return x.kind == "item" and x.article_id == p.article_id and x.list_number == p.list_number

        start, end = i, i
        while start > 0 and same(start - 1):
            start -= 1
        while end + 1 < len(self.passages) and same(end + 1):
            end += 1
        return self.passages_at(list(range(start, end + 1)))  # kept passages: no query

    def shown(self, intent: Intent, i: int) -> Passage:
        """The passage an answer led by candidate i shows first: what an intro leads into, a list's first item."""
        if self.is_intro(i):
            introduced = self.introduced(i)
            if introduced:
                return introduced[0]
        p = self.passages[i]
        if intent is Intent.LIST and p.kind == "item":
            return self.same_list(i)[0]
        return p

    def introduced(self, i: int) -> list[Passage]:
        """The list items or quote paragraphs an intro paragraph leads into."""
        out: list[Passage] = []
        first = self.passages[i + 1]
        for p in self.passages_at(list(range(i + 1, min(i + 41, len(self.passages))))):
            if p.article_id != first.article_id or p.kind != first.kind:
                break
            if p.kind == "paragraph" and not p.text.startswith("“"):
                break  # an unattributed statement still counts while its paragraphs open with a quote mark
            if p.kind == "item" and p.list_number != first.list_number:
                break
            out.append(p)
        return out

    # -- browsing ------------------------------------------------------------------------------

    def find_speaker(self, name: str) -> Speaker | None:
        """Resolve a forgiving speaker name (surname, misspelling, role) to a speaker."""
        if not name.strip():
            return None
        for sp in self.speakers:
            if fold(sp.name) == fold(name):
                return sp
        q = self.analyser.analyse(f"what did {name} say")
        return q.speaker

    def quotes(self, name: str | None = None) -> tuple[Speaker | None, list[Passage]]:
        """Return the quote passages, all or those of one speaker (None if the name resolves to no one)."""
        if name:
            sp = self.find_speaker(name)
            if sp is None:
                return None, []
            return sp, [self.passages[i] for i in self.own(sp) if self.passages[i].kind == "quote"]
        return None, [p for p in self.passages if p.kind == "quote"]

    def issues(self) -> list[Issue]:
        """Return the items of the lists the articles give, each with the passages that discuss it."""
        out: list[Issue] = []
        for i, p in enumerate(self.passages):
            if p.kind != "item":
                continue
            scores = self.ranker.scores({t: 1.0 for t in set(terms(p.text))})
            related = [
                self.passages[j]
                for j, s in sorted(scores.items(), key=lambda x: -x[1])
                if j != i and self.passages[j].kind != "item" and self.passages[j].article_id == p.article_id
            ][:2]
            out.append(Issue(number=len(out) + 1, item=p, related=tuple(related)))
        return out

    def passage(self, passage_id: str) -> Passage | None:
        """Return a passage by id."""
        article_id, _, number = passage_id.rpartition("#")
        i = self._find(article_id, int(number)) if number.isdigit() else None
        return self.passages[i] if i is not None else None


def _weakly(
    engine: Engine,
) -> tuple[Callable[[list[str]], bool], Callable[[str], set[str]], Callable[[Speaker, set[str]], int]]:
    """The analyser's callbacks into the engine, through a weak reference: no cycle keeps a replaced engine."""
    ref = weakref.ref(engine)

    def has_phrase(phrase: list[str]) -> bool:
        found = ref()
        return found is not None and found._has_phrase(phrase)

    def articles_with(term: str) -> set[str]:
        found = ref()
        return found._articles_with(term) if found is not None else set()

    def passages_with(speaker: Speaker, stems: set[str]) -> int:
        found = ref()
        return found._speaker_passages_with(speaker, stems) if found is not None else 0

    return has_phrase, articles_with, passages_with


_SPEECH = (
    "said|says|say|told|tells|stated|states|announced|announces|added|explained|warned|argued|claimed|wrote|"
    "insisted|confirmed|denied|replied|responded|commented|declared|promised|welcomed|criticised|criticized|"
    "offered|proposed|urged|demanded|asked|called|accused|rejected|refused|agreed"
)
_BODY_NOUNS = frozenset(
    "government ministry company union police council court agency authority commission regulator party army "
    "board committee club bank firm association federation university hospital city state administration".split()
)
