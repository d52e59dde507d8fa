"""What kind of message is this, apart from its topic? Injection, a lookup of someone's records, a
request for contact details, something too vague to search, or a topic we refer elsewhere.

Prompt injection is neutralised by removing the sentences that give the assistant orders; what is
left is answered as any other question, so injected text changes nothing. Everything here is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.datafiles import read_entries
from bot.glossary import fold

_INJECTION = re.compile(
    r"(?:negeer|vergeet|ignore|disregard|forget|override|bypass|zignoruj|ігноруй|игнорируй|تجاهل|yoksay|görmezden gel)"
    r"[^.!?\n]{0,60}(?:instructie|opdracht|regel|prompt|instruction|rule|previous|above|eerder|instrukcj|інструкц|"
    r"инструкц|التعليمات|talimat|kural)"
    r"|(?:system ?prompt|systeemprompt|systeem prompt|your (?:config|configuration|settings|instructions)|je (?:config|instellingen|instructies)|"
    r"print (?:je|your|eerst)|toon (?:je|jouw) (?:prompt|instructies|instellingen)|show (?:me )?your (?:prompt|config|rules))"
    r"|(?:je bent nu|you are now|from now on you|vanaf nu ben je|act as|doe alsof je|pretend (?:to be|you are)|jailbreak|dan mode|developer mode)"
    r"|(?:zonder bron(?:nen)?(?: erbij)?|without (?:a )?sources?|without citations?|geen bronnen? (?:noemen|vermelden))"
    r"|(?:zeg (?:daarna |dan |nu )?dat|say that|antwoord alleen met|answer only with|repeat after me|herhaal na mij)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")

_PRIVACY = re.compile(
    r"(?:opzoeken|zoek (?:het|de|dat)? ?(?:\w+ )?op|inzien|look up|find (?:the )?(?:file|records?|opp)|dossier|gegevens van|"
    r"wat (?:er )?in (?:het|zijn|haar) (?:opp|dossier) staat|records? of|file of)"
    r"[^.!?]{0,80}?\b(?:van|of|from|voor)\s+(?:[A-Z][a-z]+|\w+ \w+ uit groep|\w+ uit groep|een ander kind|another child|"
    r"mijn (?:neef|nicht|buurjongen|buurmeisje|kleinkind)|zijn|haar)",
    re.IGNORECASE,
)
_THIRD_PARTY = re.compile(
    r"\b(?:ik ben (?:zijn|haar|de) (?:oom|tante|opa|oma|buurman|buurvrouw|neef|nicht|vriend)|i am (?:his|her) "
    r"(?:uncle|aunt|grandpa|grandma|neighbour|neighbor)|van (?:een )?(?:ander|andermans) kind|of another child|"
    r"uit (?:de )?(?:klas|groep) van mijn (?:zoon|dochter))",
    re.IGNORECASE,
)
_CONTACT = re.compile(
    r"\b(?:telefoonnummer|telefoon ?nummer|nummer van|tel\.? ?nr|bellen naar|adres van|e-?mail ?adres|website van|"
    r"phone number|telephone|address of|email address|telefon numarası|numer telefonu|номер телефону|رقم الهاتف)\b",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(?:hoi|hallo|hey|hi|hello|goedemorgen|goedemiddag|goedenavond|dag|hee|yo|merhaba|selam|cześć|dzień dobry|"
    r"привіт|добрий день|مرحبا|السلام عليكم|test|testing|help|hulp|vraag|ik heb een vraag|i have a question|"
    r"dank ?je|bedankt|thanks|thank you|ok|oke|oké|ja|nee|yes|no)[\s!.?,]*$",
    re.IGNORECASE,
)


def strip_injection(text: str) -> tuple[str, bool]:
    """Remove sentences that give the assistant orders. Returns (what is left, whether any were removed)."""
    sentences = _SENTENCE.findall(text)
    kept = [s for s in sentences if not _INJECTION.search(s)]
    removed = len(kept) != len(sentences)
    return " ".join(s.strip() for s in kept).strip(), removed


def is_privacy_lookup(text: str) -> bool:
    """A request to look up or reveal records of a specific (other) child."""
    return bool(_PRIVACY.search(text)) or (
        bool(_THIRD_PARTY.search(text)) and bool(re.search(r"\bopp\b|dossier|file|records?", text, re.I))
    )


def asks_for_contact(text: str) -> bool:
    """The question asks for a phone number, address or e-mail of someone."""
    return bool(_CONTACT.search(text))


def is_vague(text: str, content_words: list[str]) -> bool:
    """A greeting or a message with nothing to search for."""
    return bool(_GREETING.match(text.strip())) or not content_words


@dataclass(frozen=True)
class Referral:
    """Who helps with a topic we do not cover, in the parent's language."""

    id: str
    patterns: tuple[str, ...]
    say: dict[str, str]

    def text(self, lang: str) -> str:
        return self.say.get(lang) or self.say.get("en") or self.say["nl"]


class Referrals:
    """The referral table from ``knowledge/referrals.yaml``."""

    def __init__(self, referrals: list[Referral]) -> None:
        self.referrals = referrals
        self._rx = [
            (r, re.compile("|".join(r"(?<!\w)" + re.escape(fold(p)) + r"(?!\w)" for p in r.patterns), re.IGNORECASE))
            for r in referrals
        ]

    @classmethod
    def load(cls, path: Path) -> Referrals:
        """Read the referral table; a missing file gives an empty table."""
        items = []
        for entry in read_entries(path, ("id", "say")):
            items.append(
                Referral(
                    id=str(entry["id"]),
                    patterns=tuple(str(p) for p in entry.get("patterns") or []),
                    say={str(k): str(v) for k, v in entry["say"].items()},
                )
            )
        return cls(items)

    def match(self, text: str) -> Referral | None:
        """The first referral whose topic the text mentions."""
        folded = fold(text)
        for referral, rx in self._rx:
            if rx.search(folded):
                return referral
        return None
