"""Helpers for the interests tests: a core on the test database, a chat, and shortcuts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from bot.app import Rhizome
from bot.interests.service import InterestService, service_for
from bot.model import CommunityRef
from tests.factories import Chat

SLACK = CommunityRef("slack", "T1", "Team One")
OTHER = CommunityRef("slack", "T2", "Team Two")

# Offline by default: no test fetches a page unless it says so.
OFFLINE: dict[str, Any] = {"unfurl": {"enabled": False}}


async def community_id(rz: Rhizome, ref: CommunityRef = SLACK) -> int:
    return (await rz.services.repos.communities.ensure(ref)).id


def svc(rz: Rhizome) -> InterestService:
    return service_for(rz.services)


async def refresh(rz: Rhizome, ref: CommunityRef = SLACK) -> int:
    await rz.flush()
    cid = await community_id(rz, ref)
    await svc(rz).refresh(cid)
    return cid


async def member_id(rz: Rhizome, who: str, ref: CommunityRef = SLACK) -> int:
    cid = await community_id(rz, ref)
    found = await rz.services.repos.members.by_external_id(cid, f"U-{who}")
    assert found is not None, who
    return found.id


async def resource_id(rz: Rhizome, url: str, ref: CommunityRef = SLACK) -> int:
    cid = await community_id(rz, ref)
    repos = rz.services.repos
    for r in await repos.resources.summaries(cid, await repos.resources.all_ids(cid)):
        if r.url == url:
            return r.id
    raise AssertionError(f"no resource {url}")


async def topics(rz: Rhizome, url: str, ref: CommunityRef = SLACK) -> dict[str, float]:
    rid = await resource_id(rz, url, ref)
    return dict((await svc(rz).store.topics_of([rid])).get(rid, []))


async def experts(rz: Rhizome, query: str, ref: CommunityRef = SLACK, **kw: Any) -> list[str]:
    cid = await community_id(rz, ref)
    answer = await svc(rz).who_knows(cid, query, **kw)
    return [e.member.name for e in answer.experts]


async def count(rz: Rhizome, table: Any, **where: Any) -> int:
    q = select(func.count()).select_from(table)
    for key, value in where.items():
        q = q.where(table.c[key] == value)
    async with rz.services.db.read() as conn:
        return int((await conn.execute(q)).scalar_one())


def databases_chat(chat: Chat) -> Sequence[Any]:
    """Ana shares about PostgreSQL indexes, Ben answers in the thread, Cy asks, Dee reacts."""
    return [
        chat.post(
            "ana",
            "Great guide to postgres indexes and query planning https://example.org/pg-indexes",
            mid="1.0",
            channel="databases",
        ),
        chat.post(
            "ben",
            "Partial indexes in postgres saved us, the planner picks them for hot queries.",
            mid="1.1",
            channel="databases",
            thread="1.0",
            minutes=1,
        ),
        chat.post(
            "cy",
            "How do I make postgres use my index?",
            mid="1.2",
            channel="databases",
            thread="1.0",
            minutes=2,
        ),
        chat.react("dee", "1.0", "bookmark", channel="databases", minutes=3),
        chat.post(
            "eve",
            "Tokio tutorial for async rust https://example.org/tokio",
            mid="2.0",
            channel="rust",
            minutes=4,
        ),
        chat.post(
            "fay",
            "The async rust chapters on select and cancellation are excellent.",
            mid="2.1",
            channel="rust",
            thread="2.0",
            minutes=5,
        ),
    ]


async def forget(rz: Rhizome, cid: int, external_id: str) -> None:
    """`/rhizome privacy forget-me confirm` as the core runs it: the core's erase, then every
    feature's part."""
    await rz.services.repos.privacy.forget(rz.services.tracker.store, cid, external_id)
    for feature in rz.services.features:
        await feature.forget(rz.services, cid, external_id)
