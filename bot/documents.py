"""A small neutral document model for replies and posts.

The core says *what* to show (headings, text with links and mentions, lists of resources,
fields, buttons); each adapter decides *how* (Block Kit, embeds, console text) and enforces its
platform's limits. Keeping the model tiny keeps three renderers honest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


# --- inline spans ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Text:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A member. Adapters render a real mention when `external_id` is set, else the name."""

    name: str
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelRef:
    name: str
    external_id: str | None = None


Span = Text | Link | Mention | ChannelRef
Inline = tuple[Span, ...]


def spans(*parts: str | Span) -> Inline:
    """Build an inline run; bare strings become plain text."""
    return tuple(Text(p) if isinstance(p, str) else p for p in parts)


def plain_text(inline: Iterable[Span]) -> str:
    """Render spans without markup (console fallback, lengths, tests)."""
    out: list[str] = []
    for s in inline:
        if isinstance(s, Text):
            out.append(s.text)
        elif isinstance(s, Link):
            out.append(f"{s.label} <{s.url}>" if s.label and s.label != s.url else s.url)
        elif isinstance(s, Mention):
            out.append(f"@{s.name}")
        else:
            out.append(f"#{s.name}")
    return "".join(out)


# --- blocks ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Heading:
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    content: Inline


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a list: a resource, a member, a question."""

    title: Inline
    url: str | None = None
    details: tuple[Inline, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemList:
    items: tuple[Item, ...]
    title: str | None = None
    more: int = 0  # items left out; renderers show "and N more"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: Inline


@dataclass(frozen=True, slots=True)
class Fields:
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Button:
    """A button that, when pressed, runs `command` as the presser.

    `command` is a full command line without the slash, e.g. "rhizome privacy forget-me confirm",
    so every adapter can route a press through the same parser as typed text.
    """

    label: str
    command: str
    style: str = "default"  # "default" | "primary" | "danger"


@dataclass(frozen=True, slots=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Divider:
    pass


@dataclass(frozen=True, slots=True)
class Code:
    """Preformatted text, e.g. a JSON export."""

    text: str
    language: str | None = None
    filename: str | None = None


Block = Heading | Paragraph | ItemList | Fields | Actions | Divider | Code


@dataclass(frozen=True, slots=True)
class Document:
    blocks: tuple[Block, ...] = ()
    title: str | None = None

    def plain(self) -> str:
        """A plain-text rendering; the console renderer and tests use it."""
        return render_plain(self)


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command returns. Ephemeral replies are shown only to the invoker."""

    document: Document
    ephemeral: bool = True
    # Attachments such as a data export: (filename, content)
    files: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @classmethod
    def text(cls, *parts: str | Span, ephemeral: bool = True) -> Reply:
        return cls(Document((Paragraph(spans(*parts)),)), ephemeral=ephemeral)


def render_plain(doc: Document) -> str:
    lines: list[str] = []
    if doc.title:
        lines.append(doc.title)
    for block in doc.blocks:
        if isinstance(block, Heading):
            lines.append(f"== {block.text} ==")
        elif isinstance(block, Paragraph):
            lines.append(plain_text(block.content))
        elif isinstance(block, ItemList):
            if block.title:
                lines.append(f"-- {block.title} --")
            for n, item in enumerate(block.items, 1):
                title = plain_text(item.title)
                if item.url and item.url not in title:
                    title = f"{title} <{item.url}>"
                lines.append(f"{n:>2}. {title}")
                lines.extend(f"      {plain_text(d)}" for d in item.details)
            if block.more:
                lines.append(f"    … and {block.more} more")
        elif isinstance(block, Fields):
            lines.extend(f"{f.name}: {plain_text(f.value)}" for f in block.fields)
        elif isinstance(block, Actions):
            lines.append("  ".join(f"[{b.label}: /{b.command}]" for b in block.buttons))
        elif isinstance(block, Divider):
            lines.append("-" * 40)
        elif isinstance(block, Code):
            lines.append(block.text)
    return "\n".join(lines)
