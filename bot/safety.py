"""Crisis detection: a child in danger gets the help lines first, before anything else.

``detect_crisis(text)`` looks for self-harm, suicide, abuse and acute danger in Dutch, English,
Turkish, Polish, Ukrainian (and Russian) and Arabic. Recall matters more than precision: a worried
parent who gets the help lines without needing them loses a few seconds; a child in danger who gets a
policy quote loses far more. Idioms that only sound alarming ("ik schrik me dood", "hij verveelt zich
dood") are excluded explicitly; tests hold both a crisis list and an ordinary-worries list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Category = Literal["suicide", "self_harm", "abuse", "danger"]


@dataclass(frozen=True)
class CrisisSignal:
    """Why a message was taken for a crisis: the category and the words that matched."""

    category: Category
    matched: str


_P = {
    "suicide": [
        # nl
        r"zelfmoord",
        r"su[iï]cid",
        r"zelfdoding",
        r"(?:niet|nooit) meer (?:willen |wil )?(?:leven|wakker worden)",
        r"wil(?:t|de)? (?:niet meer )?(?:dood|sterven)",
        r"dood (?:willen|wil|wilt)\b",
        r"dood wil(?:le)?n? zijn",
        r"(?:een )?(?:eind|einde) (?:aan (?:zijn|haar|mijn|z'n|m'n) leven|aan maken)",
        r"er (?:een )?(?:eind|einde) aan (?:maken|te maken)",
        r"(?:zichzelf|mezelf|zich) (?:van het leven beroven|ophangen)",
        r"(?:beter|fijner) (?:af )?zonder (?:mij|hem|haar)",
        r"maakt (?:toch )?(?:niks|niets) uit of ik (?:er )?(?:ben|besta)",
        r"wil(?:t)? er niet meer zijn",
        r"geen zin meer in (?:het |mijn |zijn |haar )?leven",
        r"afscheidsbrief",
        r"voor de trein (?:springen|spring)",
        r"(?:van|voor|onder) (?:het|de|een) (?:dak|flat|brug|trein|balkon) (?:af )?(?:te )?(?:springen|spring|gaan liggen)",
        # en
        r"suicid",
        r"kill (?:him|her|my|them)sel(?:f|ves)",
        r"end (?:it all|his life|her life|my life|their life)",
        r"(?:want|wants|wanted) to die",
        r"don'?t want to (?:live|be alive|be here anymore)",
        r"better off (?:dead|without me)",
        r"take (?:his|her|my) (?:own )?life",
        r"(?:he|she|i)(?:'s| is| am|'m)? going to end it",
        r"he will end it|she will end it|will end it",
        # tr
        r"intihar",
        r"kendini öldür",
        r"ölmek isti",
        r"yaşamak istemi",
        r"canına kıy",
        r"hayatına son ver",
        # pl
        r"samobój",
        r"zabić się",
        r"zabije się",
        r"chc[eę] umrzeć",
        r"nie chc[eę] (?:już )?żyć",
        r"odebrać sobie życie",
        # uk / ru
        r"самогуб",
        r"суїцид",
        r"суицид",
        r"вбити себе",
        r"убить себя",
        r"покінчити з собою",
        r"покончить с собой",
        r"не хоч[уе] (?:більше |больше )?жити",
        r"не хоч[уе] (?:больше )?жить",
        r"хоч[уе] померти",
        r"хочу умереть",
        r"краще без мене",
        r"лучше без меня",
        # ar
        r"انتحار",
        r"ينتحر",
        r"تنتحر",
        r"يقتل نفسه",
        r"تقتل نفسها",
        r"أقتل نفسي",
        r"لا (?:أريد|يريد|تريد) أن (?:أعيش|يعيش|تعيش)",
        r"(?:يريد|تريد|أريد) أن (?:يموت|تموت|أموت)",
        r"إنهاء حياته",
        r"إنهاء حياتها",
    ],
    "self_harm": [
        r"snijwond",
        r"snijdt (?:zich|zichzelf|in)",
        r"zichzelf (?:snijden|snijdt|krassen|krast|pijn doen|iets aan ?doen|verwond|slaat|slaan)",
        r"mezelf (?:snijden|snijd|iets aan ?doen|pijn doen)",
        r"zelfbeschadig",
        r"zelfverwond",
        r"krast (?:zich|zichzelf)",
        r"self[- ]?harm",
        r"cut(?:s|ting)? (?:him|her|my|them)sel",
        r"hurt(?:s|ing)? (?:him|her|my|them)sel",
        r"burn(?:s|ing)? (?:him|her)self",
        r"kendine zarar",
        r"kendini kes",
        r"okalecz",
        r"tnie się",
        r"samookalecz",
        r"ріже себе",
        r"режет себя",
        r"шкоди собі",
        r"самоушкодж",
        r"يؤذي نفسه",
        r"تؤذي نفسها",
        r"إيذاء النفس",
        r"يجرح نفسه",
        r"تجرح نفسها",
    ],
    "abuse": [
        r"mishandel",
        r"kindermishandeling",
        r"huiselijk geweld",
        r"geweld (?:thuis|in huis)",
        r"seksueel misbruik",
        r"misbruikt",
        r"aangerand",
        r"verkracht",
        r"blauwe plekken",
        r"(?:vader|moeder|papa|mama|stiefvader|stiefmoeder|vriend|partner|oom|opa|broer|"
        r"leraar|juf|meester|man|ex|hij|zij) (?:slaat|schopt|stompt|wurgt|bedreigt) (?:hem|haar|mij|ons|mijn|m'n|de kinderen)",
        r"slaat (?:hem|haar) (?:als|wanneer|elke|vaak|steeds|met)",
        r"wordt (?:thuis )?geslagen",
        r"werd (?:thuis )?geslagen",
        r"(?:abuse|abused|abusing|molest|sexual(?:ly)? abus|domestic violence|raped|beats? (?:him|her|me)|hits? (?:him|her|me)\b|bruises)",
        r"istismar",
        r"taciz",
        r"dövüyor",
        r"dövü?l",
        r"şiddet",
        r"tecavüz",
        r"bije (?:go|ją|mnie|nas|dzieci)",
        r"przemoc",
        r"molestow",
        r"wykorzystywan",
        r"siniak",
        r"б'є (?:його|її|мене|нас)",
        r"бьет (?:его|ее|меня)",
        r"насильств",
        r"насили",
        r"знущає",
        r"синці",
        r"синяки",
        r"يضربه",
        r"يضربها",
        r"يضربني",
        r"عنف",
        r"إساءة",
        r"تحرش",
        r"اعتداء",
        r"اغتصاب",
        r"كدمات",
    ],
    "danger": [
        r"\bmes\b.{0,40}(?:dreig|zwaai|vast|pakt|gepakt|heeft)",
        r"(?:dreig|zwaai|pakt|gepakt).{0,40}\bmes\b",
        r"keukenmes",
        r"pistool",
        r"vuurwapen",
        r"overdosis",
        r"pillen (?:ingenomen|geslikt|genomen)",
        r"ademt niet",
        r"bewusteloos",
        r"knife",
        r"\bgun\b",
        r"overdos",
        r"took (?:a lot of |all )?(?:the )?pills",
        r"not breathing",
        r"unconscious",
        r"locked (?:him|her)self in",
        r"bıçak",
        r"silah",
        r"nóż",
        r"noż",
        r"ніж",
        r"нож",
        r"سكين",
        r"مسدس",
        r"in acuut gevaar",
        r"acute? danger",
        r"wegloop.{0,20}(?:weet niet waar|vermist)",
        r"vermist",
    ],
}

# Idioms and ordinary worries that contain an alarming word but are not a crisis.
_NOT_CRISIS = [
    r"schrik(?:t|ken)? (?:me|mij|zich|ons) (?:dood|een hoedje)",
    r"doodmoe",
    r"doodsbang voor (?:de|het|een|toets|school)",
    r"verveelt? (?:zich|me|mij) dood",
    r"lach(?:en|t)? (?:me|mij|ons) dood",
    r"doodgewoon",
    r"doodziek van",
    r"doodnormaal",
    r"dood(?:s)?(?:saai|vermoeiend)",
    r"bored to death",
    r"scared to death of (?:the |a )?(?:test|exam|school)",
    r"mes(?:je)? en vork",
    r"vork en mes",
]

_COMPILED = {cat: re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE) for cat, pats in _P.items()}
_EXCLUDE = re.compile("|".join(f"(?:{p})" for p in _NOT_CRISIS), re.IGNORECASE)
#: Order of urgency: acute danger first, then suicide, self-harm, abuse.
_ORDER: tuple[Category, ...] = ("danger", "suicide", "self_harm", "abuse")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text).strip()


def detect_crisis(text: str) -> CrisisSignal | None:
    """The crisis signal in ``text``, or None. Checked before retrieval, on every message."""
    if not text:
        return None
    norm = _normalise(text)
    cleaned = _EXCLUDE.sub(" ", norm)
    for category in _ORDER:
        match = _COMPILED[category].search(cleaned)
        if match:
            return CrisisSignal(category=category, matched=match.group(0))
    return None
