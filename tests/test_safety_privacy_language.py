"""Crisis detection (recall first, but no alarm on ordinary worries), redaction, language detection."""

from __future__ import annotations

import pytest
import yaml

from bot.language import SUPPORTED, detect_language
from bot.redact import redact
from bot.safety import detect_crisis
from bot.texts import TEXTS, has_translation, text
from tests.conftest import DATA, REPO

MESSAGES = yaml.safe_load((DATA / "safety_messages.yaml").read_text(encoding="utf-8"))
DEV = yaml.safe_load((REPO / "knowledge" / "eval" / "dev.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("message", MESSAGES["crisis"], ids=lambda m: m["text"][:30])
def test_crisis_messages_trigger(message: dict[str, str]) -> None:
    assert detect_crisis(message["text"]) is not None


@pytest.mark.parametrize("message", MESSAGES["ordinary"], ids=lambda m: m["text"][:30])
def test_ordinary_worries_do_not_trigger(message: dict[str, str]) -> None:
    assert detect_crisis(message["text"]) is None


def test_dev_set_crisis_recall_and_precision() -> None:
    for case in DEV:
        assert (detect_crisis(case["question"]) is not None) == (case["expect"] == "crisis"), case["id"]


def test_crisis_categories_order_acute_danger_first() -> None:
    signal = detect_crisis("hij heeft een mes gepakt en zegt dat hij zelfmoord pleegt")
    assert signal is not None and signal.category == "danger"
    abuse = detect_crisis("zijn vader slaat hem")
    assert abuse is not None and abuse.category == "abuse"


@pytest.mark.parametrize("lang", SUPPORTED)
def test_crisis_text_exists_in_every_language_and_starts_with_112(lang: str) -> None:
    assert has_translation("crisis", lang)
    body = text("crisis", lang)
    first = body.split("\n", 1)[0]
    assert "112" in first
    for number in ("0800-0113", "0800-2000", "0800-0432"):
        assert number in body


@pytest.mark.parametrize("lang", SUPPORTED)
def test_every_fixed_text_is_translated(lang: str) -> None:
    missing = [key for key in TEXTS if not has_translation(key, lang)]
    assert missing == []


# ----- redaction -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Het BSN van mijn zoon is 111222333.", "Het BSN van mijn zoon is [BSN]."),
        ("bsn: 1112.22.333", "bsn: [BSN]"),
        ("BSN 123 456 782 graag", "BSN [BSN] graag"),
        ("bel 06-12345678 of 0612345678", "bel [TELEFOON] of [TELEFOON]"),
        ("mijn nummer is +31 6 1234 5678", "mijn nummer is [TELEFOON]"),
        ("vast: 020 123 4567", "vast: [TELEFOON]"),
        ("mail piet.de.vries@example.nl", "mail [E-MAIL]"),
        ("we wonen op 1234 AB 12", "we wonen op [ADRES]"),
        ("adres Kerkstraat 12a", "adres [ADRES]"),
        ("mijn zoon Daan zit in groep 7", "mijn zoon [NAAM] zit in groep 7"),
        ("onze dochter fatima heeft adhd", "onze dochter [NAAM] heeft adhd"),
        ("Mijn dochter, Sara, is 9", "Mijn dochter, [NAAM], is 9"),
        ("hij heet Noah en is 8", "hij heet [NAAM] en is 8"),
        ("My son Liam has autism", "My son [NAAM] has autism"),
        ("oğlum Ahmet okula gitmiyor", "oğlum [NAAM] okula gitmiyor"),
        ("мій син Андрій не ходить до школи", "мій син [NAAM] не ходить до школи"),
    ],
)
def test_redaction_positives(raw: str, expected: str) -> None:
    assert redact(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "mijn zoon zit in groep 7 en heeft een TLV",
        "mijn dochter heeft autisme",
        "mijn kind is 9 jaar",
        "nummer 123456789 klopt niet met de 11-proef",
        "In 2014 waren er 152 samenwerkingsverbanden.",
        "Bel De Kindertelefoon: 0800-0432 of Veilig Thuis 0800-2000.",
        "ongeveer 73.000 leerlingen in het (v)so",
        "groep 1-2 en groep 3-4",
        "Sinds 1 augustus 2017 stemmen ouders in.",
    ],
)
def test_redaction_negatives(raw: str) -> None:
    assert redact(raw) == raw


# ----- language ------------------------------------------------------------------------------
def test_language_of_every_dev_question() -> None:
    for case in DEV:
        assert detect_language(case["question"]) == case["lang"], case["id"]


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("wat is een tlv", "nl"),
        ("what is a tlv and who decides?", "en"),
        ("Okul oğlumu kabul etmiyor, ne yapmalıyım?", "tr"),
        ("Szkoła nie chce przyjąć mojego syna, co mam zrobić?", "pl"),
        ("Школа не хоче прийняти мого сина", "uk"),
        ("المدرسة لا تريد قبول ابني", "ar"),
        ("tlv?", "nl"),
    ],
)
def test_language_detection_short_messages(message: str, lang: str) -> None:
    assert detect_language(message) == lang


def test_language_falls_back_to_the_conversation() -> None:
    assert detect_language("ok", fallback="en") == "en"
    assert detect_language("TLV?", fallback="tr") == "tr"
