"""Sentence vectors (index/dense.py): encoded faithfully, stored at build time, read back, and optional."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index.answer import Engine
from index.build import build
from index.decide import MODEL_FILE, PLAIN_MODEL_FILE, Model
from index.dense import DIMS, ENCODER, LiveVectors, encoder, sentences
from index.features import DENSE_NAMES, NAMES
from index.parse import read_article
from index.retrieve import CLOSEST_K, candidates
from index.store import Corpus, read_meta, stored_vectors

ROOT = Path(__file__).resolve().parent.parent
DAVOS = ROOT / "articles" / "2026-01-22-davos-peace-talks.txt"
PORT = ROOT / "tests" / "fixtures" / "2026-03-05-port-strike.txt"


def test_vectors_are_unit_length_and_the_same_for_the_same_text_alone_or_in_a_batch() -> None:
    texts = ["How much will the new bridge cost?", "a", "The mayor opened a school on Monday. " * 40]
    together = encoder().encode(texts)
    assert together.shape == (3, DIMS)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    alone = np.vstack([encoder().encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)  # padding to a batch's longest text changes nothing


@pytest.mark.parametrize(
    ("question", "answer", "unrelated"),
    [
        (
            "how much will it cost",
            "The project carries a price tag of 3 billion dollars.",
            "The minister visited the site.",
        ),
        (
            "why did the workers walk out",
            "Dock staff stopped work over unpaid overtime.",
            "The port handles a million boxes.",
        ),
        ("who won the election", "Maria Lopez took 54 percent of the vote.", "Polling stations open at 7am."),
    ],
)
def test_a_paraphrase_sharing_no_word_is_closer_than_an_unrelated_passage(
    question: str, answer: str, unrelated: str
) -> None:
    asked, right, wrong = encoder().encode([question, answer, unrelated])
    assert asked @ right > asked @ wrong + 0.15


def test_a_build_stores_every_passages_vector_and_the_engine_reads_them(tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    stats = build([DAVOS, PORT], db)
    assert read_meta(db)["vectors"] == ENCODER
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == stats.passages
    engine = Engine.from_db(db)
    assert engine.vectors is not None
    parsed = [p for f in (DAVOS, PORT) for p in read_article(f).passages]
    stored = engine.vectors.of(parsed)
    live = LiveVectors().of(parsed)
    for p, kept, fresh in zip(parsed, stored, live, strict=True):
        assert kept.shape == fresh.shape == (1 + len(sentences(p.text)), DIMS)
        assert np.abs(kept - fresh).max() < 2e-3  # stored as float16
    assert any(len(m) > 1 for m in stored)  # passages of several sentences keep each sentence's vector too
    assert engine.model.names == DENSE_NAMES


def test_stored_vectors_beyond_the_cache_are_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "index.db"
    build([DAVOS, PORT], db)
    vectors = stored_vectors(db)
    assert vectors is not None
    monkeypatch.setattr(vectors, "CACHED", 5)
    parsed = [p for f in (DAVOS, PORT) for p in read_article(f).passages]
    for start in range(0, len(parsed), 7):  # each call finds some kept, reads the rest, empties a full cache
        batch = parsed[start : start + 12]
        assert [len(m) for m in vectors.of(batch)] == [1 + len(sentences(p.text)) for p in batch]


def test_an_index_built_without_vectors_answers_with_the_model_fitted_without_them(tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    build([DAVOS], db, vectors=False)
    assert read_meta(db)["vectors"] == "none"
    assert stored_vectors(db) is None
    engine = Engine.from_db(db)
    assert engine.vectors is None
    assert engine.model.names == NAMES
    answer = engine.answer("who is going to Moscow?")
    assert answer.answered
    _, rows = engine.candidate_rows(engine.analyse("who is going to Moscow?"))
    assert rows.shape[1] == len(NAMES)


def test_incremental_builds_keep_vectors_in_step_with_the_passages(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(DAVOS, folder)
    shutil.copy(PORT, folder)
    db = tmp_path / "index.db"
    build([folder], db)
    (folder / PORT.name).unlink()
    stats = build([folder], db)
    assert stats.parsed == 0 and stats.removed == 1
    with sqlite3.connect(db) as conn:
        ids = {r[0] for r in conn.execute("SELECT id FROM passages")}
        assert {r[0] for r in conn.execute("SELECT id FROM vectors")} == ids
    # Asked for without vectors, the build starts again from scratch: no index mixes the two.
    build([folder], db, vectors=False)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == 0


def test_sentences_split_at_sentence_ends_only() -> None:
    assert sentences("One sentence with 3.5 million and Dr. Who") == []
    assert sentences("“We are close,” he said. The talks resume on Monday! Will they? Yes.") == [
        "“We are close,” he said.",
        "The talks resume on Monday!",
        "Will they?",
        "Yes.",
    ]
    assert sentences("He said: “It is over.” Then he left.") == ["He said: “It is over.”", "Then he left."]


@pytest.mark.parametrize(("path", "names"), [(MODEL_FILE, DENSE_NAMES), (PLAIN_MODEL_FILE, NAMES)])
def test_each_shipped_model_fits_its_features(path: Path, names: tuple[str, ...]) -> None:
    model = Model.load(path, names)
    assert model.names == names
    assert 0.0 < model.threshold < 1.0


def test_warming_loads_the_encoder_only_for_an_engine_with_vectors(tmp_path: Path) -> None:
    from index import dense

    db = tmp_path / "index.db"
    build([DAVOS], db, vectors=False)
    dense._shared.clear()
    Engine.from_db(db).warm()
    assert not dense._shared  # no vectors: nothing to load
    build([DAVOS], db)
    Engine.from_db(db).warm()
    assert dense._shared


def test_without_the_encoders_files_an_index_with_vectors_is_answered_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from index import dense

    db = tmp_path / "index.db"
    build([DAVOS], db)
    monkeypatch.setattr(dense, "MODEL_DIR", tmp_path / "nowhere")
    engine = Engine.from_db(db)
    assert engine.vectors is None and engine.model.names == NAMES
    assert engine.answer("who is going to Moscow?").answered
    assert "answering without sentence vectors" in caplog.text and "model.onnx is missing" in caplog.text


def test_a_question_none_of_whose_words_the_index_holds_gets_the_passages_closest_in_meaning() -> None:
    parsed = read_article(PORT)
    with_vectors = Engine(Corpus.of([parsed]), vectors=LiveVectors())
    q = with_vectors.analyse("are shops running out of food")  # no word of it is in the article
    assert not with_vectors.ranker.grouped_scores(q.groups, limit=with_vectors.candidate_limit)
    found = candidates(with_vectors, q)
    assert len(found) == CLOSEST_K
    assert all(x.bm25 == 0.0 for x in found)
    asked = with_vectors.question_vector(q.text)
    closeness = [float(LiveVectors().of([p])[0][0] @ asked) for p in with_vectors.passages]
    assert [x.index for x in found] == sorted(range(len(closeness)), key=lambda i: -closeness[i])[:CLOSEST_K]
    # Without vectors there is nothing to go by: no candidates, a refusal.
    assert candidates(Engine(Corpus.of([parsed]), vectors=None), q) == []


def test_the_optimised_copy_of_the_model_gives_the_same_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first encoder writes ONNX Runtime's optimised copy into the cache folder, later ones read it (quicker
    to start); the vectors are those of a plain session over the shipped model, bit for bit; a damaged copy is
    made again."""
    import onnxruntime

    from index.dense import MODEL_DIR, Encoder, optimised_copy

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    texts = ["What did the minister say about the budget?", "wat did tillr say abut the budjet", "tldr", ""]
    plain = Encoder()  # no copy yet: optimises, and writes it
    copy = optimised_copy(onnxruntime.__version__)
    assert copy is not None and copy.is_file() and copy.parent.parent == tmp_path
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    plain._session = onnxruntime.InferenceSession(str(MODEL_DIR / "model.onnx"), options)
    expected = plain.encode(texts)
    assert np.array_equal(Encoder().encode(texts), expected)  # read from the copy
    copy.write_bytes(b"not a model")
    assert np.array_equal(Encoder().encode(texts), expected) and copy.stat().st_size > 1_000_000


def test_an_unwritable_cache_folder_still_gives_an_encoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the optimised copy cannot be written, the encoder loads without keeping one."""
    from index import dense

    monkeypatch.setattr(dense, "optimised_copy", lambda version: tmp_path / "gone" / "model.onnx")
    texts = ["what did the minister say"]
    assert np.array_equal(dense.Encoder().encode(texts), encoder().encode(texts))
    assert not (tmp_path / "gone").exists()
