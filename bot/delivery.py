"""Delivery to Telegram: every request the bot makes goes through `deliver`, which retries transient failures.

Transient: a 429 (RetryAfter, after PTB's rate limiter has used its own retries), a 5xx or a dropped connection
(NetworkError), a request past its timeout (TimedOut). Not transient, raised at once: Bad Request, Forbidden,
an invalid token, a chat migration. A request that timed out after Telegram accepted it cannot be told apart
from one that never arrived, so it is sent again; keep TELEGRAM_TIMEOUT well above Telegram's usual latency.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Waits between attempts: six attempts in all, at most about 8 s of waiting besides any retry_after.
BACKOFF = (0.25, 0.5, 1.0, 2.0, 4.0)
MAX_RETRY_AFTER = 60.0  # a longer flood wait is not worth holding the update for


def retry_after_seconds(exc: RetryAfter) -> float:
    """Return how long Telegram asked us to wait, as seconds (PTB 22 gives an int or a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def deliver(request: Callable[[], Awaitable[T]], what: str, *, backoff: tuple[float, ...] | None = None) -> T:
    """Await request() until it succeeds, retrying transient Telegram failures; re-raise the last failure."""
    backoff = BACKOFF if backoff is None else backoff
    for attempt in range(len(backoff) + 1):
        try:
            return await request()
        except BadRequest:
            raise
        except RetryAfter as exc:
            wait = retry_after_seconds(exc) + 0.1
            if attempt == len(backoff) or wait > MAX_RETRY_AFTER:
                raise
            failure: Exception = exc
        except NetworkError as exc:  # TimedOut included
            if attempt == len(backoff):
                raise
            wait, failure = backoff[attempt], exc
        name = type(failure).__name__
        logger.warning("%s failed (%s: %s); retry %d in %.2fs", what, name, failure, attempt + 1, wait)
        await asyncio.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover
