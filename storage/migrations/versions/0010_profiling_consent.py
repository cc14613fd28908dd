"""members' consent to being named (who-knows, digest connectors, intros): `[privacy]
profiling`; None follows the community's mode

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member_settings") as batch:
        batch.add_column(sa.Column("profiling", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member_settings") as batch:
        batch.drop_column("profiling")
