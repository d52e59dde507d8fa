"""Curated knowledge: cards, glossary, escalation ladder, diploma routes and freshness."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import yaml

from bot.glossary import Glossary
from bot.routes import DiplomaRoutes, Ladder
from bot.sources import list_sources
from ingest.load import load_cards
from tests.conftest import REPO

CARDS = load_cards(REPO / "knowledge" / "cards")
GLOSSARY = Glossary.load(REPO / "knowledge" / "glossary.yaml")
LADDER = Ladder.load(REPO / "knowledge" / "routes" / "escalation.yaml")
DIPLOMA = DiplomaRoutes.load(REPO / "knowledge" / "routes" / "diploma.yaml")
FACTS = REPO.parent / "shared" / "domain" / "facts.md"


def test_every_card_has_sources_and_valid_dates() -> None:
    assert CARDS.errors == []
    assert len(CARDS.documents) >= 20
    for card in CARDS.documents:
        meta = card.meta
        assert meta.sources, meta.id
        checked, review_by = date.fromisoformat(meta.checked), date.fromisoformat(meta.review_by)
        assert checked <= review_by, meta.id
        assert meta.lang in ("nl", "en")


def test_every_dutch_card_has_an_english_version() -> None:
    nl = {c.meta.id for c in CARDS.documents if c.meta.lang == "nl"}
    en = {c.meta.id.removesuffix(".en") for c in CARDS.documents if c.meta.lang == "en"}
    assert nl == en


def test_card_phone_numbers_are_checked_facts() -> None:
    if not FACTS.exists():
        pytest.skip("shared/domain/facts.md is not next to the repository")
    facts = FACTS.read_text(encoding="utf-8")
    for card in CARDS.documents:
        for number in re.findall(r"\b0\d{2,3}[- ]?\d{2,4}[- ]?\d{0,4}\b", card.text):
            assert number.strip() in facts, f"{card.meta.id}: {number} is not in facts.md"


def test_glossary_terms_have_explanations_and_variants() -> None:
    assert len(GLOSSARY.terms) >= 25
    for term in GLOSSARY.terms:
        assert term.explanation and term.explanation_en
        assert term.variants, term.term
        assert term.sources, term.term


def test_every_glossary_variant_is_recognised() -> None:
    for term in GLOSSARY.terms:
        for variant in term.variants:
            found = {t.term for t in GLOSSARY.find(f"vraag over {variant} alstublieft")}
            assert term.term in found, f"{term.term}: variant '{variant}' not recognised"


def test_every_glossary_term_is_found_by_retrieval_under_each_variant(service: Any) -> None:
    """For each variant, the search includes the term's own words and the top passages mention it."""
    misses = []
    for term in GLOSSARY.terms:
        names = {w.lower() for w in (term.term, term.full, *term.variants, *term.related)}
        for variant in term.variants:
            retriever = service.retriever()
            query = service._builder.build(f"wat is {variant}?")
            passages = retriever.search(query, k=5)
            text_top = " ".join(f"{p.meta.title} {p.chunk.heading} {p.chunk.text}".lower() for p in passages)
            if not any(name in text_top for name in names):
                misses.append(f"{term.term} <- {variant}")
    assert misses == []


@pytest.mark.parametrize(
    ("question", "card"),
    [
        ("Hoe vraag je een TLV aan en wie doet dat?", "tlv-aanvragen"),
        ("Het samenwerkingsverband heeft de TLV geweigerd, kan ik bezwaar maken?", "tlv-bezwaar"),
        ("Moeten wij als ouders instemmen met het OPP?", "opp"),
        ("Hoe lang mag een school doen over de toelating na aanmelding?", "zorgplicht"),
        ("Mijn kind zit al weken thuis zonder school, telt dat als verzuim?", "thuiszitten"),
        ("Kan mijn zoon op het vso deelcertificaten en een staatsexamen doen?", "deelcertificaten-staatsexamen"),
        ("Wat is symbiose tussen vso en een gewone school?", "symbiose"),
        ("Mijn dochter zit in het praktijkonderwijs, kan ze een entreeopleiding doen?", "praktijkonderwijs-entree"),
        ("Wat doen de onderwijsconsulenten en wat kost dat?", "onderwijsconsulenten"),
        ("De school wil mijn zoon verwijderen, mag dat zomaar?", "schorsing-verwijdering"),
    ],
)
def test_a_question_per_route_cites_its_card(service: Any, question: str, card: str) -> None:
    answer = service.ask(question, audit=False).answer
    assert answer.outcome == "answer"
    cited = {c.source_id for c in answer.citations}
    assert card in cited, f"{card} not in {cited}"


@pytest.mark.parametrize(
    ("message", "first_step"),
    [
        ("De school weigert mijn dochter toe te laten, wat kan ik doen?", "leraar"),
        ("We hebben al met de juf en de intern begeleider gepraat maar het OPP klopt niet. Wat nu?", "directie"),
        (
            "We hebben met de directeur en het samenwerkingsverband gepraat, het loopt vast, mijn zoon zit thuis.",
            "steunpunt",
        ),
    ],
)
def test_escalation_starts_at_the_step_that_fits(message: str, first_step: str) -> None:
    assert LADDER.applies(message)
    steps, _ = LADDER.steps_for(message)
    expected = next(s for s in LADDER.steps if s.id == first_step)
    assert steps[0].title == expected.title["nl"]


def test_escalation_steps_are_shown_under_the_answer(service: Any) -> None:
    answer = service.ask(
        "We hebben al met de directeur gepraat maar de school blijft weigeren. Wat nu?", audit=False
    ).answer
    assert answer.steps
    titles = [s.title for s in answer.steps]
    directie = next(s for s in LADDER.steps if s.id == "directie")
    assert directie.title["nl"] not in titles  # already tried


def test_escalation_data_is_ordered_with_deadlines_from_the_facts() -> None:
    data = yaml.safe_load((REPO / "knowledge" / "routes" / "escalation.yaml").read_text(encoding="utf-8"))
    assert [d["step"] for d in data] == sorted(d["step"] for d in data)
    ids = [d["id"] for d in data]
    for required in (
        "leraar",
        "directie",
        "samenwerkingsverband",
        "onderwijsconsulenten",
        "geschillencommissie",
        "bezwaar-tlv",
        "college-rechten-mens",
        "rechter",
    ):
        assert required in ids
    gpo = next(d for d in data if d["id"] == "geschillencommissie")
    assert "6 weken" in gpo["deadline"]


def test_diploma_question_gets_concrete_routes(service: Any) -> None:
    question = "Kan mijn zoon op het vso nog een havo diploma halen?"
    assert DIPLOMA.applies(question)
    routes = DIPLOMA.matching(question)
    assert routes and any("staatsexamen" in r.title.lower() or "havo" in (r.where + r.title).lower() for r in routes)
    answer = service.ask(question, audit=False).answer
    assert answer.steps


def test_sources_stale_lists_the_2014_plan(service: Any) -> None:
    stale = list_sources(service, stale_only=True, today=date(2026, 11, 22))
    assert "ocw-plan-van-aanpak-2014" in {r.id for r in stale}
    fresh = list_sources(service, today=date(2026, 11, 22))
    assert {r.id for r in fresh} >= {"renn4-passend-onderwijs", "tlv-aanvragen"}
    past_review = list_sources(service, stale_only=True, today=date(2028, 1, 1))
    assert "tlv-aanvragen" in {r.id for r in past_review}
