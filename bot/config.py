"""Settings: declared once as data, read from a mapping (the environment after python-dotenv loads .env)."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from index.paths import DEFAULT_DB, load_env

logger = logging.getLogger(__name__)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_STATS_DB = DEFAULT_DB.with_name("stats.db")
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")


class ConfigError(ValueError):
    """A setting is malformed; the message names it and says what a valid value looks like."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    token: str | None = None
    api_base_url: str | None = None
    index_db: Path = DEFAULT_DB
    admin_user_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    rate_limiter: bool = True
    telegram_timeout: float = 10.0
    telegram_connections: int = 4
    flood_limit: int = 12
    flood_window: float = 60.0
    index_check_seconds: float = 1.0
    store_questions: bool = False
    stats_db: Path = DEFAULT_STATS_DB
    state_file: str = ""  # "": beside the index; "off": chat state in memory only; else its path
    webhook_url: str | None = None  # set: Telegram POSTs updates here (run_webhook) instead of long polling
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None

    def state_path(self) -> Path | None:
        """Where chat state is kept across restarts (None: in memory only)."""
        if self.state_file.lower() == "off":
            return None
        return Path(self.state_file) if self.state_file else self.index_db.with_name("state.pickle")


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, the Settings field it fills, how to parse it, its help line."""

    name: str
    attr: str
    parse: Callable[[str], object]
    help: str
    example: str = field(default="")


def _token(value: str) -> str:
    if not _TOKEN.fullmatch(value):
        raise ValueError("expected the token @BotFather gives, like 123456789:AAH… (digits, a colon, 35 characters)")
    return value


_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _base_url(value: str) -> str:
    """A Bot API base URL that can work: http(s), a valid host, a port in range, a path ending in /bot.

    PTB appends the token to it ("…/bot" + "123:ABC…"), so "…/bot/" or a missing "/bot" can never work; it
    would only show up later as the token being "rejected".
    """
    example = "like http://127.0.0.1:8081/bot"
    if any(c.isspace() for c in value):
        raise ValueError(f"expected a URL without spaces, {example}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"expected an http:// or https:// URL, {example}")
    host = parts.hostname or ""
    if not (_HOST.fullmatch(host) or _is_ip_literal(host)):
        raise ValueError(f"expected a valid host name, {example}")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise ValueError(f"expected a port from 1 to 65535, {example}") from None
    if parts.port == 0:
        raise ValueError(f"expected a port from 1 to 65535, {example}")
    if parts.query or parts.fragment or not (parts.path.endswith("/bot") or "{token}" in parts.path):
        raise ValueError(f"expected the path to end in /bot (no trailing slash), {example}")
    return value


def _webhook_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError("expected the public https:// URL Telegram should post to, like https://bot.example.org/hook")
    return value


def _host(value: str) -> str:
    if not (_HOST.fullmatch(value) or _is_ip_literal(value)):
        raise ValueError("expected an address to listen on, like 127.0.0.1 or 0.0.0.0")
    return value


def _port(value: str) -> int:
    if not re.fullmatch(r"\d{1,5}", value) or not 0 < int(value) < 65536:
        raise ValueError("expected a port from 1 to 65535, like 8443")
    return int(value)


def _secret(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        raise ValueError("expected 1 to 256 letters, digits, _ or - (Telegram's rule for secret_token)")
    return value


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _user_ids(value: str) -> frozenset[int]:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not all(re.fullmatch(r"\d{1,20}", p) for p in parts):
        raise ValueError("expected comma-separated numeric Telegram user ids, like 12345,67890")
    return frozenset(int(p) for p in parts)


def _log_level(value: str) -> str:
    if value.upper() not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
    return value.upper()


def _switch(value: str) -> bool:
    if value.lower() in ("1", "on", "true", "yes"):
        return True
    if value.lower() in ("0", "off", "false", "no"):
        return False
    raise ValueError("expected on or off")


def _count(value: str) -> int:
    if not re.fullmatch(r"\d{1,6}", value):
        raise ValueError("expected a whole number, 0 or more, like 12")
    return int(value)


def _positive_count(value: str) -> int:
    if not re.fullmatch(r"\d{1,4}", value) or int(value) < 1:
        raise ValueError("expected a whole number, 1 or more, like 4")
    return int(value)


def _seconds(value: str) -> float:
    if not re.fullmatch(r"\d{1,6}(?:\.\d{1,3})?", value):
        raise ValueError("expected a number of seconds, like 60 or 0.5")
    return float(value)


def _positive_seconds(value: str) -> float:
    seconds = _seconds(value)
    if seconds <= 0:
        raise ValueError("expected a number of seconds above 0, like 10")
    return seconds


SETTINGS: tuple[Setting, ...] = (
    Setting("TELEGRAM_BOT_TOKEN", "token", _token, "Bot token from @BotFather; empty: chat in the terminal"),
    Setting("TELEGRAM_API_BASE_URL", "api_base_url", _base_url, "Optional self-hosted Bot API server"),
    Setting("INDEX_DB", "index_db", Path, "Where the index lives (built by `python -m index build`)"),
    Setting("ADMIN_USER_IDS", "admin_user_ids", _user_ids, "Comma-separated Telegram user ids of admins"),
    Setting("LOG_LEVEL", "log_level", _log_level, "DEBUG, INFO, WARNING or ERROR"),
    Setting("RATE_LIMITER", "rate_limiter", _switch, "on (default): PTB's AIORateLimiter paces sends; off: none"),
    Setting("TELEGRAM_TIMEOUT", "telegram_timeout", _positive_seconds, "Seconds to wait for a Telegram request"),
    Setting("TELEGRAM_CONNECTIONS", "telegram_connections", _positive_count, "Requests to Telegram in flight at once"),
    Setting("FLOOD_LIMIT", "flood_limit", _count, "Questions one user may ask per FLOOD_WINDOW; 0: no limit"),
    Setting("FLOOD_WINDOW", "flood_window", _positive_seconds, "The flood-control window, in seconds"),
    Setting("INDEX_CHECK_SECONDS", "index_check_seconds", _seconds, "How often to look for a rebuilt index; 0: never"),
    Setting("STORE_QUESTIONS", "store_questions", _switch, "on: keep question text in STATS_DB for /stats"),
    Setting("STATS_DB", "stats_db", Path, "Where question statistics live when STORE_QUESTIONS is on"),
    Setting("TELEGRAM_WEBHOOK_URL", "webhook_url", _webhook_url, "Public HTTPS URL for webhook mode; empty: polling"),
    Setting("TELEGRAM_WEBHOOK_LISTEN", "webhook_listen", _host, "Address the webhook server listens on"),
    Setting("TELEGRAM_WEBHOOK_PORT", "webhook_port", _port, "Port the webhook server listens on"),
    Setting("TELEGRAM_WEBHOOK_SECRET", "webhook_secret", _secret, "Secret Telegram sends with every webhook request"),
    Setting("STATE_FILE", "state_file", str, "Where chat state survives restarts (default: beside INDEX_DB; off)"),
)


def read_settings(env: Mapping[str, str]) -> Settings:
    """Build Settings from a mapping; empty values mean the default. Raises ConfigError on a malformed value."""
    settings = _read(env)
    if settings.webhook_url and not settings.webhook_secret:
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET is missing: webhook mode needs a secret, so that only Telegram can post updates"
        )
    return settings


def _read(env: Mapping[str, str]) -> Settings:
    values: dict[str, object] = {}
    for s in SETTINGS:
        raw = env.get(s.name, "").strip()
        if not raw:
            continue
        try:
            values[s.attr] = s.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{s.name} is malformed: {exc} (set it in .env or the environment)") from exc
    return Settings(**values)  # type: ignore[arg-type]


def load_settings(env_file: Path | None = None) -> Settings:
    """Load .env (real environment variables win), then read the settings from the environment."""
    load_env(env_file)
    return read_settings(os.environ)
