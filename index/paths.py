"""Where the project's articles and index live by default (no heavy imports: read before anything loads)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARTICLES = PROJECT_ROOT / "articles"
DEFAULT_DB = PROJECT_ROOT / "data" / "index.db"


def load_env(env_file: Path | None = None) -> None:
    """Load a .env file (default: the working folder's) into the environment; real variables win."""
    path = env_file or Path.cwd() / ".env"
    if path.is_file():  # (without one, python-dotenv has nothing to do: not imported, 10-30 ms of a start)
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


def default_db() -> Path:
    """Return the index path from INDEX_DB (the real environment first, then .env), or the project default.

    Every command reads its settings this way, the bot's included (bot/config.py).
    """
    load_env()
    return Path(os.environ.get("INDEX_DB") or DEFAULT_DB)
