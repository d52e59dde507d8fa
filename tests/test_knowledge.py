"""Curated knowledge: answer units, glossary, escalation ladder, diploma routes and freshness."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import yaml

from bot.errors import ConfigError
from bot.glossary import Glossary
from bot.next_steps import DiplomaRoutes, Ladder, situation_of
from bot.sources import list_sources
from ingest.units import LANGS, check_evidence, load_units
from tests.conftest import REPO

UNITS = load_units(REPO / "knowledge" / "units")
I18N = REPO / "knowledge" / "i18n"
GLOSSARY = Glossary.load(REPO / "knowledge" / "glossary.yaml", I18N)
LADDER = Ladder.load(REPO / "knowledge" / "routes" / "escalation.yaml", I18N)
DIPLOMA = DiplomaRoutes.load(REPO / "knowledge" / "routes" / "diploma.yaml", I18N)
TRANSLATED = tuple(lang for lang in LANGS if lang not in ("nl", "en"))
DIGITS = re.compile(r"\d+")
FACTS = REPO.parent / "shared" / "domain" / "facts.md"
NUMBER = re.compile(r"\b0\d{2,3}[- ]?\d{2,4}[- ]?\d{0,4}\b")


def test_units_are_valid_and_cover_every_topic_in_six_languages() -> None:
    assert UNITS.problems == []
    assert len(UNITS.units) >= 150
    for lang in LANGS:
        assert sum(lang in u.texts for u in UNITS.units) == len(UNITS.units), lang
    topics = {u.topic for u in UNITS.units}
    for topic in (
        "tlv",
        "opp",
        "zorgplicht",
        "aanmelden",
        "schorsing",
        "verwijdering",
        "thuiszitten",
        "vervoer",
        "diploma",
        "vso",
        "geschillen",
        "onderwijsconsulent",
        "steunpunt",
        "cluster",
        "veiligheid",
    ):
        assert topic in topics, topic


def test_every_unit_has_sources_dates_and_enough_ways_of_asking() -> None:
    for u in UNITS.units:
        assert u.sources, u.id
        assert date.fromisoformat(u.checked) <= date.fromisoformat(u.review_by), u.id
        assert len(u.asked_as) >= 5, u.id


# "Dan ..." / "Then ..." only reads right straight after the unit's own question, which the reply does not
# repeat: a parent who asked something else meets a sentence that starts halfway.
_SEQUEL = {"dan", "daarna", "daarvoor", "vervolgens", "then", "afterwards", "wtedy", "тоді", "عندها", "عندئذ"}


def test_every_unit_answer_stands_alone() -> None:
    opens_midway = [
        f"{u.id} [{lang}]: {u.texts[lang].answer[:60]}"
        for u in UNITS.units
        for lang in u.texts
        if u.texts[lang].answer.split()[0].strip(",:").lower() in _SEQUEL
        or u.texts[lang].answer.lower().startswith(("vraag dan", "o zaman"))
    ]
    assert opens_midway == []


def test_evidence_quotes_occur_literally_in_their_documents() -> None:
    assert check_evidence(UNITS.units, REPO / "knowledge" / "sources") == []


def test_unit_phone_numbers_are_checked_facts() -> None:
    if not FACTS.exists():
        pytest.skip("shared/domain/facts.md is not next to the repository")
    facts = FACTS.read_text(encoding="utf-8")
    for u in UNITS.units:
        for t in u.texts.values():
            for number in NUMBER.findall(" ".join([t.answer, *t.support, t.next_step])):
                assert number.strip() in facts, f"{u.id}: {number} is not in facts.md"


def test_glossary_terms_have_explanations_and_variants() -> None:
    assert len(GLOSSARY.terms) >= 25
    for term in GLOSSARY.terms:
        assert term.explanation and term.explanation_en
        assert term.variants, term.term
        assert term.sources, term.term


def test_every_glossary_variant_is_recognised() -> None:
    for term in GLOSSARY.terms:
        for variant in term.variants:
            assert term in GLOSSARY.find(f"ik heb een vraag over {variant} voor mijn kind"), (term.term, variant)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Hoe vraag ik een TLV aan voor het speciaal onderwijs?", "tlv"),
        ("Moet ik het OPP van school tekenen?", "opp"),
        ("De school zegt dat ze vol zit, mag ze mijn zoon dan weigeren?", "zorgplicht"),
        ("Wat is symbiose tussen vso en een gewone school?", "symbiose"),
        ("Wat doen de onderwijsconsulenten en wat kost dat?", "onderwijsconsulent"),
        ("De gemeente weigert taxivervoer naar de so-school, kan ik daar iets tegen doen?", "vervoer"),
    ],
)
def test_a_question_per_topic_is_answered_by_a_unit_of_that_topic(service: Any, question: str, topic: str) -> None:
    result = service.ask(question, audit=False)
    assert result.answer.outcome == "answer"
    topics = {a.match.unit.topic for a in result.asks if a.match is not None}
    assert topic in topics, f"{topic} not in {topics}"


@pytest.mark.parametrize(
    ("message", "situation", "first_step"),
    [
        ("Mijn zoon is al 3 weken geschorst, wat kan ik doen?", "suspended", "bezwaar-schoolbestuur"),
        ("Mijn dochter zit al twee maanden thuis, wat nu?", "at_home", "leerplichtambtenaar"),
        ("De TLV is afgewezen door het samenwerkingsverband, wat kan ik doen?", "tlv_refused", "bezwaar-tlv"),
        ("De school weigert mijn dochter toe te laten, wat kan ik doen?", "refused_admission", "samenwerkingsverband"),
        ("Ik ben het niet eens met de begeleiding, wat nu?", None, "leraar"),
    ],
)
def test_escalation_starts_where_the_parent_stands(message: str, situation: str | None, first_step: str) -> None:
    assert situation_of(message) == situation
    steps, _ = LADDER.steps_for(situation, message)
    assert steps[0].title == LADDER.steps[first_step].title["nl"]


def test_steps_the_parent_already_took_are_skipped() -> None:
    message = "We hebben al met de juf en de intern begeleider gepraat maar het loopt vast. Wat nu?"
    steps, done = LADDER.steps_for(None, message)
    assert {s.id for s in done} >= {"leraar", "intern-begeleider"}
    assert steps[0].title == LADDER.steps["directie"].title["nl"]


def test_escalation_data_has_paths_and_deadlines_from_the_facts() -> None:
    data = yaml.safe_load((REPO / "knowledge" / "routes" / "escalation.yaml").read_text(encoding="utf-8"))
    ids = {d["id"] for d in data["steps"]}
    for required in (
        "leraar",
        "directie",
        "samenwerkingsverband",
        "onderwijsconsulenten",
        "geschillencommissie",
        "bezwaar-tlv",
        "bezwaar-schoolbestuur",
        "leerplichtambtenaar",
        "college-rechten-mens",
        "rechter",
    ):
        assert required in ids
    gpo = next(d for d in data["steps"] if d["id"] == "geschillencommissie")
    assert "6 weken" in gpo["deadline"]
    assert set(data["paths"]) >= {"suspended", "expelled", "at_home", "tlv_refused", "refused_admission", "general"}


def test_diploma_question_gets_concrete_routes(service: Any) -> None:
    question = "Kan mijn zoon op het vso nog een havo diploma halen?"
    routes = DIPLOMA.matching(question)
    assert routes and any("staatsexamen" in r.title.lower() or "havo" in (r.where + r.title).lower() for r in routes)
    answer = service.ask(question, audit=False).answer
    assert answer.outcome == "answer" and answer.steps


@pytest.mark.parametrize("lang", TRANSLATED)
def test_steps_routes_and_glossary_exist_in_every_parent_language_with_the_same_numbers(lang: str) -> None:
    # A Turkish parent should not get the ladder in English; a translated deadline must keep its number.
    pairs: list[tuple[str, str, str]] = []
    for step in LADDER.steps.values():
        for name in ("title", "who", "when", "deadline", "where"):
            field = getattr(step, name)
            assert lang in field, f"{lang}: step {step.id} has no {name}"
            pairs.append((f"step {step.id}.{name}", field["nl"], field[lang]))
    for route in DIPLOMA.routes:
        for name in ("title", "for_whom", "result"):
            field = getattr(route, name)
            assert lang in field, f"{lang}: route {route.id} has no {name}"
            pairs.append((f"route {route.id}.{name}", field["nl"], field[lang]))
        assert len(route.conditions.get(lang, [])) == len(route.conditions["nl"]), f"{lang}: route {route.id}"
        for dutch, translated in zip(route.conditions["nl"], route.conditions[lang], strict=True):
            pairs.append((f"route {route.id}.condition", dutch, translated))
    for term in GLOSSARY.terms:
        assert term.translations.get(lang), f"{lang}: term {term.term} has no explanation"
        pairs.append((f"term {term.term}", term.explanation, term.translations[lang]))
    for where, dutch, translated in pairs:
        assert bool(dutch) == bool(translated), f"{lang}: {where} is empty in one language only"
        assert sorted(DIGITS.findall(translated)) == sorted(DIGITS.findall(dutch)), f"{lang}: {where}: {translated}"


def test_a_turkish_question_gets_its_steps_and_word_explanations_in_turkish(service: Any) -> None:
    answer = service.ask("Okul oğlumu uzaklaştırmak istiyor, hiç anlaşamıyoruz. Ne yapabilirim?", audit=False).answer
    assert answer.lang == "tr" and answer.steps
    turkish = {s.title["tr"] for s in LADDER.steps.values()}
    assert all(step.title in turkish for step in answer.steps), [s.title for s in answer.steps]
    for item in answer.glossary:
        term = next(t for t in GLOSSARY.terms if t.term == item.term)
        assert item.explanation == term.translations["tr"]


def test_a_translation_of_an_unknown_step_is_a_clear_config_error(tmp_path: Any) -> None:
    (tmp_path / "tr").mkdir()
    (tmp_path / "tr" / "escalation.yaml").write_text("leraarr:\n  title: \"Öğretmenle konuşun\"\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown keys leraarr"):
        Ladder.load(REPO / "knowledge" / "routes" / "escalation.yaml", tmp_path)


def test_sources_stale_lists_the_2014_plan_and_units_past_review(service: Any) -> None:
    stale = list_sources(service, stale_only=True, today=date(2026, 12, 1))
    assert "ocw-plan-van-aanpak-2014" in {r.id for r in stale}
    fresh = list_sources(service, today=date(2026, 12, 1))
    ids = {r.id for r in fresh}
    assert "renn4-passend-onderwijs" in ids and any(r.kind == "unit" for r in fresh)
    past_review = list_sources(service, stale_only=True, today=date(2028, 1, 1))
    assert any(r.kind == "unit" for r in past_review)
