"""Shared helpers for the intro tests: a recording Outlet, a profile source read from the real
database, and a small community whose members share and ask about real things."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.app import Rhizome
from bot.clock import Clock
from bot.commands.registry import ADMIN_GROUP, MEMBER_GROUP, Invocation
from bot.documents import Document, Reply
from bot.interests.profiles import Evidence, EvidenceKind, Profile, build_profile
from bot.intros.service import IntroService, use_profiles
from bot.model import Actor, Community, CommunityRef
from bot.urls import canonicalize
from storage import models as m
from storage.db import Database
from tests.db.digests_support import sqlite_config
from tests.factories import Chat

COMMUNITY = CommunityRef("slack", "T1", "Learners")

# Words in titles and messages -> the topic they stand for (what a topic extractor would say).
KEYWORDS: Mapping[str, str] = {
    "tokio": "rust async",
    "async": "rust async",
    "postgres": "postgresql",
    "vacuum": "postgresql",
    "wal": "postgresql",
    "kubernetes": "kubernetes",
    "helm": "kubernetes",
    "figma": "design",
    "typography": "design",
}


# Conversations live on the platform, not in one process: any outlet can post into them.
_CONVERSATION_IDS = itertools.count(1)
_PLATFORM: dict[str, tuple[str, ...]] = {}


@dataclass
class IntroOutlet:
    """Records conversations and posts like a platform would; can be told to fail."""

    platform: str = "slack"
    conversations: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)
    posts: list[tuple[str, Document]] = field(default_factory=list)
    fail_posts: bool = False
    fail_for: set[str] = field(default_factory=set)  # member ids whose conversations fail

    async def post(self, community: CommunityRef, channel_id: str, document: Document) -> str:
        if self.fail_posts:
            raise RuntimeError("platform said no")
        self.posts.append((channel_id, document))
        return f"m-{len(self.posts)}"

    async def open_conversation(
        self, community: CommunityRef, member_external_ids: Sequence[str], topic: str
    ) -> str:
        if self.fail_for & set(member_external_ids):
            raise RuntimeError("cannot open a conversation with a deactivated user")
        conv = f"conv-{next(_CONVERSATION_IDS)}"
        self.conversations.append((conv, tuple(member_external_ids), topic))
        _PLATFORM[conv] = tuple(member_external_ids)
        return conv

    def members_of(self, conv: str) -> tuple[str, ...]:
        """Who is in a conversation, whichever process (outlet) opened it."""
        return _PLATFORM[conv]

    def intros(self) -> list[tuple[tuple[str, ...], str]]:
        """(member ids, text) of every introduction posted (not follow-ups or notices)."""
        return [
            (self.members_of(ch), doc.plain())
            for ch, doc in self.posts
            if doc.title == "An introduction from Rhizome"
        ]

    def followups(self) -> list[tuple[tuple[str, ...], Document]]:
        return [
            (self.members_of(ch), doc) for ch, doc in self.posts if doc.title == "Did you meet?"
        ]

    def notices(self) -> list[tuple[tuple[str, ...], str]]:
        return [
            (self.members_of(ch), doc.plain())
            for ch, doc in self.posts
            if doc.title == "Introductions paused"
        ]


def _topics(text: str) -> tuple[tuple[str, float], ...]:
    lowered = text.lower()
    found = dict.fromkeys(t for word, t in KEYWORDS.items() if word in lowered)
    return tuple((t, 1.0) for t in found)


def db_profiles(db: Database):  # type: ignore[no-untyped-def]
    """A profile source built from what members really posted and shared in the database."""

    async def load(
        community_id: int, member_ids: Sequence[int], now: datetime
    ) -> Mapping[int, Profile]:
        msg, st, rt, ch = m.messages, m.shares, m.resources, m.channels
        wanted = set(member_ids)
        evidence: dict[int, list[Evidence]] = {i: [] for i in wanted}
        async with db.read() as conn:
            rows = await conn.execute(
                select(
                    msg.c.author_id,
                    msg.c.text,
                    msg.c.posted_at,
                    ch.c.name,
                    rt.c.title,
                    rt.c.canonical_url,
                    rt.c.id,
                )
                .join(ch, ch.c.id == msg.c.channel_id)
                .outerjoin(st, st.c.message_id == msg.c.id)
                .outerjoin(rt, rt.c.id == st.c.resource_id)
                .where(msg.c.community_id == community_id)
                .order_by(msg.c.id)
            )
            for author, text, at, channel, title, url, rid in rows:
                if author not in wanted:
                    continue
                topics = _topics(f"{title or ''} {text}")
                if not topics:
                    continue
                kind = EvidenceKind.SHARED if url else EvidenceKind.REPLIED
                evidence[author].append(
                    Evidence(
                        kind,
                        topics,
                        at=at.replace(tzinfo=now.tzinfo) if at.tzinfo is None else at,
                        resource_title=title,
                        resource_url=url,
                        snippet=text,
                        channel=channel,
                        resource_id=rid,
                    )
                )
        return {i: build_profile(i, items, now) for i, items in evidence.items()}

    return load


async def start(
    path: Path, clock: Clock, outlet: IntroOutlet | None = None, *, db: Database | None = None
) -> Rhizome:
    """A core on a SQLite file (or `db`), with intros reading profiles from the database."""
    rhizome = await Rhizome.start(sqlite_config(path), clock, db=db)
    if outlet is not None:
        rhizome.add_outlet(outlet)
    use_profiles(rhizome.services, db_profiles(rhizome.services.db))
    return rhizome


def service(rhizome: Rhizome) -> IntroService:
    svc = rhizome.services.extras["intros"]
    assert isinstance(svc, IntroService)
    return svc


async def community(rhizome: Rhizome) -> Community:
    return await rhizome.services.repos.communities.ensure(COMMUNITY)


async def member(rhizome: Rhizome, who: str, text: str) -> Reply:
    """Run `/rhizome <text>` as member `who` (external id U-who, as `Chat` posts them)."""
    return await rhizome.run_command(
        Invocation(COMMUNITY, Actor(f"U-{who}", who.capitalize()), MEMBER_GROUP, text=text)
    )


async def moderator(rhizome: Rhizome, text: str, who: str = "mod", *, admin: bool = True) -> Reply:
    return await rhizome.run_command(
        Invocation(
            COMMUNITY, Actor(f"U-{who}", who.capitalize(), is_admin=admin), ADMIN_GROUP, text=text
        )
    )


async def seed(rhizome: Rhizome, start: datetime) -> Chat:
    """Ana shares the Tokio tutorial, Ben asks how to cancel tokio tasks, Cy and Dee talk
    PostgreSQL (Cy shares a VACUUM guide, Dee asks about WAL), Eve shares a Helm chart."""
    chat = Chat(COMMUNITY, start)
    events = [
        chat.post(
            "ana", "Tokio tutorial https://tokio.rs/tokio/tutorial", mid="1.0", channel="rust"
        ),
        # An hour later: a question right after a share would be the same conversation.
        chat.post("ben", "how do I cancel tasks in tokio?", mid="2.0", channel="rust", minutes=60),
        chat.post(
            "cy",
            "VACUUM explained https://www.postgresql.org/docs/current/routine-vacuuming.html",
            mid="3.0",
            channel="db",
            minutes=10,
        ),
        chat.post(
            "dee",
            "does anyone know how postgres WAL archiving works?",
            mid="4.0",
            channel="db",
            minutes=75,
        ),
        chat.post(
            "eve",
            "our Helm chart for kubernetes https://helm.sh/docs/",
            mid="5.0",
            channel="ops",
            minutes=20,
        ),
    ]
    await rhizome.ingest_many(events)
    repos = rhizome.services.repos
    c = await community(rhizome)
    titles = {
        canonicalize("https://tokio.rs/tokio/tutorial"): "Tokio tutorial",
        canonicalize(
            "https://www.postgresql.org/docs/current/routine-vacuuming.html"
        ): "Routine Vacuuming",
        canonicalize("https://helm.sh/docs/"): "Helm docs",
    }
    for r in await repos.resources.summaries(c.id, await repos.resources.all_ids(c.id)):
        if r.url in titles:
            await repos.resources.set_metadata(r.id, titles[r.url], None)
    return chat


async def many_members(
    rhizome: Rhizome, start: datetime, n: int, *, opt_in: bool = True
) -> list[str]:
    """`n` members (m00, m01, …) each posting once about one of a few topics."""
    chat = Chat(COMMUNITY, start)
    topics = itertools.cycle(["tokio tips", "postgres vacuum", "helm charts", "figma files"])
    names = [f"m{i:02d}" for i in range(n)]
    await rhizome.ingest_many(
        chat.post(name, f"notes on {next(topics)}", mid=f"{i}.5", minutes=i)
        for i, name in enumerate(names)
    )
    if opt_in:
        for name in names:
            await member(rhizome, name, "intros on")
    return names


def pairs_of(groups: Sequence[Sequence[str]]) -> set[frozenset[str]]:
    return {frozenset((a, b)) for g in groups for a, b in itertools.combinations(g, 2)}


WEEK = timedelta(days=7)
