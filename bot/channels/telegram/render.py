"""``Answer`` -> Telegram HTML and buttons, and long HTML -> several valid messages.

Telegram's HTML mode knows a handful of tags (b, i, u, s, a, code, pre, blockquote, tg-spoiler) and the
entities ``&lt; &gt; &amp; &quot;``; everything that comes from a parent or a source is escaped here, so
a question such as ``<b>vet</b> <script>`` comes back as text. ``split_html`` cuts a message that is
longer than Telegram's 4,096 characters at paragraph boundaries, then at line ends, then between words,
closing the tags that are open at a cut and opening them again at the start of the next part.
The keyboards under an answer are built here too (plain data, no I/O); sending lives in ``plumbing``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.models import Answer, Citation, Step
from bot.texts import text

#: Telegram's limit for one message. We count the raw HTML in UTF-16 code units, which is stricter
#: than Telegram (it counts the text after parsing), so every part is safe.
MESSAGE_LIMIT = 4096


def esc(value: str) -> str:
    """Escape text for Telegram HTML (``<``, ``>`` and ``&``)."""
    return html.escape(value, quote=False)


def utf16_len(value: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(value.encode("utf-16-le")) // 2


def link(url: str, label: str | None = None) -> str:
    """``<a href>`` for an http(s) url, else the escaped label or url as plain text."""
    shown = esc(label if label is not None else url)
    if not re.match(r"^https?://[^\s<>\"]+$", url):
        return shown
    return f'<a href="{html.escape(url, quote=True)}">{shown}</a>'


def _short_url_label(url: str) -> str:
    host = urlsplit(url).netloc
    return host.removeprefix("www.") or url


def citation_line(c: Citation, numbers: list[int] | None = None) -> str:
    """``[1] Title — Publisher, 2020 ⚠`` with the title linked when the source has a url."""
    label = ", ".join(str(n) for n in (numbers or [c.n]))
    line = f"[{label}] {link(c.url, c.title) if c.url else esc(c.title)}"
    who = ", ".join(p for p in (c.publisher, c.published) if p)
    if who:
        line += f" — {esc(who)}"
    if c.stale:
        line += " ⚠"
    return line


def render_steps(steps: list[Step], heading: str, *, detail: bool = False) -> str:
    """A numbered list of steps under a bold heading; ``detail`` adds who and when (for contacts)."""
    lines = [f"<b>{esc(heading)}</b>"]
    for step in steps:
        title = f"{step.n}. <b>{esc(step.title)}</b>"
        if step.deadline:
            title += f" ({esc(step.deadline)})"
        lines.append(title)
        extra = [step.who, step.where, step.when] if detail else [step.where]
        lines.extend(f"    {esc(value)}" for value in extra if value)
    return "\n".join(lines)


def render_answer(answer: Answer, *, personal_data_tip: bool = False) -> str:
    """The whole answer as Telegram HTML: text, steps, glossary, numbered sources, disclaimer."""
    lang = answer.lang
    blocks = [esc(answer.text)]
    if answer.steps:
        blocks.append(render_steps(answer.steps, text("steps_heading", lang)))
    if answer.glossary:
        lines = [f"<b>{esc(text('glossary_heading', lang))}</b>"]
        lines.extend(f"• <b>{esc(g.term)}</b>: {esc(g.explanation)}" for g in answer.glossary)
        blocks.append("\n".join(lines))
    if answer.citations:
        # Several numbers can point into one source (different passages): list that source once.
        groups: dict[tuple[str, str, str, str, bool], list[Citation]] = {}
        for c in answer.citations:
            groups.setdefault((c.title, c.publisher, c.published, c.url, c.stale), []).append(c)
        lines = [f"<b>{esc(text('sources_label', lang))}</b>"]
        lines.extend(citation_line(cs[0], [c.n for c in cs]) for cs in groups.values())
        blocks.append("\n".join(lines))
    notices = [n for n in answer.notices if n not in answer.text]
    if notices:
        blocks.append("\n".join(f"⚠ {esc(n)}" for n in notices))
    if answer.outcome == "answer":
        blocks.append(f"<i>{esc(text('disclaimer', lang))}</i>")
    if personal_data_tip:
        blocks.append(f"<i>{esc(text('personal_data_warning', lang))}</i>")
    return "\n\n".join(blocks)


def render_quotes(citations: list[Citation], *, lang: str, heading: str, empty: str) -> str:
    """What each source says (the quote behind every number), and what a knowledge card rests on."""
    if not citations:
        return esc(empty)
    blocks = [f"<b>{esc(heading)}</b>"]
    for c in citations:
        lines = [citation_line(c)]
        if c.quote:
            lines.append(f"<blockquote>{esc(c.quote)}</blockquote>")
        if c.kind in ("unit", "card") and c.sources:
            shown = [link(s, _short_url_label(s)) if s.startswith("http") else esc(s) for s in c.sources]
            lines.append(f"<i>{esc(text('based_on_label', lang))}:</i> " + ", ".join(shown))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def html_to_text(value: str) -> str:
    """The visible text of our HTML (for a plain-text fallback when Telegram refuses the markup)."""
    return html.unescape(re.sub(r"<[^>]*>", "", value))


# ----- buttons ----------------------------------------------------------------------------------------
#: Outcomes that get buttons (a crisis reply and a question back get none).
BUTTON_OUTCOMES = ("answer", "refuse")


def answer_keyboard(*, answer_id: str, lang: str, outcome: str, has_sources: bool) -> InlineKeyboardMarkup | None:
    """Buttons under an answer: Bronnen, 👍, 👎 and Met een mens praten (none under crisis or clarify)."""
    if outcome not in BUTTON_OUTCOMES or not answer_id:
        return None
    first: list[InlineKeyboardButton] = []
    if outcome == "answer" and has_sources:
        first.append(InlineKeyboardButton(text("btn_sources", lang), callback_data=f"src:{answer_id}"))
    first.append(InlineKeyboardButton("👍", callback_data=f"fb:up:{answer_id}"))
    first.append(InlineKeyboardButton("👎", callback_data=f"fb:dn:{answer_id}"))
    human = [InlineKeyboardButton(text("btn_human", lang), callback_data=f"human:{answer_id}")]
    return InlineKeyboardMarkup([first, human])


def rework_keyboard(
    markup: InlineKeyboardMarkup | None, *, drop: str = "", feedback_done: str = ""
) -> InlineKeyboardMarkup | None:
    """The keyboard of a sent answer with buttons whose data starts with ``drop`` removed and, when
    ``feedback_done`` is given, the 👍/👎 pair replaced by one "thank you" button."""
    if markup is None:
        return None
    rows = []
    for row in markup.inline_keyboard:
        new_row: list[InlineKeyboardButton] = []
        for button in row:
            data = str(button.callback_data or "")
            if drop and data.startswith(drop):
                continue
            if feedback_done and data.startswith("fb:"):
                if not any(str(b.callback_data).startswith("noop") for b in new_row):
                    new_row.append(InlineKeyboardButton(feedback_done, callback_data="noop"))
                continue
            new_row.append(button)
        if new_row:
            rows.append(new_row)
    return InlineKeyboardMarkup(rows)


# ----- splitting ------------------------------------------------------------------------------------
_ATOM = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|.", re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)")


@dataclass(frozen=True, slots=True)
class _Atom:
    kind: str  # "open" | "close" | "text"
    raw: str
    name: str = ""


def _atoms(value: str) -> list[_Atom]:
    out = []
    for match in _ATOM.finditer(value):
        raw = match.group(0)
        tag = _TAG.match(raw) if raw.startswith("<") else None
        if tag is None:
            out.append(_Atom("text", raw))
        else:
            out.append(_Atom("close" if tag.group(1) else "open", raw, tag.group(2).lower()))
    return out


def _apply(stack: tuple[_Atom, ...], atom: _Atom) -> tuple[_Atom, ...]:
    if atom.kind == "open":
        return (*stack, atom)
    if atom.kind == "close":
        for i in range(len(stack) - 1, -1, -1):
            if stack[i].name == atom.name:
                return stack[:i] + stack[i + 1 :]
    return stack


def _closers(stack: tuple[_Atom, ...]) -> str:
    return "".join(f"</{a.name}>" for a in reversed(stack))


def split_html(value: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split Telegram HTML into parts of at most ``limit`` UTF-16 units, each with balanced tags.

    Cuts fall, by preference, after a blank line (paragraph), then after a line end, then after a space;
    only a single word longer than a whole message is cut mid-word. Tags open at a cut are closed at the
    end of the part and opened again (with their attributes) at the start of the next one.
    """
    if not value.strip():
        return []
    if utf16_len(value) <= limit:
        return [value]
    atoms = _atoms(value)
    parts: list[str] = []
    stack: tuple[_Atom, ...] = ()
    i = 0
    while i < len(atoms):
        while i < len(atoms) and atoms[i].kind == "text" and atoms[i].raw.isspace():
            i += 1  # a part never starts with white space
        if i >= len(atoms):
            break
        prefix = "".join(a.raw for a in stack)
        size = utf16_len(prefix)
        cur = stack
        j = i
        visible = False
        tail = ""  # the last two characters of text, to recognise a blank line
        best: dict[int, tuple[int, tuple[_Atom, ...]]] = {}
        while j < len(atoms):
            atom = atoms[j]
            nxt = _apply(cur, atom)
            grown = size + utf16_len(atom.raw)
            if grown + utf16_len(_closers(nxt)) > limit:
                break
            size, cur, j = grown, nxt, j + 1
            if atom.kind != "text":
                continue
            visible = visible or not atom.raw.isspace()
            tail = (tail + html.unescape(atom.raw))[-2:]
            if not visible:
                continue
            rank = 3 if tail == "\n\n" else 2 if tail.endswith("\n") else 1 if tail.endswith(" ") else 0
            best[rank] = (j, cur)
        if j >= len(atoms):
            end, end_stack = j, cur
        elif best:
            end, end_stack = best[max(best)]
        elif j > i:
            end, end_stack = j, cur
        else:  # one atom (a huge tag) does not fit at all: give up on markup for it
            raise ValueError("an HTML tag is longer than a whole message")
        # Closing tags right after the cut belong to this part (they cost nothing: already counted).
        while end < len(atoms) and atoms[end].kind == "close" and any(a.name == atoms[end].name for a in end_stack):
            end_stack = _apply(end_stack, atoms[end])
            end += 1
        body = atoms[i:end]
        while body and body[-1].kind == "text" and body[-1].raw.isspace():
            body = body[:-1]
        parts.append(prefix + "".join(a.raw for a in body) + _closers(end_stack))
        stack, i = end_stack, end
    return parts
