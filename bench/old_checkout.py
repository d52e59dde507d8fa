"""The crisis check of an older checkout (its single ``bot/safety.py``), for before/after comparisons.

Used by ``safety_before.py``, ``safety_hardest.py`` and ``safety_fresh.py``; make the checkout with
``git worktree add /tmp/before f828cfc``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

from bot.safety.detector import SafetyReport


def old_inspect(code: str | Path) -> Callable[[str], SafetyReport]:
    """The old phrase-list detector of the checkout at ``code``, shaped like ``SafetyCheck.inspect``.
    It had no misuse layer, so ``misuse`` is always False."""
    spec = importlib.util.spec_from_file_location("old_safety", Path(code) / "bot" / "safety.py")
    assert spec and spec.loader
    old = importlib.util.module_from_spec(spec)
    sys.modules["old_safety"] = old  # dataclasses look their module up while the class is built
    spec.loader.exec_module(old)

    def inspect(text: str) -> SafetyReport:
        return SafetyReport(signal=old.detect_crisis(text), misuse=False)

    return inspect
