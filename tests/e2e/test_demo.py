"""`rhizome demo` loads the sample community and answers with what is really in it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import demo
from bot.documents import Reply
from bot.model import MessagePosted

NOW = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


async def test_demo_tour_shows_real_answers() -> None:
    shown: dict[str, str] = {}

    def show(title: str, reply: Reply) -> None:
        shown[title.split("   ")[0]] = reply.document.plain()

    data = await demo.run(show, NOW)
    top = shown["The most discussed resources this week"]
    # The tokio tutorial drew the most people: 3 repliers and 4 reactors, sharer excluded.
    assert top.index("Tokio tutorial") < top.index("Write-Ahead Logging")
    assert "6 people discussing, 3 replies, 4 reactions" in top
    assert "first shared by @Ana Souza in #async" in top
    search = shown["Search"]
    assert "Async cancellation I" in search and "CancellationToken" in search
    assert "Tokio tutorial" not in search
    assert "Chen Wei" in shown["A member's profile"]
    digest = shown["This week's digest (preview)"]
    assert "Weekly digest" in digest and "Tokio tutorial" in digest
    assert "Open questions" in digest or "open questions" in digest.lower()
    assert sum(isinstance(e, MessagePosted) for e in data.events) == 37


def test_demo_data_reads_like_a_community() -> None:
    data = demo.load(NOW)
    assert len(data.members) == 10
    assert all(e.occurred_at < NOW for e in data.events)
    assert all(e.occurred_at > NOW.replace(day=14) for e in data.events)
