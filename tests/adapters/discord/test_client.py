"""End to end: the real discord.py client, the fake Discord at the wire, the real core on SQLite."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from adapters.discord.client import fetch_invite_url, sync_commands
from bot.app import Rhizome
from bot.commands.registry import ADMIN_GROUP, MEMBER_GROUP, CommandContext, OptionKind, OptionSpec
from bot.documents import Document, Mention, Paragraph, Reply, Text
from bot.model import CommunityRef
from storage import models as m
from tests.adapters.discord.conftest import (
    BotRunner,
    World,
    community_of,
    counts,
    eventually,
    make_config,
)
from tests.fakes.discord_server import MANAGE_GUILD, FakeDiscord, embed_payload, shard_of


async def stored_messages(rhizome: Rhizome, world: World) -> int:
    return (await counts(rhizome, world.community)).get("messages", 0)


async def resource_urls(rhizome: Rhizome, world: World) -> dict[str, Any]:
    community = await community_of(rhizome, world.community)
    if community is None:
        return {}
    repos = rhizome.services.repos
    ids = await repos.resources.all_ids(community.id)
    return {r.url: r for r in await repos.resources.summaries(community.id, ids)}


async def test_login_connects_and_syncs_commands_only_when_changed(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    client = await bots.start()
    fake = world.fake
    assert client.application_id == int(fake.application_id)
    identify = fake.identifies()[0]
    assert identify.query["v"] == "10"
    intents = fake.sessions[identify.session_id].identify["intents"]
    # guilds | guild_messages | guild_reactions | message_content, and NOT members (1 << 1)
    assert intents == (1 << 0) | (1 << 9) | (1 << 10) | (1 << 15)
    puts = [r for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(puts) == 1 and puts[0].authorized
    names = {c["name"] for c in puts[0].body}
    assert "rhizome" in names
    await bots.stop(client)

    again = await bots.start()  # same tree: no second sync
    assert again.is_ready()
    puts = [r for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(puts) == 1
    await bots.stop(again)

    async def extra(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
        return Reply.text("extra")

    rhizome.registry.command(MEMBER_GROUP, "extra", "A new command")(extra)
    await bots.start()  # the tree changed: synced again
    puts = [r for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(puts) == 2
    member = next(c for c in puts[1].body if c["name"] == "rhizome")
    assert "extra" in {o["name"] for o in member["options"]}


async def test_forced_sync_to_one_guild(world: World, rhizome: Rhizome, tmp_path: Path) -> None:
    config = make_config(tmp_path, world.fake)
    env = {"DISCORD_TOKEN": world.fake.token}
    assert await sync_commands(rhizome, config, env, guild_id=int(world.guild.id)) is True
    assert await sync_commands(rhizome, config, env, guild_id=int(world.guild.id)) is True
    puts = [r for r in world.fake.requests if r.method == "PUT"]
    assert [r.path for r in puts] == [
        f"/applications/{world.fake.application_id}/guilds/{world.guild.id}/commands"
    ] * 2
    assert world.fake.identifies() == []  # REST only, no gateway session


async def test_shards_split_guilds(fake: FakeDiscord, bots: BotRunner, rhizome: Rhizome) -> None:
    base = fake.ids.next()
    ids = [str(base + (i << 22)) for i in range(2)]  # one millisecond apart: different shards
    ids.sort(key=lambda gid: shard_of(gid, 2))
    assert [shard_of(gid, 2) for gid in ids] == [0, 1]
    guilds = [fake.add_guild(f"G{i}", guild_id=gid) for i, gid in enumerate(ids)]
    alice = fake.new_user("alice")
    await bots.start(shard_count=2)
    assert sorted(c.shard for c in fake.identifies()) == [(0, 2), (1, 2)]
    for i, g in enumerate(guilds):
        await fake.post(g, fake.channel(g, "general"), alice, f"shard {i} https://s{i}.example/p")

    async def both() -> bool:
        found = [await counts(rhizome, CommunityRef("discord", g.id)) for g in guilds]
        return all(n.get("messages") == 1 for n in found)

    await eventually(both)


async def test_a_process_runs_only_its_shard_ids(fake: FakeDiscord, bots: BotRunner) -> None:
    base = fake.ids.next()
    ids = [str(base + (i << 22)) for i in range(2)]
    ids.sort(key=lambda gid: shard_of(gid, 2))
    for i, gid in enumerate(ids):
        fake.add_guild(f"G{i}", guild_id=gid)
    client = await bots.start(shard_count=2, shard_ids=[1])
    assert [c.shard for c in fake.identifies()] == [(1, 2)]
    assert [g.id for g in client.guilds] == [int(ids[1])]


async def test_messages_replies_and_reactions_are_stored(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g = world.fake, world.guild
    root = await fake.post(
        g, world.ch("links"), world.alice, "Great read https://example.org/essay"
    )
    reply = await fake.post(
        g,
        world.ch("links"),
        world.bob,
        "agreed",
        type=19,
        message_reference={"message_id": root["id"], "channel_id": root["channel_id"]},
    )
    await fake.react(g, root, world.bob, "👍")

    async def stored() -> bool:
        r = (await resource_urls(rhizome, world)).get("https://example.org/essay")
        return (
            r is not None and r.reaction_count == 1 and await stored_messages(rhizome, world) == 2
        )

    await eventually(stored)
    summary = (await resource_urls(rhizome, world))["https://example.org/essay"]
    assert summary.first_shared_by is not None
    assert summary.first_shared_by.external_id == world.alice["id"]
    assert reply["id"]

    await fake.react(g, root, world.bob, "👍", remove=True)

    async def unreacted() -> bool:
        r = (await resource_urls(rhizome, world)).get("https://example.org/essay")
        return r is not None and r.reaction_count == 0

    await eventually(unreacted)


async def test_thread_replies_and_forum_posts_form_discussions(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g = world.fake, world.guild
    root = await fake.post(g, world.ch("general"), world.alice, "thoughts? https://example.org/t")
    thread, _ = await fake.create_thread(
        g, world.ch("general"), "talk", owner=world.bob, starter=root
    )
    in_thread = await fake.post(g, thread, world.bob, "yes")
    post, starter = await fake.create_thread(
        g, world.ch("help"), "How to X?", owner=world.alice, content="see https://docs.example/x"
    )
    assert starter is not None
    forum_reply = await fake.post(g, post, world.bob, "try this")

    community = None
    messages = rhizome.services.repos.messages

    async def all_there() -> bool:
        nonlocal community
        community = await community_of(rhizome, world.community)
        return community is not None and await stored_messages(rhizome, world) == 4

    await eventually(all_there)
    assert community is not None
    assert await messages.locate(community.id, in_thread["id"]) == (
        world.ch("general")["id"],
        root["id"],
    )
    assert await messages.locate(community.id, starter["id"]) == (world.ch("help")["id"], None)
    assert await messages.locate(community.id, forum_reply["id"]) == (
        world.ch("help")["id"],
        post["id"],
    )
    async with rhizome.services.db.read() as conn:
        texts = dict(
            (await conn.execute(select(m.messages.c.external_id, m.messages.c.text))).all()
        )
    assert texts[starter["id"]] == "How to X?\nsee https://docs.example/x"  # the post's title
    assert texts[forum_reply["id"]] == "try this"
    # the forum starter was offered twice (THREAD_CREATE fetch + MESSAGE_CREATE): stored once
    assert [r for r in fake.requests if r.path == f"/channels/{post['id']}/messages/{post['id']}"]


async def test_edits_deletes_and_bulk_deletes(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g = world.fake, world.guild
    m1 = await fake.post(g, world.ch("links"), world.alice, "first https://one.example/p")
    m2 = await fake.post(g, world.ch("links"), world.alice, "second https://two.example/p")
    m3 = await fake.post(g, world.ch("links"), world.bob, "third https://three.example/p")

    async def three() -> bool:
        return len(await resource_urls(rhizome, world)) == 3

    await eventually(three)
    # a later unfurl/edit adds a link
    await fake.edit(g, m1, "first, fixed", embeds=[embed_payload("https://four.example/p")])

    async def four() -> bool:
        return "https://four.example/p" in await resource_urls(rhizome, world)

    await eventually(four)
    await fake.delete(g, m2)
    await fake.delete_bulk(g, [m1, m3])

    async def gone() -> bool:
        return await stored_messages(rhizome, world) == 0

    await eventually(gone)
    assert await resource_urls(rhizome, world) == {}


async def _texts(rhizome: Rhizome) -> set[str]:
    async with rhizome.services.db.read() as conn:
        return set((await conn.execute(select(m.messages.c.text))).scalars())


async def test_a_renamed_forum_post_reads_under_its_new_title(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    """A forum post's title is the first line of its opening message; Discord renames the
    thread (THREAD_UPDATE), not the message."""
    await bots.start()
    fake, g = world.fake, world.guild
    post, starter = await fake.create_thread(
        g, world.ch("help"), "How to X?", owner=world.alice, content="see https://docs.example/x"
    )
    assert starter is not None

    async def stored_text() -> str | None:
        async with rhizome.services.db.read() as conn:
            return (
                await conn.execute(
                    select(m.messages.c.text).where(m.messages.c.external_id == starter["id"])
                )
            ).scalar()

    async def titled(title: str) -> bool:
        return await stored_text() == f"{title}\nsee https://docs.example/x"

    await eventually(lambda: titled("How to X?"))
    await fake.rename_thread(g, post, "How to X with GraphQL?")
    await eventually(lambda: titled("How to X with GraphQL?"))


async def test_a_deleted_thread_or_channel_takes_its_messages_along(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    """Discord sends THREAD_DELETE and CHANNEL_DELETE, never a deletion per message: what
    was said there must go here too (a forum post's starter with its thread; a thread
    opened on a channel message leaves that message, and the replies to it in the channel,
    which are filed under the same id)."""
    await bots.start()
    fake, g = world.fake, world.guild
    root = await fake.post(g, world.ch("general"), world.alice, "thoughts? https://root.example/p")
    thread, _ = await fake.create_thread(
        g, world.ch("general"), "talk", owner=world.bob, starter=root
    )
    await fake.post(g, thread, world.bob, "in the thread https://thread.example/p")
    reference = {"message_id": root["id"], "channel_id": root["channel_id"]}
    await fake.post(
        g,
        world.ch("general"),
        world.mod,
        "a reply in the channel",
        type=19,
        message_reference=reference,
    )
    post, _ = await fake.create_thread(
        g, world.ch("help"), "How to X?", owner=world.alice, content="see https://post.example/p"
    )
    await fake.post(g, post, world.bob, "try this")
    await fake.post(g, world.ch("links"), world.bob, "a link https://links.example/p")

    async def six() -> bool:
        return await stored_messages(rhizome, world) == 6

    await eventually(six)
    await fake.delete_thread(g, thread)
    await fake.delete_thread(g, post)

    async def threads_gone() -> bool:
        return await stored_messages(rhizome, world) == 3

    await eventually(threads_gone)
    assert await _texts(rhizome) == {
        "thoughts? https://root.example/p",
        "a reply in the channel",
        "a link https://links.example/p",
    }
    assert set(await resource_urls(rhizome, world)) == {
        "https://root.example/p",
        "https://links.example/p",
    }

    await fake.delete_channel(g, world.ch("links"))

    async def channel_gone() -> bool:
        return await stored_messages(rhizome, world) == 2

    await eventually(channel_gone)
    assert set(await resource_urls(rhizome, world)) == {"https://root.example/p"}


async def test_a_channel_deleted_while_away_is_forgotten_at_the_next_start(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    """A fresh session is told only what exists: a channel deleted while the bot was down
    sends no CHANNEL_DELETE, so the catch-up notices it is gone."""
    client = await bots.start()
    fake, g = world.fake, world.guild
    await fake.post(g, world.ch("general"), world.alice, "stays https://stays.example/p")
    await fake.post(g, world.ch("links"), world.bob, "goes https://goes.example/p")

    async def two() -> bool:
        return await stored_messages(rhizome, world) == 2

    await eventually(two)
    await bots.caught_up(client)
    await bots.stop(client)
    gone = world.ch("links")
    g.channels = [c for c in g.channels if c["id"] != gone["id"]]  # deleted while down
    again = await bots.start()
    await bots.caught_up(again)

    async def one() -> bool:
        return await stored_messages(rhizome, world) == 1

    await eventually(one)
    assert set(await resource_urls(rhizome, world)) == {"https://stays.example/p"}
    await bots.stop(again)


async def test_threads_deleted_while_away_are_forgotten_archived_ones_kept(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    """A fresh session lists only active threads: an archived thread is still there, a
    deleted one is in no listing and Discord answers "Unknown Channel" for it."""
    client = await bots.start()
    fake, g = world.fake, world.guild
    general = world.ch("general")
    root = await fake.post(g, general, world.alice, "thoughts? https://root.example/p")
    kept, _ = await fake.create_thread(g, general, "kept", owner=world.bob, starter=root)
    await fake.post(g, kept, world.bob, "archived later https://kept.example/p")
    other = await fake.post(g, general, world.alice, "more? https://other.example/p")
    gone, _ = await fake.create_thread(g, general, "gone", owner=world.bob, starter=other)
    await fake.post(g, gone, world.bob, "deleted later https://gone.example/p")
    post, _ = await fake.create_thread(
        g, world.ch("help"), "How to X?", owner=world.alice, content="see https://post.example/p"
    )
    await fake.post(g, post, world.bob, "try this")

    async def six() -> bool:
        return await stored_messages(rhizome, world) == 6

    await eventually(six)
    await fake.archive_thread(g, kept)
    await bots.caught_up(client)
    await bots.stop(client)
    for thread in (gone, post):  # deleted while down: no THREAD_DELETE reaches anyone
        g.threads = [t for t in g.threads if t["id"] != thread["id"]]
        fake.messages.pop(thread["id"], None)
    again = await bots.start()
    await bots.caught_up(again)

    async def three() -> bool:
        return await stored_messages(rhizome, world) == 3

    await eventually(three)
    assert await _texts(rhizome) == {
        "thoughts? https://root.example/p",
        "archived later https://kept.example/p",
        "more? https://other.example/p",
    }
    asked = [r for r in fake.requests if "/threads/archived/public" in r.path]
    assert asked, "the archived threads were never listed"
    by_id = {r.path.rsplit("/", 1)[-1] for r in fake.requests if r.method == "GET"}
    assert gone["id"] in by_id and post["id"] in by_id  # confirmed gone, one by one
    assert kept["id"] not in by_id  # the listing had it
    await bots.stop(again)


async def test_a_reply_chain_is_no_thread_to_forget_at_the_next_start(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    """In-channel replies are stored under their root's id, as a thread's messages are; the
    root is a message, not a channel, so Discord answers "Unknown Channel" for it. The catch-up
    of a fresh session had taken that for a thread deleted while away and erased the replies."""
    client = await bots.start()
    fake, g = world.fake, world.guild
    links = world.ch("links")
    root = await fake.post(g, links, world.alice, "Great read https://example.org/essay")
    reference = {"message_id": root["id"], "channel_id": root["channel_id"]}
    await fake.post(
        g, links, world.bob, "agreed, see part two", type=19, message_reference=reference
    )

    async def two() -> bool:
        return await stored_messages(rhizome, world) == 2

    await eventually(two)
    await bots.caught_up(client)  # the start's own catch-up, over a stored chain
    assert await stored_messages(rhizome, world) == 2
    await bots.stop(client)
    # a fresh session: its catch-up checks the stored threads, and (as for a chain older than
    # the last messages it re-reads) does not read the reply again
    again = await bots.start(recheck_messages=0)
    await bots.caught_up(again)
    assert await _texts(rhizome) == {
        "Great read https://example.org/essay",
        "agreed, see part two",
    }
    assert root["id"] not in {r.path.rsplit("/", 1)[-1] for r in fake.requests}
    await bots.stop(again)


async def test_a_reply_deleted_while_away_goes_and_an_unrecorded_thread_stays(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    """A channel's catch-up re-checks its reply chains' replies too: one deleted while away
    goes. A database from before threads were recorded stores a thread opened on a channel
    message like a reply chain: its messages are found in the thread, kept, and the thread is
    recorded."""
    client = await bots.start()
    fake, g = world.fake, world.guild
    general = world.ch("general")
    root = await fake.post(g, general, world.alice, "thoughts? https://example.org/t")
    reference = {"message_id": root["id"], "channel_id": general["id"]}
    doomed = await fake.post(g, general, world.bob, "a reply", type=19, message_reference=reference)
    other = await fake.post(g, general, world.alice, "and this https://example.org/o")
    thread, _ = await fake.create_thread(g, general, "talk", owner=world.bob, starter=other)
    await fake.post(g, thread, world.bob, "in the thread")

    async def four() -> bool:
        return await stored_messages(rhizome, world) == 4

    await eventually(four)
    await fake.archive_thread(g, thread)  # so no catch-up of its own stores it again
    await bots.caught_up(client)
    await bots.stop(client)
    async with rhizome.services.db.write() as conn:  # as before migration 0019
        await conn.execute(m.threads.delete())
    await fake.delete(g, doomed)  # nobody is connected to hear it
    await fake.post(g, general, world.mod, "while away", dispatch=False)
    again = await bots.start()
    await bots.caught_up(again)
    assert await _texts(rhizome) == {
        "thoughts? https://example.org/t",
        "and this https://example.org/o",
        "in the thread",
        "while away",
    }
    async with rhizome.services.db.read() as conn:
        recorded = set((await conn.execute(select(m.threads.c.external_id))).scalars())
    assert recorded == {thread["id"]}
    await bots.stop(again)


async def test_a_reply_in_the_channel_to_a_thread_starter_outlives_the_thread_catch_up(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    """A member may answer a message in its channel after a thread was opened on it: the reply
    joins that conversation, under the thread's id, yet the thread's history never lists it.
    The thread's catch-up must not take it for a message deleted while away; one deleted from
    the thread meanwhile still goes."""
    client = await bots.start()
    fake, g = world.fake, world.guild
    general = world.ch("general")
    root = await fake.post(g, general, world.alice, "thoughts? https://example.org/t")
    thread, _ = await fake.create_thread(g, general, "talk", owner=world.bob, starter=root)
    await fake.post(g, thread, world.bob, "in the thread")
    reference = {"message_id": root["id"], "channel_id": general["id"]}
    await fake.post(g, general, world.mod, "in the channel", type=19, message_reference=reference)
    doomed = await fake.post(g, thread, world.mod, "deleted while away")

    async def four() -> bool:
        return await stored_messages(rhizome, world) == 4

    await eventually(four)
    await bots.caught_up(client)
    await bots.stop(client)
    await fake.delete(g, doomed)  # nobody is connected to hear it
    await fake.post(g, thread, world.alice, "while away", dispatch=False)
    again = await bots.start()
    await bots.caught_up(again)
    assert await _texts(rhizome) == {
        "thoughts? https://example.org/t",
        "in the thread",
        "in the channel",
        "while away",
    }
    await bots.stop(again)


async def test_reactions_cleared_by_a_moderator_are_gone(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g = world.fake, world.guild
    root = await fake.post(g, world.ch("links"), world.alice, "read https://example.org/clear")
    await fake.react(g, root, world.bob, "👍")
    await fake.react(g, root, world.bob, "🎉")
    await fake.react(g, root, world.alice, "👍")

    async def reactions(n: int) -> bool:
        r = (await resource_urls(rhizome, world)).get("https://example.org/clear")
        return r is not None and r.reaction_count == n

    await eventually(lambda: reactions(3))
    await fake.clear_reactions(g, root, "👍")  # every 👍, whoever gave it
    await eventually(lambda: reactions(1))
    await fake.clear_reactions(g, root)  # and then all of them
    await eventually(lambda: reactions(0))


async def test_bots_and_the_bot_itself_are_not_tracked(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    client = await bots.start()
    fake, g = world.fake, world.guild
    other_bot = fake.new_user("feedbot", bot=True)
    await fake.post(g, world.ch("links"), other_bot, "news https://bot.example/p")
    # the bot's own post comes back as MESSAGE_CREATE (the fake echoes it like Discord)
    sent = await client.outlet.post(
        world.community,
        world.ch("links")["id"],
        Document((Paragraph((Text("https://self.example/p"),)),)),
    )
    await fake.post(g, world.ch("links"), world.alice, "marker https://marker.example/p")

    async def marker() -> bool:
        return "https://marker.example/p" in await resource_urls(rhizome, world)

    await eventually(marker)
    assert set(await resource_urls(rhizome, world)) == {"https://marker.example/p"}
    echoed = [
        f["d"]["id"]
        for session in fake.sessions.values()
        for f in session.log
        if f["t"] == "MESSAGE_CREATE" and f["d"]["author"]["id"] == fake.application_id
    ]
    assert echoed == [sent]  # the bot did receive its own message, and ignored it


async def test_slash_command_is_deferred_then_answered(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g = world.fake, world.guild
    await fake.post(g, world.ch("links"), world.alice, "Rust async book https://rust.example/async")

    async def stored() -> bool:
        return "https://rust.example/async" in await resource_urls(rhizome, world)

    await eventually(stored)
    interaction = await fake.interact(
        g, world.ch("general"), world.bob, "rhizome", ("search",), {"query": "rust"}
    )
    defer, answer = await fake.wait_interaction_done(interaction, followups=1)
    assert defer == {"type": 5, "data": {"flags": 64}}  # deferred, ephemeral
    text = str(answer)
    assert "rust.example/async" in text
    assert answer.get("allowed_mentions") == {"parse": []}
    edits = [r for r in fake.requests if r.method == "PATCH" and "@original" in r.path]
    assert len(edits) == 1 and edits[0].path.startswith(f"/webhooks/{fake.application_id}/")


async def test_admin_commands_are_authorized_by_the_core(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    ran: list[str] = []

    async def ping(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
        ran.append(ctx.actor.external_id)
        return Reply.text(f"pong {args['word']}")

    rhizome.registry.command(
        ADMIN_GROUP,
        "ping",
        "Check moderator access",
        OptionSpec("word", OptionKind.STRING, "a word"),
    )(ping)
    await bots.start()
    fake, g = world.fake, world.guild
    synced = fake.commands[None]
    admin = next(c for c in synced if c["name"] == "rhizome-admin")
    assert int(admin["default_member_permissions"]) == MANAGE_GUILD

    # Discord would hide it, but a member can still send it (stale client, API): refused
    refused = await fake.interact(
        g, world.ch("general"), world.alice, "rhizome-admin", ("ping",), {"word": "x"}
    )
    _, answer = await fake.wait_interaction_done(refused, followups=1)
    assert "for moderators" in str(answer)
    assert ran == []

    allowed = await fake.interact(
        g,
        world.ch("general"),
        world.mod,
        "rhizome-admin",
        ("ping",),
        {"word": "hi"},
        permissions=MANAGE_GUILD,
    )
    _, answer = await fake.wait_interaction_done(allowed, followups=1)
    assert "pong hi" in str(answer)
    assert ran == [world.mod["id"]]


async def test_member_option_and_autocomplete(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    seen: list[Any] = []

    async def whois(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
        seen.append(args["who"])
        return Reply.text(f"that is {args['who']}")

    rhizome.registry.command(
        MEMBER_GROUP,
        "whois",
        "Name a member",
        OptionSpec("who", OptionKind.MEMBER, "a member"),
        OptionSpec(
            "nick", OptionKind.STRING, "a known name", required=False, autocomplete="members"
        ),
    )(whois)
    await bots.start()
    fake, g = world.fake, world.guild
    await fake.post(g, world.ch("general"), world.alice, "hello", nick="Alicia")

    async def member_known() -> bool:
        return (await counts(rhizome, world.community)).get("members", 0) >= 1

    await eventually(member_known)
    from tests.fakes.discord_server import UserOption, member_payload

    inter = await fake.interact(
        g,
        world.ch("general"),
        world.bob,
        "rhizome",
        ("whois",),
        {"who": UserOption(world.alice, member_payload(world.alice, nick="Alicia"))},
    )
    _, answer = await fake.wait_interaction_done(inter, followups=1)
    assert "that is Alicia" in str(answer)
    assert seen[0].external_id == world.alice["id"]

    auto = await fake.interact(
        g,
        world.ch("general"),
        world.bob,
        "rhizome",
        ("whois",),
        {"who": UserOption(world.alice), "nick": "Ali"},
        focused="nick",
    )
    (result,) = await fake.wait_interaction_done(auto)
    assert result["type"] == 8
    assert result["data"]["choices"] == [{"name": "Alicia", "value": "Alicia"}]


async def test_buttons_run_their_command_as_the_presser(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g = world.fake, world.guild
    # the reply to "forget-me" carries a confirm button
    ask = await fake.interact(
        g, world.ch("general"), world.alice, "rhizome", ("privacy", "forget-me")
    )
    _, answer = await fake.wait_interaction_done(ask, followups=1)
    buttons = [c for row in answer.get("components", []) for c in row["components"]]
    assert [b["custom_id"] for b in buttons] == ["rz:rhizome privacy forget-me confirm"]

    message = {
        **(await fake.post(g, world.ch("general"), world.alice, "placeholder")),
        "components": answer["components"],
    }
    press = await fake.press(g, message, world.alice, buttons[0]["custom_id"])
    defer, done = await fake.wait_interaction_done(press, followups=1)
    assert defer["type"] == 5
    assert "tracking is off" in str(done).lower()


async def test_guild_removal_purges_but_an_outage_does_not(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g = world.fake, world.guild
    await fake.post(g, world.ch("links"), world.alice, "keep https://kept.example/p")

    async def stored() -> bool:
        return await stored_messages(rhizome, world) == 1

    await eventually(stored)
    await fake.outage(g)
    # Handlers run in dispatch order and each queues its event before yielding, so once this
    # later message is stored, a purge caused by the outage would already have happened.
    await fake.post(g, world.ch("general"), world.bob, "still here https://marker.example/p")

    async def both() -> bool:
        return await stored_messages(rhizome, world) == 2

    await eventually(both)
    assert "https://kept.example/p" in await resource_urls(rhizome, world)

    await fake.remove_guild(g)

    async def purged() -> bool:
        return await community_of(rhizome, world.community) is None

    await eventually(purged)


async def test_resume_replays_without_any_re_read(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    """Discord replays what a resumed session missed, so no channel is read again."""
    client = await bots.start()

    async def started() -> bool:
        return client.catch_ups_done >= 1

    # The start's own catch-up ends first: begun after the first message was stored, it read
    # the channel after that message (2 runs in ~40: a race of the test's, not the resume's).
    await eventually(started)
    fake, g, links = world.fake, world.guild, world.ch("links")
    await fake.post(g, links, world.alice, "before https://a.example/p")

    async def one() -> bool:
        return await stored_messages(rhizome, world) == 1

    await eventually(one)
    fake.hold_connections()
    await fake.drop_connection()
    await fake.post(g, links, world.bob, "during https://b.example/p")  # replayed on RESUME
    fake.release_connections()
    await fake.wait_for_connections("resume", 1)

    async def two() -> bool:
        return set(await resource_urls(rhizome, world)) == {
            "https://a.example/p",
            "https://b.example/p",
        }

    await eventually(two)
    await fake.post(g, links, world.alice, "after https://c.example/p")

    async def three() -> bool:
        return await stored_messages(rhizome, world) == 3

    await eventually(three)
    history = [r for r in fake.requests if r.path.endswith("/messages") and r.method == "GET"]
    assert history == []  # the first start had nothing stored; the resume read nothing


async def test_invalid_session_reidentifies_and_backfills_the_gap(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g, links = world.fake, world.guild, world.ch("links")
    first = await fake.post(g, links, world.alice, "before https://a.example/p")

    async def one() -> bool:
        return await stored_messages(rhizome, world) == 1

    await eventually(one)
    fake.resumable = False
    fake.hold_connections()
    await fake.drop_connection()
    await fake.post(g, links, world.bob, "gap one https://b.example/p")  # never replayed
    await fake.post(g, links, world.bob, "gap two https://c.example/p", dispatch=False)
    fake.release_connections()
    await fake.wait_for_connections("identify", 2)

    async def three() -> bool:
        return await stored_messages(rhizome, world) == 3

    await eventually(three)
    backfills = [
        r
        for r in fake.requests
        if r.path == f"/channels/{links['id']}/messages" and r.query.get("after")
    ]
    # read from just before the newest stored message: deletions meanwhile show up there
    assert backfills and backfills[0].query["after"] == str(int(first["id"]) - 1)
    # a second ready (say, another reconnect) finds nothing new and stores nothing twice
    await fake.post(g, links, world.alice, "after https://d.example/p")

    async def four() -> bool:
        return await stored_messages(rhizome, world) == 4

    await eventually(four)
    assert len(await resource_urls(rhizome, world)) == 4


async def test_outlet_posts_and_opens_intro_threads(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    client = await bots.start(intros_channel_id=None)
    fake = world.fake
    doc = Document(
        (
            Paragraph(
                (
                    Mention("alice", world.alice["id"]),
                    Text(" meet "),
                    Mention("bob", world.bob["id"]),
                )
            ),
        ),
        title="An introduction",
    )
    # without an intros channel: direct messages to each member
    conv = await client.outlet.open_conversation(
        world.community, [world.alice["id"], world.bob["id"]], "Say hi"
    )
    assert conv == f"dm:{world.alice['id']},{world.bob['id']}"
    await client.outlet.post(world.community, conv, doc)
    dms = [r for r in fake.requests if r.path == "/users/@me/channels"]
    assert [str(r.body["recipient_id"]) for r in dms] == [world.alice["id"], world.bob["id"]]

    await bots.stop(client)
    client = await bots.start(intros_channel_id=world.ch("intros")["id"])
    conv = await client.outlet.open_conversation(
        world.community, [world.alice["id"], world.bob["id"]], "Say hi"
    )
    created = [
        r for r in fake.requests if r.path == f"/channels/{world.ch('intros')['id']}/threads"
    ]
    assert created and created[-1].body["type"] == 12 and created[-1].body["invitable"] is False
    added = [
        r
        for r in fake.requests
        if r.method == "PUT" and r.path.startswith(f"/channels/{conv}/thread-members/")
    ]
    assert len(added) == 2
    message_id = await client.outlet.post(world.community, conv, doc)
    (post,) = [
        r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{conv}/messages"
    ]
    assert post.body["content"] == f"<@{world.alice['id']}> <@{world.bob['id']}>"
    assert post.body["allowed_mentions"]["parse"] == ["users"]
    assert post.body["embeds"][0]["title"] == "An introduction"
    assert message_id.isdigit()


async def test_visibility_follows_the_reply(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    async def announce(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
        if args.get("word") == "oops":
            return Reply.text("only you see this")  # ephemeral, unlike the spec
        return Reply.text("everyone sees this", ephemeral=False)

    rhizome.registry.command(
        MEMBER_GROUP,
        "announce",
        "Say something",
        OptionSpec("word", OptionKind.STRING, "a word", required=False),
        ephemeral=False,
    )(announce)
    await bots.start()
    fake, g = world.fake, world.guild
    public = await fake.interact(g, world.ch("general"), world.alice, "rhizome", ("announce",))
    defer, answer = await fake.wait_interaction_done(public, followups=1)
    assert defer == {"type": 5}  # deferred publicly
    assert answer["content"] == "everyone sees this"

    private = await fake.interact(
        g, world.ch("general"), world.alice, "rhizome", ("announce",), {"word": "oops"}
    )
    defer, answer = await fake.wait_interaction_done(private, followups=1)
    assert defer == {"type": 5}
    assert answer["content"] == "only you see this" and answer["flags"] == 64
    deleted = [r for r in fake.requests if r.method == "DELETE" and private["token"] in r.path]
    assert len(deleted) == 1  # the public "thinking…" placeholder was removed


async def test_export_is_attached_as_a_file(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g = world.fake, world.guild
    await fake.post(g, world.ch("links"), world.alice, "mine https://mine.example/p")

    async def stored() -> bool:
        return await stored_messages(rhizome, world) == 1

    await eventually(stored)
    inter = await fake.interact(
        g, world.ch("general"), world.alice, "rhizome", ("privacy", "my-data")
    )
    await fake.wait_interaction_done(inter, followups=1)
    (edit,) = [r for r in fake.requests if r.method == "PATCH" and inter["token"] in r.path]
    assert [name for name, _ in edit.files] == ["rhizome-my-data.json"]
    assert b"mine.example" in edit.files[0][1]


async def test_a_rejected_reply_is_apologised_for(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    await bots.start()
    fake, g = world.fake, world.guild
    fake.fail_next("PATCH", "/messages/@original", status=400)
    inter = await fake.interact(g, world.ch("general"), world.alice, "rhizome", ("help",))
    _, apology = await fake.wait_interaction_done(inter, followups=1)
    (rejected,) = [r for r in fake.requests if r.method == "PATCH" and inter["token"] in r.path]
    assert rejected.body["embeds"] or rejected.body["content"]
    assert apology["content"] == "Sorry, I could not display that answer here."
    assert apology["flags"] == 64


async def test_backfill_skips_a_forbidden_channel_and_continues(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    client = await bots.start()
    fake, g = world.fake, world.guild
    general, links = world.ch("general"), world.ch("links")
    await fake.post(g, general, world.alice, "g https://g.example/p")
    await fake.post(g, links, world.alice, "l https://l.example/p")

    async def two() -> bool:
        return await stored_messages(rhizome, world) == 2

    await eventually(two)
    await bots.caught_up(client)  # the start's own catch-up must not take the 403
    await fake.post(g, general, world.bob, "g2 https://g2.example/p", dispatch=False)
    await fake.post(g, links, world.bob, "l2 https://l2.example/p", dispatch=False)
    fake.fail_next("GET", f"/channels/{general['id']}/messages", status=403)
    guild = client.get_guild(int(g.id))
    assert guild is not None
    assert await client.backfill_guild(guild) == 1
    urls = await resource_urls(rhizome, world)
    assert "https://l2.example/p" in urls and "https://g2.example/p" not in urls
    assert await client.backfill_guild(guild) == 1  # the next run gets what was skipped
    await rhizome.flush()
    assert await stored_messages(rhizome, world) == 4


async def test_invite_link_uses_the_application_id(
    world: World, rhizome: Rhizome, tmp_path: Path
) -> None:
    config = make_config(tmp_path, world.fake)
    url = await fetch_invite_url(config, {"DISCORD_TOKEN": world.fake.token})
    assert f"client_id={world.fake.application_id}" in url
    assert "scope=bot+applications.commands" in url


async def test_a_thread_the_client_never_saw_is_looked_up(
    world: World, bots: BotRunner, rhizome: Rhizome
) -> None:
    from tests.fakes.discord_server import thread_payload

    await bots.start()
    fake, g, general = world.fake, world.guild, world.ch("general")
    # THREAD_CREATE was missed: the thread exists on Discord but not in the client's cache
    thread = thread_payload(fake.ids(), g.id, general["id"], "missed", owner_id=world.bob["id"])
    g.threads.append(thread)
    reply = await fake.post(g, thread, world.bob, "in a thread https://th.example/p")

    async def stored() -> bool:
        return await stored_messages(rhizome, world) == 1

    await eventually(stored)
    community = await community_of(rhizome, world.community)
    assert community is not None
    located = await rhizome.services.repos.messages.locate(community.id, reply["id"])
    assert located == (general["id"], thread["id"])
    assert [r.path for r in fake.requests if r.path == f"/channels/{thread['id']}"]
