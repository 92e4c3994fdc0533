"""`python -m bot`: the command line of bot/cli.py.

`ask` is a one-shot command, and its first answer waits for the sentence encoder (0.2-0.3 s to load). When the
index it will open stores sentence vectors, the encoder starts loading on the other core before the rest of the
program is even imported; and once the answers are printed, the process leaves without freeing the opened index
object by object (0.3 s at 10,000 articles).
"""

from __future__ import annotations

import dataclasses  # noqa: F401 (imported before the encoder thread starts: see below)
import os
import sqlite3
import sys
import threading
import typing  # noqa: F401
from pathlib import Path

from index.paths import default_db


def _asked_db(args: list[str]) -> Path:
    """The index `ask` will open: --db, else INDEX_DB or the default."""
    for n, arg in enumerate(args):
        if arg == "--db" and n + 1 < len(args):
            return Path(args[n + 1])
        if arg.startswith("--db="):
            return Path(arg.removeprefix("--db="))
    return default_db()


def _preload_encoder(db: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            stored = conn.execute("SELECT 1 FROM vectors LIMIT 1").fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return  # no index, or not one with vectors: opening it says what is wrong
    if stored:
        from index.dense import encoder, unavailable

        if not unavailable():
            encoder()  # the engine's own call finds it loaded (or waits for this one)


if __name__ == "__main__":
    one_shot = sys.argv[1:2] == ["ask"]
    if one_shot:
        # Not a daemon: a process ending inside ONNX Runtime's loading aborts (see Engine.from_db). `typing` and
        # `dataclasses` are imported above, before the thread starts: dataclasses reads `typing` from sys.modules
        # without importing it, and would find it half-initialised by the encoder thread's imports (seen: one start
        # in six failed with "partially initialized module 'typing'").
        threading.Thread(target=_preload_encoder, args=(_asked_db(sys.argv[2:]),), name="encoder-preload").start()
    from bot.cli import main

    status = main()
    if one_shot:
        # Everything is printed: leave without freeing the opened index object by object; nothing is left to
        # write or close.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
