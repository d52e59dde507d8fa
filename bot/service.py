"""The one entry point every channel calls: ``Service.ask(question, history=..., lang=...)``.

Order of work for each message: clean the text; crisis check (help lines first, always); strip
prompt-injection orders; refuse lookups of another child's records; ask back when there is nothing to
search for; retrieve; measure the evidence; answer with citations or refuse and say who can help.
The service owns the embedder, the store and the in-memory lexical index; it reloads them when an
ingest has swapped the index, and it builds the index when there is none yet.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bot import answer as compose_mod
from bot.answer import Evidence
from bot.errors import IndexMissing, StoreUnavailable
from bot.glossary import Glossary
from bot.intents import Referrals, asks_for_contact, is_privacy_lookup, is_vague, strip_injection
from bot.language import detect_language, normalise_language
from bot.models import Answer, Citation, Passage, Step
from bot.query import Analyzer, Query, QueryBuilder
from bot.retrieve import Retriever
from bot.routes import DiplomaRoutes, Ladder
from bot.safety import detect_crisis
from bot.settings import Settings
from bot.store.db import Storage, code_version
from bot.texts import text
from ingest.embed import make_embedder
from ingest.pipeline import IngestReport, chunker_fingerprint, ingest
from ingest.store import ChunkStore, IndexInfo

log = logging.getLogger(__name__)

#: Hard cap for any channel: longer input is refused before any work is done.
ABSOLUTE_MAX_CHARS = 20_000
_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]"
)
_PHONE_OR_MAIL = re.compile(r"\b0\d{2,3}[-\s]?\d{3}[-\s]?\d{2,4}\b|\b\d{3,4}[- ]\d{4}\b|@\w+\.\w+|\bwww\.\w+")
#: How often (seconds) the service checks whether an ingest swapped the index.
RELOAD_CHECK_SECONDS = 15.0
HELPLINE_CARD = "hulplijnen"


def clean_input(raw: str) -> str:
    """Normalise a message: no control or zero-width characters, NFC, single spaces."""
    # Lone surrogates (from broken clients) cannot be encoded and would crash the embedder: drop them.
    raw = raw.encode("utf-8", "ignore").decode("utf-8")
    cleaned = _CONTROL.sub(" ", unicodedata.normalize("NFC", raw))
    return re.sub(r"[ \t]+", " ", re.sub(r"\s*\n\s*", "\n", cleaned)).strip()


@dataclass
class AskResult:
    """An answer plus what led to it (for --debug, the staff console, the eval harness and the audit)."""

    answer: Answer
    passages: list[Passage] = field(default_factory=list)
    query: Query | None = None
    evidence: Evidence | None = None
    retriever: str = ""
    decision: str = ""  # why this outcome, in a few words
    timings_ms: dict[str, float] = field(default_factory=dict)


class Service:
    """Answers questions; thread-safe for concurrent ``ask`` calls."""

    def __init__(self, settings: Settings, *, today: Callable[[], date] = date.today) -> None:
        self.settings = settings
        self.embedder = make_embedder(settings.embedder)
        self.store = ChunkStore(settings.store, self.embedder)
        self.analyzer = Analyzer()
        self.glossary = Glossary.load(settings.paths.glossary)
        self.referrals = Referrals.load(settings.paths.referrals)
        self.ladder = Ladder.load(settings.paths.routes_dir / "escalation.yaml")
        self.diploma_routes = DiplomaRoutes.load(settings.paths.routes_dir / "diploma.yaml")
        self.storage = Storage(
            settings.storage.sqlite_path,
            retention_days=settings.privacy.retention_days,
            context_ttl_minutes=settings.privacy.context_ttl_minutes,
        )
        self.code_version = code_version()
        self._today = today
        self._retriever: Retriever | None = None
        self._builder: QueryBuilder | None = None
        self._checked_at = 0.0
        self._lock = threading.RLock()
        self._naive: object | None = None
        self._idf_cache: dict[str, float] = {}

    # ----- index lifecycle --------------------------------------------------------------------
    def ensure_index(self, notify: Callable[[str], None] | None = None) -> IngestReport | None:
        """Build the index when there is none yet (first run on a fresh clone)."""
        if self.store.info() is not None:
            return None
        if notify:
            notify("Er is nog geen index: die wordt nu eenmalig gebouwd (ongeveer een minuut)...")
        report = ingest(self.settings)
        if notify:
            notify(
                f"Index klaar: {report.chunks_total} passages uit {report.documents} documenten "
                f"en {report.cards} kaarten."
            )
        return report

    def retriever(self) -> Retriever:
        """The retriever over the active index; reloaded when an ingest swapped it."""
        now = time.monotonic()
        current = self._retriever
        if current is not None and now - self._checked_at < RELOAD_CHECK_SECONDS:
            return current
        with self._lock:
            if self._retriever is not None and time.monotonic() - self._checked_at < RELOAD_CHECK_SECONDS:
                return self._retriever
            info = self.store.require(chunker=chunker_fingerprint(self.settings.chunking))
            if self._retriever is None or self._retriever.info.collection != info.collection:
                self._load(info)
            self._checked_at = time.monotonic()
            assert self._retriever is not None
            return self._retriever

    def _load(self, info: IndexInfo) -> None:
        started = time.perf_counter()
        retriever = Retriever(self.store, self.embedder, self.analyzer, self.settings.retrieval, info)
        self._builder = QueryBuilder(self.analyzer, self.glossary, retriever.vocabulary)
        self._idf_cache = {}
        self._retriever = retriever
        log.info(
            "loaded index %s (%d chunks) in %.0f ms",
            info.collection,
            len(retriever.chunks),
            (time.perf_counter() - started) * 1000,
        )

    def warm_up(self) -> None:
        """Load the index and the embedding model now, so the first parent does not wait for it."""
        retriever = self.retriever()
        self.embedder.query("warm-up")
        _ = retriever.chunks

    def ready(self) -> bool:
        """True when the store answers and the index is loaded (for /readyz)."""
        try:
            self.retriever()
            return self.store.heartbeat()
        except (IndexMissing, StoreUnavailable):
            return False
        except Exception:
            log.warning("readiness check failed", exc_info=True)
            return False

    def _idf(self, term: str) -> float:
        cached = self._idf_cache.get(term)
        if cached is not None:
            return cached
        retriever = self._retriever
        if retriever is None:
            return 1.0
        n = len(retriever.chunks)
        df = retriever.document_frequency(term)
        value = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
        self._idf_cache[term] = value
        return value

    # ----- answering --------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        history: list[str] | None = None,
        lang: str | None = None,
        retriever: str | None = None,
        max_chars: int = ABSOLUTE_MAX_CHARS,
        channel: str = "cli",
        chat: str = "",
        audit: bool = True,
    ) -> AskResult:
        """Answer one message.

        Args:
            question: the parent's message, as typed.
            history: earlier questions of this conversation, oldest first (for follow-ups).
            lang: reply language chosen by the parent; detected from the message when None.
            retriever: override of ``retrieval.mode`` (dense, bm25, hybrid, naive).
            max_chars: the channel's length limit.
            channel, chat: where the question came from (chat is the storage's hashed chat key).
            audit: write an audit record (off for eval runs).

        Raises:
            StoreUnavailable, IndexMissing: the channel turns these into "try again later".
        """
        started = time.perf_counter()
        timings: dict[str, float] = {}
        message = clean_input(question or "")
        fallback = normalise_language(lang) or "nl"
        reply_lang = normalise_language(lang) or detect_language(message, fallback=fallback)

        def done(answer: Answer, decision: str, **kw: object) -> AskResult:
            answer.answer_id = uuid.uuid4().hex[:12]
            timings["total"] = round((time.perf_counter() - started) * 1000, 1)
            result = AskResult(answer=answer, decision=decision, timings_ms=timings, **kw)  # type: ignore[arg-type]
            if audit:
                self.record(result, question=message, channel=channel, chat=chat)
            return result

        if not message:
            return done(Answer(outcome="clarify", lang=reply_lang, text=text("empty", reply_lang)), "empty")
        # Crisis before anything else, also in a message that is too long for an answer.
        signal = detect_crisis(message[:ABSOLUTE_MAX_CHARS])
        if signal is None and len(message) > max_chars:
            return done(
                Answer(outcome="clarify", lang=reply_lang, text=text("too_long", reply_lang, max=max_chars)), "too long"
            )
        if signal is not None:
            return done(
                compose_mod.crisis(reply_lang, signal, self._helpline_citations(reply_lang)),
                f"crisis:{signal.category}",
            )

        remainder, injected = strip_injection(message)
        if injected:
            log.info("prompt-injection text removed from a message")
        if is_privacy_lookup(message):
            return done(compose_mod.refusal(reply_lang, kind="privacy"), "privacy lookup")

        retr = self.retriever()
        builder = self._builder
        assert builder is not None
        query = builder.build(remainder, history=history)
        if injected and (not query.key_words or is_vague(remainder, query.key_words)):
            return done(compose_mod.refusal(reply_lang, kind="injection"), "injection only", query=query)
        if is_vague(remainder, query.key_words):
            return done(compose_mod.clarify(reply_lang), "nothing to search for", query=query)

        mode = retriever or self.settings.retrieval.mode
        t0 = time.perf_counter()
        k = max(self.settings.retrieval.k, 10)
        if mode == "naive":
            passages = self._naive_retriever().search(remainder, k=k)
        else:
            passages = retr.search(query, mode=mode, k=k, lang=reply_lang)
        timings["retrieve"] = round((time.perf_counter() - t0) * 1000, 1)

        # The composer gets the k best source passages plus the best cards (ranked in their own pool).
        top = [p for p in passages if p.meta.kind != "card"][: self.settings.retrieval.k]
        top += [p for p in passages if p.meta.kind == "card"]
        # A follow-up ("en hoe maak ik daar bezwaar tegen?") inherits the topic of the earlier question.
        topic = " ".join([*(history or [])[-2:], remainder]) if query.follow_up else remainder
        found_terms = self.glossary.find(topic)
        evidence = compose_mod.assess(
            query,
            # Evidence is measured on the source documents: cards are written in parents' words and
            # would make anything school-like look well supported.
            [p for p in top if p.meta.kind != "card"],
            analyzer=self.analyzer,
            vocabulary=lambda w: w in retr.vocabulary,
            glossary_terms=found_terms,
            lang=reply_lang,
        )
        decision = self._decide(evidence, reply_lang, remainder, top)
        if decision != "answer":
            referral = self.referrals.match(remainder)
            kind = "off_topic" if referral is not None and referral.id == "huiswerk" else "no_evidence"
            return done(
                compose_mod.refusal(reply_lang, kind=kind, referral=referral),
                decision,
                passages=passages,
                query=query,
                evidence=evidence,
                retriever=mode,
            )

        t0 = time.perf_counter()
        answer = compose_mod.compose(
            query,
            top,
            lang=reply_lang,
            analyzer=self.analyzer,
            idf=self._idf,
            glossary=self.glossary,
            settings=self.settings.answer,
            freshness=self.settings.freshness,
            today=self._today(),
            steps=self._steps(remainder, reply_lang),
        )
        timings["compose"] = round((time.perf_counter() - t0) * 1000, 1)
        return done(answer, "answer", passages=passages, query=query, evidence=evidence, retriever=mode)

    def _decide(self, ev: Evidence, lang: str, message: str, passages: list[Passage]) -> str:
        """'answer', or the reason to refuse. Thresholds are settings calibrated on the dev set.

        Evidence is strong when the best passage is close in meaning (dense) or shares rare words
        (BM25); a question that names passend-onderwijs terms (the glossary) needs less. A question
        about a topic we refer elsewhere (holidays, tax, medicine...) without any domain term is
        refused unless the evidence is very strong. Contact details must literally be in a source.
        """
        s = self.settings.answer
        if not passages:
            return "refuse: nothing retrieved"
        if asks_for_contact(message) and not any(_PHONE_OR_MAIL.search(p.chunk.text) for p in passages[:3]):
            return "refuse: contact details not in the sources"
        # A disagreement with the school is in scope even in everyday words: the ladder is our evidence.
        has_terms = bool(ev.domain_terms) or self.ladder.applies(message)
        strong = ev.dense_top >= s.min_dense + 0.03 or ev.bm25_top >= s.min_bm25 * 2
        if self.referrals.match(message) is not None and not has_terms and not strong:
            return "refuse: a topic outside passend onderwijs"
        if lang != "nl" and not has_terms:
            return "answer" if strong else "refuse: no domain terms and a weak match"
        if has_terms:
            return "answer" if ev.dense_top >= s.min_dense - 0.02 else "refuse: weak match"
        if ev.dense_top >= s.min_dense and ev.bm25_top >= s.min_bm25:
            return "answer"
        return f"refuse: weak match (dense {ev.dense_top:.3f}, bm25 {ev.bm25_top:.1f})"

    def _steps(self, message: str, lang: str) -> list[Step]:
        """Escalation steps for disagreements, diploma routes for diploma questions, else none."""
        if self.ladder.applies(message):
            steps, _ = self.ladder.steps_for(message, lang=lang)
            return steps
        if self.diploma_routes.applies(message):
            return self.diploma_routes.matching(message, lang=lang)
        return []

    def record(self, result: AskResult, *, question: str, channel: str, chat: str) -> bool:
        """Write the audit record of one answer: what was asked (redacted), what was cited, by what code."""
        by_chunk = {p.chunk.id: p for p in result.passages}
        cited = []
        for c in result.answer.citations:
            passage = by_chunk.get(c.chunk_id)
            body = passage.chunk.text if passage is not None else c.quote
            cited.append(
                {
                    "n": str(c.n),
                    "source_id": c.source_id,
                    "chunk_id": c.chunk_id,
                    "content_hash": hashlib.sha256(body.encode("utf-8")).hexdigest()[:16],
                }
            )
        return self.storage.audit(
            answer_id=result.answer.answer_id,
            chat=chat or "-",
            channel=channel,
            question=question,
            outcome=result.answer.outcome,
            lang=result.answer.lang,
            decision=result.decision,
            cited=cited,
            retriever=result.retriever,
            embedder=self.embedder.name,
            code_version=self.code_version,
        )

    def _helpline_citations(self, lang: str) -> list[Citation]:
        """The help-line card as the citation under a crisis reply (when the index is there)."""
        try:
            retr = self.retriever()
        except (IndexMissing, StoreUnavailable):
            return []
        for wanted in (f"{HELPLINE_CARD}.{lang}", HELPLINE_CARD):
            for sc in retr.chunks:
                if sc.meta.id == wanted:
                    return [
                        Citation(
                            n=1,
                            source_id=sc.meta.id,
                            title=sc.meta.title,
                            publisher=sc.meta.publisher,
                            published=sc.meta.published,
                            url=sc.meta.url,
                            quote="",
                            kind=sc.meta.kind,
                            checked=sc.meta.checked,
                            sources=list(sc.meta.sources),
                        )
                    ]
        return []

    def _naive_retriever(self) -> object:
        from bot.naive import NaiveRetriever

        with self._lock:
            if self._naive is None:
                self._naive = NaiveRetriever(self.settings, self.embedder)
            return self._naive
