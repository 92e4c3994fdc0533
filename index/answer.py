"""Answering: choose and order the passages that answer a question, or abstain. No markup.

Data flows one way: Corpus (from the store) -> Engine (analyser + ranker) -> Answer.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from index import lexicon
from index.evidence import (
    ACRONYM_Q,
    CAUSAL,
    DEFINE,
    STANCE,
    Measure,
    counts_the_noun,
    defines,
    names_someone_new,
    same_tense,
)
from index.lexicon import CALENDAR_WORDS, synonyms
from index.models import Answer, Article, Hit, Passage, Speaker
from index.question import Analyser, Query
from index.rank import Ranker
from index.store import Corpus, load_corpus
from index.text import STOP_WORDS, fold, stem, terms, words

logger = logging.getLogger(__name__)

MAX_CITED = 3
CANDIDATES = 2000  # in a large archive, the answer step weighs only the best-scored passages
EVIDENCE_DEPTH = 30  # how many of the best-ranked passages the evidence checks read
BOOST_DEPTH = 300  # how many of the best-scored passages the text-reading boosts look at
SPEAKER_BOOST = 1.5
RELATIVE_CUTOFF = 0.45  # cite further passages only when they score at least this share of the best
MIN_COVERAGE = 0.3  # share of the question's weighted content the best passage must hold
WHY_BOOST = 1.3
DEFINITION_BOOST = 1.5
REMEMBERED_ANSWERS = 1024
TERM_CACHE = 4096  # terms whose articles are remembered (a long-running bot must not grow without bound)


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

    def __init__(self, corpus: Corpus, *, remember: int = REMEMBERED_ANSWERS) -> None:
        """`remember`: how many recent answers to keep (0: compute every answer afresh)."""
        self.corpus = corpus
        # An answer depends only on the index and the question, so recent ones are kept: a chat turn asks
        # the same thing more than once (the answer, then whether "more" has anything), and many users tap
        # the same example questions. Least recently used first out.
        self._answers: Recent[tuple[str, str | None, frozenset[str]], Answer] = Recent(remember)
        self._queries: Recent[str, Query] = Recent(remember)  # "more" asks the same question again
        self._using: Recent[frozenset[str], set[int]] = Recent(8)  # passages by the stems they use
        self.passages: list[Passage] = list(corpus.passages)
        self.articles: dict[str, Article] = {a.id: a for a in corpus.articles}
        self.speakers: list[Speaker] = list(corpus.speakers)
        self._index = {p.id: i for i, p in enumerate(self.passages)}
        self._roles = {(sp.article_id, sp.name): sp.roles for sp in self.speakers}
        self._article_sets: Recent[str, set[str]] = Recent(TERM_CACHE)  # which articles use a term
        self._causes = _matching(CAUSAL, [p.text for p in self.passages])  # passages that give a reason
        self._article_arrays: Recent[str, np.ndarray] = Recent(TERM_CACHE)
        self._speaker_names = "\n".join(" ".join(words(sp.name)) for sp in self.speakers)
        self._article_ids = list(self.articles)
        self._article_number = {a: n for n, a in enumerate(self._article_ids)}
        self._article_no = np.array([self._article_number[p.article_id] for p in self.passages], dtype=np.int32)
        np.unique(self._article_no[:1])  # NumPy imports its masked arrays on first use: not on a user's time
        lexicon.load()
        # Tokenise each passage once: its index terms, and the surface words typo correction looks up.
        surface: dict[str, str] = {}
        docs: list[list[str]] = []
        for p in self.passages:
            text_words = words(p.text)
            docs.append(self._doc_terms(p, text_words))
            for w in text_words:
                if w not in surface:
                    surface[w] = stem(w)
        extra = [*(sp.name for sp in self.speakers), *(r for sp in self.speakers for r in sp.roles)]
        extra += [a.title for a in self.articles.values()]
        extra += list({p.lead_in for p in self.passages if p.lead_in})
        for w in words(" ".join(extra)):
            if w not in surface:
                surface[w] = stem(w)
        # Each passage's distinct terms, as a tuple: a tenth of the memory of a set, and as quick to search
        # for the handful of words a question has.
        self._distinct_terms = [tuple(dict.fromkeys(d)) for d in docs]
        self.ranker = Ranker(docs)
        vocabulary = {t: self.ranker.df(t) for t in self.ranker.idf}
        self.analyser = Analyser(
            vocabulary, surface, self.speakers, self._has_phrase, self._articles_with, self._speaker_passages_with
        )
        # Each speaker's passages (numbers), by article and name: one person per article.
        self._spoken: dict[tuple[str, str], list[int]] = {}
        for i, p in enumerate(self.passages):
            if p.speaker:
                self._spoken.setdefault((p.article_id, p.speaker), []).append(i)

    def _own(self, speaker: Speaker) -> list[int]:
        """The numbers of the passages a speaker says, in article order."""
        return self._spoken.get((speaker.article_id, speaker.name), [])

    def _speaker_passages_with(self, speaker: Speaker, stems: set[str]) -> int:
        """How many of a speaker's passages use any of the stems."""
        key = frozenset(stems)
        using = self._using.get(key)
        if using is None:  # asked for many speakers in a row: read the postings once
            found = [self.ranker.documents_array(s) for s in key]
            using = self._using.put(key, set(np.concatenate(found).tolist()) if found else set())
        return sum(1 for i in self._own(speaker) if i in using)

    def _articles_with(self, term: str) -> set[str]:
        """The ids of the articles whose passages use a term (remembered: the index does not change)."""
        found = self._article_sets.get(term)
        if found is None:
            found = self._article_sets.put(term, {self._article_ids[n] for n in self._article_numbers(term).tolist()})
        return found

    def _article_numbers(self, term: str) -> np.ndarray:
        """The numbers of the articles whose passages use a term, ascending (remembered)."""
        found = self._article_arrays.get(term)
        if found is None:
            found = self._article_arrays.put(term, np.unique(self._article_no[self.ranker.documents_array(term)]))
        return found

    @classmethod
    def from_db(cls, db_path: Path | str, *, remember: int = REMEMBERED_ANSWERS) -> Engine:
        """Load an engine from an index file (raises StoreError with the fix)."""
        return cls(load_corpus(Path(db_path)), remember=remember)

    @property
    def build_id(self) -> str:
        """Return the identity of the index this engine was loaded from."""
        return self.corpus.build_id

    def _doc_terms(self, p: Passage, text_words: list[str] | None = None) -> list[str]:
        """A passage's index terms: its text plus its speaker's name."""
        ws = words(p.text) if text_words is None else text_words
        doc = [stem(w) for w in ws if w not in STOP_WORDS]
        if p.speaker:
            doc += terms(p.speaker)
        return doc

    def _doc_set(self, i: int) -> set[str]:
        """The set of a passage's distinct index terms."""
        return set(self._distinct_terms[i])

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

    def answer(self, question: str, *, about: str | None = None, exclude: frozenset[str] = frozenset()) -> Answer:
        """Answer one question; `about` names the speaker of a follow-up, `exclude` passages already shown."""
        key = (question, about, exclude)
        found = self._answers.get(key)
        if found is None:
            found = self._answers.put(key, self._answer(question, about, exclude))
        return found

    def _answer(self, question: str, about: str | None, exclude: frozenset[str]) -> Answer:
        analysed = self._queries.get(question)
        if analysed is None:
            analysed = self._queries.put(question, self.analyser.analyse(question))
        q = copy.copy(analysed)  # answering may set its speaker and intent; the kept analysis stays as it was
        if about and q.speaker is None and not q.person_unknown:
            q.speaker = self.find_speaker(about)
            if q.speaker and q.intent == "search":
                q.intent = "speaker"
        if q.person_unknown:
            return self._abstain(q, f"the article does not mention {q.person_slot.strip()}", [])
        if q.absent_names:
            return self._abstain(q, f"the article does not mention {', '.join(q.absent_names)}", [])
        silent = self._silent_body(q)
        if silent:
            return self._abstain(q, f"the article does not report {silent} saying anything", [])
        if not q.terms and q.intent != "speaker":
            return self._abstain(q, "none of the question's words occur in the article", [])
        if q.intent == "speaker" and q.speaker is not None:
            return self._speaker_answer(q, exclude)
        scores = self.ranker.grouped_scores(q.groups, limit=CANDIDATES, keep=self._best_articles(q))
        # The boosts below read passage text: in a large archive, only the best-scored passages can gain.
        readable = scores if len(scores) <= BOOST_DEPTH else [i for i, _ in _best_first(scores, BOOST_DEPTH)]
        self._definition_boost(q, scores, readable)
        acronym = ACRONYM_Q.search(q.text)
        if acronym:
            # "what does CPA stand for": the passage that spells it out, "Long Name (CPA)".
            spelled = re.compile(rf"\([\s]*{re.escape(acronym.group(1) or acronym.group(2))}[\s]*\)", re.IGNORECASE)
            for i in readable:
                if spelled.search(self.passages[i].text):
                    scores[i] *= 10
        # A side named by a speaker's role ("the opposition", "the union") matters when the question asks
        # why, or what that side wants or thinks; not when it merely mentions it.
        stance = q.answer_type == "why" or bool(STANCE.search(fold(q.text)))
        favoured = q.speaker or (q.affiliated if q.intent == "search" and stance else None)
        if favoured is not None:
            # The question names someone (or their side) without asking what they said: prefer their passages.
            for i in scores:
                if self.passages[i].speaker == favoured.name:
                    scores[i] *= SPEAKER_BOOST
        if q.answer_type == "why":
            for i in readable:
                p = self.passages[i]
                if self._causal(i):
                    scores[i] *= WHY_BOOST
                elif (p.kind == "item" and not CAUSAL.search(fold(p.lead_in or ""))) or self._is_intro(i):
                    scores[i] /= WHY_BOOST  # a listed demand, or a list's lead-in, states what, not why
        if q.intent == "who_said":
            attributed = {i: s for i, s in scores.items() if self.passages[i].speaker}
            if attributed:
                scores = attributed
        if q.intent == "list":
            # "What are the demands?": only list items and the paragraphs that introduce lists compete.
            listed = {i: s for i, s in scores.items() if self.passages[i].kind == "item" or self._is_intro(i)}
            if listed:
                scores = listed
        # Only the best few hundred passages can be cited: rank those (ties: earlier passage first).
        ranked = [
            (i, s) for i, s in _best_first(scores, BOOST_DEPTH) if not exclude or self.passages[i].id not in exclude
        ]
        if not ranked:
            return self._abstain(q, "nothing in the article matches the question", [])
        if q.intent == "list" or (
            self._is_intro(ranked[0][0])
            and (q.answer_type == "" or (q.answer_type == "why" and self._causal(ranked[0][0])))
        ):
            whole_list = self._list_answer(q, ranked, exclude)
            if whole_list:
                return whole_list
        return self._check(q, ranked)

    def _causal(self, i: int) -> bool:
        """Tell whether passage i gives a reason ("because", "in order to")."""
        return bool(self._causes[i])

    def _silent_body(self, q: Query) -> str:
        """ "What did the government say?" when no passage has the government saying anything: its name."""
        m = _SAID_SLOT.search(fold(q.text))
        if not m or q.speaker is not None or q.intent == "who_said":
            return ""
        slot = [w for w in words(m.group("who")) if w not in STOP_WORDS]
        if not slot or slot[-1] in ("he", "she", "they", "it"):
            return ""  # pronouns are follow-ups
        if not all(stem(w) in self.ranker for w in slot):
            # "the Spanish government" in an article that never mentions Spain: a body it does not have.
            return "the " + " ".join(slot) if slot[-1] in _BODY_NOUNS else ""
        head = slot[-1]
        said = re.compile(rf"\b{re.escape(head)}s?\b[^.;:]{{0,60}}?\b(?:{_SPEECH})\b")
        docs = self.ranker.documents_array(stem(head)).tolist()[: EVIDENCE_DEPTH * 10]
        if any(said.search(fold(self.passages[d].text)) for d in docs):
            return ""
        return "the " + " ".join(slot)

    def _best_articles(self, q: Query) -> Callable[[np.ndarray], np.ndarray] | None:
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
            if found:
                numbers = [self._article_numbers(t) for t in found]
                held[numbers[0] if len(numbers) == 1 else np.unique(np.concatenate(numbers))] += q.weights.get(
                    term, 1.0
                )
        best = held.max()
        if best <= 0.0:
            return None
        allowed = held >= 0.8 * best
        article_no = self._article_no
        return lambda docs: allowed[article_no[docs]]

    def _check(self, q: Query, ranked: list[tuple[int, float]]) -> Answer:
        """Apply the evidence checks, then cite the best passages."""
        closest = [self._hit(i, s) for i, s in ranked[:MAX_CITED]]
        if q.focus_missing:
            return self._abstain(q, f"the article does not name the {' '.join(q.focus_missing)}", closest)
        candidates = ranked
        if q.answer_type in ("count", "when"):
            # The evidence checks read text: look at the best-ranked passages only, and stop once enough
            # passages give the figure for exactly what was asked.
            candidates, counted = [], []
            measure = Measure(q)
            for i, s in ranked[:EVIDENCE_DEPTH]:
                if not measure.given_by(self.passages[i].text, self._distinct_terms[i]):
                    continue
                candidates.append((i, s))
                if self._counts(q, i) or same_tense(q, self.passages[i].text):
                    counted.append((i, s))
                    if len(counted) >= MAX_CITED:
                        break
            if _HOW_MANY.search(fold(q.text)):
                candidates = counted  # "how many X": only a number that counts X answers it
            else:
                candidates = counted + [c for c in candidates if c not in counted]
        elif q.answer_type == "who" and q.intent != "who_said":
            candidates = [(i, s) for i, s in ranked[:EVIDENCE_DEPTH] if names_someone_new(q, self.passages[i])]
        if not candidates:
            return self._abstain(q, f"the article gives no {_WHAT[q.answer_type]} for this", closest)
        best, best_score = candidates[0]
        # A figure or time found in a sentence about the question is evidence enough; otherwise the
        # best passage must hold enough of what the question is about.
        if q.answer_type not in ("count", "when") and self._coverage(q, best) < MIN_COVERAGE:
            return self._abstain(q, "the article does not answer this", closest)
        cited = self._pick(candidates, best_score)
        lead = self._lead(q, cited)
        return Answer(question=q.text, answered=True, hits=tuple(cited), intent=q.intent, speaker=q.speaker, lead=lead)

    def _counts(self, q: Query, i: int) -> bool:
        """Tell whether passage i counts what "how many X" asks about (X spelt as the index spells it)."""
        m = re.search(r"\bhow\s+many\s+(\w+)", fold(q.text))
        if not m:
            return False
        noun = self.analyser.term_for(m.group(1)) or stem(m.group(1))
        # A passage that never uses the noun (or a word for it) cannot count it: skip reading its figures.
        doc = self._distinct_terms[i]
        kin = synonyms(noun)
        if noun not in doc and not any(t in kin or (len(t) >= 4 and noun.startswith(t)) for t in doc):
            return False
        return counts_the_noun(q, self.passages[i].text, noun)

    def _coverage(self, q: Query, i: int) -> float:
        """Share of the question's content, weighted by how specific each word is, that passage i holds."""
        doc = self._distinct_terms[i]
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
        return held / total if total else 1.0

    def _pick(self, ranked: list[tuple[int, float]], top: float) -> list[Hit]:
        out: list[Hit] = []
        for i, s in ranked:
            if s < RELATIVE_CUTOFF * top or len(out) >= MAX_CITED:
                break
            if any(self._duplicate(i, self._index[h.passage.id]) for h in out):
                continue
            out.append(self._hit(i, s))
        return out

    def _duplicate(self, a: int, b: int) -> bool:
        sa, sb = self._doc_set(a), self._doc_set(b)
        return bool(sa and sb) and len(sa & sb) / min(len(sa), len(sb)) > 0.8

    def _definition_boost(self, q: Query, scores: dict[int, float], readable: Iterable[int]) -> None:
        """ "How does X define peace?": prefer passages that say what it is ("Peace is ...")."""
        if not DEFINE.search(fold(q.text)):
            return
        asked = [w for w in q.words if stem(w) in q.terms]
        for i in list(readable):
            if defines(self.passages[i].text, asked):
                scores[i] *= DEFINITION_BOOST

    def _speaker_answer(self, q: Query, exclude: frozenset[str]) -> Answer:
        speaker = q.speaker
        assert speaker is not None
        own = [self.passages[i] for i in self._own(speaker) if not self._is_intro(i)]
        if not own:
            return self._abstain(q, f"the article reports nothing {speaker.name} said", [])
        topic = {t: w for t, w in q.terms.items() if t not in q.speaker_words}
        scores = self.ranker.grouped_scores(q.groups) if topic else {}
        self._definition_boost(q, scores, list(scores))
        order = {p.id: n for n, p in enumerate(own)}

        def key(p: Passage) -> tuple[float, int, int]:
            return (-scores.get(self._index[p.id], 0.0), 0 if p.kind == "quote" else 1, order[p.id])

        ranked = [p for p in sorted(own, key=key) if p.id not in exclude]
        if not ranked:
            return self._abstain(q, f"that is all the article reports {speaker.name} said", [])
        if not topic and any(w not in CALENDAR_WORDS for w in q.missing):
            # "What did X say about bitcoin": X is quoted, but never on that.
            closest = [self._hit(self._index[p.id], 0.0) for p in ranked[:MAX_CITED]]
            return self._abstain(q, f"the article does not report {speaker.name} on {' '.join(q.missing)}", closest)
        hits = [self._hit(self._index[p.id], scores.get(self._index[p.id], 0.0)) for p in ranked]
        cited, more = hits[:MAX_CITED], hits[MAX_CITED:]
        return Answer(
            question=q.text, answered=True, hits=tuple(cited), intent="speaker", speaker=speaker,
            lead=f"What {speaker.name} said", more=tuple(more),
        )  # fmt: skip

    def _is_intro(self, i: int) -> bool:
        p = self.passages[i]
        nxt = self.passages[i + 1] if i + 1 < len(self.passages) else None
        return p.kind == "paragraph" and p.text.endswith(":") and nxt is not None and nxt.article_id == p.article_id

    def _list_answer(self, q: Query, ranked: list[tuple[int, float]], exclude: frozenset[str]) -> Answer | None:
        """Answer with a whole list (or an introduced quote) when the question asks for one."""
        top = ranked[0][0]
        p = self.passages[top]
        if self._is_intro(top):
            following = self._introduced(top)
        elif p.kind == "item" and q.intent == "list":
            following = self._same_list(top)
        else:
            return None
        following = [f for f in following if f.id not in exclude]
        if not following:
            return None
        if self._coverage(q, top) < MIN_COVERAGE and not any(
            self._coverage(q, self._index[f.id]) >= MIN_COVERAGE for f in following
        ):
            return None
        hits = [self._hit(self._index[f.id], ranked[0][1]) for f in following]
        lead = p.text if self._is_intro(top) else (p.lead_in or "")
        return Answer(
            question=q.text, answered=True, hits=tuple(hits[:6]), intent="list", lead=lead, more=tuple(hits[6:])
        )

    def _same_list(self, i: int) -> list[Passage]:
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
        return self.passages[start : end + 1]

    def _introduced(self, i: int) -> list[Passage]:
        """The list items or quote paragraphs an intro paragraph leads into."""
        out: list[Passage] = []
        first = self.passages[i + 1]
        for p in self.passages[i + 1 : i + 1 + 40]:
            if p.article_id != first.article_id or p.kind != first.kind:
                break
            if p.kind == "paragraph" and not p.text.startswith("“"):
                break  # an unattributed statement still counts while its paragraphs open with a quote mark
            if p.kind == "item" and p.list_number != first.list_number:
                break
            out.append(p)
        return out

    def _lead(self, q: Query, cited: list[Hit]) -> str:
        first = cited[0].passage
        if q.intent == "who_said" and first.speaker:
            return f"{first.speaker} said it"
        if first.speaker and first.kind == "quote":
            return f"{first.speaker} in the article"
        return "What the article says"

    def _abstain(self, q: Query, reason: str, closest: list[Hit]) -> Answer:
        return Answer(
            question=q.text, answered=False, hits=tuple(closest), intent="abstain", speaker=q.speaker,
            lead="The article does not answer this", reason=reason,
        )  # fmt: skip

    def _hit(self, i: int, score: float) -> Hit:
        return Hit(self.passages[i], round(score, 4))

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
            return sp, [self.passages[i] for i in self._own(sp) if self.passages[i].kind == "quote"]
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
        i = self._index.get(passage_id)
        return self.passages[i] if i is not None else None


_SPEECH = (
    "said|says|say|told|tells|stated|states|announced|announces|added|explained|warned|argued|claimed|wrote|"
    "insisted|confirmed|denied|replied|responded|commented|declared|promised|welcomed|criticised|criticized|"
    "offered|proposed|urged|demanded|asked|called|accused|rejected|refused|agreed"
)
_BODY_NOUNS = frozenset(
    "government ministry company union police council court agency authority commission regulator party army "
    "board committee club bank firm association federation university hospital city state administration".split()
)
_SAID_SLOT = re.compile(
    r"\bwhat\s+(?:did|does|has|have)\s+(?P<who>(?:the|a|an)\s+[\w\s'-]{2,60}?)\s+"
    r"(?:say|said|tell|told|claim|announce|state|write|reply|respond|add|explain|warn)\b"
)
_HOW_MANY = re.compile(r"\bhow\s+many\b")
_WHAT = {"count": "figure", "when": "time", "who": "name", "why": "reason", "": "answer"}


def _best_first(scores: dict[int, float], n: int) -> list[tuple[int, float]]:
    """The n best (passage, score) pairs, best first; ties: the earlier passage first."""
    docs = np.fromiter(scores.keys(), dtype=np.int64, count=len(scores))
    values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
    if len(docs) > n:  # keep the n best and every passage tied with the n-th, then order those
        kth = np.partition(values, len(values) - n)[len(values) - n]
        keep = values >= kth
        docs, values = docs[keep], values[keep]
    order = np.lexsort((docs, -values))[:n]
    return list(zip(docs[order].tolist(), values[order].tolist(), strict=True))


def _matching(pattern: re.Pattern[str], texts: list[str]) -> np.ndarray:
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
