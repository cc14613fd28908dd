"""resources remember where their title came from (bot.titles.TitleSource), so a better source
replaces a worse one, and the URL as it was first shared, which replies link to

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("title_rank", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("shared_url", sa.String(2048), nullable=True))
    # Titles stored so far came from files or fetched pages (TitleSource.PAGE).
    op.execute("UPDATE resources SET title_rank = 4 WHERE title IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.drop_column("shared_url")
        batch.drop_column("title_rank")
