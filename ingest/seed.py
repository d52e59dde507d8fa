"""A committed seed of embeddings, by content hash, so a clean clone does not embed everything again.

Every text that ingest embeds is keyed by ``sha256(embedder, side, text)`` (side: passage or query).
``knowledge/index-seed/<embedder>.npz`` holds the keys and the vectors (float16: a cosine moves by about
0.001). Ingest looks a text up here before it calls the embedder; ``ouderwijzer ingest --write-seed``
writes the seed from the finished index. A stale or missing seed only costs time: whatever is not in
it is embedded as usual, so the seed can never change what the index holds beyond float16 rounding.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def seed_path(folder: Path, embedder_name: str) -> Path:
    """Where the seed for this embedder lives."""
    return folder / (re.sub(r"[^A-Za-z0-9._-]+", "_", embedder_name) + ".npz")


def key(embedder_name: str, side: str, text: str) -> str:
    """Content key of one embedded text."""
    return hashlib.sha256(f"{embedder_name}\x1f{side}\x1f{text}".encode()).hexdigest()[:32]


class Seed:
    """Vectors by content key, read once; lookups return float32 rows."""

    def __init__(self, vectors: dict[str, np.ndarray] | None = None) -> None:
        self.vectors = vectors or {}
        self.hits = 0

    @classmethod
    def load(cls, path: Path) -> Seed:
        """The seed at ``path``; an empty seed when there is none or it cannot be read."""
        if not path.exists():
            return cls()
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = [str(k) for k in data["keys"]]
                rows = data["vectors"].astype(np.float32)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("embedding seed %s unreadable (%s); embedding everything", path.name, exc.__class__.__name__)
            return cls()
        return cls(dict(zip(keys, rows, strict=True)))

    def get(self, k: str) -> np.ndarray | None:
        vec = self.vectors.get(k)
        if vec is not None:
            self.hits += 1
        return vec


def write_seed(path: Path, items: Iterable[tuple[str, np.ndarray]]) -> int:
    """Write ``(key, vector)`` pairs as the seed; returns how many."""
    pairs = sorted(dict(items).items())
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = np.array([k for k, _ in pairs])
    vectors = np.stack([np.asarray(v, dtype=np.float16) for _, v in pairs]) if pairs else np.zeros((0, 0), np.float16)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, keys=keys, vectors=vectors)
    tmp.replace(path)
    return len(pairs)
