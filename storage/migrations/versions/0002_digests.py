"""digests: configured digests, runs (exactly-once claims), featured items, settings audit

Also two indexes the weekly digest query needs at scale: reactions by time within a community,
and a member's shares by time (is this their first share ever?).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("channel_external_id", sa.String(length=64), nullable=False),
        sa.Column("channel_name", sa.String(length=200), nullable=True),
        sa.Column("channel_private", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("schedule_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_digests_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint(
            "community_id",
            "channel_external_id",
            name=op.f("uq_digests_community_id_channel_external_id"),
        ),
    )
    op.create_table(
        "digest_channels",
        sa.Column("digest_id", Id, nullable=False),
        sa.Column("channel_external_id", sa.String(length=64), nullable=False),
        sa.Column("channel_name", sa.String(length=200), nullable=True),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_digest_channels_digest_id_digests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "digest_id", "channel_external_id", name=op.f("pk_digest_channels")
        ),
    )
    op.create_table(
        "digest_runs",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("digest_id", Id, nullable=False),
        sa.Column("period", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_external_id", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_digest_runs_digest_id_digests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_runs")),
        sa.UniqueConstraint("digest_id", "period", name=op.f("uq_digest_runs_digest_id_period")),
    )
    op.create_table(
        "digest_featured",
        sa.Column("run_id", Id, nullable=False),
        sa.Column("resource_id", Id, nullable=False),
        sa.Column("digest_id", Id, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.Float(), nullable=False),
        sa.Column("featured_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_digest_featured_digest_id_digests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_digest_featured_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["digest_runs.id"],
            name=op.f("fk_digest_featured_run_id_digest_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "resource_id", name=op.f("pk_digest_featured")),
    )
    op.create_index(
        "ix_digest_featured_digest", "digest_featured", ["digest_id", "resource_id"], unique=False
    )
    op.create_table(
        "settings_audit",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_external_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_settings_audit_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settings_audit")),
    )
    op.create_index(
        "ix_settings_audit_community_at", "settings_audit", ["community_id", "at"], unique=False
    )
    # The digest window query: reactions in a time range of one community, and "is this the
    # member's first share ever" as one index probe.
    op.create_index(
        "ix_reactions_community_time", "reactions", ["community_id", "reacted_at"], unique=False
    )
    op.create_index("ix_shares_member_time", "shares", ["member_id", "shared_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_shares_member_time", table_name="shares")
    op.drop_index("ix_reactions_community_time", table_name="reactions")
    op.drop_index("ix_settings_audit_community_at", table_name="settings_audit")
    op.drop_table("settings_audit")
    op.drop_index("ix_digest_featured_digest", table_name="digest_featured")
    op.drop_table("digest_featured")
    op.drop_table("digest_runs")
    op.drop_table("digest_channels")
    op.drop_table("digests")
