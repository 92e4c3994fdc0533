"""The served index: notices a rebuilt index file and swaps the engine in without a restart.

`python -m index build` writes a new file and renames it over the old one, so a rebuild changes the file's
identity (inode, mtime, size) and its meta row's build_id. The check is a `stat` at most once per interval;
only a changed identity costs a read of the meta row, and only a new build_id loads an engine, in a worker
thread so the bot keeps answering with the old one meanwhile. The swap is one assignment: an update in
flight finishes on the engine it started with. A file that fails to load (half-copied, corrupt, an older
schema) is logged once and the old engine stays served.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.conversation import Conversation
from index.answer import Engine
from index.release import free_gradually, wait_until_unused
from index.store import read_meta

logger = logging.getLogger(__name__)

Identity = tuple[int, int, int, int]  # device, inode, mtime (ns), size


def identity(path: Path) -> Identity | None:
    """Return what changes when the file is replaced or rewritten (None: no file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


@dataclass(frozen=True)
class Reload:
    """The outcome of one check: whether a new engine was swapped in, what is served, or why not."""

    swapped: bool
    build_id: str
    articles: int
    passages: int
    error: str | None = None

    def text(self) -> str:
        """Describe the outcome for an admin."""
        served = f"serving build {self.build_id[:12]}: {self.articles} article(s), {self.passages} passages"
        if self.error:
            return f"Reload failed: {self.error}\nStill {served}."
        return ("Reloaded the index; now " if self.swapped else "The index is unchanged; ") + served + "."


class LiveIndex:
    """Owns the path of the served index and swaps a new Conversation in through `install`."""

    def __init__(
        self, path: Path, conversation: Conversation, install: Callable[[Conversation], None], interval: float = 1.0
    ) -> None:
        self.path = path
        self.conversation = conversation
        self.install = install
        self.interval = interval
        self.seen = identity(path)
        self.checked_at = time.monotonic()
        self.failed: Identity | None = None  # the identity that last failed to load, logged once
        self.swaps = 0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def _served(self, *, swapped: bool = False, error: str | None = None) -> Reload:
        engine = self.conversation.engine
        return Reload(swapped, engine.build_id, len(engine.articles), len(engine.passages), error)

    async def check(self, *, force: bool = False) -> Reload:
        """Swap in the index file if it holds a new build (force: look even if the file seems unchanged)."""
        now = time.monotonic()
        if not force and now - self.checked_at < self.interval:
            return self._served()
        self.checked_at = now
        current = identity(self.path)
        if not force and (current == self.seen or current is None or current == self.failed):
            return self._served()
        async with self._lock:
            try:
                meta = read_meta(self.path)
                if meta.get("build_id") == self.conversation.engine.build_id:
                    self.seen = current
                    return self._served()
                conversation = await asyncio.to_thread(_load, self.path)
            except Exception as exc:  # any failure to load is a bad build: remembered until the file changes
                if force or current != self.failed:
                    logger.warning("Kept the served index; the new one did not load: %s", exc)
                self.failed = current
                return self._served(error=str(exc))
            replaced, self.conversation = self.conversation, conversation
            self.install(conversation)
            release_later(replaced)
            del replaced
            self.seen, self.failed = identity(self.path), None
            self.swaps += 1
            logger.info("Swapped in index build %s from %s", conversation.engine.build_id, self.path)
            return self._served(swapped=True)

    async def watch(self) -> None:
        """Check every interval until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # the watcher must outlive any surprise; the bot keeps its engine
                logger.exception("Index check failed")

    def start(self) -> None:
        """Start watching in the running event loop (interval 0: never)."""
        if self.interval > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.watch(), name="index-watch")

    async def stop(self) -> None:
        """Stop watching."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


RELEASE_WAIT = 60.0  # seconds a replaced engine may stay in use (answers in flight) before it is freed at once


def release_later(replaced: Conversation) -> None:
    """Free a replaced conversation's engine a slice at a time in a thread of its own (index/release.py), once
    the answers still using it are done, instead of all at once in whichever thread drops it last."""
    box = [replaced]
    del replaced
    threading.Thread(target=_release, args=(box,), name="index-release", daemon=True).start()


def _release(box: list[Conversation]) -> None:
    conversation = box.pop()
    engine = conversation.engine
    if wait_until_unused(conversation, RELEASE_WAIT) and wait_until_unused(engine, RELEASE_WAIT, known=1):
        del engine
        freed = free_gradually(conversation)
        logger.debug("Freed the replaced index a slice at a time (%d objects)", freed)


LOAD_SWITCH_INTERVAL = 0.0001  # seconds a thread keeps the GIL while another waits for it, during a reload


def _load(path: Path) -> Conversation:
    """Load an engine and its conversation (example questions included): the slow part, run in a thread.

    While it loads, the interpreter hands the GIL over fifty times as often as usual. An answer gives the GIL up
    whenever SQLite or NumPy works for it, and each time waits for the loading thread to hand it back: at the
    default 5 ms those waits made answers during a reload ten times slower (10,000 articles: 300 ms).
    """
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, LOAD_SWITCH_INTERVAL))
    try:
        engine = Engine.from_db(path, freeze=True)
        engine.analyser.read_ahead()  # before it serves: the first questions after a swap do not read profiles
        conversation = Conversation(engine)
    finally:
        sys.setswitchinterval(previous)
    serving_collector()
    return conversation


def serving_collector() -> None:
    """After an engine is loaded for serving: keep the cyclic garbage collector off its objects.

    What an engine loads lives as long as the engine and holds no reference cycle (the analyser calls back through
    weak references), so reference counting frees it when a reload replaces it; without this, each full
    collection would scan millions of its objects while users wait (10k archive: stalls of 50-80 ms). A serving
    policy, so the bot applies it, not Engine.from_db: a library caller keeps Python's collector as it was.
    """
    gc.freeze()
