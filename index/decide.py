"""The decision: fitted weights turn a question's candidate rows into probabilities, pick the best candidate,
and answer only when it is likely enough to hold the answer.

One logistic model (`index/model.json`, written by `make fit`): p = sigmoid(w · (x - mean) / scale + bias) is the
probability that a candidate's passage answers the question. The best candidate is the most probable; the bot
answers when that probability reaches the model's threshold, and otherwise says the article does not answer,
naming the feature that counted most against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.features import NAMES

MODEL_FILE = Path(__file__).with_name("model.json")

# What each feature means when it counts against answering: the reason a refusal gives.
REASONS = {
    "unknown_person": "the article does not mention that person",
    "absent_names": "the article does not mention {names}",
    "silent_body": "the article does not report them saying anything",
    "focus_missing": "the article does not name the {focus}",
    "missing": "the article does not mention {missing}",
    "no_terms": "none of the question's words occur in the article",
    "coverage": "no passage holds enough of what the question asks",
    "figure": "no passage gives a figure or time for this",
    "counts_noun": "no passage gives that count",
    "names_new": "no passage names who or what is asked for",
    "why_causal": "no passage gives a reason for this",
}
GENERIC_REASON = "the article does not answer this"


class ModelError(RuntimeError):
    """The model file is missing or does not fit this version's features."""


@dataclass(frozen=True)
class Model:
    """Logistic weights over the features, with their standardisation and the answering threshold."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Model:
        """Read the fitted model; its features must be this version's, in order."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"{path}: cannot read the answer model ({exc}); run `make fit`") from exc
        names = tuple(data["features"])
        if names != NAMES:
            raise ModelError(f"{path}: fitted for other features than this version computes; run `make fit`")
        return cls(
            names=names,
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            weights=np.asarray(data["weights"], dtype=np.float64),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
        )

    def to_json(self) -> dict[str, object]:
        """The model as the data file stores it."""
        return {
            "features": list(self.names),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 4),
        }

    def logits(self, rows: np.ndarray) -> np.ndarray:
        """Each row's log-odds of holding the answer."""
        if not len(rows):
            return np.zeros(0)
        logits: np.ndarray = ((rows - self.mean) / self.scale) @ self.weights + self.bias
        return logits

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """Each row's probability of holding the answer."""
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-self.logits(rows)))
        return probabilities

    def against(self, row: np.ndarray) -> str:
        """The name of the feature that pulls this row's probability down most, against an average row."""
        contributions = (row - self.mean) / self.scale * self.weights
        return self.names[int(np.argmin(contributions))]
