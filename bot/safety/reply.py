"""The crisis reply: the help lines that fit the case, first, in the writer's language.

Acute danger: 112 first. Suicide or self-harm: 113, with 112 when acute. Abuse: Veilig Thuis, with 112
when acute; abuse by school staff adds the vertrouwensinspecteur. A child writing gets words for a
child and De Kindertelefoon. Every first line names a help line and, if it is not 112 itself, says
when to call 112. Warm and short; school questions can wait. The sentences live in
``bot/data/crisis.yaml`` (checked numbers only).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.safety.detector import CrisisSignal
from bot.texts import load_table

CRISIS_TEXTS = Path(__file__).resolve().parent.parent / "data" / "crisis.yaml"
#: Numbers one of which every first line holds (the eval checks this).
HELP_LINES = ("112", "0800-0113", "0800-2000", "0800-0432")


@lru_cache(maxsize=2)
def _texts(path: Path = CRISIS_TEXTS) -> dict[str, dict[str, str]]:
    """Language -> line key -> sentence."""
    return load_table(path)


def languages() -> tuple[str, ...]:
    """Languages the crisis reply is written in."""
    return tuple(_texts())


def crisis_lines(signal: CrisisSignal, lang: str, *, answer_follows: bool = False) -> list[str]:
    """The reply as lines, most urgent first.

    ``answer_follows``: the alarm is doubtful and the school answer comes below the help lines, so the
    parent's closing line (call the GP today, school questions can wait) is left out: it would contradict
    the answer that follows and make a doubtful alarm as heavy as a sure one. A child keeps its closing
    line (tell an adult you trust), which contradicts nothing."""
    texts = _texts()
    t = texts.get(lang) or texts["en"]
    child = signal.child

    def line(key: str) -> str:
        return t[f"{key}_child"] if child and f"{key}_child" in t else t[key]

    lines: list[str] = []
    cats = signal.categories or (signal.category,)
    harm = any(c in cats for c in ("suicide", "self_harm"))
    if "danger" in cats or signal.acute:
        lines.append(t["danger"])
    if harm:
        lines.append(line("suicide"))
    if "abuse" in cats:
        lines.append(line("abuse"))
    if not lines:  # a category without its own line still gets 112
        lines.append(t["danger"])
    if lines[0] != t["danger"]:
        lines[0] = f"{lines[0]} {t['also_112']}"
    if child:
        lines.append(t["kindertelefoon_child"])
    elif "abuse" in cats:
        lines.append(t["kindertelefoon"])
    if signal.staff:
        lines.append(t["staff"])
    if child:
        lines.append(t["close_child"])
    elif not answer_follows:
        lines.append(t["close"])
    return lines


def crisis_text(signal: CrisisSignal, lang: str, *, answer_follows: bool = False) -> str:
    """The crisis reply as one text, one line per help line (see ``crisis_lines``)."""
    return "\n".join(crisis_lines(signal, lang, answer_follows=answer_follows))
