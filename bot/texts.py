"""Every fixed sentence the assistant says, per language, read once from ``bot/data/texts.yaml``.

Facts never live here: these are frames (intros, refusals, errors, Telegram UX). Crisis replies have
their own table (``bot/data/crisis.yaml``) because their order depends on the case. Every channel
(Telegram, the web API, the widget) reads the same table, so a sentence is translated once.
``text(key, lang, **values)`` falls back to English, then Dutch, when a translation is missing.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.errors import ConfigError

TEXTS_FILE = Path(__file__).resolve().parent / "data" / "texts.yaml"
LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")


def load_table(path: Path) -> dict[str, dict[str, str]]:
    """A two-level table of strings from YAML (key -> key -> text); unreadable is a ``ConfigError``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"texts {path.name} unreadable: {exc.__class__.__name__}") from None
    return {str(k): {str(k2): str(v) for k2, v in inner.items()} for k, inner in data.items()}


@lru_cache(maxsize=2)
def table(path: Path = TEXTS_FILE) -> dict[str, dict[str, str]]:
    """The whole text table: key -> language -> sentence."""
    return load_table(path)


def text(key: str, lang: str, **values: object) -> str:
    """The fixed text ``key`` in ``lang`` (English, then Dutch, when missing), with ``values`` filled in."""
    variants = table()[key]
    template = variants.get(lang)
    if template is None:
        template = variants.get("en") or variants["nl"]
    return template.format(**values) if values else template


def has_translation(key: str, lang: str) -> bool:
    """True when ``key`` has its own text in ``lang`` (used by a test that checks every language)."""
    return lang in table()[key]


def for_language(lang: str, keys: tuple[str, ...] | None = None) -> dict[str, str]:
    """Texts in one language (with fallbacks), e.g. the labels the widget shows."""
    return {k: text(k, lang) for k in (keys or tuple(table()))}
