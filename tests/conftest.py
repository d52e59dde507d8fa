"""Shared fixtures: settings pointing at temporary folders, small real corpora, one real index of the
whole knowledge base (built once per session with the real embedder), and a real ``chroma run`` server.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
VENV_BIN = Path(sys.executable).parent


def make_settings(root: Path, *, knowledge: Path | None = None, **overrides: Any) -> Settings:
    """Settings whose every written path is under ``root``; ``knowledge`` replaces the knowledge folder."""
    env = {
        "OUDERWIJZER_STORE__PATH": str(root / "chroma"),
        "OUDERWIJZER_PATHS__DATA_DIR": str(root / "data"),
        "OUDERWIJZER_STORAGE__SQLITE_PATH": str(root / "ouderwijzer.db"),
    }
    if knowledge is not None:
        env.update(
            {
                "OUDERWIJZER_PATHS__SOURCES_DIR": str(knowledge / "sources"),
                "OUDERWIJZER_PATHS__MANIFEST": str(knowledge / "sources.yaml"),
                "OUDERWIJZER_PATHS__UNITS_DIR": str(knowledge / "units"),
                "OUDERWIJZER_PATHS__OFFTOPIC": str(knowledge / "offtopic.yaml"),
                "OUDERWIJZER_PATHS__SEED_DIR": str(knowledge / "index-seed"),
            }
        )
    return load_settings(REPO / "config.yaml", environ=env, overrides=overrides or None)


SMALL_DOCS = {
    "tlv.txt": (
        "Toelaatbaarheidsverklaring\n\n"
        "Voor een plek in het speciaal basisonderwijs is een toelaatbaarheidsverklaring nodig. "
        "Het samenwerkingsverband beslist over de aanvraag. De school vraagt de verklaring aan, "
        "niet de ouders.\n\nBezwaar\n\nOuders die het niet eens zijn met het besluit kunnen bezwaar maken "
        "bij het samenwerkingsverband.\n"
    ),
    "zorgplicht.txt": (
        "Zorgplicht\n\nDe school waar ouders hun kind aanmelden heeft zorgplicht. De school zoekt een "
        "passende plek, op de eigen school of op een andere school. Ouders hoeven niet zelf alle scholen "
        "af te gaan.\n"
    ),
}
SMALL_MANIFEST = """\
- id: tlv
  file: tlv.txt
  title: "Over de TLV"
  publisher: Test
  published: "2024"
- id: zorgplicht
  file: zorgplicht.txt
  title: "Over zorgplicht"
  publisher: Test
  published: "2023"
"""


@pytest.fixture
def small_knowledge(tmp_path: Path) -> Path:
    """A two-document knowledge folder (real files, real manifest, no answer units)."""
    root = tmp_path / "knowledge"
    (root / "sources").mkdir(parents=True)
    for name, body in SMALL_DOCS.items():
        (root / "sources" / name).write_text(body, encoding="utf-8")
    (root / "sources.yaml").write_text(SMALL_MANIFEST, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings over a real index of the whole knowledge base (documents + answer units), built once."""
    from ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("corpus-index")
    settings = make_settings(root)
    reuse = os.environ.get("TEST_INDEX_COPY")
    if reuse:
        # Local speed-up: start from a copy of an index built earlier; ingest then only adds what changed.
        shutil.copytree(reuse, settings.store.path)
    report = ingest(settings)
    assert report.errors == [], report.errors
    return settings


@pytest.fixture(scope="session")
def service(corpus_settings: Settings) -> Any:
    """One warmed-up answering service over the real index."""
    from bot.service import Service

    svc = Service(corpus_settings)
    svc.warm_up()
    return svc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_app(app: Any, *, limits: Any = None) -> Iterator[str]:
    """An ASGI app under real uvicorn (our server configuration) in a thread; yields its base URL."""
    import uvicorn

    from bot.channels.web.server import server_config

    port = free_port()
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port, limits=limits))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def serve_process(settings: Settings, *extra: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``ouderwijzer serve`` as a real process on ``settings``' index and database; yields the process and
    its base URL once ``/readyz`` answers 200 (or after 180 s), and kills it if it is still running after."""
    import httpx

    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OUDERWIJZER_")},
        "OUDERWIJZER_STORE__PATH": str(settings.store.path),
        "OUDERWIJZER_PATHS__DATA_DIR": str(settings.paths.data_dir),
        "OUDERWIJZER_STORAGE__SQLITE_PATH": str(settings.storage.sqlite_path),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()


class ChromaServer:
    """A real ``chroma run`` server on a free port, stoppable and restartable (for fault tests)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = path.parent / "chroma-server.log"

    def start(self, timeout: float = 30.0) -> None:
        chroma = shutil.which("chroma", path=str(VENV_BIN)) or "chroma"
        log = self.log.open("ab")
        self.proc = subprocess.Popen(
            [chroma, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"chroma run exited early; see {self.log}") from None
                time.sleep(0.2)
        raise RuntimeError("chroma run did not start in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A real Chroma server for HTTP mode, stopped after the test."""
    server = ChromaServer(tmp_path / "chroma-server-data")
    server.path.mkdir()
    server.start()
    try:
        yield server
    finally:
        server.stop()
