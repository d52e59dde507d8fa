"""Answer units: knowledge/units/*.yaml -> ``Unit``s, validated.

An answer unit is one question that parents ask, answered in our own words: a first sentence that
answers it directly, at most three supporting sentences, the next step that fits, the ways parents
ask it (the question bank that retrieval matches on), and the literal source phrases that prove it
(``evidence``: a phrase that occurs in a document under knowledge/sources/). Translations live in
``knowledge/units/i18n/<lang>/*.yaml`` keyed by unit id.

``python -m ingest.units check [DIR]`` validates the files and says exactly what is wrong where.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ASK_KINDS = ("what", "who", "how", "how_long", "when", "may", "must", "cost", "where", "why", "which", "what_now")
LANGS = ("nl", "en", "tr", "ar", "pl", "uk")
MAX_SUPPORT = 3


@dataclass(frozen=True)
class UnitText:
    """A unit in one language."""

    question: str
    answer: str
    support: tuple[str, ...] = ()
    next_step: str = ""


@dataclass(frozen=True)
class Evidence:
    """A literal phrase in a source document that proves the unit."""

    source: str
    quote: str


@dataclass(frozen=True)
class Unit:
    """One answer unit with its texts per language, question bank, sources and evidence."""

    id: str
    topic: str
    ask: str
    texts: dict[str, UnitText]
    asked_as: tuple[str, ...]
    sources: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    facts: tuple[str, ...] = ()
    situations: tuple[str, ...] = ()
    file: str = ""
    checked: str = ""
    review_by: str = ""

    def text(self, lang: str) -> UnitText:
        """The unit in ``lang``, else English for other foreign languages, else Dutch."""
        if lang in self.texts:
            return self.texts[lang]
        if lang != "nl" and "en" in self.texts:
            return self.texts["en"]
        return self.texts["nl"]

    def questions(self) -> list[str]:
        """Every way this unit is asked: the canonical questions in all languages plus the bank."""
        seen: dict[str, None] = {}
        for t in self.texts.values():
            seen.setdefault(t.question.strip(), None)
        for q in self.asked_as:
            seen.setdefault(q.strip(), None)
        return [q for q in seen if q]


@dataclass
class UnitLoad:
    """Units plus the problems found, each naming file and unit."""

    units: list[Unit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def unit_to_dict(unit: Unit) -> dict[str, Any]:
    """Plain data for storing a unit with the index (JSON-safe)."""
    data = asdict(unit)
    data["texts"] = {lang: asdict(t) for lang, t in unit.texts.items()}
    return data


def unit_from_dict(data: dict[str, Any]) -> Unit:
    """The inverse of ``unit_to_dict``."""
    texts = {
        lang: UnitText(
            question=t["question"],
            answer=t["answer"],
            support=tuple(t.get("support") or ()),
            next_step=t.get("next_step", ""),
        )
        for lang, t in data["texts"].items()
    }
    return Unit(
        id=data["id"],
        topic=data["topic"],
        ask=data["ask"],
        texts=texts,
        asked_as=tuple(data.get("asked_as") or ()),
        sources=tuple(data.get("sources") or ()),
        evidence=tuple(Evidence(**e) for e in data.get("evidence") or ()),
        facts=tuple(data.get("facts") or ()),
        situations=tuple(data.get("situations") or ()),
        file=data.get("file", ""),
        checked=data.get("checked", ""),
        review_by=data.get("review_by", ""),
    )


def dutch_text(unit: Unit) -> str:
    """The unit as one Dutch passage: question, answer, support, next step (what retrieval and the eval read)."""
    t = unit.texts["nl"]
    body = " ".join([t.answer, *t.support])
    return "\n".join(part for part in (t.question, body, t.next_step) if part)


def normalise_quote(text: str) -> str:
    """Lower case, soft hyphens out, line-break hyphenation undone, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "").replace("’", "'").lower()
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip()


def _text(raw: Any, where: str, problems: list[str]) -> UnitText | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with question, answer, support, next_step")
        return None
    question = str(raw.get("question") or "").strip()
    answer = str(raw.get("answer") or "").strip()
    support = raw.get("support") or []
    if not question or not answer:
        problems.append(f"{where}: question and answer are required")
        return None
    if not isinstance(support, list) or not all(isinstance(s, str) for s in support):
        problems.append(f"{where}.support: must be a list of sentences")
        support = []
    if len(support) > MAX_SUPPORT:
        problems.append(f"{where}.support: at most {MAX_SUPPORT} sentences (has {len(support)})")
    if len(answer) > 260:
        problems.append(f"{where}.answer: the first sentence is too long ({len(answer)} chars; keep it under 260)")
    return UnitText(
        question=question,
        answer=answer,
        support=tuple(s.strip() for s in support if s.strip()),
        next_step=str(raw.get("next_step") or "").strip(),
    )


def parse_units(data: Any, file: str) -> UnitLoad:
    """Units from one parsed YAML file (a list of mappings)."""
    out = UnitLoad()
    if not isinstance(data, list):
        out.problems.append(f"{file}: expected a list of units")
        return out
    for i, raw in enumerate(data, start=1):
        where = f"{file}: unit {i}"
        if not isinstance(raw, dict):
            out.problems.append(f"{where}: not a mapping")
            continue
        uid = str(raw.get("id") or "").strip()
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", uid):
            out.problems.append(f"{where}: id '{uid}' must be lower-case letters, digits and dashes")
            continue
        where = f"{file}: {uid}"
        texts: dict[str, UnitText] = {}
        for lang in LANGS:
            if lang in raw:
                t = _text(raw[lang], f"{where}.{lang}", out.problems)
                if t is not None:
                    texts[lang] = t
        if "nl" not in texts or "en" not in texts:
            out.problems.append(f"{where}: needs both nl and en")
            continue
        asked_as = raw.get("asked_as") or []
        if not isinstance(asked_as, list) or not all(isinstance(q, str) for q in asked_as):
            out.problems.append(f"{where}.asked_as: must be a list of strings")
            asked_as = []
        if len(asked_as) < 5:
            out.problems.append(f"{where}.asked_as: give at least 5 ways parents ask it (has {len(asked_as)})")
        ask = str(raw.get("ask") or "what")
        if ask not in ASK_KINDS:
            out.problems.append(f"{where}.ask: '{ask}' is not one of {', '.join(ASK_KINDS)}")
        sources = [str(s) for s in raw.get("sources") or []]
        if not sources:
            out.problems.append(f"{where}.sources: at least one source (corpus id or url)")
        evidence = []
        for j, ev in enumerate(raw.get("evidence") or [], start=1):
            if not isinstance(ev, dict) or not ev.get("source") or not ev.get("quote"):
                out.problems.append(f"{where}.evidence {j}: needs source and quote")
                continue
            evidence.append(Evidence(source=str(ev["source"]), quote=str(ev["quote"]).strip()))
        out.units.append(
            Unit(
                id=uid,
                topic=str(raw.get("topic") or uid.split("-")[0]),
                ask=ask,
                texts=texts,
                asked_as=tuple(q.strip() for q in asked_as if q.strip()),
                sources=tuple(sources),
                evidence=tuple(evidence),
                facts=tuple(str(f) for f in raw.get("facts") or []),
                situations=tuple(str(s) for s in raw.get("situations") or []),
                file=file,
                checked=str(raw.get("checked") or ""),
                review_by=str(raw.get("review_by") or ""),
            )
        )
    return out


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problems.append(f"{path.name}: not valid YAML{line}")
        return None


def _merge_translations(units: list[Unit], i18n_dir: Path, problems: list[str]) -> list[Unit]:
    """Add tr/ar/pl/uk texts from ``i18n/<lang>/*.yaml`` (mappings: unit id -> texts)."""
    if not i18n_dir.is_dir():
        return units
    by_id = {u.id: u for u in units}
    extra: dict[str, dict[str, UnitText]] = {}
    for lang_dir in sorted(p for p in i18n_dir.iterdir() if p.is_dir()):
        lang = lang_dir.name
        if lang not in LANGS or lang in ("nl", "en"):
            problems.append(f"i18n/{lang}: not a translation language ({', '.join(LANGS[2:])})")
            continue
        for path in sorted(lang_dir.glob("*.yaml")):
            data = _read_yaml(path, problems)
            if data is None:
                continue
            if not isinstance(data, dict):
                problems.append(f"i18n/{lang}/{path.name}: expected a mapping of unit id -> texts")
                continue
            for uid, raw in data.items():
                if uid not in by_id:
                    problems.append(f"i18n/{lang}/{path.name}: unknown unit id '{uid}'")
                    continue
                t = _text(raw, f"i18n/{lang}/{path.name}: {uid}", problems)
                if t is not None:
                    extra.setdefault(uid, {})[lang] = t
    out = []
    for u in units:
        if u.id in extra:
            u = Unit(**{**u.__dict__, "texts": {**extra[u.id], **u.texts}})
        out.append(u)
    return out


def load_units(units_dir: Path) -> UnitLoad:
    """Every unit under ``units_dir`` (one YAML list per file), with translations merged in."""
    result = UnitLoad()
    if not units_dir.is_dir():
        return result
    for path in sorted(units_dir.glob("*.yaml")):
        data = _read_yaml(path, result.problems)
        if data is None:
            continue
        defaults: dict[str, str] = {}
        if isinstance(data, dict) and "units" in data:
            defaults = {k: str(data[k]) for k in ("checked", "review_by") if data.get(k)}
            data = data["units"]
        part = parse_units(data, path.name)
        if defaults:
            part.units = [
                Unit(**{**u.__dict__, "checked": u.checked or defaults.get("checked", ""),
                        "review_by": u.review_by or defaults.get("review_by", "")})
                for u in part.units
            ]
        result.units.extend(part.units)
        result.problems.extend(part.problems)
    seen: dict[str, str] = {}
    for u in result.units:
        if u.id in seen:
            result.problems.append(f"{u.file}: id '{u.id}' is also used in {seen[u.id]}")
        seen.setdefault(u.id, u.file)
    result.units = _merge_translations(result.units, units_dir / "i18n", result.problems)
    return result


def check_evidence(units: list[Unit], sources_dir: Path) -> list[str]:
    """Evidence quotes that do not occur in the document they name (or name an unknown document)."""
    texts: dict[str, str] = {}
    for path in sources_dir.iterdir():
        if path.suffix in (".txt", ".md"):
            texts[path.stem] = normalise_quote(path.read_text(encoding="utf-8", errors="replace"))
    problems = []
    for u in units:
        for ev in u.evidence:
            body = texts.get(ev.source)
            if body is None:
                problems.append(f"{u.file}: {u.id}: evidence source '{ev.source}' is not a file in {sources_dir.name}/")
            elif normalise_quote(ev.quote) not in body:
                problems.append(f"{u.file}: {u.id}: quote not found literally in {ev.source}: {ev.quote[:80]!r}")
    return problems


def load_offtopic(path: Path) -> tuple[list[str], list[str]]:
    """Questions outside passend onderwijs: (indexed, held out). A third, by hash of the text, is never
    indexed, so ``bench/calibrate.py`` can measure how often the scope check lets such a question in."""
    if not path.exists():
        return [], []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    texts = [str(t).strip() for t in data if str(t).strip()]
    held = [t for t in texts if int(hashlib.sha256(t.encode()).hexdigest(), 16) % 3 == 0]
    return [t for t in texts if t not in set(held)], held


def main(argv: list[str] | None = None) -> int:
    """``python -m ingest.units check [UNITS_DIR] [SOURCES_DIR]``: print problems, exit 1 if any."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "check":
        print("usage: python -m ingest.units check [knowledge/units] [knowledge/sources]")  # noqa: T201
        return 2
    units_dir = Path(args[1]) if len(args) > 1 else Path("knowledge/units")
    sources_dir = Path(args[2]) if len(args) > 2 else Path("knowledge/sources")
    loaded = load_units(units_dir)
    problems = loaded.problems + check_evidence(loaded.units, sources_dir)
    for p in problems:
        print(p)  # noqa: T201
    by_topic: dict[str, int] = {}
    for u in loaded.units:
        by_topic[u.topic] = by_topic.get(u.topic, 0) + 1
    langs = {lang: sum(1 for u in loaded.units if lang in u.texts) for lang in LANGS}
    print(f"{len(loaded.units)} units, {len(problems)} problems; per topic {by_topic}; per language {langs}")  # noqa: T201
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
