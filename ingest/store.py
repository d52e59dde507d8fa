"""Chunks <-> Chroma. The only module that imports ``chromadb``.

(Over 500 lines on purpose: everything that touches Chroma, including the embedding-function adapters
Chroma asks for, stays in this one module, so no other module needs to know its API.)

Each ingest writes a *new* collection (``<prefix>-<stamp>``) and, only when it is complete, moves the
``active`` pointer (one record in the ``<prefix>--meta`` collection) to it. A failed or killed ingest
therefore leaves the previous index answering; its half-built collection is removed by the next run.
Unchanged documents are copied with their stored embeddings, so they cost no embedding calls.
The pointer records the embedder and chunking that built the index; a mismatch asks for ``--rebuild``.
Works the same against an embedded database (``store.mode: embedded``) and a ``chroma run`` server.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import IndexMismatch, IndexMissing, StoreUnavailable
from bot.models import Chunk, SourceMeta
from bot.settings import StoreSettings
from ingest.embed import Embedder
from ingest.seed import Seed
from ingest.seed import key as seed_key

log = logging.getLogger(__name__)

_ACTIVE = "active"
_ADD_BATCH = 256


@dataclass(frozen=True)
class IndexInfo:
    """What the active pointer says about the index."""

    collection: str
    embedder: str
    dim: int
    chunker: str
    built_at: str
    chunks: int
    documents: int


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored, with its source metadata and the fingerprint of the document version.

    ``extra`` holds what some kinds of records carry besides text: an answer unit its full data
    (``unit``), a question record the id of its unit (``unit_id``).
    """

    chunk: Chunk
    meta: SourceMeta
    doc_fingerprint: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class DocumentPlan:
    """One document to put in the index: its metadata, fingerprint and chunks."""

    meta: SourceMeta
    fingerprint: str
    chunks: list[Chunk]
    texts: list[str]  # what gets embedded, one per chunk
    embed_as: str = "passage"  # passage | query (question records are compared with questions)
    extras: list[dict[str, Any]] = field(default_factory=list)  # per chunk, stored as x_<key> metadata


@dataclass
class SyncResult:
    """Counts for the ingest summary."""

    added: int = 0
    kept: int = 0
    reused: int = 0  # chunks of changed documents whose embedding was found by content id or in the seed
    seeded: list[tuple[str, np.ndarray]] = field(default_factory=list)  # (content key, vector) of every chunk
    removed: int = 0
    documents_changed: list[str] = field(default_factory=list)
    documents_removed: list[str] = field(default_factory=list)
    swapped: bool = False
    collection: str = ""


_EXTRA = "x_"


def _chunk_metadata(
    chunk: Chunk, meta: SourceMeta, fingerprint: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        **{f"{_EXTRA}{k}": v for k, v in (extra or {}).items()},
        "doc_id": chunk.doc_id,
        "doc_fp": fingerprint,
        "heading_path": json.dumps(list(chunk.heading_path), ensure_ascii=False),
        "char_start": chunk.char_start,
        "char_end": chunk.char_end,
        "page": chunk.page if chunk.page is not None else -1,
        "ordinal": chunk.ordinal,
        "title": meta.title,
        "publisher": meta.publisher,
        "published": meta.published,
        "url": meta.url,
        "kind": meta.kind,
        "lang": meta.lang,
        "file": meta.file,
        "sources": json.dumps(list(meta.sources), ensure_ascii=False),
        "checked": meta.checked,
        "review_by": meta.review_by,
        "guessed": meta.guessed,
    }


def _from_metadata(chunk_id: str, text: str, md: dict[str, Any]) -> StoredChunk:
    page = int(md.get("page", -1))
    chunk = Chunk(
        id=chunk_id,
        doc_id=str(md["doc_id"]),
        text=text,
        heading_path=tuple(json.loads(str(md.get("heading_path") or "[]"))),
        char_start=int(md.get("char_start", 0)),
        char_end=int(md.get("char_end", 0)),
        page=page if page >= 0 else None,
        ordinal=int(md.get("ordinal", 0)),
    )
    meta = SourceMeta(
        id=str(md["doc_id"]),
        title=str(md.get("title", "")),
        publisher=str(md.get("publisher", "")),
        published=str(md.get("published", "")),
        url=str(md.get("url", "")),
        kind=str(md.get("kind", "document")),
        lang=str(md.get("lang", "nl")),
        file=str(md.get("file", "")),
        sources=tuple(json.loads(str(md.get("sources") or "[]"))),
        checked=str(md.get("checked", "")),
        review_by=str(md.get("review_by", "")),
        guessed=bool(md.get("guessed", False)),
    )
    extra = {k[len(_EXTRA) :]: v for k, v in md.items() if k.startswith(_EXTRA)}
    return StoredChunk(chunk=chunk, meta=meta, doc_fingerprint=str(md.get("doc_fp", "")), extra=extra)


class ChunkStore:
    """The index in Chroma: read the active collection, search it, and replace it safely."""

    def __init__(self, settings: StoreSettings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._client_obj: Any = None
        self._collection_cache: tuple[str, Any] | None = None

    # ----- connection -------------------------------------------------------------------------
    @property
    def where(self) -> str:
        """Human description of the store location, for messages."""
        if self.settings.mode == "http":
            return f"Chroma server at {self.settings.host}:{self.settings.port}"
        return f"Chroma database in {self.settings.path}"

    def _client(self) -> Any:
        if self._client_obj is not None:
            return self._client_obj
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if self.settings.mode == "http":
                client = chromadb.HttpClient(host=self.settings.host, port=self.settings.port, settings=chroma_settings)
                _set_http_timeout(client, self.settings.timeout_seconds)
            else:
                self.settings.path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(self.settings.path), settings=chroma_settings)
        except Exception as exc:  # chromadb raises many types: connection, value, sqlite errors
            raise StoreUnavailable(f"{self.where} is not reachable: {_reason(exc)}") from exc
        self._client_obj = client
        return client

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run one Chroma call; any failure becomes ``StoreUnavailable`` with a readable reason."""
        try:
            return fn()
        except (IndexMissing, IndexMismatch, StoreUnavailable):
            raise
        except Exception as exc:
            if self.settings.mode == "http":
                self._client_obj = None  # reconnect next time: the server may come back
            self._collection_cache = None
            raise StoreUnavailable(f"{self.where}: {what} failed: {_reason(exc)}") from exc

    def heartbeat(self) -> bool:
        """True when the store answers (used by /readyz)."""
        try:
            self._call("heartbeat", lambda: self._client().heartbeat())
        except StoreUnavailable:
            return False
        return True

    # ----- the active pointer -----------------------------------------------------------------
    def _meta_collection(self, create: bool) -> Any:
        client = self._client()
        name = f"{self.settings.collection}--meta"
        if create:
            return client.get_or_create_collection(name=name, embedding_function=_NoEmbedding())
        try:
            return client.get_collection(name=name, embedding_function=_NoEmbedding())
        except Exception as exc:
            if _is_not_found(exc):
                return None
            raise

    def info(self) -> IndexInfo | None:
        """The active index, or None when nothing was built yet."""

        def read() -> IndexInfo | None:
            meta = self._meta_collection(create=False)
            if meta is None:
                return None
            got = meta.get(ids=[_ACTIVE], include=["metadatas"])
            if not got["ids"]:
                return None
            md = got["metadatas"][0]
            return IndexInfo(
                collection=str(md["collection"]),
                embedder=str(md["embedder"]),
                dim=int(md["dim"]),
                chunker=str(md.get("chunker", "")),
                built_at=str(md.get("built_at", "")),
                chunks=int(md.get("chunks", 0)),
                documents=int(md.get("documents", 0)),
            )

        return self._call("reading the index pointer", read)

    def require(self, chunker: str | None = None) -> IndexInfo:
        """The active index, checked against our embedder (and chunker when given)."""
        info = self.info()
        if info is None:
            raise IndexMissing(f"there is no index yet in the {self.where}; run: ouderwijzer ingest")
        if info.embedder != self.embedder.name:
            raise IndexMismatch(
                f"the index was built with embedder '{info.embedder}' but the config says "
                f"'{self.embedder.name}'; run: ouderwijzer ingest --rebuild"
            )
        if chunker is not None and info.chunker and info.chunker != chunker:
            raise IndexMismatch("the index was built with other chunking settings; run: ouderwijzer ingest --rebuild")
        return info

    def _collection(self, name: str) -> Any:
        if self._collection_cache and self._collection_cache[0] == name:
            return self._collection_cache[1]
        col = self._client().get_collection(name=name, embedding_function=_EmbedderFunction(self.embedder))
        self._collection_cache = (name, col)
        return col

    # ----- reading ----------------------------------------------------------------------------
    def all_chunks(self, info: IndexInfo | None = None) -> list[StoredChunk]:
        """Every chunk of the active index (for the lexical index and the source list)."""
        info = info or self.require()

        def read() -> list[StoredChunk]:
            col = self._collection(info.collection)
            got = col.get(include=["documents", "metadatas"])
            return [
                _from_metadata(cid, doc or "", md or {})
                for cid, doc, md in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            ]

        return self._call("reading chunks", read)

    def search(
        self, vector: np.ndarray, n: int, info: IndexInfo, *, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks to a query vector: ``(chunk id, cosine similarity)``, best first.

        ``where`` filters on chunk metadata, e.g. ``{"kind": "card"}``.
        """

        def query() -> list[tuple[str, float]]:
            col = self._collection(info.collection)
            res = col.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"], where=where)
            return [(cid, 1.0 - float(dist)) for cid, dist in zip(res["ids"][0], res["distances"][0], strict=True)]

        return self._call("searching", query)

    def vectors(self, info: IndexInfo, *, kind: str) -> dict[str, np.ndarray]:
        """Stored embeddings of every record of one kind, by id (question records are matched in memory)."""

        def read() -> dict[str, np.ndarray]:
            col = self._collection(info.collection)
            got = col.get(where={"kind": kind}, include=["embeddings"])
            return {cid: np.asarray(e, dtype=np.float32) for cid, e in zip(got["ids"], got["embeddings"], strict=True)}

        return self._call("reading vectors", read)

    # ----- writing ----------------------------------------------------------------------------
    def _existing(self, info: IndexInfo | None) -> dict[str, dict[str, Any]]:
        """Stored chunks of the active index grouped by document: ids, texts, metadatas, embeddings."""
        if info is None:
            return {}
        col = self._collection(info.collection)
        got = col.get(include=["documents", "metadatas", "embeddings"])
        by_doc: dict[str, dict[str, Any]] = {}
        for i, cid in enumerate(got["ids"]):
            md = got["metadatas"][i]
            entry = by_doc.setdefault(
                str(md["doc_id"]), {"fp": md.get("doc_fp"), "ids": [], "docs": [], "mds": [], "embs": []}
            )
            entry["ids"].append(cid)
            entry["docs"].append(got["documents"][i])
            entry["mds"].append(md)
            entry["embs"].append(got["embeddings"][i])
        return by_doc

    def sync(
        self,
        plans: Sequence[DocumentPlan],
        *,
        chunker: str,
        rebuild: bool = False,
        on_progress: Callable[[int], None] | None = None,
        seed: Seed | None = None,
    ) -> SyncResult:
        """Make the index hold exactly ``plans``; embed only what changed; swap atomically.

        Args:
            plans: every document that should be in the index.
            chunker: fingerprint of the chunking settings, recorded with the index.
            rebuild: ignore the current index and embed everything again.
            on_progress: called with the number of chunks just embedded.
        """
        result = SyncResult()
        current: IndexInfo | None = None
        if not rebuild:
            current = self.info()
            if current is not None and current.embedder != self.embedder.name:
                raise IndexMismatch(
                    f"the index was built with embedder '{current.embedder}' but the config says "
                    f"'{self.embedder.name}'; run: ouderwijzer ingest --rebuild"
                )
        existing = self._call("reading the current index", lambda: self._existing(current))
        wanted = {p.meta.id: p for p in plans}
        unchanged = {doc_id for doc_id, p in wanted.items() if existing.get(doc_id, {}).get("fp") == p.fingerprint}
        result.documents_removed = sorted(set(existing) - set(wanted))
        result.documents_changed = sorted(set(wanted) - unchanged)
        result.kept = sum(len(existing[d]["ids"]) for d in unchanged)
        result.removed = sum(len(e["ids"]) for d, e in existing.items() if d not in unchanged)
        result.added = sum(len(wanted[d].chunks) for d in result.documents_changed)
        unchanged_index = not result.documents_changed and not result.documents_removed
        for doc_id in sorted(unchanged):
            # Every kept embedding, by content key (for --write-seed).
            plan, by_id = wanted[doc_id], dict(zip(existing[doc_id]["ids"], existing[doc_id]["embs"], strict=True))
            result.seeded.extend(
                (seed_key(self.embedder.name, plan.embed_as, t), np.asarray(by_id[c.id], np.float32))
                for c, t in zip(plan.chunks, plan.texts, strict=True)
                if c.id in by_id
            )
        if current is not None and unchanged_index and current.chunker == chunker:
            result.collection = current.collection
            return result  # nothing to do: the index already holds exactly this

        name = f"{self.settings.collection}-{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"

        def build() -> None:
            client = self._client()
            col = client.create_collection(
                name=name,
                embedding_function=_EmbedderFunction(self.embedder),
                metadata={"hnsw:space": "cosine", "embedder": self.embedder.name, "building": True},
            )
            for doc_id in sorted(unchanged):
                entry = existing[doc_id]
                for start in range(0, len(entry["ids"]), _ADD_BATCH):
                    sl = slice(start, start + _ADD_BATCH)
                    col.add(
                        ids=entry["ids"][sl],
                        documents=entry["docs"][sl],
                        metadatas=entry["mds"][sl],
                        embeddings=[list(map(float, e)) for e in entry["embs"][sl]],
                    )
            # Chunk ids are content hashes: a chunk whose id is already stored keeps its embedding,
            # also when the document around it changed (one edited question costs one embedding).
            known = {
                cid: emb for entry in existing.values() for cid, emb in zip(entry["ids"], entry["embs"], strict=True)
            }
            batch = max(1, self._batch_size())
            for doc_id in result.documents_changed:
                plan = wanted[doc_id]
                embed = self.embedder.queries if plan.embed_as == "query" else self.embedder.passages
                for start in range(0, len(plan.chunks), batch):
                    chunks = plan.chunks[start : start + batch]
                    texts = plan.texts[start : start + batch]
                    keys = [seed_key(self.embedder.name, plan.embed_as, t) for t in texts]
                    found: list[np.ndarray | None] = []
                    for c, k in zip(chunks, keys, strict=True):
                        vec = known.get(c.id)
                        found.append(
                            np.asarray(vec, np.float32) if vec is not None else (seed.get(k) if seed else None)
                        )
                    todo = [i for i, v in enumerate(found) if v is None]
                    fresh = embed([texts[i] for i in todo]) if todo else np.zeros((0, 0), np.float32)
                    for j, i in enumerate(todo):
                        found[i] = np.asarray(fresh[j], np.float32)
                    vectors = [list(map(float, v)) for v in found if v is not None]
                    result.seeded.extend((k, v) for k, v in zip(keys, found, strict=True) if v is not None)
                    extras = plan.extras[start : start + batch] if plan.extras else [{}] * len(chunks)
                    col.add(
                        ids=[c.id for c in chunks],
                        documents=[c.text for c in chunks],
                        metadatas=[
                            _chunk_metadata(c, plan.meta, plan.fingerprint, x)
                            for c, x in zip(chunks, extras, strict=True)
                        ],
                        embeddings=vectors,
                    )
                    result.reused += len(chunks) - len(todo)
                    if on_progress:
                        on_progress(len(chunks))
            total = col.count()
            meta = self._meta_collection(create=True)
            meta.upsert(
                ids=[_ACTIVE],
                embeddings=[[0.0]],
                documents=[name],
                metadatas=[
                    {
                        "collection": name,
                        "embedder": self.embedder.name,
                        "dim": int(self.embedder.dim),
                        "chunker": chunker,
                        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "chunks": total,
                        "documents": len(wanted),
                    }
                ],
            )

        try:
            self._call("writing the new index", build)
        except BaseException:
            # Leave the active index alone; remove what we half-built (a kill skips this: the next run does it).
            self._drop_quietly(name)
            raise
        result.swapped = True
        result.collection = name
        self._collection_cache = None
        self.cleanup(keep={name, current.collection if current else name})
        return result

    def _batch_size(self) -> int:
        return int(getattr(self.embedder, "batch_size", 0) or 32)

    def _drop_quietly(self, name: str) -> None:
        try:
            self._client().delete_collection(name=name)
        except Exception:  # it may not exist, or the store may be gone: nothing more to do here
            log.debug("could not drop collection %s", name, exc_info=True)

    def cleanup(self, keep: Iterable[str]) -> list[str]:
        """Delete our collections that are not in ``keep`` (old generations, half-built leftovers).

        The previous generation is kept on purpose: a server that loaded it a moment ago can finish
        its in-flight searches before it notices the new pointer.
        """
        keep = set(keep)
        prefix = f"{self.settings.collection}-"
        dropped: list[str] = []

        def run() -> None:
            for col in self._client().list_collections():
                name = col if isinstance(col, str) else col.name
                if name.startswith(prefix) and not name.endswith("--meta") and name not in keep:
                    self._client().delete_collection(name=name)
                    dropped.append(name)

        self._call("cleaning up old collections", run)
        return dropped

    def reset_embedded(self) -> Path | None:
        """Embedded mode: move an unreadable database aside so ``--rebuild`` can start fresh."""
        if self.settings.mode != "embedded" or not self.settings.path.exists():
            return None
        from chromadb.api.client import SharedSystemClient

        self._client_obj = None
        self._collection_cache = None
        # chromadb keeps one open system per path in this process; forget the broken one.
        SharedSystemClient.clear_system_cache()
        aside = self.settings.path.with_name(f"{self.settings.path.name}.broken-{int(time.time())}")
        shutil.move(str(self.settings.path), str(aside))
        return aside


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    if "connect" in name.lower() or "connect" in text.lower():
        return "connection refused (is the server running?)"
    return f"{name}: {text[:200]}" if text else name


def _is_not_found(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "notfound" in text or "does not exist" in text or "not found" in text


def _set_http_timeout(client: Any, seconds: float) -> None:
    """chromadb's HTTP client waits forever by default; a hung server must not hang a parent's question."""
    import httpx

    server = getattr(client, "_server", None)
    session = getattr(server, "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds)


class _EmbedderFunction:
    """Chroma embedding function backed by our embedder: every collection gets one explicitly,
    so Chroma never tries to download its default ONNX model."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def __call__(self, input: Sequence[str]) -> list[np.ndarray]:
        return list(self._embedder.passages(list(input)))

    def embed_query(self, input: Sequence[str]) -> list[np.ndarray]:
        return list(self._embedder.queries(list(input)))

    @staticmethod
    def name() -> str:
        return "ouderwijzer"

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self._embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> _EmbedderFunction:
        # Chroma rebuilds functions from stored config when it lists collections. We always open
        # collections with our own embedder, so a placeholder that never embeds is enough here.
        return _NoEmbedding()

    def validate_config_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        return None

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        return None


class _NoEmbedding(_EmbedderFunction):
    """For the pointer collection: records carry explicit vectors, nothing is ever embedded."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Sequence[str]) -> list[np.ndarray]:
        return [np.zeros(1, dtype=np.float32) for _ in input]

    def embed_query(self, input: Sequence[str]) -> list[np.ndarray]:
        return self(input)

    @staticmethod
    def name() -> str:
        return "ouderwijzer-none"

    def get_config(self) -> dict[str, Any]:
        return {}


def open_client_for(path: Path) -> Any:
    """An embedded Chroma client at ``path`` (used by the LangChain baseline, which brings its own code)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def ensure_collection(client: Any, name: str, embedder: Embedder) -> Any:
    """Create (or open) a cosine collection with our embedder as its explicit embedding function."""
    return client.get_or_create_collection(
        name=name, embedding_function=_EmbedderFunction(embedder), metadata={"hnsw:space": "cosine"}
    )
