"""Reads the YAML tables in ``knowledge/`` and ``bot/data/``: one place that turns a broken file into a
``ConfigError`` a maintainer can act on (file name, entry number, the keys it lacks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError


def read_entries(path: Path, required: tuple[str, ...]) -> list[dict[str, Any]]:
    """The entries of a YAML list file; a missing file is an empty table (the feature is simply off).

    Raises ConfigError when the file is not valid YAML, is not a list, or an entry lacks a required key.
    """
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name}: not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, list):
        raise ConfigError(f"{path.name}: expected a list of entries")
    for i, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or not all(entry.get(key) for key in required):
            raise ConfigError(f"{path.name}: entry {i} needs at least {', '.join(repr(k) for k in required)}")
    return data
