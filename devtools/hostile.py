"""Hostile questions: 4,096-character messages shaped to be slow (used by bench/hostile.py and the stall tests)."""

from __future__ import annotations

LIMIT = 4096  # Telegram's longest message


def shapes() -> dict[str, str]:
    """The hostile questions by name, each cut to Telegram's 4,096 characters."""
    raw = {
        "name then filler": "Witkoff " + "a " * 3000,
        "repeated name": "Zelensky " * 600,
        "repeated misspellings": " ".join(f"zelenskx{i % 97}y" for i in range(600)),
        "many 'did X say'": "did Trump say " * 400,
        "possessive slots": "rutte's " * 700 + "message",
        "many apostrophes": "'s " * 1500,
        "one long word": "a" * LIMIT,
        "dots and dashes": ".-" * 2048,
        "numbers": " ".join(str(i) for i in range(1500)),
        "questions words": "who what when why how many " * 200,
        "mixed scripts": "Трамп said 🙂 مرحبا " * 250,
    }
    return {name: text[:LIMIT] for name, text in raw.items()}
