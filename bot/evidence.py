"""How well the knowledge base supports an answer, and the decision to answer, per ask and per message.

Measured here, decided here: every threshold is a setting (``answer.*`` in config.yaml) with its
calibration note there. An ask is answered by an answer unit when a parent's question is close enough
to one of the unit's questions; otherwise by a source sentence of the right kind when the passages
support the ask well; otherwise it is said plainly that there is no answer for that ask. A message is
refused when no ask can be answered, when it is about a topic we refer elsewhere, or when it asks for
contact details that are not in the sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.asks import lexicon_words
from bot.glossary import Term
from bot.models import Passage
from bot.query import Analyzer, Query
from bot.retrieve import UnitMatch
from bot.settings import AnswerSettings

_PHONE_OR_MAIL = re.compile(r"\b0\d{2,3}[-\s]?\d{3}[-\s]?\d{2,4}\b|\b\d{3,4}[- ]\d{4}\b|@\w+\.\w+|\bwww\.\w+")
#: Words that carry no topic of their own in a parent's question (they say nothing about support).
GENERIC = frozenset(lexicon_words("generic_words"))


@dataclass
class Evidence:
    """What the passages say about a message (documents only: units are written in parents' words)."""

    dense_top: float = 0.0
    bm25_top: float = 0.0
    coverage: float = 0.0  # share of the question's key words found in the best passages
    key_words: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    domain_terms: list[str] = field(default_factory=list)
    unit_similarity: float = 0.0  # best question-to-question similarity over the asks

    def as_dict(self) -> dict[str, object]:
        return {
            "dense_top": round(self.dense_top, 4),
            "bm25_top": round(self.bm25_top, 3),
            "coverage": round(self.coverage, 3),
            "missing": self.missing,
            "domain_terms": self.domain_terms,
            "unit_similarity": round(self.unit_similarity, 4),
        }


def measure(query: Query, passages: list[Passage], *, analyzer: Analyzer, glossary_terms: list[Term],
            lang: str) -> Evidence:
    """Measure the support the document passages give to the message."""
    ev = Evidence(domain_terms=[t.term for t in glossary_terms])
    docs = [p for p in passages if p.meta.kind == "document"]
    if docs:
        ev.dense_top = max(p.scores.get("dense", 0.0) for p in docs)
        ev.bm25_top = max(p.scores.get("bm25", 0.0) for p in docs)
    words = [w for w in dict.fromkeys(query.key_words) if w not in GENERIC and not w.isdigit()]
    if lang != "nl":
        # Words of another language are not in a Dutch corpus; the glossary terms stand in for them.
        words = [analyzer.words(t)[0] for t in ev.domain_terms if analyzer.words(t)]
    ev.key_words = words
    if not words:
        return ev
    stems: set[str] = set()
    for p in docs[:5]:
        stems.update(analyzer.terms(f"{p.meta.title} {p.chunk.heading} {p.chunk.text}"))
    found = [w for w in words if analyzer.stem(query.corrections.get(w, w)) in stems]
    ev.missing = [w for w in words if w not in found]
    ev.coverage = len(found) / len(words)
    return ev


def unit_answers(match: UnitMatch | None, s: AnswerSettings, *, mode: str) -> bool:
    """Does this unit answer the ask? Question-to-question similarity decides (lexical score in bm25 mode)."""
    if match is None:
        return False
    if mode == "bm25":
        return match.scores.get("q_bm25", 0.0) >= s.min_question_bm25
    return match.similarity >= s.min_question_similarity and match.scope >= s.min_scope_margin


def says_again(match: UnitMatch, said: list[UnitMatch]) -> bool:
    """Would this unit repeat one already in the answer (the same unit, or one written from the same
    facts and no others)?"""
    facts = {f for m in said for f in m.unit.facts}
    if any(m.unit.id == match.unit.id for m in said) or (match.unit.facts and set(match.unit.facts) <= facts):
        return True
    # Units written apart (a glossary card and a topic card) can still say the same thing.
    return repeats(match.unit.texts["nl"].answer, [m.unit.texts["nl"].answer for m in said])


SAME_ANSWER = 0.5  # word overlap (Jaccard) from which two answer sentences say the same thing


def repeats(sentence: str, shown: list[str]) -> bool:
    """Does this sentence say what a sentence already in the reply says (two units on one topic often
    share a line such as "De school bespreekt het OPP elk jaar met u")?"""
    words = _content_words(sentence)
    return bool(words) and any(
        len(words & (other := _content_words(s))) >= SAME_ANSWER * len(words | other) for s in shown
    )


def _content_words(sentence: str) -> set[str]:
    return {w for w in re.findall(r"\w+", sentence.lower()) if len(w) > 3}


def next_unit(matches: list[UnitMatch], said: list[UnitMatch], s: AnswerSettings, *, mode: str) -> UnitMatch | None:
    """The best unit that answers this ask and says something the answer does not say yet.

    When a message's second ask ("en hoe lang duurt dat?") best matches the unit that already answers
    its first, the next unit that also answers it is taken instead: a parent who asks two things wants
    two answers. Only units above the same threshold count, so nothing off the point fills the gap.
    """
    if not matches or not unit_answers(matches[0], s, mode=mode):
        return None
    for m in matches[:3]:
        if unit_answers(m, s, mode=mode) and not says_again(m, said):
            return m
    return matches[0]  # answered already by what the answer says for another ask


def passages_answer(ev: Evidence, s: AnswerSettings, *, on_topic: bool) -> bool:
    """Do the document passages support an answer without a unit? Stricter than a unit match."""
    if on_topic:
        return ev.dense_top >= s.min_dense and ev.coverage >= s.min_coverage
    return ev.dense_top >= s.min_dense + s.off_topic_margin and ev.bm25_top >= s.min_bm25


@dataclass
class Decision:
    """Answer, or why not."""

    answer: bool
    reason: str


def decide(
    *,
    answered_asks: int,
    ev: Evidence,
    s: AnswerSettings,
    referral: bool,
    asks_contact: bool,
    contact_texts: list[str],
    on_topic: bool,
) -> Decision:
    """The decision for the whole message, after each ask was matched.

    ``contact_texts``: the texts of the units that answer the message; a request for a phone number or
    address is answered only when one of them holds contact details (we never guess them).
    """
    if asks_contact and not any(_PHONE_OR_MAIL.search(t) for t in contact_texts):
        return Decision(False, "refuse: contact details not in the sources")
    # A topic we refer elsewhere (tax, holidays, medicine...) without a passend-onderwijs term needs a
    # clearly better unit match than an ordinary question before it is answered.
    if referral and not ev.domain_terms and ev.unit_similarity < s.min_question_similarity + 2 * s.off_topic_margin:
        return Decision(False, "refuse: a topic outside passend onderwijs")
    if answered_asks == 0:
        return Decision(False, f"refuse: no unit or passage answers it (unit {ev.unit_similarity:.3f}, "
                               f"dense {ev.dense_top:.3f}, bm25 {ev.bm25_top:.1f})")
    return Decision(True, "answer")

