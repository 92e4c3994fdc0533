"""Fit the answer model on the labelled sets and report how it does on articles it never saw.

    python -m index.fit [--folds 10] [--dry-run]        (what `make fit` runs)

Every labelled news question (eval/news/*) is analysed, its candidates retrieved and turned into feature rows; a
candidate is labelled 1 when the passage it would put first holds a gold phrase. Leave-set-out: the sets (each
written by one author) are split into folds, and each fold's questions are answered by a model fitted on the
other folds only, so on articles and a writing style it never saw; the
answering threshold applied to a fold is the one that does best on the other folds' held-out predictions. The
model is then fitted on every news question and written to index/model.json, and once more without the sentence
vector columns to index/model-plain.json (fixed seed: the same data gives the
same file). The SQuAD sample (eval/squad) is never fitted on: the report scores the final model on it, beside
plain BM25's first passage. Needs LightGBM and scikit-learn (`pip install -e ".[fit]"`); the bot does not.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from index.answer import Engine
from index.dataset import Labelled, LabelledSet, by_article, news_sets, squad_set
from index.decide import MODEL_FILE, PLAIN_MODEL_FILE, Explainer, Model, Trees
from index.dense import BUILD_WORKERS, LiveVectors
from index.features import DENSE_NAMES, names
from index.parse import read_article
from index.question import Intent
from index.store import Corpus

SEED = 7
BORROWED = 6  # off-topic questions of other sets asked of each article, for fitting
TREES, DEPTH, RATE, SUBSAMPLE = 120, 4, 0.1, 0.7  # the boosted ensemble (chosen by held-out accuracy)
WORKERS = 2  # processes fitting folds at once (this machine has two cores)
C = 1.0  # inverse regularisation strength of the logistic model
DIRECT = (Intent.ABOUT, Intent.PUBLISHED, Intent.QUOTED)  # answered by shape, not by the model


@dataclass
class Asked:
    """One labelled question with its candidates' rows and labels (or its fixed outcome)."""

    question: Labelled
    group: str  # the set and article the question is about
    rows: np.ndarray
    labels: np.ndarray  # per candidate: does the passage it puts first hold a gold phrase
    plain_right: bool  # BM25's first passage holds a gold phrase
    direct: bool | None = None  # answered by shape: right or not (None: decided by the model)
    borrowed: bool = False  # another set's off-topic question asked of this article: fitted on, never scored
    held_out: float = field(default=0.0)  # probability of the best candidate, from a model that never saw it
    held_out_right: bool = False  # the best candidate (by that model) holds a gold phrase


def borrowed_offtopic(sets: list[LabelledSet], labelled_set: LabelledSet, count: int, seed: int) -> list[Labelled]:
    """Off-topic questions written for other sets ("best pizza in town"), asked of this set's article as well:
    off-topic for any news article, they show the model more questions that share a word or two by chance."""
    pool = [q for s in sets if s.name != labelled_set.name for q in s.questions if q.kind == "offtopic"]
    rng = np.random.default_rng(seed)
    picked: list[int] = rng.choice(len(pool), size=min(count, len(pool)), replace=False).tolist() if pool else []
    return [replace(pool[n], set=labelled_set.name, kind="borrowed") for n in picked]


def collect(sets: list[LabelledSet], *, borrow: int = 0) -> list[Asked]:
    """Analyse every question of the sets against its own article's index (and `borrow` off-topic questions of
    other sets per article, for fitting only)."""
    out: list[Asked] = []
    for n, (labelled_set, article, questions) in enumerate(by_article(sets)):
        parsed = read_article(labelled_set.article_path(article))
        vectors = LiveVectors(BUILD_WORKERS)
        vectors.of(parsed.passages)  # every passage in one go, on every core
        engine = Engine(Corpus.of([parsed]), remember=0, vectors=vectors)
        group = f"{labelled_set.name}/{article}"
        extra = borrowed_offtopic(sets, labelled_set, borrow, SEED + n) if borrow else []
        engine.remember_questions([lq.q for lq in [*questions, *extra]])
        for lq in [*questions, *extra]:
            q = engine.analyse(lq.q)
            if q.intent in DIRECT:
                right = lq.right(engine.answer(lq.q))
                out.append(Asked(lq, group, np.zeros((0, len(DENSE_NAMES))), np.zeros(0), False, direct=right))
                continue
            found, rows = engine.candidate_rows(q)
            labels = np.array([lq.holds(engine.shown(q.intent, x.index).text) for x in found], dtype=np.float64)
            plain = [x for x in found if x.rank == 0 and x.bm25 > 0]
            plain_right = bool(plain) and lq.holds(engine.passages[plain[0].index].text)
            out.append(Asked(lq, group, rows, labels, plain_right, borrowed=lq.kind == "borrowed"))
    return out


def fit_model(asked: list[Asked], threshold: float = 0.5, *, dense: bool = True) -> Model:
    """Fit the boosted trees (and the logistic explainer) on these questions' candidate rows (without the
    sentence-vector columns unless `dense`)."""
    from sklearn.linear_model import LogisticRegression

    columns = names(dense)
    rows = np.vstack([a.rows[:, : len(columns)] for a in asked if len(a.rows)])
    labels = np.concatenate([a.labels for a in asked if len(a.rows)])
    trees = export_trees(boosted_trees(rows, labels))
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    linear = LogisticRegression(C=C, max_iter=5000, random_state=SEED).fit((rows - mean) / scale, labels)
    explainer = Explainer(mean, scale, linear.coef_[0].copy())
    return Model(columns, trees, explainer, threshold)


def boosted_trees(rows: np.ndarray, labels: np.ndarray, trees: int = TREES) -> Any:
    """LightGBM's boosted trees on these rows (deterministic: one thread, fixed seeds)."""
    import lightgbm

    return lightgbm.LGBMClassifier(
        n_estimators=trees,
        max_depth=DEPTH,
        num_leaves=2**DEPTH,
        learning_rate=RATE,
        subsample=SUBSAMPLE,
        subsample_freq=1,
        random_state=SEED,
        deterministic=True,
        force_row_wise=True,
        n_jobs=1,
        verbose=-1,
    ).fit(rows, labels)


def export_trees(boosted: Any) -> Trees:
    """Flatten a fitted LightGBM model's trees (its public `dump_model` description) into one set of node
    arrays: the first tree's leaves hold the starting log-odds, so the prior is 0."""
    features: list[int] = []
    thresholds: list[float] = []
    lefts: list[int] = []
    rights: list[int] = []
    values: list[float] = []
    roots: list[int] = []
    depth = 0

    def add(node: dict[str, Any], level: int) -> int:
        nonlocal depth
        at = len(features)
        features.append(0)
        thresholds.append(0.0)
        lefts.append(-1)
        rights.append(-1)
        values.append(0.0)
        if "leaf_value" in node:
            values[at] = float(node["leaf_value"])
            depth = max(depth, level)
            return at
        if node["decision_type"] != "<=":
            raise ValueError(f"unexpected split {node['decision_type']!r}")
        features[at] = int(node["split_feature"])
        thresholds[at] = float(node["threshold"])
        lefts[at] = add(node["left_child"], level + 1)
        rights[at] = add(node["right_child"], level + 1)
        return at

    for tree in boosted.booster_.dump_model()["tree_info"]:
        roots.append(add(tree["tree_structure"], 0))
    left = np.asarray(lefts, dtype=np.int64)
    return Trees(
        feature=np.asarray(features, dtype=np.int64),
        threshold=np.asarray(thresholds, dtype=np.float64),
        left=left,
        right=np.asarray(rights, dtype=np.int64),
        leaf=left < 0,
        value=np.asarray(values, dtype=np.float64),
        roots=np.asarray(roots, dtype=np.int64),
        depth=depth,
        prior=0.0,
    )


def predict(model: Model, asked: list[Asked]) -> None:
    """Set each question's best-candidate probability and whether that candidate is right."""
    for a in asked:
        if a.direct is not None or not len(a.rows):
            a.held_out, a.held_out_right = 0.0, False
            continue
        probs = model.probabilities(a.rows[:, : len(model.names)])
        best = int(np.argmax(probs))  # ties: the first, which is BM25's better candidate
        a.held_out, a.held_out_right = float(probs[best]), bool(a.labels[best])


def right_at(a: Asked, threshold: float) -> bool:
    """Whether the question is answered right when the model answers from this threshold up."""
    if a.direct is not None:
        return a.direct
    answered = a.held_out >= threshold
    return (answered and a.held_out_right) if a.question.answerable else not answered


def best_threshold(asked: list[Asked]) -> float:
    """The threshold that answers the most of these questions right."""
    grid = np.linspace(0.02, 0.9, 89)
    scores = [sum(right_at(a, t) for a in asked) for t in grid]
    return float(grid[int(np.argmax(scores))])


def folds(asked: list[Asked], k: int) -> list[list[int]]:
    """Split the questions into k folds by set (seeded): every set's questions in one fold.

    A set's articles were written by one author, in one style; folding by set keeps a fold's style out of the
    model that answers it (stricter than folding by article, which the figures used to do: 0.720 then).
    """
    groups = sorted({a.question.set for a in asked})
    rng = np.random.default_rng(SEED)
    rng.shuffle(groups)
    fold_of = {g: n % k for n, g in enumerate(groups)}
    out: list[list[int]] = [[] for _ in range(k)]
    for n, a in enumerate(asked):
        out[fold_of[a.question.set]].append(n)
    return [part for part in out if part]


_SHARED: list[Asked] = []  # a fold worker's copy of every question, sent once when the worker starts


def _share(asked: list[Asked]) -> None:
    _SHARED[:] = asked


def _fold(part: list[int], dense: bool) -> list[tuple[float, bool]]:
    """Fit on every question outside one fold; return the fold's held-out (probability, right) pairs."""
    inside = set(part)
    model = fit_model([a for m, a in enumerate(_SHARED) if m not in inside], dense=dense)
    held = [_SHARED[m] for m in part]
    predict(model, held)
    return [(a.held_out, a.held_out_right) for a in held]


def leave_article_out(asked: list[Asked], k: int, tuned: set[str], *, dense: bool = True) -> dict[int, float]:
    """Answer each fold with a model fitted on the others; return each question's threshold.

    The threshold for a fold is the best on the other folds' held-out predictions of the `tuned` sets.
    """
    parts = folds(asked, k)
    # Folds are independent: fitted in worker processes (the same seeds give the same models in any order).
    with ProcessPoolExecutor(max_workers=min(WORKERS, len(parts)), initializer=_share, initargs=(asked,)) as pool:
        for n, (part, held) in enumerate(zip(parts, pool.map(_fold, parts, [dense] * len(parts)), strict=True)):
            for m, (probability, right) in zip(part, held, strict=True):
                asked[m].held_out, asked[m].held_out_right = probability, right
            print(f"  fold {n + 1}/{k}: {len(part)} questions", file=sys.stderr, flush=True)
    thresholds: dict[int, float] = {}
    for part in parts:
        inside = set(part)
        others = [a for m, a in enumerate(asked) if m not in inside and a.question.set in tuned and not a.borrowed]
        t = best_threshold(others)
        for m in part:
            thresholds[m] = t
    return thresholds


def report(asked: list[Asked], thresholds: dict[int, float]) -> tuple[list[str], dict[str, object]]:
    """Held-out figures by set and by kind, beside plain BM25's first passage."""
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for n, a in enumerate(asked):
        if a.borrowed:
            continue
        right = right_at(a, thresholds[n])
        q = a.question
        family = "squad" if q.set == "squad" else "news"
        for key in (f"set {q.set}", f"kind {q.kind}" if family == "news" else "", f"ALL {family}"):
            if not key:
                continue
            c = tally[key]
            c["n"] += 1
            c["right"] += right
            if q.answerable:
                c["answerable"] += 1
                c["top1"] += right
                c["plain"] += a.plain_right
            else:
                c["refusable"] += 1
                c["refused"] += right
    lines = [
        "| questions | n | accuracy | answerable top-1 | plain rank-bm25 top-1 | abstain ok |",
        "|---|---|---|---|---|---|",
    ]
    summary: dict[str, object] = {}
    for key in sorted(tally, key=lambda k: (not k.startswith("ALL"), k)):
        c = tally[key]

        def share(a: str, b: str, c: Counter[str] = c) -> str:
            return f"{c[a] / c[b]:.3f}" if c[b] else "—"

        lines.append(
            f"| {key} | {c['n']} | {share('right', 'n')} | {share('top1', 'answerable')} | "
            f"{share('plain', 'answerable')} | {share('refused', 'refusable')} |"
        )
        summary[key] = {k: c[k] for k in c}
    return lines, summary


def main(argv: list[str] | None = None) -> int:
    """Fit, report the held-out figures, write the model."""
    parser = argparse.ArgumentParser(prog="python -m index.fit", description=__doc__)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--dry-run", action="store_true", help="report only; leave index/model.json as it is")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sets = news_sets()
    asked = collect(sets, borrow=BORROWED)
    news = {s.name for s in sets}
    rows = sum(len(a.rows) for a in asked)
    print(f"{len(asked)} questions, {len({a.group for a in asked})} articles, {rows} candidate rows", file=sys.stderr)
    squad = collect([squad_set()])
    print(f"News: leave-set-out, {args.folds} folds of whole sets (so of articles too), each fold's threshold chosen")
    print("without its labels.")
    print("SQuAD: the final model, never fitted on it. Plain BM25: this index's ranking, first passage, no refusals.")
    for dense, path in ((True, MODEL_FILE), (False, PLAIN_MODEL_FILE)):
        thresholds = leave_article_out(asked, args.folds, news, dense=dense)
        threshold = best_threshold([a for a in asked if not a.borrowed])
        model = fit_model(asked, threshold, dense=dense)
        predict(model, squad)
        lines, _ = report(asked + squad, thresholds | {len(asked) + n: threshold for n in range(len(squad))})
        weights = sorted(zip(model.names, model.explainer.weights, strict=True), key=lambda x: -abs(x[1]))
        kind = "with sentence vectors (index/model.json)" if dense else "without (index/model-plain.json)"
        print(f"\n## The model {kind}\n")
        print("\n".join(lines))
        print(f"\n{TREES} trees of depth {DEPTH}, threshold {threshold:.2f}. The logistic explainer's weights per")
        print("standard deviation (what a refusal's reason reads; a summary of the evidence, not the decision):")
        print(", ".join(f"{name} {w:+.2f}" for name, w in weights))
        if not args.dry_run:
            path.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
            print(f"wrote {path.relative_to(path.parent.parent)} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
