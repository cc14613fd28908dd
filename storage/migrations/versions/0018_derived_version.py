"""interest_state.derived_version: which version of the rules worked out a community's topics,
expertise and wants. When the code's `bot.interests.derived_version.DERIVED_VERSION` is newer,
the next interest pass works every resource and member out again in the background, keeping
the old rows readable until each is replaced: upgrading no longer needs `rhizome reindex`.
NULL (every database before this revision) counts as older.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("interest_state", sa.Column("derived_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interest_state") as batch:  # SQLite rebuilds the table
        batch.drop_column("derived_version")
