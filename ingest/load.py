"""Files -> ``Document``s: the manifest and the loaders per file type (answer units: ``ingest/units.py``).

Supported: ``.txt``, ``.md`` (optional YAML front matter), ``.html``/``.htm`` (boilerplate removed with
trafilatura) and ``.pdf`` (pypdf, one form feed between pages so chunks keep their page number). A file
without a manifest entry is still loaded, with metadata guessed from the file and a warning. A file
that cannot be read becomes a ``DocumentError`` in the result; the other files still load.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.errors import DocumentError
from bot.models import Document, SourceMeta

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
PAGE_BREAK = "\f"
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


@dataclass
class LoadResult:
    """What loading produced: the documents, the files that failed, and warnings for the report."""

    documents: list[Document] = field(default_factory=list)
    errors: list[DocumentError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def slugify(text: str) -> str:
    """A stable ascii id from a file name or title ("Plan van aanpak 2014.pdf" -> "plan-van-aanpak-2014")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "document"


def read_manifest(path: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Read ``sources.yaml``: a list of entries with at least ``id`` and ``file``. Returns entries by file name."""
    if not path.exists():
        return {}, [f"manifest {path.name} not found: every document gets guessed metadata"]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        return {}, [f"manifest {path.name} is not valid YAML{line}: every document gets guessed metadata"]
    entries: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    if not isinstance(data, list):
        return {}, [f"manifest {path.name} must be a list of entries"]
    for i, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("file"):
            warnings.append(f"manifest entry {i} has no id or file and is skipped")
            continue
        entries[str(entry["file"])] = entry
    return entries, warnings


def _meta_from_entry(entry: dict[str, Any], file: str) -> SourceMeta:
    return SourceMeta(
        id=str(entry["id"]),
        title=str(entry.get("title") or entry["id"]),
        publisher=str(entry.get("publisher") or ""),
        published=str(entry.get("published") or ""),
        url=str(entry.get("url") or ""),
        kind="document",
        notes=str(entry.get("notes") or ""),
        file=file,
        lang=str(entry.get("lang") or "nl"),
        review_by=str(entry.get("review_by") or ""),
    )


def _guess_meta(path: Path, text: str, extra: dict[str, str]) -> SourceMeta:
    title = extra.get("title") or ""
    if not title:
        for line in text.splitlines():
            line = line.strip().lstrip("#").strip()
            if 3 <= len(line) <= 120:
                title = line
                break
    published = extra.get("published") or ""
    if not published:
        year = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).year
        published = str(year)
    return SourceMeta(
        id=slugify(path.stem),
        title=title or path.stem,
        publisher=extra.get("publisher", ""),
        published=published,
        url=extra.get("url", ""),
        file=path.name,
        guessed=True,
    )


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise DocumentError(path.name, "the file is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            path.name, f"not UTF-8 text (bad byte at position {exc.start}); save it as UTF-8 and ingest again"
        ) from None


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split optional YAML front matter (between ``---`` lines) from a Markdown text."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        raise ValueError("front matter is not valid YAML") from None
    if not isinstance(data, dict):
        raise ValueError("front matter must be a mapping")
    return data, text[match.end() :]


def load_txt(path: Path) -> tuple[str, list[tuple[int, int]], dict[str, str]]:
    """Plain text, as is (cleaning happens later)."""
    return _read_text(path), [], {}


def load_md(path: Path) -> tuple[str, list[tuple[int, int]], dict[str, str]]:
    """Markdown: front matter becomes metadata; headings stay as ``#`` lines for the chunker."""
    try:
        front, body = split_front_matter(_read_text(path))
    except ValueError as exc:
        raise DocumentError(path.name, str(exc)) from None
    return body, [], {k: str(v) for k, v in front.items() if isinstance(v, str | int | float)}


def load_html(path: Path) -> tuple[str, list[tuple[int, int]], dict[str, str]]:
    """HTML: main text without navigation and boilerplate, headings as Markdown."""
    import trafilatura

    html = _read_text(path)
    text = trafilatura.extract(
        html, output_format="markdown", include_comments=False, include_tables=True, favor_recall=True
    )
    if not text or not text.strip():
        raise DocumentError(path.name, "no readable text found in the HTML")
    meta = trafilatura.extract_metadata(html)
    extra: dict[str, str] = {}
    if meta is not None:
        for key in ("title", "url", "date"):
            value = getattr(meta, key, None)
            if value:
                extra["published" if key == "date" else key] = str(value)
        if getattr(meta, "sitename", None):
            extra["publisher"] = str(meta.sitename)
    return text, [], extra


def load_pdf(path: Path) -> tuple[str, list[tuple[int, int]], dict[str, str]]:
    """PDF: text per page joined by form feeds; a PDF without a text layer is an error."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if path.stat().st_size == 0:
        raise DocumentError(path.name, "the file is empty")
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentError(path.name, "the PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(path.name, f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # pypdf raises many internal types on damaged files
        raise DocumentError(path.name, f"not a readable PDF ({type(exc).__name__})") from None
    if not any(p.strip() for p in pages):
        raise DocumentError(path.name, "the PDF has no text layer (a scan?); add a text version instead")
    offsets: list[tuple[int, int]] = []
    parts: list[str] = []
    pos = 0
    for number, page_text in enumerate(pages, start=1):
        offsets.append((number, pos))
        parts.append(page_text)
        pos += len(page_text) + len(PAGE_BREAK)
    extra: dict[str, str] = {}
    info = reader.metadata
    if info is not None and info.title:
        extra["title"] = str(info.title)
    return PAGE_BREAK.join(parts), offsets, extra


LOADERS = {".txt": load_txt, ".md": load_md, ".html": load_html, ".htm": load_html, ".pdf": load_pdf}


def load_documents(sources_dir: Path, manifest: Path) -> LoadResult:
    """Load every supported file in ``sources_dir`` with its manifest metadata.

    Unsupported files are skipped with a warning; unreadable files become errors; manifest entries
    without a file are reported as errors too (the manifest promises a document that is not there).
    """
    result = LoadResult()
    entries, warnings = read_manifest(manifest)
    result.warnings.extend(warnings)
    if not sources_dir.is_dir():
        result.errors.append(DocumentError(str(sources_dir), "the sources folder does not exist"))
        return result
    seen_ids: dict[str, str] = {}
    files = sorted(p for p in sources_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
    for path in files:
        rel = path.relative_to(sources_dir).as_posix()
        suffix = path.suffix.lower()
        if suffix not in LOADERS:
            result.warnings.append(f"{rel}: skipped, unsupported file type '{suffix or '(none)'}'")
            continue
        try:
            text, pages, extra = LOADERS[suffix](path)
        except DocumentError as exc:
            result.errors.append(DocumentError(rel, exc.reason))
            continue
        except OSError as exc:
            result.errors.append(DocumentError(rel, f"cannot be read ({exc.strerror})"))
            continue
        entry = entries.get(rel) or entries.get(path.name)
        if entry is not None:
            meta = _meta_from_entry(entry, rel)
        else:
            meta = _guess_meta(path, text, extra)
            meta = replace(meta, file=rel)
            result.warnings.append(
                f"{rel}: not in {manifest.name}; ingested with guessed metadata "
                f"(id '{meta.id}', title '{meta.title}'). Add an entry to cite it properly."
            )
        if meta.id in seen_ids:
            result.errors.append(DocumentError(rel, f"id '{meta.id}' is already used by {seen_ids[meta.id]}"))
            continue
        seen_ids[meta.id] = rel
        result.documents.append(Document(meta=meta, text=text, pages=pages))
    listed = {str(e.get("file")) for e in entries.values()}
    present = {p.relative_to(sources_dir).as_posix() for p in files} | {p.name for p in files}
    for missing in sorted(listed - present):
        result.errors.append(DocumentError(missing, f"listed in {manifest.name} but the file is missing"))
    return result
