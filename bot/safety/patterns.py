"""Layer (a) of the crisis check: token patterns that allow words in between and inflections.

A pattern is a sequence of slots over normalised tokens, written in ``bot/data/safety_patterns.yaml``:

    "wil|wilt|wilde ~3 dood|sterven|doodgaan"

Each slot lists alternatives separated by ``|``; a trailing ``*`` matches any token that starts with
it (inflections: ``snij*`` covers snijdt, snijden, snijwonden), a leading one any token that ends with
it, both any token that contains it (Arabic attaches prefixes); ``#num`` is any number and a lone
``$`` the end of the sentence ("ik wil niet meer $"); ``~N`` before a slot allows up to N
other tokens in between (default ``~2``; ``~0`` means adjacent). Slots may hold several words joined
by ``_`` ("van_het_leven"). Patterns match within one sentence. Idioms listed under ``exclude`` are
masked first ("ik schrik me dood", "ik ga dood van de zenuwen").

Text is normalised before matching: lower case, Latin diacritics folded (ş->s, ł->l, ë->e), Arabic
letter variants unified and diacritics dropped, letters repeated three or more times shortened
("doooood" -> "dood"), and chat spellings spread out ("m'n" -> "mijn").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.errors import ConfigError

DEFAULT_GAP = 2
_TOKEN = re.compile(r"\w+", re.UNICODE)
_SENTENCE_BREAK = re.compile(r"[.!?;\n]+|\s[-–]\s")
_ARABIC_DIACRITICS = re.compile(r"[\u064b-\u065f\u0670\u0640]")
_REPEATS = re.compile(r"(\w)\1{2,}")
_CONTRACTIONS = {
    "m'n": "mijn",
    "z'n": "zijn",
    "d'r": "haar",
    "'t": "het",
    "'s": "des",
    "i'm": "i am",
    "don't": "do not",
    "can't": "can not",
    "won't": "will not",
    "doesn't": "does not",
    "didn't": "did not",
    "isn't": "is not",
    "i've": "i have",
    "i'll": "i will",
    "he's": "he is",
    "she's": "she is",
    "it's": "it is",
}
_LATIN_FOLD = str.maketrans({"ı": "i", "ł": "l", "Ł": "l", "ø": "o", "ß": "ss", "đ": "d"})
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


def normalise(text: str) -> str:
    """Lower case, folded, contractions spread out; the same function is used for patterns and text."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("`", "'").lower()
    for short, long in _CONTRACTIONS.items():
        text = re.sub(rf"(?<!\w){re.escape(short)}(?!\w)", long, text)
    text = text.translate(_LATIN_FOLD).translate(_ARABIC_FOLD)
    text = _ARABIC_DIACRITICS.sub("", text)
    # Fold Latin diacritics only; Cyrillic й and Arabic letters must keep their combining parts.
    decomposed = unicodedata.normalize("NFD", text)
    out = []
    for ch in decomposed:
        if unicodedata.combining(ch) and out and "a" <= out[-1] <= "z":
            continue
        out.append(ch)
    text = unicodedata.normalize("NFC", "".join(out))
    return _REPEATS.sub(r"\1\1", text)


def sentences(text: str) -> list[list[str]]:
    """Normalised tokens per sentence."""
    return [toks for part in _SENTENCE_BREAK.split(normalise(text)) if (toks := _TOKEN.findall(part))]


def _token_matches(kind: str, want: str, tok: str) -> bool:
    if kind == "number":
        return tok.isdigit()
    if kind == "exact":
        return tok == want
    if kind == "prefix":
        return tok.startswith(want)
    if kind == "suffix":
        return tok.endswith(want)
    return want in tok  # contains


@dataclass(frozen=True)
class _Alternative:
    tokens: tuple[str, ...]  # usually one; "buiten_westen" gives two
    kind: str  # how the last token matches: exact, prefix ("x*"), suffix ("*x"), contains ("*x*")


@dataclass(frozen=True)
class _Slot:
    alternatives: tuple[_Alternative, ...]
    gap: int  # tokens allowed between the previous slot and this one
    end: bool = False  # "$": the sentence ends here

    def match_at(self, tokens: list[str], i: int) -> int:
        """Number of tokens this slot covers at position i (0: no match)."""
        for alt in self.alternatives:
            n = len(alt.tokens)
            if i + n > len(tokens):
                continue
            if tuple(tokens[i : i + n - 1]) == alt.tokens[:-1] and _token_matches(
                alt.kind, alt.tokens[-1], tokens[i + n - 1]
            ):
                return n
        return 0


@dataclass(frozen=True)
class Pattern:
    """One pattern of a category, compiled to slots."""

    category: str
    source: str
    slots: tuple[_Slot, ...]

    def search(self, tokens: list[str], masked: set[int]) -> tuple[int, int] | None:
        """(first, last+1) token positions of the first match, or None."""
        for start in range(len(tokens)):
            if start in masked:
                continue
            end = self._from(tokens, masked, 0, start)
            if end is not None:
                return start, end
        return None

    def _from(self, tokens: list[str], masked: set[int], s: int, i: int) -> int | None:
        slot = self.slots[s]
        if slot.end:
            return i if i == len(tokens) else None
        if i >= len(tokens) or i in masked:
            return None
        n = slot.match_at(tokens, i)
        if not n:
            return None
        if s + 1 == len(self.slots):
            return i + n
        nxt = self.slots[s + 1]
        for j in range(i + n, min(len(tokens) + (1 if nxt.end else 0), i + n + nxt.gap + 1)):
            end = self._from(tokens, masked, s + 1, j)
            if end is not None:
                return end
        return None


def compile_pattern(category: str, source: str) -> Pattern:
    """Compile one pattern string; raises ``ConfigError`` naming the pattern when it is malformed."""
    slots: list[_Slot] = []
    gap = DEFAULT_GAP
    for part in source.split():
        if part.startswith("~"):
            try:
                gap = int(part[1:])
            except ValueError:
                raise ConfigError(f"safety pattern {source!r}: '{part}' must be ~ followed by a number") from None
            continue
        if part == "$":
            slots.append(_Slot(alternatives=(), gap=gap, end=True))
            gap = DEFAULT_GAP
            continue
        alternatives: list[_Alternative] = []
        for alt in part.split("|"):
            if alt == "#num":
                alternatives.append(_Alternative(tokens=("#",), kind="number"))
                continue
            alt = normalise(alt.replace("_", " ")).strip()
            starts, ends = alt.startswith("*"), alt.endswith("*") and len(alt) > 1
            kind = "contains" if starts and ends else "suffix" if starts else "prefix" if ends else "exact"
            tokens = tuple(_TOKEN.findall(alt.strip("*")))
            if not tokens:
                raise ConfigError(f"safety pattern {source!r}: an empty alternative in '{part}'")
            alternatives.append(_Alternative(tokens=tokens, kind=kind))
        slots.append(_Slot(alternatives=tuple(alternatives), gap=gap if slots else 0))
        gap = DEFAULT_GAP
    if not slots:
        raise ConfigError(f"safety pattern {source!r} is empty")
    return Pattern(category=category, source=source, slots=tuple(slots))


@dataclass(frozen=True)
class PatternHit:
    """A pattern that matched, with the words it matched (for the log of why and for the staff)."""

    category: str
    pattern: str
    matched: str


class _FirstSlotIndex:
    """Which patterns can start in a sentence: looked up by the sentence's tokens, not tried one by one."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.exact: dict[str, list[int]] = {}
        self.prefix: dict[str, list[int]] = {}
        self.always: list[int] = []  # suffix / contains / number alternatives in the first slot
        for i, pattern in enumerate(patterns):
            for alt in pattern.slots[0].alternatives:
                first = alt.tokens[0]
                if alt.kind == "exact" or len(alt.tokens) > 1:
                    self.exact.setdefault(first, []).append(i)
                elif alt.kind == "prefix":
                    self.prefix.setdefault(first, []).append(i)
                else:
                    self.always.append(i)
        self.longest_prefix = max((len(p) for p in self.prefix), default=0)

    def candidates(self, tokens: list[str]) -> list[int]:
        found: set[int] = set(self.always)
        for tok in set(tokens):
            found.update(self.exact.get(tok, ()))
            for k in range(1, min(len(tok), self.longest_prefix) + 1):
                found.update(self.prefix.get(tok[:k], ()))
        return sorted(found)


class PatternSet:
    """All patterns per category plus the idioms that are masked first."""

    def __init__(self, patterns: list[Pattern], exclude: list[Pattern]) -> None:
        self.patterns = patterns
        self.exclude = exclude
        self._index = _FirstSlotIndex(patterns)
        self._exclude_index = _FirstSlotIndex(exclude)

    @classmethod
    def load(cls, path: Path) -> PatternSet:
        """Read the pattern file (``category: [patterns]`` plus ``exclude: [patterns]``)."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ConfigError(f"safety patterns not found: {path}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"safety patterns {path.name}: not valid YAML ({exc.__class__.__name__})") from None
        patterns, exclude = [], []
        for category, items in data.items():
            for source in items or []:
                compiled = compile_pattern(str(category), str(source))
                (exclude if category == "exclude" else patterns).append(compiled)
        return cls(patterns, exclude)

    def search(self, text: str) -> list[PatternHit]:
        """Every category that matches, with the first match per pattern (idioms masked)."""
        hits: list[PatternHit] = []
        for tokens in sentences(text):
            masked: set[int] = set()
            for e in self._exclude_index.candidates(tokens):
                ex = self.exclude[e]
                found = ex.search(tokens, masked)
                while found is not None:
                    masked.update(range(*found))
                    found = ex.search(tokens, masked)
            for p in self._index.candidates(tokens):
                pattern = self.patterns[p]
                found = pattern.search(tokens, masked)
                if found is not None:
                    hits.append(PatternHit(pattern.category, pattern.source, " ".join(tokens[found[0] : found[1]])))
        return hits


@lru_cache(maxsize=4)
def load_patterns(path: Path) -> PatternSet:
    """The pattern set at ``path``, parsed once per process."""
    return PatternSet.load(path)
