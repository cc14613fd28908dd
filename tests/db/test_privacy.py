"""Privacy commands end to end through the core: tracking off, forget-me, my-data."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.app import Rhizome
from bot.documents import Actions
from bot.model import Actor, CommunityRef
from storage import models as m
from tests.conftest import START
from tests.factories import Chat

COMMUNITY = CommunityRef("discord", "G1", "Guild")


@pytest.fixture
def chat() -> Chat:
    return Chat(COMMUNITY, START)


async def rows(rz: Rhizome, table: object, **where: object) -> int:
    stmt = select(func.count()).select_from(table)  # type: ignore[arg-type]
    for column, value in where.items():
        stmt = stmt.where(table.c[column] == value)
    async with rz.services.db.read() as conn:
        return int((await conn.execute(stmt)).scalar_one())


async def test_tracking_off_stores_nothing_new_and_on_resumes(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "https://example.org/before", mid="1"))
    reply = await rhizome.run_command(chat.command("ana", "privacy tracking off"))
    assert "nothing new will be stored" in reply.document.plain()
    stats = await rhizome.ingest(chat.post("ana", "https://example.org/after", mid="2"))
    await rhizome.ingest(chat.react("ana", "1"))
    assert stats.skip_reasons == {"member opted out": 1}
    assert await rows(rhizome, m.messages) == 1
    assert await rows(rhizome, m.reactions) == 0
    await rhizome.run_command(chat.command("ana", "privacy tracking on"))
    await rhizome.ingest(chat.post("ana", "https://example.org/later", mid="3"))
    assert await rows(rhizome, m.messages) == 2


async def test_forget_me_asks_first_then_deletes_every_row(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "only mine https://example.org/ana", mid="1"))
    await rhizome.ingest(chat.post("ana", "shared too https://example.org/both", mid="2"))
    await rhizome.ingest(chat.post("ben", "https://example.org/both", mid="3", minutes=1))
    await rhizome.ingest(chat.post("ana", "reply on ben's", thread="3", minutes=2))
    await rhizome.ingest(chat.react("ana", "3", minutes=3))

    ask = await rhizome.run_command(chat.command("ana", "privacy forget-me"))
    buttons = [b for blk in ask.document.blocks if isinstance(blk, Actions) for b in blk.buttons]
    assert buttons and buttons[0].command == "rhizome privacy forget-me confirm"
    assert await rows(rhizome, m.messages) == 4  # nothing deleted yet

    done = await rhizome.run_command(chat.command("ana", "privacy forget-me confirm"))
    assert "deleted" in done.document.plain()
    community = await rhizome.services.repos.communities.ensure(COMMUNITY)
    assert await rhizome.services.repos.members.by_external_id(community.id, "U-ana") is None
    assert await rows(rhizome, m.messages) == 1  # ben's
    assert await rows(rhizome, m.reactions) == 0
    ids = await rhizome.services.repos.resources.all_ids(community.id)
    urls = [r.url for r in await rhizome.services.repos.resources.summaries(community.id, ids)]
    assert urls == ["https://example.org/both"]  # only-hers is gone, ben's share stays
    both = (await rhizome.services.repos.resources.summaries(community.id, ids))[0]
    assert (both.share_count, both.reply_count, both.reaction_count) == (1, 0, 0)
    found = await rhizome.services.repos.resources.search(community.id, "mine")
    assert found == []
    # Forgotten members stay untracked until they say otherwise.
    stats = await rhizome.ingest(chat.post("ana", "https://example.org/new", mid="9", minutes=9))
    assert stats.skip_reasons == {"member opted out": 1}


async def test_my_data_exports_everything_stored_about_me(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "see https://example.org/a", mid="1"))
    await rhizome.ingest(chat.post("ben", "https://example.org/b", mid="2"))
    await rhizome.ingest(chat.react("ana", "2", "heart"))
    thanks = chat.post("ben", "thanks @ana", mid="3", minutes=1)
    await rhizome.ingest(replace(thanks, mentions=(Actor("U-ana", "Ana"),)))
    reply = await rhizome.run_command(chat.command("ana", "privacy my-data"))
    ((name, body),) = reply.files
    data = json.loads(body)
    assert name == "rhizome-my-data.json"
    assert [msg["text"] for msg in data["messages"]] == ["see https://example.org/a"]
    assert [s["url"] for s in data["shares"]] == ["https://example.org/a"]
    assert [(r["emoji"], r["message"]) for r in data["reactions"]] == [
        ("\u2764\ufe0f", "2")
    ]  # stored in the canonical form
    assert "https://example.org/b" not in body
    # Being named in Ben's message is stored about her too; his words are his, not shown.
    assert [(x["message"], x["channel"]) for x in data["mentioned_in"]] == [("3", "general")]
    assert "thanks @ana" not in body
    assert reply.ephemeral


async def test_a_member_with_no_data_gets_an_empty_export(rhizome: Rhizome, chat: Chat) -> None:
    reply = await rhizome.run_command(chat.command("zed", "privacy my-data"))
    data = json.loads(reply.files[0][1])
    assert data["member"] is None and data["messages"] == []


async def test_privacy_status_shows_a_member_their_state(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "see https://example.org/a", mid="1"))
    await rhizome.ingest(chat.react("ana", "1"))
    shown = (await rhizome.run_command(chat.command("ana", "privacy status"))).document.plain()
    assert "Tracking: on" in shown
    assert "1 message, 1 share, 1 reaction" in shown
    assert "kept until deleted" in shown and "within 15 minutes" in shown
    await rhizome.run_command(chat.command("ana", "privacy forget-me confirm"))
    shown = (await rhizome.run_command(chat.command("ana", "privacy status"))).document.plain()
    assert "Tracking: off" in shown and "0 messages, 0 shares, 0 reactions" in shown
