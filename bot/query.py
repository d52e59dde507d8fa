"""Text analysis for search: tokens, Dutch stems, chat-language normalisation and typo repair.

``Analyzer`` turns text into BM25 terms (folded, stop words out, Snowball-Dutch stems). ``QueryBuilder``
turns a parent's message into what the retrievers search for: chat shorthand spelled out ("mn" ->
"mijn"), glossary variants expanded ("rugzakje" -> arrangement ...), words split or glued the way the
sources write them ("toelaatbaarheids verklaring"), and typos repaired against the corpus vocabulary
("toelaatbaarheitsverklaring"). Pure functions over the vocabulary given at construction.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import Stemmer
import yaml

from bot.glossary import Glossary, fold

#: Stop words, chat shorthand and everyday synonyms: bot/data/search.yaml, read once.
_SEARCH = yaml.safe_load((Path(__file__).resolve().parent / "data" / "search.yaml").read_text(encoding="utf-8"))
STOPWORDS = frozenset(_SEARCH["stopwords"])

#: Chat shorthand and informal spellings -> how the sources write them.
SHORTHAND: dict[str, str] = dict(_SEARCH["shorthand"])

#: Everyday words parents use -> the words the sources use for the same thing.
SYNONYMS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _SEARCH["synonyms"].items()}
#: Everyday words that must never be "repaired" into a corpus word.
COMMON_WORDS = frozenset(SYNONYMS) | frozenset(SHORTHAND)

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_VSO = re.compile(r"\(v\)\s*so\b|\bv\(so\)")
_SBO = re.compile(r"\bs\(b\)\s*o\b")


class Analyzer:
    """Folded, stop-word-free, stemmed tokens (the BM25 vocabulary)."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("dutch")
        # Passage sentences are analysed again for every answer that retrieves them: keep recent ones.
        self._terms: dict[str, tuple[str, ...]] = {}

    #: Texts whose terms are remembered (FIFO; a few MB at most).
    TERMS_CACHE = 20000

    def words(self, text: str) -> list[str]:
        """Folded word tokens without stop words (not stemmed)."""
        folded = _SBO.sub(" sbo so ", _VSO.sub(" vso so ", fold(text)))
        return [t for t in _TOKEN.findall(folded) if t not in STOPWORDS and len(t) > 1]

    def terms(self, text: str) -> list[str]:
        """Stemmed tokens for BM25."""
        known = self._terms.get(text)
        if known is None:
            known = tuple(self._stemmer.stemWords(self.words(text)))
            if len(self._terms) >= self.TERMS_CACHE:
                self._terms.pop(next(iter(self._terms)))
            self._terms[text] = known
        return list(known)

    def stem(self, word: str) -> str:
        """The stem of one folded word."""
        return self._stemmer.stemWord(word)


@dataclass
class Query:
    """What the retrievers search for, derived from one message (and earlier turns for follow-ups)."""

    original: str
    dense_text: str  # sent to the embedder
    bm25_terms: list[str]  # sent to BM25
    key_words: list[str] = field(default_factory=list)  # content words of the message itself
    expansions: list[str] = field(default_factory=list)  # glossary / shorthand / typo words added
    corrections: dict[str, str] = field(default_factory=dict)  # typo -> vocabulary word
    follow_up: bool = False


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (Damerau-Levenshtein with adjacent swaps), capped at ``limit``."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) >= limit:
            return limit
        prev2, prev = prev, cur
    return min(prev[-1], limit)


class Vocabulary:
    """Words of the corpus with their counts, and fast typo candidates (SymSpell-style deletes)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.counts: Counter[str] = Counter(words)
        self._index: dict[str, set[str]] = {}
        for word in self.counts:
            if len(word) >= 5:
                for d in _deletes(word) | {word}:
                    self._index.setdefault(d, set()).add(word)

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def correct(self, word: str) -> str | None:
        """The most frequent corpus word within edit distance 1 (2 for long words), or None.

        Only long words are repaired: the corpus does not hold every everyday Dutch word, and a short
        word missing from it ("dochter") is far more often right than a typo of another ("dichter").
        """
        if len(word) < 8 or word in self.counts or any(c.isdigit() for c in word):
            return None
        candidates: set[str] = set()
        for key in _deletes(word) | {word}:
            candidates |= self._index.get(key, set())
        limit = 2 if len(word) >= 11 else 1
        best: tuple[int, int, str] | None = None
        for cand in candidates:
            if cand[0] != word[0]:
                continue
            dist = edit_distance(word, cand, limit + 1)
            if dist <= limit:
                key = (dist, -self.counts[cand], cand)
                if best is None or key < best:
                    best = key
        return best[2] if best else None


class QueryBuilder:
    """Builds a ``Query`` from a message, with the glossary and the corpus vocabulary."""

    def __init__(self, analyzer: Analyzer, glossary: Glossary, vocabulary: Vocabulary) -> None:
        self.analyzer = analyzer
        self.glossary = glossary
        self.vocabulary = vocabulary

    def build(self, message: str, *, history: list[str] | None = None) -> Query:
        """The search for ``message``; ``history`` holds earlier questions when this is a follow-up."""
        words = self.analyzer.words(message)
        expansions: list[str] = []
        corrections: dict[str, str] = {}
        for word in words:
            if word in SHORTHAND:
                expansions.append(SHORTHAND[word])
        for word in words:
            for synonym in SYNONYMS.get(word, ()):
                expansions.append(synonym)
        # Words split the way parents type them: "toelaatbaarheids verklaring" -> one word.
        for a, b in itertools.pairwise(words):
            if (a not in self.vocabulary or b not in self.vocabulary) and self.vocabulary.counts.get(a + b, 0) >= 2:
                expansions.append(a + b)
        for word in words:
            if word not in self.vocabulary and word not in SHORTHAND and word not in COMMON_WORDS:
                fixed = self.vocabulary.correct(word)
                if fixed:
                    corrections[word] = fixed
                    expansions.append(fixed)
        repaired = " ".join([message, *corrections.values()])
        expansions.extend(self.glossary.expansion(repaired))

        follow_up = bool(history) and is_follow_up(message, words)
        context = " ".join(history[-2:]) if (follow_up and history) else ""
        dense_parts = [message]
        if expansions:
            dense_parts.append(" ".join(dict.fromkeys(expansions)))
        if context:
            dense_parts.insert(0, context)
        # The parent's own words count double: glossary expansions help recall, but must not outvote
        # the rare words of the question itself ("leerlingenvervoer" beats "speciaal onderwijs").
        glossary_words = self.glossary.expansion(repaired)
        own = [e for e in expansions if e not in glossary_words]
        bm25_source = " ".join([context, message, *own, context, message, *own, *glossary_words])
        return Query(
            original=message,
            dense_text=" ".join(dense_parts),
            bm25_terms=self.analyzer.terms(bm25_source),
            key_words=words,
            expansions=list(dict.fromkeys(expansions)),
            corrections=corrections,
            follow_up=follow_up,
        )


_FOLLOW_UP_START = re.compile(
    r"^\s*(?:en|maar|of|dus|ok(?:e|é)?|oke|en als|en wat|en hoe|en waar|en wie|en wanneer|hoe lang|wat als|"
    r"and|but|what if|how long|what about|so)\b",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(
    r"\b(?:dat|dit|die|daar|daarvan|daarna|het|hij|zij|ze|it|that|this|there|they)\b", re.IGNORECASE
)


def is_follow_up(message: str, words: list[str]) -> bool:
    """A short message that starts like a continuation or points back ("en hoe lang duurt dat?")."""
    if len(words) > 8:
        return False
    return bool(_FOLLOW_UP_START.match(message)) or (len(words) <= 4 and bool(_REFERS_BACK.search(message)))
