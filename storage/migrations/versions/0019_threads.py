"""threads: the threads a platform has, told apart from chains of in-channel replies, which
`messages.thread_external_id` stores the same way (the root message's id). Discord's catch-up
asked Discord whether each stored "thread" still existed; a reply chain's root is a message,
not a channel, so the answer was "Unknown Channel" and the chain's replies were erased as
those of a thread deleted while the bot was away (up to 100 chains per guild and restart).

Rows are written as messages arrive in a thread. Of the threads stored before this revision,
only those whose root message lies inside them are known to be threads (a forum post's
starter): they are added here. The others (a thread started from a channel message looks
exactly like a reply chain) are no longer asked about, so a thread deleted while the bot was
away is noticed only if it got a message after the upgrade; nothing is erased by mistake.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name="fk_threads_channel_id_channels",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_threads_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "external_id", name="pk_threads"),
    )
    op.execute(
        sa.text(
            "INSERT INTO threads (channel_id, external_id, community_id) "
            "SELECT DISTINCT channel_id, thread_external_id, community_id FROM messages "
            "WHERE thread_external_id IS NOT NULL AND thread_external_id = external_id"
        )
    )


def downgrade() -> None:
    op.drop_table("threads")
