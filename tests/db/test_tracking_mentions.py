"""Mentions are stored as facts: the same members from a live Slack event and from the export
that holds the same message, from a Discord export's `mentions` list; an edit replaces them,
a deletion takes them; a member who turned tracking off is never stored as someone named.

Runs on SQLite and (when configured) PostgreSQL through the `rhizome` fixture."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased

from adapters.slack.translate import translate_envelope
from bot.app import Rhizome
from bot.importers.run import import_export
from bot.model import Actor, CommunityRef, MessagePosted
from storage import models as m
from tests.conftest import START
from tests.factories import Chat

SLICE = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "slack-houstondatavis-slice"
LIVE = CommunityRef("slack", "TLIVE", "Live")
CHAT = CommunityRef("discord", "G1", "Guild")


async def mentions(rz: Rhizome) -> dict[str, set[tuple[str, str]]]:
    """Per community external id: the stored (message external id, member named) pairs."""
    await rz.flush()
    msg, mm, mt, cm = m.messages, m.message_mentions, m.members, m.communities
    named = aliased(mt)
    out: dict[str, set[tuple[str, str]]] = {}
    async with rz.services.db.read() as conn:
        for community, message, member in await conn.execute(
            select(cm.c.external_id, msg.c.external_id, named.c.external_id)
            .select_from(mm)
            .join(msg, msg.c.id == mm.c.message_id)
            .join(named, named.c.id == mm.c.member_id)
            .join(cm, cm.c.id == mm.c.community_id)
        ):
            out.setdefault(community, set()).add((message, member))
    return out


async def test_a_live_slack_event_and_the_export_store_the_same_mentions(rhizome: Rhizome) -> None:
    summary = await import_export(rhizome, "slack", SLICE)
    assert summary.ok
    channels = json.loads((SLICE / "channels.json").read_text("utf-8"))
    live = []
    for channel in channels:
        for day in sorted((SLICE / channel["name"]).glob("*.json")):
            for message in json.loads(day.read_text("utf-8")):
                event = translate_envelope(
                    {
                        "type": "event_callback",
                        "team_id": LIVE.external_id,
                        "event": {**message, "channel": channel["id"], "channel_type": "channel"},
                    }
                )
                if isinstance(event, MessagePosted):
                    live.append(event)
    await rhizome.ingest_many(live)
    stored = await mentions(rhizome)
    imported = next(v for k, v in stored.items() if k != LIVE.external_id)
    assert imported == stored[LIVE.external_id]
    # "<@U066MTL5U> <@U061A1R2R> iheanyi is famous now" names both; "cc <@…>" its one.
    assert {("1440873976.000003", "U066MTL5U"), ("1440873976.000003", "U061A1R2R")} <= imported
    assert ("1468458613.000007", "U061A5N1G") in imported
    assert len(imported) >= 15


async def test_a_discord_export_reads_the_mentions_list(rhizome: Rhizome, tmp_path: Path) -> None:
    """DiscordChatExporter writes "@Thomas" in the content and whom it names in `mentions`
    (this message is from the slatinsky example guild export)."""
    export = {
        "guild": {"id": "1012224565567721552", "name": "Example guild"},
        "channel": {
            "id": "1012224565567721553",
            "type": "GuildTextChat",
            "categoryId": "1012224565567721551",
            "category": "Text Channels",
            "name": "general",
            "topic": None,
        },
        "messages": [
            {
                "id": "1060927310439657577",
                "type": "Default",
                "timestamp": "2023-01-05T21:17:06.386+00:00",
                "timestampEdited": None,
                "content": "@Thomas that is a little bit off topic, let me create a thread for you",
                "author": {"id": "521486476985155645", "name": "Adam", "nickname": "Adam"},
                "attachments": [],
                "embeds": [],
                "reactions": [],
                "mentions": [
                    {
                        "id": "896568767994532880",
                        "name": "Thomas",
                        "discriminator": "0007",
                        "nickname": "Thomas",
                        "isBot": False,
                    }
                ],
            }
        ],
    }
    path = tmp_path / "general.json"
    path.write_text(json.dumps(export), "utf-8")
    assert (await import_export(rhizome, "discord", path)).ok
    assert (await mentions(rhizome))["1012224565567721552"] == {
        ("1060927310439657577", "896568767994532880")
    }
    found = await rhizome.services.repos.members.by_external_id(
        (
            await rhizome.services.repos.communities.ensure(
                CommunityRef("discord", "1012224565567721552")
            )
        ).id,
        "896568767994532880",
    )
    assert found is not None and found.display_name == "Thomas"  # named before he ever posts


async def test_edits_replace_deletions_take_and_opted_out_members_are_never_named(
    rhizome: Rhizome,
) -> None:
    chat = Chat(CHAT, START)
    ana, ben, cy = Actor("U-ana", "Ana"), Actor("U-ben", "Ben"), Actor("U-cy", "Cy")
    me = Actor("U-dee", "Dee")
    post = chat.post("dee", "thanks @ana and @ben (and me)", mid="1")
    await rhizome.ingest(replace(post, mentions=(ana, ben, me)))  # naming oneself is no mention
    assert (await mentions(rhizome))[CHAT.external_id] == {("1", "U-ana"), ("1", "U-ben")}
    edit = chat.edit("1", "thanks @cy", minutes=1)
    await rhizome.ingest(replace(edit, mentions=(cy,)))
    assert (await mentions(rhizome))[CHAT.external_id] == {("1", "U-cy")}
    await rhizome.ingest(chat.edit("1", "thanks @cy!", minutes=2))  # the platform did not say
    assert (await mentions(rhizome))[CHAT.external_id] == {("1", "U-cy")}
    await rhizome.ingest(chat.delete("1", minutes=3))
    assert CHAT.external_id not in await mentions(rhizome)
    # Cy turns tracking off: a later mention of him is not stored, nor is his name.
    await rhizome.run_command(chat.command("cy", "privacy tracking off"))
    later = chat.post("dee", "thanks @cy and @ana", mid="2", minutes=4)
    await rhizome.ingest(replace(later, mentions=(Actor("U-cy", "Cy Newname"), ana)))
    assert (await mentions(rhizome))[CHAT.external_id] == {("2", "U-ana")}
    async with rhizome.services.db.read() as conn:
        names = set((await conn.execute(select(m.members.c.display_name))).scalars())
    assert "Cy Newname" not in names
