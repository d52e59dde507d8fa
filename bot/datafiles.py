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


def read_translations(i18n_dir: Path | None, name: str, known: set[str]) -> dict[str, dict[str, Any]]:
    """Translations of one table, ``<i18n_dir>/<lang>/<name>.yaml`` (mappings: entry key -> texts), per
    language. A missing folder or file means no translation (the English text is shown instead).

    Raises ConfigError for a file that is not a mapping or names a key the Dutch table does not have:
    a renamed step or term must not silently lose its translation."""
    out: dict[str, dict[str, Any]] = {}
    if i18n_dir is None or not i18n_dir.is_dir():
        return out
    for lang_dir in sorted(p for p in i18n_dir.iterdir() if p.is_dir()):
        path = lang_dir / f"{name}.yaml"
        if not path.exists():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"i18n/{lang_dir.name}/{path.name}: not valid YAML ({exc.__class__.__name__})") from None
        if not isinstance(data, dict):
            raise ConfigError(f"i18n/{lang_dir.name}/{path.name}: expected a mapping of key -> texts")
        unknown = sorted(str(k) for k in data if str(k) not in known)
        if unknown:
            raise ConfigError(f"i18n/{lang_dir.name}/{path.name}: unknown keys {', '.join(unknown)}")
        out[lang_dir.name] = {str(k): v for k, v in data.items()}
    return out
