"""`rhizome demo`: a small community of practice, loaded into a throw-away database.

The sample (community.json) is written for the demo; it goes through the same neutral events
and the same commands as live traffic, so what the demo shows is what the bot would do.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.commands.registry import ADMIN_GROUP, MEMBER_GROUP, Invocation
from bot.config import parse_config
from bot.documents import Reply
from bot.model import Actor, CommunityRef, InboundEvent, MessagePosted, Place, ReactionAdded
from bot.urls import canonicalize

COMMUNITY = CommunityRef("console", "demo", "Async Rustaceans (demo)")


@dataclass(frozen=True, slots=True)
class DemoData:
    name: str
    about: str
    members: dict[str, str]
    titles: dict[str, str]
    events: list[InboundEvent]


def load(now: datetime) -> DemoData:
    """The sample community, its last message a few hours before `now`."""
    raw: dict[str, Any] = json.loads(
        resources.files("bot.demo").joinpath("community.json").read_text(encoding="utf-8")
    )
    members = {key: Actor(key, name) for key, name in raw["members"].items()}
    start = now - timedelta(days=7)
    events: list[InboundEvent] = []
    where: dict[str, tuple[str, datetime]] = {}
    for n, msg in enumerate(raw["messages"]):
        at = start + timedelta(days=msg["day"], hours=9, minutes=7 * n)
        where[msg["id"]] = (msg["ch"], at)
        events.append(
            MessagePosted(
                place=Place(COMMUNITY, msg["ch"], msg["ch"], thread_id=msg.get("thread")),
                occurred_at=at,
                message_id=msg["id"],
                author=members[msg["who"]],
                text=msg["text"],
            )
        )
    for mid, who, emoji in raw["reactions"]:
        channel, at = where[mid]
        events.append(
            ReactionAdded(
                place=Place(COMMUNITY, channel, channel),
                occurred_at=at + timedelta(hours=2),
                message_id=mid,
                actor=members[who],
                emoji=emoji,
            )
        )
    return DemoData(raw["name"], raw["about"], raw["members"], raw["titles"], events)


async def build(now: datetime, db_path: Path) -> Rhizome:
    """Start a core on a fresh SQLite file and load the sample into it."""
    config = parse_config(
        {"storage": {"url": f"sqlite+aiosqlite:///{db_path}"}, "unfurl": {"enabled": False}}
    )
    rhizome = await Rhizome.start(config, FixedClock(now))
    data = load(now)
    await rhizome.ingest_many(data.events)
    # Titles an unfurler would have fetched; the demo runs offline.
    community = await rhizome.services.repos.communities.ensure(COMMUNITY)
    by_url = {
        r.url: r.id
        for r in await rhizome.services.repos.resources.summaries(
            community.id, await rhizome.services.repos.resources.all_ids(community.id)
        )
    }
    for url, title in data.titles.items():
        canonical = canonicalize(url)
        if canonical in by_url:
            await rhizome.services.repos.resources.set_metadata(by_url[canonical], title, None)
    for feature in rhizome.services.features:
        await feature.demo(rhizome, community)
    return rhizome


Show = Callable[[str, Reply], Awaitable[None] | None]


async def tour(rhizome: Rhizome, show: Show) -> None:
    """Ask what a member and a moderator would ask, and show the answers."""
    ana = Actor("ana", "Ana Souza")
    moderator = Actor("dara", "Dara Novak", is_admin=True)

    async def ask(title: str, text: str, *, group: str = MEMBER_GROUP, actor: Actor = ana) -> None:
        words = tuple(text.split()[:2])
        if (
            rhizome.registry.get(group, words) is None
            and rhizome.registry.get(group, words[:1]) is None
        ):
            return  # a capability this build does not have
        reply = await rhizome.run_command(Invocation(COMMUNITY, actor, group, text=text))
        result = show(f"{title}   [dim]/{group} {text}[/]", reply)
        if result is not None:
            await result

    await ask("The most discussed resources this week", "top 7")
    await ask("Search", "search cancellation")
    await ask("Who knows?", "who-knows databases")
    await ask("A member's profile", "profile @chen")
    await ask(
        "Introductions Rhizome would propose", "intros preview", group=ADMIN_GROUP, actor=moderator
    )
    if rhizome.registry.get(ADMIN_GROUP, ("digest", "channel")) is not None:
        await rhizome.run_command(
            Invocation(COMMUNITY, moderator, ADMIN_GROUP, text="digest channel #general")
        )
    await ask("This week's digest (preview)", "digest preview", group=ADMIN_GROUP, actor=moderator)


async def run(show: Show, now: datetime) -> DemoData:
    with tempfile.TemporaryDirectory(prefix="rhizome-demo-") as tmp:
        rhizome = await build(now, Path(tmp) / "demo.db")
        try:
            await tour(rhizome, show)
        finally:
            await rhizome.close()
    return load(now)
