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

Measured with the whole engine on the dev questions (per-article indexes, 160 questions; engine of
commit 3e5dec0, before later question-analysis work lifted both): Okapi IDF
scored 0.875 at best and Lucene IDF 0.869 — one question apart, so the choice rests on the
behaviour above, not on the score. Over k1 in {0.9, 1.2, 1.5, 2.0} x b in {0.3, 0.5, 0.75}, k1
barely mattered and b=0.3 beat 0.75 by 0.025 (passages are short and of similar length, so
length normalisation mostly adds noise): hence k1=1.2, b=0.3.

Performance: the postings are flat NumPy arrays (document, term frequency, and ``tf + norm`` per
document), sliced per term. A question whose terms have few postings
is scored in plain Python; one with many (a common word in a large archive) in NumPy. Both paths do the
same float operations in the same order as the plain loop always did (``w * idf * tf * (k1 + 1) / (tf +
norm)``, left to right), so scores are bit-identical, ties included, and both return documents in the
order they are first met (query order, then document order), as a dict built in a loop would.
rank-bm25's per-document frequency dicts are dropped once the postings exist (they are most of the
memory) and rebuilt from the postings only if ``full_scores`` is called.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

K1 = 1.2
B = 0.3
SMALL = 384  # postings per query up to which plain Python beats NumPy's per-call overhead
_BLOCK = 1 << 20  # postings sorted at a time when grouping them by term (about 40 MB of temporaries)


class _LuceneBM25(BM25Okapi):  # type: ignore[misc]
    """rank-bm25's Okapi statistics with a non-negative, monotonic IDF."""

    def _calc_idf(self, nd: dict[str, int]) -> None:
        self.idf = {term: math.log(1.0 + (self.corpus_size - freq + 0.5) / (freq + 0.5)) for term, freq in nd.items()}


PLACEHOLDER = "\x00"  # the one term of an empty document: rank-bm25 would divide by zero on avgdl without it


@dataclass(frozen=True)
class Postings:
    """rank-bm25's statistics as flat arrays: what a build writes and a start reads back without re-analysing.

    `terms` maps ids to terms (ids with no postings are ignored); the postings of term t are
    `docs[offsets[t]:offsets[t + 1]]` (documents ascending) with their term frequencies `tf`; `idf` is the
    IDF of each term (computed with rank-bm25's formula on its document frequency, in Python floats) and
    `norm` is each document's ``k1 * (1 - b + b * len / avgdl)``.
    """

    terms: list[str]
    offsets: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray  # int32
    tf: np.ndarray  # uint16 or uint32
    idf: np.ndarray  # float64, len(terms)
    norm: np.ndarray  # float64, one per document

    @classmethod
    def of(
        cls,
        terms: list[str],
        post_terms: np.ndarray,
        post_tf: np.ndarray,
        post_counts: np.ndarray,
        lengths: np.ndarray,
        *,
        k1: float = K1,
        b: float = B,
    ) -> Postings:
        """Group each document's (term, tf) pairs, given in document order, by term.

        `post_counts` says how many pairs each document has, `lengths` how many terms it has (as rank-bm25
        counts them: repeats included, 1 for the placeholder of an empty document).
        """
        size = len(post_counts)
        by_term = np.asarray(post_terms, dtype=np.int32)
        df = np.bincount(by_term, minlength=len(terms)) if len(by_term) else np.zeros(len(terms), dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        tf_type = np.uint16 if not len(post_tf) or int(post_tf.max()) <= np.iinfo(np.uint16).max else np.uint32
        docs = np.empty(len(by_term), dtype=np.int32)
        tf = np.empty(len(by_term), dtype=tf_type)
        # A stable counting sort by term, a block of postings at a time (bounded memory on 60 million postings):
        # each block's postings go after those of earlier blocks, so documents stay ascending within a term.
        ends = np.cumsum(post_counts)
        free = offsets[:-1].copy()
        for start in range(0, len(by_term), _BLOCK):
            block = by_term[start : start + _BLOCK]
            order = np.argsort(block, kind="stable")
            sorted_terms = block[order]
            within = np.arange(len(block)) - np.searchsorted(sorted_terms, sorted_terms, side="left")
            at = free[sorted_terms] + within
            docs[at] = np.searchsorted(ends, start + order, side="right")
            tf[at] = post_tf[start + order]
            free += np.bincount(block, minlength=len(terms))
        return cls._statistics(terms, offsets, docs, tf, df, lengths, size, k1=k1, b=b)

    @classmethod
    def grouped(
        cls,
        terms: list[str],
        by_term: np.ndarray,
        docs: np.ndarray,
        tf: np.ndarray,
        lengths: np.ndarray,
        size: int,
        *,
        k1: float = K1,
        b: float = B,
    ) -> Postings:
        """Postings already grouped by term (documents ascending within a term), with each one's term."""
        df = np.bincount(by_term, minlength=len(terms)) if len(by_term) else np.zeros(len(terms), dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        tf_type = np.uint16 if not len(tf) or int(tf.max()) <= np.iinfo(np.uint16).max else np.uint32
        return cls._statistics(terms, offsets, docs.astype(np.int32), tf.astype(tf_type), df, lengths, size, k1=k1, b=b)

    @classmethod
    def _statistics(
        cls,
        terms: list[str],
        offsets: np.ndarray,
        docs: np.ndarray,
        tf: np.ndarray,
        df: np.ndarray,
        lengths: np.ndarray,
        size: int,
        *,
        k1: float,
        b: float,
    ) -> Postings:
        idf = np.zeros(len(terms), dtype=np.float64)
        if size:
            # The very expressions of rank-bm25 (avgdl) and of _LuceneBM25._calc_idf, in Python numbers.
            avgdl = int(np.asarray(lengths, dtype=np.int64).sum()) / size
            for t, freq in zip(np.flatnonzero(df).tolist(), df[df > 0].tolist(), strict=True):
                idf[t] = math.log(1.0 + (size - freq + 0.5) / (freq + 0.5))
            norm = k1 * (1 - b + b * np.asarray(lengths, dtype=np.int64) / avgdl)
        else:
            norm = np.zeros(0, dtype=np.float64)
        return cls(terms, offsets, docs, tf, idf, norm.astype(np.float64))


@dataclass(frozen=True)
class Ranges:
    """A `keep` filter that knows the documents it keeps are those in ``[starts[i], ends[i])`` (sorted, disjoint):
    the ranker then reads only those parts of long postings (binary search) instead of testing every posting.
    Called with documents, it returns their mask like any other `keep`."""

    starts: np.ndarray
    ends: np.ndarray
    mask: Callable[[np.ndarray], np.ndarray]

    def __call__(self, docs: np.ndarray) -> np.ndarray:
        return self.mask(docs)

    def within(self, docs: np.ndarray) -> np.ndarray | None:
        """The positions in `docs` (ascending) of those kept, ascending; None when testing each is cheaper."""
        if len(self.starts) * 8 >= len(docs):
            return None
        lo = np.searchsorted(docs, self.starts)
        hi = np.searchsorted(docs, self.ends)
        runs = hi - lo
        total = int(runs.sum())
        positions: np.ndarray = np.arange(total) + np.repeat(lo - (np.cumsum(runs) - runs), runs)
        return positions


class Ranker:
    """Scores documents (token lists) against weighted query terms."""

    def __init__(self, documents: list[list[str]], *, k1: float = K1, b: float = B) -> None:
        terms: dict[str, int] = {}
        post_terms: list[int] = []
        post_tf: list[int] = []
        counts: list[int] = []
        lengths: list[int] = []
        for doc in documents:
            freqs = Counter(doc or [PLACEHOLDER])
            post_terms += [terms.setdefault(t, len(terms)) for t in freqs]
            post_tf += freqs.values()
            counts.append(len(freqs))
            lengths.append(len(doc) or 1)
        postings = Postings.of(
            list(terms),
            np.asarray(post_terms, dtype=np.int32),
            np.asarray(post_tf, dtype=np.int64),
            np.asarray(counts, dtype=np.int64),
            np.asarray(lengths, dtype=np.int64),
            k1=k1,
            b=b,
        )
        self._open(postings, k1=k1, b=b)

    @classmethod
    def from_postings(cls, postings: Postings, *, k1: float = K1, b: float = B) -> Ranker:
        """A ranker over stored postings (no document is read again)."""
        ranker = cls.__new__(cls)
        ranker._open(postings, k1=k1, b=b)
        return ranker

    def _open(self, postings: Postings, *, k1: float, b: float) -> None:
        self.size = len(postings.norm)
        self.k1, self.b = k1, b
        self._bm25: _LuceneBM25 | None = None
        self._postings_data = postings
        # Only terms with postings are known: an incremental build may leave ids whose articles are gone.
        # Built in C (dict over zip: a third of a comprehension's time, 0.1 s at 10,000 articles), then the unused
        # dropped; term ids are distinct strings (analysis.TermTable), so each id is its term's.
        self._ids: dict[str, int] = dict(zip(postings.terms, range(len(postings.terms)), strict=True))
        for i in np.flatnonzero(np.diff(postings.offsets) == 0).tolist():
            if self._ids.get(postings.terms[i]) == i:
                del self._ids[postings.terms[i]]
        # Arrays, read two items at a time: as lists they were 13 MB of Python numbers at 10,000 articles.
        self._offsets = postings.offsets
        self._idf = postings.idf
        self._docs = postings.docs
        self._tf = postings.tf
        self._norm = postings.norm
        self._idf_map: dict[str, float] | None = None

    @property
    def idf(self) -> dict[str, float]:
        """Each known term's IDF."""
        if self._idf_map is None:
            idf = self._idf.tolist()
            self._idf_map = {t: idf[i] for t, i in self._ids.items()}
        return self._idf_map

    def vocabulary(self) -> Mapping[str, int]:
        """Each known term's document frequency (a view of the postings: nothing is copied)."""
        return _Frequencies(self._ids, self._offsets)

    def _span_of(self, term: str) -> tuple[int, int] | None:
        i = self._ids.get(term)
        if i is None:
            return None
        start, end = self._offsets[i : i + 2].tolist()
        return start, end

    def _slice(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Documents, tf and tf + norm of the postings in a span (the same floats the old flat arrays held)."""
        docs = self._docs[start:end]
        tf = self._tf[start:end].astype(np.float64)
        return docs, tf, tf + self._norm[docs]

    def __contains__(self, term: str) -> bool:
        return term in self._ids

    def df(self, term: str) -> int:
        """Return how many documents contain the term."""
        start, end = self._span_of(term) or (0, 0)
        return end - start

    def documents_array(self, term: str) -> np.ndarray:
        """Return the documents that contain a term, as a NumPy array (no copy)."""
        start, end = self._span_of(term) or (0, 0)
        return self._docs[start:end]

    def max_idf(self) -> float:
        """Return the IDF a term found in no document would have."""
        return math.log(1.0 + (self.size + 0.5) / 0.5) if self.size else 1.0

    def _postings(self, start: int, end: int) -> zip[tuple[int, float, float]]:
        """(document, tf, tf + norm) of the postings in a span, as Python numbers."""
        docs, tf, denom = self._slice(start, end)
        return zip(docs.tolist(), tf.tolist(), denom.tolist(), strict=True)

    def _spans(self, query: dict[str, float]) -> tuple[list[tuple[int, int, float]], int]:
        """The postings span and weighted IDF of each known query term, in query order; total postings."""
        spans: list[tuple[int, int, float]] = []
        total = 0
        for term, weight in query.items():
            i = self._ids.get(term)
            if i is not None:
                start, end = self._offsets[i : i + 2].tolist()
                spans.append((start, end, weight * self._idf[i].item()))
                total += end - start
        return spans, total

    def scores(self, query: dict[str, float]) -> dict[int, float]:
        """Return BM25 scores of the documents that contain at least one query term.

        Equal to rank-bm25's ``get_scores`` (with this IDF) on those documents; the others score 0.
        Cost grows with the postings of the query terms, not with the corpus.
        """
        spans, total = self._spans(query)
        k1p1 = self.k1 + 1
        if total <= SMALL:
            out: dict[int, float] = defaultdict(float)
            for start, end, w in spans:
                for doc, tf, denom in self._postings(start, end):
                    out[doc] += w * tf * k1p1 / denom
            return dict(out)
        order, acc = self._accumulate(spans)
        return _as_dict(order, acc[order])

    def _accumulate(self, spans: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray]:
        """NumPy scoring: the documents in first-met order, and a score array over every document."""
        k1p1 = self.k1 + 1
        acc = np.zeros(self.size)
        seen = np.zeros(self.size, dtype=bool)
        parts = [np.zeros(0, dtype=np.int32)]
        for start, end, w in spans:
            docs, tf, denom = self._slice(start, end)
            acc[docs] += w * tf * k1p1 / denom
            new = docs[~seen[docs]]
            seen[new] = True
            parts.append(new)
        return np.concatenate(parts), acc

    def grouped_scores(
        self,
        groups: list[dict[str, float]],
        *,
        limit: int | None = None,
        keep: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> dict[int, float]:
        """Score documents per concept: each group (a word and its stand-ins) counts once, at its best term.

        A passage that says "war", "conflict" and "hostilities" is not three times about fighting.
        `keep` maps an array of document numbers to a boolean mask of those that may be returned; it is
        applied before `limit`, which keeps only the best `limit` documents (ties with the last included).
        """
        per_group = [self._spans(group) for group in groups]
        k1p1 = self.k1 + 1
        if sum(total for _, total in per_group) <= SMALL:
            out: dict[int, float] = defaultdict(float)
            for spans, _ in per_group:
                best: dict[int, float] = {}
                for start, end, w in spans:
                    for doc, tf, denom in self._postings(start, end):
                        score = w * tf * k1p1 / denom
                        if score > best.get(doc, 0.0):
                            best[doc] = score
                for doc, score in best.items():
                    out[doc] += score
            if keep is not None and out:
                mask = keep(np.fromiter(out, dtype=np.int64, count=len(out))).tolist()
                return {doc: score for (doc, score), kept in zip(out.items(), mask, strict=True) if kept}
            return dict(out)
        return self._grouped_numpy(per_group, keep, limit)

    def _grouped_numpy(
        self,
        per_group: list[tuple[list[tuple[int, int, float]], int]],
        keep: Callable[[np.ndarray], np.ndarray] | None,
        limit: int | None,
    ) -> dict[int, float]:
        """`grouped_scores` in NumPy, over the kept documents only: each term's postings are filtered before any
        score is computed, and only the scored documents' entries of the score arrays are touched (at 2.5 million
        passages, adding a whole array per group cost more than scoring the kept postings).

        The same floats as the plain loop: each posting's score is the same expression, a group's score the
        largest of its terms', and a document's total adds its groups' scores in group order."""
        k1p1 = self.k1 + 1
        acc = np.zeros(self.size)
        seen = np.zeros(self.size, dtype=bool)
        parts: list[np.ndarray] = []
        for spans, _ in per_group:
            scored: list[tuple[np.ndarray, np.ndarray]] = []
            for start, end, w in spans:
                if not w > 0.0:  # (IDF is positive and tf at least 1: a term scores above 0 exactly when w does)
                    continue
                docs, tfs = self._docs[start:end], self._tf[start:end]
                if keep is not None:
                    positions = keep.within(docs) if isinstance(keep, Ranges) else None
                    kept = keep(docs) if positions is None else positions
                    docs, tfs = docs[kept], tfs[kept]
                tfs = tfs.astype(np.float64)
                term_scores = w * tfs * k1p1 / (tfs + self._norm[docs])
                new = docs[~seen[docs]]
                seen[new] = True
                parts.append(new)
                scored.append((docs, term_scores))
            if len(scored) == 1:  # one term: its documents are distinct
                docs, term_scores = scored[0]
                acc[docs] += term_scores
            elif scored:  # the best term of the group for each document, then added once
                top = np.zeros(self.size)
                mark = np.zeros(self.size, dtype=bool)
                once = []  # each document of the group once (in no particular order: each is added alone)
                for docs, term_scores in scored:
                    top[docs] = np.maximum(top[docs], term_scores)
                    once.append(docs[~mark[docs]])
                    mark[docs] = True
                touched = np.concatenate(once)
                acc[touched] += top[touched]
        order = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        return _as_dict(*_best(order, acc[order], limit))

    def top(self, query: dict[str, float], k: int = 10) -> list[tuple[int, float]]:
        """Return the k best (document, score) pairs, best first (ties: lower document first)."""
        spans, total = self._spans(query)
        if total <= SMALL:
            return sorted(self.scores(query).items(), key=lambda x: (-x[1], x[0]))[:k]
        docs, acc = self._accumulate(spans)
        scores = acc[docs]
        if len(docs) > k:  # keep the k best, and every document tied with the k-th
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = scores >= kth
            docs, scores = docs[keep], scores[keep]
        best = np.lexsort((docs, -scores))[:k]
        return list(zip(docs[best].tolist(), scores[best].tolist(), strict=True))

    def full_scores(self, terms: list[str]) -> list[float]:
        """Score every document with rank-bm25 itself, on documents rebuilt from the postings (tests, benchmarks)."""
        if self.size == 0:
            return []
        if self._bm25 is None:
            documents: list[list[str]] = [[] for _ in range(self.size)]
            for term, i in self._ids.items():
                for doc, tf, _ in self._postings(*self._offsets[i : i + 2].tolist()):
                    documents[doc] += [term] * int(tf)
            self._bm25 = _LuceneBM25(documents, k1=self.k1, b=self.b)
        return [float(s) for s in self._bm25.get_scores(terms)]


def _best(order: np.ndarray, values: np.ndarray, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Keep the `limit` best documents (and every one tied with the last), in their order: the answer step
    reads these."""
    if limit is not None and len(order) > limit:
        kth = np.partition(values, len(values) - limit)[len(values) - limit]
        kept = values >= kth
        return order[kept], values[kept]
    return order, values


def _as_dict(order: np.ndarray, values: np.ndarray) -> dict[int, float]:
    """The documents in `order` with their scores, as a dict in that order."""
    return dict(zip(order.tolist(), values.tolist(), strict=True))


class _Frequencies(Mapping[str, int]):
    """Term -> document frequency, read off the postings' offsets."""

    def __init__(self, ids: dict[str, int], offsets: np.ndarray) -> None:
        self._ids = ids
        self._offsets = offsets

    def __getitem__(self, term: str) -> int:
        start, end = self._offsets[self._ids[term] : self._ids[term] + 2].tolist()
        return end - start  # type: ignore[no-any-return]

    def __contains__(self, term: object) -> bool:
        return term in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)
