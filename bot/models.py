"""Plain data passed between the stages: Document -> Chunk -> Passage -> Answer.

``Document`` and ``Chunk`` come out of ``ingest``; ``Passage`` is a chunk with its retrieval scores;
``Answer`` is the one shape every channel returns (``ask --json``, ``POST /api/ask``, Telegram, eval).
This module imports nothing from the rest of the project, so every stage may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

Outcome = Literal["answer", "refuse", "crisis", "clarify"]


@dataclass(frozen=True, slots=True)
class SourceMeta:
    """What we know about a source document or knowledge card, as cited to the parent."""

    id: str
    title: str
    publisher: str = ""
    published: str = ""  # "2020", "2025-04" or "2025-04-01": as precise as the source says
    url: str = ""
    kind: str = "document"  # document | card
    notes: str = ""
    file: str = ""  # path relative to the knowledge folder
    lang: str = "nl"
    sources: tuple[str, ...] = ()  # cards: the urls / corpus ids the card was written from
    checked: str = ""  # cards: date the facts were last checked
    review_by: str = ""  # cards: date by which the card must be checked again
    guessed: bool = False  # True when the manifest had no entry and metadata was guessed from the file


@dataclass(slots=True)
class Document:
    """One loaded source: its full text plus metadata. ``pages`` maps page numbers to text offsets."""

    meta: SourceMeta
    text: str
    pages: list[tuple[int, int]] = field(default_factory=list)  # (page number, first char offset)

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of a document, small enough to embed and to quote, with a content-derived id."""

    id: str
    doc_id: str
    text: str
    heading_path: tuple[str, ...]
    char_start: int
    char_end: int
    page: int | None = None
    ordinal: int = 0  # position of the chunk within its document

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)


@dataclass(slots=True)
class Passage:
    """A retrieved chunk with its source and the scores every retriever gave it."""

    chunk: Chunk
    meta: SourceMeta
    score: float  # the score this passage was ranked by (fused for hybrid)
    scores: dict[str, float] = field(default_factory=dict)  # per retriever: dense, bm25, rrf
    ranks: dict[str, int] = field(default_factory=dict)  # per retriever, 1-based

    @property
    def text(self) -> str:
        return self.chunk.text


class Citation(BaseModel):
    """A numbered source under an answer; ``quote`` is the Dutch sentence or passage the claim rests on."""

    n: int = Field(description="Number used in the answer text, as [n].")
    source_id: str
    title: str
    publisher: str = ""
    published: str = ""
    url: str = ""
    quote: str = ""
    kind: str = "document"
    stale: bool = Field(False, description="The source is past its review date or older than the limit.")
    checked: str = ""
    sources: list[str] = Field(default_factory=list, description="Cards: the sources the card rests on.")
    chunk_id: str = Field("", description="The passage quoted (for the audit trail and the eval).")


class GlossaryItem(BaseModel):
    """A jargon word used in the answer with a one-line B1 explanation."""

    term: str
    explanation: str


class Step(BaseModel):
    """One step of a route (escalation ladder or diploma route) shown as a list under the answer."""

    n: int
    title: str
    who: str = ""
    when: str = ""
    deadline: str = ""
    where: str = ""
    sources: list[str] = Field(default_factory=list)


class Answer(BaseModel):
    """The one answer shape every channel shows."""

    answer_id: str = ""
    outcome: Outcome
    lang: str = "nl"
    text: str
    citations: list[Citation] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    glossary: list[GlossaryItem] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list, description="E.g. that a source may be out of date.")
