"""message_mentions: the members a message @-mentions (Slack `<@U…>`, Discord `<@id>` and a
message's `mentions` list), so being thanked by name counts as evidence of knowing
(`bot.interests.thanks`). Rows go with their message and with the member, by cascade.

Messages stored before this revision have no rows; `rhizome reindex` does not re-read
payloads, so mentions count from here on (and from a new import of the same export).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "message_mentions",
        sa.Column("message_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_message_mentions_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_message_mentions_member_id_members",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name="fk_message_mentions_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "member_id", name="pk_message_mentions"),
    )
    op.create_index(
        "ix_message_mentions_member", "message_mentions", ["member_id", "message_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_message_mentions_member", table_name="message_mentions")
    op.drop_table("message_mentions")
