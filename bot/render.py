"""Plain-text rendering of an ``Answer`` (terminal and logs); channels have their own renderers."""

from __future__ import annotations

from bot.models import Answer, Citation
from bot.texts import text


def citation_label(c: Citation, lang: str) -> str:
    """ "[1] Title — Publisher, 2020 (url)" plus what a card rests on."""
    parts = [f"[{c.n}] {c.title}"]
    who = ", ".join(p for p in (c.publisher, c.published) if p)
    if who:
        parts.append(f" — {who}")
    if c.url:
        parts.append(f" ({c.url})")
    if c.stale:
        parts.append(" ⚠")
    if c.kind == "unit" and c.sources:
        parts.append(f"\n     {text('based_on_label', lang)}: {', '.join(c.sources)}")
    return "".join(parts)


def render_plain(answer: Answer) -> str:
    """The answer text, the glossary and the numbered sources with their quotes."""
    lang = answer.lang
    lines = [answer.text]
    if answer.steps:
        lines.append("")
        lines.append(text("steps_heading", lang))
        for step in answer.steps:
            extra = f" ({step.deadline})" if step.deadline else ""
            lines.append(f"  {step.n}. {step.title}{extra}")
    if answer.glossary:
        lines.append("")
        lines.append(text("glossary_heading", lang))
        lines.extend(f"  {g.term}: {g.explanation}" for g in answer.glossary)
    if answer.citations:
        lines.append("")
        lines.append(text("sources_label", lang) + ":")
        for c in answer.citations:
            lines.append("  " + citation_label(c, lang))
            if c.quote:
                lines.append(f"     „{c.quote}”")
    return "\n".join(lines)
