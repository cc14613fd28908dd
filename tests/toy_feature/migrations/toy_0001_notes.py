"""The toy feature's notes table: a branch of its own, after the core's first revision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "toy_0001"
down_revision = None
branch_labels = ("toy_notes",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "toy_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "community_id",
            sa.Integer,
            sa.ForeignKey("communities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("member_external_id", sa.String(64), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("toy_notes")
