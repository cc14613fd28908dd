"""Shared helpers for the digest tests: a recording Outlet, event builders, a started core."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.app import Rhizome
from bot.clock import Clock
from bot.commands.registry import ADMIN_GROUP, Invocation
from bot.config import Config, StorageConfig
from bot.documents import Document, Reply
from bot.model import (
    Actor,
    CommunityRef,
    MessagePosted,
    Place,
    ReactionAdded,
)
from storage.db import Database

PLATFORM = "slack"
COMMUNITY = CommunityRef(PLATFORM, "T1", "Learners")
MOD = Actor("UMOD", "Mo", is_admin=True)
MEMBER = Actor("UMEM", "Mel", is_admin=False)
POSTGRES_URL = os.environ.get("RHIZOME_TEST_POSTGRES_URL")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@dataclass
class FakeOutlet:
    """Records what the core posts; can be told to fail, like a platform refusing a post."""

    platform: str = PLATFORM
    posts: list[tuple[CommunityRef, str, Document]] = field(default_factory=list)
    fail: bool = False
    links: bool = True

    async def post(self, community: CommunityRef, channel_id: str, document: Document) -> str:
        if self.fail:
            raise RuntimeError("platform said no")
        self.posts.append((community, channel_id, document))
        return f"msg-{len(self.posts)}"

    async def open_conversation(
        self, community: CommunityRef, member_external_ids: Sequence[str], topic: str
    ) -> str:
        return "conv"

    def permalink(self, community: CommunityRef, channel_id: str, message_id: str) -> str | None:
        if not self.links:
            return None
        return f"https://example.slack.com/archives/{channel_id}/p{message_id}"


def sqlite_config(path: Path) -> Config:
    return Config(storage=StorageConfig(url=f"sqlite+aiosqlite:///{path}"))


async def start(
    path: Path, clock: Clock, *, db: Database | None = None, outlet: FakeOutlet | None = None
) -> Rhizome:
    rhizome = await Rhizome.start(sqlite_config(path), clock, db=db)
    if outlet is not None:
        rhizome.add_outlet(outlet)
    return rhizome


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A fresh schema on the test PostgreSQL (open engines on it with `Database.open(url,
    schema=...)`), dropped afterwards."""
    assert POSTGRES_URL
    from sqlalchemy import text

    schema = f"t_digest_{uuid.uuid4().hex[:12]}"
    admin = Database.open(POSTGRES_URL)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.close()


def place(
    channel: str, *, thread: str | None = None, private: bool = False, name: str | None = None
) -> Place:
    return Place(COMMUNITY, channel, name or channel, thread_id=thread, is_private=private)


def actor(ext: str, name: str | None = None) -> Actor:
    return Actor(ext, name or ext.title())


def post(
    channel: str,
    mid: str,
    who: str,
    text: str,
    at: datetime,
    *,
    thread: str | None = None,
    private: bool = False,
    name: str | None = None,
) -> MessagePosted:
    return MessagePosted(
        place=place(channel, thread=thread, private=private, name=name),
        occurred_at=at,
        message_id=mid,
        author=actor(who),
        text=text,
    )


def react(
    channel: str, mid: str, who: str, emoji: str, at: datetime, *, private: bool = False
) -> ReactionAdded:
    return ReactionAdded(
        place=place(channel, private=private),
        occurred_at=at,
        message_id=mid,
        actor=actor(who),
        emoji=emoji,
    )


async def admin(rhizome: Rhizome, text: str, who: Actor = MOD) -> Reply:
    return await rhizome.run_command(Invocation(COMMUNITY, who, ADMIN_GROUP, text=text))


def said(reply: Reply) -> str:
    return reply.document.plain()
