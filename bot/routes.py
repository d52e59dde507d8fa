"""Routes as data: the escalation ladder and the diploma routes from (v)so.

``Ladder.steps_for(message)`` answers "we don't agree / the school refuses / my child is at home":
it works out the situation, skips the steps the parent says they already took ("we hebben al met de
directeur gepraat"), and returns the rest in order. ``DiplomaRoutes.matching(message)`` picks the
routes a question about a diploma from vso/so points to. Pure functions over the YAML in
``knowledge/routes/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError
from bot.glossary import fold
from bot.models import Step

#: Words that say which situation a parent is in (situations as used in escalation.yaml).
SITUATIONS: dict[str, tuple[str, ...]] = {
    "weigering": (
        "weiger",
        "geweigerd",
        "afgewezen",
        "niet toegelaten",
        "toelating",
        "wil hem niet",
        "wil haar niet",
        "kunnen haar niet",
        "kunnen hem niet",
        "refuse",
        "turned down",
        "rejected",
        "not admit",
    ),
    "verwijdering": (
        "verwijder",
        "van school sturen",
        "van school gestuurd",
        "weggestuurd",
        "schors",
        "geschorst",
        "eruit",
        "expel",
        "suspend",
        "kicked out",
    ),
    "opp": (
        "opp",
        "ontwikkelingsperspectief",
        "handelingsdeel",
        "ondersteuning",
        "begeleiding",
        "plan",
        "development plan",
        "support plan",
    ),
    "tlv": ("tlv", "toelaatbaarheid", "toelaatbaarheidsverklaring", "admissibility"),
    "thuiszitten": ("thuis", "thuiszit", "geen school", "geen plek", "at home", "no school", "no place", "wachtlijst"),
    "discriminatie": ("discrimin", "rolstoel", "handicap", "beperking", "wheelchair", "disability"),
    "klacht": ("klacht", "klagen", "behandeld", "bejegening", "complain", "complaint"),
}
#: Words that mark a disagreement or a problem with the school (the ladder then fits).
_DISPUTE = re.compile(
    r"oneens|niet eens|geen gehoor|ruzie|conflict|weiger|geweigerd|verwijder|schors|klacht|klagen|bezwaar|"
    r"thuis ?zit|zit(?:ten)? (?:al )?(?:\w+ ){0,3}thuis|geen plek|lukt niet|loopt vast|vastgelopen|"
    r"komen er niet uit|wat nu|wat kan ik doen|"
    r"wat kunnen we doen|waar kan ik|onafhankelijk|discrimin|disagree|refus|expel|complain|independent|at home|"
    r"what can we do|nowhere|going nowhere|stuck|dispute",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LadderStep:
    """One rung of the escalation ladder."""

    step: int
    id: str
    title: dict[str, str]
    who: dict[str, str]
    when: dict[str, str]
    deadline: dict[str, str]
    where: dict[str, str]
    tried: tuple[str, ...]
    situations: tuple[str, ...]
    sources: tuple[str, ...]

    def as_step(self, n: int, lang: str) -> Step:
        """The step as shown under an answer (Dutch, or English for every other language)."""
        pick = "nl" if lang == "nl" else "en"

        def get(d: dict[str, str]) -> str:
            return d.get(pick) or d.get("nl", "")

        return Step(
            n=n,
            title=get(self.title),
            who=get(self.who),
            when=get(self.when),
            deadline=get(self.deadline),
            where=get(self.where),
            sources=list(self.sources),
        )


def _bilingual(entry: dict[str, Any], key: str) -> dict[str, str]:
    return {"nl": str(entry.get(key) or ""), "en": str(entry.get(f"{key}_en") or "")}


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError:
        raise ConfigError(f"{path.name}: not valid YAML") from None
    if not isinstance(data, list):
        raise ConfigError(f"{path.name}: expected a list")
    return data


def _mentions(folded: str, words: tuple[str, ...]) -> bool:
    return any(re.search(r"(?<!\w)" + re.escape(fold(w)), folded) for w in words)


@dataclass
class Ladder:
    """The escalation ladder, in order."""

    steps: list[LadderStep] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Ladder:
        steps = []
        for i, entry in enumerate(_read(path), start=1):
            if not isinstance(entry, dict) or not entry.get("id") or not entry.get("title"):
                raise ConfigError(f"{path.name}: step {i} needs an id and a title")
            steps.append(
                LadderStep(
                    step=int(entry.get("step") or i),
                    id=str(entry["id"]),
                    title=_bilingual(entry, "title"),
                    who=_bilingual(entry, "who"),
                    when=_bilingual(entry, "when"),
                    deadline=_bilingual(entry, "deadline"),
                    where=_bilingual(entry, "where"),
                    tried=tuple(str(t) for t in entry.get("tried") or []),
                    situations=tuple(str(s) for s in entry.get("situations") or ["all"]),
                    sources=tuple(str(s) for s in entry.get("sources") or []),
                )
            )
        steps.sort(key=lambda s: s.step)
        return cls(steps)

    def situations(self, message: str) -> set[str]:
        """Which situations the message describes."""
        folded = fold(message)
        return {name for name, words in SITUATIONS.items() if _mentions(folded, words)}

    def applies(self, message: str) -> bool:
        """True for "we don't agree / the school refuses / my child is at home" questions."""
        return bool(self.steps) and bool(_DISPUTE.search(message))

    def tried(self, message: str) -> list[LadderStep]:
        """Steps the parent says they already took (their words appear in the message)."""
        folded = fold(message)
        return [s for s in self.steps if s.tried and _mentions(folded, s.tried)]

    def steps_for(self, message: str, *, lang: str = "nl", limit: int = 4) -> tuple[list[Step], list[LadderStep]]:
        """The next steps for this parent, numbered from 1, and the steps they already took."""
        situations = self.situations(message) or {"all"}
        done = self.tried(message)
        start = max((s.step for s in done), default=0)
        fitting = [
            s
            for s in self.steps
            if s.step > start and ("all" in s.situations or situations & set(s.situations) or situations == {"all"})
        ]
        return [s.as_step(n, lang) for n, s in enumerate(fitting[:limit], start=1)], done

    def contacts(
        self, *, lang: str = "nl", ids: tuple[str, ...] = ("steunpunt", "samenwerkingsverband", "onderwijsconsulenten")
    ) -> list[Step]:
        """The human contacts a parent can turn to (for "talk to a person")."""
        chosen = [s for s in self.steps if s.id in ids]
        return [s.as_step(n, lang) for n, s in enumerate(chosen, start=1)]


@dataclass(frozen=True)
class DiplomaRoute:
    """One way from so/vso/pro to a diploma or certificate."""

    id: str
    title: dict[str, str]
    for_whom: dict[str, str]
    result: dict[str, str]
    conditions: dict[str, list[str]]
    keywords: tuple[str, ...]
    sources: tuple[str, ...]

    def as_step(self, n: int, lang: str) -> Step:
        pick = "nl" if lang == "nl" else "en"
        title = self.title.get(pick) or self.title["nl"]
        conditions = self.conditions.get(pick) or self.conditions.get("nl") or []
        return Step(
            n=n,
            title=title,
            who=self.for_whom.get(pick) or self.for_whom["nl"],
            when="; ".join(conditions),
            where=self.result.get(pick) or self.result["nl"],
            sources=list(self.sources),
        )


_DIPLOMA_QUESTION = re.compile(
    r"diploma|deelcertifica|certificaat|certificaten|staatsexamen|examen|havo|vwo|vmbo|mavo|mbo|entree|"
    r"symbiose|uitstroom|diploma|degree|qualification|certificate|exam",
    re.IGNORECASE,
)
_SPECIAL_SCHOOL = re.compile(
    r"\bv?so\b|\(v\)so|speciaal|praktijkonderwijs|\bpro\b|special school|special secondary", re.IGNORECASE
)


@dataclass
class DiplomaRoutes:
    """All diploma routes."""

    routes: list[DiplomaRoute] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> DiplomaRoutes:
        routes = []
        for i, entry in enumerate(_read(path), start=1):
            if not isinstance(entry, dict) or not entry.get("id") or not entry.get("title"):
                raise ConfigError(f"{path.name}: route {i} needs an id and a title")
            routes.append(
                DiplomaRoute(
                    id=str(entry["id"]),
                    title=_bilingual(entry, "title"),
                    for_whom=_bilingual(entry, "for_whom"),
                    result=_bilingual(entry, "result"),
                    conditions={
                        "nl": [str(c) for c in entry.get("conditions") or []],
                        "en": [str(c) for c in entry.get("conditions_en") or []],
                    },
                    keywords=tuple(str(k) for k in entry.get("keywords") or []),
                    sources=tuple(str(s) for s in entry.get("sources") or []),
                )
            )
        return cls(routes)

    def applies(self, message: str) -> bool:
        """A question about getting a diploma from special education."""
        return bool(self.routes) and bool(_DIPLOMA_QUESTION.search(message)) and bool(_SPECIAL_SCHOOL.search(message))

    def matching(self, message: str, *, lang: str = "nl", limit: int = 4) -> list[Step]:
        """Routes whose keywords the question uses, best first; all routes' first few when none match."""
        folded = fold(message)
        scored = []
        for route in self.routes:
            hits = sum(1 for k in route.keywords if re.search(r"(?<!\w)" + re.escape(fold(k)) + r"(?!\w)", folded))
            scored.append((hits, route))
        scored.sort(key=lambda pair: -pair[0])
        chosen = [r for h, r in scored if h > 0][:limit] or [r for _, r in scored][:limit]
        return [r.as_step(n, lang) for n, r in enumerate(chosen, start=1)]
