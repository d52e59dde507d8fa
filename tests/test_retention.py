"""Retention holds in every deployment: the web server alone purges at start-up, and so does the CLI."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bot.channels.web.app import create_app
from bot.storage import Storage
from tests.conftest import make_settings


def _age_everything(db: Path, days: int) -> None:
    old = time.time() - days * 86400
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit SET created_at = ?", (old,))
        conn.execute("UPDATE chat_state SET updated_at = ?", (old,))


def _rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(
            conn.execute("SELECT (SELECT COUNT(*) FROM audit) + (SELECT COUNT(*) FROM chat_state)").fetchone()[0]
        )


def test_a_web_only_server_purges_expired_rows_at_start(tmp_path: Path, service: Any) -> None:
    settings = make_settings(tmp_path)  # no Telegram token: the web server alone
    storage = Storage(settings.storage.sqlite_path, retention_days=settings.privacy.retention_days)
    storage.audit(
        answer_id="old1",
        chat="c",
        channel="web",
        question="q",
        outcome="answer",
        lang="nl",
        decision="",
        cited=[],
        retriever="hybrid",
        embedder="e",
        code_version="v",
    )
    storage.remember_question("c", "web", "een oude vraag", keep=2)
    _age_everything(settings.storage.sqlite_path, settings.privacy.retention_days + 1)
    assert _rows(settings.storage.sqlite_path) == 2
    service_here = type(service).__new__(type(service))
    service_here.__dict__.update(service.__dict__)
    service_here.storage = storage
    with TestClient(create_app(settings, service_here)):
        deadline = time.monotonic() + 10
        while _rows(settings.storage.sqlite_path) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert _rows(settings.storage.sqlite_path) == 0


def test_the_purge_command_deletes_only_what_expired(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    storage = Storage(settings.storage.sqlite_path, retention_days=settings.privacy.retention_days)
    storage.remember_question("old", "web", "oud", keep=2)
    _age_everything(settings.storage.sqlite_path, settings.privacy.retention_days + 1)
    storage.remember_question("new", "web", "nieuw", keep=2)
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "OUDERWIJZER_STORAGE__SQLITE_PATH": str(settings.storage.sqlite_path),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "purge"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("deleted 1 rows")
    assert _rows(settings.storage.sqlite_path) == 1


def test_the_database_file_is_private(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    Storage(settings.storage.sqlite_path, retention_days=30).remember_question("c", "web", "vraag", keep=2)
    assert settings.storage.sqlite_path.stat().st_mode & 0o077 == 0, "0600: no one else may read it"
