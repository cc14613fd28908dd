"""interest_state.community_wide: the words in so many of a community's documents that knowing
them tells members apart no more than being there does (`julia` in the Julia Slack). Profiles and
who-knows leave them out; they were known only to a process holding the community's corpus in
memory, so a piped console script (and a bot in its first seconds) listed "julia" as a Julia
member's second subject. Each full interest pass now saves them here.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("interest_state", sa.Column("community_wide", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interest_state") as batch:  # SQLite rebuilds the table
        batch.drop_column("community_wide")
