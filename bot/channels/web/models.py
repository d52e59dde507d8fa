"""Request and response shapes of the web API (``bot.channels.web.api`` and ``.console``), one family per endpoint.

Input models are strict about types (a number is not a question) and lenient about what a parent
cannot know (an unknown ``session_id`` or ``lang`` is ignored, never an error). Output models reuse
the core's ``Answer`` so the API, the CLI's ``ask --json`` and the eval harness share one shape.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

from bot.models import Answer
from bot.sources import SourceRow as SourceOut  # noqa: F401  (the console's response model)

RetrieverName = Literal["hybrid", "dense", "bm25", "naive"]
Expect = Literal["answer", "refuse", "crisis"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


# ----- public API ---------------------------------------------------------------------------------
class AskRequest(_Input):
    """A parent's question from the widget (or any client)."""

    question: StrictStr = Field(description="The question as typed; limits are checked by the endpoint.")
    session_id: StrictStr | None = Field(
        None, description="Conversation id from an earlier reply; unknown or missing starts a new conversation."
    )
    lang: StrictStr | None = Field(None, description="Reply language (nl, en, tr, ar, pl, uk); detected when left out.")


class AskResponse(Answer):
    """The core's Answer plus the conversation id and the headings in the reply's language."""

    session_id: str = Field(description="Send this back with the next question to keep the conversation.")
    labels: dict[str, str] = Field(
        default_factory=dict, description="Headings for sources, steps and glossary in the reply's language."
    )


class FeedbackRequest(_Input):
    """A thumbs up or down on one answer."""

    answer_id: StrictStr = Field(min_length=1, max_length=64, description="The answer_id of the reply.")
    rating: Literal[1, -1, "up", "down"] = Field(description="1 or 'up' (useful), -1 or 'down' (not useful).")
    comment: StrictStr = Field("", max_length=1000, description="Optional remark (personal data is redacted).")
    session_id: StrictStr | None = Field(
        None, description="The conversation the answer belongs to; only that conversation can vote on it."
    )

    @field_validator("rating", mode="before")
    @classmethod
    def _no_booleans(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("rating must be 1, -1, 'up' or 'down', not true/false")
        return value

    @property
    def score(self) -> int:
        """The rating as +1 or -1."""
        return 1 if self.rating in (1, "up") else -1


class OkResponse(BaseModel):
    """The request was handled."""

    ok: bool = True


class ErrorResponse(BaseModel):
    """Every error the API returns: a stable code and a sentence for people."""

    error: str = Field(description="Stable machine-readable code, e.g. 'question_too_long'.")
    message: str = Field(description="What went wrong, for the person who reads it.")
    fields: list[str] | None = Field(None, description="Request fields that were wrong (validation errors).")


class HealthResponse(BaseModel):
    """The process is up."""

    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    """Whether questions can be answered now."""

    ready: bool
    reason: str | None = Field(None, description="Why not: index_missing, store_unavailable or not_ready.")
    store: str = Field("ok", description="ok, or down: answers come from the index in memory; ingest waits.")


# ----- staff console ------------------------------------------------------------------------------
class ConsoleAskRequest(_Input):
    """A question asked by staff to see how the answer came about."""

    question: StrictStr = Field(min_length=1, max_length=20_000)
    lang: StrictStr | None = None
    retriever: RetrieverName | None = Field(None, description="Default: retrieval.mode from the settings.")


class PassageOut(BaseModel):
    """One retrieved passage with the score and rank every retriever gave it."""

    rank: int
    source_id: str
    title: str
    kind: str
    heading: str
    chunk_id: str
    text: str
    scores: dict[str, float]
    ranks: dict[str, int]


class ConsoleAskResponse(BaseModel):
    """The answer next to what led to it."""

    answer: Answer
    passages: list[PassageOut]
    evidence: dict[str, Any] | None
    decision: str
    retriever: str
    timings_ms: dict[str, float]
    search_text: str = Field("", description="What the dense retriever searched for (after expansion).")
    corrections: dict[str, str] = Field(default_factory=dict, description="Typo repairs applied to the question.")


class EvalRequest(_Input):
    """Which eval set to run, with which retriever."""

    set: StrictStr | None = Field(None, description="File name in the eval folder; default: paths.eval_set.")
    retriever: RetrieverName | None = None


class EvalFailure(BaseModel):
    """A case that did not pass, and why."""

    id: str
    reason: str


class EvalMetrics(BaseModel):
    """Exactly the metrics object of the eval spec."""

    cases: int
    recall_at_5: float
    mrr: float
    answered: float
    cited_ok: float
    refuse_ok: float
    crisis_ok: float
    lang_ok: float
    latency_ms: dict[str, float]
    failures: list[EvalFailure]


class EvalResponse(BaseModel):
    """One eval run."""

    set: str
    retriever: str
    seconds: float
    metrics: EvalMetrics


class EvalSetsResponse(BaseModel):
    """The eval sets staff can run."""

    sets: list[str]
    default: str


class FeedbackRow(BaseModel):
    """Stored feedback (question and comment already redacted)."""

    created_at: float
    channel: str
    answer_id: str
    rating: int
    comment: str
    question: str
    outcome: str


class FeedbackPage(BaseModel):
    """One page of stored feedback, thumbs-down first, newest first."""

    items: list[FeedbackRow]
    total: int = Field(description="All feedback rows (-1 when the database cannot be read).")
    limit: int
    offset: int
    next_offset: int | None = Field(None, description="Offset of the next page; null on the last page.")


class EvalCaseRequest(_Input):
    """A reviewed question turned into an eval case (format: knowledge/eval/README.md)."""

    question: StrictStr = Field(min_length=1, max_length=2000)
    expect: Expect
    lang: StrictStr = Field("nl", pattern=r"^[a-z]{2,3}$")
    sources: list[StrictStr] = Field(default_factory=list, max_length=10)
    evidence: list[StrictStr] = Field(default_factory=list, max_length=10)
    id: StrictStr | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    note: StrictStr = Field("", max_length=500)

    @field_validator("sources", "evidence")
    @classmethod
    def _clean_list(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values if v.strip()]
        return list(dict.fromkeys(cleaned))

    @model_validator(mode="after")
    def _fits_expectation(self) -> EvalCaseRequest:
        if not self.question.strip():
            raise ValueError("question is empty")
        if self.expect == "answer" and (not self.sources or not self.evidence):
            raise ValueError("an answer case needs at least one source and one evidence phrase")
        if self.expect != "answer" and (self.sources or self.evidence):
            raise ValueError("refuse and crisis cases have no sources or evidence")
        return self
