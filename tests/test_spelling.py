"""Typo correction's search for near spellings (index/question.py `_Spellings`)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA, DamerauLevenshtein

from index.build import build
from index.question import _Spellings, spelling_key
from index.store import open_index

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = [ROOT / "articles", *sorted((ROOT / "tests" / "fixtures").glob("*.txt"))]


def reference_near(vocabulary: list[str], word: str) -> list[str]:
    """The words within two Damerau-Levenshtein edits sharing the word's first letter, lengths within two, nearest
    first, ties in (first letter, length) order and then as given: the scan as it was, word by word."""
    ordered = sorted(vocabulary, key=spelling_key)
    found = [
        (DamerauLevenshtein.distance(word, w), n)
        for n, w in enumerate(ordered)
        if w[:1] == word[:1] and abs(len(w) - len(word)) <= 2 and DamerauLevenshtein.distance(word, w) <= 2
    ]
    return [ordered[n] for _, n in sorted(found)]


def test_every_word_within_two_edits_is_within_three_of_optimal_string_alignment() -> None:
    """The cheap first pass (OSA <= 3) never loses a word the exact one (Damerau-Levenshtein <= 2) keeps: checked
    on every pair of strings over three letters up to length five (a transposition with an edit inside it is the
    case where the two differ)."""
    strings = ["".join(p) for n in range(6) for p in itertools.product("abc", repeat=n)]
    worst = 0
    for s in strings:
        for other, _, _ in process.extract(s, strings, scorer=DamerauLevenshtein.distance, score_cutoff=2, limit=None):
            worst = max(worst, OSA.distance(s, other))
    assert worst == 3  # reached ("ca" / "abc"), never exceeded


def test_near_spellings_are_those_of_a_plain_scan(tmp_path: Path) -> None:
    """An index stores its surface words in spelling order, and the slice searched gives what scanning every
    word gives, in the same order; an unordered vocabulary is ordered first."""
    db = tmp_path / "index.db"
    build(ARTICLES, db)
    surface = list(open_index(db)[1].surface)
    assert surface == sorted(surface, key=spelling_key) and len(surface) > 500
    rng = random.Random(7)
    asked = []
    for w in rng.sample([w for w in surface if len(w) >= 4], 150):
        i = rng.randrange(1, len(w))
        asked += [w, w[:i] + w[i + 1 :], w[:i] + "e" + w[i:], w[: i - 1] + w[i] + w[i - 1] + w[i + 1 :]]
    stored, shuffled = _Spellings(surface, ordered=True), _Spellings(rng.sample(surface, len(surface)))
    for word in asked:
        assert stored.near(word) == reference_near(surface, word)
    reshuffled = list(shuffled._given)
    for word in asked[:100]:
        assert shuffled.near(word) == reference_near(reshuffled, word)
