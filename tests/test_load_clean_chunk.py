"""Loading, cleaning and chunking on small real files and on the real (messy) corpus."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

from bot.settings import ChunkingSettings
from ingest.chunk import chunk_document, chunk_id, split_sentences
from ingest.clean import clean_document, clean_text, is_garbage_line
from ingest.load import load_documents, load_html, load_pdf
from ingest.units import load_offtopic, load_units, parse_units
from tests.conftest import DATA, REPO

SOURCES = REPO / "knowledge" / "sources"


def _doc(name: str):
    result = load_documents(SOURCES, REPO / "knowledge" / "sources.yaml")
    return next(d for d in result.documents if d.id == name)


def test_corpus_loads_with_manifest_metadata() -> None:
    result = load_documents(SOURCES, REPO / "knowledge" / "sources.yaml")
    assert result.errors == []
    ids = {d.id for d in result.documents}
    assert {"renn4-passend-onderwijs", "ocw-plan-van-aanpak-2014", "inspectie-staat-swv-2025"} <= ids
    renn4 = next(d for d in result.documents if d.id == "renn4-passend-onderwijs")
    assert renn4.meta.publisher.startswith("RENN4")
    assert renn4.meta.published == "2020"
    assert not renn4.meta.guessed


def test_pdf_loader_keeps_pages_and_text() -> None:
    text, pages, _ = load_pdf(DATA / "twee-paginas.pdf")
    assert pages == [(1, 0), (2, text.index("\f") + 1)]
    assert "basisondersteuning" in text and "handelingsdeel" in text


def test_pdf_chunks_know_their_page(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    shutil.copy(DATA / "twee-paginas.pdf", tmp_path / "s" / "twee-paginas.pdf")
    result = load_documents(tmp_path / "s", tmp_path / "none.yaml")
    doc = clean_document(result.documents[0])
    chunks = chunk_document(doc, ChunkingSettings(max_chars=200, min_chars=20, overlap_chars=0))
    assert {c.page for c in chunks} == {1, 2}
    joined = " ".join(c.text for c in chunks)
    assert "extra ondersteuning nodig" in joined  # "onder-\nsteuning" repaired
    assert "\f" not in joined


def test_html_loader_drops_navigation_and_footer() -> None:
    text, _, extra = load_html(DATA / "pagina.html")
    assert "thuiszitter" in text
    assert "Privacyverklaring" not in text and "Inloggen" not in text
    assert extra.get("title") == "Thuiszitten"


def test_clean_joins_double_spaced_lines_into_paragraphs() -> None:
    raw = "".join(f"regel {i} van een zin die doorloopt op de\n\nvolgende regel zonder punt\n\n" for i in range(8))
    raw += " \n\nNieuwe alinea begint hier.\n"
    cleaned = clean_text(raw)
    assert "op de volgende regel" in cleaned
    assert "\n\nNieuwe alinea" in cleaned


def test_clean_repairs_hyphenation_but_keeps_compounds() -> None:
    raw = (
        "Het expertisecentrum heeft een professionaliserings-\naanbod voor de sbo-\nschool en de vso-\nen vo-scholen.\n"
    )
    cleaned = clean_text(raw)
    assert "professionaliseringsaanbod" in cleaned
    assert "sbo-school" in cleaned
    assert "vso- en vo-scholen" in cleaned


def test_clean_drops_ocr_garbage_and_keeps_headings() -> None:
    for junk in ("ﬂ 2 oy 1y e", "’t“-}'}’zla", "{", "»", "o", "8"):
        assert is_garbage_line(junk), junk
    for fine in ("Hoofdlijnen samenwerkingsverbanden", "De school is er.", "## Inleiding", "Ja, dat kan."):
        assert not is_garbage_line(fine), fine
    cleaned = clean_document(_doc("inspectie-staat-swv-2025")).text
    assert "oy 1y" not in cleaned and "zla" not in cleaned
    assert "## Hoofdlijnen samenwerkingsverbanden" in cleaned
    assert "gemiddeld 8 leerlingen" in cleaned


def test_clean_joins_sentences_broken_over_columns() -> None:
    cleaned = clean_document(_doc("praktijkvoorbeelden-regulier-speciaal")).text
    assert "risico’s dreigden als gevolg van teruglopende" in cleaned
    assert "# 2. Junior College, Nunspeet" in cleaned


def test_sentences_respect_dutch_abbreviations() -> None:
    text = "Dit kan o.a. bij het swv. Zie bijv. de schoolgids. Klaar!"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Dit kan o.a. bij het swv.",
        "Zie bijv. de schoolgids.",
        "Klaar!",
    ]


def test_chunks_respect_size_keep_headings_and_have_stable_ids() -> None:
    settings = ChunkingSettings(max_chars=700, min_chars=120, overlap_chars=120)
    doc = clean_document(_doc("praktijkvoorbeelden-regulier-speciaal"))
    chunks = chunk_document(doc, settings)
    assert all(len(c.text) <= 700 * 1.3 + 120 for c in chunks)
    assert any(c.heading_path[:1] == ("2. Junior College, Nunspeet",) for c in chunks)
    again = chunk_document(doc, settings)
    assert [c.id for c in chunks] == [c.id for c in again]
    assert len({c.id for c in chunks}) == len(chunks)
    first = chunks[0]
    assert first.id == chunk_id(first.doc_id, first.heading, first.text)
    assert all(c.char_start < c.char_end for c in chunks)


def test_chunk_overlap_repeats_whole_sentences() -> None:
    settings = ChunkingSettings(max_chars=300, min_chars=50, overlap_chars=120)
    doc = clean_document(_doc("renn4-passend-onderwijs"))
    chunks = chunk_document(doc, settings)
    overlaps = 0
    for a, b in itertools.pairwise(chunks):
        first_sentence = b.text.split("\n")[0]
        if first_sentence in a.text:
            overlaps += 1
    assert overlaps >= len(chunks) // 3


def test_units_load_with_their_dates_and_translations() -> None:
    result = load_units(REPO / "knowledge" / "units")
    assert result.problems == []
    for unit in result.units:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", unit.checked)
        assert unit.review_by > unit.checked
        assert set(unit.texts) == {"nl", "en", "tr", "ar", "pl", "uk"}


def test_a_broken_unit_is_reported_by_file_and_id() -> None:
    part = parse_units([{"id": "x-1", "nl": {"question": "?"}, "asked_as": ["a"]}, "not a mapping"], "broken.yaml")
    assert part.units == []
    assert any("broken.yaml: x-1" in p for p in part.problems)
    assert any("unit 2: not a mapping" in p for p in part.problems)


def test_a_third_of_the_off_topic_questions_is_never_indexed() -> None:
    indexed, held = load_offtopic(REPO / "knowledge" / "scope" / "offtopic.yaml")
    assert held and not set(held) & set(indexed)
    assert 0.25 < len(held) / (len(held) + len(indexed)) < 0.42


def test_document_without_manifest_entry_gets_guessed_metadata(small_knowledge: Path) -> None:
    (small_knowledge / "sources" / "Nieuwe Notitie.md").write_text("# Over arrangementen\n\nTekst.\n", encoding="utf-8")
    result = load_documents(small_knowledge / "sources", small_knowledge / "sources.yaml")
    guessed = next(d for d in result.documents if d.meta.guessed)
    assert guessed.id == "nieuwe-notitie"
    assert guessed.meta.title == "Over arrangementen"
    assert any("not in sources.yaml" in w for w in result.warnings)


def test_unreadable_files_are_reported_by_name(small_knowledge: Path) -> None:
    src = small_knowledge / "sources"
    shutil.copy(DATA / "kapot.pdf", src / "kapot.pdf")
    (src / "leeg.txt").write_text("", encoding="utf-8")
    (src / "latin1.txt").write_bytes("Caf\xe9 en cr\xe8che".encode("latin-1"))
    result = load_documents(src, small_knowledge / "sources.yaml")
    reasons = {e.name: e.reason for e in result.errors}
    assert "not a readable PDF" in reasons["kapot.pdf"]
    assert reasons["leeg.txt"] == "the file is empty"
    assert "not UTF-8" in reasons["latin1.txt"]
    assert {d.id for d in result.documents} == {"tlv", "zorgplicht"}
