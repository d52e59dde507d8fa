"""Redaction of personal data before anything is logged or stored.

``redact(text)`` replaces, in this order: e-mail addresses, BSNs (nine digits that pass the 11-proef,
with or without dots or spaces), phone numbers (Dutch and international; free 0800/0900 service numbers
are kept), postcode + house number (and a bare postcode), and a child's name where a parent introduces
it ("mijn zoon Daan", "onze dochter fatima", "hij heet Sem", "my son Liam", "oğlum Ahmet"). It is a
pure function; the same text always gives the same result.
"""

from __future__ import annotations

import re

BSN_TOKEN = "[BSN]"
PHONE_TOKEN = "[TELEFOON]"
EMAIL_TOKEN = "[E-MAIL]"
ADDRESS_TOKEN = "[ADRES]"
NAME_TOKEN = "[NAAM]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Nine digits, optionally grouped as 1234.56.789 / 123 456 789 / 123-456-789; eight digits is an old BSN.
_BSN_CANDIDATE = re.compile(r"(?<![\d+])(\d{4}[.\s-]?\d{2}[.\s-]?\d{3}|\d{3}[.\s-]\d{3}[.\s-]\d{3}|\d{8,9})(?![\d])")
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+|00)\d{1,3}[\s.-]?(?:\(0\))?[\s.-]?\d(?:[\s.-]?\d){6,11}"  # +31 6 1234 5678, 0031..., +90 532...
    r"|0(?!800|900|90[69])\d{1,3}[\s.-]?\d(?:[\s.-]?\d){5,8}"  # 06-12345678, 020 123 4567 (not 0800/0900)
    r")(?![\d])"
)
_POSTCODE = re.compile(r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Za-z]{2}\b(?:[\s,]+\d{1,5}(?:\s?[a-zA-Z]\b|-\d+)?)?")
_STREET_NUMBER = re.compile(
    r"\b[A-Z][a-zà-ÿ]+(?:straat|laan|weg|plein|singel|gracht|kade|dijk|hof|pad|steeg|dreef|park|ring)"
    r"\s+\d{1,5}(?:\s?[a-zA-Z]\b|-\d+)?"
)

# Words that introduce a child (nl, en, tr, pl, uk, ar), followed by the name.
_KIN = (
    r"(?:mijn|m'n|mn|onze|ons|our|my)\s+(?:zoon(?:tje)?|dochter(?:tje)?|kind(?:je)?|jongen|meisje|pleegzoon|"
    r"pleegdochter|stiefzoon|stiefdochter|broertje|zusje|son|daughter|child|kid|boy|girl)"
    r"|oğlum|kızım|çocuğum|(?:mój|moja|moje)\s+(?:syn|córka|dziecko|synek|córeczka)"
    r"|(?:мій|моя|моє)\s+(?:син|донька|дочка|дитина|синок)|ابني|ابنتي|طفلي"
)
_NAMED = r"(?:heet|heette|genaamd|named|called|is\s+called|adı|ma\s+na\s+imię|звуть|звати|اسمه|اسمها)"
_NAME_WORD = r"[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЄІЇҐ][\w'-]+|[a-zà-öø-ÿ\u0600-\u06ffа-яєіїґ][\w'-]{1,}"
_KIN_NAME = re.compile(
    rf"(?P<lead>\b(?:{_KIN})\b[,:]?\s+(?:\(\d{{1,2}}\)\s+)?)(?P<name>{_NAME_WORD})(?P<rest>(?:\s+(?:{_NAME_WORD}))?)",
    re.IGNORECASE,
)
_NAMED_NAME = re.compile(rf"(?P<lead>\b{_NAMED}\s+)(?P<name>{_NAME_WORD})", re.IGNORECASE)

#: Words that often follow "mijn zoon" and are not a name.
COMMON_WORDS = frozenset(
    [
        "is",
        "zit",
        "zat",
        "heeft",
        "had",
        "gaat",
        "ging",
        "kan",
        "kon",
        "wil",
        "wilde",
        "moet",
        "moest",
        "mag",
        "mocht",
        "krijgt",
        "kreeg",
        "doet",
        "deed",
        "loopt",
        "liep",
        "komt",
        "kwam",
        "zegt",
        "zei",
        "vindt",
        "vond",
        "voelt",
        "voelde",
        "wordt",
        "werd",
        "was",
        "waren",
        "zou",
        "zal",
        "blijft",
        "bleef",
        "staat",
        "stond",
        "ligt",
        "lag",
        "leert",
        "leest",
        "rekent",
        "schrijft",
        "speelt",
        "praat",
        "snapt",
        "begrijpt",
        "woont",
        "verveelt",
        "vertelt",
        "vertelde",
        "huilt",
        "slaapt",
        "eet",
        "hoort",
        "past",
        "durft",
        "weigert",
        "haat",
        "houdt",
        "heb",
        "hebben",
        "zijn",
        "gaan",
        "van",
        "en",
        "die",
        "dat",
        "met",
        "op",
        "in",
        "aan",
        "bij",
        "naar",
        "uit",
        "voor",
        "over",
        "door",
        "om",
        "te",
        "of",
        "maar",
        "want",
        "ook",
        "nu",
        "al",
        "nog",
        "niet",
        "nooit",
        "sinds",
        "toen",
        "dan",
        "als",
        "na",
        "tot",
        "zo",
        "erg",
        "heel",
        "echt",
        "best",
        "de",
        "het",
        "een",
        "die",
        "deze",
        "dit",
        "mijn",
        "onze",
        "hun",
        "zijn",
        "haar",
        "hem",
        "hij",
        "zij",
        "ze",
        "we",
        "wij",
        "ik",
        "jij",
        "je",
        "u",
        "er",
        "hier",
        "daar",
        "wel",
        "geen",
        "adhd",
        "add",
        "autisme",
        "ass",
        "dyslexie",
        "dyscalculie",
        "tos",
        "down",
        "downsyndroom",
        "pdd-nos",
        "odd",
        "hoogbegaafd",
        "hb",
        "groep",
        "klas",
        "jaar",
        "jaren",
        "maand",
        "maanden",
        "week",
        "weken",
        "oud",
        "jong",
        "(9)",
        "thuis",
        "school",
        "has",
        "had",
        "is",
        "was",
        "will",
        "would",
        "can",
        "could",
        "does",
        "did",
        "gets",
        "got",
        "goes",
        "went",
        "has",
        "been",
        "with",
        "and",
        "who",
        "that",
        "from",
        "in",
        "at",
        "on",
        "to",
        "of",
        "for",
        "the",
        "a",
        "an",
        "also",
        "just",
        "still",
        "now",
        "has",
        "have",
        "attends",
        "studies",
        "jest",
        "ma",
        "był",
        "była",
        "chodzi",
        "nie",
        "i",
        "w",
        "z",
        "na",
        "do",
        "що",
        "має",
        "не",
        "в",
        "у",
        "з",
        "на",
        "і",
        "та",
        "був",
        "була",
    ]
)


def _bsn_valid(digits: str) -> bool:
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def _replace_bsn(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return BSN_TOKEN if _bsn_valid(digits) else match.group(0)


def _replace_kin(match: re.Match[str], known: frozenset[str]) -> str:
    name = match.group("name")
    if name.lower() in known or name.lower() in COMMON_WORDS or name.isdigit():
        return match.group(0)
    if name[:1].islower() and len(name) < 3:
        return match.group(0)
    rest = match.group("rest")
    # "Daan Jansen": a capitalised second word is a surname; anything else is the sentence going on.
    second = rest.strip()
    keep_rest = rest
    if second and second[:1].isupper() and second.lower() not in COMMON_WORDS and name[:1].isupper():
        keep_rest = ""
    return f"{match.group('lead')}{NAME_TOKEN}{keep_rest}"


def redact(text: str, *, known_words: frozenset[str] = frozenset()) -> str:
    """Replace personal data in ``text`` with placeholders such as ``[BSN]`` and ``[NAAM]``.

    Args:
        text: any user-written text.
        known_words: extra lower-case words that are never taken for a name (e.g. the corpus vocabulary).
    """
    if not text:
        return text
    out = _EMAIL.sub(EMAIL_TOKEN, text)
    out = _BSN_CANDIDATE.sub(_replace_bsn, out)
    out = _PHONE.sub(PHONE_TOKEN, out)
    out = _POSTCODE.sub(ADDRESS_TOKEN, out)
    out = _STREET_NUMBER.sub(ADDRESS_TOKEN, out)
    out = _KIN_NAME.sub(lambda m: _replace_kin(m, known_words), out)
    out = _NAMED_NAME.sub(
        lambda m: m.group(0) if m.group("name").lower() in COMMON_WORDS | known_words else m.group("lead") + NAME_TOKEN,
        out,
    )
    return out


def contains_personal_data(text: str) -> bool:
    """True when redaction would change the text (used to warn parents not to share such data)."""
    return redact(text) != text
