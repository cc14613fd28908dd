"""message tombstones: deleted messages stay deleted when a late redelivery arrives;
messages indexed by author and time (a member's newest activity without a sort)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_tombstones",
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("channel_external_id", sa.String(length=64), nullable=False),
        sa.Column("message_external_id", sa.String(length=64), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_message_tombstones_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "community_id",
            "channel_external_id",
            "message_external_id",
            name=op.f("pk_message_tombstones"),
        ),
    )


    op.drop_index("ix_messages_author", table_name="messages")
    op.create_index("ix_messages_author_time", "messages", ["author_id", "posted_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_author_time", table_name="messages")
    op.create_index("ix_messages_author", "messages", ["author_id"])
    op.drop_table("message_tombstones")
