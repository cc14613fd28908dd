"""resource_activity and resource_totals stay exactly what the facts say, through posts,
replies before their root, reactions, edits, deletions, forget-me, purges, imports, reindex
and a transfer; and `top` over any window ranks as a full count would."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, union_all
from sqlalchemy.engine import Connection

from bot.app import Rhizome
from bot.importers.run import import_export
from bot.model import Actor, CommunityRef, CommunityRemoved
from storage import activity
from storage import models as m
from tests.conftest import START
from tests.factories import Chat

SLACK = CommunityRef("slack", "T1", "Team One")
OTHER = CommunityRef("discord", "G2", "Other")
SLICE = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "slack-houstondatavis-slice"


@pytest.fixture
def chat() -> Chat:
    return Chat(SLACK, START)


def _facts(conn: Connection) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """(stored events, events the facts imply) and (stored totals, totals they imply)."""
    ra, rt = activity.resource_activity, activity.resource_totals
    cols = (ra.c.community_id, ra.c.resource_id, ra.c.share_id, ra.c.member_id, ra.c.kind)
    cols += (ra.c.source_id, ra.c.at)
    stored = Counter(tuple(r) for r in conn.execute(select(*cols)))
    implied_sql = activity.FILL.format(where="1 = 1").split("\n", 2)[2]  # the SELECT part
    implied = Counter(tuple(r) for r in conn.execute(text(implied_sql).columns(*cols)))
    assert stored == implied
    totals = {
        r.resource_id: (r.community_id, r.events, r.last_at)
        for r in conn.execute(
            select(rt.c.resource_id, rt.c.community_id, rt.c.events, rt.c.last_at)
        )
    }
    want: dict[int, Any] = {}
    for cid, rid, _share, _member, _kind, _source, at in implied.elements():
        _, n, last = want.get(rid, (cid, 0, at))
        want[rid] = (cid, n + 1, max(last, at))
    assert totals == want
    return stored, implied


async def consistent(rz: Rhizome) -> Counter[tuple[Any, ...]]:
    """Assert the tables equal a recomputation from the facts; the stored events."""
    await rz.flush()
    async with rz.services.db.read() as conn:
        stored, _ = await conn.run_sync(_facts)
    return stored


async def community_id(rz: Rhizome, ref: CommunityRef = SLACK) -> int:
    return (await rz.services.repos.communities.ensure(ref)).id


async def test_posts_replies_reactions_edits_and_deletions_keep_it_exact(
    rhizome: Rhizome, chat: Chat
) -> None:
    ingest = rhizome.ingest
    # A reply and a reaction arriving before the message they belong to.
    await ingest(chat.post("ben", "how do I cancel?", mid="r1", thread="1.0", minutes=1))
    await ingest(chat.react("cy", "1.0", "tada", minutes=1))
    await consistent(rhizome)
    await ingest(chat.post("ana", "https://tokio.rs/a and https://b.example/x", mid="1.0"))
    events = await consistent(rhizome)
    # a's and b's share, Ben's reply and Cy's reaction to each: 2 × 3.
    assert len(events) == 6
    await ingest(chat.post("dee", "me too", mid="r2", thread="1.0", minutes=2))
    await ingest(chat.react("eli", "1.0", "heart", minutes=3))
    await ingest(chat.react("eli", "1.0", "tada", minutes=3))
    await ingest(chat.post("fay", "again https://tokio.rs/a", mid="2.0", minutes=4))
    await ingest(chat.react("ben", "2.0", minutes=5))
    assert len(await consistent(rhizome)) == 2 * 6 + 2
    await ingest(chat.unreact("eli", "1.0", "heart", minutes=6))
    assert len(await consistent(rhizome)) == 2 * 5 + 2
    # An edit that drops one link and adds another.
    await ingest(chat.edit("1.0", "now https://tokio.rs/a and https://c.example/y", minutes=7))
    await consistent(rhizome)
    # A reply deleted, then the root with its shares.
    await ingest(chat.delete("r2", minutes=8))
    await consistent(rhizome)
    await ingest(chat.delete("1.0", minutes=9))
    events = await consistent(rhizome)
    assert {e[4] for e in events} == {activity.SHARE, activity.REACTION}  # only 2.0's are left


async def test_forget_me_leaves_nothing_of_her_in_the_activity(
    rhizome: Rhizome, chat: Chat
) -> None:
    her = Actor("U-zed", "Zed")
    await rhizome.ingest(chat.post("ana", "https://example.org/both", mid="1.0"))
    await rhizome.ingest(replace(chat.post("x", "https://example.org/hers", mid="2.0"), author=her))
    await rhizome.ingest(replace(chat.post("x", "yes!", thread="1.0", minutes=7), author=her))
    await rhizome.ingest(replace(chat.react("x", "1.0", minutes=9), actor=her))
    await rhizome.ingest(chat.post("ben", "agreed", thread="2.0", minutes=3))
    member = await rhizome.services.repos.members.by_external_id(
        await community_id(rhizome), her.external_id
    )
    assert member is not None
    assert any(e[3] == member.id for e in await consistent(rhizome))
    invocation = replace(chat.command("x", "privacy forget-me confirm"), actor=her)
    await rhizome.run_command(invocation)
    events = await consistent(rhizome)
    assert events and not any(e[3] == member.id for e in events)
    # Nothing dates her activity either: the newest event left is Ana's share.
    async with rhizome.services.db.read() as conn:
        lasts = list((await conn.execute(select(activity.resource_totals.c.last_at))).scalars())
    assert [_naive(t) for t in lasts] == [_naive(chat.at(0))]


def _naive(when: Any) -> Any:
    return when.replace(tzinfo=None) if hasattr(when, "replace") else when


async def test_a_purge_removes_the_community_rows_only(rhizome: Rhizome, chat: Chat) -> None:
    other = Chat(OTHER, START)
    await rhizome.ingest(chat.post("ana", "https://example.org/a", mid="1.0"))
    await rhizome.ingest(chat.react("ben", "1.0"))
    await rhizome.ingest(other.post("cy", "https://example.org/kept", mid="1"))
    await rhizome.ingest(CommunityRemoved(place=chat.place(), occurred_at=chat.at(9)))
    events = await consistent(rhizome)
    assert {e[0] for e in events} == {await community_id(rhizome, OTHER)}


async def test_an_import_and_a_reindex_agree_with_the_facts(rhizome: Rhizome) -> None:
    summary = await import_export(rhizome, "slack", SLICE)
    assert summary.ok
    events = await consistent(rhizome)
    if not rhizome.services.db.is_sqlite:  # the import ends with VACUUM (ANALYZE)
        async with rhizome.services.db.read() as conn:
            vacuumed = await conn.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()"
                    " AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL"
                )
            )
            # ... of what it stored, and of what deriving filled after it
            assert {"messages", "resource_activity", "member_topics", "resource_topics"} <= set(
                vacuumed.scalars()
            )
    assert {e[4] for e in events} >= {activity.SHARE, activity.REACTION}
    cid = (await rhizome.services.repos.communities.list_all())[0][0].id
    await rhizome.services.repos.resources.rebuild_activity(cid)
    assert await consistent(rhizome) == events


async def test_top_over_long_windows_ranks_as_a_full_count(rhizome: Rhizome, chat: Chat) -> None:
    """The bounded search (`activity.top_ids`) against the plain GROUP BY of every event."""
    ingest = rhizome.ingest
    for r in range(30):  # resource r: r % 7 + 1 people, spread over time
        mid = f"{r}.0"
        await ingest(chat.post(f"s{r % 4}", f"https://example.org/{r}", mid=mid, minutes=r * 600))
        for p in range(r % 7 + 1):
            if p % 2:
                await ingest(chat.react(f"p{p}", mid, minutes=r * 600 + p * 300))
            else:
                await ingest(chat.post(f"p{p}", "yes", thread=mid, minutes=r * 600 + p * 300))
    await consistent(rhizome)
    cid = await community_id(rhizome)
    ra = activity.resource_activity
    now = chat.at(30 * 600)
    for days in (0.5, 1, 3, 7, 10, 14, 20, 30):
        since = now - timedelta(days=days)
        async with rhizome.services.db.read() as conn:
            fast = await conn.run_sync(activity.top_ids, cid, since, 5)
            bounded = await conn.run_sync(
                lambda c, since=since: activity.top_ids(c, cid, since, 5, direct_days=0)
            )
            full = [
                r[0]
                for r in await conn.execute(
                    select(ra.c.resource_id)
                    .where(ra.c.community_id == cid, ra.c.at >= since)
                    .group_by(ra.c.resource_id)
                    .order_by(
                        func.count(func.distinct(ra.c.member_id)).desc(),
                        func.count().desc(),
                        func.max(ra.c.at).desc(),
                        ra.c.resource_id,
                    )
                    .limit(5)
                )
            ]
        assert fast == bounded == full, days
    top = await rhizome.services.repos.resources.top(cid, now - timedelta(days=30))
    assert [r.discussants for r in top] == sorted((r.discussants for r in top), reverse=True)


async def test_one_members_newest_actions_are_the_same_read_alone_or_with_others(
    rhizome: Rhizome, chat: Chat
) -> None:
    """`recent` for one member is ORDER BY … LIMIT; for several, a window per member."""
    from bot.interests.service import service_for

    for n in range(6):
        t = n * 10
        await rhizome.ingest(
            chat.post("ana", f"look https://example.org/{n}", mid=f"{n}.0", minutes=t)
        )
        await rhizome.ingest(chat.post("ben", f"why {n}?", thread=f"{n}.0", minutes=t + 1))
        await rhizome.ingest(chat.post("ben", f"said {n}", minutes=t + 2))
        await rhizome.ingest(chat.react("ben", f"{n}.0", minutes=t + 3))
        await rhizome.ingest(chat.post("cy", f"also {n}", thread=f"{n}.0", minutes=t + 4))
    cid = await community_id(rhizome)
    members = rhizome.services.repos.members
    ben = await members.by_external_id(cid, "U-ben")
    cy = await members.by_external_id(cid, "U-cy")
    assert ben is not None and cy is not None
    store = service_for(rhizome.services).store

    def key(a: Any) -> tuple[Any, ...]:
        return (a.member_id, a.kind, a.at, a.resource_id, a.message_id)

    alone = await store.actions(cid, [ben.id], said=True, recent=3)
    together = await store.actions(cid, [ben.id, cy.id], said=True, recent=3)
    assert sorted(map(key, alone)) == sorted(key(a) for a in together if a.member_id == ben.id)
    assert {a.kind for a in alone} == {"replied", "reacted", "said"}
    assert len([a for a in alone if a.kind == "replied"]) == 3
    replies = await store.replies(cid, [ben.id], since=chat.at(-60), recent=2)
    both = await store.replies(cid, [ben.id, cy.id], since=chat.at(-60), recent=2)
    assert sorted(r.message_id for r in replies) == sorted(
        r.message_id for r in both if r.member_id == ben.id
    )


async def test_shared_by_lists_distinct_resources_newest_first(
    rhizome: Rhizome, chat: Chat
) -> None:
    """Newest shares first, each resource once, also when one link was shared over and over
    (more often than the newest-first read looks at)."""
    posts = [("https://example.org/old", 0), ("https://example.org/mid", 1)]
    posts += [("https://example.org/again", 2 + n) for n in range(45)]
    for n, (url, minute) in enumerate(posts):
        await rhizome.ingest(chat.post("ana", url, mid=f"{n}.0", minutes=minute))
    cid = await community_id(rhizome)
    repos = rhizome.services.repos
    ana = await repos.members.by_external_id(cid, "U-ana")
    assert ana is not None
    ids = await repos.resources.shared_by(ana.id, 2)
    urls = [r.url for r in await repos.resources.summaries(cid, ids)]
    assert urls == ["https://example.org/again", "https://example.org/mid"]
    ids = await repos.resources.shared_by(ana.id, 10)
    assert len(ids) == 3


def _discussed_by_joining_threads(
    conn: Connection, community_id: int, member_id: int, limit: int
) -> list[int]:
    """`discussed_by` as it was before `resource_activity` served it: the member's newest
    replies joined back to their threads' roots and their newest reactions, each resource
    ranked by its newest event (the reference for the test below)."""
    msg, root, st, rx = m.messages, m.messages.alias("root"), m.shares, m.reactions
    replies = (
        select(msg.c.channel_id, msg.c.thread_external_id, msg.c.posted_at)
        .where(msg.c.author_id == member_id, msg.c.thread_external_id.is_not(None))
        .subquery()
    )
    reactions = select(rx.c.message_id, rx.c.reacted_at).where(rx.c.member_id == member_id)
    reacted = reactions.subquery()
    events = union_all(
        select(st.c.resource_id, replies.c.posted_at.label("at"))
        .select_from(replies)
        .join(
            root,
            (root.c.channel_id == replies.c.channel_id)
            & (root.c.external_id == replies.c.thread_external_id)
            & (root.c.community_id == community_id),
        )
        .join(st, st.c.message_id == root.c.id),
        select(st.c.resource_id, reacted.c.reacted_at.label("at"))
        .select_from(reacted)
        .join(st, st.c.message_id == reacted.c.message_id),
    ).subquery()
    rows = conn.execute(
        select(events.c.resource_id)
        .group_by(events.c.resource_id)
        .order_by(func.max(events.c.at).desc(), events.c.resource_id.desc())
        .limit(limit)
    )
    return [r[0] for r in rows]


async def test_discussed_by_reads_the_activity_as_joining_the_threads_did(
    rhizome: Rhizome, chat: Chat
) -> None:
    """Replies in sharing threads, reactions to sharing messages, a thread without a link,
    one resource discussed over and over (past the newest-first read), an edit that removes
    a link and a deleted reply: the same resources in the same order as the old join."""
    ingest = rhizome.ingest
    minute = 0

    def tick() -> int:
        nonlocal minute
        minute += 1
        return minute

    for r in range(14):
        await ingest(
            chat.post(f"s{r % 3}", f"https://example.org/{r}", mid=f"{r}.0", minutes=tick())
        )
    await ingest(chat.post("s0", "no link here", mid="99.0", minutes=tick()))
    for r in range(14):
        if r % 3:
            await ingest(chat.post("ana", "agreed", thread=f"{r}.0", minutes=tick()))
        else:
            await ingest(chat.react("ana", f"{r}.0", minutes=tick()))
        await ingest(chat.post("ana", "chit-chat", thread="99.0", minutes=tick()))
    for n in range(60):  # one thread discussed over and over: more than the first read holds
        await ingest(chat.post("bob", f"again {n}", thread="5.0", minutes=tick()))
    await ingest(chat.post("bob", "and this", thread="6.0", mid="b1", minutes=tick()))
    await ingest(chat.react("bob", "7.0", minutes=tick()))
    await ingest(chat.edit("7.0", "link removed", minutes=tick()))
    await ingest(chat.post("bob", "gone", thread="8.0", mid="b2", minutes=tick()))
    await ingest(chat.delete("b2", minutes=tick()))
    await consistent(rhizome)
    cid = await community_id(rhizome)
    repos = rhizome.services.repos
    for who in ("U-ana", "U-bob", "U-s0"):
        member = await repos.members.by_external_id(cid, who)
        assert member is not None
        for limit in (1, 3, 10):
            new = await repos.resources.discussed_by(cid, member.id, limit)
            async with rhizome.services.db.read() as conn:
                old = await conn.run_sync(_discussed_by_joining_threads, cid, member.id, limit)
            assert new == old, (who, limit)
    bob = await repos.members.by_external_id(cid, "U-bob")
    assert bob is not None
    assert len(await repos.resources.discussed_by(cid, bob.id, 10)) == 2  # 6 and 5; 7 and 8 gone
