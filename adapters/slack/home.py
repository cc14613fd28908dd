"""The App Home tab: a member's own panel, built from core replies (pure functions).

The panel shows what the core's `profile` command says about the member, their privacy state,
and buttons that run ordinary commands, so the Home tab adds no logic of its own.
"""

from __future__ import annotations

from typing import Any

from adapters.slack.render import MAX_HOME_BLOCKS, render_blocks
from bot.documents import Actions, Block, Button, Divider, Document, Heading, Paragraph, spans
from bot.model import MemberSettings


def settings_blocks(settings: MemberSettings | None) -> tuple[Block, ...]:
    """Privacy and intro state with the button that flips it (both buttons when unknown)."""
    if settings is None:
        return (
            Paragraph(spans("Control what Rhizome stores about you:")),
            Actions(
                (
                    Button("Pause tracking", "rhizome privacy tracking off"),
                    Button("Resume tracking", "rhizome privacy tracking on"),
                )
            ),
        )
    if settings.tracking:
        state = "Rhizome tracks the links you share and discuss in public channels."
        toggle = Button("Pause tracking", "rhizome privacy tracking off")
    else:
        state = "Tracking is paused: nothing new is stored about you."
        toggle = Button("Resume tracking", "rhizome privacy tracking on", style="primary")
    lines = [state]
    if settings.intros is False:
        lines.append("Introductions are off.")
    elif settings.intros_paused_until is not None:
        lines.append(f"Introductions are paused until {settings.intros_paused_until:%Y-%m-%d}.")
    return (
        Paragraph(spans(" ".join(lines))),
        Actions(
            (
                toggle,
                Button("Export my data", "rhizome privacy my-data"),
                Button("What is kept", "rhizome privacy status"),
                Button("Forget me…", "rhizome privacy forget-me", style="danger"),
            )
        ),
    )


def home_document(
    profile: Document,
    settings: MemberSettings | None,
    *,
    notice: Document | None = None,
) -> Document:
    """The whole panel; `notice` (the reply to a button pressed here) goes on top."""
    blocks: list[Block] = []
    if notice is not None and notice.blocks:
        blocks.extend(notice.blocks)
        blocks.append(Divider())
    blocks.append(Heading("Your Rhizome"))
    blocks.extend(profile.blocks)
    blocks.append(Divider())
    blocks.extend(settings_blocks(settings))
    blocks.append(
        Actions(
            (
                Button("Most discussed this week", "rhizome top"),
                Button("Help", "rhizome help"),
            )
        )
    )
    return Document(tuple(blocks))


def home_view(document: Document) -> dict[str, Any]:
    """`views.publish` payload; action ids stay unique across the whole view."""
    return {"type": "home", "blocks": render_blocks(document, max_blocks=MAX_HOME_BLOCKS)}
