"""reactions keep one canonical emoji form (`bot.emojis.canonical`): Slack names, Discord
unicode and skin-tone variants of one emoji were stored as different reactions, so a 🔕 from
Discord never matched the configured `no_bell`

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.emojis import canonical

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_DUPLICATE = sa.text(
    "DELETE FROM reactions WHERE emoji = :old AND EXISTS ("
    " SELECT 1 FROM reactions AS r2 WHERE r2.message_id = reactions.message_id"
    " AND r2.member_id = reactions.member_id AND r2.emoji = :new)"
)
_RENAME = sa.text("UPDATE reactions SET emoji = :new WHERE emoji = :old")


def upgrade() -> None:
    conn = op.get_bind()
    stored = [row[0] for row in conn.execute(sa.text("SELECT DISTINCT emoji FROM reactions"))]
    for old in stored:
        new = canonical(old) or old
        if new == old:
            continue
        # one member's `+1` and `thumbsup` on one message become one reaction
        conn.execute(_DUPLICATE, {"old": old, "new": new})
        conn.execute(_RENAME, {"old": old, "new": new})


def downgrade() -> None:
    """Nothing to undo: the canonical forms are valid reactions in the old schema too."""
