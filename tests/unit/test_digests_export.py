"""Markdown and JSON renderings of digest documents, and reading the `[digests]` settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.config import Config
from bot.digests.export import document_json, render_markdown
from bot.digests.schedule import parse_schedule
from bot.digests.service import DigestSettings, Window
from bot.documents import (
    ChannelRef,
    Document,
    Heading,
    Item,
    ItemList,
    Link,
    Mention,
    Paragraph,
    Text,
    spans,
)

DOC = Document(
    (
        Paragraph(spans("3 resources shared (+50%)")),
        Heading("Top resources"),
        ItemList(
            (
                Item(
                    title=spans("Async *really* explained"),
                    url="https://example.com/a",
                    details=(
                        spans("first shared by ", Mention("Ana"), " in ", ChannelRef("python")),
                        spans(Link("https://t/1", "join the thread")),
                    ),
                ),
            ),
            title="Python",
            more=2,
        ),
        Paragraph((Text("bold", bold=True), Text(" and "), Text("x_y", code=True))),
    ),
    title="Weekly digest · 2–9 Mar 2026",
)


def test_markdown() -> None:
    md = render_markdown(DOC)
    assert md.splitlines()[0] == "# Weekly digest · 2–9 Mar 2026"
    assert "## Top resources" in md
    assert "### Python" in md
    assert "1. [Async \\*really\\* explained](https://example.com/a)" in md
    assert "   first shared by @Ana in #python  " in md
    assert "[join the thread](https://t/1)" in md
    assert "…and 2 more" in md
    assert "**bold** and `x_y`" in md


def test_json_round_trips_every_part() -> None:
    data = json.loads(document_json(DOC, channel="digest"))
    assert data["channel"] == "digest"
    doc = data["document"]
    assert doc["type"] == "document" and doc["title"].startswith("Weekly digest")
    items = doc["blocks"][2]
    assert items["type"] == "itemlist" and items["more"] == 2
    assert items["items"][0]["details"][0][1] == {
        "type": "mention",
        "name": "Ana",
        "external_id": None,
    }


def test_settings_default_without_a_section() -> None:
    s = DigestSettings.from_config(Config())
    assert (s.grace, s.stale, s.quiet_week, s.default_size) == (
        timedelta(hours=24),
        timedelta(minutes=10),
        "note",
        5,
    )
    assert s.schedule() == parse_schedule("monday 09:00 UTC")


@pytest.mark.parametrize(
    "section",
    [
        SimpleNamespace(grace_hours=6.0, quiet_week="skip", tick_seconds=5.0),
        {"grace_hours": 6.0, "quiet_week": "skip", "tick_seconds": 5.0},
    ],
)
def test_settings_read_from_a_section(section: object) -> None:
    s = DigestSettings.from_config(SimpleNamespace(digests=section))
    assert (s.grace, s.quiet_week, s.tick_seconds, s.min_items) == (
        timedelta(hours=6),
        "skip",
        5.0,
        3,
    )


def test_windows() -> None:
    schedule = parse_schedule("sunday 02:30 Europe/Berlin")
    # The week that ends at the spring-forward Sunday is an hour shorter.
    period = datetime(2026, 3, 29, 1, tzinfo=UTC)
    w = Window.for_period(schedule, period)
    assert w.end == period
    assert w.start == datetime(2026, 3, 22, 1, 30, tzinfo=UTC)
    assert w.previous_start == datetime(2026, 3, 15, 1, 30, tzinfo=UTC)
    now = datetime(2026, 3, 4, 12, tzinfo=UTC)
    assert Window.ending(now) == Window(now - timedelta(days=7), now, now - timedelta(days=14))
