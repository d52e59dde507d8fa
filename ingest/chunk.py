"""Cleaned ``Document`` -> ``Chunk``s: split on headings first, then on sentences, with a small overlap.

Every chunk keeps its document id, heading path, character offsets in the cleaned text, its page (for
paged sources) and an id derived from its content, so re-ingesting unchanged text gives the same ids.
``split_sentences`` is shared with the answer composer, which quotes single sentences.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.models import Chunk, Document, SourceMeta
from bot.settings import ChunkingSettings

PAGE_BREAK = "\f"
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^• ")
#: Dutch abbreviations that end in a period but do not end a sentence.
#: Abbreviations that end in a full stop without ending a sentence: ingest/data/text.yaml, read once.
_TEXT_FILE = Path(__file__).resolve().parent / "data" / "text.yaml"
_ABBREVIATIONS: list[str] = list(yaml.safe_load(_TEXT_FILE.read_text(encoding="utf-8"))["abbreviations"])
_ABBREV_RE = "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True))
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9ÀÁÂÄÈÉÊËÌÍÎÏÒÓÔÖÙÚÛÜ•–-])")
_DOTTED_ABBREV = re.compile(r"\b(?:" + _ABBREV_RE + r")\.$", re.IGNORECASE)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Offsets ``(start, end)`` of the sentences in ``text`` (Dutch punctuation and abbreviations)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_BREAK.finditer(text):
        candidate = text[start : match.start() + 1].rstrip()
        if _DOTTED_ABBREV.search(candidate) or re.search(r"\b[A-Za-z]\.$", candidate):
            continue  # "o.a." / "t.a.v." / initials: not the end of a sentence
        end = match.start()
        while end < len(text) and text[end] in ".!?…\"'”’)":
            end += 1
        if text[start:end].strip():
            spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


@dataclass(frozen=True, slots=True)
class _Unit:
    """A sentence or list item: the smallest piece a chunk is built from."""

    text: str
    start: int
    end: int
    new_block: bool  # starts a paragraph or list item (joined with a newline, not a space)


def _sections(text: str) -> list[tuple[tuple[str, ...], list[_Unit]]]:
    """Split cleaned text into (heading path, units) sections."""
    sections: list[tuple[tuple[str, ...], list[_Unit]]] = []
    stack: list[tuple[int, str]] = []
    units: list[_Unit] = []

    def close() -> None:
        nonlocal units
        if units:
            sections.append((tuple(h for _, h in stack), units))
        units = []

    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        stripped = line.strip()
        if not stripped or stripped == PAGE_BREAK:
            continue
        heading = _HEADING.match(stripped)
        if heading:
            close()
            level = len(heading.group(1))
            stack = [(lvl, h) for lvl, h in stack if lvl < level]
            stack.append((level, heading.group(2).strip()))
            continue
        offset = line_start + (len(line) - len(line.lstrip()))
        first = True
        for s, e in split_sentences(stripped):
            piece = stripped[s:e].replace(PAGE_BREAK, " ").strip()
            if piece:
                units.append(_Unit(piece, offset + s, offset + e, new_block=first))
                first = False
    close()
    return sections


def _split_long(unit: _Unit, limit: int) -> list[_Unit]:
    """A unit longer than a whole chunk is cut at word boundaries (rare: tables, run-on lists)."""
    if len(unit.text) <= limit:
        return [unit]
    parts: list[_Unit] = []
    words = unit.text.split(" ")
    current: list[str] = []
    cursor = unit.start
    for word in words:
        if current and len(" ".join([*current, word])) > limit:
            piece = " ".join(current)
            parts.append(_Unit(piece, cursor, cursor + len(piece), new_block=not parts and unit.new_block))
            cursor += len(piece) + 1
            current = []
        current.append(word)
    if current:
        piece = " ".join(current)
        parts.append(_Unit(piece, cursor, cursor + len(piece), new_block=not parts and unit.new_block))
    return parts


def _join(units: list[_Unit]) -> str:
    out = ""
    for unit in units:
        if not out:
            out = unit.text
        else:
            out += ("\n" if unit.new_block else " ") + unit.text
    return out


def _pack(units: list[_Unit], settings: ChunkingSettings) -> list[list[_Unit]]:
    """Greedy packing of units into chunks of at most ``max_chars``, repeating a small overlap."""
    pieces = [p for u in units for p in _split_long(u, settings.max_chars)]
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    fresh = 0  # units in ``current`` that are not overlap
    for unit in pieces:
        size = len(_join([*current, unit]))
        # Never end a chunk on a list intro ("In het OPP staat:"): allow a little extra room instead.
        keeps_intro = bool(current) and current[-1].text.endswith(":") and size <= settings.max_chars * 1.3
        if current and size > settings.max_chars and fresh and not keeps_intro:
            chunks.append(current)
            overlap: list[_Unit] = []
            for prev in reversed(current):
                if len(_join([prev, *overlap])) > settings.overlap_chars:
                    break
                overlap.insert(0, prev)
            # An overlap that leaves no room for the next unit is dropped.
            current = overlap if len(_join([*overlap, unit])) <= settings.max_chars else []
            fresh = 0
        current.append(unit)
        fresh += 1
    if current and fresh:
        chunks.append(current)
    return chunks


def chunk_id(doc_id: str, heading: str, text: str) -> str:
    """Deterministic id from the content: same text under the same heading -> same id."""
    digest = hashlib.sha256(f"{doc_id}\x1f{heading}\x1f{text}".encode()).hexdigest()
    return f"{doc_id}:{digest[:16]}"


def chunk_document(document: Document, settings: ChunkingSettings) -> list[Chunk]:
    """Split a cleaned document into chunks; small pieces merge with their neighbour in the document."""
    text = document.text
    paged = bool(document.pages)
    raw: list[tuple[tuple[str, ...], list[_Unit]]] = []
    for path, units in _sections(text):
        raw.extend((path, group) for group in _pack(units, settings))

    # Merge chunks that are too small to stand alone (a heading with one short sentence) into the next
    # chunk, or into the previous one when it is the last; the heading stays visible in the text.
    merged: list[tuple[tuple[str, ...], list[_Unit], str]] = []
    carry: tuple[tuple[str, ...], list[_Unit], str] | None = None
    for path, units in raw:
        body = _join(units)
        if carry is not None:
            c_path, c_units, c_body = carry
            if len(c_body) + len(body) + 2 <= settings.max_chars + settings.min_chars:
                prefix = c_body if c_path == path or not c_path else f"{c_path[-1]}: {c_body}"
                path, units, body = c_path if c_path else path, c_units + units, f"{prefix}\n{body}"
            else:
                merged.append(carry)
            carry = None
        if len(body) < settings.min_chars:
            carry = (path, units, body)
        else:
            merged.append((path, units, body))
    if carry is not None:
        if merged and len(merged[-1][2]) + len(carry[2]) + 1 <= settings.max_chars + settings.min_chars:
            p_path, p_units, p_body = merged[-1]
            heading = f"{carry[0][-1]}: " if carry[0] and carry[0] != p_path else ""
            merged[-1] = (p_path, p_units + carry[1], f"{p_body}\n{heading}{carry[2]}")
        else:
            merged.append(carry)

    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for ordinal, (path, units, body) in enumerate(merged):
        start, end = units[0].start, units[-1].end
        heading = " > ".join(path)
        cid = chunk_id(document.id, heading, body)
        if cid in seen:  # the same text twice in one document (e.g. a repeated list): keep both
            seen[cid] += 1
            cid = f"{cid}-{seen[cid]}"
        else:
            seen[cid] = 1
        page = text.count(PAGE_BREAK, 0, start) + 1 if paged else None
        chunks.append(
            Chunk(
                id=cid,
                doc_id=document.id,
                text=body,
                heading_path=path,
                char_start=start,
                char_end=end,
                page=page,
                ordinal=ordinal,
            )
        )
    return chunks


def contextual_text(chunk: Chunk, meta: SourceMeta) -> str:
    """What is embedded and indexed: title and heading path in front of the passage.

    The passage alone often lacks its subject ("De ouders zijn positief..."); the heading
    ("2. Junior College, Nunspeet > De ouders") gives it back for retrieval. The quote shown to a
    parent is the passage alone.
    """
    head = " > ".join(part for part in (meta.title, *chunk.heading_path) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text
