"""The textbook baseline (``--retriever naive``): raw files, RecursiveCharacterTextSplitter(1000, 200),
LangChain's Chroma vector store and the same embedder. No cleaning, no headings, no lexical search.

It exists to be compared against, side by side in one eval run. Its index is built once per
embedder and corpus version under ``data/naive/``.
"""

from __future__ import annotations

import hashlib
import logging

from langchain_chroma import Chroma
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bot.models import Chunk, Passage, SourceMeta
from bot.settings import Settings
from ingest.embed import Embedder
from ingest.load import load_documents
from ingest.store import ensure_collection, open_client_for

log = logging.getLogger(__name__)


class NaiveRetriever:
    """Dense search over naively split raw documents."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        loaded = load_documents(settings.paths.sources_dir, settings.paths.manifest)
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.meta: dict[str, SourceMeta] = {d.id: d.meta for d in loaded.documents}
        texts: list[str] = []
        ids: list[str] = []
        metadatas: list[dict[str, str | int]] = []
        for doc in loaded.documents:
            for i, piece in enumerate(splitter.split_text(doc.text)):
                texts.append(piece)
                ids.append(f"naive:{doc.id}:{i}")
                metadatas.append({"doc_id": doc.id, "ordinal": i})
        digest = hashlib.sha256((embedder.name + "\x1f" + "\x1f".join(texts)).encode()).hexdigest()[:12]
        client = open_client_for(settings.paths.data_dir / "naive")
        name = f"naive-{digest}"
        collection = ensure_collection(client, name, embedder)
        self._store = Chroma(client=client, collection_name=name, embedding_function=embedder)
        if collection.count() != len(ids):
            log.info("building the naive baseline index (%d chunks)", len(ids))
            self._store.add_texts(texts=texts, metadatas=metadatas, ids=ids)
        self._texts = dict(zip(ids, texts, strict=True))

    def search(self, question: str, *, k: int) -> list[Passage]:
        """The ``k`` nearest raw chunks to the question."""
        results = self._store.similarity_search_with_score(question, k=k)
        passages = []
        for rank, (doc, distance) in enumerate(results, start=1):
            doc_id = str(doc.metadata["doc_id"])
            ordinal = int(doc.metadata.get("ordinal", 0))
            chunk = Chunk(
                id=f"naive:{doc_id}:{ordinal}",
                doc_id=doc_id,
                text=doc.page_content,
                heading_path=(),
                char_start=0,
                char_end=len(doc.page_content),
                ordinal=ordinal,
            )
            similarity = 1.0 - float(distance)
            passages.append(
                Passage(
                    chunk=chunk,
                    meta=self.meta[doc_id],
                    score=similarity,
                    scores={"dense": round(similarity, 4)},
                    ranks={"dense": rank},
                )
            )
        return passages
