"""Redaction: what parents write about their children is redacted before anything is logged or stored."""

from __future__ import annotations

import pytest
import yaml

from bot.redact import redact
from tests.conftest import DATA

CASES = yaml.safe_load((DATA / "redaction.yaml").read_text(encoding="utf-8"))


def test_the_case_list_is_broad() -> None:
    assert len(CASES["positives"]) >= 40 and len(CASES["negatives"]) >= 40


@pytest.mark.parametrize(("raw", "expected"), CASES["positives"], ids=lambda v: str(v)[:40])
def test_personal_data_is_redacted(raw: str, expected: str) -> None:
    assert redact(raw) == expected


@pytest.mark.parametrize("raw", CASES["negatives"], ids=lambda v: str(v)[:40])
def test_ordinary_words_survive(raw: str) -> None:
    assert redact(raw) == raw
