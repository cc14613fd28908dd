"""What a real Discord server does must count: 🔕, `include all`, downtime, 4014, big exports.

The real discord.py client against the fake Discord, with the real core on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import Rhizome
from bot.config import DigestsConfig
from bot.digests.service import service_for
from tests.adapters.discord.conftest import (
    BotRunner,
    World,
    community_of,
    counts,
    eventually,
    make_config,
)
from tests.fakes.discord_server import MANAGE_GUILD, ChannelOption, FakeDiscord


@pytest.fixture
async def rhizome(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[Rhizome]:
    """The usual core, with no minimum digest size so a two-item digest shows."""
    config = make_config(tmp_path, fake)
    r = await Rhizome.start(config.model_copy(update={"digests": DigestsConfig(min_items=0)}))
    yield r
    await r.close()


async def stored_messages(rhizome: Rhizome, world: World) -> int:
    return (await counts(rhizome, world.community)).get("messages", 0)


async def admin(world: World, path: tuple[str, ...], options: dict[str, Any]) -> str:
    """Run a moderator command through a real interaction payload; the text of the answer."""
    inter = await world.fake.interact(
        world.guild,
        world.ch("general"),
        world.mod,
        "rhizome-admin",
        path,
        options,
        permissions=MANAGE_GUILD,
    )
    _, answer = await world.fake.wait_interaction_done(inter, followups=1)
    return json.dumps(answer, ensure_ascii=False)


async def test_the_silence_reaction_keeps_a_live_message_out_of_the_digest(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g, links = world.fake, world.guild, world.ch("links")
    loud = await fake.post(g, links, world.alice, "loud https://loud.example/a")
    quiet = await fake.post(g, links, world.alice, "quiet https://quiet.example/b")
    await fake.post(
        g,
        links,
        world.bob,
        "nice",
        message_reference={"message_id": loud["id"], "channel_id": links["id"]},
    )
    await fake.post(
        g,
        links,
        world.bob,
        "nice too",
        message_reference={"message_id": quiet["id"], "channel_id": links["id"]},
    )
    await fake.react(g, quiet, world.bob, "🔕")  # what the gateway sends for :no_bell:

    async def stored() -> bool:
        return await stored_messages(rhizome, world) == 4

    await eventually(stored)
    await rhizome.flush()
    said = await admin(
        world, ("digest", "channel"), {"channel": ChannelOption(world.ch("general"))}
    )
    assert "The digest will post into" in said
    preview = await admin(world, ("digest", "preview"), {})
    assert "loud.example" in preview and "quiet.example" not in preview


async def test_include_all_and_exclude_none_from_real_interactions(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    general, links = ChannelOption(world.ch("general")), ChannelOption(world.ch("links"))
    await admin(world, ("digest", "channel"), {"channel": general})
    await admin(world, ("digest", "include"), {"channel": links})
    await admin(world, ("digest", "exclude"), {"channel": general})
    community = await community_of(rhizome, world.community)
    assert community is not None
    store = service_for(rhizome.services).store
    [d] = await store.of_community(community.id)
    assert d.include and d.exclude

    said = await admin(world, ("digest", "include"), {"all": True})
    assert "Every tracked channel feeds the digest" in said
    said = await admin(world, ("digest", "exclude"), {"none": True})
    assert "No channel is excluded" in said
    [d] = await store.of_community(community.id)
    assert (d.include, d.exclude) == (frozenset(), frozenset())

    # neither a channel nor the word: the core's usage text, politely
    said = await admin(world, ("digest", "include"), {})
    assert "Please add" in said and "a channel, or all" in said
    synced = {c["name"]: c for c in world.fake.commands[None]}
    digest = next(o for o in synced["rhizome-admin"]["options"] if o["name"] == "digest")
    include = next(o for o in digest["options"] if o["name"] == "include")
    assert [(o["name"], o["type"]) for o in include["options"]][:2] == [("channel", 7), ("all", 5)]
