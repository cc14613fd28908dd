"""SQLAlchemy 2 models: the schema, one table per fact.

Repositories issue Core statements against these tables and return `bot.model` dataclasses;
ORM rows never leave `storage/`. Every table carries `community_id` (directly or through its
parent) so every query can be scoped to one community.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.sql import Id as Id
from storage.sql import UtcDateTime as UtcDateTime
from storage.sql import community_fk

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CommunityRow(Base):
    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("platform", "external_id"),)


class MemberRow(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("community_id", "external_id"),)


class MemberSettingsRow(Base):
    """Privacy and intro choices, keyed by the platform id so they outlive `forget-me`."""

    __tablename__ = "member_settings"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    member_external_id: Mapped[str] = mapped_column(String(64))
    tracking: Mapped[bool] = mapped_column(Boolean, default=True)
    intros: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    intros_paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Consent to being named in who-knows, digests and intros; None: the community's mode.
    profiling: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("community_id", "member_external_id"),)


class ChannelRow(Base):
    __tablename__ = "channels"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    # None follows the config; True/False is a moderator's explicit choice.
    tracked: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    __table_args__ = (UniqueConstraint("community_id", "external_id"),)


class MessageRow(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    channel_id: Mapped[int] = mapped_column(Id, ForeignKey("channels.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int] = mapped_column(Id, ForeignKey("members.id", ondelete="CASCADE"))
    # External id of the thread's root message (same channel); NULL for top-level messages.
    thread_external_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    # True for a reply posted in the channel (a Discord reply), which `thread_external_id`
    # files under the root it answers as if in a thread: deleting a thread opened on that
    # root leaves it. NULL otherwise, and for every message stored before revision 0020.
    in_channel: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    __table_args__ = (
        UniqueConstraint("community_id", "channel_id", "external_id"),
        Index("ix_messages_thread", "channel_id", "thread_external_id"),
        Index("ix_messages_author_time", "author_id", "posted_at"),
        Index("ix_messages_community_posted", "community_id", "posted_at"),
    )


class ThreadRow(Base):
    """A thread the platform has (a Discord thread or forum post, a Slack thread), as opposed
    to a chain of in-channel replies, which `messages.thread_external_id` stores the same way
    (the root's id). Catch-up asks Discord whether stored threads still exist; a reply chain's
    root is no channel, and its "Unknown Channel" had erased the chain's replies."""

    __tablename__ = "threads"
    channel_id: Mapped[int] = mapped_column(
        Id, ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    community_id: Mapped[int] = community_fk()


class ResourceRow(Base):
    __tablename__ = "resources"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    canonical_url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(16), default="link")  # link | file
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # bot.titles.TitleSource of `title`: a better source replaces it, a worse one never does.
    title_rank: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    # The URL as first shared: what replies link to (canonical_url is for identity only).
    shared_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    domain: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Title, URL and sharing messages' text; indexed by FTS5 (SQLite) or a tsvector (PostgreSQL).
    search_text: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("community_id", "canonical_url"),)


class ResourceUrlRow(Base):
    """Every original spelling of a resource's URL, for credit and for `my-data`."""

    __tablename__ = "resource_urls"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(Id, ForeignKey("resources.id", ondelete="CASCADE"))
    original_url: Mapped[str] = mapped_column(String(2048))
    __table_args__ = (UniqueConstraint("resource_id", "original_url"),)


class ShareRow(Base):
    __tablename__ = "shares"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    resource_id: Mapped[int] = mapped_column(Id, ForeignKey("resources.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(Id, ForeignKey("messages.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(Id, ForeignKey("members.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(Id, ForeignKey("channels.id", ondelete="CASCADE"))
    shared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (
        UniqueConstraint("message_id", "resource_id"),
        Index("ix_shares_resource", "resource_id", "shared_at"),
        # A member's shares: ix_shares_member_time (member_id, shared_at), declared beside the
        # digest queries that added it (storage/digests.py).
        Index("ix_shares_community_time", "community_id", "shared_at"),
    )


class ReactionRow(Base):
    __tablename__ = "reactions"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    message_id: Mapped[int] = mapped_column(Id, ForeignKey("messages.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(Id, ForeignKey("members.id", ondelete="CASCADE"))
    emoji: Mapped[str] = mapped_column(String(100))
    reacted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (
        UniqueConstraint("message_id", "member_id", "emoji"),
        Index("ix_reactions_member", "member_id"),
    )


class MessageMentionRow(Base):
    """A member a message @-mentions. Goes with the message (deleted, edited away, pruned) and
    with the member (forget-me), by cascade; a member who turned tracking off is never stored."""

    __tablename__ = "message_mentions"
    message_id: Mapped[int] = mapped_column(
        Id, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        Id, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = community_fk()
    __table_args__ = (Index("ix_message_mentions_member", "member_id", "message_id"),)


class ProcessedEventRow(Base):
    """Delivery ids already handled, so platform retries store nothing twice."""

    __tablename__ = "processed_events"
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    event_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MessageTombstoneRow(Base):
    """Messages deleted on the platform: a late redelivery of the post (a Slack retry, a Discord
    replay after resume) must not bring them back. Keyed like messages, by external ids."""

    __tablename__ = "message_tombstones"
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    channel_external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BotStateRow(Base):
    """Small key/value facts about the bot itself (e.g. the synced command-tree hash)."""

    __tablename__ = "bot_state"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


communities = cast(Table, CommunityRow.__table__)
members = cast(Table, MemberRow.__table__)
member_settings = cast(Table, MemberSettingsRow.__table__)
channels = cast(Table, ChannelRow.__table__)
messages = cast(Table, MessageRow.__table__)
threads = cast(Table, ThreadRow.__table__)
resources = cast(Table, ResourceRow.__table__)
resource_urls = cast(Table, ResourceUrlRow.__table__)
shares = cast(Table, ShareRow.__table__)
reactions = cast(Table, ReactionRow.__table__)
message_mentions = cast(Table, MessageMentionRow.__table__)
processed_events = cast(Table, ProcessedEventRow.__table__)
bot_state = cast(Table, BotStateRow.__table__)
message_tombstones = cast(Table, MessageTombstoneRow.__table__)


# The `discussions` view (created by migration 0001), described for queries only: it lives on its
# own MetaData so Alembic never tries to create it as a table.
discussions = Table(
    "discussions",
    MetaData(),
    Column("community_id", Id),
    Column("resource_id", Id),
    Column("member_id", Id),
    Column("kind", String(16)),
    Column("message_id", Id),
    Column("at", UtcDateTime),
)
