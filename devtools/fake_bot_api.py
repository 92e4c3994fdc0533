"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the real bot.

It speaks the Bot API over real HTTP (PTB's HTTPX stack talks to it through TELEGRAM_API_BASE_URL), keeps
chats, messages and an update queue, and rejects what Telegram rejects: malformed or unsupported HTML,
text over 4096 characters after entity parsing, empty text, callback_data over 64 bytes, bad inline results.

Faults can be scripted for hardening tests: `fake.inject(Fault("sendMessage", status=429, retry_after=1))`
queues a fault that the next matching request meets (HTTP status with Telegram's error body, a delay, or a
dropped connection).
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_ID = 777000111
BOT_USERNAME = "article_bot"
TOKEN = "123456789:TEST-token-for-the-fake-bot-api_0000"
MAX_TEXT = 4096
ALLOWED_TAGS = {
    "b": set(), "strong": set(), "i": set(), "em": set(), "u": set(), "ins": set(), "s": set(), "strike": set(),
    "del": set(), "span": {"class"}, "tg-spoiler": set(), "a": {"href"}, "code": {"class"}, "pre": set(),
    "blockquote": {"expandable"}, "tg-emoji": {"emoji-id"},
}  # fmt: skip
_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});)")
_LT = re.compile(r"<(?!/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?>)")


class ApiError(Exception):
    """A request Telegram would refuse: HTTP status and description."""

    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def utf16_len(text: str) -> int:
    """Return a length as Telegram counts it."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class _Validator(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ApiError(f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"')
        for name, value in attrs:
            if name not in ALLOWED_TAGS[tag]:
                raise ApiError(f'Bad Request: can\'t parse entities: unsupported attribute "{name}" of <{tag}>')
            if tag == "span" and value != "tg-spoiler":
                raise ApiError('Bad Request: can\'t parse entities: span needs class="tg-spoiler"')
        if any(t in ("pre", "code") for t in self.stack) or (tag == "blockquote" and "blockquote" in self.stack):
            raise ApiError(f"Bad Request: can't parse entities: <{tag}> can't be nested here")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise ApiError(f"Bad Request: can't parse entities: self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(f'Bad Request: can\'t parse entities: unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if ">" in data:
            raise ApiError('Bad Request: can\'t parse entities: unescaped ">"')
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            raise ApiError(f'Bad Request: can\'t parse entities: unsupported entity "&{name};"')
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(html.unescape(f"&#{name};"))

    def unknown_decl(self, data: str) -> None:
        raise ApiError("Bad Request: can't parse entities: unexpected declaration")

    def handle_comment(self, data: str) -> None:
        raise ApiError("Bad Request: can't parse entities: unexpected comment")


def parse_html(text: str) -> str:
    """Validate Telegram HTML and return the plain text it shows; raise ApiError as Telegram would."""
    if _AMP.search(text):
        raise ApiError('Bad Request: can\'t parse entities: unescaped "&" or unsupported entity')
    if _LT.search(text):
        raise ApiError('Bad Request: can\'t parse entities: unescaped "<"')
    v = _Validator()
    v.feed(text)
    v.close()
    if v.stack:
        raise ApiError(f'Bad Request: can\'t parse entities: unclosed start tag "{v.stack[-1]}"')
    return "".join(v.text)


def check_text(text: Any, parse_mode: Any, *, field_name: str = "message text") -> str:
    """Return the shown text of a message, or raise ApiError for what Telegram rejects."""
    if not isinstance(text, str):
        raise ApiError(f"Bad Request: {field_name} is empty")
    shown = parse_html(text) if str(parse_mode).upper() == "HTML" else text
    if not shown.strip():
        raise ApiError(f"Bad Request: {field_name} is empty")
    if utf16_len(shown) > MAX_TEXT:
        raise ApiError(f"Bad Request: {field_name} is too long")
    return shown


def check_markup(markup: Any) -> None:
    """Reject inline keyboards Telegram would reject (callback_data must be 1-64 bytes)."""
    if not markup:
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if not button.get("text"):
                raise ApiError("Bad Request: text buttons are unallowed in the inline keyboard")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError("Bad Request: BUTTON_DATA_INVALID")


@dataclass
class Fault:
    """A scripted failure for the next request to `method` (None: any method except getUpdates)."""

    method: str | None = None
    status: int = 500
    retry_after: int | None = None
    delay: float = 0.0  # seconds to wait before answering (or before failing)
    drop: bool = False  # close the connection without an answer
    times: int = 1

    def matches(self, method: str) -> bool:
        """Tell whether this fault applies to a request."""
        return self.method == method or (self.method is None and method != "getUpdates")


@dataclass
class Call:
    """One request the bot made: method and decoded parameters."""

    method: str
    params: dict[str, Any]
    error: str | None = None
    at: float = field(default_factory=time.monotonic)


class FakeBotAPI:
    """The server and its state; start() and stop() run it in a background thread."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.next_message_id = 1
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.by_chat: dict[int, list[int]] = {}  # message ids the bot sent, per chat, oldest first
        self.chats: dict[int, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.webhook: dict[str, Any] = {}  # what setWebhook was last given
        self.token = TOKEN  # the token the server accepts; revoke() changes it, as @BotFather's /revoke does
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-bot-api", daemon=True)

    @property
    def base_url(self) -> str:
        """Return the URL to give the bot as TELEGRAM_API_BASE_URL."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> FakeBotAPI:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def revoke(self) -> None:
        """Refuse the bot's token from now on (401), and end the long poll waiting with it."""
        with self.lock:
            self.token = "revoked"
            self.lock.notify_all()

    def stop(self) -> None:
        """Stop serving and wake any long poll."""
        with self.lock:
            self.lock.notify_all()
        self.server.shutdown()
        self.server.server_close()

    def inject(self, fault: Fault) -> None:
        """Queue a fault for the next matching request."""
        with self.lock:
            self.faults.append(fault)

    # -- what tests push ---------------------------------------------------------------------

    def push(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update of one kind (message, callback_query, inline_query, …); return its id."""
        with self.lock:
            uid = self.next_update_id
            self.next_update_id += 1
            self.updates.append({"update_id": uid, kind: payload})
            self.lock.notify_all()
            return uid

    def user(self, user_id: int) -> dict[str, Any]:
        """Return a user object."""
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"}

    def chat(self, chat_id: int, chat_type: str = "private") -> dict[str, Any]:
        """Return (and remember) a chat object."""
        chat = {"id": chat_id, "type": chat_type}
        chat.update({"title": "Test group"} if chat_type != "private" else {"first_name": f"User{chat_id}"})
        self.chats[chat_id] = chat
        return chat

    def text_message(
        self, chat_id: int, text: str, *, user_id: int | None = None, chat_type: str = "private",
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Return a text message from a user, with the entities Telegram would attach (its chat is remembered)."""
        with self.lock:
            mid = self.next_message_id
            self.next_message_id += 1
        message: dict[str, Any] = {
            "message_id": mid, "date": int(time.time()), "chat": self.chat(chat_id, chat_type),
            "from": self.user(user_id or abs(chat_id)), "text": text, "entities": _entities(text),
        }  # fmt: skip
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message

    def push_text(
        self, chat_id: int, text: str, *, user_id: int | None = None, chat_type: str = "private",
        reply_to: dict[str, Any] | None = None,
    ) -> int:  # fmt: skip
        """Queue a text message from a user, with the entities Telegram would attach."""
        return self.push("message", self.text_message(chat_id, text, user_id=user_id, chat_type=chat_type,
                                                      reply_to=reply_to))  # fmt: skip

    def push_callback(self, message: dict[str, Any], data: str, *, user_id: int) -> int:
        """Queue a button press on one of the bot's messages."""
        query = {"id": f"cb{self.next_update_id}", "from": self.user(user_id), "chat_instance": "ci",
                 "message": message, "data": data}  # fmt: skip
        return self.push("callback_query", query)

    def push_inline(self, query: str, *, user_id: int) -> int:
        """Queue an inline query (@bot question)."""
        return self.push("inline_query", {"id": f"iq{self.next_update_id}", "from": self.user(user_id),
                                           "query": query, "offset": ""})  # fmt: skip

    # -- what tests read ----------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until predicate() (called under the lock) returns something truthy; return it."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; calls so far: {[c.method for c in self.calls]}")
                self.lock.wait(left)

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """Return the messages the bot sent to a chat, oldest first."""
        return [self.messages[(chat_id, mid)] for mid in self.by_chat.get(chat_id, ())]

    def wait_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least `count` messages to a chat; return them all."""
        return list(self.wait_for(lambda: len(self.sent(chat_id)) >= count and self.sent(chat_id), timeout))

    def calls_to(self, method: str) -> list[Call]:
        """Return the successful calls to one method."""
        with self.lock:
            return [c for c in self.calls if c.method == method and c.error is None]

    def faults_met(self) -> list[Call]:
        """Return every request that met a scripted fault."""
        with self.lock:
            return [c for c in self.calls if c.error is not None and c.error.startswith("fault")]

    def errors(self) -> list[Call]:
        """Return every call the server rejected (faults excluded)."""
        with self.lock:
            return [c for c in self.calls if c.error is not None and not c.error.startswith("fault")]

    # -- the API --------------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        """Run one API method; return its result or raise ApiError."""
        fn = getattr(self, f"api_{method}", None)
        if fn is None:
            raise ApiError("Not Found: method not found", 404)
        return fn(params)

    def api_getMe(self, params: dict[str, Any]) -> Any:
        return {
            "id": BOT_ID, "is_bot": True, "first_name": "Article bot", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True,
        }  # fmt: skip

    def api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    def api_setWebhook(self, params: dict[str, Any]) -> Any:
        """Record the webhook the bot asks for (URL, secret); Telegram would post updates there."""
        if not str(params.get("url", "")).startswith("https://"):
            raise ApiError("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(params)
        return True

    def api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    def api_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands") or []
        for c in commands:
            if (
                not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", ""))
                or not 1 <= len(c.get("description", "")) <= 256
            ):
                raise ApiError("Bad Request: BOT_COMMAND_INVALID")
        with self.lock:
            self.commands = commands
        return True

    def api_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands

    def api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self.lock:
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones are gone
            while not self.updates and time.monotonic() < deadline:
                self.lock.wait(deadline - time.monotonic())
            return self.updates[:limit]

    def api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        check_text(params.get("text"), params.get("parse_mode"))
        check_markup(params.get("reply_markup"))
        if chat_id not in self.chats:
            raise ApiError("Bad Request: chat not found")
        with self.lock:
            mid = self.next_message_id
            self.next_message_id += 1
            message = self._message(chat_id, mid, params)
            self.messages[(chat_id, mid)] = message
            self.by_chat.setdefault(chat_id, []).append(mid)
            return message

    def api_editMessageText(self, params: dict[str, Any]) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        check_text(params.get("text"), params.get("parse_mode"))
        check_markup(params.get("reply_markup"))
        with self.lock:
            old = self.messages.get(key)
            if old is None:
                raise ApiError("Bad Request: message to edit not found")
            new = self._message(key[0], key[1], params)
            if (old["html"], old.get("reply_markup")) == (new["html"], new.get("reply_markup")):
                raise ApiError("Bad Request: message is not modified")
            new["edit_date"] = int(time.time())
            self.messages[key] = new
            return new

    def api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        if len(params.get("text") or "") > 200:
            raise ApiError("Bad Request: answer text is too long")
        return True

    def api_answerInlineQuery(self, params: dict[str, Any]) -> Any:
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError("Bad Request: RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if len(set(ids)) != len(ids) or not all(1 <= len(i.encode()) <= 64 for i in ids):
            raise ApiError("Bad Request: RESULT_ID_INVALID")
        for r in results:
            content = r.get("input_message_content") or {}
            check_text(content.get("message_text"), content.get("parse_mode"))
            check_markup(r.get("reply_markup"))
        return True

    def _message(self, chat_id: int, mid: int, params: dict[str, Any]) -> dict[str, Any]:
        shown = check_text(params.get("text"), params.get("parse_mode"))
        message: dict[str, Any] = {
            "message_id": mid, "date": int(time.time()), "chat": self.chats[chat_id],
            "from": self.api_getMe({}), "text": shown, "html": params.get("text"),
        }  # fmt: skip
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        reply = params.get("reply_parameters")
        if reply:
            message["reply_to_message_id"] = reply.get("message_id")
        return message


def _entities(text: str) -> list[dict[str, Any]]:
    """Return the bot_command and mention entities Telegram would find in a message."""
    out = []
    for m in re.finditer(r"(?<!\S)/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?|@[A-Za-z0-9_]{5,32}", text):
        kind = "bot_command" if m.group().startswith("/") else "mention"
        if kind == "bot_command" and m.start() != 0:
            continue
        offset = utf16_len(text[: m.start()])
        out.append({"type": kind, "offset": offset, "length": utf16_len(m.group())})
    return out


def _decode(content_type: str, body: bytes) -> dict[str, Any]:
    """Decode a Bot API request body (JSON, form or multipart), JSON-decoding nested values as PTB sends them."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        decoded: dict[str, Any] = json.loads(body)
        return decoded
    if content_type.startswith("multipart/form-data"):
        msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        raw = {part.get_param("name", header="content-disposition"): part.get_content() for part in msg.iter_parts()}
    else:
        raw = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    params: dict[str, Any] = {}
    for k, v in raw.items():
        # PTB sends nested objects as JSON strings inside the form; only those fields are decoded.
        params[str(k)] = json.loads(v) if str(k) in _JSON_FIELDS and isinstance(v, str) else v
    return params


_JSON_FIELDS = frozenset(
    {"reply_markup", "commands", "results", "reply_parameters", "allowed_updates", "link_preview_options",
     "entities", "scope", "button"}
)  # fmt: skip


def _handler_for(api: FakeBotAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and the client's
        # delayed ACK hold every response for ~40 ms.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            m = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path.split("?")[0])
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if m is None or m.group(1) != api.token:
                self._send(401 if m else 404, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            method = m.group(2)
            params = _decode(self.headers.get("Content-Type", ""), body)
            fault = self._take_fault(method)
            if fault is not None:
                time.sleep(fault.delay)
                with api.lock:
                    api.calls.append(Call(method, params, error=f"fault {fault.status}"))
                    api.lock.notify_all()
                if fault.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault.status != 200:
                    body_ = {"ok": False, "error_code": fault.status, "description": f"Fault {fault.status}"}
                    if fault.retry_after is not None:
                        body_["parameters"] = {"retry_after": fault.retry_after}
                        body_["description"] = f"Too Many Requests: retry after {fault.retry_after}"
                    self._send(fault.status, body_)
                    return
            try:
                result = api.handle(method, params)
            except ApiError as exc:
                with api.lock:
                    api.calls.append(Call(method, params, error=exc.description))
                    api.lock.notify_all()
                self._send(exc.status, {"ok": False, "error_code": exc.status, "description": exc.description})
                return
            with api.lock:
                api.calls.append(Call(method, params))
                api.lock.notify_all()
            self._send(200, {"ok": True, "result": result})

        def _take_fault(self, method: str) -> Fault | None:
            with api.lock:
                for fault in api.faults:
                    if fault.matches(method):
                        fault.times -= 1
                        if fault.times <= 0:
                            api.faults.remove(fault)
                        return fault
            return None

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            # The client may have given up (a long poll cancelled at shutdown).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

    return Handler
