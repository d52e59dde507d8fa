"""Which source sentences may be quoted, and how well a quote supports a sentence of an answer.

A quote is there to prove a sentence, never to fill space. So a sentence is quotable only when it
reads as a rule on its own: it starts with a capital (not mid-thought: "Deze 27 ...", "Zo ..."), it
carries no heading glued to its front, it is not a fragment, and it states no plan or intention
("wetsvoorstel", "zullen", "Doel is") that a parent could take for today's rule. Whether it supports a
sentence of the answer is measured: the share of the quote's content words (weighted by rarity) that
the answer also uses. Word lists live in ``bot/data/quotes.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.glossary import fold
from bot.query import Analyzer
from ingest.chunk import split_sentences

QUOTES_FILE = Path(__file__).resolve().parent / "data" / "quotes.yaml"


@dataclass(frozen=True)
class QuoteRules:
    """The rules of ``quotes.yaml``, compiled once."""

    mid_thought: frozenset[str]
    intention: re.Pattern[str]
    min_words: int


@lru_cache(maxsize=2)
def rules(path: Path = QUOTES_FILE) -> QuoteRules:
    """Read ``quotes.yaml`` once per process."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    words = sorted({fold(w) for w in data["intention"]}, key=len, reverse=True)
    return QuoteRules(
        mid_thought=frozenset(fold(w) for w in data["mid_thought_starts"]),
        intention=re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)"),
        min_words=int(data["min_words"]),
    )


def strip_heading(sentence: str, headings: Sequence[str]) -> str:
    """Remove a heading glued to the front of a sentence ("Aanpak thuiszitters Bijna alle ...")."""
    for heading in sorted((h for h in headings if h), key=len, reverse=True):
        if sentence.startswith(heading) and len(sentence) > len(heading) + 1:
            rest = sentence[len(heading) :].lstrip(" :.-–")
            if rest[:1].isupper():
                return rest
    return sentence


def quotable(sentence: str, r: QuoteRules | None = None) -> bool:
    """True when the sentence can be shown to a parent as a quote on its own."""
    r = r or rules()
    s = sentence.strip().lstrip("•-–*\"'“(").strip()
    if not s or not (s[0].isupper() or s[0].isdigit()):
        return False
    words = s.split()
    if len(words) < r.min_words:
        return False
    first = fold(re.sub(r"[^\w]", "", words[0]))
    if first in r.mid_thought:
        return False
    if r.intention.search(fold(s)):
        return False
    # A question proves nothing; a sentence cut off at a chunk edge (no closing punctuation, or an open
    # bracket) is a fragment.
    if s.rstrip("”\"' ").endswith("?"):
        return False
    return s.count("(") == s.count(")") and bool(re.search(r"[.!:;)”\"']$", s))


def in_context(sentence: str, around: Sequence[str], r: QuoteRules | None = None, *, max_chars: int = 400) -> str:
    """The sentence as it can be quoted: itself when it reads on its own; otherwise with what it leans on.

    A list item ("wat de extra ondersteuningsbehoeften van de leerling zijn;") gets the line that
    introduces the list ("In het OPP beschrijft de school:"), other items left out with an ellipsis; a
    sentence that starts mid-thought ("Dit betekent dat ...") gets the sentence right before it. ``around``
    holds the sentences of the passage in order. Returns "" when no such quote reads on its own.
    """
    r = r or rules()
    if quotable(sentence, r):
        return sentence
    try:
        i = list(around).index(sentence)
    except ValueError:
        return ""
    item = sentence[:1].islower()
    for back in range(1, 6 if item else 2):
        j = i - back
        if j < 0:
            break
        lead = around[j]
        if item and not lead.rstrip().endswith(":"):
            if lead[:1].islower():
                continue  # another item of the same list
            break
        joined = f"{lead} {'… ' if back > 1 else ''}{sentence}"
        return joined if len(joined) <= max_chars and quotable(joined, r) else ""
    return ""


def excerpt(quote: str, focus: str, max_chars: int) -> str:
    """At most about ``max_chars`` of the quote, keeping its start and the part that proves the answer.

    A long source sentence is cut at its end; when the proving phrase (``focus``) lies beyond the cut,
    the middle goes instead ("In het primair onderwijs bestaat ... … van de clusters 3 (...) en 4 ...").
    """
    if len(quote) <= max_chars:
        return quote
    at = quote.lower().find(focus.lower()) if focus else -1
    if at < 0 or at + len(focus) <= max_chars - 1:
        return quote[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    tail = quote[quote.rfind(" ", 0, max(0, at - 20)) + 1 :]
    room = int(max_chars * 0.6)
    if len(tail) > room:
        tail = tail[:room].rsplit(" ", 1)[0] + "…"
    head = quote[: max(0, max_chars - len(tail) - 3)].rsplit(" ", 1)[0]
    return f"{head} … {tail}"


def sentences(text: str, headings: Sequence[str] = ()) -> list[str]:
    """The sentences of a passage, list items and lines apart, headings stripped."""
    return list(_sentences(text, tuple(headings)))


@lru_cache(maxsize=4096)
def _sentences(text: str, headings: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for line in text.split("\n"):
        for start, end in split_sentences(line):
            s = re.sub(r"\s+", " ", line[start:end]).strip().lstrip("•").strip()
            if s:
                out.append(strip_heading(s, headings))
    return tuple(out)


def support(quote: str, claim: str, *, analyzer: Analyzer, idf: Callable[[str], float]) -> float:
    """How much of the quote's content (rarity-weighted) the claim also says: 0..1."""
    q_terms = set(analyzer.terms(quote))
    if not q_terms:
        return 0.0
    c_terms = set(analyzer.terms(claim))
    total = sum(idf(t) for t in q_terms)
    shared = sum(idf(t) for t in q_terms & c_terms)
    return shared / total if total > 0 else 0.0
