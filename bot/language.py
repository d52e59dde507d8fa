"""Which language did the parent write in, and do we answer in it?

``detect_language(text)`` picks one of the six languages we answer in (nl, en, tr, ar, pl, uk): script
first (Arabic, Cyrillic), then function words and language-specific letters; short or mixed messages
fall back to the conversation's language, then Dutch. ``unsupported_language(text)`` asks lingua (a
library that knows many languages) whether a message of a few words or more is clearly in another
language (Spanish, French, German, ...), so the parent can be told which languages we speak instead of
getting an answer in the wrong one. Word lists live in ``bot/data/language.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGE_FILE = Path(__file__).resolve().parent / "data" / "language.yaml"
SUPPORTED = ("nl", "en", "tr", "ar", "pl", "uk")
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
#: Arabic in Latin letters (Arabizi) writes the sounds Latin lacks as digits inside words: 3ayez, 7aga, s2al.
_ARABIZI = re.compile(r"\b(?![235679](?:st|nd|rd|th|e|de|ste|er|eme)\b)[a-z]*[235679][a-z]+\b|\b[a-z]+[235679]\b")
#: lingua must be at least this sure, on a message of at least this many words, to call it unsupported.
UNSUPPORTED_CONFIDENCE = 0.8
UNSUPPORTED_MIN_WORDS = 4


@lru_cache(maxsize=2)
def _data(path: Path = LANGUAGE_FILE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["function_words"] = {k: frozenset(v) for k, v in data["function_words"].items()}
    data["letters"] = {k: frozenset(v) for k, v in data["letters"].items()}
    return data


def language_names() -> dict[str, str]:
    """Code -> the language's own name (for /taal and the unsupported-language reply)."""
    return dict(_data()["names"])


LANGUAGE_NAMES = language_names()


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


def script_of(text: str) -> str:
    """The script a message is mainly written in: "arabic" or "cyrillic" when at least 30% of its letters
    are, else "latin" (also for a text without letters)."""
    counts = _script_counts(text)
    letters = sum(counts.values())
    if letters and counts["arabic"] >= 0.3 * letters:
        return "arabic"
    if letters and counts["cyrillic"] >= 0.3 * letters:
        return "cyrillic"
    return "latin"


def _ours_score(text: str) -> float:
    """How much a text looks like one of our six languages: Arabic or Cyrillic script, or the best
    count of function words and language letters."""
    counts = _script_counts(text)
    if counts["arabic"] or counts["cyrillic"] or len(_ARABIZI.findall(text.lower())) >= 2:
        return 99.0
    data = _data()
    lowered = text.lower()
    tokens = _TOKEN.findall(lowered)
    best = 0.0
    for lang, words in data["function_words"].items():
        score = sum(t in words for t in tokens) + 1.5 * sum(ch in data["letters"].get(lang, ()) for ch in lowered)
        best = max(best, score)
    return best


def detect_language(text: str, *, fallback: str = "nl") -> str:
    """Best guess of the language of ``text``; ``fallback`` when the text gives too little to go on.

    Dutch words such as "samenwerkingsverband" inside an Arabic or English question do not make it Dutch:
    the script and the function words of the rest decide.
    """
    fallback = fallback if fallback in SUPPORTED else "nl"
    if not any(ch.isalpha() for ch in text):
        return fallback
    script = script_of(text)
    if script == "arabic":
        return "ar"
    if script == "cyrillic":
        # Russian-speaking Ukrainian families are common; without Ukrainian letters we still answer in
        # Ukrainian rather than Dutch, which they may not read.
        return "uk"
    lowered = text.lower()
    if len(_ARABIZI.findall(lowered)) >= 2:
        # Arabic in Latin letters is none of our languages; its short words ("ma", "w") look Polish.
        return fallback
    data = _data()
    tokens = _TOKEN.findall(lowered)
    scores = {lang: 0.0 for lang in data["function_words"]}
    for token in tokens:
        for lang, words in data["function_words"].items():
            if token in words:
                scores[lang] += 1.0
    for lang, letters_set in data["letters"].items():
        scores[lang] += 1.5 * sum(ch in letters_set for ch in lowered)
    best = max(scores, key=lambda k: scores[k])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or (len(tokens) <= 3 and ranked[0] < 2):
        return fallback
    if ranked[0] == ranked[1]:
        return fallback if scores.get(fallback, -1) == ranked[0] else "nl"
    return best


@lru_cache(maxsize=1)
def _lingua() -> Any:
    """lingua restricted to our six languages plus the others parents are likely to write in (built once)."""
    from lingua import Language, LanguageDetectorBuilder

    ours = [Language.DUTCH, Language.ENGLISH, Language.TURKISH, Language.ARABIC, Language.POLISH, Language.UKRAINIAN]
    others = [getattr(Language, name) for name in _data()["others"]]
    # Low-accuracy mode (trigrams only): about a tenth of the memory, and we only ask it about messages
    # of four words or more, where it is as sure as the full model.
    return LanguageDetectorBuilder.from_languages(*ours, *others).with_low_accuracy_mode().build()


def unsupported_language(text: str) -> str | None:
    """The name of the language a message is clearly written in when we do not answer in it, else None."""
    words = _TOKEN.findall(text)
    if len(words) < UNSUPPORTED_MIN_WORDS or _ours_score(text) >= 2:
        return None  # too short to tell, or clearly one of ours (script, function words, letters)
    top = _lingua().compute_language_confidence_values(text)
    if not top:
        return None
    best = top[0]
    name = best.language.name
    if name in _data()["others"] and best.value >= UNSUPPORTED_CONFIDENCE:
        return str(_data()["others"][name])
    return None


def normalise_language(value: str | None) -> str | None:
    """A supported language code from user input ("EN", "english", "türkçe") or None."""
    if not value:
        return None
    value = value.strip().lower()
    value = _data()["aliases"].get(value, value)
    return value if value in SUPPORTED else None
