"""Asks + answer units + passages -> ``Answer``: the answer first, quotes only as proof.

For each ask of the message: the sentence that answers it (the matched unit's first sentence, in the
parent's language where the unit has it), then at most two supporting sentences of that unit, each
with the number of its citation. A unit's citation is the unit itself (our own words, with the sources
it rests on); a source sentence is quoted next to it only when the unit's evidence resolved to it, it
is quotable, and it measurably supports the answer. An ask no unit covers gets the source sentence
that answers that kind of ask (a deadline for "how long", a rule for "may they"), or a plain "I have no
reliable answer to this part" with who can answer it. Next steps only when the parent asks what to do
or is in a dispute. No language model is needed: every factual sentence comes from the knowledge base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.asks import Ask, AskPlan
from bot.evidence import repeats, says_again
from bot.glossary import Glossary
from bot.models import Answer, Citation, GlossaryItem, Passage, Step
from bot.quotes import excerpt
from bot.retrieve import UnitMatch
from bot.safety.detector import CrisisSignal
from bot.safety.reply import crisis_text
from bot.settings import AnswerSettings, FreshnessSettings
from bot.texts import text
from ingest.units import Unit

_URL = re.compile(r"^https?://")
#: What the first sentence of a fallback answer must contain, per kind of ask (Dutch sources).
_KIND_NEEDS: dict[str, re.Pattern[str]] = {
    "how_long": re.compile(r"\b\d+\s*(?:dag|dagen|week|weken|maand|maanden|jaar)\b|\bbinnen\b", re.I),
    "when": re.compile(r"\b\d+\s*(?:jaar|weken|maanden)\b|\bvanaf\b|\bsinds\b|\bvoor\b", re.I),
    "who": re.compile(
        r"samenwerkingsverband|schoolbestuur|bestuur|gemeente|inspectie|commissie|leerplicht|ouders|school|consulent",
        re.I,
    ),
    "may": re.compile(r"\bmag\b|\bmogen\b|\bniet toegestaan\b|\bverboden\b|\bkan\b|\bkunnen\b", re.I),
    "must": re.compile(r"\bmoet\b|\bmoeten\b|\bverplicht|\bplicht\b", re.I),
    "cost": re.compile(r"gratis|kosteloos|kosten|betaalt|betalen|vergoed|geld", re.I),
}


@dataclass(frozen=True)
class Proof:
    """A quotable source sentence that supports a unit, with the passage it is in."""

    passage: Passage
    sentence: str
    support: float
    focus: str = ""  # the part of the sentence that proves the answer (kept when the quote is cut)


@dataclass
class AskAnswer:
    """How one ask will be answered: by a unit, by a source sentence, or not at all."""

    ask: Ask
    match: UnitMatch | None = None
    proofs: list[Proof] = field(default_factory=list)
    fallback: Proof | None = None

    @property
    def answered(self) -> bool:
        return self.match is not None or self.fallback is not None


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


class _Citations:
    """Numbers citations in order of first use and keeps one per source passage."""

    def __init__(self, *, lang: str, today: date, freshness: FreshnessSettings, quote_chars: int) -> None:
        self.lang = lang
        self.today = today
        self.freshness = freshness
        self.quote_chars = quote_chars
        self.items: list[Citation] = []
        self._by_key: dict[str, int] = {}

    def unit(self, unit: Unit, chunk_id: str) -> int:
        key = f"unit:{unit.id}"
        if key in self._by_key:
            return self._by_key[key]
        t = unit.text(self.lang)
        url = next((s for s in unit.sources if _URL.match(s)), "")
        return self._add(key, Citation(
            n=0, source_id=unit.id, title=t.question, publisher=text("unit_publisher", self.lang),
            published=unit.checked, url=url, quote="", kind="unit",
            stale=is_stale(unit.checked, unit.review_by, today=self.today, max_age_years=self.freshness.max_age_years),
            checked=unit.checked, sources=list(unit.sources), chunk_id=chunk_id,
        ))

    def passage(self, passage: Passage, quote: str, focus: str = "") -> int:
        key = f"chunk:{passage.chunk.id}"
        if key in self._by_key:
            n = self._by_key[key]
            c = self.items[n - 1]
            if quote and quote not in c.quote:
                c.quote = excerpt(f"{c.quote} {quote}".strip(), "", self.quote_chars)
            return n
        meta = passage.meta
        return self._add(key, Citation(
            n=0, source_id=meta.id, title=meta.title, publisher=meta.publisher, published=meta.published,
            url=meta.url, quote=excerpt(quote, focus, self.quote_chars), kind=meta.kind,
            stale=self._stale(meta.published, meta.review_by),
            checked=meta.checked, sources=list(meta.sources), chunk_id=passage.chunk.id,
        ))

    def _stale(self, published: str, review_by: str) -> bool:
        return is_stale(published, review_by, today=self.today, max_age_years=self.freshness.max_age_years)

    def _add(self, key: str, citation: Citation) -> int:
        citation.n = len(self.items) + 1
        self.items.append(citation)
        self._by_key[key] = citation.n
        return citation.n


def _marks(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(numbers))


def compose(
    plan: AskPlan,
    answers: list[AskAnswer],
    *,
    lang: str,
    unit_chunks: dict[str, str],
    glossary: Glossary,
    settings: AnswerSettings,
    freshness: FreshnessSettings,
    today: date,
    steps: list[Step] | None = None,
) -> Answer:
    """The answer: for each ask its answer sentence, support and (when wanted) the next step.

    Args:
        plan: the asks of the message and whether next steps are wanted.
        answers: per ask, the unit or source sentence that answers it (same order as ``plan.asks``).
        lang: reply language.
        unit_chunks: unit id -> the id of its passage in the index (cited, for the audit and the eval).
        steps: escalation or diploma steps to show under the answer (already chosen for the situation).
    """
    cites = _Citations(lang=lang, today=today, freshness=freshness, quote_chars=settings.quote_chars)
    blocks: list[str] = []
    next_steps: list[str] = []
    said: list[UnitMatch] = []
    in_reply: list[str] = []  # answer and support sentences already in the reply
    english_used = False
    # Two asks each keep their support; with three the reply would run long, so one sentence each.
    answered = sum(1 for a in answers if a.answered)
    max_support = settings.max_support if answered <= 2 else min(settings.max_support, 1)
    for item in answers:
        if item.match is not None:
            # Two asks matched to one unit, or to one that says what is shown already: say it once.
            if says_again(item.match, said):
                continue
            said.append(item.match)
            unit = item.match.unit
            t = unit.text(lang)
            english_used |= lang not in unit.texts and lang != "nl"
            own = cites.unit(unit, unit_chunks.get(unit.id, ""))
            proof_marks = [cites.passage(p.passage, p.sentence, p.focus) for p in item.proofs]
            lines = [f"{t.answer} {_marks([own, *proof_marks])}"]
            in_reply.append(t.answer)
            support = [s for s in t.support if not repeats(s, in_reply)][:max_support]
            in_reply.extend(support)
            lines += [f"{s} [{own}]" for s in support]
            blocks.append("\n".join(lines))
            if plan.wants_steps and t.next_step:
                next_steps.append(f"{t.next_step} [{own}]")
        elif item.fallback is not None:
            p = item.fallback
            n = cites.passage(p.passage, p.sentence)
            source = p.passage.meta.publisher or p.passage.meta.title
            blocks.append(f"{text('source_says', lang, source=source)} “{p.sentence}” [{n}]")
        else:
            shown = item.ask.shown
            ask = shown if len(shown) <= 80 else shown[:77].rsplit(" ", 1)[0] + "…"
            blocks.append(text("ask_unanswered", lang, ask=ask))
    body = "\n\n".join(blocks)
    if next_steps:
        body += f"\n\n{text('next_step_label', lang)} " + " ".join(dict.fromkeys(next_steps))
    notices: list[str] = []
    # One note per date: three sources from the 2014 plan get one line, not three.
    stale_by_date: dict[str, list[int]] = {}
    for c in cites.items:
        if c.stale and c.kind != "unit":
            stale_by_date.setdefault(c.published or "?", []).append(c.n)
    for date_, numbers in stale_by_date.items():
        notices.append(text("stale_notice", lang, n="][".join(str(n) for n in numbers), date=date_))
    if cites.items and all(c.stale for c in cites.items):
        notices.append(text("only_stale", lang))
    tail = []
    if english_used:
        tail.append(text("english_fallback_note", lang))
    if lang != "nl" and any(c.quote for c in cites.items):
        tail.append(text("dutch_quotes_note", lang))
    if notices:
        tail.extend(notices)
    if tail:
        body += "\n\n" + "\n".join(t for t in tail if t)
    terms = glossary.in_answer(body)
    items = [GlossaryItem(term=t.term, explanation=t.explanation_for(lang)) for t in terms]
    return Answer(outcome="answer", lang=lang, text=body, citations=cites.items, glossary=items, notices=notices,
                  steps=steps or [])


def refusal(lang: str, *, kind: str = "no_evidence", referral_text: str = "") -> Answer:
    """A polite refusal: no facts, no citations, and who can help."""
    key = {
        "no_evidence": "refuse_no_evidence",
        "off_topic": "refuse_off_topic",
        "injection": "refuse_injection",
        "privacy": "refuse_privacy",
        "misuse": "refuse_misuse",
    }[kind]
    parts = [text(key, lang)]
    if referral_text:
        parts.append(referral_text)
    parts.append(text("who_can_help", lang))
    if kind in ("injection", "off_topic"):
        parts.append(text("offer", lang))
    return Answer(outcome="refuse", lang=lang, text="\n".join(parts))


def clarify(lang: str) -> Answer:
    """Ask what the parent wants to know."""
    return Answer(outcome="clarify", lang=lang, text=text("clarify", lang))


def crisis(lang: str, signal: CrisisSignal, citations: list[Citation] | None = None) -> Answer:
    """The help lines that fit the case first, in the parent's language; nothing about school before them."""
    return Answer(outcome="crisis", lang=lang, text=crisis_text(signal, lang), citations=citations or [])


def crisis_then_answer(lang: str, signal: CrisisSignal, answer: Answer) -> Answer:
    """Help lines first, then (for a message that may not be about danger at all) the ordinary answer."""
    body = f"{crisis_text(signal, lang, answer_follows=True)}\n\n{text('crisis_unsure_bridge', lang)}\n\n{answer.text}"
    return answer.model_copy(update={"outcome": "crisis", "text": body})


def kind_fits(kind: str, sentence: str) -> bool:
    """Does a source sentence contain what this kind of ask needs (a duration, a body, a rule...)?"""
    needs = _KIND_NEEDS.get(kind)
    return needs is None or bool(needs.search(sentence))
