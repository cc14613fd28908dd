"""Digest documents as Markdown and JSON, for previews outside any chat platform (the CLI)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from bot.documents import (
    Actions,
    ChannelRef,
    Code,
    Divider,
    Document,
    Fields,
    Heading,
    Inline,
    ItemList,
    Link,
    Mention,
    Paragraph,
    Text,
)


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>" else ch for ch in text)


def inline_markdown(inline: Inline) -> str:
    out: list[str] = []
    for s in inline:
        if isinstance(s, Text):
            t = f"`{s.text}`" if s.code else _escape(s.text)
            if s.bold:
                t = f"**{t}**"
            if s.italic:
                t = f"*{t}*"
            out.append(t)
        elif isinstance(s, Link):
            out.append(f"[{_escape(s.label or s.url)}]({s.url})")
        elif isinstance(s, Mention):
            out.append(f"@{_escape(s.name)}")
        elif isinstance(s, ChannelRef):
            out.append(f"#{_escape(s.name)}")
    return "".join(out)


def render_markdown(doc: Document) -> str:
    lines: list[str] = []
    if doc.title:
        lines += [f"# {_escape(doc.title)}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            lines += [f"## {_escape(block.text)}", ""]
        elif isinstance(block, Paragraph):
            lines += [inline_markdown(block.content), ""]
        elif isinstance(block, ItemList):
            if block.title:
                lines += [f"### {_escape(block.title)}", ""]
            for n, item in enumerate(block.items, 1):
                title = inline_markdown(item.title)
                if item.url:
                    title = f"[{title}]({item.url})"
                lines.append(f"{n}. {title}")
                lines += [f"   {inline_markdown(d)}  " for d in item.details]
            if block.more:
                lines.append(f"\n…and {block.more} more")
            lines.append("")
        elif isinstance(block, Fields):
            lines += [f"**{_escape(f.name)}:** {inline_markdown(f.value)}  " for f in block.fields]
            lines.append("")
        elif isinstance(block, Actions):
            lines += [" · ".join(f"{b.label}: `/{b.command}`" for b in block.buttons), ""]
        elif isinstance(block, Divider):
            lines += ["---", ""]
        elif isinstance(block, Code):
            lines += [f"```{block.language or ''}", block.text, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def to_data(value: Any) -> Any:
    """A document (or any of its parts) as JSON-able data, each part tagged with its type."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {"type": type(value).__name__.lower()}
        for f in dataclasses.fields(value):
            data[f.name] = to_data(getattr(value, f.name))
        return data
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(to_data(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def document_json(doc: Document, **meta: Any) -> str:
    return json.dumps({**meta, "document": to_data(doc)}, indent=2, ensure_ascii=False)
