"""Stored wants (`storage.wants`): the interest pass works out what members want to learn, the
profile reads it back, and it never shows a question that was edited or deleted since."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from adapters.console.session import ConsoleSession
from bot.app import Rhizome
from bot.config import Config
from bot.interests.profiles import shown_wants
from bot.interests.service import refresh_topics, service_for
from storage import wants as tables
from tests.conftest import make_config
from tests.e2e.test_interests_commands import _invocation

SCRIPT = """\
:as ana
:in #databases
Great guide to postgres indexes and query planning https://example.org/pg-indexes
:as cy
:reply m1 How do I make postgres use my index?
:as gus
Does anyone know how to tune postgres autovacuum for big tables?
:as gus
Kubernetes operators for postgres: anyone tried one in production?
:as ben
Partial indexes in postgres saved us, the planner picks them for hot queries.
:as hal
Anyone tried pgbouncer in transaction mode with postgres? https://example.org/pgbouncer
:as ana
:react m6 +1
"""


@pytest.fixture
def config() -> Config:
    return make_config(unfurl={"enabled": False})


@pytest.fixture
async def console(rhizome: Rhizome) -> ConsoleSession:
    session = ConsoleSession(rhizome)
    for line in SCRIPT.splitlines():
        out = await session.handle(line)
        assert "Usage" not in out and "not a message" not in out, (line, out)
    await refresh(session)
    return session


async def refresh(session: ConsoleSession) -> None:
    await session.rhizome.flush()
    await refresh_topics(session.rhizome.services)


async def say(session: ConsoleSession, who: str, command: str) -> str:
    await session.handle(f":as {who}")
    return await session.handle(command)


async def member_id(rz: Rhizome, external_id: str) -> tuple[int, int]:
    community = await rz.services.repos.communities.find("console", "local")
    assert community is not None
    member = await rz.services.repos.members.by_external_id(community.id, external_id)
    assert member is not None
    return community.id, member.id


async def live_wants(rz: Rhizome, community_id: int, mid: int) -> list[tuple[str, str | None]]:
    """What the profile showed before wants were stored: worked out from the actions."""
    svc = service_for(rz.services)
    profile = (await svc.profiles(community_id, member_ids=[mid], recent=500))[mid]
    ranked = sorted(profile.wants.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = shown_wants(((t, profile.evidence(t, wants=True)) for t, _ in ranked), 3)
    return [(topic, asked.snippet) for topic, asked in shown]


async def test_the_pass_stores_wants_that_match_the_ones_worked_out_live(
    console: ConsoleSession,
) -> None:
    rz = console.rhizome
    svc = service_for(rz.services)
    for who in ("cy", "gus", "ana", "ben", "hal"):  # hal's question share has a reaction
        community_id, mid = await member_id(rz, who)
        stored = await svc.stored_wants(community_id, mid, 3)
        assert stored is not None, who  # current after the pass
        assert [(t, e.snippet) for t, e in stored] == await live_wants(rz, community_id, mid)
    _, gus = await member_id(rz, "gus")
    assert await svc.stored_wants(community_id, gus, 3)
    out = await say(console, "zed", "/rhizome profile @gus")
    assert "Wants to learn" in out
    assert "asked “Does anyone know how to tune postgres autovacuum for big tables?”" in out


async def test_an_edited_or_deleted_question_is_never_shown_from_the_stored_wants(
    console: ConsoleSession,
) -> None:
    rz = console.rhizome
    svc = service_for(rz.services)
    community_id, gus = await member_id(rz, "gus")
    await say(console, "gus", ":edit m3 Postgres autovacuum works fine for big tables.")
    await rz.flush()
    # Before any pass has seen the edit, the profile works the wants out itself.
    assert await svc.stored_wants(community_id, gus, 3) is None
    out = await say(console, "zed", "/rhizome profile @gus")
    assert "autovacuum" not in out.split("Wants to learn")[-1]
    assert "Kubernetes operators" in out
    await say(console, "gus", ":delete m4")
    await refresh(console)
    out = await say(console, "zed", "/rhizome profile @gus")
    assert "Wants to learn" not in out
    assert await svc.stored_wants(community_id, gus, 3) == []


async def test_a_new_question_shows_at_once_and_stored_wants_follow_the_member(
    console: ConsoleSession,
) -> None:
    rz = console.rhizome
    out = await say(console, "ben", "How can I read a postgres query plan?")
    await rz.flush()
    out = await say(console, "zed", "/rhizome profile @ben")
    assert "asked “How can I read a postgres query plan?”" in out
    community_id, ben = await member_id(rz, "ben")
    stored = await service_for(rz.services).stored_wants(community_id, ben, 3)
    assert stored and stored[0][1].snippet == "How can I read a postgres query plan?"
    reply = await rz.run_command(_invocation("ben", "privacy my-data"))
    data = json.loads(reply.files[0][1])
    assert data["interests"]["derived_wants"]
    await say(console, "ben", "/rhizome privacy forget-me confirm")
    async with rz.services.db.read() as conn:
        for table in (tables.member_wants, tables.member_want_state):
            n = (
                await conn.execute(
                    select(func.count()).select_from(table).where(table.c.member_id == ben)
                )
            ).scalar_one()
            assert n == 0


async def test_members_who_turned_tracking_off_have_no_stored_wants(
    console: ConsoleSession,
) -> None:
    rz = console.rhizome
    await say(console, "gus", "/rhizome privacy tracking off")
    assert "Wants to learn" not in await say(console, "zed", "/rhizome profile @gus")
    community_id, gus = await member_id(rz, "gus")
    # The next time the pass works them out (here: at once), nothing is kept for them.
    await service_for(rz.services).topics.recompute_members(community_id, [gus])
    async with rz.services.db.read() as conn:
        rows = (
            await conn.execute(
                select(func.count())
                .select_from(tables.member_wants)
                .where(tables.member_wants.c.member_id == gus)
            )
        ).scalar_one()
    assert rows == 0


async def test_an_old_vocabulary_answers_at_once_while_a_new_one_loads(
    console: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from bot.interests import service as service_module

    rz = console.rhizome
    svc = service_for(rz.services)
    community_id, _ = await member_id(rz, "ana")
    first = await svc.vocabulary(community_id)
    assert "postgres" in first.popularity
    # Another process declares an interest: this one hears nothing of it.
    await svc.store.declare(community_id, "ana", ["quantum knitting"], rz.services.clock.now())
    monkeypatch.setattr(service_module, "VOCABULARY_TTL", 0.0)
    assert await svc.vocabulary(community_id) is first  # no command waits for the reload
    await asyncio.gather(*svc._reloading.values())
    fresh = await svc.vocabulary(community_id)
    assert fresh is not first and "quantum knitting" in fresh.popularity
    # A change in this process drops it at once: the next caller loads it.
    await svc.declare(
        await rz.services.repos.communities.get(community_id), "ana", "Ana", ["tatting"]
    )
    assert "tatting" in (await svc.vocabulary(community_id)).popularity


async def test_a_change_loads_the_vocabulary_again_off_the_command_path(
    console: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    rz = console.rhizome
    svc = service_for(rz.services)
    community_id, _ = await member_id(rz, "ana")
    community = await rz.services.repos.communities.get(community_id)
    assert community is not None
    loads = 0
    load = svc.store.vocabulary

    async def counted(cid: int, limit: int) -> list[tuple[str, int, float]]:
        nonlocal loads
        loads += 1
        return await load(cid, limit)

    monkeypatch.setattr(svc.store, "vocabulary", counted)
    svc.invalidate(community_id, reload=False)
    # A community whose vocabulary nobody asked for is not loaded for nothing.
    svc.invalidate(community_id)
    assert not svc._reloading and loads == 0
    first = await svc.vocabulary(community_id)
    assert loads == 1
    # A change drops a loaded vocabulary and loads it again at once, in the background...
    await svc.declare(community, "ana", "Ana", ["tatting"])
    await asyncio.gather(*svc._reloading.values())
    assert loads == 2
    ready = await svc.vocabulary(community_id)  # ...so the next command finds it ready
    assert loads == 2 and ready is not first and "tatting" in ready.popularity
    # A command right after a change waits for that load instead of starting its own.
    await svc.declare(community, "ana", "Ana", ["crochet"])
    assert "crochet" in (await svc.vocabulary(community_id)).popularity
    assert loads == 3
