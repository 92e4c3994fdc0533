"""Entry point: `ask` answers questions from the command line (`--json` for tools)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.format import plain_reply
from index.__main__ import default_db
from index.answer import Engine
from index.models import Answer
from index.store import StoreError


def answer_json(engine: Engine, question: str) -> dict[str, object]:
    """Return the stable JSON form of one answer."""
    answer: Answer = engine.answer(question)
    return {
        "question": question,
        "answered": answer.answered,
        "passages": [
            {
                "id": h.passage.id,
                "article": h.passage.article_id,
                "number": h.passage.number,
                "kind": h.passage.kind,
                "speaker": h.passage.speaker,
                "text": h.passage.text,
                "score": h.score,
            }
            for h in answer.hits
        ],
        "reply": plain_reply(answer, engine.articles),
    }


def main(argv: list[str] | None = None) -> int:
    """Run one bot command; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bot")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question, or with --json one question per stdin line")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--db", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        engine = Engine.from_db(args.db or default_db())
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        for line in sys.stdin:
            question = line.strip()
            if not question and not line.endswith("\n"):
                continue
            print(json.dumps(answer_json(engine, question), ensure_ascii=False), flush=False)
        sys.stdout.flush()
        return 0
    question = " ".join(args.question)
    print(plain_reply(engine.answer(question), engine.articles))
    return 0


if __name__ == "__main__":
    sys.exit(main())
