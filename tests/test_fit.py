"""Fitting (`make fit`): deterministic, exported faithfully, judged on questions the model never saw."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import fit
from index.dataset import news_sets
from index.decide import Model
from index.features import DENSE_NAMES, NAMES


@pytest.fixture(scope="module")
def asked() -> list[fit.Asked]:
    """Two small labelled sets, analysed as `make fit` analyses them."""
    sets = [s for s in news_sets() if s.name in ("holdout1", "holdout2")]
    return fit.collect(sets, borrow=2)


def test_the_same_data_gives_the_same_model(asked: list[fit.Asked]) -> None:
    first = json.dumps(fit.fit_model(asked, 0.3).to_json())
    assert json.dumps(fit.fit_model(asked, 0.3).to_json()) == first


def test_the_exported_trees_give_lightgbms_probabilities(asked: list[fit.Asked]) -> None:
    rows = np.vstack([a.rows for a in asked if len(a.rows)])
    labels = np.concatenate([a.labels for a in asked if len(a.rows)])
    boosted = fit.boosted_trees(rows, labels, trees=20)
    trees = fit.export_trees(boosted)
    ours = 1.0 / (1.0 + np.exp(-trees.log_odds(rows)))
    assert np.allclose(ours, boosted.predict_proba(rows)[:, 1], atol=1e-9)


def test_held_out_answers_come_from_models_that_never_saw_their_set(asked: list[fit.Asked]) -> None:
    parts = fit.folds(asked, 10)
    assert len(parts) == 2  # two sets: two folds, each a whole set
    assert all(len({asked[m].question.set for m in part}) == 1 for part in parts)
    thresholds = fit.leave_article_out(asked, 10, {"holdout1", "holdout2"})
    assert set(thresholds) == set(range(len(asked)))
    right = sum(fit.right_at(a, thresholds[n]) for n, a in enumerate(asked) if not a.borrowed)
    assert right / sum(not a.borrowed for a in asked) > 0.5


def test_the_model_without_vectors_is_fitted_on_the_same_rows_less_their_columns(asked: list[fit.Asked]) -> None:
    plain = fit.fit_model(asked, 0.3, dense=False)
    assert plain.names == NAMES
    assert fit.fit_model(asked, 0.3).names == DENSE_NAMES
    fit.predict(plain, asked)  # reads only its own columns of the wider rows


def test_the_model_file_gives_the_fitted_models_probabilities(asked: list[fit.Asked], tmp_path: Path) -> None:
    """Written to JSON and read back, every split stays where it was (LightGBM puts some at ±1e-35)."""
    model = fit.fit_model(asked, 0.3)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    rows = np.vstack([a.rows for a in asked if len(a.rows)])
    assert np.allclose(Model.load(path, DENSE_NAMES).probabilities(rows), model.probabilities(rows), atol=1e-6)
