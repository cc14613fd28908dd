"""resource_activity and resource_totals: discussion events of resources kept by triggers,
so `top` and the summaries read a window's events instead of joining every thread

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.activity import create_triggers_sql, drop_triggers_sql, fill_sql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "resource_activity",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("resource_id", Id, nullable=False),
        sa.Column("share_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("source_id", Id, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_resource_activity_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_activity")),
    )
    op.create_table(
        "resource_totals",
        sa.Column("resource_id", Id, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_resource_totals_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_resource_totals_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_resource_totals")),
    )
    # Filled before the indexes and triggers exist: one pass over the facts.
    for statement in fill_sql():
        op.execute(statement)
    op.create_index(
        "ix_resource_activity_window",
        "resource_activity",
        ["community_id", "at", "resource_id", "member_id"],
    )
    op.create_index("ix_resource_activity_resource", "resource_activity", ["resource_id", "at"])
    op.create_index("ix_resource_totals_events", "resource_totals", ["community_id", "events"])
    for statement in create_triggers_sql(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_triggers_sql(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_resource_totals_events", table_name="resource_totals")
    op.drop_index("ix_resource_activity_resource", table_name="resource_activity")
    op.drop_index("ix_resource_activity_window", table_name="resource_activity")
    op.drop_table("resource_totals")
    op.drop_table("resource_activity")
