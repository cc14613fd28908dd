"""message_mentions: the members a message @-mentions (Slack `<@U…>`, Discord `<@id>` and a
message's `mentions` list), so being thanked by name counts as evidence of knowing
(`bot.interests.thanks`). Rows go with their message and with the member, by cascade.

Messages stored before this revision get their rows from the markup their text kept
(`<@U…>`, `<@id>`, `<@!id>`: Slack exports, Discord live and imported), for members already
known and not opted out; a Slack message stored live kept only `@U…` and a DiscordChatExporter
one only `@name`, so theirs count from here on. Members' topic state is marked dirty, so the
background pass counts the thanks among them.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import re

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
    _backfill(op.get_bind())
    op.execute(sa.text("UPDATE member_topic_state SET dirty = true"))


# As `bot.mentions.MENTION` (a migration does not import the application).
_MENTION = re.compile(r"<@!?([UW][A-Z0-9]{2,20}|\d{5,25})(?:\|[^<>]*)?>")
_BATCH = 5000


def _backfill(conn: sa.engine.Connection) -> None:
    members: dict[tuple[int, str], int] = {
        (cid, ext): mid
        for mid, cid, ext in conn.execute(
            sa.text(
                "SELECT m.id, m.community_id, m.external_id FROM members m "
                "WHERE NOT EXISTS (SELECT 1 FROM member_settings s "
                "WHERE s.community_id = m.community_id "
                "AND s.member_external_id = m.external_id AND s.tracking = false)"
            )
        )
    }
    if not members:
        return
    insert = sa.text(
        "INSERT INTO message_mentions (message_id, member_id, community_id) "
        "VALUES (:message_id, :member_id, :community_id)"
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, community_id, author_id, text FROM messages "
                "WHERE id > :last AND text LIKE '%<@%' ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            return
        found = []
        for message_id, cid, author, text in rows:
            named = {members.get((cid, ext)) for ext in _MENTION.findall(text or "")}
            found += [
                {"message_id": message_id, "member_id": mid, "community_id": cid}
                for mid in sorted(n for n in named if n is not None and n != author)
            ]
        if found:
            conn.execute(insert, found)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_message_mentions_member", table_name="message_mentions")
    op.drop_table("message_mentions")
