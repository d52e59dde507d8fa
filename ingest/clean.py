"""Messy extracted text -> clean paragraphs, headings kept.

The corpus is real: a PDF extraction with a blank line after every line, two-column brochures whose
sentences break over lines and columns, words hyphenated across lines, and a cover page of OCR
garbage. ``clean_text`` repairs that and returns Markdown-like text: ``## `` headings, ``• `` list
items, paragraphs separated by blank lines, and form feeds (page breaks) kept so chunks know their page.
Everything here is a pure function of the input text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace
from pathlib import Path

import yaml

from bot.models import Document

#: Bump when the cleaning changes, so ingest re-chunks every document.
CLEANER_VERSION = "4"

PAGE_BREAK = "\f"
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
#: Bullets that PDF exports write as private-use characters of the Symbol/Wingdings fonts.
_PUA_BULLETS = dict.fromkeys(map(ord, "\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf0e0\uf06e\uf0a8"), "•")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BULLET = re.compile(r"^\s*(?:[•·▪◦●‣∙*]|[-–—](?=\s)|\d{1,2}[.)](?=\s))\s*")
_HEADING_MD = re.compile(r"^\s*#{1,6}\s+")
_NUMBERED_TITLE = re.compile(r"^\s+\d{1,2}\.\s+[A-Z]")
#: Short Dutch words that are real words, not OCR debris.
#: Word lists for cleaning: ingest/data/text.yaml, read once.
_WORDS = yaml.safe_load((Path(__file__).resolve().parent / "data" / "text.yaml").read_text(encoding="utf-8"))
_SHORT_WORDS = frozenset(_WORDS["short_words"])
#: Words after a line-end hyphen that mean the hyphen is an elision ("vso- en vo-scholen"), not a break.
_ELISION_NEXT = frozenset(_WORDS["elision_next"])
_SENTENCE_STARTERS = frozenset(_WORDS["sentence_starters"])
_SENTENCE_END = re.compile(r"[.!?:;…)\"'”’]$")


def normalize_unicode(text: str) -> str:
    """Ligatures, odd spaces, invisible characters and line endings to plain forms."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE).translate(_PUA_BULLETS))
    return "\n".join(_SPACES.sub(" ", line).rstrip() for line in text.split("\n"))


def _is_double_spaced(lines: list[str]) -> bool:
    """True when most lines are followed by exactly one blank line (a common PDF export artefact)."""
    content = 0
    single_gap = 0
    continued = 0
    for i, line in enumerate(lines[:-2]):
        if not line.strip():
            continue
        content += 1
        if not lines[i + 1].strip() and lines[i + 2].strip():
            single_gap += 1
            if not _SENTENCE_END.search(line.strip()) and lines[i + 2].strip()[:1].islower():
                continued += 1
    # Web pages also put one blank line between paragraphs; only wrapped lines continue mid-sentence.
    return content >= 10 and single_gap / content > 0.6 and continued / single_gap > 0.3


def _collapse_double_spacing(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip():
            out.append(line)
            i += 1
            continue
        run = 0
        while i < len(lines) and not lines[i].strip() and lines[i] != PAGE_BREAK:
            run += 1
            i += 1
        if run >= 2:
            out.append("")
        # a single blank line is the artefact: drop it (lines of one paragraph stay together)
    return out


def _letter_bigrams(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for word in re.findall(r"[^\W\d_]{2,}", text.lower()):
        counts.update(word[i : i + 2] for i in range(len(word) - 1))
    return counts


def is_garbage_line(line: str, bigrams: Counter[str] | None = None) -> bool:
    """True for OCR debris and stray page numbers; never for headings or real (short) sentences."""
    stripped = line.strip()
    if not stripped or stripped == PAGE_BREAK or _HEADING_MD.match(stripped):
        return False
    nonspace = [c for c in stripped if not c.isspace()]
    if len(nonspace) == 1 or (len(nonspace) == 2 and stripped.lower() not in _SHORT_WORDS):
        return True  # "o", "8", "{", "»" and lone page numbers
    if stripped.isdigit() and len(stripped) <= 3:
        return True
    letters = sum(c.isalpha() for c in nonspace)
    alnum = sum(c.isalnum() for c in nonspace)
    if alnum / len(nonspace) < 0.6:
        return True  # ’t“-}'}’zla
    odd = sum(c in "{}[]|\\^~`<>“”’‘»«¬" for c in nonspace)
    if odd >= 2 and odd / len(nonspace) > 0.15:
        return True
    tokens = stripped.split()
    debris = []
    for token in tokens:
        core = token.strip(".,:;!?()")
        if len(core) <= 2 and not core.isdigit() and core.lower() not in _SHORT_WORDS:
            debris.append(token)
    if len(tokens) >= 2 and len(debris) / len(tokens) >= 0.5:
        return True  # fl 2 oy 1y e
    if bigrams and len(tokens) <= 2 and letters and not _SENTENCE_END.search(stripped):
        pairs = [w[i : i + 2] for w in re.findall(r"[^\W\d_]{2,}", stripped.lower()) for i in range(len(w) - 1)]
        rare = sum(bigrams[p] < 3 for p in pairs)
        if pairs and rare / len(pairs) >= 0.5:
            return True  # Biaey
    return False


def _is_heading(text: str) -> bool:
    if _HEADING_MD.match(text):
        return True
    words = text.split()
    if not words or len(text) > 90 or len(words) > 12:
        return False
    if _BULLET.match(text) or text[-1] in ".,;:" or text.endswith(("-", "–")):
        return False
    first = text.lstrip("‘'\"(")[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    # A heading has few function words at its end: "en", "de" etc. mean the line continues.
    return words[-1].lower() not in {"de", "het", "een", "en", "of", "van", "voor", "met", "in", "op", "te"}


def _join_hyphenated(left: str, right: str) -> str:
    """Join a line ending in a hyphen with the next line, keeping real compound hyphens."""
    head = left[:-1]
    word_match = re.search(r"([^\s/(]+)$", head)
    word = word_match.group(1) if word_match else ""
    next_word = right.split(" ", 1)[0].lower().strip(".,;:")
    if next_word in _ELISION_NEXT:
        return f"{left} {right}"  # "vso- en vo-scholen"
    if len(word) <= 4 or any(c.isupper() or c.isdigit() for c in word) or "-" in word or "/" in head[-2:]:
        return f"{left}{right}"  # "sbo-" + "school" -> "sbo-school"
    return f"{head}{right}"  # "professionaliserings-" + "traject"


def _join_lines(lines: list[str]) -> str:
    text = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not text:
            text = line
        elif text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            text = _join_hyphenated(text, line)
        else:
            text = f"{text} {line}"
    return text


def _split_block(lines: list[str]) -> list[tuple[str, str]]:
    """One block of lines -> items: ("h", heading) | ("li", list item) | ("p", paragraph)."""
    items: list[tuple[str, str]] = []
    current: list[str] = []
    current_kind = "p"

    def flush() -> None:
        nonlocal current
        if current:
            items.append((current_kind, _join_lines(current)))
        current = []

    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        stripped = line.strip()
        numbered = _NUMBERED_TITLE.match(line)
        if numbered and len(stripped.split()) <= 5 and not re.search(r"www\.|https?:|@|\bZie\b", stripped):
            # "1. Brede school Het / Anker, Wijk bij Duurstede": a numbered chapter title over a few short lines.
            title = [stripped]
            while i < len(lines) and len(title) < 3:
                nxt = lines[i].strip()
                if not nxt or len(nxt.split()) > 4 or not (nxt[0].isupper() or nxt[0] == "&"):
                    break
                if nxt.split()[0] in _SENTENCE_STARTERS:
                    break
                title.append(nxt)
                i += 1
                if title[-2].endswith(","):
                    break  # "Name," + "Place": the place closes the title
            flush()
            items.append(("h1", _join_lines(title).rstrip(",")))
            current_kind = "p"
            continue
        if _HEADING_MD.match(stripped):
            flush()
            level = len(stripped) - len(stripped.lstrip("#"))
            items.append(("h1" if level == 1 else "h", _HEADING_MD.sub("", stripped).strip()))
            current_kind = "p"
        elif _BULLET.match(line) and len(stripped) > 2:
            flush()
            current_kind = "li"
            current = [_BULLET.sub("", line)]
        elif stripped.isupper() and len(stripped) <= 90 and not current and any(c.isalpha() for c in stripped):
            # Headings in capitals often wrap over several lines: keep them as one heading.
            if items and items[-1][0] == "hc":
                items[-1] = ("hc", f"{items[-1][1]} {stripped}")
            elif len(stripped.split()) >= 2 or (items and items[-1][0] == "h"):
                items.append(("hc", stripped))
            else:
                current.append(line)
        else:
            current.append(line)
    flush()
    return [("h", body.capitalize()) if kind == "hc" else (kind, body) for kind, body in items]


def clean_text(text: str) -> str:
    """Repair extracted text; see the module docstring for what comes out."""
    text = normalize_unicode(text)
    bigrams = _letter_bigrams(text)
    # Page breaks become lines of their own so they survive line-level work.
    lines = text.replace(PAGE_BREAK, f"\n{PAGE_BREAK}\n").split("\n")
    if _is_double_spaced(lines):
        lines = _collapse_double_spacing(lines)
    lines = [line for line in lines if not is_garbage_line(line, bigrams)]

    blocks: list[list[str]] = [[]]
    for line in lines:
        if line == PAGE_BREAK:
            blocks.append([PAGE_BREAK])
            blocks.append([])
        elif not line.strip():
            blocks.append([])
        else:
            blocks[-1].append(line)

    items: list[tuple[str, str]] = []
    for block in blocks:
        if block == [PAGE_BREAK]:
            items.append(("pb", PAGE_BREAK))
            continue
        if not block:
            continue
        parsed = _split_block(block)
        if len(parsed) == 1 and parsed[0][0] == "p" and _is_heading(parsed[0][1]):
            parsed = [("h", parsed[0][1])]
        items.extend(parsed)

    merged = _merge_continuations(items)
    out: list[str] = []
    for kind, body in merged:
        if kind == "h1":
            out.append(f"# {body}")
        elif kind == "h":
            out.append(f"## {body}")
        elif kind == "li":
            out.append(f"• {body}")
        elif kind == "pb":
            out.append(PAGE_BREAK)
        else:
            out.append(body)
    cleaned = "\n\n".join(out)
    cleaned = re.sub(r"\n\n(• )", r"\n\1", cleaned)  # list items stay together in one block
    return cleaned.strip() + "\n"


def _merge_continuations(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join a paragraph that stops mid-sentence with the next one that starts in lower case.

    Two-column PDFs break a sentence over a column or page; the pieces land in separate blocks.
    A "heading" that turns out to be followed by such a lower-case continuation was a sentence too.
    """
    merged: list[tuple[str, str]] = []
    pending_break = False
    for kind, body in items:
        if kind == "pb":
            merged.append((kind, body))
            pending_break = True
            continue
        target = None
        for j in range(len(merged) - 1, -1, -1):
            if merged[j][0] != "pb":
                target = j
                break
        if (
            target is not None
            and kind in ("p", "h")
            and body[:1].islower()
            and merged[target][0] in ("p", "li")
            and not _SENTENCE_END.search(merged[target][1])
        ):
            prev_kind, prev = merged[target]
            sep = "" if prev.endswith("-") and prev[-2:-1].isalpha() else " "
            joined = _join_hyphenated(prev, body) if sep == "" else f"{prev} {body}"
            if pending_break:
                # keep the page break inside the paragraph so its chunk still knows the page
                joined = joined.replace(body, f"{PAGE_BREAK}{body}", 1) if sep == " " else joined
                merged = [m for m in merged[: target + 1]] + [m for m in merged[target + 1 :] if m[0] != "pb"]
            merged[target] = (prev_kind, joined)
        else:
            merged.append((kind, body))
        pending_break = False
    return merged


def clean_document(document: Document) -> Document:
    """The same document with cleaned text.

    Page breaks stay in the text as form feeds; ``pages`` is kept only to say the source is paged
    (its offsets refer to the raw text, so the chunker counts form feeds instead).
    """
    return replace(document, text=clean_text(document.text))
