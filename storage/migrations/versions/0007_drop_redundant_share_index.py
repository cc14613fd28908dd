"""drop ix_shares_member: ix_shares_member_time (member_id, shared_at) answers every query it did,
and each share paid for keeping both (a random insert into each per share)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_shares_member", table_name="shares")


def downgrade() -> None:
    op.create_index("ix_shares_member", "shares", ["member_id"], unique=False)
