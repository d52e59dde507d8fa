"""Question -> ranked passages and answer units.

Two indexes live side by side in the active Chroma collection:

- passages: chunks of the source documents and the Dutch text of every answer unit, searched dense
  and with BM25 over Dutch stems, fused by reciprocal rank fusion. Dense search runs on the vectors
  read from Chroma once per index (a matrix product; an outage of the store does not stop answers), or
  in Chroma itself above ``retrieval.memory_search_limit`` passages;
- questions: every way parents ask each unit (its question bank), matched question-to-question. Their
  vectors are read from Chroma once per index and compared in memory (a few thousand rows).

Every passage carries the score and rank each retriever gave it (for ``ask --debug`` and the staff
console). Modes: ``dense``, ``bm25``, ``hybrid``. (The ``naive`` baseline lives in ``bot/naive.py``.)
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field

import bm25s
import numpy as np

from bot.models import Passage
from bot.query import Analyzer, Query, Vocabulary
from bot.settings import RetrievalSettings
from ingest.chunk import contextual_text, split_sentences
from ingest.embed import Embedder
from ingest.store import ChunkStore, IndexInfo, StoredChunk
from ingest.units import Unit, normalise_quote, unit_from_dict

log = logging.getLogger(__name__)

Ranked = list[tuple[int, float, dict[str, float], dict[str, int]]]
#: BM25 score over a unit's question bank at which its lexical bonus is half its weight.
LEXICAL_HALF = 10.0


@dataclass(frozen=True)
class Proof:
    """A sentence of a source document that proves an answer unit (from the unit's evidence)."""

    chunk_index: int
    sentence: str
    focus: str = ""  # the unit's own evidence quote inside the sentence


@dataclass
class UnitMatch:
    """How well one answer unit matches one ask."""

    unit: Unit
    score: float  # the ranking score (dense: centroid + weighted unit text similarity; bm25: BM25)
    similarity: float  # the dense score the answer decision is calibrated on (0 in bm25 mode)
    question: str  # the unit's question in the bank closest to the ask
    scope: float = 0.0  # closest bank question minus closest off-topic example: > 0 looks in scope
    scores: dict[str, float] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)


class Retriever:
    """Dense + lexical search over the active index, for passages and for unit questions."""

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
        stored.sort(key=lambda sc: (sc.meta.kind, sc.chunk.doc_id, sc.chunk.ordinal))
        questions = [sc for sc in stored if sc.meta.kind == "question"]
        self.chunks: list[StoredChunk] = [sc for sc in stored if sc.meta.kind in ("document", "unit")]
        self.by_id: dict[str, int] = {sc.chunk.id: i for i, sc in enumerate(self.chunks)}
        self._kinds = [sc.meta.kind for sc in self.chunks]
        corpus_terms = [analyzer.terms(contextual_text(sc.chunk, sc.meta)) for sc in self.chunks]
        self._df: Counter[str] = Counter(t for terms in corpus_terms for t in set(terms))
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus_terms, show_progress=False)
        self.vocabulary = Vocabulary(
            w
            for sc in self.chunks
            for w in analyzer.words(f"{sc.meta.title} {' '.join(sc.chunk.heading_path)} {sc.chunk.text}")
        )
        units = [sc for sc in self.chunks if sc.meta.kind == "unit"]
        self._pool_sizes: dict[str | None, int] = {
            None: len(self.chunks), "unit": len(units), "document": len(self.chunks) - len(units)
        }
        # Answer units and their question bank.
        self.units: dict[str, Unit] = {}
        self.unit_chunk: dict[str, int] = {}
        for sc in units:
            raw = sc.extra.get("unit")
            if raw:
                unit = unit_from_dict(json.loads(str(raw)))
                self.units[unit.id] = unit
                self.unit_chunk[unit.id] = self.by_id[sc.chunk.id]
        vectors = store.vectors(info, kind="question") if questions else {}
        kept = [sc for sc in questions if sc.chunk.id in vectors and str(sc.extra.get("unit_id")) in self.units]
        self.question_texts = [sc.chunk.text for sc in kept]
        self.question_unit = [str(sc.extra["unit_id"]) for sc in kept]
        dim = embedder.dim if not vectors else len(next(iter(vectors.values())))
        self.question_vectors = (
            np.stack([vectors[sc.chunk.id] for sc in kept]) if kept else np.zeros((0, dim), np.float32)
        )
        self._qbm25 = bm25s.BM25()
        q_terms = [analyzer.terms(t) or ["_"] for t in self.question_texts]
        if q_terms:
            self._qbm25.index(q_terms, show_progress=False)
        # A unit is matched on the centre of its question bank (robust to one odd paraphrase) plus its
        # own text; leave-one-out over the banks: bench/calibrate.py.
        self.unit_ids = sorted(self.units)
        self._unit_row = {uid: i for i, uid in enumerate(self.unit_ids)}
        sums = np.zeros((len(self.unit_ids), dim), np.float32)
        for vec, uid in zip(self.question_vectors, self.question_unit, strict=True):
            sums[self._unit_row[uid]] += vec
        self.centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
        self._question_row = np.array([self._unit_row[u] for u in self.question_unit], dtype=np.int64)
        self._question_order = np.argsort(self._question_row, kind="stable")
        grouped = self._question_row[self._question_order]
        self._group_starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) else grouped
        self._group_units = grouped[self._group_starts] if len(grouped) else grouped
        unit_vectors = store.vectors(info, kind="unit") if units else {}
        self.unit_vectors = np.zeros((len(self.unit_ids), dim), np.float32)
        for uid, idx in self.unit_chunk.items():
            vec = unit_vectors.get(self.chunks[idx].chunk.id)
            if vec is not None:
                self.unit_vectors[self._unit_row[uid]] = vec
        offtopic = store.vectors(info, kind="offtopic")
        self.offtopic_vectors = np.stack(list(offtopic.values())) if offtopic else np.zeros((0, dim), np.float32)
        self.proofs: dict[str, list[Proof]] = {uid: self._resolve(u) for uid, u in self.units.items()}
        self._unit_questions: dict[str, list[int]] = {}
        for i, uid in enumerate(self.question_unit):
            self._unit_questions.setdefault(uid, []).append(i)
        # Small indexes are searched in memory: one matrix product beats a round trip to Chroma (13 ms per
        # query in bench/profile_answer.py). Above the limit Chroma's HNSW index does the work.
        self.passage_vectors: np.ndarray | None = None
        self._kind_rows: dict[str, np.ndarray] = {}
        if self.chunks and len(self.chunks) <= settings.memory_search_limit:
            found = {**store.vectors(info, kind="document"), **unit_vectors}
            if all(sc.chunk.id in found for sc in self.chunks):
                self.passage_vectors = np.stack([found[sc.chunk.id] for sc in self.chunks])
                kinds = np.array([sc.meta.kind for sc in self.chunks])
                self._kind_rows = {k: np.flatnonzero(kinds == k) for k in ("document", "unit")}

    @property
    def in_memory(self) -> bool:
        """Dense search runs on vectors held in memory, so answers do not need the store."""
        return self.passage_vectors is not None

    # ----- unit evidence ------------------------------------------------------------------------
    def _resolve(self, unit: Unit) -> list[Proof]:
        """The sentences of document chunks that hold the unit's evidence quotes."""
        proofs: list[Proof] = []
        for ev in unit.evidence:
            want = normalise_quote(ev.quote)
            for i, sc in enumerate(self.chunks):
                if sc.meta.id != ev.source or sc.meta.kind != "document":
                    continue
                body = sc.chunk.text
                if want not in normalise_quote(body):
                    continue
                sentence = _sentence_with(body, want)
                if sentence and not any(p.chunk_index == i and p.sentence == sentence for p in proofs):
                    proofs.append(Proof(chunk_index=i, sentence=sentence, focus=ev.quote))
                break
        return proofs

    def document_frequency(self, term: str) -> int:
        """In how many passages a (stemmed) term occurs."""
        return self._df.get(term, 0)

    # ----- single retrievers over passages ------------------------------------------------------
    def dense(
        self, query: Query, n: int, *, kind: str | None = None, vector: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """(passage index, cosine similarity), best first; ``kind`` limits to documents or units."""
        if vector is None:
            vector = self.embedder.query(query.dense_text)
        pool = self._pool_sizes.get(kind, 0) if kind else self._pool_sizes[None]
        if self.passage_vectors is not None:
            rows = self._kind_rows[kind] if kind else np.arange(len(self.chunks))
            sims = self.passage_vectors[rows] @ vector
            top = np.argsort(-sims)[: min(n, pool)]
            return [(int(rows[t]), float(sims[t])) for t in top]
        where = {"kind": kind} if kind else {"kind": {"$in": ["document", "unit"]}}
        hits = self.store.search(vector, min(n, pool), self.info, where=where) if pool else []
        return [(self.by_id[cid], sim) for cid, sim in hits if cid in self.by_id]

    def bm25(
        self, query: Query, n: int, *, kind: str | None = None, ranked: list[tuple[int, float]] | None = None
    ) -> list[tuple[int, float]]:
        """(passage index, BM25 score), best first; passages without any query term are left out."""
        if ranked is None:
            ranked = self._bm25_all(query.bm25_terms)
        if kind:
            kinds = self._kinds
            return list(itertools.islice(((i, s) for i, s in ranked if kinds[i] == kind), n))
        return ranked[:n]

    def _bm25_all(self, terms: list[str]) -> list[tuple[int, float]]:
        if not terms or not self.chunks:
            return []
        docs, scores = self._bm25.retrieve([terms], k=len(self.chunks), show_progress=False)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def rank(
        self, query: Query, *, mode: str, kind: str, vector: np.ndarray | None, lexical: list[tuple[int, float]] | None
    ) -> Ranked:
        """One pool (documents or units) ranked by the chosen retriever(s)."""
        n = self.settings.candidates
        dense = self.dense(query, n, kind=kind, vector=vector) if mode in ("dense", "hybrid") else []
        words = self.bm25(query, n, kind=kind, ranked=lexical) if mode in ("bm25", "hybrid") else []
        return fuse(
            {"dense": dense, "bm25": words},
            weights={"dense": self.settings.dense_weight, "bm25": self.settings.bm25_weight},
            rrf_k=self.settings.rrf_k,
        )

    def passages(self, query: Query, *, mode: str, vector: np.ndarray | None) -> tuple[Ranked, Ranked]:
        """Documents and unit passages, each ranked in its own pool (units are written in parents' words)."""
        lexical = self._bm25_all(query.bm25_terms) if mode in ("bm25", "hybrid") else None
        docs = self.rank(query, mode=mode, kind="document", vector=vector, lexical=lexical)
        units = self.rank(query, mode=mode, kind="unit", vector=vector, lexical=lexical)
        return docs, units

    def passage(self, index: int, score: float = 0.0, scores: dict[str, float] | None = None,
                ranks: dict[str, int] | None = None) -> Passage:
        """The passage at ``index`` as the plain ``Passage`` the composer and the eval use."""
        sc = self.chunks[index]
        return Passage(chunk=sc.chunk, meta=sc.meta, score=score, scores=scores or {}, ranks=ranks or {})

    # ----- answer units by question -------------------------------------------------------------
    def match_units(self, vector: np.ndarray | None, terms: list[str], *, mode: str, limit: int = 5) -> list[UnitMatch]:
        """Units for one ask, best first.

        Dense (and hybrid): cosine to the centre of each unit's question bank plus ``unit_text_weight``
        times the cosine to the unit's own text. bm25: BM25 over the question bank (best question).
        """
        if not self.units:
            return []
        lexical: dict[str, float] = {}
        if terms and self.question_texts:
            docs, scores = self._qbm25.retrieve([terms], k=min(200, len(self.question_texts)), show_progress=False)
            for d, sc in zip(docs[0], scores[0], strict=True):
                uid = self.question_unit[int(d)]
                if sc > 0 and uid not in lexical:
                    lexical[uid] = float(sc)
        if mode == "bm25" or vector is None or not len(self.question_vectors):
            ranked = sorted(lexical.items(), key=lambda kv: -kv[1])[:limit]
            return [UnitMatch(unit=self.units[uid], score=sc, similarity=0.0, question="",
                              scores={"q_bm25": round(sc, 3)},
                              ranks={"q_bm25": r}) for r, (uid, sc) in enumerate(ranked, start=1)]
        q_sims = self.question_vectors @ vector
        w = self.settings
        # Questions are grouped by unit (see __init__), so the closest one per unit is one reduceat
        # (np.maximum.at was 10 ms per ask in bench/profile_answer.py).
        nearest = np.full(len(self.unit_ids), -1.0, np.float32)
        nearest[self._group_units] = np.maximum.reduceat(q_sims[self._question_order], self._group_starts)
        dense = (w.unit_centroid_weight * (self.centroids @ vector) + w.unit_question_weight * nearest
                 + w.unit_text_weight * (self.unit_vectors @ vector))
        if mode == "hybrid" and lexical and w.unit_lexical_weight > 0:
            # The parent's words (and the glossary's) in a unit's question bank: a saturating bonus.
            for uid, sc in lexical.items():
                dense[self._unit_row[uid]] += w.unit_lexical_weight * sc / (sc + LEXICAL_HALF)
        best_question = float(q_sims.max())
        off = float((self.offtopic_vectors @ vector).max()) if len(self.offtopic_vectors) else -1.0
        out = []
        for rank, row in enumerate(np.argsort(-dense)[:limit], start=1):
            uid = self.unit_ids[int(row)]
            own = self._unit_questions.get(uid, [])
            nearest = max(own, key=lambda i: q_sims[i]) if own else None
            out.append(UnitMatch(
                unit=self.units[uid], score=float(dense[row]), similarity=float(dense[row]),
                question=self.question_texts[nearest] if nearest is not None else "",
                scope=round(best_question - off, 4),
                scores={"dense": round(float(dense[row]), 4), "q_bm25": round(lexical.get(uid, 0.0), 3)},
                ranks={"dense": rank},
            ))
        return out


def _sentence_with(body: str, want: str) -> str:
    """The sentence (or sentences) of ``body`` that hold the normalised phrase ``want``."""
    for line in body.split("\n"):
        if want not in normalise_quote(line):
            continue
        spans = split_sentences(line)
        for start, end in spans:
            if want in normalise_quote(line[start:end]):
                return re.sub(r"\s+", " ", line[start:end]).strip().lstrip("•").strip()
        return re.sub(r"\s+", " ", line).strip().lstrip("•").strip()
    return ""


def fuse(rankings: dict[str, list[tuple[object, float]]], *, weights: dict[str, float], rrf_k: int) -> list[tuple]:
    """Weighted reciprocal rank fusion. Returns (key, fused score, raw scores, ranks), best first.

    With a single ranking the order is that ranking's own order (its raw scores are kept too).
    """
    fused: dict[object, float] = {}
    raw: dict[object, dict[str, float]] = {}
    ranks: dict[object, dict[str, int]] = {}
    first_seen: dict[object, int] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        if weight <= 0:
            continue
        for rank, (key, score) in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (rrf_k + rank)
            raw.setdefault(key, {})[name] = round(float(score), 4)
            ranks.setdefault(key, {})[name] = rank
            first_seen.setdefault(key, len(first_seen))
    order = sorted(fused, key=lambda k: (-fused[k], first_seen[k]))
    out = []
    for key in order:
        scores = dict(raw[key])
        scores["rrf"] = round(fused[key], 5)
        out.append((key, fused[key], scores, ranks[key]))
    return out
