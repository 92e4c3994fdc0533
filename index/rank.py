"""BM25 ranking with rank-bm25's statistics, scoring only the passages that share a term.

This is the only module that imports rank-bm25. It receives tokens, never raw text.

Why not plain ``BM25Okapi``: its IDF is ``log((N - n + 0.5) / (n + 0.5))``. On one article
(~20-30 passages) a term found in half the passages scores exactly 0, and a term in more
than half goes negative and is floored to ``epsilon * average_idf``, so a common topical word
("peace" in a peace-talks article) can outrank or vanish beside a rare one erratically
(rank_bm25 issues #39, #43). We keep rank-bm25's term statistics (``doc_freqs``, ``doc_len``,
``avgdl``) and replace the IDF with Lucene's ``log(1 + (N - n + 0.5) / (n + 0.5))``, which is
positive and monotonic in document frequency, so evidence weights and abstention stay sane on one
short article and on a merged archive alike.

Measured with the whole engine on the dev questions (per-article indexes, 160 questions): Okapi IDF
scored 0.875 at best and Lucene IDF 0.869 — one question apart, so the choice rests on the
behaviour above, not on the score. Over k1 in {0.9, 1.2, 1.5, 2.0} x b in {0.3, 0.5, 0.75}, k1
barely mattered and b=0.3 beat 0.75 by 0.025 (passages are short and of similar length, so
length normalisation mostly adds noise): hence k1=1.2, b=0.3.
"""

from __future__ import annotations

import math
from collections import defaultdict

from rank_bm25 import BM25Okapi

K1 = 1.2
B = 0.3


class _LuceneBM25(BM25Okapi):  # type: ignore[misc]
    """rank-bm25's Okapi statistics with a non-negative, monotonic IDF."""

    def _calc_idf(self, nd: dict[str, int]) -> None:
        self.idf = {term: math.log(1.0 + (self.corpus_size - freq + 0.5) / (freq + 0.5)) for term, freq in nd.items()}


class Ranker:
    """Scores documents (token lists) against weighted query terms."""

    def __init__(self, documents: list[list[str]], *, k1: float = K1, b: float = B) -> None:
        self.size = len(documents)
        self.k1, self.b = k1, b
        if self.size == 0:
            self._bm25 = None
            self.idf: dict[str, float] = {}
            self._postings: dict[str, list[tuple[int, int]]] = {}
            self._norm: list[float] = []
            return
        # Empty documents would make rank-bm25 divide by zero on avgdl; give them a placeholder.
        bm25 = _LuceneBM25([doc or ["\x00"] for doc in documents], k1=k1, b=b)
        self._bm25 = bm25
        self.idf = dict(bm25.idf)
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, freqs in enumerate(bm25.doc_freqs):
            for term, tf in freqs.items():
                postings[term].append((i, tf))
        self._postings = dict(postings)
        self._norm = [k1 * (1 - b + b * dl / bm25.avgdl) for dl in bm25.doc_len]

    def __contains__(self, term: str) -> bool:
        return term in self._postings

    def df(self, term: str) -> int:
        """Return how many documents contain the term."""
        return len(self._postings.get(term, ()))

    def documents_with(self, term: str) -> list[int]:
        """Return the documents that contain a term."""
        return [doc for doc, _ in self._postings.get(term, ())]

    def max_idf(self) -> float:
        """Return the IDF a term found in no document would have."""
        return math.log(1.0 + (self.size + 0.5) / 0.5) if self.size else 1.0

    def scores(self, query: dict[str, float]) -> dict[int, float]:
        """Return BM25 scores of the documents that contain at least one query term.

        Equal to rank-bm25's ``get_scores`` (with this IDF) on those documents; the others score 0.
        Cost grows with the postings of the query terms, not with the corpus.
        """
        out: dict[int, float] = defaultdict(float)
        for term, weight in query.items():
            idf = self.idf.get(term)
            if idf is None:
                continue
            for doc, tf in self._postings[term]:
                out[doc] += weight * idf * tf * (self.k1 + 1) / (tf + self._norm[doc])
        return dict(out)

    def grouped_scores(self, groups: list[dict[str, float]]) -> dict[int, float]:
        """Score documents per concept: each group (a word and its stand-ins) counts once, at its best term.

        A passage that says "war", "conflict" and "hostilities" is not three times about fighting.
        """
        out: dict[int, float] = defaultdict(float)
        for group in groups:
            best: dict[int, float] = {}
            for term, weight in group.items():
                for doc, score in self.scores({term: weight}).items():
                    if score > best.get(doc, 0.0):
                        best[doc] = score
            for doc, score in best.items():
                out[doc] += score
        return dict(out)

    def full_scores(self, terms: list[str]) -> list[float]:
        """Score every document with rank-bm25 itself (for tests and benchmarks)."""
        if self._bm25 is None:
            return []
        return [float(s) for s in self._bm25.get_scores(terms)]
