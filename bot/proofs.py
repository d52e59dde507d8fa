"""Source sentences that prove answers, and the order passages are shown in.

``measure_proofs`` (once per index): for each answer unit, the sentences its evidence points to that
are quotable and share enough of their content with the unit's answer. ``fallback_sentence``: for an
ask no unit covers, the source sentence that answers that kind of ask. ``rank_passages``: the passages
handed to the eval, the console and the audit: units that answer first with their proofs, then the
documents (those the matching units rest on lifted), then the other candidate units.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.asks import Ask
from bot.compose import Proof, kind_fits
from bot.evidence import GENERIC
from bot.models import Passage
from bot.query import Analyzer
from bot.quotes import in_context, quotable, rules, sentences, strip_heading, support
from bot.retrieve import Ranked, Retriever, UnitMatch
from bot.settings import RetrievalSettings
from ingest.chunk import split_sentences

MAX_PROOFS = 2  # quotes under one answer sentence
MIN_SHARED_TERMS = 3  # content words a retrieved quote shares with its unit (fewer is a coincidence)


def measure_proofs(
    retr: Retriever, *, analyzer: Analyzer, idf: Callable[[str], float], min_support: float
) -> dict[str, list[Proof]]:
    """Per unit, the source sentences its evidence points to that can be quoted and support it.

    The unit's author chose the evidence; what is measured is that the quote says what the unit says:
    the share of the quote's rare words the unit also uses, for the whole quoted sentence or for the
    author's own phrase inside it, whichever is higher (a long source sentence often says more than the
    one point it proves). A list item or a sentence that starts mid-thought is quoted with what it leans
    on (``in_context``); when that does not read on its own it is not quoted.
    """
    out: dict[str, list[Proof]] = {}
    r = rules()
    for uid, proofs in retr.proofs.items():
        t = retr.units[uid].texts["nl"]
        claim = " ".join([t.question, t.answer, *t.support, t.next_step])
        kept = []
        for proof in proofs:
            sc = retr.chunks[proof.chunk_index]
            around = sentences(sc.chunk.text, sc.chunk.heading_path)
            quote = in_context(strip_heading(proof.sentence, sc.chunk.heading_path), around, r)
            if not quote:
                continue
            score = max(
                support(quote, claim, analyzer=analyzer, idf=idf),
                support(proof.focus, claim, analyzer=analyzer, idf=idf) if proof.focus else 0.0,
            )
            if score >= min_support:
                kept.append(Proof(passage=retr.passage(proof.chunk_index), sentence=quote,
                                  support=round(score, 3), focus=proof.focus))
        # The best quote of each document, at most ``MAX_PROOFS``: more quotes prove nothing more.
        kept.sort(key=lambda p: -p.support)
        docs: set[str] = set()
        out[uid] = []
        for p in kept:
            if p.passage.meta.id not in docs and len(out[uid]) < MAX_PROOFS:
                docs.add(p.passage.meta.id)
                out[uid].append(p)
    return out


def retrieved_proof(
    unit_claim: str,
    answer: str,
    passages: list[Passage],
    *,
    analyzer: Analyzer,
    idf: Callable[[str], float],
    min_support: float,
    min_cover: float,
    docs: int = 8,
    exclude: frozenset[str] = frozenset(),
) -> Proof | None:
    """The quotable sentence of the best retrieved documents that proves the unit's first sentence.

    Measured both ways, because either alone lets an accident through: the quote's rare words must be
    in the unit (``min_support``: it says nothing the unit does not), and the quote must cover a good
    part of the unit's first sentence, the direct answer (``min_cover``: it says what the answer says,
    not only the topic). It must also share at least three content words with the unit. ``exclude``:
    documents that prove the unit already.
    """
    best: tuple[float, Proof] | None = None
    r = rules()
    first = first_sentence(answer)
    said = set(analyzer.terms(unit_claim)) - {analyzer.stem(w) for w in GENERIC}
    for p in [p for p in passages if p.meta.kind == "document"][:docs]:
        if p.meta.id in exclude:
            continue
        for sentence in sentences(p.chunk.text, p.chunk.heading_path):
            if not quotable(sentence, r) or len(said & set(analyzer.terms(sentence))) < MIN_SHARED_TERMS:
                continue
            score = support(sentence, unit_claim, analyzer=analyzer, idf=idf)
            if score < min_support:
                continue
            cover = support(first, sentence, analyzer=analyzer, idf=idf)
            if cover < min_cover:
                continue
            if best is None or score * cover > best[0]:
                best = (score * cover, Proof(passage=p, sentence=sentence, support=round(score, 3)))
    return best[1] if best else None


def first_sentence(text: str) -> str:
    """The first sentence of a unit's answer: the direct answer a quote must prove."""
    text = text.strip()
    spans = split_sentences(text)
    return text[spans[0][0] : spans[0][1]].strip() if spans else text


def fallback_sentence(
    ask: Ask, passages: list[Passage], *, analyzer: Analyzer, idf: Callable[[str], float]
) -> Proof | None:
    """The quotable source sentence of the best five documents that answers this kind of ask and shares
    at least two rare words with it; None when there is none (then the reply says so for this ask)."""
    asked = set(analyzer.terms(ask.text)) - {analyzer.stem(w) for w in GENERIC}
    if not asked:
        return None
    best: tuple[float, Proof] | None = None
    r = rules()
    docs = [p for p in passages if p.meta.kind == "document"][:5]
    for rank, p in enumerate(docs):
        for sentence in sentences(p.chunk.text, p.chunk.heading_path):
            if not quotable(sentence, r) or not kind_fits(ask.kind, sentence):
                continue
            shared = asked & set(analyzer.terms(sentence))
            if len(shared) < 2:
                continue
            score = sum(idf(t) for t in shared) / (1 + 0.2 * rank)
            if best is None or score > best[0]:
                best = (score, Proof(passage=p, sentence=sentence, support=round(score, 3)))
    return best[1] if best else None


def rank_passages(
    retr: Retriever,
    docs: Ranked,
    candidates: list[list[UnitMatch]],
    accepted: list[UnitMatch],
    proofs: dict[str, list[Proof]],
    settings: RetrievalSettings,
    *,
    limit: int,
) -> list[Passage]:
    """Units that answer (with their proofs) first, then documents, then the other candidate units."""
    ranked: list[Passage] = []
    seen: set[str] = set()

    def add(p: Passage) -> None:
        if p.chunk.id not in seen and len(ranked) < limit:
            seen.add(p.chunk.id)
            ranked.append(p)

    found = {idx: (score, scores, ranks) for idx, score, scores, ranks in docs}
    for m in accepted:
        add(retr.passage(retr.unit_chunk[m.unit.id], m.score, m.scores, m.ranks))
        for proof in proofs.get(m.unit.id, []):
            # A proof shows its search scores when the search found it too, else how well it supports.
            idx = retr.by_id[proof.passage.chunk.id]
            score, scores, ranks = found.get(idx, (0.0, {"proof_support": proof.support}, {}))
            add(retr.passage(idx, score, scores, ranks))
    # Documents the matching units rest on go up: the unit was found in the parent's words.
    cited = {src for c in candidates for m in c[:2] for src in m.unit.sources}
    lifted = [
        (idx, score + (settings.unit_source_boost / (settings.rrf_k + 1) if retr.chunks[idx].meta.id in cited else 0.0),
         scores, ranks)
        for idx, score, scores, ranks in docs
    ]
    lifted.sort(key=lambda item: (-item[1], item[0]))
    for idx, score, scores, ranks in lifted[: settings.k + 5]:
        add(retr.passage(idx, score, scores, ranks))
    for c in candidates:
        for m in c[:2]:
            add(retr.passage(retr.unit_chunk[m.unit.id], m.score, m.scores, m.ranks))
    return ranked
