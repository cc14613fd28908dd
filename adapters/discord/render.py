"""Neutral `Document` → Discord message parts: (content, embeds, view).

Discord rejects a whole message when any limit is exceeded, so everything here is cut to fit
*before* sending: ≤ 10 embeds, ≤ 6000 characters over all of them, ≤ 4096 per description,
≤ 256 per title, ≤ 25 fields of ≤ 1024, ≤ 2000 characters of content, ≤ 25 buttons. What does
not fit is replaced by one "… and N more" line rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import discord

from bot.commands.registry import GROUPS
from bot.documents import (
    Actions,
    Button,
    Code,
    Divider,
    Document,
    Field,
    Fields,
    Heading,
    Item,
    ItemList,
    Link,
    Mention,
    Paragraph,
    Span,
    Text,
)

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_TOTAL = 6000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_BUTTONS = 25
MAX_BUTTON_LABEL = 80
MAX_CUSTOM_ID = 100

# Room kept free in the last description and the total so the cut hint always fits.
_HINT_RESERVE = 48
BUTTON_PREFIX = "rz:"
EMBED_COLOUR = discord.Colour(0x5B8C5A)
_BUTTON_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
    "default": discord.ButtonStyle.secondary,
}


class Rendered(NamedTuple):
    content: str
    embeds: list[discord.Embed]
    view: discord.ui.View | None


# --- inline markdown ------------------------------------------------------------------------
def escape(text: str) -> str:
    return discord.utils.escape_markdown(text)


def _escape_label(label: str) -> str:
    """Link labels: markdown escaped, and brackets escaped so `]` cannot end the label early."""
    return escape(label).replace("[", "\\[").replace("]", "\\]")


def _escape_url(url: str) -> str:
    """A `)` or space would end the link target early; percent-encode them."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace(">", "%3E")


def link(url: str, label: str | None = None) -> str:
    if not label or label == url:
        return f"<{_escape_url(url)}>"
    return f"[{_escape_label(label)}]({_escape_url(url)})"


def _code_span(text: str) -> str:
    text = text.replace("`", "ˋ")
    return f"`{text}`" if text else ""


def span_markdown(s: Span) -> str:
    if isinstance(s, Text):
        if s.code:
            return _code_span(s.text)
        out = escape(s.text)
        if not out.strip():
            return out
        if s.italic:
            out = f"*{out}*"
        if s.bold:
            out = f"**{out}**"
        return out
    if isinstance(s, Link):
        return link(s.url, s.label)
    if isinstance(s, Mention):
        return f"<@{s.external_id}>" if s.external_id else f"@{escape(s.name)}"
    return f"<#{s.external_id}>" if s.external_id else f"#{escape(s.name)}"


def inline_markdown(spans: Iterable[Span]) -> str:
    return "".join(span_markdown(s) for s in spans)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def more_hint(n: int) -> str:
    return f"*… and {n} more*" if n > 0 else "*… (shortened to fit)*"


# --- blocks -> chunks -----------------------------------------------------------------------
def _linked_title(spans: Sequence[Span], url: str) -> str:
    """A title made only of text is the link; in a mixed one ("@ana shared Title") the link
    goes on the last text, and mentions stay mentions rather than vanish into the label."""
    if all(isinstance(s, Text) for s in spans):
        plain = "".join(s.text for s in spans if isinstance(s, Text))
        return link(url, plain or url)
    last = max(
        (i for i, s in enumerate(spans) if isinstance(s, Text) and s.text.strip()), default=None
    )
    if last is None:
        return f"{inline_markdown(spans)} {link(url)}"
    target = spans[last]
    assert isinstance(target, Text)
    return (
        inline_markdown(spans[:last]) + link(url, target.text) + inline_markdown(spans[last + 1 :])
    )


def item_markdown(n: int, item: Item) -> str:
    title = inline_markdown(item.title)
    has_link = any(isinstance(s, Link) for s in item.title)
    if item.url and not has_link:
        title = _linked_title(item.title, item.url)
    lines = [f"{n}. {title}"]
    lines.extend(f"   {inline_markdown(d)}" for d in item.details)
    return "\n".join(lines)


def code_markdown(block: Code, limit: int) -> str:
    """A fenced block cut to `limit` characters including the fences."""
    lang = (block.language or "").strip()[:16]
    text = block.text.replace("```", "`\u200b``")
    head, tail = f"```{lang}\n", "\n```"
    room = max(0, limit - len(head) - len(tail))
    return head + _cut(text, room) + tail


# --- packing into embeds --------------------------------------------------------------------
class _Packer:
    def __init__(self, title: str | None) -> None:
        self.embeds: list[discord.Embed] = []
        self.full = False
        self._open(title)

    @property
    def current(self) -> discord.Embed:
        return self.embeds[-1]

    def total(self) -> int:
        return sum(len(e) for e in self.embeds)

    def _open(self, title: str | None = None) -> bool:
        if len(self.embeds) >= MAX_EMBEDS:
            return False
        embed = discord.Embed(colour=EMBED_COLOUR)
        if title:
            embed.title = _cut(title, MAX_TITLE)
        if self.total() + len(embed) > MAX_TOTAL - _HINT_RESERVE:
            return False
        self.embeds.append(embed)
        return True

    def _empty(self, embed: discord.Embed) -> bool:
        return not embed.description and not embed.fields

    def heading(self, text: str) -> bool:
        """A heading titles a fresh embed; when none can be opened it becomes a bold line."""
        e = self.current
        if self._empty(e) and not e.title:
            e.title = _cut(text, MAX_TITLE)
            if self.total() <= MAX_TOTAL - _HINT_RESERVE:
                return True
            e.title = None
            return False
        if not self._empty(e) and self._open(text):
            return True
        return self.text(f"**{escape(_cut(text, MAX_TITLE))}**")

    def room(self) -> int:
        """Characters a chunk may still take in the current embed's description."""
        used = len(self.current.description or "")
        sep = 1 if used else 0
        return min(
            MAX_DESCRIPTION - _HINT_RESERVE - used - sep,
            MAX_TOTAL - _HINT_RESERVE - self.total() - sep,
        )

    def text(self, chunk: str) -> bool:
        """Append a chunk to the description, or to a new embed when this one is full or has
        fields (fields render below the description, so later text must not go above them)."""
        if not chunk.strip():
            return True  # Discord rejects blank descriptions
        e = self.current
        if not e.fields and self.room() >= len(chunk):
            e.description = f"{e.description}\n{chunk}" if e.description else chunk
            return True
        if self._empty(e):
            return False  # does not fit even in an empty embed
        if not self._open():
            return False
        if self.room() < len(chunk):
            self.embeds.pop()
            return False
        self.current.description = chunk
        return True

    def field(self, name: str, value: str) -> bool:
        name = _cut(name, MAX_FIELD_NAME) if name.strip() else "\u200b"
        value = _cut(value, MAX_FIELD_VALUE) if value.strip() else "\u200b"
        if len(self.current.fields) >= MAX_FIELDS and not self._open():
            return False
        if self.total() + len(name) + len(value) > MAX_TOTAL - _HINT_RESERVE:
            return False
        self.current.add_field(name=name, value=value, inline=len(value) <= 40)
        return True

    def hint(self, text: str) -> None:
        """Always fits: the reserve kept in the description and the total is for this line."""
        e = self.current
        if e.fields:
            e.set_footer(text=text.strip("*"))
            return
        e.description = f"{e.description}\n{text}" if e.description else text

    def result(self) -> list[discord.Embed]:
        return [e for e in self.embeds if not self._empty(e) or e.title]


def _pack(doc: Document) -> list[discord.Embed]:
    p = _Packer(doc.title)
    blocks = list(doc.blocks)
    for bi, block in enumerate(blocks):
        if isinstance(block, Actions):
            continue
        ok = True
        left = 0
        if isinstance(block, Heading):
            ok = p.heading(block.text)
        elif isinstance(block, Paragraph):
            ok = p.text(_cut(inline_markdown(block.content), MAX_DESCRIPTION - _HINT_RESERVE))
        elif isinstance(block, Divider):
            ok = p.text("\u2500" * 16)
        elif isinstance(block, Code):
            full = code_markdown(block, MAX_DESCRIPTION - _HINT_RESERVE)
            ok = p.text(full) or (p.room() >= 32 and p.text(code_markdown(block, p.room())))
        elif isinstance(block, Fields):
            for fi, f in enumerate(block.fields):
                if not p.field(f.name, inline_markdown(f.value)):
                    ok, left = False, len(block.fields) - fi
                    break
        elif isinstance(block, ItemList):
            if block.title and not p.text(f"**{escape(block.title)}**"):
                ok, left = False, len(block.items) + block.more
            else:
                for ii, item in enumerate(block.items):
                    chunk = _cut(item_markdown(ii + 1, item), MAX_DESCRIPTION - _HINT_RESERVE)
                    if not p.text(chunk):
                        ok, left = False, len(block.items) - ii + block.more
                        break
                if ok and block.more:
                    ok = p.text(more_hint(block.more))
                    left = block.more if not ok else 0
        if not ok:
            later = sum(len(b.items) + b.more for b in blocks[bi + 1 :] if isinstance(b, ItemList))
            p.hint(more_hint(left + later))
            break
    return p.result()


# --- buttons --------------------------------------------------------------------------------
class CommandButtons(discord.ui.View):
    """A stateless view: presses are routed by custom_id in the client's on_interaction, so
    discord.py must not keep these views in its in-memory store (they would pile up forever
    with timeout=None and be lost on restart anyway)."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_dispatchable(self) -> bool:
        return False


def custom_id_for(button: Button) -> str | None:
    """The command a button runs, as its custom_id; None when it cannot fit in 100 chars."""
    cid = BUTTON_PREFIX + " ".join(button.command.split())
    return cid if len(cid) <= MAX_CUSTOM_ID else None


def command_from_custom_id(custom_id: str) -> tuple[str, str] | None:
    """(group, text after the group) for a pressed button, or None if it is not ours."""
    if not custom_id.startswith(BUTTON_PREFIX):
        return None
    words = custom_id[len(BUTTON_PREFIX) :].strip().lstrip("/")
    group, _, rest = words.partition(" ")
    if group not in GROUPS:
        return None
    return group, rest.strip()


def build_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """Buttons without callbacks: the client routes presses by custom_id, so they keep working
    after a restart (no in-memory view state)."""
    items: list[discord.ui.Button[discord.ui.View]] = []
    seen: set[str] = set()
    for b in buttons:
        cid = custom_id_for(b)
        if cid is None or cid in seen:
            continue
        seen.add(cid)
        items.append(
            discord.ui.Button(
                label=_cut(b.label, MAX_BUTTON_LABEL) or "…",
                custom_id=cid,
                style=_BUTTON_STYLES.get(b.style, discord.ButtonStyle.secondary),
            )
        )
        if len(items) == MAX_BUTTONS:
            break
    if not items:
        return None
    view = CommandButtons()
    for item in items:
        view.add_item(item)
    return view


# --- entry point ----------------------------------------------------------------------------
def _plain_candidate(doc: Document) -> str | None:
    """Short paragraph-only documents read better as a plain message than an embed."""
    if doc.title or not all(isinstance(b, Paragraph | Actions) for b in doc.blocks):
        return None
    text = "\n".join(inline_markdown(b.content) for b in doc.blocks if isinstance(b, Paragraph))
    return text if text.strip() and len(text) <= MAX_CONTENT else None


def _mentions(doc: Document) -> list[str]:
    found: dict[str, None] = {}

    def scan(spans: Iterable[Span]) -> None:
        for s in spans:
            if isinstance(s, Mention) and s.external_id:
                found.setdefault(f"<@{s.external_id}>", None)

    for b in doc.blocks:
        if isinstance(b, Paragraph):
            scan(b.content)
        elif isinstance(b, ItemList):
            for it in b.items:
                scan(it.title)
                for d in it.details:
                    scan(d)
        elif isinstance(b, Fields):
            for f in b.fields:
                scan(f.value)
    return list(found)


def render(doc: Document, *, mentions_in_content: bool = False) -> Rendered:
    """Render a document. With `mentions_in_content` (posts such as intros) the mentioned
    members are also listed in the content, since mentions inside embeds notify nobody."""
    buttons = [btn for b in doc.blocks if isinstance(b, Actions) for btn in b.buttons]
    view = build_view(buttons)
    plain = _plain_candidate(doc)
    if plain is not None:
        return Rendered(plain, [], view)
    embeds = _pack(doc)
    content = ""
    if mentions_in_content:
        content = _cut(" ".join(_mentions(doc)), MAX_CONTENT)
        if len(content) == MAX_CONTENT:  # never a half mention
            content = content[: content.rfind(" ")]
    if not embeds and not content.strip():
        content = "\u200b" if view is not None else "(nothing to show)"
    return Rendered(content, embeds, view)


def field(name: str, value: str) -> Field:
    """Convenience for tests and callers building fields from plain strings."""
    return Field(name, (Text(value),))
