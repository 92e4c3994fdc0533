"""Retrieval beside bm25s: the same passages, the same question tokens, top 10, one question at a time.

    python -m bench.retrieval SIZE [--questions N]

Tokens are the engine's own (index.text.terms: Snowball stems without stop words), passages are indexed as
the engine indexes them (text plus speaker). Both use Lucene's IDF with k1=1.2, b=0.3. bm25s runs with its
defaults otherwise (NumPy backend, float32 scores).
"""

from __future__ import annotations

import argparse
import time

import bm25s

from bench.common import emit, index_db, percentile, questions_for
from index.rank import K1, B, Ranker
from index.store import load_corpus
from index.text import terms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("size")
    parser.add_argument("--questions", type=int, default=500)
    args = parser.parse_args()
    corpus = load_corpus(index_db(args.size))
    docs = [terms(p.text) + (terms(p.speaker) if p.speaker else []) for p in corpus.passages]
    started = time.perf_counter()
    ranker = Ranker(docs)
    ours_index = time.perf_counter() - started
    peer = bm25s.BM25(k1=K1, b=B, method="lucene")
    started = time.perf_counter()
    peer.index(docs, show_progress=False)
    peer_index = time.perf_counter() - started
    queries = [list(dict.fromkeys(terms(q))) for q in questions_for(args.size, args.questions)]
    queries = [q for q in queries if q]
    for q in queries[:20]:  # warm both
        ranker.top(dict.fromkeys(q, 1.0), 10)
        peer.retrieve([q], k=10, show_progress=False)
    ours: list[float] = []
    theirs: list[float] = []
    same_top = 0
    for q in queries:
        t0 = time.perf_counter()
        mine = ranker.top(dict.fromkeys(q, 1.0), 10)
        t1 = time.perf_counter()
        docs_, _ = peer.retrieve([q], k=min(10, len(docs)), show_progress=False)
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        theirs.append(t2 - t1)
        if not mine or int(docs_[0][0]) == mine[0][0]:
            same_top += 1
    emit(
        {
            "size": args.size,
            "passages": len(docs),
            "questions": len(queries),
            "ours_mean_ms": 1000 * sum(ours) / len(ours),
            "ours_p99_ms": 1000 * percentile(ours, 99),
            "bm25s_mean_ms": 1000 * sum(theirs) / len(theirs),
            "bm25s_p99_ms": 1000 * percentile(theirs, 99),
            "ratio": sum(ours) / sum(theirs),
            "same_top1": same_top / len(queries),
            "ours_index_s": ours_index,
            "bm25s_index_s": peer_index,
        }
    )


if __name__ == "__main__":
    main()
