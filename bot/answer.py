"""Question + passages -> ``Answer``: extractive, cited, plain; or a refusal, a clarifying question,
or the crisis referral. No language model is needed: every factual sentence in an answer is a
sentence from a cited passage (a knowledge card written in plain Dutch, or a quoted source).

The decision to answer rests on evidence measured here (``assess``): how many of the question's key
words the best passages contain, how close the best passage is in meaning, and whether the question
mentions the domain at all. The thresholds are settings, calibrated on the dev set.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bot.glossary import Glossary, Term
from bot.intents import Referral
from bot.models import Answer, Citation, GlossaryItem, Passage, Step
from bot.query import Analyzer, Query
from bot.safety import CrisisSignal
from bot.settings import AnswerSettings, FreshnessSettings
from bot.texts import text
from ingest.chunk import split_sentences

#: Words that carry no topic of their own in a parent's question.
_GENERIC = frozenset(
    [
        "school",
        "scholen",
        "kind",
        "kinderen",
        "zoon",
        "dochter",
        "ouder",
        "ouders",
        "vraag",
        "vragen",
        "weet",
        "weten",
        "mogelijk",
        "eigenlijk",
        "nou",
        "hij",
        "zij",
        "ze",
        "gaat",
        "graag",
        "help",
        "helpen",
        "iemand",
        "iets",
        "info",
        "informatie",
        "jaar",
        "jarig",
        "groep",
        "klas",
        "nederland",
        "land",
        "child",
        "children",
        "son",
        "daughter",
        "school",
        "parent",
        "parents",
        "question",
        "know",
        "help",
        "year",
    ]
)


@dataclass
class Evidence:
    """How well the passages support an answer to the question."""

    dense_top: float = 0.0
    bm25_top: float = 0.0
    coverage: float = 0.0  # share of the question's key words found in the best passages
    key_words: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # key words in none of the best passages
    unknown: list[str] = field(default_factory=list)  # key words that occur nowhere in the corpus
    domain_terms: list[str] = field(default_factory=list)  # glossary terms the question mentions

    def as_dict(self) -> dict[str, object]:
        return {
            "dense_top": round(self.dense_top, 4),
            "bm25_top": round(self.bm25_top, 3),
            "coverage": round(self.coverage, 3),
            "missing": self.missing,
            "unknown": self.unknown,
            "domain_terms": self.domain_terms,
        }


def assess(
    query: Query,
    passages: list[Passage],
    *,
    analyzer: Analyzer,
    vocabulary: Callable[[str], bool],
    glossary_terms: list[Term],
    lang: str,
) -> Evidence:
    """Measure the support the passages give; pure apart from the analyzer's stemmer."""
    ev = Evidence()
    ev.domain_terms = [t.term for t in glossary_terms]
    if passages:
        ev.dense_top = max(p.scores.get("dense", 0.0) for p in passages)
        ev.bm25_top = max(p.scores.get("bm25", 0.0) for p in passages)
    words = [w for w in dict.fromkeys(query.key_words) if w not in _GENERIC and not w.isdigit()]
    if lang != "nl":
        # Words of another language are not in a Dutch corpus; the glossary terms stand in for them.
        words = [analyzer.words(t)[0] for t in ev.domain_terms if analyzer.words(t)]
    ev.key_words = words
    if not words:
        return ev
    passage_stems: set[str] = set()
    for p in passages[:5]:
        passage_stems.update(analyzer.terms(f"{p.meta.title} {p.chunk.heading} {p.chunk.text}"))
    corrected = {w: query.corrections.get(w, w) for w in words}
    found = [w for w in words if analyzer.stem(corrected[w]) in passage_stems]
    ev.missing = [w for w in words if w not in found]
    ev.unknown = [w for w in words if not vocabulary(corrected[w])]
    ev.coverage = len(found) / len(words)
    return ev


@dataclass(frozen=True)
class _Candidate:
    passage_rank: int
    sentence: str
    score: float
    overlap: float = 0.0  # IDF-weighted words shared with the question (0: only there for its rank)


def _sentences(passage: Passage) -> list[str]:
    """Quotable sentences of a passage: list items and lines apart, no list intros or questions."""
    out = []
    for line in passage.chunk.text.split("\n"):
        for start, end in split_sentences(line):
            s = line[start:end].strip().lstrip("•").strip()
            s = re.sub(r"\s+", " ", s).rstrip(";,")
            if len(s) < 25 or s.endswith(":") or s.endswith("?"):
                continue
            out.append(s)
    return out


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


def select_sentences(
    query: Query,
    passages: list[Passage],
    *,
    analyzer: Analyzer,
    idf: Callable[[str], float],
    max_points: int,
) -> list[_Candidate]:
    """The best supporting sentences: plain-language card sentences first, then at least one quote
    from the best source document, so every answer rests on a primary source as well.

    Sentences are scored by IDF-weighted overlap with the question's words (expansions count less)
    plus the rank of their passage within its own pool (cards and documents are ranked apart).
    """
    weights: dict[str, float] = {}
    for w in analyzer.terms(" ".join(query.key_words)):
        weights[w] = 1.0
    for w in analyzer.terms(" ".join(query.expansions)):
        weights.setdefault(w, 0.6)
    pools: dict[bool, list[_Candidate]] = {True: [], False: []}
    pool_rank = {True: 0, False: 0}
    for rank, passage in enumerate(passages):
        is_card = passage.meta.kind == "card"
        prior = 1.0 / (1.0 + pool_rank[is_card])
        pool_rank[is_card] += 1
        for sentence in _sentences(passage):
            terms = set(analyzer.terms(sentence))
            lexical = sum(idf(t) * w for t, w in weights.items() if t in terms)
            score = lexical / math.sqrt(len(terms) + 4) + 1.2 * prior
            pools[is_card].append(_Candidate(rank, sentence, score, lexical))

    def pick(pool: list[_Candidate], limit: int, chosen: list[_Candidate]) -> None:
        per_passage: dict[int, int] = {}
        for cand in sorted(pool, key=lambda c: -c.score):
            if limit <= 0:
                return
            if per_passage.get(cand.passage_rank, 0) >= 2:
                continue
            if any(_overlap(cand.sentence, c.sentence) > 0.6 for c in chosen):
                continue
            chosen.append(cand)
            per_passage[cand.passage_rank] = per_passage.get(cand.passage_rank, 0) + 1
            limit -= 1

    chosen: list[_Candidate] = []
    card_points = min(2, max_points - 1) if pools[False] else max_points
    # Plain sentences from one card only: two cards' sentences side by side read as a jumble
    # (a question about sitting at home must not borrow "Veilig Thuis" from the help-line card).
    if pools[True]:
        best_card = min(c.passage_rank for c in pools[True])
        pick([c for c in pools[True] if c.passage_rank == best_card], card_points, chosen)
    # The two best-ranked source documents get quoted (the strongest primary evidence), but only with a
    # sentence that shares words with the question: a quote that is there for its rank alone helps nobody.
    docs = [c for c in pools[False] if c.overlap > 0]
    for doc_rank in sorted({c.passage_rank for c in docs})[:2]:
        pick([c for c in docs if c.passage_rank == doc_rank], 1, chosen)
    pick(docs, max_points - len(chosen), chosen)
    return chosen


def is_stale(published: str, review_by: str, *, today: date, max_age_years: int) -> bool:
    """Past its review date, or published longer ago than the limit."""
    if review_by:
        try:
            if date.fromisoformat(review_by[:10]) < today:
                return True
        except ValueError:
            pass
    match = re.match(r"(\d{4})", published or "")
    return bool(match) and today.year - int(match.group(1)) > max_age_years


def _citation(n: int, passage: Passage, quote: str, *, stale: bool, quote_chars: int) -> Citation:
    meta = passage.meta
    if len(quote) > quote_chars:
        quote = quote[: quote_chars - 1].rsplit(" ", 1)[0] + "…"
    return Citation(
        n=n,
        source_id=meta.id,
        title=meta.title,
        publisher=meta.publisher,
        published=meta.published,
        url=meta.url,
        quote=quote,
        kind=meta.kind,
        stale=stale,
        checked=meta.checked,
        sources=list(meta.sources),
        chunk_id=passage.chunk.id,
    )


def compose(
    query: Query,
    passages: list[Passage],
    *,
    lang: str,
    analyzer: Analyzer,
    idf: Callable[[str], float],
    glossary: Glossary,
    settings: AnswerSettings,
    freshness: FreshnessSettings,
    today: date,
    steps: list[Step] | None = None,
) -> Answer:
    """An extractive answer: the best sentences, each with the number of its source."""
    chosen = select_sentences(query, passages, analyzer=analyzer, idf=idf, max_points=settings.max_points)
    numbers: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    lines: list[str] = []
    for cand in chosen:
        n = numbers.setdefault(cand.passage_rank, len(numbers) + 1)
        quotes.setdefault(cand.passage_rank, []).append(cand.sentence)
        lines.append(f"• {cand.sentence} [{n}]")
    citations: list[Citation] = []
    notices: list[str] = []
    for rank, n in sorted(numbers.items(), key=lambda kv: kv[1]):
        p = passages[rank]
        stale = is_stale(p.meta.published, p.meta.review_by, today=today, max_age_years=freshness.max_age_years)
        citations.append(_citation(n, p, " ".join(quotes[rank]), stale=stale, quote_chars=settings.quote_chars))
        if stale:
            notices.append(text("stale_notice", lang, n=n, date=p.meta.published or "?"))
    if citations and all(c.stale for c in citations):
        notices.append(text("only_stale", lang))
    intro = text("intro", lang) if lang in ("nl", "en") else text("intro_dutch_quotes", lang)
    if lang == "en" and any(c.kind != "card" or not c.source_id.endswith(".en") for c in citations):
        intro = text("intro_dutch_quotes", lang)
    body = "\n".join([intro, *lines])
    if notices:
        body += "\n\n" + "\n".join(notices)
    terms = glossary.in_answer(" ".join(c.sentence for c in chosen))
    items = [GlossaryItem(term=t.term, explanation=t.explanation_for(lang)) for t in terms]
    return Answer(
        outcome="answer", lang=lang, text=body, citations=citations, glossary=items, notices=notices, steps=steps or []
    )


def refusal(lang: str, *, kind: str = "no_evidence", referral: Referral | None = None) -> Answer:
    """A polite refusal: no facts, no citations, and who can help."""
    key = {
        "no_evidence": "refuse_no_evidence",
        "off_topic": "refuse_off_topic",
        "injection": "refuse_injection",
        "privacy": "refuse_privacy",
    }[kind]
    parts = [text(key, lang)]
    if referral is not None:
        parts.append(referral.text(lang))
    parts.append(text("who_can_help", lang))
    if kind in ("injection", "off_topic"):
        parts.append(text("offer", lang))
    return Answer(outcome="refuse", lang=lang, text="\n".join(parts))


def clarify(lang: str) -> Answer:
    """Ask what the parent wants to know."""
    return Answer(outcome="clarify", lang=lang, text=text("clarify", lang))


def crisis(lang: str, signal: CrisisSignal, citations: list[Citation] | None = None) -> Answer:
    """The help lines first, in the parent's language; nothing about school before them."""
    return Answer(outcome="crisis", lang=lang, text=text("crisis", lang), citations=citations or [])
