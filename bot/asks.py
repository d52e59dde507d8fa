"""A parent's message -> its asks (at most three), each with the kind of answer it wants.

Parents write stories with the question at the end, or two questions at once ("wie beslist dat, en
hoe lang duurt het?"). Each question sentence becomes an ask; a message without one is one ask. The
other sentences are the context every ask is matched with. The kind of an ask (how_long, who, may,
cost, ...) tells the composer what the first sentence must contain when no answer unit covers it.
Word lists live in ``bot/data/asks.yaml``; everything here is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.glossary import fold

ASKS_FILE = Path(__file__).resolve().parent / "data" / "asks.yaml"
MAX_ASKS = 3
_SENTENCE = re.compile(r"[^.!?\n؟]+[.!?؟]*")
#: An ask shorter than this many words is matched together with its context.
SHORT_ASK_WORDS = 7


@dataclass(frozen=True)
class Ask:
    """One question in a message."""

    text: str  # the question sentence as written
    kind: str  # what | who | how | how_long | when | may | must | cost | where | why | which | what_now
    context: str = ""  # the rest of the message (the story around the question)
    question: str = ""  # the question as the parent wrote it (``text`` may carry the ask before it)

    @property
    def shown(self) -> str:
        """How the ask is quoted back to the parent."""
        return self.question or self.text

    @property
    def leans_on_context(self) -> bool:
        """A short question after a story ("mag dat zomaar?") is about the story."""
        return bool(self.context) and len(self.text.split()) < SHORT_ASK_WORDS

    @property
    def search_text(self) -> str:
        """What is matched: the question, with its story when the question alone is short."""
        if self.leans_on_context:
            return f"{self.context} {self.text}".strip()
        return self.text


@dataclass(frozen=True)
class AskLexicon:
    """The word lists of ``asks.yaml``, folded and compiled once."""

    starts: tuple[str, ...]  # every language's question starts (when the message's language is not known)
    continuations: frozenset[str]
    joiners: re.Pattern[str]
    kinds: tuple[tuple[str, re.Pattern[str]], ...]
    wants_steps: re.Pattern[str]
    starts_by_lang: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ends: frozenset[str] = frozenset()  # every language's question particles (when the language is not known)
    ends_by_lang: dict[str, frozenset[str]] = field(default_factory=dict)

    def starts_for(self, lang: str | None) -> tuple[str, ...]:
        """The question starts of ``lang``; all of them when the language is not known. One language's
        start can be another's statement: Dutch "ben" (ben ik...) is Turkish "ben" (I), so a Turkish parent's
        "Ben de mahvoldum." (I am devastated too) was taken for a question."""
        return self.starts_by_lang.get(lang or "", self.starts)

    def ends_for(self, lang: str | None) -> frozenset[str]:
        """The question particles of ``lang`` (none for a language without them); all when not known."""
        return self.ends_by_lang.get(lang, frozenset()) if lang else self.ends


def _words_rx(words: list[str]) -> re.Pattern[str]:
    alts = sorted({fold(w) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alts) + r")(?!\w)")


@lru_cache(maxsize=2)
def lexicon(path: Path = ASKS_FILE) -> AskLexicon:
    """Read and compile ``asks.yaml`` (once per process)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    words = {fold(w) for group in data["question_starts"].values() for w in group}
    starts = tuple(sorted(words, key=len, reverse=True))
    by_lang = {
        str(lang): tuple(sorted({fold(w) for w in group}, key=len, reverse=True))
        for lang, group in data["question_starts"].items()
    }
    ends = {str(lang): frozenset(fold(w) for w in group) for lang, group in (data.get("question_ends") or {}).items()}
    joiners = re.compile(r"[,;]?\s+(?=(?:" + "|".join(re.escape(fold(j)) for j in data["joiners"]) + r")\b)")
    kinds = tuple((kind, _words_rx(words)) for kind, words in data["kinds"].items())
    return AskLexicon(starts=starts, continuations=frozenset(fold(w) for w in data["continuations"]), joiners=joiners,
                      kinds=kinds, wants_steps=_words_rx(data["wants_steps"]), starts_by_lang=by_lang,
                      ends=frozenset().union(*ends.values()), ends_by_lang=ends)


def lexicon_words(key: str, path: Path = ASKS_FILE) -> list[str]:
    """A plain word list from ``asks.yaml`` (e.g. ``generic_words``)."""
    return [str(w) for w in yaml.safe_load(path.read_text(encoding="utf-8"))[key]]


def ask_kind(text: str, lex: AskLexicon | None = None) -> str:
    """The kind of answer a question wants ("what" when nothing more specific is asked)."""
    lex = lex or lexicon()
    folded = fold(text)
    for kind, rx in lex.kinds:
        if rx.search(folded):
            return kind
    return "what"


def _is_question(sentence: str, lex: AskLexicon, lang: str | None = None) -> bool:
    s = sentence.strip()
    if s.endswith(("?", "؟")):
        return True
    folded = fold(s)
    words = re.findall(r"\w+", folded)
    if words and words[-1] in lex.ends_for(lang):  # a question particle at the end (Turkish "... yapabilir mi")
        return True
    first, _, rest = folded.partition(" ")
    if first in lex.continuations and rest:
        folded = rest
    return any(folded == w or folded.startswith(w + " ") for w in lex.starts_for(lang))


def split_asks(message: str, *, lex: AskLexicon | None = None, lang: str | None = None) -> list[Ask]:
    """The asks in a message, in order, at most three (the most contentful when there are more).

    ``lang``: the message's language, whose question words count (all languages' when None)."""
    lex = lex or lexicon()
    sentences = [s.strip() for s in _SENTENCE.findall(message) if s.strip()]
    questions: list[str] = []
    story: list[str] = []
    for sentence in sentences:
        if _is_question(sentence, lex, lang):
            parts = [p.strip() for p in lex.joiners.split(fold(sentence)) if p.strip()]
            # Split on the folded text, but keep the parent's own spelling for each part.
            if len(parts) > 1:
                questions.extend(_unfold_parts(sentence, parts))
            else:
                questions.append(sentence)
        else:
            story.append(sentence)
    if not questions:
        whole = " ".join(sentences).strip() or message.strip()
        return [Ask(text=whole, kind=ask_kind(whole, lex))]
    questions = [q for q in questions if len(q.split()) >= 2 or len(questions) == 1] or questions[-1:]
    if len(questions) > MAX_ASKS:
        keep = sorted(sorted(range(len(questions)), key=lambda i: -len(questions[i].split()))[:MAX_ASKS])
        questions = [questions[i] for i in keep]
    context = " ".join(story)
    asks = []
    previous = ""
    for q in questions:
        # "... en moeten we daarvoor betalen?" leans on the ask before it: match the two together.
        text = q
        if previous and (len(q.split()) < SHORT_ASK_WORDS or _continues(q, lex)):
            text = f"{previous} {q}"
        asks.append(Ask(text=text, kind=ask_kind(q, lex), context=context, question=q))
        previous = q
    return asks


def _continues(question: str, lex: AskLexicon) -> bool:
    """A question that starts like a continuation of the one before ("and do we...", "en hoe lang...")."""
    return bool(re.match(r"(?:en|and|of|or|maar|but|ve|i|a|і|و)\b", fold(question.strip())))


def _unfold_parts(sentence: str, folded_parts: list[str]) -> list[str]:
    """Cut the original sentence where the folded one was cut (folding keeps the length per letter)."""
    out, pos = [], 0
    folded = fold(sentence)
    for part in folded_parts:
        start = folded.find(part, pos)
        if start < 0:
            return [sentence]
        out.append(sentence[start : start + len(part)].strip(" ,;"))
        pos = start + len(part)
    return out


@dataclass
class AskPlan:
    """The asks of a message and whether the parent wants next steps."""

    asks: list[Ask] = field(default_factory=list)
    wants_steps: bool = False


def plan_asks(message: str, *, lex: AskLexicon | None = None, lang: str | None = None) -> AskPlan:
    """Split a message into asks and see whether next steps are wanted."""
    lex = lex or lexicon()
    asks = split_asks(message, lex=lex, lang=lang)
    wants = bool(lex.wants_steps.search(fold(message))) or any(a.kind == "what_now" for a in asks)
    return AskPlan(asks=asks, wants_steps=wants)
