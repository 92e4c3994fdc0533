"""Sentence vectors: how close a passage's meaning is to a question's, beyond the words they share.

BM25 sees words; a question that paraphrases its passage ("how much will it cost" / "a price tag of $3bn")
shares few. The encoder is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), exported to ONNX and
quantised to int8 per channel (`index/minilm/`, made by devtools/export_encoder.py), run by ONNX Runtime:
3 ms for a question and about 150 passages a second on one core, no PyTorch. Its mean-pooled, unit-length
vectors agree with the original model's to a cosine of 0.99 on average.

Passages are encoded once, when an index is built (`index/store.py` keeps them in the `vectors` table); a
question is encoded when it is asked. The fitted model reads the cosine similarities as features
(index/features.py); an index built without vectors (`python -m index build --no-vectors`) is answered by a
model fitted without them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.models import Passage

MODEL_DIR = Path(__file__).with_name("minilm")
ENCODER = "all-MiniLM-L6-v2/onnx-int8-per-channel/1"  # an index records it: vectors of another encoder are not mixed
DIMS = 384
MAX_TOKENS = 128  # longer passages are read up to here (the model was trained on 128-token pieces)
BUILD_WORKERS = min(os.cpu_count() or 1, 4)  # texts encoded at once by a build (a question gets one core)


class Encoder:
    """The ONNX sentence encoder. Thread-safe: ONNX Runtime runs a session from several threads at once.

    Every text is encoded alone, on one core: the quantised model scales its activations by what the whole
    batch holds, so a text batched with others (or padded to them) would get a slightly different vector at
    build time than the same words get when asked. Alone, a text's vector is the same wherever it is encoded.
    """

    def __init__(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one core per text: the other answers someone else
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        self._session: Any = onnxruntime.InferenceSession(
            str(MODEL_DIR / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], workers: int = 1) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given (`workers` threads at once)."""
        out = np.zeros((len(texts), DIMS), dtype=np.float32)
        if not texts:
            return out
        encoded = self._tokenizer.encode_batch(list(texts))
        if workers > 1 and len(texts) > 1:
            with ThreadPoolExecutor(workers) as pool:
                for i, vector in enumerate(pool.map(self._one, [e.ids for e in encoded])):
                    out[i] = vector
        else:
            for i, e in enumerate(encoded):
                out[i] = self._one(e.ids)
        return out

    def _one(self, ids: list[int]) -> np.ndarray:
        tokens = np.asarray([ids], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": tokens, "attention_mask": np.ones_like(tokens)})[0]
        pooled: np.ndarray = hidden[0].mean(axis=0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-9)


_shared: list[Encoder] = []
_lock = threading.Lock()


def encoder() -> Encoder:
    """The process's encoder (loaded on first use: 0.3 s)."""
    with _lock:
        if not _shared:
            _shared.append(Encoder())
        return _shared[0]


class LiveVectors:
    """Vectors of passages not stored in an index (an engine over parsed articles: fitting, tests), encoded
    when first asked for and kept."""

    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._kept: dict[str, np.ndarray] = {}

    def of(self, passages: Sequence[Passage]) -> np.ndarray:
        """The vectors of these passages, one row each."""
        missing = list({p.id: p.text for p in passages if p.id not in self._kept}.items())
        if missing:
            found = encoder().encode([text for _, text in missing], self._workers)
            self._kept.update(zip((pid for pid, _ in missing), found, strict=True))
        return np.vstack([self._kept[p.id] for p in passages]) if passages else np.zeros((0, DIMS), np.float32)


class Vectors(Protocol):
    """Where an engine reads its passages' vectors."""

    def of(self, passages: Sequence[Passage]) -> np.ndarray: ...


def to_blob(vector: np.ndarray) -> bytes:
    """A vector as the index stores it: float16, little-endian (768 bytes)."""
    return vector.astype("<f2").tobytes()


def from_blobs(blobs: Sequence[bytes]) -> np.ndarray:
    """Stored vectors back as float32 rows."""
    if not blobs:
        return np.zeros((0, DIMS), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f2").reshape(len(blobs), DIMS).astype(np.float32)
