"""Shared fixtures: a small real index built from the bundled article (and one with two articles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.answer import Engine
from index.build import DEFAULT_ARTICLES, build

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def bot_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine over the bundled article, in a private index file."""
    db = tmp_path_factory.mktemp("bot-index") / "index.db"
    build([DEFAULT_ARTICLES], db)
    return Engine.from_db(db)


@pytest.fixture(scope="session")
def bot_engine_two(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine over the bundled article and the port-strike fixture: citations must name the article."""
    db = tmp_path_factory.mktemp("bot-index-two") / "index.db"
    build([DEFAULT_ARTICLES, FIXTURES / "2026-03-05-port-strike.txt"], db)
    return Engine.from_db(db)
