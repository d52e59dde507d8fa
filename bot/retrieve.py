"""Question -> ranked ``Passage``s: dense search in Chroma, BM25 with Dutch stems, fused by RRF.

The BM25 index and the vocabulary are built in memory from the chunks of the active Chroma
collection, so Chroma stays the one source of truth. Every passage carries the score and rank each
retriever gave it, for ``ask --debug`` and the staff console. Modes: ``dense``, ``bm25``, ``hybrid``.
(The ``naive`` baseline lives in ``bot/naive.py``.)
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence

import bm25s
import numpy as np

from bot.models import Passage
from bot.query import Analyzer, Query, Vocabulary
from bot.settings import RetrievalSettings
from ingest.chunk import contextual_text
from ingest.embed import Embedder
from ingest.store import ChunkStore, IndexInfo, StoredChunk

log = logging.getLogger(__name__)


class Retriever:
    """Dense + lexical search over the active index."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        analyzer: Analyzer,
        settings: RetrievalSettings,
        info: IndexInfo,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.analyzer = analyzer
        self.settings = settings
        self.info = info
        stored = store.all_chunks(info)
        stored.sort(key=lambda sc: (sc.meta.kind != "card", sc.chunk.doc_id, sc.chunk.ordinal))
        self.chunks: list[StoredChunk] = stored
        self.by_id: dict[str, int] = {sc.chunk.id: i for i, sc in enumerate(stored)}
        corpus_terms = [analyzer.terms(contextual_text(sc.chunk, sc.meta)) for sc in stored]
        self._df: Counter[str] = Counter(t for terms in corpus_terms for t in set(terms))
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus_terms, show_progress=False)
        self.vocabulary = Vocabulary(
            w
            for sc in stored
            for w in analyzer.words(f"{sc.meta.title} {' '.join(sc.chunk.heading_path)} {sc.chunk.text}")
        )
        self.documents = sorted({sc.chunk.doc_id for sc in stored})

    def document_frequency(self, term: str) -> int:
        """In how many chunks a (stemmed) term occurs."""
        return self._df.get(term, 0)

    # ----- single retrievers ------------------------------------------------------------------
    def dense(self, query: Query, n: int) -> list[tuple[int, float]]:
        """(chunk index, cosine similarity), best first."""
        vector = self.embedder.query(query.dense_text)
        hits = self.store.search(vector, min(n, len(self.chunks)), self.info)
        return [(self.by_id[cid], sim) for cid, sim in hits if cid in self.by_id]

    def bm25(self, query: Query, n: int) -> list[tuple[int, float]]:
        """(chunk index, BM25 score), best first; chunks without any query term are left out."""
        if not query.bm25_terms or not self.chunks:
            return []
        docs, scores = self._bm25.retrieve([query.bm25_terms], k=min(n, len(self.chunks)), show_progress=False)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    # ----- fused --------------------------------------------------------------------------------
    def search(self, query: Query, *, mode: str | None = None, k: int | None = None, lang: str = "nl") -> list[Passage]:
        """The ``k`` best passages for ``query``; cards in another language than ``lang`` are skipped."""
        mode = mode or self.settings.mode
        k = k or self.settings.k
        n = self.settings.candidates
        dense = self.dense(query, n) if mode in ("dense", "hybrid") else []
        lexical = self.bm25(query, n) if mode in ("bm25", "hybrid") else []
        allowed = {"nl", lang}
        dense = [(i, s) for i, s in dense if self.chunks[i].meta.lang in allowed]
        lexical = [(i, s) for i, s in lexical if self.chunks[i].meta.lang in allowed]
        fused = fuse(
            {"dense": dense, "bm25": lexical},
            weights={"dense": self.settings.dense_weight, "bm25": self.settings.bm25_weight},
            rrf_k=self.settings.rrf_k,
        )
        passages = []
        for idx, score, scores, ranks in fused[:k]:
            sc = self.chunks[idx]
            passages.append(Passage(chunk=sc.chunk, meta=sc.meta, score=score, scores=scores, ranks=ranks))
        return passages

    def similarity(self, query_text: str, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of a query to a few texts (used to rank sentences for quoting)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        q = self.embedder.query(query_text)
        p = self.embedder.passages(list(texts))
        return p @ q


def fuse(
    rankings: dict[str, list[tuple[int, float]]],
    *,
    weights: dict[str, float],
    rrf_k: int,
) -> list[tuple[int, float, dict[str, float], dict[str, int]]]:
    """Weighted reciprocal rank fusion. Returns (index, fused score, raw scores, ranks), best first.

    With a single ranking the order is that ranking's own order (its raw scores are kept too).
    """
    fused: dict[int, float] = {}
    raw: dict[int, dict[str, float]] = {}
    ranks: dict[int, dict[str, int]] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, (idx, score) in enumerate(ranking, start=1):
            fused[idx] = fused.get(idx, 0.0) + weight / (rrf_k + rank)
            raw.setdefault(idx, {})[name] = round(float(score), 4)
            ranks.setdefault(idx, {})[name] = rank
    order = sorted(fused, key=lambda i: (-fused[i], i))
    out = []
    for idx in order:
        scores = dict(raw[idx])
        scores["rrf"] = round(fused[idx], 5)
        out.append((idx, fused[idx], scores, ranks[idx]))
    return out
