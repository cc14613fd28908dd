"""A feature needs nothing outside its own package but a place in a features tuple: the toy
notes feature (tests/toy_feature) brings commands, a table with its own migration, and its
part of forget-me and my-data, and the core picks all of it up."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.commands.registry import MEMBER_GROUP, Invocation
from bot.config import Config
from bot.features import FEATURES
from bot.model import Actor, CommunityRef
from storage.db import Database
from tests.toy_feature import FEATURE as NOTES
from tests.toy_feature import notes

COMMUNITY = CommunityRef("slack", "T-toy", "Toy")
ANA = Actor("U-ana", "Ana")
BEN = Actor("U-ben", "Ben")


@pytest.fixture
async def core(database: Database, config: Config, clock: FixedClock) -> AsyncIterator[Rhizome]:
    rhizome = await Rhizome.start(config, clock, db=database, features=(*FEATURES, NOTES))
    yield rhizome
    await rhizome.services.writer.stop()
    for feature in rhizome.services.features:
        await feature.close(rhizome.services)


async def say(core: Rhizome, actor: Actor, text: str) -> str:
    reply = await core.run_command(Invocation(COMMUNITY, actor, MEMBER_GROUP, text=text))
    return reply.document.plain()


async def count(core: Rhizome) -> int:
    async with core.services.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(notes))).scalar_one())


async def test_a_toy_feature_brings_commands_a_table_forget_and_export(core: Rhizome) -> None:
    assert "notes add" in await say(core, ANA, "help")
    assert await say(core, ANA, "notes add read the tokio tutorial") == "Noted."
    await say(core, BEN, "notes add ben's own")
    assert await say(core, ANA, "notes list") == "read the tokio tutorial"

    reply = await core.run_command(Invocation(COMMUNITY, ANA, MEMBER_GROUP, text="privacy my-data"))
    assert json.loads(reply.files[0][1])["notes"] == ["read the tokio tutorial"]

    await say(core, ANA, "privacy forget-me confirm")
    assert await say(core, ANA, "notes list") == "No notes."
    assert await count(core) == 1  # Ben's is still there

    await core.purge_community(COMMUNITY)
    assert await count(core) == 0  # the community's rows go with it


async def test_without_the_feature_its_commands_do_not_exist(rhizome: Rhizome) -> None:
    reply = await rhizome.run_command(Invocation(COMMUNITY, ANA, MEMBER_GROUP, text="notes list"))
    assert "don't know" in reply.document.plain()
