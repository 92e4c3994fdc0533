"""Telegram HTML from plain text: escaping, highlighting, splitting at 4096 characters, keyboards.

Messages are built as blocks of *plain* text with one optional tag each. Splitting happens on the plain
text, and only then is each piece escaped and wrapped, so a split can never cut a tag or an entity
(Telegram counts a message's length after parsing entities, see bot API sendMessage).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.text import QUESTION_WORDS, STOP_WORDS, stem, words

logger = logging.getLogger(__name__)

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units after entity parsing
MAX_CALLBACK_DATA = 64  # bytes
TAGS = frozenset({"", "b", "i", "u", "code", "blockquote"})
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MIN_PIECE = 200  # a long block continues in the current message only if this much room is left


def size(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clean(text: str) -> str:
    """Drop what Telegram cannot carry (lone surrogates, NUL)."""
    return _SURROGATE.sub("", text).replace("\x00", "")


@dataclass(frozen=True)
class Block:
    """A line or paragraph of plain text, shown with one tag, its highlighted stems in bold."""

    text: str
    tag: str = ""
    highlight: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.tag not in TAGS:
            raise ValueError(f"unsupported tag {self.tag!r}")


@dataclass(frozen=True)
class Button:
    """An inline keyboard button: its label and callback data (at most 64 bytes)."""

    text: str
    data: str

    def __post_init__(self) -> None:
        if not self.text or not 1 <= len(self.data.encode()) <= MAX_CALLBACK_DATA:
            raise ValueError(f"bad button {self.text!r}: callback data must be 1-64 bytes")


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Message:
    """One message ready to send: HTML text, its plain length, and an optional keyboard."""

    html: str
    keyboard: Keyboard = ()


def highlight_stems(question: str) -> frozenset[str]:
    """Return the stems of a question's content words, to highlight in cited passages."""
    return frozenset(stem(w) for w in words(question) if w not in STOP_WORDS and w not in QUESTION_WORDS)


def render_block(block: Block) -> str:
    """Return a block as escaped HTML, question words in <b>."""
    text = clean(block.text)
    if block.highlight and block.tag not in ("b", "code"):
        body = _highlight(text, block.highlight)
    else:
        body = html.escape(text)
    return f"<{block.tag}>{body}</{block.tag}>" if block.tag and text.strip() else body


def _highlight(text: str, stems: frozenset[str]) -> str:
    out: list[str] = []
    pos = 0
    for m in _WORD.finditer(text):
        token = m.group()
        # A plain word is itself, folded; numbers, apostrophes, accents and "US" as the index reads them.
        plain = token.isascii() and token.isalpha() and len(token) > 2
        ws = [token.lower()] if plain else words(token)
        if ws and any(w not in STOP_WORDS and stem(w) in stems for w in ws):
            out.append(html.escape(text[pos : m.start()]))
            out.append(f"<b>{html.escape(m.group())}</b>")
            pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def cut(text: str, limit: int) -> list[str]:
    """Split plain text into pieces of at most `limit` UTF-16 units, at line breaks or spaces where possible."""
    pieces: list[str] = []
    while size(text) > limit:
        head = _prefix(text, limit) or text[:1]  # never stall, even on a limit below one character
        at = max(head.rfind("\n"), head.rfind(" "))
        if at > len(head) // 2:
            head = head[: at + 1]
        pieces.append(head.rstrip() or head)
        text = text[len(head) :].lstrip()
    if text or not pieces:
        pieces.append(text)
    return pieces


def _prefix(text: str, limit: int) -> str:
    """Return the longest prefix of text within `limit` UTF-16 units."""
    n = min(len(text), limit)
    while size(text[:n]) > limit:
        n -= 1
    return text[:n]


def truncate(text: str, limit: int) -> str:
    """Shorten plain text to `limit` characters at a word boundary, with an ellipsis."""
    if size(text) <= limit:
        return text
    return cut(text, limit - 1)[0].rstrip() + "…"


def paginate(blocks: Sequence[Block], *, limit: int = MAX_MESSAGE) -> list[list[Block]]:
    """Pack blocks (joined by newlines) into messages of at most `limit` units, splitting oversize blocks.

    A long block fills the rest of the current message before continuing in the next, so a header is
    never left alone in a message of its own.
    """
    messages: list[list[Block]] = []
    current: list[Block] = []
    used = 0
    pending = [Block(clean(b.text), b.tag, b.highlight) for b in blocks]
    pending.reverse()
    while pending:
        block = pending.pop()
        if not current and not block.text.strip():
            continue  # never start a message with a blank line
        sep = 1 if current else 0
        need = size(block.text) + sep
        if used + need <= limit:
            current.append(block)
            used += need
            continue
        room = limit - used - sep
        if room >= min(_MIN_PIECE, limit) and (size(block.text) > limit // 4 or not current):
            head, *rest = cut(block.text, room)
            tail = block.text[len(head) :].lstrip() if rest else ""
            current.append(Block(head, block.tag, block.highlight))
            if tail:
                pending.append(Block(tail, block.tag, block.highlight))
        else:
            pending.append(block)
        messages.append(current)
        current, used = [], 0
    if current:
        messages.append(current)
    return [_trim(m) for m in messages if any(b.text.strip() for b in m)]


def _trim(blocks: list[Block]) -> list[Block]:
    while blocks and not blocks[-1].text.strip():
        blocks.pop()
    return blocks


def to_messages(blocks: Sequence[Block], keyboard: Keyboard = (), *, limit: int = MAX_MESSAGE) -> list[Message]:
    """Render blocks into HTML messages of at most `limit` units; the keyboard goes on the last one."""
    chunks = paginate(blocks, limit=limit) or [[Block("…")]]
    out = [Message("\n".join(render_block(b) for b in chunk)) for chunk in chunks]
    out[-1] = Message(out[-1].html, keyboard)
    return out


def to_plain(blocks: Sequence[Block]) -> str:
    """Return blocks as plain text (the terminal's form of the same message)."""
    return "\n".join(clean(b.text) for b in blocks).strip("\n")
