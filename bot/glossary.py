"""The glossary: jargon with B1 explanations, spelling variants and words in other languages.

Used three ways: retrieval expands a question that uses a variant ("rugzakje", "toelaatbaarheids
verklaring", "my son is at home") with the words the sources use; answers add a short "Wat betekent
...?" for jargon they contain; tests check that every variant finds the term.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.datafiles import read_entries, read_translations


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    term: str
    full: str
    explanation: str
    explanation_en: str
    variants: tuple[str, ...]
    related: tuple[str, ...]
    other_languages: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    translations: dict[str, str] = field(default_factory=dict)  # language -> explanation (tr, ar, pl, uk)

    def explanation_for(self, lang: str) -> str:
        """The explanation in ``lang``: Dutch, a translation, or English where there is none."""
        if lang == "nl":
            return self.explanation
        return self.translations.get(lang) or self.explanation_en or self.explanation


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower case without accents and with plain apostrophes: how variants are compared.

    Cached: one answer folds the same passage sentences for the glossary, the analyzer and the quotes."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _pattern(variant: str) -> str:
    words = [re.escape(w) for w in fold(variant).split()]
    return r"(?<![\w])" + r"[\s-]*".join(words) + r"(?![\w])"


def _raw_pattern(variant: str) -> str:
    words = [re.escape(w) for w in variant.lower().split()]
    return r"(?<![\w])" + r"[\s-]*".join(words) + r"(?![\w])"


class Glossary:
    """All terms plus a matcher that finds which terms a text mentions."""

    def __init__(self, terms: list[Term]) -> None:
        self.terms = terms
        self._matchers: list[tuple[Term, re.Pattern[str], re.Pattern[str]]] = []
        for term in terms:
            own = {term.term, term.full, *term.variants}
            own_rx = re.compile("|".join(_pattern(v) for v in sorted(own, key=len, reverse=True) if v.strip()))
            # Foreign words keep their accents (Turkish "iş" folded would be Dutch "is"), and very short
            # ones are left out: they match inside ordinary words of other languages.
            foreign = [v for vs in term.other_languages.values() for v in vs if len(v.strip()) >= 4]
            foreign_rx = re.compile("|".join(_raw_pattern(v) for v in foreign) or r"(?!x)x")
            self._matchers.append((term, own_rx, foreign_rx))
        # One message is looked up several times per answer (query, evidence, next steps).
        self._find_cached = lru_cache(maxsize=2048)(self._find)

    @classmethod
    def load(cls, path: Path, i18n_dir: Path | None = None) -> Glossary:
        """Read ``glossary.yaml`` and the explanations in ``<i18n_dir>/<lang>/glossary.yaml`` (term -> text);
        a missing file gives an empty glossary, a broken one a ConfigError."""
        terms: list[Term] = []
        entries = read_entries(path, ("term", "explanation"))
        tables = read_translations(i18n_dir, "glossary", {str(e["term"]) for e in entries})
        for entry in entries:
            other = {
                str(lang): tuple(str(v) for v in values or [])
                for lang, values in (entry.get("other_languages") or {}).items()
            }
            terms.append(
                Term(
                    term=str(entry["term"]),
                    full=str(entry.get("full") or entry["term"]),
                    explanation=str(entry["explanation"]).strip(),
                    explanation_en=str(entry.get("explanation_en") or "").strip(),
                    variants=tuple(str(v) for v in entry.get("variants") or []),
                    related=tuple(str(v) for v in entry.get("related") or []),
                    other_languages=other,
                    sources=tuple(str(s) for s in entry.get("sources") or []),
                    translations={
                        lang: str(table[entry["term"]]).strip()
                        for lang, table in tables.items()
                        if table.get(entry["term"])
                    },
                )
            )
        return cls(terms)

    def find(self, text: str, *, foreign: bool = True) -> list[Term]:
        """Terms that ``text`` mentions, by any variant (and words in other languages if ``foreign``)."""
        return list(self._find_cached(text, foreign))

    def _find(self, text: str, foreign: bool) -> tuple[Term, ...]:
        folded = fold(text)
        lowered = text.lower().replace("’", "'")
        found = []
        for term, own_rx, foreign_rx in self._matchers:
            if own_rx.search(folded) or (foreign and foreign_rx.search(lowered)):
                found.append(term)
        return tuple(found)

    def expansion(self, text: str) -> list[str]:
        """Words to add to a search for ``text``: the full name and related words of every term it mentions."""
        words: list[str] = []
        for term in self.find(text):
            for word in (term.full, *term.related):
                if word not in words:
                    words.append(word)
        return words

    def in_answer(self, text: str, *, limit: int = 3) -> list[Term]:
        """Jargon used in an answer text (Dutch variants only), the ones used most first."""
        folded = fold(text)
        scored = []
        for term, own_rx, _ in self._matchers:
            hits = len(own_rx.findall(folded))
            if hits:
                scored.append((hits, term))
        scored.sort(key=lambda pair: -pair[0])
        return [t for _, t in scored[:limit]]
