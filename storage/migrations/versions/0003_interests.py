"""interests: resource and member topics, topic stats, declared interests, unfurl state

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def _community(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["community_id"],
        ["communities.id"],
        name=f"fk_{table}_community_id_communities",
        ondelete="CASCADE",
    )


def _parent(table: str, column: str, parent: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{parent}.id"], name=f"fk_{table}_{column}_{parent}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "resource_topics",
        sa.Column("resource_id", Id, nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        _community("resource_topics"),
        _parent("resource_topics", "resource_id", "resources"),
        sa.PrimaryKeyConstraint("resource_id", "topic", name="pk_resource_topics"),
    )
    op.create_index(
        "ix_resource_topics_community_topic",
        "resource_topics",
        ["community_id", "topic", "weight"],
    )
    op.create_table(
        "resource_topic_state",
        sa.Column("resource_id", Id, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("signature", sa.String(length=32), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("computed_at", When, nullable=True),
        _community("resource_topic_state"),
        _parent("resource_topic_state", "resource_id", "resources"),
        sa.PrimaryKeyConstraint("resource_id", name="pk_resource_topic_state"),
    )
    op.create_index(
        "ix_resource_topic_state_dirty", "resource_topic_state", ["community_id", "dirty"]
    )
    op.create_table(
        "member_topics",
        sa.Column("member_id", Id, nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("log_score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.String(length=200), nullable=False),
        sa.Column("shared", sa.Integer(), nullable=False),
        sa.Column("discussed", sa.Integer(), nullable=False),
        _community("member_topics"),
        _parent("member_topics", "member_id", "members"),
        sa.PrimaryKeyConstraint("member_id", "topic", name="pk_member_topics"),
    )
    op.create_index(
        "ix_member_topics_community_topic",
        "member_topics",
        ["community_id", "topic", "log_score"],
    )
    op.create_table(
        "member_topic_state",
        sa.Column("member_id", Id, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("signature", sa.String(length=32), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("computed_at", When, nullable=True),
        _community("member_topic_state"),
        _parent("member_topic_state", "member_id", "members"),
        sa.PrimaryKeyConstraint("member_id", name="pk_member_topic_state"),
    )
    op.create_index(
        "ix_member_topic_state_dirty", "member_topic_state", ["community_id", "dirty"]
    )
    op.create_table(
        "topic_stats",
        sa.Column("community_id", Id, nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("resources", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        _community("topic_stats"),
        sa.PrimaryKeyConstraint("community_id", "topic", name="pk_topic_stats"),
    )
    op.create_table(
        "declared_interests",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("member_external_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("declared_at", When, nullable=False),
        _community("declared_interests"),
        sa.PrimaryKeyConstraint("id", name="pk_declared_interests"),
        sa.UniqueConstraint(
            "community_id",
            "member_external_id",
            "topic",
            name="uq_declared_interests_community_id_member_external_id_topic",
        ),
    )
    op.create_index(
        "ix_declared_interests_topic", "declared_interests", ["community_id", "topic"]
    )
    op.create_table(
        "resource_unfurls",
        sa.Column("resource_id", Id, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", When, nullable=True),
        sa.Column("fetched_at", When, nullable=False),
        sa.Column("site_name", sa.String(length=200), nullable=True),
        sa.Column("keywords", sa.Text(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        _community("resource_unfurls"),
        _parent("resource_unfurls", "resource_id", "resources"),
        sa.PrimaryKeyConstraint("resource_id", name="pk_resource_unfurls"),
    )
    op.create_index("ix_resource_unfurls_due", "resource_unfurls", ["state", "next_attempt_at"])
    op.create_table(
        "interest_state",
        sa.Column("community_id", Id, nullable=False),
        sa.Column("last_message_id", Id, nullable=False),
        sa.Column("last_reaction_id", Id, nullable=False),
        sa.Column("last_unfurl_resource_id", Id, nullable=False),
        sa.Column("resource_cursor", Id, nullable=False),
        sa.Column("member_cursor", Id, nullable=False),
        sa.Column("half_life_days", sa.Float(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", When, nullable=True),
        sa.Column("updated_at", When, nullable=False),
        _community("interest_state"),
        sa.PrimaryKeyConstraint("community_id", name="pk_interest_state"),
    )


def downgrade() -> None:
    op.drop_table("interest_state")
    op.drop_index("ix_resource_unfurls_due", table_name="resource_unfurls")
    op.drop_table("resource_unfurls")
    op.drop_index("ix_declared_interests_topic", table_name="declared_interests")
    op.drop_table("declared_interests")
    op.drop_table("topic_stats")
    op.drop_index("ix_member_topic_state_dirty", table_name="member_topic_state")
    op.drop_table("member_topic_state")
    op.drop_index("ix_member_topics_community_topic", table_name="member_topics")
    op.drop_table("member_topics")
    op.drop_index("ix_resource_topic_state_dirty", table_name="resource_topic_state")
    op.drop_table("resource_topic_state")
    op.drop_index("ix_resource_topics_community_topic", table_name="resource_topics")
    op.drop_table("resource_topics")
