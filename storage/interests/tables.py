"""Interests' tables: resource topics, members' topic scores, declared interests, fetch state.

What is derived here is kept in tables so that `who-knows` is one index probe per topic:

* `resource_topics` — each resource's topics with weights (recomputed when the messages
  that shared or discussed it, or its page metadata, change);
* `member_topics` — each member's strongest known topics as a *decay-normalized* log score
  (`log2 Σ w·2^((t-EPOCH)/half_life)`, worked out by `bot.interests.pipeline`, which keeps
  EPOCH): every member's score decays by the same factor as time passes, so ranking by the
  stored value is ranking by the live, decayed score;
* `topic_stats` — per community topic popularity (autocomplete, suggestions);
* `declared_interests` — `/rhizome interests add`, keyed by the platform id like settings;
* `resource_unfurls` — page-metadata fetch state per resource (backoff survives restarts);
* `interest_state`, `resource_topic_state`, `member_topic_state` — watermarks, sweep
  cursors, a lease, and dirty flags, so refreshing is incremental and restart-safe.

Private-channel messages never feed topics or evidence: who-knows answers and intro
explanations are shown to other members. Tables are created by migration 0003.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.sql import Id, UtcDateTime, community_fk

TOPIC_CHARS = 60


class ResourceTopicRow(Base):
    __tablename__ = "resource_topics"
    resource_id: Mapped[int] = mapped_column(
        Id, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(TOPIC_CHARS), primary_key=True)
    community_id: Mapped[int] = community_fk()
    weight: Mapped[float] = mapped_column(Float)
    __table_args__ = (
        Index("ix_resource_topics_community_topic", "community_id", "topic", "weight"),
    )


class ResourceTopicStateRow(Base):
    """When a resource's topics were computed, from what (signature), and whether stale."""

    __tablename__ = "resource_topic_state"
    resource_id: Mapped[int] = mapped_column(
        Id, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = community_fk()
    signature: Mapped[str] = mapped_column(String(32), default="")
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)
    computed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (Index("ix_resource_topic_state_dirty", "community_id", "dirty"),)


class MemberTopicRow(Base):
    __tablename__ = "member_topics"
    member_id: Mapped[int] = mapped_column(
        Id, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(TOPIC_CHARS), primary_key=True)
    community_id: Mapped[int] = community_fk()
    log_score: Mapped[float] = mapped_column(Float)
    # The strongest evidence, so who-knows reads a few rows by key instead of a member's
    # whole history: "s|r|x:resource id:message id" items (shared, replied, reacted), best first.
    evidence: Mapped[str] = mapped_column(String(200), default="")
    shared: Mapped[int] = mapped_column(Integer, default=0)  # resources on it they shared
    discussed: Mapped[int] = mapped_column(Integer, default=0)  # …replied about or reacted to
    __table_args__ = (
        Index("ix_member_topics_community_topic", "community_id", "topic", "log_score"),
    )


class MemberTopicStateRow(Base):
    __tablename__ = "member_topic_state"
    member_id: Mapped[int] = mapped_column(
        Id, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = community_fk()
    signature: Mapped[str] = mapped_column(String(32), default="")
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)
    computed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (Index("ix_member_topic_state_dirty", "community_id", "dirty"),)


class TopicStatRow(Base):
    __tablename__ = "topic_stats"
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(TOPIC_CHARS), primary_key=True)
    resources: Mapped[int] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float)


class DeclaredInterestRow(Base):
    """`/rhizome interests add`: by platform id, so it is found before a member ever posts."""

    __tablename__ = "declared_interests"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    member_external_id: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(TOPIC_CHARS))
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (
        UniqueConstraint("community_id", "member_external_id", "topic"),
        Index("ix_declared_interests_topic", "community_id", "topic"),
    )


class ResourceUnfurlRow(Base):
    """Page metadata fetch state of one link: done, refused, or failed and retried later."""

    __tablename__ = "resource_unfurls"
    resource_id: Mapped[int] = mapped_column(
        Id, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = community_fk()
    state: Mapped[str] = mapped_column(String(16))  # ok | retry | refused | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    site_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    keywords: Mapped[str | None] = mapped_column(Text, nullable=True)  # one per line
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    __table_args__ = (Index("ix_resource_unfurls_due", "state", "next_attempt_at"),)


class InterestStateRow(Base):
    """Per community: how far refreshing got, and who is refreshing it right now."""

    __tablename__ = "interest_state"
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    last_message_id: Mapped[int] = mapped_column(Id, default=0)
    last_reaction_id: Mapped[int] = mapped_column(Id, default=0)
    last_unfurl_resource_id: Mapped[int] = mapped_column(Id, default=0)
    resource_cursor: Mapped[int] = mapped_column(Id, default=0)
    member_cursor: Mapped[int] = mapped_column(Id, default=0)
    half_life_days: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The words in so many of the community's documents that they are its own subject
    # (`julia`): one per line, saved by the interest pass whenever they change, for processes
    # without the corpus in memory. Never a member's name (forget-me leaves no name here).
    community_wide: Mapped[str | None] = mapped_column(Text, nullable=True)
    # `bot.interests.derived_version.DERIVED_VERSION` of the rules that worked the derived
    # rows out (NULL: a version before 0018); an older one is worked out again in the background
    derived_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


resource_topics = cast(Table, ResourceTopicRow.__table__)
resource_topic_state = cast(Table, ResourceTopicStateRow.__table__)
member_topics = cast(Table, MemberTopicRow.__table__)
member_topic_state = cast(Table, MemberTopicStateRow.__table__)
topic_stats = cast(Table, TopicStatRow.__table__)
declared_interests = cast(Table, DeclaredInterestRow.__table__)
resource_unfurls = cast(Table, ResourceUnfurlRow.__table__)
interest_state = cast(Table, InterestStateRow.__table__)
