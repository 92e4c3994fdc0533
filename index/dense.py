"""Sentence vectors: how close a passage's meaning is to a question's, beyond the words they share.

BM25 sees words; a question that paraphrases its passage ("how much will it cost" / "a price tag of $3bn")
shares few. The encoder is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), exported to ONNX and
quantised to int8 per channel (`index/minilm/`, made by devtools/export_encoder.py), run by ONNX Runtime:
3 ms for a question and about 170 short texts a second on one core, no PyTorch. Its mean-pooled, unit-length
vectors agree with the original model's to a cosine of 0.99 on average.

Passages (and each of their sentences) are encoded once, when an index is built (`index/store.py` keeps them in
the `vectors` table); a question is encoded when it is asked. The fitted model reads the cosine similarities as
features (index/features.py); an index built without vectors (`python -m index build --no-vectors`) is answered
by a model fitted without them.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.models import Passage

MODEL_DIR = Path(__file__).with_name("minilm")
# An index records it: vectors of another encoder (or another way of cutting passages) are never mixed.
ENCODER = "all-MiniLM-L6-v2/onnx-int8-per-channel/passages-and-sentences/2"
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
        self._session: Any = _session(onnxruntime)

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


def unavailable() -> str:
    """Why the encoder cannot be loaded here ("" when it can): a package or a model file missing."""
    import importlib.util

    for package in ("onnxruntime", "tokenizers"):
        if importlib.util.find_spec(package) is None:
            return f"the package {package} is not installed (pip install -e .)"
    for name in ("model.onnx", "tokenizer.json"):
        if not (MODEL_DIR / name).is_file():
            return f"{MODEL_DIR / name} is missing (reinstall the project)"
    return ""


def _session(onnxruntime: Any) -> Any:
    """An ONNX Runtime session over the model, from the copy ONNX Runtime optimised at an earlier start when there
    is one.

    Optimising the graph (node fusions) is most of the session's creation: 0.14-0.19 s of a 0.5 s start on this
    machine, against 0.06 s to read the optimised copy. The copy is written at the "extended" level, which fuses
    nodes but makes no choice for this machine's processor (the "all" level would), into the user's cache
    folder under the ONNX Runtime version and the model file's size and time; its vectors equal the original
    session's bit for bit (tests/test_dense.py). A cache that cannot be written or read is simply not used.
    """

    def options(level: Any) -> Any:
        made = onnxruntime.SessionOptions()
        made.intra_op_num_threads = 1  # one core per text: the other answers someone else
        made.inter_op_num_threads = 1
        made.log_severity_level = 3  # errors only
        made.graph_optimization_level = level
        return made

    levels = onnxruntime.GraphOptimizationLevel
    providers = ["CPUExecutionProvider"]
    cached = optimised_copy(onnxruntime.__version__)
    if cached is not None and cached.is_file():
        try:
            return onnxruntime.InferenceSession(str(cached), options(levels.ORT_DISABLE_ALL), providers=providers)
        except Exception:  # damaged or foreign: made again below
            cached.unlink(missing_ok=True)
    making = options(levels.ORT_ENABLE_EXTENDED)
    partial = None
    if cached is not None:
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        making.optimized_model_filepath = str(partial)
    try:
        session = onnxruntime.InferenceSession(str(MODEL_DIR / "model.onnx"), making, providers=providers)
    except Exception:
        if partial is None:
            raise
        # The copy could not be written (a full disk, a folder gone): load without keeping one.
        partial.unlink(missing_ok=True)
        partial = None
        making = options(levels.ORT_ENABLE_EXTENDED)
        session = onnxruntime.InferenceSession(str(MODEL_DIR / "model.onnx"), making, providers=providers)
    if partial is not None and cached is not None:
        try:
            os.replace(partial, cached)  # whole or not at all: a concurrent start reads the original
        except OSError:
            partial.unlink(missing_ok=True)
    return session


def optimised_copy(runtime_version: str) -> Path | None:
    """Where ONNX Runtime's optimised copy of the model is kept ($XDG_CACHE_HOME or ~/.cache), or None."""
    try:
        model = (MODEL_DIR / "model.onnx").stat()
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsbot"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):
        return None
    return folder / f"minilm-ort{runtime_version}-{model.st_size}-{model.st_mtime_ns}.onnx"


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

    def of(self, passages: Sequence[Passage]) -> list[np.ndarray]:
        """Each passage's vectors (see `encode_passages`)."""
        missing = list({p.id: p for p in passages if p.id not in self._kept}.values())
        if missing:
            self._kept.update(zip((p.id for p in missing), encode_passages(missing, self._workers), strict=True))
        return [self._kept[p.id] for p in passages]


def sentences(text: str) -> list[str]:
    """A passage's sentences, when it has more than one (a closing quote mark stays with its sentence)."""
    found: list[str] = []
    for piece in SENTENCE_END.split(text):
        if found and ABBREVIATED.search(found[-1]):
            found[-1] += " " + piece  # "Dr. Who", "J. Smith": not a sentence's end
        elif piece.strip():
            found.append(piece)
    return found if len(found) > 1 else []


SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][”\"]))\s+(?=[“\"A-Z0-9])")
# Titles and initials before a full stop (general English, not any article's).
ABBREVIATED = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|Jr|Sr|No|vs|Mt|Ft)|\b[A-Z])\.$")


def encode_passages(passages: Sequence[Passage], workers: int = 1) -> list[np.ndarray]:
    """Each passage's vectors: a matrix whose first row is the whole passage's vector and whose other rows are
    its sentences' (none for a passage of one sentence). A long paragraph's answer is often one sentence, whose
    meaning the whole passage's vector blurs (SQuAD's paragraphs most of all)."""
    texts: list[str] = []
    sizes: list[int] = []
    for p in passages:
        pieces = [p.text, *sentences(p.text)]
        texts += pieces
        sizes.append(len(pieces))
    found = encoder().encode(texts, workers)
    out: list[np.ndarray] = []
    at = 0
    for size in sizes:
        out.append(found[at : at + size])
        at += size
    return out


class Vectors(Protocol):
    """Where an engine reads its passages' vectors."""

    def of(self, passages: Sequence[Passage]) -> list[np.ndarray]: ...


def to_blob(vectors: np.ndarray) -> bytes:
    """A passage's vectors as the index stores them: float16, little-endian, 768 bytes a row."""
    return vectors.astype("<f2").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """Stored vectors back as float32 rows."""
    return np.frombuffer(blob, dtype="<f2").reshape(-1, DIMS).astype(np.float32)
