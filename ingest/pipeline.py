"""ingest(settings) -> IngestReport: load, clean, chunk, embed, store; incremental and safe.

Documents and knowledge cards are loaded, cleaned and chunked (pure steps), fingerprinted, and handed
to the store, which embeds only documents whose fingerprint changed and swaps the index atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.errors import DocumentError, StoreUnavailable
from bot.models import Chunk, Document, SourceMeta
from bot.settings import ChunkingSettings, Settings
from ingest.chunk import chunk_document, chunk_id, contextual_text
from ingest.clean import CLEANER_VERSION, clean_document
from ingest.embed import make_embedder
from ingest.load import load_documents
from ingest.seed import Seed, seed_path
from ingest.seed import write_seed as write_seed_file
from ingest.store import ChunkStore, DocumentPlan
from ingest.units import Unit, dutch_text, load_offtopic, load_units, unit_to_dict

log = logging.getLogger(__name__)

CHUNKER_VERSION = "2"
#: How answer units are cited: our own words, resting on the sources they list.
UNIT_PUBLISHER = "Ouderwijzer (uitleg in eigen woorden)"


@dataclass
class IngestReport:
    """Summary of one ingest run, printed by the CLI and asserted by the tests."""

    documents: int = 0
    units: int = 0
    questions: int = 0
    chunks_added: int = 0
    chunks_reused: int = 0  # of the added chunks, how many kept an embedding found by content id or in the seed
    seed_hits: int = 0  # embeddings taken from the committed seed
    seed_written: int = 0  # embeddings written to the seed (--write-seed)
    chunks_kept: int = 0
    chunks_removed: int = 0
    chunks_total: int = 0
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[DocumentError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chunks_per_document: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    embed_seconds: float = 0.0
    collection: str = ""
    swapped: bool = False

    @property
    def chunks_per_second(self) -> float:
        """Embedding throughput of this run (0 when nothing was embedded)."""
        return self.chunks_added / self.embed_seconds if self.embed_seconds > 0 else 0.0


def chunker_fingerprint(settings: ChunkingSettings) -> str:
    """Changes whenever cleaning or chunking would produce other chunks."""
    payload = json.dumps(
        {"cleaner": CLEANER_VERSION, "chunker": CHUNKER_VERSION, **settings.model_dump()}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def document_fingerprint(document: Document, chunker: str) -> str:
    """Changes when the text, the metadata shown in citations or the chunking changes."""
    meta = json.dumps(
        {k: getattr(document.meta, k) for k in document.meta.__dataclass_fields__}, sort_keys=True, default=list
    )
    digest = hashlib.sha256()
    for part in (chunker, meta, document.text):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:24]


def unit_plans(units: list[Unit], chunker: str) -> list[DocumentPlan]:
    """Two records per answer unit: its Dutch passage (kind ``unit``) and its questions (kind ``question``).

    The passage carries the whole unit as JSON, so the index is the one source of truth for answering;
    question records are embedded as queries, because they are compared with a parent's question.
    """
    plans: list[DocumentPlan] = []
    for unit in units:
        data = unit_to_dict(unit)
        payload = json.dumps(data, sort_keys=True, ensure_ascii=False)
        t = unit.texts["nl"]
        meta = SourceMeta(
            id=unit.id,
            title=t.question,
            publisher=UNIT_PUBLISHER,
            published=unit.checked,
            kind="unit",
            file=f"units/{unit.file}",
            sources=unit.sources,
            checked=unit.checked,
            review_by=unit.review_by,
        )
        text = dutch_text(unit)
        chunk = Chunk(id=chunk_id(unit.id, unit.topic, text), doc_id=unit.id, text=text, heading_path=(unit.topic,),
                      char_start=0, char_end=len(text))
        fp = hashlib.sha256(f"{chunker}\x1f{payload}".encode()).hexdigest()[:24]
        plans.append(DocumentPlan(meta=meta, fingerprint=fp, chunks=[chunk], texts=[contextual_text(chunk, meta)],
                                  extras=[{"unit": payload}]))
        questions = unit.questions()
        qmeta = SourceMeta(id=f"{unit.id}#q", title=t.question, publisher=UNIT_PUBLISHER, kind="question",
                           file=f"units/{unit.file}", sources=unit.sources)
        qchunks = [
            Chunk(id=chunk_id(f"{unit.id}#q", "", q), doc_id=qmeta.id, text=q, heading_path=(), char_start=0,
                  char_end=len(q), ordinal=i)
            for i, q in enumerate(questions)
        ]
        qfp = hashlib.sha256("\x1e".join([chunker, *questions]).encode()).hexdigest()[:24]
        plans.append(DocumentPlan(meta=qmeta, fingerprint=qfp, chunks=qchunks, texts=questions, embed_as="query",
                                  extras=[{"unit_id": unit.id}] * len(qchunks)))
    return plans


def plan_documents(settings: Settings) -> tuple[list[DocumentPlan], IngestReport]:
    """Load, clean and chunk everything; pure apart from reading the knowledge folder."""
    report = IngestReport()
    loaded = load_documents(settings.paths.sources_dir, settings.paths.manifest)
    units = load_units(settings.paths.units_dir)
    report.errors = list(loaded.errors)
    report.warnings = list(loaded.warnings) + units.problems
    report.documents = len(loaded.documents)
    report.units = len(units.units)
    chunker = chunker_fingerprint(settings.chunking)
    plans: list[DocumentPlan] = []
    for document in loaded.documents:
        cleaned = clean_document(document)
        chunks = chunk_document(cleaned, settings.chunking)
        if not chunks:
            report.errors.append(DocumentError(document.meta.file or document.id, "no text left after cleaning"))
            continue
        plans.append(
            DocumentPlan(
                meta=document.meta,
                fingerprint=document_fingerprint(document, chunker),
                chunks=chunks,
                texts=[contextual_text(c, document.meta) for c in chunks],
            )
        )
        report.chunks_per_document[document.id] = len(chunks)
    for plan in unit_plans(units.units, chunker):
        plans.append(plan)
        if plan.meta.kind == "question":
            report.questions += len(plan.chunks)
    offtopic, _ = load_offtopic(settings.paths.offtopic)
    if offtopic:
        meta = SourceMeta(id="offtopic", title="Vragen buiten passend onderwijs", kind="offtopic", file="scope")
        chunks = [Chunk(id=chunk_id("offtopic", "", t), doc_id="offtopic", text=t, heading_path=(), char_start=0,
                        char_end=len(t), ordinal=i) for i, t in enumerate(offtopic)]
        fp = hashlib.sha256("\x1e".join([chunker, *offtopic]).encode()).hexdigest()[:24]
        plans.append(DocumentPlan(meta=meta, fingerprint=fp, chunks=chunks, texts=offtopic, embed_as="query"))
    return plans, report


def ingest(
    settings: Settings,
    *,
    rebuild: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    write_seed: bool = False,
) -> IngestReport:
    """Bring the index in line with the knowledge folder.

    Args:
        settings: the loaded settings.
        rebuild: embed everything again into a fresh index (also repairs an unreadable embedded store).
        on_start: called once with the number of chunks that will be embedded.
        on_progress: called with the number of chunks embedded since the last call.
        write_seed: afterwards, write every embedding of the index to the committed seed file.
    """
    started = time.perf_counter()
    plans, report = plan_documents(settings)
    embedder = make_embedder(settings.embedder)
    store = ChunkStore(settings.store, embedder)
    chunker = chunker_fingerprint(settings.chunking)

    if rebuild and settings.store.mode == "embedded":
        try:
            store.info()
        except StoreUnavailable:
            aside = store.reset_embedded()
            report.warnings.append(f"the old index could not be read and was moved to {aside}")

    embed_time = 0.0

    def progress(n: int) -> None:
        if on_progress:
            on_progress(n)

    if on_start:
        current = None if rebuild else store.info()
        if current is None or rebuild:
            on_start(sum(len(p.chunks) for p in plans))
        else:
            existing = {sc.chunk.doc_id: sc.doc_fingerprint for sc in store.all_chunks(current)}
            on_start(sum(len(p.chunks) for p in plans if existing.get(p.meta.id) != p.fingerprint))

    t0 = time.perf_counter()
    seed_file = seed_path(settings.paths.seed_dir, embedder.name)
    seed = Seed.load(seed_file)
    result = store.sync(plans, chunker=chunker, rebuild=rebuild, on_progress=progress, seed=seed)
    report.seed_hits = seed.hits
    if write_seed:
        report.seed_written = write_seed_file(seed_file, result.seeded)
    embed_time = time.perf_counter() - t0
    report.chunks_added = result.added
    report.chunks_reused = result.reused
    report.chunks_kept = result.kept
    report.chunks_removed = result.removed
    report.changed = result.documents_changed
    report.removed = result.documents_removed
    report.collection = result.collection
    report.swapped = result.swapped
    report.chunks_total = sum(len(p.chunks) for p in plans)
    report.embed_seconds = embed_time if result.added else 0.0
    report.seconds = time.perf_counter() - started
    log.info(
        "ingest: %d documents, %d units, %d chunks added, %d kept, %d removed, %d errors in %.1fs",
        report.documents,
        report.units,
        report.chunks_added,
        report.chunks_kept,
        report.chunks_removed,
        len(report.errors),
        report.seconds,
    )
    return report
