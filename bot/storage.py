"""SQLite for the little we keep: feedback, minimal chat state, and the audit trail.

Privacy by construction: every text goes through ``redact`` before it is written; chats are stored
under a keyed hash of their id (never the raw Telegram chat id or web session id); rows older than
``privacy.retention_days`` are deleted; ``forget(chat)`` erases everything about one chat. A locked or
read-only database never stops answering: writes that fail are logged and reported as False.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.redact import redact

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    chat TEXT NOT NULL,
    channel TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feedback_chat ON feedback(chat);
CREATE TABLE IF NOT EXISTS chat_state (
    chat TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    lang TEXT,
    history TEXT NOT NULL DEFAULT '[]',
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    answer_id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    chat TEXT NOT NULL,
    channel TEXT NOT NULL,
    question TEXT NOT NULL,
    outcome TEXT NOT NULL,
    lang TEXT NOT NULL,
    decision TEXT NOT NULL DEFAULT '',
    cited TEXT NOT NULL DEFAULT '[]',
    retriever TEXT NOT NULL DEFAULT '',
    embedder TEXT NOT NULL DEFAULT '',
    code_version TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_chat ON audit(chat);
CREATE TABLE IF NOT EXISTS answer_memo (
    answer_id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    chat TEXT NOT NULL,
    channel TEXT NOT NULL,
    lang TEXT NOT NULL,
    outcome TEXT NOT NULL,
    citations TEXT NOT NULL DEFAULT '[]',
    rated INTEGER NOT NULL DEFAULT 0,
    forwarded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS answer_memo_chat ON answer_memo(chat);
"""

#: Tables with a ``chat`` column: what ``forget`` erases and ``count_for`` counts.
CHAT_TABLES = ("feedback", "chat_state", "audit", "answer_memo")


@dataclass(frozen=True)
class AnswerMemo:
    """What the buttons under one sent answer need (sources, feedback, hand-over): no text of the parent.

    ``citations`` are the answer's numbered sources as plain dicts (title, publisher, url, the quoted
    source sentence...): knowledge-base text only, so it is stored as is (redaction would garble dates
    in quotes). ``rated`` is the first vote (+1/-1, 0 for none); ``forwarded`` is True once a hand-over
    summary went to the staff chat.
    """

    answer_id: str
    lang: str
    outcome: str
    citations: list[dict[str, Any]]
    rated: int
    forwarded: bool
    created_at: float


@dataclass(frozen=True)
class ChatState:
    """What we remember of a conversation: its language and its last few (redacted) questions."""

    lang: str | None
    history: list[str]
    updated_at: float


class Storage:
    """All reads and writes of the SQLite file."""

    def __init__(self, path: Path, *, retention_days: int, context_ttl_minutes: int = 30) -> None:
        self.path = path
        self.retention_seconds = retention_days * 86400
        self.context_ttl_seconds = context_ttl_minutes * 60
        self._lock = threading.Lock()
        self._key = self._load_key()
        self._ensure_schema()

    # ----- plumbing ---------------------------------------------------------------------------
    def _load_key(self) -> bytes:
        """A per-installation secret for hashing chat ids (kept next to the database, mode 600)."""
        key_file = self.path.with_suffix(".key")
        try:
            if key_file.exists():
                return key_file.read_bytes()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            key = secrets.token_bytes(32)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key)
            return key
        except OSError:
            log.warning("cannot keep a key file next to %s; chat ids are hashed with a session key", self.path)
            return secrets.token_bytes(32)

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = sqlite3.connect(self.path, timeout=2.0)
            try:
                yield conn
                conn.commit()
            finally:
                conn.close()

    def _ensure_schema(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                # Created private (0600) before SQLite opens it: it holds what parents asked, redacted or not.
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            with self._conn() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(SCHEMA)
            for extra in (
                self.path,
                self.path.with_name(self.path.name + "-wal"),
                self.path.with_name(self.path.name + "-shm"),
            ):
                if extra.exists():
                    extra.chmod(0o600)
        except (sqlite3.Error, OSError) as exc:
            log.error("storage %s is not usable (%s); answering goes on without storing", self.path, exc)

    def _write(self, what: str, sql: str, params: tuple[Any, ...]) -> bool:
        # Text from broken clients can hold lone surrogates, which SQLite cannot store: drop them.
        params = tuple(p.encode("utf-8", "ignore").decode("utf-8") if isinstance(p, str) else p for p in params)
        try:
            with self._conn() as conn:
                conn.execute(sql, params)
            return True
        except (sqlite3.Error, OSError, ValueError) as exc:
            log.error("storage: could not save %s (%s)", what, exc)
            return False

    def chat_key(self, channel: str, chat_id: str | int) -> str:
        """Keyed hash of a chat id: stable for lookups, useless to anyone who reads the file."""
        digest = hmac.new(self._key, f"{channel}:{chat_id}".encode(), hashlib.sha256).hexdigest()
        return digest[:32]

    # ----- chat state -------------------------------------------------------------------------
    def get_state(self, chat: str) -> ChatState:
        """The chat's language and recent questions; history is empty once the context expired."""
        try:
            with self._conn() as conn:
                row = conn.execute(
                    "SELECT lang, history, updated_at FROM chat_state WHERE chat = ?", (chat,)
                ).fetchone()
        except (sqlite3.Error, OSError) as exc:
            log.error("storage: could not read chat state (%s)", exc)
            return ChatState(None, [], 0.0)
        if row is None:
            return ChatState(None, [], 0.0)
        lang, history, updated = row
        fresh = time.time() - updated <= self.context_ttl_seconds
        return ChatState(lang, json.loads(history) if fresh else [], updated)

    def remember_question(self, chat: str, channel: str, question: str, *, keep: int) -> bool:
        """Add a (redacted) question to the chat's recent history, keeping the last ``keep``."""
        state = self.get_state(chat)
        history = [*state.history, redact(question)[:500]][-keep:] if keep else []
        return self._write(
            "chat state",
            "INSERT INTO chat_state(chat, channel, lang, history, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(chat) DO UPDATE SET history = excluded.history, updated_at = excluded.updated_at",
            (chat, channel, state.lang, json.dumps(history, ensure_ascii=False), time.time()),
        )

    def set_language(self, chat: str, channel: str, lang: str | None) -> bool:
        """Remember the reply language a parent picked (None: detect again)."""
        return self._write(
            "language",
            "INSERT INTO chat_state(chat, channel, lang, history, updated_at) VALUES (?, ?, ?, '[]', ?) "
            "ON CONFLICT(chat) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at",
            (chat, channel, lang, time.time()),
        )

    # ----- feedback ---------------------------------------------------------------------------
    def add_feedback(
        self,
        *,
        chat: str,
        channel: str,
        answer_id: str,
        rating: int,
        comment: str = "",
        question: str = "",
        outcome: str = "",
    ) -> bool:
        """Store a thumbs up (+1) or down (-1), with an optional comment; texts are redacted.

        One vote per answer per chat: a second vote from the same chat replaces the first (a known
        chat only; votes under the placeholder chat "-" are kept side by side).
        """
        if rating not in (-1, 1):
            raise ValueError("rating must be -1 or 1")
        row = (time.time(), chat, channel, answer_id, rating, redact(comment)[:1000], redact(question)[:1000], outcome)
        row = tuple(p.encode("utf-8", "ignore").decode("utf-8") if isinstance(p, str) else p for p in row)
        try:
            with self._conn() as conn:
                if chat != "-":
                    conn.execute("DELETE FROM feedback WHERE chat = ? AND answer_id = ?", (chat, answer_id))
                conn.execute(
                    "INSERT INTO feedback(created_at, chat, channel, answer_id, rating, comment, question, outcome) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
            return True
        except (sqlite3.Error, OSError, ValueError) as exc:
            log.error("storage: could not save feedback (%s)", exc)
            return False

    def list_feedback(self, *, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        """Feedback for staff, one page: thumbs-down first, newest first."""
        try:
            with self._conn() as conn:
                rows = conn.execute(
                    "SELECT created_at, channel, answer_id, rating, comment, question, outcome FROM feedback "
                    "ORDER BY rating ASC, created_at DESC, id DESC LIMIT ? OFFSET ?",
                    (limit, offset),
                ).fetchall()
        except (sqlite3.Error, OSError) as exc:
            log.error("storage: could not read feedback (%s)", exc)
            return []
        keys = ("created_at", "channel", "answer_id", "rating", "comment", "question", "outcome")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def count_feedback(self) -> int:
        """How many feedback rows there are (for paging); -1 when the database cannot be read."""
        try:
            with self._conn() as conn:
                return int(conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])
        except (sqlite3.Error, OSError) as exc:
            log.error("storage: could not count feedback (%s)", exc)
            return -1

    # ----- audit ------------------------------------------------------------------------------
    def audit(
        self,
        *,
        answer_id: str,
        chat: str,
        channel: str,
        question: str,
        outcome: str,
        lang: str,
        decision: str,
        cited: list[dict[str, str]],
        retriever: str,
        embedder: str,
        code_version: str,
    ) -> bool:
        """Record why the assistant said what it said (question redacted)."""
        return self._write(
            "audit record",
            "INSERT OR REPLACE INTO audit(answer_id, created_at, chat, channel, question, outcome, lang, decision, "
            "cited, retriever, embedder, code_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                answer_id,
                time.time(),
                chat,
                channel,
                redact(question)[:2000],
                outcome,
                lang,
                decision[:300],
                json.dumps(cited, ensure_ascii=False),
                retriever,
                embedder,
                code_version,
            ),
        )

    def get_audit(self, answer_id: str) -> dict[str, Any] | None:
        """One audit record (used to attach a question to its feedback)."""
        rows = self.export_audit(answer_id=answer_id)
        return rows[0] if rows else None

    def answer_chat(self, answer_id: str) -> str | None:
        """The (hashed) chat an answer was given in, so only that chat can vote on it; None when unknown."""
        try:
            with self._conn() as conn:
                row = conn.execute("SELECT chat FROM audit WHERE answer_id = ?", (answer_id,)).fetchone()
        except (sqlite3.Error, OSError) as exc:
            log.error("storage: could not read the audit trail (%s)", exc)
            return None
        return str(row[0]) if row else None

    def export_audit(self, *, answer_id: str | None = None, since: float | None = None) -> list[dict[str, Any]]:
        """Audit records as dicts (for JSON-lines export); never includes the hashed chat key."""
        sql = (
            "SELECT answer_id, created_at, channel, question, outcome, lang, decision, cited, retriever, embedder, "
            "code_version FROM audit"
        )
        params: list[Any] = []
        if answer_id is not None:
            sql += " WHERE answer_id = ?"
            params.append(answer_id)
        elif since is not None:
            sql += " WHERE created_at >= ?"
            params.append(since)
        sql += " ORDER BY created_at"
        try:
            with self._conn() as conn:
                rows = conn.execute(sql, params).fetchall()
        except (sqlite3.Error, OSError) as exc:
            log.error("storage: could not read the audit trail (%s)", exc)
            return []
        keys = (
            "answer_id",
            "created_at",
            "channel",
            "question",
            "outcome",
            "lang",
            "decision",
            "cited",
            "retriever",
            "embedder",
            "code_version",
        )
        out = []
        for row in rows:
            item = dict(zip(keys, row, strict=True))
            item["cited"] = json.loads(item["cited"])
            out.append(item)
        return out

    # ----- answer memos (the buttons under a sent answer) -------------------------------------
    def save_memo(
        self,
        *,
        chat: str,
        channel: str,
        answer_id: str,
        lang: str,
        outcome: str,
        citations: list[dict[str, Any]],
        now: float | None = None,
    ) -> bool:
        """Keep what the buttons under one answer need, under the chat's hashed key (expires with retention)."""
        return self._write(
            "answer memo",
            "INSERT OR REPLACE INTO answer_memo(answer_id, created_at, chat, channel, lang, outcome, citations) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (answer_id, now or time.time(), chat, channel, lang, outcome, json.dumps(citations, ensure_ascii=False)),
        )

    def get_memo(self, chat: str, answer_id: str, *, now: float | None = None) -> AnswerMemo | None:
        """The memo of one answer of this chat; None when unknown, erased or past the retention period.

        Expired memos are never returned, whether or not a purge has run yet.
        """
        cutoff = (now or time.time()) - self.retention_seconds
        try:
            with self._conn() as conn:
                row = conn.execute(
                    "SELECT answer_id, lang, outcome, citations, rated, forwarded, created_at FROM answer_memo "
                    "WHERE answer_id = ? AND chat = ? AND created_at >= ?",
                    (answer_id, chat, cutoff),
                ).fetchone()
        except (sqlite3.Error, OSError) as exc:
            log.error("storage: could not read an answer memo (%s)", exc)
            return None
        if row is None:
            return None
        aid, lang, outcome, citations, rated, forwarded, created = row
        return AnswerMemo(aid, lang, outcome, json.loads(citations), int(rated), bool(forwarded), created)

    def rate_memo(self, chat: str, answer_id: str, rating: int) -> bool:
        """Record the first vote on an answer; False when it was already rated (or is unknown)."""
        if rating not in (-1, 1):
            raise ValueError("rating must be -1 or 1")
        return self._update_memo(
            "UPDATE answer_memo SET rated = ? WHERE answer_id = ? AND chat = ? AND rated = 0", (rating, answer_id, chat)
        )

    def mark_forwarded(self, chat: str, answer_id: str) -> bool:
        """Mark that a hand-over summary was sent for this answer; False when it already was (or is unknown)."""
        return self._update_memo(
            "UPDATE answer_memo SET forwarded = 1 WHERE answer_id = ? AND chat = ? AND forwarded = 0", (answer_id, chat)
        )

    def _update_memo(self, sql: str, params: tuple[Any, ...]) -> bool:
        # One statement with its own condition: a second process pressing the same button loses cleanly.
        try:
            with self._conn() as conn:
                return conn.execute(sql, params).rowcount == 1
        except (sqlite3.Error, OSError) as exc:
            log.error("storage: could not update an answer memo (%s)", exc)
            return False

    # ----- erasure and retention --------------------------------------------------------------
    def forget(self, chat: str) -> int:
        """Erase everything stored about one chat. Returns the number of rows deleted (-1 on failure)."""
        try:
            with self._conn() as conn:
                deleted = 0
                for table in CHAT_TABLES:
                    deleted += conn.execute(f"DELETE FROM {table} WHERE chat = ?", (chat,)).rowcount
            return deleted
        except (sqlite3.Error, OSError) as exc:
            log.error("storage: could not erase a chat (%s)", exc)
            return -1

    def count_for(self, chat: str) -> int:
        """How many rows mention this chat (for tests and the privacy message)."""
        try:
            with self._conn() as conn:
                return sum(
                    conn.execute(f"SELECT COUNT(*) FROM {t} WHERE chat = ?", (chat,)).fetchone()[0] for t in CHAT_TABLES
                )
        except (sqlite3.Error, OSError):
            return -1

    def purge_expired(self, *, now: float | None = None) -> int:
        """Delete rows older than the retention period. Returns how many were deleted."""
        cutoff = (now or time.time()) - self.retention_seconds
        try:
            with self._conn() as conn:
                deleted = conn.execute("DELETE FROM feedback WHERE created_at < ?", (cutoff,)).rowcount
                deleted += conn.execute("DELETE FROM audit WHERE created_at < ?", (cutoff,)).rowcount
                deleted += conn.execute("DELETE FROM chat_state WHERE updated_at < ?", (cutoff,)).rowcount
                deleted += conn.execute("DELETE FROM answer_memo WHERE created_at < ?", (cutoff,)).rowcount
            return deleted
        except (sqlite3.Error, OSError) as exc:
            log.error("storage: could not purge old rows (%s)", exc)
            return 0


def code_version() -> str:
    """Package version plus the git commit when running from a checkout (for the audit trail)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        base = version("ouderwijzer")
    except PackageNotFoundError:
        base = "0"
    head = Path(__file__).resolve().parents[2] / ".git" / "HEAD"
    try:
        ref = head.read_text(encoding="utf-8").strip()
        if ref.startswith("ref: "):
            ref = (head.parent / ref[5:]).read_text(encoding="utf-8").strip()
        return f"{base}+{ref[:10]}"
    except OSError:
        return base
