"""messages.in_channel: a reply posted in the channel (a Discord reply) is filed under the
root it answers (`thread_external_id`), exactly like a message inside a thread opened on that
root; deleting the thread (THREAD_DELETE) erased such replies with it. New replies are marked;
the messages stored before this revision stay NULL, and a deleted thread still takes those
along (keeping a message the platform deleted would be worse than losing a reply).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("in_channel", sa.Boolean(), nullable=True))


def downgrade() -> None:
    # Not batch mode: rebuilding `messages` breaks the views over it; SQLite drops a plain
    # column in place since 3.35.
    op.drop_column("messages", "in_channel")
