"""Share of chunks that still hold extraction garbage, before and after cleaning.

"Before" is the textbook setup: raw files cut by LangChain's RecursiveCharacterTextSplitter(1000, 200).
"After" is our pipeline (clean + section-aware chunking). A chunk "holds garbage" when it has any of:
OCR debris (a token with two or more stray symbols, or a run of three or more 1-2 letter non-words),
a word broken at a line end ("onder- wijs" / "onder-\\nwijs"), or a line-per-line blank-line pattern.
The detector is deliberately independent of ``ingest.clean`` so the cleaner is not grading itself.

Usage: python bench/garbage.py [--config config.yaml] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langchain_text_splitters import RecursiveCharacterTextSplitter

from bot.settings import load_settings
from ingest.chunk import chunk_document
from ingest.clean import clean_document
from ingest.load import load_documents

_SYMBOL_TOKEN = re.compile(r"(?<!\S)[{}\[\]|\\^~`<>»«¬°](?!\S)|\S*[{}\[\]|\\^~`<>»«¬]\S*[{}\[\]|\\^~`<>»«¬]\S*")


def _is_debris_token(token: str) -> bool:
    """A token such as ’t“-}'}’zla: several symbols and few letters (quotes around a word are fine)."""
    core = token.strip("‘’“”\"'.,;:!?()")
    if len(core) < 4:
        return False
    symbols = sum(not c.isalnum() and c not in "-/&%+" for c in core)
    return symbols >= 3 and sum(c.isalpha() for c in core) / len(core) < 0.6


_SHORT_RUN = re.compile(
    r"(?:(?<=\s)|^)(?:(?!(?:de|en|in|op|te|is|of|om|ze|we|je|zo|al|na|nu|er|so|vo|u)\b)[^\s\d]{1,2}\s+){3,}"
)
_BROKEN_WORD = re.compile(r"[a-zà-ÿ]{3,}-\s*\n\s*[a-zà-ÿ]{3,}|[a-zà-ÿ]{4,}- [a-zà-ÿ]{3,}(?<!- en)(?<!- of)")
_DOUBLE_SPACED = re.compile(r"(?:[^\n]+ ?\n\n){4,}")


def has_garbage(text: str) -> list[str]:
    """Kinds of garbage found in one chunk."""
    kinds = []
    if _SYMBOL_TOKEN.search(text) or any(_is_debris_token(t) for t in text.split()):
        kinds.append("symbols")
    if _SHORT_RUN.search(text.lower()):
        kinds.append("debris")
    if _BROKEN_WORD.search(text):
        kinds.append("broken-word")
    if _DOUBLE_SPACED.search(text):
        kinds.append("blank-line-per-line")
    return kinds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = load_settings(args.config)
    loaded = load_documents(settings.paths.sources_dir, settings.paths.manifest)
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    rows = []
    for doc in loaded.documents:
        before = splitter.split_text(doc.text)
        after = [c.text for c in chunk_document(clean_document(doc), settings.chunking)]
        b = sum(bool(has_garbage(t)) for t in before)
        a = sum(bool(has_garbage(t)) for t in after)
        rows.append({"document": doc.id, "before": [b, len(before)], "after": [a, len(after)]})
    tb = sum(r["before"][0] for r in rows)
    nb = sum(r["before"][1] for r in rows)
    ta = sum(r["after"][0] for r in rows)
    na = sum(r["after"][1] for r in rows)
    total = {"before_share": round(tb / nb, 3), "after_share": round(ta / na, 3), "before": [tb, nb], "after": [ta, na]}
    if args.json:
        print(json.dumps({"documents": rows, "total": total}, indent=2))
        return 0
    print(f"{'document':42} {'before (naive)':>18} {'after (ours)':>16}")
    for r in rows:
        (b, nb_), (a, na_) = r["before"], r["after"]
        print(f"{r['document']:42} {b:>5}/{nb_:<4} {b / nb_:>6.1%}   {a:>4}/{na_:<4} {a / na_:>6.1%}")
    print(f"{'total':42} {tb:>5}/{nb:<4} {tb / nb:>6.1%}   {ta:>4}/{na:<4} {ta / na:>6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
