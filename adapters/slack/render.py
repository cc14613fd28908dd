"""Neutral `Document` → Slack Block Kit, within Slack's documented limits.

Limits enforced (https://docs.slack.dev/reference/block-kit/blocks): 50 blocks a message
(100 in a Home tab), 3000 characters of section text, 150 of header text, 10 fields a
section (2000 characters each), 25 elements an actions block, 75-character button labels,
2000-character button values. Anything cut is announced with a final "… and N more" context
block rather than silently lost, and the fallback `text` (notifications, screen readers) is
the plain rendering.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.documents import (
    Actions,
    Block,
    Button,
    ChannelRef,
    Code,
    Divider,
    Document,
    Field,
    Fields,
    Heading,
    Inline,
    Item,
    ItemList,
    Link,
    Mention,
    Paragraph,
    Reply,
    Span,
    Text,
    render_plain,
)

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_ACTIONS = 25
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK_TEXT = 3000
ACTION_PREFIX = "rhizome_cmd_"
ELLIPSIS = "…"

Blocks = list[dict[str, Any]]


# --- escaping -----------------------------------------------------------------------------
def escape(text: str) -> str:
    """Slack's three control characters in message text (&, <, >) as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _label(text: str) -> str:
    """A link label: `|` and `>` end Slack's <url|label> markup, so they go."""
    return escape(" ".join(text.replace("|", " ").replace(">", " ").split()))


def _url(url: str) -> str:
    """A URL inside <…>: percent-encode what would end the markup, escape `&`."""
    return (
        url.strip()
        .replace("&", "&amp;")
        .replace("<", "%3C")
        .replace(">", "%3E")
        .replace("|", "%7C")
        .replace(" ", "%20")
    )


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


# --- inline spans -------------------------------------------------------------------------
def _styled(span: Text) -> list[str]:
    """Pieces of one Text span; whitespace stays outside the markers (Slack needs that)."""
    raw = span.text
    if not raw:
        return []
    if not (span.bold or span.italic or span.code):
        return _words(raw)
    core = raw.strip()
    if not core:
        return [raw]
    lead, trail = raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()) :]
    inner = escape(core.replace("`", "'")) if span.code else escape(core)
    if span.code:
        inner = f"`{inner}`"
    else:
        if span.italic:
            inner = f"_{inner}_"
        if span.bold:
            inner = f"*{inner}*"
    if len(inner) > MAX_SECTION_TEXT:  # an absurdly long styled run: keep it plain
        return _words(raw)
    return [p for p in (lead, inner, trail) if p]


def _words(raw: str) -> list[str]:
    """Split plain text into escaped pieces no longer than a section, at spaces when possible."""
    out: list[str] = []
    for word in _split_keep(raw):
        piece = escape(word)
        if len(piece) <= MAX_SECTION_TEXT:
            out.append(piece)
            continue
        # one enormous word: cut the raw text so no entity is split
        chunk = ""
        for ch in word:
            esc = escape(ch)
            if len(chunk) + len(esc) > MAX_SECTION_TEXT:
                out.append(chunk)
                chunk = ""
            chunk += esc
        if chunk:
            out.append(chunk)
    return out


def _split_keep(raw: str) -> list[str]:
    """Words with their trailing whitespace, so joining the pieces restores the text."""
    out: list[str] = []
    start = 0
    for i, ch in enumerate(raw):
        if ch in " \n" and (i + 1 == len(raw) or raw[i + 1] not in " \n"):
            out.append(raw[start : i + 1])
            start = i + 1
    if start < len(raw):
        out.append(raw[start:])
    return out


def span_pieces(span: Span) -> list[str]:
    """mrkdwn pieces of one span; each piece is atomic (never split across sections)."""
    if isinstance(span, Text):
        return _styled(span)
    if isinstance(span, Link):
        label = _label(span.label) if span.label else ""
        url = _url(span.url)
        if not label or label == escape(span.url):
            return [f"<{url}>"]
        return [f"<{url}|{truncate(label, 500)}>"]
    if isinstance(span, Mention):
        if span.external_id:
            return [f"<@{span.external_id}>"]
        return [escape(f"@{span.name}")]
    if isinstance(span, ChannelRef):
        if span.external_id:
            return [f"<#{span.external_id}>"]
        return [escape(f"#{span.name}")]
    return []


def inline_mrkdwn(inline: Iterable[Span]) -> str:
    return "".join(p for s in inline for p in span_pieces(s))


def _chunks(pieces: Sequence[str], limit: int) -> list[str]:
    """Pack atomic pieces into strings of at most `limit` characters."""
    out: list[str] = []
    cur = ""
    for piece in pieces:
        if len(piece) > limit:  # only links can still be this long: shorten visibly
            piece = truncate(piece, limit)
        if cur and len(cur) + len(piece) > limit:
            out.append(cur)
            cur = ""
        cur += piece
    if cur.strip():
        out.append(cur)
    return [c for c in out if c.strip()]


def inline_plain(inline: Inline) -> str:
    """Plain text of spans, for labels that cannot hold markup."""
    out: list[str] = []
    for s in inline:
        if isinstance(s, Text):
            out.append(s.text)
        elif isinstance(s, Link):
            out.append(s.label or s.url)
        else:
            out.append(s.name)
    return "".join(out).strip()


# --- blocks -------------------------------------------------------------------------------
def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _header(text: str) -> dict[str, Any]:
    return {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": truncate(text.strip() or " ", MAX_HEADER_TEXT),
            "emoji": True,
        },
    }


def _context(text: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}],
    }


@dataclass(slots=True)
class _Unit:
    """One rendered block and how many list entries it stands for (for "… and N more")."""

    block: dict[str, Any]
    entries: int = 1
    more: int = 0  # `ItemList.more` carried by the list this block closes


def _paragraph(p: Paragraph) -> list[_Unit]:
    pieces = [piece for s in p.content for piece in span_pieces(s)]
    return [_Unit(_section(c)) for c in _chunks(pieces, MAX_SECTION_TEXT)]


def _item_text(n: int, item: Item) -> list[str]:
    """`n. *title*` (the title linked to the item's url) and one line per detail."""
    if item.url and not any(isinstance(s, Link) for s in item.title):
        title = span_pieces(Link(item.url, inline_plain(item.title) or None))
    else:
        title = [piece for s in item.title for piece in span_pieces(s)]
    joined = "".join(title).strip()
    pieces = [f"{n}. "]
    if joined and "*" not in joined and len(joined) <= MAX_FIELD_TEXT:
        pieces.append(f"*{joined}*")
    else:
        pieces.extend(title)
    for detail in item.details:
        pieces.append("\n")
        pieces.extend(piece for s in detail for piece in span_pieces(s))
    return pieces


def _item_list(block: ItemList) -> list[_Unit]:
    units: list[_Unit] = []
    if block.title:
        units.append(
            _Unit(_section(f"*{truncate(escape(block.title), MAX_SECTION_TEXT - 2)}*"), entries=0)
        )
    for n, item in enumerate(block.items, 1):
        chunks = _chunks(_item_text(n, item), MAX_SECTION_TEXT)
        # an item is one entry; if its details overflow a section, keep the first part
        units.append(_Unit(_section(chunks[0] if chunks else f"{n}.")))
    if block.more:
        units.append(
            _Unit(_context(f"{ELLIPSIS} and {block.more} more"), entries=0, more=block.more)
        )
    return units


def _fields(block: Fields) -> list[_Unit]:
    texts = [_field_text(f) for f in block.fields]
    return [
        _Unit(
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": t} for t in texts[i : i + MAX_FIELDS]],
            }
        )
        for i in range(0, len(texts), MAX_FIELDS)
    ]


def _field_text(f: Field) -> str:
    value = inline_mrkdwn(f.value) or " "
    return truncate(f"*{escape(f.name)}*\n{value}", MAX_FIELD_TEXT)


def _button(button: Button, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "button",
        "text": {
            "type": "plain_text",
            "text": truncate(button.label.strip() or "?", MAX_BUTTON_LABEL),
            "emoji": True,
        },
        "action_id": f"{ACTION_PREFIX}{n}",
        "value": button.command[:MAX_BUTTON_VALUE],
    }
    if button.style in ("primary", "danger"):
        out["style"] = button.style
    return out


def _actions(block: Actions, counter: list[int]) -> list[_Unit]:
    units: list[_Unit] = []
    for i in range(0, len(block.buttons), MAX_ACTIONS):
        elements = []
        for button in block.buttons[i : i + MAX_ACTIONS]:
            counter[0] += 1
            elements.append(_button(button, counter[0]))
        units.append(_Unit({"type": "actions", "elements": elements}, entries=0))
    return units


def _code(block: Code) -> list[_Unit]:
    units: list[_Unit] = []
    if block.filename:
        units.append(_Unit(_context(f"`{escape(block.filename)}`"), entries=0))
    body_limit = MAX_SECTION_TEXT - 6  # the ``` fences
    pieces = _words(block.text.replace("```", "'''"))
    for chunk in _chunks(pieces, body_limit):
        units.append(_Unit(_section(f"```{chunk}```")))
    return units


def _units(blocks: Iterable[Block]) -> list[_Unit]:
    counter = [0]
    units: list[_Unit] = []
    for block in blocks:
        if isinstance(block, Heading):
            if block.text.strip():  # Slack rejects a blank header
                units.append(_Unit(_header(block.text), entries=0))
        elif isinstance(block, Paragraph):
            units.extend(_paragraph(block))
        elif isinstance(block, ItemList):
            units.extend(_item_list(block))
        elif isinstance(block, Fields):
            units.extend(_fields(block))
        elif isinstance(block, Actions):
            units.extend(_actions(block, counter))
        elif isinstance(block, Divider):
            units.append(_Unit({"type": "divider"}, entries=0))
        elif isinstance(block, Code):
            units.extend(_code(block))
    return units


def render_blocks(document: Document, *, max_blocks: int = MAX_BLOCKS) -> Blocks:
    """The document as Block Kit blocks, never more than `max_blocks`."""
    units: list[_Unit] = []
    if document.title and document.title.strip():
        units.append(_Unit(_header(document.title), entries=0))
    units.extend(_units(document.blocks))
    if len(units) <= max_blocks:
        return [u.block for u in units]
    kept, dropped = units[: max_blocks - 1], units[max_blocks - 1 :]
    omitted = sum(u.entries + u.more for u in dropped)
    # a trailing divider or header before the notice says nothing
    while kept and kept[-1].block["type"] in ("divider", "header"):
        kept.pop()
    note = f"{ELLIPSIS} and {omitted} more" if omitted else f"{ELLIPSIS} (shortened)"
    return [u.block for u in kept] + [_context(note)]


def fallback_text(document: Document) -> str:
    """Plain text for notifications and clients that cannot show blocks."""
    return truncate(render_plain(document).strip() or (document.title or " "), MAX_FALLBACK_TEXT)


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What `chat.postMessage` / `respond` need."""

    text: str
    blocks: Blocks

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def render_document(document: Document, *, max_blocks: int = MAX_BLOCKS) -> SlackMessage:
    return SlackMessage(fallback_text(document), render_blocks(document, max_blocks=max_blocks))


def render_reply(reply: Reply) -> SlackMessage:
    """A command reply. `respond` cannot carry files, so an attached file is shown as code —
    unless the document already previews it under the same filename (e.g. `my-data`), where
    repeating it would only push the reply into the block limit."""
    doc = reply.document
    shown = {b.filename for b in doc.blocks if isinstance(b, Code) and b.filename}
    extra = tuple(
        Code(text=content, filename=name) for name, content in reply.files if name not in shown
    )
    if extra:
        doc = Document(blocks=doc.blocks + extra, title=doc.title)
    return render_document(doc)


def render_home(document: Document) -> dict[str, Any]:
    """A Home tab view (`views.publish`): up to 100 blocks."""
    return {"type": "home", "blocks": render_blocks(document, max_blocks=MAX_HOME_BLOCKS)}
