"""Fitting (`make fit`): deterministic, exported faithfully, judged on questions the model never saw."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index import fit
from index.dataset import news_sets
from index.decide import MODEL_FILE, Model
from index.features import NAMES


@pytest.fixture(scope="module")
def asked() -> list[fit.Asked]:
    """Two small labelled sets, analysed as `make fit` analyses them."""
    sets = [s for s in news_sets() if s.name in ("holdout1", "holdout2")]
    return fit.collect(sets, borrow=2)


def test_the_same_data_gives_the_same_model(asked: list[fit.Asked]) -> None:
    first = json.dumps(fit.fit_model(asked, 0.3).to_json())
    assert json.dumps(fit.fit_model(asked, 0.3).to_json()) == first


def test_the_exported_trees_give_scikit_learns_probabilities(asked: list[fit.Asked]) -> None:
    from sklearn.ensemble import GradientBoostingClassifier

    rows = np.vstack([a.rows for a in asked if len(a.rows)])
    labels = np.concatenate([a.labels for a in asked if len(a.rows)])
    boosted = GradientBoostingClassifier(n_estimators=20, max_depth=3, random_state=fit.SEED).fit(rows, labels)
    trees = fit.export_trees(boosted, float(labels.mean()))
    ours = 1.0 / (1.0 + np.exp(-trees.log_odds(rows)))
    assert np.allclose(ours, boosted.predict_proba(rows)[:, 1], atol=1e-12)


def test_held_out_answers_come_from_models_that_never_saw_their_set(asked: list[fit.Asked]) -> None:
    parts = fit.folds(asked, 10)
    assert len(parts) == 2  # two sets: two folds, each a whole set
    assert all(len({asked[m].question.set for m in part}) == 1 for part in parts)
    thresholds = fit.leave_article_out(asked, 10, {"holdout1", "holdout2"})
    assert set(thresholds) == set(range(len(asked)))
    right = sum(fit.right_at(a, thresholds[n]) for n, a in enumerate(asked) if not a.borrowed)
    assert right / sum(not a.borrowed for a in asked) > 0.5


def test_the_shipped_model_fits_these_features() -> None:
    model = Model.load(MODEL_FILE)
    assert model.names == NAMES
    assert 0.0 < model.threshold < 1.0
