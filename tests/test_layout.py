"""The stored layout (issue 12): an opened index scores, tokenises and answers exactly as analysing the text does.

The reference here is the engine as it was before the layout was stored: every passage tokenised and stemmed
at start, rank-bm25's statistics over those token lists (its own ``BM25Okapi``, with the Lucene IDF), and the
plain scoring loop of index/rank.py (``w * idf * tf * (k1 + 1) / (tf + norm)``). Scores must be equal as floats,
not merely close: the answer model reads them.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest
from rank_bm25 import BM25Okapi

from bot.examples import example_questions
from index import lexicon, rank
from index.analysis import analyse
from index.answer import Engine
from index.build import build
from index.models import Passage
from index.parse import read_article
from index.question import spelling_key
from index.store import Corpus, open_index
from index.text import STOP_WORDS, stem, terms, words

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = [
    ROOT / "articles" / "2026-01-22-davos-peace-talks.txt",
    ROOT / "tests" / "fixtures" / "2026-03-05-port-strike.txt",
    ROOT / "tests" / "fixtures" / "2026-02-11-tram-vote.txt",
]
QUESTIONS = [
    "What did Trump say?",
    "what did zelensky say about security guarantees",
    "How many containers are waiting?",
    "Why did the union strike?",
    "When is the tram vote?",
    "Who said peace is not only a cessation of hostilities?",
    "What are the sticking points?",
    "what happens next",
    "Who is quoted?",
    "What is the article about?",
    "when was it published",
    "What did the mayor say about the budget?",
    "chocolate cake recipe",
    "wat did rute say",
]


class _Lucene(BM25Okapi):  # type: ignore[misc]
    def _calc_idf(self, nd: dict[str, int]) -> None:
        self.idf = {t: math.log(1.0 + (self.corpus_size - n + 0.5) / (n + 0.5)) for t, n in nd.items()}


def old_terms(p: Passage) -> list[str]:
    """A passage's index terms, computed the way the engine did at every start before issue 12."""
    doc = [stem(w) for w in words(p.text) if w not in STOP_WORDS]
    return doc + (terms(p.speaker) if p.speaker else [])


def old_scores(bm25: _Lucene, query: dict[str, float]) -> dict[int, float]:
    """The plain scoring loop of index/rank.py before issue 12, over rank-bm25's own statistics."""
    out: dict[int, float] = {}
    for term, weight in query.items():
        if term not in bm25.idf:
            continue
        for doc, freqs in enumerate(bm25.doc_freqs):
            tf = freqs.get(term)
            if tf:
                norm = bm25.k1 * (1 - bm25.b + bm25.b * bm25.doc_len[doc] / bm25.avgdl)
                out[doc] = out.get(doc, 0.0) + weight * bm25.idf[term] * float(tf) * (bm25.k1 + 1) / (float(tf) + norm)
    return out


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> tuple[Corpus, Engine, Corpus]:
    """The fixture articles built into an index and opened; and the same articles parsed in memory."""
    db = tmp_path_factory.mktemp("layout") / "index.db"
    build(ARTICLES, db)
    parsed = [read_article(p) for p in ARTICLES]
    return open_index(db)[0], Engine.from_db(db, remember=0), Corpus.of(parsed)


def test_stored_scores_are_the_old_scores_bit_for_bit(
    opened: tuple[Corpus, Engine, Corpus], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, engine, _ = opened
    docs = [old_terms(p) for p in corpus.passages]
    bm25 = _Lucene([d or ["\x00"] for d in docs], k1=rank.K1, b=rank.B)
    vocabulary = sorted({t for d in docs for t in d})
    queries = [{t: 1.0} for t in vocabulary]
    queries += [{stem(w): 1.0 for w in words(q) if w not in STOP_WORDS} for q in QUESTIONS]
    queries += [{"peac": 0.7, "talk": 1.3, "ukrain": 0.5}, {"strike": 2.0, "union": 0.25, "nonexistent": 1.0}]
    assert engine.ranker.idf == bm25.idf
    assert engine.ranker.vocabulary() == {t: sum(1 for d in docs if t in d) for t in vocabulary}
    for small in (rank.SMALL, 0):  # the plain-Python path and the NumPy path
        monkeypatch.setattr(rank, "SMALL", small)
        for query in queries:
            expected = old_scores(bm25, query)
            assert engine.ranker.scores(query) == expected
            assert engine.ranker.grouped_scores([{t: w} for t, w in query.items()]) == expected
            if set(query.values()) == {1.0}:  # rank-bm25 itself (it knows no weights), to rounding
                full = engine.ranker.full_scores(list(query))
                assert all(full[d] == pytest.approx(s, rel=1e-12) for d, s in expected.items())


def test_stored_tokens_and_lookups_are_what_the_text_gives(opened: tuple[Corpus, Engine, Corpus]) -> None:
    corpus, engine, _ = opened
    assert len(engine.passages) == len(corpus.passages) > 50
    for i, p in enumerate(corpus.passages):
        assert engine.term_sequence(i) == old_terms(p)
        assert engine.distinct_terms(i) == tuple(dict.fromkeys(old_terms(p)))
        assert engine.position_of(p) == i and engine.passage(p.id) == p
    assert engine.quote_numbers() == [i for i, p in enumerate(corpus.passages) if p.kind == "quote" and p.speaker]
    assert [engine.speaker_of(i) for i in range(len(corpus.passages))] == [p.speaker for p in corpus.passages]
    for sp in engine.speakers:
        said = [i for i, p in enumerate(corpus.passages) if p.article_id == sp.article_id and p.speaker == sp.name]
        assert engine.own(sp) == said
    surface = {w: stem(w) for p in corpus.passages for w in words(p.text)}
    extra = [sp.name for sp in engine.speakers] + [r for sp in engine.speakers for r in sp.roles]
    extra += [a.title for a in corpus.articles] + [p.lead_in for p in corpus.passages if p.lead_in]
    surface.update({w: stem(w) for w in words(" ".join(extra)) if w not in surface})
    assert engine.analyser.surface == surface
    # In spelling order (first letter, length), and in order of first use (passages, then names, roles, titles
    # and lead-ins) within it.
    assert list(engine.analyser.surface) == sorted(surface, key=spelling_key)


def test_an_opened_index_answers_as_the_parsed_articles_do(opened: tuple[Corpus, Engine, Corpus]) -> None:
    _, stored, parsed = opened
    fresh = Engine(parsed, remember=0)
    for question in QUESTIONS:
        assert stored.answer(question) == fresh.answer(question)
        assert stored.answer(question).hits == fresh.answer(question).hits
    assert stored.speakers_first_passages() == fresh.speakers_first_passages()
    assert stored.issues() == fresh.issues()
    assert example_questions(stored) == example_questions(fresh) != []


def test_in_memory_analysis_equals_the_stored_layout(opened: tuple[Corpus, Engine, Corpus], tmp_path: Path) -> None:
    _, _, parsed = opened
    db = tmp_path / "index.db"
    build(ARTICLES, db)
    a = analyse(parsed.articles, parsed.passages, parsed.speakers)
    b = open_index(db)[1]
    assert a.surface == b.surface and list(a.surface) == list(b.surface)
    assert (a.flags == b.flags).all() and (a.numbers == b.numbers).all() and (a.tokens == b.tokens).all()
    assert a.speaker_names == b.speaker_names and a.voices == b.voices and a.speakers == b.speakers
    assert a.articles == b.articles


def test_the_stored_english_frequencies_are_the_librarys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index carries pyspellchecker's word frequencies as flat buffers; every word reads back its count,
    and an opened engine's question analysis uses them instead of parsing the library's file."""
    library = json.loads(gzip.decompress((resources.files("spellchecker") / "resources" / "en.json.gz").read_bytes()))
    db = tmp_path / "index.db"
    build(ARTICLES[:1], db)
    stored = open_index(db)[1].english
    assert stored is not None and len(library) > 100_000
    assert all(stored.get(w) == n for w, n in library.items())
    assert [stored.get(w) for w in ("", "zzqxj", "peace ", "peacee", "a" * 60)] == [0] * 5
    monkeypatch.setattr(lexicon, "_ENGLISH", [])
    monkeypatch.setattr(lexicon.English, "from_library", None)  # reading the library now would fail
    engine = Engine.from_db(db, remember=0)
    assert lexicon.english().get("peace") == library["peace"] > 0
    assert engine.answer("wat did witkof say about moscow").hits


def test_records_read_back_whatever_their_strings_hold() -> None:
    """Articles, speakers and voices are stored as columns of lines; a value that would break a line (or None)
    makes its column JSON instead, and everything reads back equal."""
    from index import store
    from index.models import Article, Speaker

    arts = (
        Article("a1", "Title one", "2026-01-01 10:00", ("TAG", "Other"), "a1.txt"),
        Article("a2", "Two\nlines", None, (), "dir\nname/a2.txt"),
        Article("a3", "", "", ("",), ""),
    )
    sps = (Speaker("a1", "Ann Lee", ("Chief", ""), ("Lee",)), Speaker("a3", "Bo", (), ()))
    voices = (("a1", "Ann Lee"), ("a3", "Bo"))
    layout = analyse((), (), ())
    layout = replace(layout, articles=arts, speakers=sps, voices=voices)
    columns = store._record_columns(layout)
    assert columns["article_titles"][0] == columns["article_dates"][0] == columns["sources"][0] == "json"
    assert columns["speaker_full_names"][0] == "lines"
    stored = {k: v for k, (_, v) in columns.items()}
    typed = {k: t for k, (t, _) in columns.items()}
    assert store._records(stored, typed) == (arts, sps, voices)


@pytest.mark.parametrize("chunk", [None, 4], ids=["chunks-of-500", "chunks-of-4"])
def test_stored_speaker_lookups_and_profiles_are_what_the_profiles_give(
    opened: tuple[Corpus, Engine, Corpus], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int | None
) -> None:
    """The speakers' lookups are stored and read back as arrays, the profiles a chunk at a time when asked for:
    both equal what walking every speaker's profile gives. A build pickles each chunk as soon as it is full and
    gathers the lookups as the profiles come (with chunks of 4, several are)."""
    from index import analysis
    from index.question import SpeakerLookups, speaker_profile

    if chunk is not None:
        monkeypatch.setattr(analysis, "PROFILES_PER_CHUNK", chunk)
    PROFILES_PER_CHUNK = analysis.PROFILES_PER_CHUNK
    StoredProfiles, load_profile_chunks, pickle_profiles = (
        analysis.StoredProfiles,
        analysis.load_profile_chunks,
        analysis.pickle_profiles,
    )
    _, _, parsed = opened
    db = tmp_path / "index.db"
    build(ARTICLES, db)
    layout = open_index(db)[1]
    profiles = [speaker_profile(sp) for sp in layout.speakers]
    assert len(layout.profiles) == -(-len(profiles) // PROFILES_PER_CHUNK)
    expected = SpeakerLookups.of(profiles)
    stored = layout.lookups
    assert stored is not None and len(expected.by_token) > 10
    for name in ("by_token", "by_qualifier", "by_head"):
        want, got = getattr(expected, name), getattr(stored, name)
        assert {k: list(v) for k, v in got.items()} == {k: list(v) for k, v in want.items()}
        assert all(k in got for k in want) and "no such key" not in got
    assert stored.offices == expected.offices
    lazy = StoredProfiles(layout.profiles, len(layout.speakers))
    assert list(lazy) == load_profile_chunks(layout.profiles) == profiles
    many = [speaker_profile(sp) for sp in parsed.speakers] * (PROFILES_PER_CHUNK // len(parsed.speakers) + 2)
    chunked = StoredProfiles(pickle_profiles(many), len(many))
    assert chunked[len(many) - 1] == many[-1] and chunked[PROFILES_PER_CHUNK] == many[PROFILES_PER_CHUNK]
    assert chunked[-1] == many[-1] and chunked[2:5] == many[2:5]
    with pytest.raises(IndexError):
        chunked[len(many)]
