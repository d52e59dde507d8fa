"""The one entry point every channel calls: ``Service.reply(chat, message, channel, lang)``.

(Over 500 lines on purpose: this is the one place where a message's whole trip can be read in order;
the steps themselves live in their own modules: safety, asks, retrieve, evidence, proofs, compose,
next_steps.)

A conversation turn (``reply``): the chat's history and language from storage; a first question
through the answer cache (identical questions in flight computed once); ``ask``; remember the question
unless it was a crisis. Over the rate limit only a crisis is answered. One message (``ask``): clean the
text; crisis check (help lines first, always); another language we do not speak; strip prompt-injection
orders; refuse lookups of another child's records and requests to forge or deceive; ask back when there
is nothing to search for; split into asks; retrieve passages and answer units; measure the evidence;
answer first with citations, or refuse and say who can help. The service owns the embedder, the store
and the in-memory indexes; it reloads them when an ingest swapped the index, and builds it when missing.
"""

from __future__ import annotations

import dataclasses
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

import numpy as np

from bot import compose as compose_mod
from bot import evidence as evidence_mod
from bot.asks import Ask, AskPlan, plan_asks
from bot.cache import AnswerCache
from bot.compose import AskAnswer, Proof
from bot.errors import IndexMissing, StoreUnavailable
from bot.evidence import Evidence
from bot.glossary import Glossary
from bot.intents import Referrals, asks_for_contact, is_privacy_lookup, is_vague, strip_injection
from bot.language import detect_language, normalise_language, unsupported_language
from bot.models import Answer, Citation, Passage, Step
from bot.next_steps import DiplomaRoutes, Ladder, situation_of
from bot.proofs import MAX_PROOFS, fallback_sentence, measure_proofs, rank_passages, retrieved_proof
from bot.query import Analyzer, Query, QueryBuilder
from bot.retrieve import Retriever, UnitMatch
from bot.safety.commands import detector as safety_detector
from bot.safety.detector import CrisisSignal
from bot.settings import AnswerSettings, Settings
from bot.storage import Storage, code_version
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
#: How often (seconds) the service checks whether an ingest swapped the index.
RELOAD_CHECK_SECONDS = 15.0
#: The answer unit cited under a crisis reply (it lists the help lines and their sources).
HELPLINE_UNIT = "veiligheid-welk-nummer"
#: Passages handed back for the eval and the staff console (mrr looks at the first 10).
RESULT_PASSAGES = 12


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
    asks: list[AskAnswer] = field(default_factory=list)
    candidates: list[list[UnitMatch]] = field(default_factory=list)  # per ask, the best units (accepted or not)
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
        self.glossary = Glossary.load(settings.paths.glossary, settings.paths.i18n_dir)
        self.safety = safety_detector(settings, embedder=self.embedder)
        self.referrals = Referrals.load(settings.paths.referrals)
        self.ladder = Ladder.load(settings.paths.routes_dir / "escalation.yaml", settings.paths.i18n_dir)
        self.diploma_routes = DiplomaRoutes.load(settings.paths.routes_dir / "diploma.yaml", settings.paths.i18n_dir)
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
        self._proofs: dict[str, list[Proof]] = {}
        self.cache: AnswerCache[AskResult] = AnswerCache(settings.server.answer_cache_size)

    # ----- index lifecycle --------------------------------------------------------------------
    def ensure_index(self, notify: Callable[[str], None] | None = None) -> IngestReport | None:
        """Build the index when there is none yet (first run on a fresh clone)."""
        if self.store.info() is not None:
            return None
        if notify:
            notify("Er is nog geen index: die wordt nu eenmalig gebouwd (ongeveer een halve minuut)...")
        report = ingest(self.settings)
        if notify:
            notify(
                f"Index klaar: {report.chunks_total} passages uit {report.documents} documenten "
                f"en {report.units} antwoordkaarten."
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
            try:
                info = self.store.require(chunker=chunker_fingerprint(self.settings.chunking))
            except StoreUnavailable:
                # An index held in memory keeps answering while the store is away; a swap waits for it.
                if self._retriever is None or not self._retriever.in_memory:
                    raise
                log.warning("store unavailable: answering from the index in memory (%s)",
                            self._retriever.info.collection)
                self._checked_at = time.monotonic()
                return self._retriever
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
        self._proofs = measure_proofs(
            retriever, analyzer=self.analyzer, idf=self._idf, min_support=self.settings.answer.min_quote_support
        )
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
        if self.safety.embedder is not None:
            self.safety.embedder.query("warm-up")  # the crisis check's second encoder loads on first use
        _ = retriever.chunks

    def ready(self) -> bool:
        """True when questions can be answered: the index is loaded and searched in memory, or the store
        answers (for /readyz; ``store_up`` says whether the store itself is reachable)."""
        try:
            retriever = self.retriever()
            return retriever.in_memory or self.store.heartbeat()
        except (IndexMissing, StoreUnavailable):
            return False
        except Exception:
            log.warning("readiness check failed", exc_info=True)
            return False

    def store_up(self) -> bool:
        """Whether the vector store answers now (ingest and index swaps need it; answers may not)."""
        try:
            return self.store.heartbeat()
        except Exception:
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

    def crisis_check(self, message: str) -> bool:
        """True when the message is about a child in danger (channels use it to skip rate limits)."""
        return self.safety.check(clean_input(message or "")[:ABSOLUTE_MAX_CHARS]) is not None

    # ----- the conversation ---------------------------------------------------------------------
    def reply(
        self,
        *,
        chat: str,
        message: str,
        channel: str,
        lang: str | None = None,
        max_chars: int = ABSOLUTE_MAX_CHARS,
        limited: bool = False,
        answer_id: str | None = None,
    ) -> AskResult:
        """One turn of a conversation, for every channel: clean, crisis first, history, ask, remember.

        Args:
            chat: the storage key of the conversation (``Storage.chat_key(channel, id)``).
            message: what the parent wrote, as received.
            channel: "telegram", "web", "cli", ...
            lang: a reply language the parent chose; else the chat's chosen language; else detected.
            max_chars: the channel's length limit (a crisis is still answered when a message is longer).
            limited: the channel's rate limit is reached: only a crisis is answered (help lines are
                never refused); anything else gets "please wait".
            answer_id: the id the answer (and its audit record and log lines) should carry, e.g. the
                channel's request id; a new one when None.

        Raises:
            StoreUnavailable, IndexMissing: with ``.lang`` set to the reply language.
        """
        message = clean_input(message or "")
        state = self.storage.get_state(chat)
        reply_lang = normalise_language(lang) or state.lang or detect_language(message, fallback="nl")
        if limited:
            # Patterns first (1 ms): a flood of refused requests must stay cheap; the classifier only
            # looks at what the patterns do not already call a crisis.
            signal = (
                self.safety.check(message[:ABSOLUTE_MAX_CHARS])
                if not self.safety.quick(message)
                else self.safety.inspect(message[:ABSOLUTE_MAX_CHARS], classifier=False).signal
            )
            if signal is None:
                return AskResult(
                    answer=Answer(
                        outcome="clarify",
                        lang=reply_lang,
                        text=text("rate_limited", reply_lang),
                        answer_id=answer_id or uuid.uuid4().hex[:12],
                    ),
                    decision="rate limited",
                )
            # Over the limit but in danger: the help lines, without another audit row (bounded storage).
            return AskResult(
                answer=compose_mod.crisis(reply_lang, signal, self._helpline_citations(reply_lang)),
                decision="crisis (over the rate limit, not stored)",
            )
        turns = self.settings.retrieval.history_turns
        history = state.history[-turns:] if turns else []

        def compute() -> AskResult:
            return self.ask(
                message,
                history=history or None,
                lang=normalise_language(lang) or state.lang,
                max_chars=max_chars,
                channel=channel,
                chat=chat,
                answer_id=answer_id,
            )

        fresh = True
        try:
            if history or self.cache.size <= 0:
                result = compute()
            else:
                key = (message, normalise_language(lang) or state.lang or "", self.retriever().info.collection)
                result, fresh = self.cache.get_or_compute(key, compute, keep=lambda r: r.answer.outcome == "answer")
        except (StoreUnavailable, IndexMissing) as exc:
            exc.lang = reply_lang  # type: ignore[attr-defined]  # the channel says "try again later" in it
            raise
        if not fresh:  # another parent's identical first question: same answer, own id and audit row
            answer = result.answer.model_copy(deep=True, update={"answer_id": answer_id or uuid.uuid4().hex[:12]})
            result = dataclasses.replace(result, answer=answer, decision=f"{result.decision} (cached)")
            self.record(result, question=message, channel=channel, chat=chat)
        if result.answer.outcome not in ("crisis", "clarify"):
            self.storage.remember_question(chat, channel, message, keep=turns)
        return result

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
        answer_id: str | None = None,
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

        unsure: CrisisSignal | None = None

        def done(answer: Answer, decision: str, **kw: object) -> AskResult:
            if unsure is not None:
                # The classifier alone saw danger, below its sure threshold: help lines first, then the answer.
                if not answer.citations:
                    # No answer below them (nothing fits well enough): the help lines still cite their source.
                    answer = answer.model_copy(update={"citations": self._helpline_citations(reply_lang)})
                answer = compose_mod.crisis_then_answer(reply_lang, unsure, answer)
                decision = f"crisis (unsure, {unsure.score:.2f}) then {decision}"
            answer.answer_id = answer_id or uuid.uuid4().hex[:12]
            timings["total"] = round((time.perf_counter() - started) * 1000, 1)
            result = AskResult(answer=answer, decision=decision, timings_ms=timings, **kw)  # type: ignore[arg-type]
            if audit:
                self.record(result, question=message, channel=channel, chat=chat)
            return result

        if not message:
            return done(Answer(outcome="clarify", lang=reply_lang, text=text("empty", reply_lang)), "empty")
        # Crisis before anything else, also in a message that is too long for an answer.
        t0 = time.perf_counter()
        safety = self.safety.inspect(message[:ABSOLUTE_MAX_CHARS])
        timings["safety"] = round((time.perf_counter() - t0) * 1000, 1)
        if safety.signal is not None and not safety.signal.sure:
            unsure = safety.signal
        elif safety.signal is not None:
            signal = safety.signal
            return done(
                compose_mod.crisis(reply_lang, signal, self._helpline_citations(reply_lang)),
                f"crisis:{'+'.join(signal.categories)} ({'+'.join(signal.layers)})",
            )
        if len(message) > max_chars:
            return done(
                Answer(outcome="clarify", lang=reply_lang, text=text("too_long", reply_lang, max=max_chars)), "too long"
            )
        other = None if normalise_language(lang) else unsupported_language(message)
        if other is not None:
            return done(
                Answer(
                    outcome="clarify",
                    lang="en",
                    text="\n\n".join(text("unsupported_language", code, language=other) for code in ("en", "nl")),
                ),
                f"language: {other}",
            )
        remainder, injected = strip_injection(message)
        if injected:
            log.info("prompt-injection text removed from a message")
        if is_privacy_lookup(message):
            return done(compose_mod.refusal(reply_lang, kind="privacy"), "privacy lookup")
        if safety.misuse:
            # Next to a doubtful alarm the help lines still come first (``done`` puts them above) and the
            # request is refused below them: the misuse head also fires on real crises buried in a request
            # ("write my mentor that I won't come to the OPP meeting on Thursday" + a goodbye), so a refusal
            # must never take the help lines' place.
            return done(compose_mod.refusal(reply_lang, kind="misuse"), "misuse: forge, deceive or look up others")

        retr = self.retriever()
        builder = self._builder
        assert builder is not None
        query = builder.build(remainder, history=history)
        if injected and (not query.key_words or is_vague(remainder, query.key_words)):
            return done(compose_mod.refusal(reply_lang, kind="injection"), "injection only", query=query)
        if is_vague(remainder, query.key_words):
            return done(compose_mod.clarify(reply_lang), "nothing to search for", query=query)

        mode = retriever or self.settings.retrieval.mode
        s = self._answer_settings(strict=unsure is not None)
        plan = plan_asks(remainder, lang=detect_language(remainder, fallback=reply_lang))
        if query.follow_up and history:
            earlier = " ".join(history[-2:])
            plan.asks = [
                Ask(text=a.text, kind=a.kind, context=f"{earlier} {a.context}".strip(), question=a.question)
                for a in plan.asks
            ]
        t0 = time.perf_counter()
        if mode == "naive":
            passages = self._naive_retriever().search(remainder, k=RESULT_PASSAGES)
            candidates: list[list[UnitMatch]] = [[] for _ in plan.asks]
        else:
            passages, candidates = self._retrieve(query, plan, retr, mode, s)
        timings["retrieve"] = round((time.perf_counter() - t0) * 1000, 1)

        topic = " ".join([*(history or [])[-2:], remainder]) if query.follow_up else remainder
        ev = evidence_mod.measure(
            query, passages, analyzer=self.analyzer, glossary_terms=self.glossary.find(topic), lang=reply_lang
        )
        ev.unit_similarity = max((c[0].similarity for c in candidates if c), default=0.0)
        on_topic = bool(ev.domain_terms) or ev.unit_similarity >= s.min_question_similarity
        answers = []
        said: list[UnitMatch] = []
        for ask, matches in zip(plan.asks, candidates, strict=True):
            best = evidence_mod.next_unit(matches, said, s, mode=mode)
            if best is not None:
                said.append(best)
                proofs = list(self._proofs.get(best.unit.id, []))
                if len(proofs) < MAX_PROOFS and (s.retrieved_quote_always or not proofs):
                    t = best.unit.texts["nl"]
                    found = retrieved_proof(
                        " ".join([t.question, t.answer, *t.support]), t.answer, passages,
                        analyzer=self.analyzer, idf=self._idf, min_support=s.min_retrieved_quote_support,
                        min_cover=s.min_retrieved_quote_cover, docs=s.retrieved_quote_docs,
                        exclude=frozenset(p.passage.meta.id for p in proofs),
                    )
                    proofs += [found] if found else []
                answers.append(AskAnswer(ask=ask, match=best, proofs=proofs))
            else:
                fallback = (
                    fallback_sentence(ask, passages, analyzer=self.analyzer, idf=self._idf)
                    if evidence_mod.passages_answer(ev, s, on_topic=on_topic)
                    else None
                )
                answers.append(AskAnswer(ask=ask, fallback=fallback))
        referral = self.referrals.match(remainder)
        decision = evidence_mod.decide(
            answered_asks=sum(a.answered for a in answers),
            ev=ev,
            s=s,
            referral=referral is not None,
            asks_contact=any(asks_for_contact(a.ask.shown) for a in answers),
            on_topic=on_topic,
            contact_texts=[
                " ".join([t.answer, *t.support, t.next_step])
                for a in answers
                if a.match and asks_for_contact(a.ask.shown)
                for t in [a.match.unit.text(reply_lang)]
            ],
        )
        extra = {
            "passages": passages,
            "query": query,
            "evidence": ev,
            "retriever": mode,
            "asks": answers,
            "candidates": candidates,
        }
        if not decision.answer:
            kind = "off_topic" if referral is not None and referral.id == "huiswerk" else "no_evidence"
            return done(
                compose_mod.refusal(reply_lang, kind=kind, referral_text=referral.text(reply_lang) if referral else ""),
                decision.reason,
                **extra,
            )
        t0 = time.perf_counter()
        answer = compose_mod.compose(
            plan,
            answers,
            lang=reply_lang,
            unit_chunks={uid: retr.chunks[i].chunk.id for uid, i in retr.unit_chunk.items()},
            glossary=self.glossary,
            settings=s,
            freshness=self.settings.freshness,
            today=self._today(),
            steps=self._steps(plan, answers, remainder, reply_lang),
        )
        timings["compose"] = round((time.perf_counter() - t0) * 1000, 1)
        return done(answer, "answer", **extra)

    def _answer_settings(self, *, strict: bool) -> AnswerSettings:
        """The answer thresholds; ``strict`` under a doubtful alarm, where a unit that only roughly fits (a vso
        card for "does the school have a suicide protocol?") would read as a confident answer right below the
        help lines."""
        s = self.settings.answer
        if not strict or s.min_question_similarity_after_alarm <= s.min_question_similarity:
            return s
        return s.model_copy(update={"min_question_similarity": s.min_question_similarity_after_alarm})

    def _retrieve(
        self, query: Query, plan: AskPlan, retr: Retriever, mode: str, s: AnswerSettings
    ) -> tuple[list[Passage], list[list[UnitMatch]]]:
        """Passages (units that answer first, with their proofs) and, per ask, the best units."""
        r = self.settings.retrieval
        dense = mode in ("dense", "hybrid")
        # One embedding for the whole message (passages, and the topic of every ask) and one per ask
        # that is not the whole message: an ask is matched on its own words plus the message's topic,
        # so "wat hoort daar in te staan?" after a story about the OPP finds the OPP unit.
        ask_texts = [a.text for a in plan.asks]
        texts = list(dict.fromkeys([query.dense_text, *ask_texts]))
        vectors = dict(zip(texts, self.embedder.cached_queries(texts), strict=True)) if dense else {}
        whole = vectors.get(query.dense_text)
        docs, _ = retr.passages(query, mode=mode, vector=whole)
        candidates = []
        for ask in plan.asks:
            terms = self.analyzer.terms(" ".join([ask.search_text, *query.expansions]))
            vec = None
            if whole is not None:
                own = vectors[ask.text]
                # "klopt dat??" says nothing by itself: a short ask leans on the story around it.
                w = r.short_ask_topic_weight if ask.leans_on_context else r.ask_topic_weight
                vec = own + w * whole
                vec = vec / max(float(np.linalg.norm(vec)), 1e-9)
            candidates.append(retr.match_units(vec, terms, mode=mode))
        accepted = [c[0] for c in candidates if evidence_mod.unit_answers(c[0] if c else None, s, mode=mode)]
        return rank_passages(retr, docs, candidates, accepted, self._proofs, r, limit=RESULT_PASSAGES), candidates

    def _steps(self, plan: AskPlan, answers: list[AskAnswer], message: str, lang: str) -> list[Step]:
        """Escalation steps where the parent stands (only when they ask what to do or are in a dispute);
        diploma routes for diploma questions; else none."""
        units = [a.match.unit for a in answers if a.match is not None]
        if plan.wants_steps:
            situation = situation_of(message, (s for u in units for s in u.situations))
            if situation is not None or any(u.topic in ("escalatie", "geschillen", "klacht") for u in units):
                steps, _ = self.ladder.steps_for(situation, message, lang=lang)
                return steps
        if any(u.topic in ("diploma", "vso") for u in units):
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
        """The help-line unit as the citation under a crisis reply (when the index is there)."""
        try:
            retr = self.retriever()
        except (IndexMissing, StoreUnavailable):
            return []
        unit = retr.units.get(HELPLINE_UNIT)
        if unit is None:
            return []
        url = next((src for src in unit.sources if src.startswith("http")), "")
        return [
            Citation(
                n=1,
                source_id=unit.id,
                title=unit.text(lang).question,
                publisher=text("unit_publisher", lang),
                published=unit.checked,
                url=url,
                kind="unit",
                checked=unit.checked,
                sources=list(unit.sources),
            )
        ]

    def _naive_retriever(self) -> object:
        from bot.naive import NaiveRetriever

        with self._lock:
            if self._naive is None:
                self._naive = NaiveRetriever(self.settings, self.embedder)
            return self._naive
