"""member_wants and member_want_state: what members want to learn, worked out by the interest
pass (`storage.wants`), so a profile reads its questions' topics instead of finding them; and
resource activity by member and time (`network` reads a member's newest events)

Every member's topic state is marked dirty, so the background pass works their wants out;
until it has, a profile works them out itself, as before.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _keys(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=f"fk_{table}_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=f"fk_{table}_member_id_members", ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "member_wants",
        sa.Column("member_id", Id, nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("log_score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.String(length=200), nullable=False),
        *_keys("member_wants"),
        sa.PrimaryKeyConstraint("member_id", "topic", name="pk_member_wants"),
    )
    op.create_table(
        "member_want_state",
        sa.Column("member_id", Id, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("signature", sa.String(length=32), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        *_keys("member_want_state"),
        sa.PrimaryKeyConstraint("member_id", name="pk_member_want_state"),
    )
    op.execute(sa.text("UPDATE member_topic_state SET dirty = true"))
    op.create_index(
        "ix_resource_activity_member", "resource_activity", ["member_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_resource_activity_member", table_name="resource_activity")
    op.drop_table("member_want_state")
    op.drop_table("member_wants")
