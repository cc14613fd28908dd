"""What a real Discord server does must count: 🔕, `include all`, downtime, 4014, big exports.

The real discord.py client against the fake Discord, with the real core on SQLite.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapters.discord.client import DiscordOutlet, run_discord
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
from tests.fakes.discord_server import (
    MANAGE_GUILD,
    MESSAGE_CONTENT_INTENT,
    ChannelOption,
    FakeDiscord,
)


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


# --- catch-up after downtime ------------------------------------------------------------------
async def message_ids(rhizome: Rhizome, world: World) -> set[str]:
    community = await community_of(rhizome, world.community)
    assert community is not None
    found: set[str] = set()
    for ch in (world.ch("general"), world.ch("links")):
        for thread in (None, *[t["id"] for t in world.guild.threads]):
            refs = await rhizome.services.repos.messages.in_place(
                world.community, ch["id"], thread, limit=10_000
            )
            found |= {r.external_id for r in refs}
    return found


async def test_live_traffic_cannot_move_the_start_past_a_gap(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    client = await bots.start()
    fake, g = world.fake, world.guild
    general, links = world.ch("general"), world.ch("links")
    seen = await fake.post(g, links, world.alice, "seen https://seen.example/p")

    async def first() -> bool:
        return await stored_messages(rhizome, world) == 1

    await eventually(first)
    await bots.stop(client)
    missed = [
        await fake.post(g, links, world.bob, f"while down https://gap.example/{i}", dispatch=False)
        for i in range(3)
    ]
    # the catch-up is slow to reach #links (it is held at #general), and a live message
    # arrives there first; then the process stops before the catch-up gets to #links
    fake.hold_history(general["id"])
    client = await bots.start(recheck_messages=0)  # no re-read before the mark to hide a gap
    await fake.wait_for_request("GET", f"/channels/{general['id']}/messages")
    live = await fake.post(g, links, world.alice, "live https://live.example/p")

    async def live_stored() -> bool:
        return live["id"] in await message_ids(rhizome, world)

    await eventually(live_stored)
    stopping = asyncio.create_task(bots.stop(client))
    await asyncio.sleep(0)
    fake.release_history(general["id"])
    await stopping
    assert not {m["id"] for m in missed} & await message_ids(rhizome, world)

    # the next start still reads #links from before the gap, and stops at the live message
    await bots.start(recheck_messages=0)
    expected = {seen["id"], live["id"], *(m["id"] for m in missed)}

    async def all_there() -> bool:
        return expected <= await message_ids(rhizome, world)

    await eventually(all_there)


async def test_a_long_thread_is_read_from_its_own_mark(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    client = await bots.start(backfill_limit=100)
    fake, g, links = world.fake, world.guild, world.ch("links")
    root = await fake.post(g, links, world.alice, "root https://root.example/p")
    thread, _ = await fake.create_thread(g, links, "talk", owner=world.alice, starter=root)
    old = [await fake.post(g, thread, world.bob, f"reply {i}") for i in range(120)]

    async def replies_stored() -> bool:
        return await stored_messages(rhizome, world) == 121

    await eventually(replies_stored)
    await bots.stop(client)
    new = [await fake.post(g, thread, world.bob, f"new {i}", dispatch=False) for i in range(150)]
    client = await bots.start(backfill_limit=100)
    # the limit counts only new replies: the first 100 of them, not the 120 stored ones
    first_hundred = {m["id"] for m in new[:100]}

    async def hundred() -> bool:
        return first_hundred <= await message_ids(rhizome, world)

    await eventually(hundred)
    guild = client.get_guild(int(g.id))
    assert guild is not None
    await client.backfill_guild(guild)  # the next catch-up goes on from there
    await rhizome.flush()
    ids = await message_ids(rhizome, world)
    assert {m["id"] for m in new} <= ids and {m["id"] for m in old} <= ids


async def test_messages_deleted_while_down_are_deleted_here(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    client = await bots.start()
    fake, g, links = world.fake, world.guild, world.ch("links")
    kept = await fake.post(g, links, world.alice, "kept https://kept.example/p")
    doomed = await fake.post(g, links, world.bob, "doomed https://doomed.example/p")
    last = await fake.post(g, links, world.alice, "last https://last.example/p")

    async def three() -> bool:
        return await stored_messages(rhizome, world) == 3

    await eventually(three)
    await bots.stop(client)
    await fake.delete(g, doomed)  # nobody is connected to hear it
    await bots.start()

    async def reconciled() -> bool:
        return await message_ids(rhizome, world) == {kept["id"], last["id"]}

    await eventually(reconciled)
    urls = await resource_urls(rhizome, world)
    assert "https://doomed.example/p" not in urls and "https://kept.example/p" in urls


async def resource_urls(rhizome: Rhizome, world: World) -> set[str]:
    community = await community_of(rhizome, world.community)
    assert community is not None
    repos = rhizome.services.repos
    ids = await repos.resources.all_ids(community.id)
    return {r.url for r in await repos.resources.summaries(community.id, ids)}


async def reactions(rhizome: Rhizome) -> int:
    async with rhizome.services.db.read() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM reactions"))).scalar_one())


# --- the Message Content intent refused ---------------------------------------------------------
async def test_a_refused_intent_leads_to_reduced_mode_not_an_exit(
    world: World, rhizome: Rhizome, tmp_path: Path
) -> None:
    fake, g, links = world.fake, world.guild, world.ch("links")
    fake.refused_intents = MESSAGE_CONTENT_INTENT
    config = make_config(tmp_path, fake)
    running = asyncio.create_task(
        run_discord(
            rhizome,
            config,
            {"DISCORD_TOKEN": fake.token},
            identify_delay=0,
            backfill_pause=0,
            guild_ready_timeout=0.05,
        )
    )
    try:
        await fake.wait_for_connections("refused", 1)
        await fake.wait_for_connections("identify", 1)
        assert len(fake.identifies()) == 1
        assert not fake.shard_sessions[0].identify["intents"] & MESSAGE_CONTENT_INTENT
        outlet = rhizome.services.outlets["discord"]
        assert isinstance(outlet, DiscordOutlet)
        await asyncio.wait_for(outlet.client.wait_until_ready(), 20)

        # messages (without their text), replies, threads and reactions are still tracked
        root = await fake.post(g, links, world.alice, "https://hidden.example/p")
        await fake.post(
            g,
            links,
            world.bob,
            "a reply",
            message_reference={"message_id": root["id"], "channel_id": links["id"]},
        )
        await fake.react(g, root, world.bob, "👍")

        async def tracked() -> bool:
            return await stored_messages(rhizome, world) == 2 and await reactions(rhizome) == 1

        await eventually(tracked)
        assert "resources" not in await counts(rhizome, world.community)  # no text, no link
        # moderators are told once, in their next admin command's reply
        said = await admin(world, ("settings",), {})
        assert "Message Content intent" in said and "Privileged Gateway Intents" in said
        again = await admin(world, ("settings",), {})
        assert "Message Content intent" not in again
        assert not running.done()
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
