"""The settings audit trail: who changed which setting, when (`/rhizome-admin settings history`).

Facts only: a change is recorded in the same transaction as the change itself (`write_audit`,
used by the stores that change settings) or on its own (`AuditStore.record`). `forget-me` keeps
what changed but drops who changed it. Migrated by revision 0002.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Index, String, Table, Text, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.digests.model import AuditEntry
from storage.db import Database
from storage.models import Base
from storage.sql import Id, UtcDateTime, community_fk

FORGOTTEN = "(forgotten)"


class SettingsAuditRow(Base):
    __tablename__ = "settings_audit"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_external_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_settings_audit_community_at", "community_id", "at"),)


settings_audit = cast(Table, SettingsAuditRow.__table__)


@dataclass(frozen=True, slots=True)
class Audit:
    """What to record alongside a change, in the same transaction."""

    community_id: int
    actor_id: str
    actor_name: str | None
    action: str
    detail: str
    at: datetime


async def write_audit(conn: AsyncConnection, audit: Audit | None) -> None:
    """Record `audit` (if any) inside the caller's transaction."""
    if audit is None:
        return
    await conn.execute(
        settings_audit.insert().values(
            community_id=audit.community_id,
            at=audit.at,
            actor_external_id=audit.actor_id[:64],
            actor_name=(audit.actor_name or None) and audit.actor_name[:200],
            action=audit.action[:64],
            detail=audit.detail,
        )
    )


class AuditStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, audit: Audit) -> None:
        """Audit a change made elsewhere (e.g. channel tracking through the repositories)."""
        async with self.db.write() as conn:
            await write_audit(conn, audit)

    async def history(self, community_id: int, limit: int = 20) -> list[AuditEntry]:
        sa = settings_audit
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(sa)
                .where(sa.c.community_id == community_id)
                .order_by(sa.c.at.desc(), sa.c.id.desc())
                .limit(limit)
            )
            return [
                AuditEntry(as_utc(r.at), r.actor_external_id, r.actor_name, r.action, r.detail)
                for r in rows
            ]

    async def export(self, community_id: int, actor_id: str) -> list[dict[str, Any]]:
        """The changes a member made as a moderator, for `privacy my-data`."""
        sa = settings_audit
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(sa)
                .where(sa.c.community_id == community_id, sa.c.actor_external_id == actor_id)
                .order_by(sa.c.at)
            )
            return [
                {"at": as_utc(r.at).isoformat(), "action": r.action, "detail": r.detail}
                for r in rows
            ]

    async def forget_actor(self, community_id: int, actor_id: str) -> None:
        """`forget-me`: keep the audit trail of changes but drop who made them."""
        sa = settings_audit
        async with self.db.write() as conn:
            await conn.execute(
                update(sa)
                .where(sa.c.community_id == community_id, sa.c.actor_external_id == actor_id)
                .values(actor_external_id=FORGOTTEN, actor_name=None)
            )
