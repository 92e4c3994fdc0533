"""The decision: fitted trees turn a question's candidate rows into probabilities, pick the best candidate, and
answer only when it is likely enough to hold the answer.

The model (`index/model.json` for an index with sentence vectors, `index/model-plain.json` for one without; both
written by `make fit`) is a small gradient-boosted ensemble of shallow regression trees (LightGBM's, exported
through its public `dump_model` description): p = sigmoid(prior + the leaf values the row reaches in every tree)
is the probability that a candidate's passage answers. The best
candidate is the most probable; the bot answers when that probability reaches the model's threshold. A refusal
names the feature that counts most against answering, read from a logistic model fitted beside the trees on the
same rows (its weights are the readable summary `make fit` prints).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.features import DENSE_NAMES

MODEL_FILE = Path(__file__).with_name("model.json")  # for an index with sentence vectors (index/dense.py)
PLAIN_MODEL_FILE = Path(__file__).with_name("model-plain.json")  # for one built with --no-vectors

# What each feature means when it counts against answering: the reason a refusal gives.
REASONS = {
    "unknown_person": "the article does not mention that person",
    "absent_names": "the article does not mention {names}",
    "silent_body": "the article does not report them saying anything",
    "focus_missing": "the article does not name the {focus}",
    "missing": "the article does not mention {missing}",
    "mostly_missing": "the article does not mention {missing}",
    "coverage": "no passage holds enough of what the question asks",
    "figure": "no passage gives a figure or time for this",
    "counts_noun": "no passage gives that count",
    "names_new": "no passage names who or what is asked for",
    "why_causal": "no passage gives a reason for this",
}


class ModelError(RuntimeError):
    """The model file is missing or does not fit this version's features."""


@dataclass(frozen=True)
class Trees:
    """A boosted ensemble, every tree's nodes in flat arrays (children as indexes into the same arrays)."""

    feature: np.ndarray  # per node: the feature it splits on (leaves: 0)
    threshold: np.ndarray  # per node: rows with feature <= threshold go left
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray  # per node: True for leaves
    value: np.ndarray  # per node: what a leaf adds to the log-odds
    roots: np.ndarray  # each tree's first node
    depth: int
    prior: float  # the log-odds every row starts from

    def log_odds(self, rows: np.ndarray) -> np.ndarray:
        """Each row's log-odds: all trees walked level by level at once, in NumPy."""
        node = np.repeat(self.roots[None, :], len(rows), axis=0)
        at = np.arange(len(rows))[:, None]
        for _ in range(self.depth):
            left = rows[at, self.feature[node]] <= self.threshold[node]
            node = np.where(self.leaf[node], node, np.where(left, self.left[node], self.right[node]))
        odds: np.ndarray = self.prior + self.value[node].sum(axis=1)
        return odds

    def to_json(self) -> dict[str, Any]:
        """The ensemble as the data file stores it."""
        return {
            "prior": round(self.prior, 8),
            "depth": self.depth,
            "roots": self.roots.tolist(),
            "feature": self.feature.tolist(),
            "threshold": [float(v) for v in self.threshold],  # exact: LightGBM splits 0 from -0 at ±1e-35
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": [round(float(v), 8) for v in self.value],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trees:
        """Read an ensemble written by to_json."""
        left = np.asarray(data["left"], dtype=np.int64)
        return cls(
            feature=np.asarray(data["feature"], dtype=np.int64),
            threshold=np.asarray(data["threshold"], dtype=np.float64),
            left=left,
            right=np.asarray(data["right"], dtype=np.int64),
            leaf=left < 0,
            value=np.asarray(data["value"], dtype=np.float64),
            roots=np.asarray(data["roots"], dtype=np.int64),
            depth=int(data["depth"]),
            prior=float(data["prior"]),
        )


@dataclass(frozen=True)
class Explainer:
    """A logistic model on the same features: its per-feature contributions say why a row scores low."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray

    def against(self, row: np.ndarray) -> int:
        """The feature that pulls this row down most, against an average row."""
        return int(np.argmin((row - self.mean) / self.scale * self.weights))


@dataclass(frozen=True)
class Model:
    """The fitted decision: the trees, the answering threshold, and the explainer for refusals."""

    names: tuple[str, ...]
    trees: Trees
    explainer: Explainer
    threshold: float

    @classmethod
    def load(cls, path: Path = MODEL_FILE, features: tuple[str, ...] = DENSE_NAMES) -> Model:
        """Read a fitted model; its features must be these (this version's), in order."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            names = tuple(data["features"])
            if names != features:
                raise ModelError(f"{path}: fitted for other features than this version computes; run `make fit`")
            explain = data["explain"]
            return cls(
                names=names,
                trees=Trees.from_json(data["trees"]),
                explainer=Explainer(
                    np.asarray(explain["mean"], dtype=np.float64),
                    np.asarray(explain["scale"], dtype=np.float64),
                    np.asarray(explain["weights"], dtype=np.float64),
                ),
                threshold=float(data["threshold"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{path}: cannot read the answer model ({exc}); run `make fit`") from exc

    def to_json(self) -> dict[str, Any]:
        """The model as the data file stores it."""
        e = self.explainer
        return {
            "features": list(self.names),
            "threshold": round(self.threshold, 4),
            "explain": {
                "mean": [round(float(v), 6) for v in e.mean],
                "scale": [round(float(v), 6) for v in e.scale],
                "weights": [round(float(v), 6) for v in e.weights],
            },
            "trees": self.trees.to_json(),
        }

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """Each row's probability of holding the answer."""
        if not len(rows):
            return np.zeros(0)
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-self.trees.log_odds(rows)))
        return probabilities

    def against(self, row: np.ndarray) -> str:
        """The name of the feature that counts most against this row."""
        return self.names[self.explainer.against(row)]
