"""`[privacy] retention_days`: old messages, what was derived from them, old tombstones and
delivery ids are pruned on schedule; newer data is untouched."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.config import Config
from bot.model import Actor, CommunityRef
from bot.retention import retention_for
from storage import models as m
from tests.conftest import START, make_config
from tests.factories import Chat

COMMUNITY = CommunityRef("slack", "T1", "Team")
DAY = 24 * 60  # minutes


@pytest.fixture
def config() -> Config:
    return make_config(privacy={"retention_days": 30})


async def count(rz: Rhizome, table: object) -> int:
    async with rz.services.db.read() as conn:
        stmt = select(func.count()).select_from(table)  # type: ignore[arg-type]
        return int((await conn.execute(stmt)).scalar_one())


async def urls(rz: Rhizome) -> set[str]:
    community = await rz.services.repos.communities.ensure(COMMUNITY)
    ids = await rz.services.repos.resources.all_ids(community.id)
    return {r.url for r in await rz.services.repos.resources.summaries(community.id, ids)}


async def test_old_history_is_pruned_on_schedule_and_newer_data_stays(
    rhizome: Rhizome, clock: FixedClock
) -> None:
    chat = Chat(COMMUNITY, START)
    ana = Actor("U-ana", "Ana")
    await rhizome.ingest(chat.post("ana", "old only https://example.org/old", mid="1"))
    await rhizome.ingest(
        replace(  # old, and thanking Ben by name
            chat.post("ana", "old too https://example.org/both", mid="2", minutes=1),
            mentions=(Actor("U-ben", "Ben"),),
        )
    )
    await rhizome.ingest(chat.react("ben", "2", minutes=2, event_id="Ev1"))
    await rhizome.ingest(chat.delete("9", minutes=3))  # a tombstone, dated now
    clock.advance(timedelta(days=20))
    await rhizome.ingest(
        chat.post("ben", "newer https://example.org/both", mid="3", minutes=20 * DAY)
    )
    await rhizome.ingest(chat.react("ana", "3", minutes=20 * DAY + 1, event_id="Ev3"))
    await rhizome.ingest(
        replace(chat.post("ben", "thanks", mid="4", minutes=20 * DAY + 2), mentions=(ana,))
    )
    assert await count(rhizome, m.message_mentions) == 2
    retention = retention_for(rhizome.services)
    nothing = await retention.tick()  # nothing is older than 30 days yet
    assert (nothing.messages, nothing.tombstones, nothing.deliveries) == (0, 0, 0)

    clock.advance(timedelta(days=15))  # the first messages are 35 days old, the newer 15
    pruned = await retention.tick()
    assert (pruned.messages, pruned.tombstones, pruned.deliveries) == (2, 1, 1)
    assert await count(rhizome, m.messages) == 2
    assert await count(rhizome, m.message_mentions) == 1  # the old one went with its message
    assert await count(rhizome, m.reactions) == 1  # on the newer message
    assert await urls(rhizome) == {"https://example.org/both"}  # only-old is gone
    community = await rhizome.services.repos.communities.ensure(COMMUNITY)
    assert await rhizome.services.repos.resources.search(community.id, "only") == []
    assert [r.url for r in await rhizome.services.repos.resources.search(community.id, "newer")]
    assert await count(rhizome, m.processed_events) == 1  # Ev3 stays
    assert rhizome.services.db.needs_scrub  # the files are wiped next
    again = await retention.tick()
    assert (again.messages, again.tombstones, again.deliveries) == (0, 0, 0)


async def test_history_older_than_the_retention_is_not_stored(
    rhizome: Rhizome, clock: FixedClock
) -> None:
    chat = Chat(COMMUNITY, START - timedelta(days=31))
    stats = await rhizome.ingest_many(
        [
            chat.post("ana", "too old https://example.org/a", mid="1"),
            chat.post("ana", "recent https://example.org/b", mid="2", minutes=2 * DAY),
        ]
    )
    assert stats.skip_reasons == {"older than the retention period": 1}
    assert await urls(rhizome) == {"https://example.org/b"}


async def test_a_thread_pruned_whole_is_forgotten_and_a_reply_chain_is_never_a_thread(
    rhizome: Rhizome, clock: FixedClock
) -> None:
    """The platform's threads are noted as their messages arrive (catch-up asks Discord only
    about those); one whose messages have all been pruned goes too. A chain of in-channel
    replies is stored under its root's id like a thread's messages, but is none."""
    chat = Chat(COMMUNITY, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", "old thread https://example.org/t", mid="1"),
            chat.post("ben", "old reply", mid="2", thread="1", minutes=1),
            chat.post("ana", "chained https://example.org/c", mid="3", minutes=2),
            replace(chat.post("ben", "a reply in the channel", mid="4", minutes=3), reply_to="3"),
        ]
    )

    async def threads() -> set[str]:
        async with rhizome.services.db.read() as conn:
            return set((await conn.execute(select(m.threads.c.external_id))).scalars())

    messages = rhizome.services.repos.messages
    assert await threads() == {"1"}
    assert await messages.threads_by_channel(COMMUNITY) == {"C-general": {"1"}}
    clock.advance(timedelta(days=20))
    await rhizome.ingest(chat.post("ben", "newer thread", mid="5", thread="3", minutes=20 * DAY))
    assert await threads() == {"1", "3"}  # "3" once a thread was started from it
    assert await messages.threads_by_channel(COMMUNITY) == {"C-general": {"1", "3"}}
    clock.advance(timedelta(days=15))
    await retention_for(rhizome.services).tick()
    assert await threads() == {"3"}  # thread "1" had only old messages
