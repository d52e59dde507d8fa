"""The labelled safety set: knowledge/safety/messages/*.yaml -> ``SafetyMessage``s, validated.

Each message carries its label (a crisis category, ``none`` or ``misuse``), language, who writes and
about whom, whether it is acute, and its split (``train`` or ``test``; fixed once, never tuned on
``test``). ``python -m bot.safety.dataset check [DIR]`` validates the files and prints counts.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LABELS = ("suicide", "self_harm", "abuse", "danger", "none", "misuse")
CRISIS_LABELS = ("suicide", "self_harm", "abuse", "danger")
WRITERS = ("child", "parent", "other")
ABOUT = ("self", "child", "other")
PERPETRATORS = ("family", "partner", "school_staff", "driver", "peer", "stranger", "unknown", "")


@dataclass(frozen=True)
class SafetyMessage:
    """One labelled message."""

    id: str
    text: str
    label: str
    lang: str
    writer: str = "parent"
    about: str = "child"
    acute: bool = False
    perpetrator: str = ""
    style: tuple[str, ...] = ()
    split: str = ""
    file: str = ""

    @property
    def is_crisis(self) -> bool:
        return self.label in CRISIS_LABELS


def _parse(raw: Any, where: str, problems: list[str]) -> SafetyMessage | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: not a mapping")
        return None
    missing = [k for k in ("id", "text", "label", "lang") if not raw.get(k)]
    if missing:
        problems.append(f"{where}: lacks {', '.join(missing)}")
        return None
    label = str(raw["label"])
    if label not in LABELS:
        problems.append(f"{where}: label '{label}' is not one of {', '.join(LABELS)}")
        return None
    writer = str(raw.get("writer") or "parent")
    about = str(raw.get("about") or ("self" if writer == "child" else "child"))
    perpetrator = str(raw.get("perpetrator") or "")
    for name, value, allowed in (("writer", writer, WRITERS), ("about", about, ABOUT),
                                 ("perpetrator", perpetrator, PERPETRATORS)):
        if value not in allowed:
            shown = ", ".join(a or "(empty)" for a in allowed)
            problems.append(f"{where}: {name} '{value}' is not one of {shown}")
    style = raw.get("style") or []
    if isinstance(style, str):
        style = [style]
    return SafetyMessage(
        id=str(raw["id"]),
        text=str(raw["text"]),
        label=label,
        lang=str(raw["lang"]),
        writer=writer,
        about=about,
        acute=bool(raw.get("acute", False)),
        perpetrator=perpetrator,
        style=tuple(str(s) for s in style),
        split=str(raw.get("split") or ""),
        file=where.split(":")[0],
    )


def load_messages(folder: Path) -> tuple[list[SafetyMessage], list[str]]:
    """Every message under ``folder`` (YAML lists), plus problems naming file and message."""
    messages: list[SafetyMessage] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(f"{path.name}: not valid YAML" + (f" at line {mark.line + 1}" if mark else ""))
            continue
        if not isinstance(data, list):
            problems.append(f"{path.name}: expected a list of messages")
            continue
        for i, raw in enumerate(data, start=1):
            where = f"{path.name}: {raw.get('id', i) if isinstance(raw, dict) else i}"
            msg = _parse(raw, where, problems)
            if msg is not None:
                messages.append(msg)
    ids = Counter(m.id for m in messages)
    problems += [f"id '{i}' is used {n} times" for i, n in ids.items() if n > 1]
    texts = Counter(m.text.strip().lower() for m in messages)
    problems += [f"the same text occurs {n} times: {t[:60]!r}" for t, n in texts.items() if n > 1]
    return messages, problems


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.safety.dataset check [DIR]``: print problems and counts; exit 1 on problems."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "check":
        print("usage: python -m bot.safety.dataset check [knowledge/safety/messages]")  # noqa: T201
        return 2
    folder = Path(args[1]) if len(args) > 1 else Path("knowledge/safety/messages")
    messages, problems = load_messages(folder)
    for p in problems:
        print(p)  # noqa: T201
    table = Counter((m.lang, m.label) for m in messages)
    langs = sorted({m.lang for m in messages})
    print("lang  " + "  ".join(f"{label:>9}" for label in LABELS) + "   total")  # noqa: T201
    for lang in langs:
        row = [table[(lang, label)] for label in LABELS]
        print(f"{lang:<5} " + "  ".join(f"{n:>9}" for n in row) + f"   {sum(row):>5}")  # noqa: T201
    print(f"{len(messages)} messages, {len(problems)} problems")  # noqa: T201
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
