"""Which language did the parent write in? nl, en, tr, ar, pl or uk (Dutch when unsure).

Script decides first (Arabic, Cyrillic); Latin-script text is scored on language-specific letters and
common function words. Short or mixed messages fall back to the conversation's language, then Dutch.
Pure functions, no model: fast and predictable for one-line chat messages.
"""

from __future__ import annotations

import re
import unicodedata

SUPPORTED = ("nl", "en", "tr", "ar", "pl", "uk")
LANGUAGE_NAMES = {
    "nl": "Nederlands",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
    "uk": "Українська",
}

_WORDS = {
    "nl": set(
        [
            "de",
            "het",
            "een",
            "en",
            "van",
            "ik",
            "je",
            "jij",
            "u",
            "hij",
            "zij",
            "ze",
            "we",
            "wij",
            "mijn",
            "onze",
            "ons",
            "is",
            "zijn",
            "niet",
            "wat",
            "hoe",
            "waarom",
            "wanneer",
            "welke",
            "wie",
            "moet",
            "mag",
            "kan",
            "kunnen",
            "heeft",
            "hebben",
            "wordt",
            "school",
            "zoon",
            "dochter",
            "kind",
            "kinderen",
            "op",
            "in",
            "met",
            "voor",
            "dat",
            "die",
            "dit",
            "er",
            "maar",
            "ook",
            "nog",
            "al",
            "naar",
            "bij",
            "om",
            "te",
            "als",
            "of",
            "geen",
            "wel",
            "zit",
            "gaat",
            "krijgt",
            "juf",
            "meester",
            "klas",
            "groep",
            "wil",
            "willen",
            "eigenlijk",
            "gewoon",
            "echt",
            "nou",
            "hem",
            "haar",
            "waar",
            "mijn",
            "mn",
            "m'n",
            "ff",
        ]
    ),
    "en": set(
        [
            "the",
            "a",
            "an",
            "and",
            "of",
            "to",
            "is",
            "are",
            "was",
            "were",
            "my",
            "our",
            "i",
            "you",
            "he",
            "she",
            "it",
            "they",
            "we",
            "what",
            "how",
            "why",
            "when",
            "which",
            "who",
            "must",
            "can",
            "could",
            "should",
            "would",
            "do",
            "does",
            "did",
            "not",
            "no",
            "with",
            "for",
            "in",
            "on",
            "at",
            "school",
            "son",
            "daughter",
            "child",
            "kids",
            "has",
            "have",
            "been",
            "this",
            "that",
            "there",
            "will",
            "get",
            "help",
            "about",
            "from",
            "please",
            "any",
            "just",
        ]
    ),
    "tr": set(
        [
            "ve",
            "bir",
            "bu",
            "şu",
            "ne",
            "nasıl",
            "neden",
            "ne",
            "zaman",
            "mı",
            "mi",
            "mu",
            "mü",
            "için",
            "ile",
            "çok",
            "okul",
            "oğlum",
            "kızım",
            "çocuğum",
            "benim",
            "bizim",
            "var",
            "yok",
            "değil",
            "ama",
            "da",
            "de",
            "ki",
            "gibi",
            "olarak",
            "olan",
            "daha",
            "sonra",
            "evde",
            "okula",
            "okulda",
            "haftadır",
            "yaşında",
            "bize",
            "bana",
            "sorun",
            "olur",
            "mu",
        ]
    ),
    "pl": set(
        [
            "i",
            "w",
            "z",
            "na",
            "do",
            "nie",
            "jest",
            "są",
            "to",
            "co",
            "jak",
            "dlaczego",
            "kiedy",
            "czy",
            "się",
            "mój",
            "moja",
            "moje",
            "syn",
            "córka",
            "dziecko",
            "szkoła",
            "szkole",
            "szkoły",
            "ile",
            "jaki",
            "jaka",
            "jakie",
            "który",
            "która",
            "mam",
            "ma",
            "dla",
            "od",
            "po",
            "przez",
            "ten",
            "ta",
            "tak",
            "już",
            "tylko",
            "roku",
            "latach",
            "dzieci",
        ]
    ),
}
_LETTERS = {
    "tr": set("ğışçöüİ"),
    "pl": set("ąćęłńóśźż"),
    "nl": set("ĳ"),
}
_UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
_RUSSIAN_ONLY = set("ыэъЫЭЪ")
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def _script_counts(text: str) -> dict[str, int]:
    counts = {"latin": 0, "arabic": 0, "cyrillic": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("ARABIC"):
            counts["arabic"] += 1
        elif name.startswith("CYRILLIC"):
            counts["cyrillic"] += 1
        elif name.startswith("LATIN"):
            counts["latin"] += 1
    return counts


def detect_language(text: str, *, fallback: str = "nl") -> str:
    """Best guess of the language of ``text``; ``fallback`` when the text gives too little to go on.

    Dutch words such as "samenwerkingsverband" inside an Arabic or English question do not make it Dutch:
    the script and the function words of the rest decide.
    """
    counts = _script_counts(text)
    letters = sum(counts.values())
    if letters == 0:
        return fallback if fallback in SUPPORTED else "nl"
    if counts["arabic"] >= 0.3 * letters:
        return "ar"
    if counts["cyrillic"] >= 0.3 * letters:
        # Russian-speaking Ukrainian families are common; without Ukrainian letters we still answer in
        # Ukrainian rather than Dutch, which they may not read.
        return "uk"
    lowered = text.lower()
    tokens = _TOKEN.findall(lowered)
    scores = {lang: 0.0 for lang in ("nl", "en", "tr", "pl")}
    for token in tokens:
        for lang, words in _WORDS.items():
            if token in words:
                scores[lang] += 1.0
    for lang, letters_set in _LETTERS.items():
        hits = sum(ch in letters_set for ch in lowered)
        scores[lang] += 1.5 * hits
    best = max(scores, key=lambda k: scores[k])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or (len(tokens) <= 3 and ranked[0] < 2):
        return fallback if fallback in SUPPORTED else "nl"
    if ranked[0] == ranked[1]:
        return fallback if scores.get(fallback, -1) == ranked[0] else "nl"
    return best


def normalise_language(value: str | None) -> str | None:
    """A supported language code from user input ("EN", "english", "türkçe") or None."""
    if not value:
        return None
    value = value.strip().lower()
    aliases = {
        "nederlands": "nl",
        "dutch": "nl",
        "english": "en",
        "engels": "en",
        "turks": "tr",
        "türkçe": "tr",
        "turkish": "tr",
        "arabisch": "ar",
        "arabic": "ar",
        "العربية": "ar",
        "pools": "pl",
        "polish": "pl",
        "polski": "pl",
        "oekraïens": "uk",
        "ukrainian": "uk",
        "українська": "uk",
        "ua": "uk",
    }
    value = aliases.get(value, value)
    return value if value in SUPPORTED else None
