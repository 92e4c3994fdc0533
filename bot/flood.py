"""Flood control: at most `limit` questions per user in a sliding window of `window` seconds.

Past the limit a user gets one polite notice, then silence until the window frees a slot; other users are
never slowed, since each user has their own window and a refused update costs a dictionary look-up.
"""

from __future__ import annotations

import enum
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


class Verdict(enum.Enum):
    """What to do with one question."""

    ALLOW = "allow"
    NOTICE = "notice"  # the first question past the limit: tell the user once
    DROP = "drop"  # further questions past the limit: say nothing


@dataclass
class _User:
    times: deque[float] = field(default_factory=deque)
    noticed: bool = False


class FloodGate:
    """Per-user sliding-window limiter; limit 0 lets everything through."""

    PRUNE_AT = 10_000  # users remembered before the idle ones are forgotten

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.users: dict[int, _User] = {}
        self.refused = 0
        self.notices = 0

    def check(self, user_id: int) -> Verdict:
        """Count one question from a user and say whether to answer it."""
        if self.limit <= 0:
            return Verdict.ALLOW
        now = self.clock()
        user = self.users.get(user_id)
        if user is None:
            if len(self.users) >= self.PRUNE_AT:
                self._prune(now)
            user = self.users[user_id] = _User()
        while user.times and user.times[0] <= now - self.window:
            user.times.popleft()
        if len(user.times) < self.limit:
            user.times.append(now)
            user.noticed = False
            return Verdict.ALLOW
        self.refused += 1
        if user.noticed:
            return Verdict.DROP
        user.noticed = True
        self.notices += 1
        return Verdict.NOTICE

    def wait_seconds(self, user_id: int) -> int:
        """Return the whole seconds until the user may ask again (0 if now)."""
        user = self.users.get(user_id)
        if user is None or len(user.times) < self.limit or self.limit <= 0:
            return 0
        return max(1, math.ceil(user.times[0] + self.window - self.clock()))

    def notice(self, user_id: int) -> str:
        """Return the one polite notice for a user past the limit."""
        return (
            f"You're asking faster than I can keep up ({self.limit} questions per {_span(self.window)}). "
            f"Please wait about {_span(self.wait_seconds(user_id))}, then ask again; I'll skip messages until then."
        )

    def _prune(self, now: float) -> None:
        idle = [uid for uid, u in self.users.items() if not u.times or u.times[-1] <= now - self.window]
        for uid in idle:
            del self.users[uid]


def _span(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return "1 second" if seconds == 1 else f"{seconds} seconds"
