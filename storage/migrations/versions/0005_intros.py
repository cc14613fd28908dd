"""intros: schedules, channel defaults, rounds (exactly-once claims), intros, answers, wishes

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def _community_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["community_id"],
        ["communities.id"],
        name=op.f(f"fk_{table}_community_id_communities"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "intro_schedules",
        sa.Column("community_id", Id, nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("schedule_since", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        _community_fk("intro_schedules"),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_intro_schedules")),
    )
    op.create_table(
        "intro_channel_defaults",
        sa.Column("community_id", Id, nullable=False),
        sa.Column("channel_external_id", sa.String(length=64), nullable=False),
        sa.Column("channel_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", When, nullable=False),
        _community_fk("intro_channel_defaults"),
        sa.PrimaryKeyConstraint(
            "community_id", "channel_external_id", name=op.f("pk_intro_channel_defaults")
        ),
    )
    op.create_table(
        "intro_rounds",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("period", When, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", When, nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("planned_at", When, nullable=True),
        sa.Column("finished_at", When, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        _community_fk("intro_rounds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intro_rounds")),
        sa.UniqueConstraint(
            "community_id", "period", name=op.f("uq_intro_rounds_community_id_period")
        ),
    )
    op.create_index("ix_intro_rounds_state", "intro_rounds", ["state", "claimed_at"])
    op.create_table(
        "intros",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("round_id", Id, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=True),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("posted_at", When, nullable=True),
        sa.Column("followup_state", sa.String(length=16), nullable=False),
        sa.Column("followup_claimed_by", sa.String(length=64), nullable=True),
        sa.Column("followup_claimed_at", When, nullable=True),
        sa.Column("followup_attempts", sa.Integer(), nullable=False),
        sa.Column("followup_message_id", sa.String(length=128), nullable=True),
        sa.Column("followup_at", When, nullable=True),
        _community_fk("intros"),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["intro_rounds.id"],
            name=op.f("fk_intros_round_id_intro_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intros")),
        sa.UniqueConstraint("round_id", "seq", name=op.f("uq_intros_round_id_seq")),
    )
    op.create_index("ix_intros_followup", "intros", ["state", "followup_state", "posted_at"])
    op.create_index("ix_intros_community", "intros", ["community_id", "created_at"])
    op.create_table(
        "intro_members",
        sa.Column("intro_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("member_external_id", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=True),
        sa.Column("answered_at", When, nullable=True),
        _community_fk("intro_members"),
        sa.ForeignKeyConstraint(
            ["intro_id"],
            ["intros.id"],
            name=op.f("fk_intro_members_intro_id_intros"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_intro_members_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("intro_id", "member_id", name=op.f("pk_intro_members")),
    )
    op.create_index("ix_intro_members_member", "intro_members", ["member_id"])
    op.create_index(
        "ix_intro_members_external", "intro_members", ["community_id", "member_external_id"]
    )
    op.create_table(
        "intro_not_with",
        sa.Column("community_id", Id, nullable=False),
        sa.Column("member_external_id", sa.String(length=64), nullable=False),
        sa.Column("other_external_id", sa.String(length=64), nullable=False),
        sa.Column("other_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", When, nullable=False),
        _community_fk("intro_not_with"),
        sa.PrimaryKeyConstraint(
            "community_id",
            "member_external_id",
            "other_external_id",
            name=op.f("pk_intro_not_with"),
        ),
    )
    op.create_table(
        "intro_member_state",
        sa.Column("community_id", Id, nullable=False),
        sa.Column("member_external_id", sa.String(length=64), nullable=False),
        sa.Column("streak_since", When, nullable=True),
        sa.Column("auto_paused_at", When, nullable=True),
        sa.Column("notice_sent_at", When, nullable=True),
        sa.Column("updated_at", When, nullable=False),
        _community_fk("intro_member_state"),
        sa.PrimaryKeyConstraint(
            "community_id", "member_external_id", name=op.f("pk_intro_member_state")
        ),
    )


def downgrade() -> None:
    op.drop_table("intro_member_state")
    op.drop_table("intro_not_with")
    op.drop_index("ix_intro_members_external", table_name="intro_members")
    op.drop_index("ix_intro_members_member", table_name="intro_members")
    op.drop_table("intro_members")
    op.drop_index("ix_intros_community", table_name="intros")
    op.drop_index("ix_intros_followup", table_name="intros")
    op.drop_table("intros")
    op.drop_index("ix_intro_rounds_state", table_name="intro_rounds")
    op.drop_table("intro_rounds")
    op.drop_table("intro_channel_defaults")
    op.drop_table("intro_schedules")
