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
        cards = sum(1 for sc in stored if sc.meta.kind == "card")
        self._pool_sizes: dict[str | None, int] = {None: len(stored), "card": cards, "document": len(stored) - cards}

    def document_frequency(self, term: str) -> int:
        """In how many chunks a (stemmed) term occurs."""
        return self._df.get(term, 0)

    # ----- single retrievers ------------------------------------------------------------------
    def dense(
        self, query: Query, n: int, *, kind: str | None = None, vector: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """(chunk index, cosine similarity), best first; ``kind`` limits to documents or cards.

        ``vector`` is the query embedding when the caller already has it (one embedding per question).
        """
        if vector is None:
            vector = self.embedder.query(query.dense_text)
        pool = self._pool_sizes[kind]
        where = {"kind": kind} if kind else None
        hits = self.store.search(vector, min(n, pool), self.info, where=where) if pool else []
        return [(self.by_id[cid], sim) for cid, sim in hits if cid in self.by_id]

    def bm25(
        self, query: Query, n: int, *, kind: str | None = None, ranked: list[tuple[int, float]] | None = None
    ) -> list[tuple[int, float]]:
        """(chunk index, BM25 score), best first; chunks without any query term are left out.

        ``ranked`` is the full BM25 ranking when the caller already has it (one scoring per question).
        """
        if ranked is None:
            ranked = self._bm25_all(query)
        if kind:
            ranked = [(i, s) for i, s in ranked if (self.chunks[i].meta.kind == "card") == (kind == "card")]
        return ranked[:n]

    def _bm25_all(self, query: Query) -> list[tuple[int, float]]:
        if not query.bm25_terms or not self.chunks:
            return []
        docs, scores = self._bm25.retrieve([query.bm25_terms], k=len(self.chunks), show_progress=False)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    # ----- fused --------------------------------------------------------------------------------
    def search(self, query: Query, *, mode: str | None = None, k: int | None = None, lang: str = "nl") -> list[Passage]:
        """The ``k`` best source passages, followed by the best knowledge cards.

        Documents and cards are ranked in separate pools: cards are written in parents' words and
        would otherwise crowd the candidate lists, while the documents are the evidence. Cards in
        another language than ``lang`` (other than Dutch) are skipped.
        """
        mode = mode or self.settings.mode
        k = k or self.settings.k
        # Embed and score the question once; both pools reuse the results.
        vector = self.embedder.query(query.dense_text) if mode in ("dense", "hybrid") else None
        lexical = self._bm25_all(query) if mode in ("bm25", "hybrid") else None
        ranked_cards = self._rank(query, mode=mode, kind="card", lang=lang, vector=vector, lexical=lexical)
        docs = self._rank(query, mode=mode, kind="document", lang=lang, vector=vector, lexical=lexical)
        if mode == "hybrid":
            docs = self._boost_card_sources(docs, ranked_cards)
        cards = self._title_boost(query, ranked_cards)
        passages = []
        picked_cards: list[tuple[int, float, dict[str, float], dict[str, int]]] = []
        seen_cards: set[str] = set()
        for item in cards:
            if len(picked_cards) >= self.settings.max_cards:
                break
            base = self.chunks[item[0]].meta.id.split(".")[0]
            if base not in seen_cards:  # one chunk per card: the best one
                seen_cards.add(base)
                picked_cards.append(item)
        for idx, score, scores, ranks in [*docs[:k], *picked_cards]:
            sc = self.chunks[idx]
            passages.append(Passage(chunk=sc.chunk, meta=sc.meta, score=score, scores=scores, ranks=ranks))
        return passages

    def _rank(
        self,
        query: Query,
        *,
        mode: str,
        kind: str,
        lang: str,
        vector: np.ndarray | None,
        lexical: list[tuple[int, float]] | None,
    ) -> list[tuple[int, float, dict[str, float], dict[str, int]]]:
        n = self.settings.candidates
        allowed = {"nl", lang}
        dense = self.dense(query, n, kind=kind, vector=vector) if mode in ("dense", "hybrid") else []
        words = self.bm25(query, n, kind=kind, ranked=lexical) if mode in ("bm25", "hybrid") else []
        dense = [(i, s) for i, s in dense if self.chunks[i].meta.lang in allowed]
        words = [(i, s) for i, s in words if self.chunks[i].meta.lang in allowed]
        return fuse(
            {"dense": dense, "bm25": words},
            weights={"dense": self.settings.dense_weight, "bm25": self.settings.bm25_weight},
            rrf_k=self.settings.rrf_k,
        )

    def _title_boost(
        self, query: Query, cards: list[tuple[int, float, dict[str, float], dict[str, int]]]
    ) -> list[tuple[int, float, dict[str, float], dict[str, int]]]:
        """A card whose title names what the question names ("onderwijsconsulenten") goes first.

        Card titles are precise topic labels; a card that only mentions the topic in passing
        (a general "where to get advice" card) should not beat the card about it.
        """
        asked = set(self.analyzer.terms(" ".join(query.key_words)))
        if not asked:
            return cards
        boosted = []
        for idx, score, scores, ranks in cards:
            meta = self.chunks[idx].meta
            named = asked & set(self.analyzer.terms(f"{meta.title} {meta.id.split('.')[0].replace('-', ' ')}"))
            if named:
                scores = {**scores, "title_match": len(named)}
                score += 0.01 * len(named)
            boosted.append((idx, score, scores, ranks))
        boosted.sort(key=lambda item: (-item[1], item[0]))
        return boosted

    def _boost_card_sources(
        self,
        docs: list[tuple[int, float, dict[str, float], dict[str, int]]],
        cards: list[tuple[int, float, dict[str, float], dict[str, int]]],
    ) -> list[tuple[int, float, dict[str, float], dict[str, int]]]:
        """Lift passages of the documents that the best-matching cards were written from.

        A card ranks well because it is written in a parent's words; the corpus passages it rests on
        often do not. The card's ``sources`` point at them, so a passage from such a document gets a
        bonus in proportion to how well the card ranked.
        """
        weight = self.settings.card_source_boost
        if weight <= 0 or not cards:
            return docs
        bonus: dict[str, float] = {}
        for idx, score, *_ in cards[:3]:
            for source in self.chunks[idx].meta.sources:
                bonus[source] = max(bonus.get(source, 0.0), weight * score)
        boosted = []
        for idx, score, scores, ranks in docs:
            extra = bonus.get(self.chunks[idx].meta.id, 0.0)
            if extra:
                scores = {**scores, "card_boost": round(extra, 5)}
            boosted.append((idx, score + extra, scores, ranks))
        boosted.sort(key=lambda item: (-item[1], item[0]))
        return boosted

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
