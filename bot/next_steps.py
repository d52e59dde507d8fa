"""Next steps as data: the escalation ladder entered where the parent stands, and the diploma routes.

``Ladder.steps_for(situation, message)`` answers "we don't agree / my child is suspended / at home":
each situation has its own path through the ladder (a suspended child needs the rules and the
objection, not "talk to the teacher"), and steps the parent already took ("we hebben al met de
directeur gepraat") are skipped. ``situation_of`` reads the situation from the matched answer units
and the message. ``DiplomaRoutes.matching(message)`` picks the routes a diploma question points to.
Pure functions over ``knowledge/routes/*.yaml`` and ``bot/data/situations.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.datafiles import read_translations
from bot.errors import ConfigError
from bot.glossary import fold
from bot.models import Step

SITUATIONS_FILE = Path(__file__).resolve().parent / "data" / "situations.yaml"
LIMIT = 4


def _texts(entry: dict[str, Any], key: str, translations: dict[str, dict[str, Any]]) -> dict[str, str]:
    """One field in every language we have it in: Dutch and English from the table, the others from
    ``translations`` (language -> this entry's translated fields)."""
    out = {"nl": str(entry.get(key) or ""), "en": str(entry.get(f"{key}_en") or "")}
    for lang, fields in translations.items():
        if isinstance(fields, dict) and key in fields:
            out[lang] = str(fields[key] or "")
    return out


def _pick(texts: dict[str, str], lang: str) -> str:
    """The text in ``lang``; English where it has no translation; Dutch where English is missing too."""
    if lang in texts and (texts[lang] or not texts.get("nl")):
        return texts[lang]
    return texts.get("en") or texts.get("nl", "")


def _entry_translations(tables: dict[str, dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {lang: table[key] for lang, table in tables.items() if isinstance(table.get(key), dict)}


def _read(path: Path) -> Any:
    if not path.exists():
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        raise ConfigError(f"{path.name}: not valid YAML") from None


def _mentions(folded: str, words: Iterable[str]) -> bool:
    return any(re.search(r"(?<!\w)" + re.escape(fold(w)), folded) for w in words)


@lru_cache(maxsize=2)
def situation_words(path: Path = SITUATIONS_FILE) -> dict[str, tuple[str, ...]]:
    """Situation -> the words that say a parent is in it (ordered: first match wins)."""
    data = _read(path) or {}
    return {str(k): tuple(str(w) for w in v) for k, v in data.items()}


def situation_of(message: str, unit_situations: Iterable[str] = ()) -> str | None:
    """Where the parent stands: the best unit's situation, else what the message says, else None."""
    for s in unit_situations:
        return s
    folded = fold(message)
    for name, words in situation_words().items():
        if _mentions(folded, words):
            return name
    return None


@dataclass(frozen=True)
class LadderStep:
    """One rung of the escalation ladder."""

    id: str
    title: dict[str, str]
    who: dict[str, str]
    when: dict[str, str]
    deadline: dict[str, str]
    where: dict[str, str]
    tried: tuple[str, ...]
    sources: tuple[str, ...]

    def as_step(self, n: int, lang: str) -> Step:
        """The step as shown under an answer, in ``lang`` (English where it has no translation)."""

        def get(d: dict[str, str]) -> str:
            return _pick(d, lang)

        return Step(
            n=n, title=get(self.title), who=get(self.who), when=get(self.when), deadline=get(self.deadline),
            where=get(self.where), sources=list(self.sources),
        )


@dataclass
class Ladder:
    """The escalation ladder: its steps and, per situation, the path through them."""

    steps: dict[str, LadderStep] = field(default_factory=dict)
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, i18n_dir: Path | None = None) -> Ladder:
        """The ladder from ``escalation.yaml``, with its translations from ``<i18n_dir>/<lang>/escalation.yaml``."""
        data = _read(path) or {}
        if not isinstance(data, dict) or "steps" not in data:
            raise ConfigError(f"{path.name}: expected a mapping with steps and paths")
        ids = {str(e.get("id")) for e in data["steps"] if isinstance(e, dict)}
        tables = read_translations(i18n_dir, "escalation", ids)
        steps: dict[str, LadderStep] = {}
        for i, entry in enumerate(data["steps"], start=1):
            if not isinstance(entry, dict) or not entry.get("id") or not entry.get("title"):
                raise ConfigError(f"{path.name}: step {i} needs an id and a title")
            tr = _entry_translations(tables, str(entry["id"]))
            steps[str(entry["id"])] = LadderStep(
                id=str(entry["id"]), title=_texts(entry, "title", tr), who=_texts(entry, "who", tr),
                when=_texts(entry, "when", tr),
                deadline=_texts(entry, "deadline", tr),
                where=_texts(entry, "where", tr),
                tried=tuple(str(t) for t in entry.get("tried") or []),
                sources=tuple(str(s) for s in entry.get("sources") or []),
            )
        paths = {str(k): tuple(str(s) for s in v) for k, v in (data.get("paths") or {}).items()}
        unknown = sorted({s for p in paths.values() for s in p if s not in steps})
        if unknown:
            raise ConfigError(f"{path.name}: paths name unknown steps: {', '.join(unknown)}")
        if "general" not in paths:
            raise ConfigError(f"{path.name}: paths needs a 'general' path")
        return cls(steps, paths)

    def tried(self, message: str) -> list[LadderStep]:
        """Steps the parent says they already took (their words appear in the message)."""
        folded = fold(message)
        return [s for s in self.steps.values() if s.tried and _mentions(folded, s.tried)]

    def steps_for(self, situation: str | None, message: str, *, lang: str = "nl",
                  limit: int = LIMIT) -> tuple[list[Step], list[LadderStep]]:
        """The next steps on this situation's path, after the last step the parent already took."""
        path = self.paths.get(situation or "general", self.paths["general"])
        done = {s.id for s in self.tried(message)}
        last_done = max((i for i, sid in enumerate(path) if sid in done), default=-1)
        chosen = [self.steps[sid] for sid in path[last_done + 1 :] if sid not in done]
        return [s.as_step(n, lang) for n, s in enumerate(chosen[:limit], start=1)], [self.steps[d] for d in done]

    def contacts(self, *, lang: str = "nl",
                 ids: tuple[str, ...] = ("steunpunt", "samenwerkingsverband", "onderwijsconsulenten")) -> list[Step]:
        """The human contacts a parent can turn to (for "talk to a person")."""
        return [self.steps[i].as_step(n, lang) for n, i in enumerate((i for i in ids if i in self.steps), start=1)]


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
        """The route as shown under an answer, in ``lang`` (English where it has no translation)."""
        conditions = self.conditions.get(lang) or self.conditions.get("en") or self.conditions.get("nl") or []
        return Step(
            n=n, title=_pick(self.title, lang), who=_pick(self.for_whom, lang),
            when="; ".join(conditions), where=_pick(self.result, lang), sources=list(self.sources),
        )


@dataclass
class DiplomaRoutes:
    """All diploma routes."""

    routes: list[DiplomaRoute] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path, i18n_dir: Path | None = None) -> DiplomaRoutes:
        """The routes from ``diploma.yaml``, with their translations from ``<i18n_dir>/<lang>/diploma.yaml``."""
        raw = _read(path) or []
        tables = read_translations(i18n_dir, "diploma", {str(e.get("id")) for e in raw if isinstance(e, dict)})
        routes = []
        for i, entry in enumerate(raw, start=1):
            if not isinstance(entry, dict) or not entry.get("id") or not entry.get("title"):
                raise ConfigError(f"{path.name}: route {i} needs an id and a title")
            tr = _entry_translations(tables, str(entry["id"]))
            conditions = {"nl": [str(c) for c in entry.get("conditions") or []],
                          "en": [str(c) for c in entry.get("conditions_en") or []]}
            conditions.update({lang: [str(c) for c in f.get("conditions") or []] for lang, f in tr.items()})
            routes.append(
                DiplomaRoute(
                    id=str(entry["id"]), title=_texts(entry, "title", tr), for_whom=_texts(entry, "for_whom", tr),
                    result=_texts(entry, "result", tr),
                    conditions=conditions,
                    keywords=tuple(str(k) for k in entry.get("keywords") or []),
                    sources=tuple(str(s) for s in entry.get("sources") or []),
                )
            )
        return cls(routes)

    def matching(self, message: str, *, lang: str = "nl", limit: int = LIMIT) -> list[Step]:
        """Routes whose keywords the question uses, best first; none when no keyword matches."""
        folded = fold(message)
        scored = []
        for route in self.routes:
            hits = sum(1 for k in route.keywords if re.search(r"(?<!\w)" + re.escape(fold(k)) + r"(?!\w)", folded))
            if hits:
                scored.append((hits, route))
        scored.sort(key=lambda pair: -pair[0])
        return [r.as_step(n, lang) for n, (_, r) in enumerate(scored[:limit], start=1)]
