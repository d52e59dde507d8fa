"""Redaction of personal data before anything is logged or stored.

``redact(text)`` replaces, in this order: e-mail addresses; BSNs and onderwijsnummers (python-stdnum
checks the 11-proef; with or without dots or spaces); phone numbers, Dutch and international
(``phonenumbers``; free 0800/0900 service lines are kept, they are the help lines we give); postcode
plus house number and street plus number; and names where parents introduce them: "mijn zoon Daan
(8)", "onze dochter Anne-Fleur de Vries" (the surname too), "hij heet Sem", "ik ben Fatima, moeder van
Sami", "juf Marieke zegt", "my son Liam", "oğlum Ahmet", or any capitalised name followed by an age in
brackets. Word lists live in ``bot/data/redact.yaml``. A pure function: the same text, the same result.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import phonenumbers
import yaml
from stdnum.nl import bsn, onderwijsnummer

BSN_TOKEN = "[BSN]"
PHONE_TOKEN = "[TELEFOON]"
EMAIL_TOKEN = "[E-MAIL]"
ADDRESS_TOKEN = "[ADRES]"
NAME_TOKEN = "[NAAM]"
REDACT_FILE = Path(__file__).resolve().parent / "data" / "redact.yaml"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Nine digits (BSN, onderwijsnummer), grouped as 1234.56.789 / 123 456 789 / 123-456-789, or eight (old BSN).
_NUMBER_CANDIDATE = re.compile(r"(?<![\d+])(\d{4}[.\s-]?\d{2}[.\s-]?\d{3}|\d{3}[.\s-]\d{3}[.\s-]\d{3}|\d{8,9})(?![\d])")
_POSTCODE = re.compile(
    r"\b[1-9]\d{3}\s?(?!SA|SD|SS|(?i:ms|km|kg|mg|cm|mm|ml|gb|mb|kb)\b)[A-Za-z]{2}\b(?:[\s,]+\d{1,5}(?:\s?[a-zA-Z]\b|-\d+)?)?"
)
_STREET_NUMBER = re.compile(
    r"\b[A-Z][a-zà-ÿ]+(?:straat|laan|weg|plein|singel|gracht|kade|dijk|hof|pad|steeg|dreef|park|ring)"
    r"\s+\d{1,5}(?:\s?[a-zA-Z]\b|-\d+)?"
)
_UPPER = "A-ZÀ-ÖØ-ÞĀ-ſА-ЯЄІЇҐ"
_CAPITAL_WORD = rf"[{_UPPER}][\w'’-]+"
_ANY_WORD = r"[\w'’-]+"
#: Small words inside a surname ("de Vries", "van der Berg", "El Amrani").
_PARTICLES = r"(?:van|de|der|den|het|ten|ter|te|la|le|el|al|ben|bin|da|di|du)"
_SURNAME = rf"(?:\s+(?:{_PARTICLES}\s+){{0,2}}{_CAPITAL_WORD})?"
_AGE_AFTER = re.compile(
    rf"\b(?P<name>{_CAPITAL_WORD}(?:\s+(?:{_PARTICLES}\s+){{0,2}}{_CAPITAL_WORD})?)(?P<age>\s*\(\d{{1,2}}(?:\s*(?:jaar|j|yrs?|years?))?\))"
)


class _Lists:
    def __init__(self, data: dict[str, object]) -> None:
        def alts(words: list[str]) -> str:
            return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

        kin_by_lang: dict[str, list[str]] = dict(data["kin"])  # type: ignore[arg-type]
        lower_ok = set(data["kin_lowercase_names"])  # type: ignore[arg-type]
        loose = [w for lang, ws in kin_by_lang.items() if lang in lower_ok for w in ws]
        strict = [w for lang, ws in kin_by_lang.items() if lang not in lower_ok for w in ws]
        self.not_names = frozenset(str(w).lower() for w in data["not_names"])  # type: ignore[attr-defined]
        self.public_numbers = frozenset(re.sub(r"\D", "", str(n)) for n in data["public_numbers"])  # type: ignore[attr-defined]
        fillers = alts(list(data["named_fillers"]))  # type: ignore[arg-type]
        # Kin in Dutch and English and "heet": the name may be written without a capital ("onze dochter
        # fatima"); in the other languages only a capitalised word is taken for a name.
        self.kin = re.compile(
            rf"(?P<lead>\b(?:{alts(loose)})\b[,:]?\s+(?:\(\d{{1,2}}\)\s+)?)(?P<name>{_ANY_WORD})(?P<rest>{_SURNAME})",
            re.IGNORECASE,
        )
        self.kin_strict = re.compile(
            rf"(?P<lead>(?<!\w)(?:{alts(strict)})(?!\w)[,:]?\s+(?:\(\d{{1,2}}\)\s+)?)(?P<name>{_ANY_WORD})(?P<rest>{_SURNAME})",
            re.IGNORECASE,
        )
        self.named = re.compile(
            rf"(?P<lead>\b(?:{alts(list(data['named']))})\s+(?:(?:{fillers})\s+)?)(?P<name>{_ANY_WORD})(?P<rest>{_SURNAME})",  # type: ignore[arg-type]
            re.IGNORECASE,
        )
        # Self-introductions and titles: only a capitalised word is a name ("ik ben boos" is not).
        self.self_intro = re.compile(
            rf"(?P<lead>\b(?:{alts(list(data['self']))})[,:]?\s+)(?P<name>{_CAPITAL_WORD})(?P<rest>{_SURNAME})",  # type: ignore[arg-type]
            re.IGNORECASE,
        )
        self.title = re.compile(
            rf"(?P<lead>\b(?:{alts(list(data['titles']))})\.?\s+)(?P<name>{_CAPITAL_WORD})(?P<rest>{_SURNAME})",  # type: ignore[arg-type]
            re.IGNORECASE,
        )


@lru_cache(maxsize=2)
def _lists(path: Path = REDACT_FILE) -> _Lists:
    return _Lists(yaml.safe_load(path.read_text(encoding="utf-8")))


def _replace_number(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if bsn.is_valid(digits.zfill(9)) or onderwijsnummer.is_valid(digits):
        return BSN_TOKEN
    return match.group(0)


def _redact_phones(text: str, public: frozenset[str]) -> str:
    """Phone numbers anywhere in the text, Dutch by default; free service lines (0800, 0900) stay."""
    out, last = [], 0
    for m in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.POSSIBLE):
        kind = phonenumbers.number_type(m.number)
        if kind in (
            phonenumbers.PhoneNumberType.TOLL_FREE,
            phonenumbers.PhoneNumberType.PREMIUM_RATE,
            phonenumbers.PhoneNumberType.SHARED_COST,
        ):
            continue
        digits = re.sub(r"\D", "", m.raw_string)
        # A phone number is written from 0, 00 or +; "112", years and counts are not phones, and the
        # organisations' numbers we give ourselves stay.
        if len(digits) < 9 or not m.raw_string.lstrip("(").startswith(("0", "+")) or digits in public:
            continue
        out.append(text[last : m.start])
        out.append(PHONE_TOKEN)
        last = m.end
    out.append(text[last:])
    return "".join(out)


def _name_replacer(lists: _Lists, known: frozenset[str], *, capital_only: bool) -> object:
    def replace(m: re.Match[str]) -> str:
        name = m.group("name")
        low = name.lower()
        rest = m.group("rest")
        if re.fullmatch(_PARTICLES, low) and rest.strip()[:1].isupper():
            return f"{m.group('lead')}{NAME_TOKEN}"  # "mevrouw De Jong"
        if low in lists.not_names or low in known or name.isdigit() or (capital_only and not name[:1].isupper()):
            return m.group(0)
        if name[:1].islower() and len(name) < 3:
            return m.group(0)
        # A capitalised next word is a surname ("Anne-Fleur de Vries"); a lower-case one is the sentence.
        surname = rest.strip()
        last = surname.split()[-1] if surname else ""
        keep = "" if surname and last[:1].isupper() and last.lower() not in lists.not_names else rest
        return f"{m.group('lead')}{NAME_TOKEN}{keep}"

    return replace


def redact(text: str, *, known_words: frozenset[str] = frozenset()) -> str:
    """Replace personal data in ``text`` with placeholders such as ``[BSN]`` and ``[NAAM]``.

    Args:
        text: any user-written text.
        known_words: extra lower-case words that are never taken for a name (e.g. the corpus vocabulary).
    """
    if not text:
        return text
    lists = _lists()
    out = _EMAIL.sub(EMAIL_TOKEN, text)
    out = _NUMBER_CANDIDATE.sub(_replace_number, out)
    out = _redact_phones(out, lists.public_numbers)
    out = _POSTCODE.sub(ADDRESS_TOKEN, out)
    out = _STREET_NUMBER.sub(ADDRESS_TOKEN, out)
    out = lists.named.sub(_name_replacer(lists, known_words, capital_only=False), out)  # type: ignore[arg-type]
    out = lists.kin.sub(_name_replacer(lists, known_words, capital_only=False), out)  # type: ignore[arg-type]
    out = lists.kin_strict.sub(_name_replacer(lists, known_words, capital_only=True), out)  # type: ignore[arg-type]
    out = lists.self_intro.sub(_name_replacer(lists, known_words, capital_only=True), out)  # type: ignore[arg-type]
    out = lists.title.sub(_name_replacer(lists, known_words, capital_only=True), out)  # type: ignore[arg-type]
    out = _AGE_AFTER.sub(
        lambda m: (
            m.group(0) if m.group("name").split()[0].lower() in lists.not_names else f"{NAME_TOKEN}{m.group('age')}"
        ),
        out,
    )
    return out


def contains_personal_data(text: str) -> bool:
    """True when redaction would change the text (used to warn parents not to share such data)."""
    return redact(text) != text
