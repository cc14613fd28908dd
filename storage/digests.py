"""Digest configuration, runs (the exactly-once claims) and featured items (the settings audit
trail each change writes is `storage.audit`).

Runs are exactly-once claims keyed by (digest, period) (`bot.claims`, `storage.claims`): of any
number of processes (or a restarted one) exactly one posts a period; the platform message id is
stored after posting. Tables are migrated by
revision 0002.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.digests.model import (
    DigestConfig,
    DigestRun,
    Featured,
    RunKind,
    RunState,
)
from bot.digests.schedule import Schedule
from bot.model import Community
from storage import models as m
from storage.audit import Audit, write_audit
from storage.claims import ClaimsTable
from storage.db import Database
from storage.models import Base
from storage.sql import Id, UtcDateTime, community_fk, insert_ignore


class DigestRow(Base):
    __tablename__ = "digests"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    channel_external_id: Mapped[str] = mapped_column(String(64))
    channel_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    channel_private: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    weekday: Mapped[int] = mapped_column(Integer)
    hour: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    schedule_since: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("community_id", "channel_external_id"),)


class DigestChannelRow(Base):
    """A channel explicitly included in (or excluded from) a digest's scope."""

    __tablename__ = "digest_channels"
    digest_id: Mapped[int] = mapped_column(
        Id, ForeignKey("digests.id", ondelete="CASCADE"), primary_key=True
    )
    channel_external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    mode: Mapped[str] = mapped_column(String(8))  # include | exclude


class DigestRunRow(Base):
    __tablename__ = "digest_runs"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    digest_id: Mapped[int] = mapped_column(Id, ForeignKey("digests.id", ondelete="CASCADE"))
    period: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    message_external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (UniqueConstraint("digest_id", "period"),)


class DigestFeaturedRow(Base):
    __tablename__ = "digest_featured"
    run_id: Mapped[int] = mapped_column(
        Id, ForeignKey("digest_runs.id", ondelete="CASCADE"), primary_key=True
    )
    resource_id: Mapped[int] = mapped_column(
        Id, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    digest_id: Mapped[int] = mapped_column(Id, ForeignKey("digests.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    engagement: Mapped[float] = mapped_column(Float)
    featured_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_digest_featured_digest", "digest_id", "resource_id"),)


digests = cast(Table, DigestRow.__table__)
digest_channels = cast(Table, DigestChannelRow.__table__)
digest_runs = cast(Table, DigestRunRow.__table__)
digest_featured = cast(Table, DigestFeaturedRow.__table__)
RUNS = ClaimsTable(digest_runs, "digest_id")


def _run(row: Row[Any] | Any) -> DigestRun:
    return DigestRun(
        id=row.id,
        digest_id=row.digest_id,
        period=as_utc(row.period),
        kind=RunKind(row.kind),
        state=RunState(row.state),
        claimed_at=as_utc(row.claimed_at),
        attempts=row.attempts,
        posted_at=as_utc(row.posted_at) if row.posted_at else None,
        message_id=row.message_external_id,
        reason=row.reason,
    )


class DigestStore:
    """Every digest read and write; scoped by community where a community is involved."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- configuration ----------------------------------------------------------------------
    async def of_community(
        self, community_id: int, *, enabled_only: bool = False
    ) -> list[DigestConfig]:
        async with self.db.read() as conn:
            q = select(digests).where(digests.c.community_id == community_id)
            if enabled_only:
                q = q.where(digests.c.enabled.is_(True))
            rows = (await conn.execute(q.order_by(digests.c.id))).all()
            return await self._configs(conn, rows)

    async def get(self, digest_id: int) -> DigestConfig | None:
        async with self.db.read() as conn:
            rows = (await conn.execute(select(digests).where(digests.c.id == digest_id))).all()
            found = await self._configs(conn, rows)
        return found[0] if found else None

    async def all_enabled(self) -> list[tuple[Community, DigestConfig]]:
        """Every enabled digest of every community (the scheduler's work list)."""
        ct = m.communities
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(digests).where(digests.c.enabled.is_(True)).order_by(digests.c.id)
                )
            ).all()
            configs = await self._configs(conn, rows)
            ids = sorted({c.community_id for c in configs})
            communities: dict[int, Community] = {}
            if ids:
                for r in await conn.execute(select(ct).where(ct.c.id.in_(ids))):
                    communities[r.id] = Community(r.id, r.platform, r.external_id, r.name)
        return [(communities[c.community_id], c) for c in configs if c.community_id in communities]

    async def _configs(self, conn: AsyncConnection, rows: Sequence[Any]) -> list[DigestConfig]:
        if not rows:
            return []
        scope: dict[int, list[Any]] = {}
        dc = digest_channels
        for r in await conn.execute(
            select(dc).where(dc.c.digest_id.in_([r.id for r in rows])).order_by(dc.c.channel_name)
        ):
            scope.setdefault(r.digest_id, []).append(r)
        out = []
        for r in rows:
            its = scope.get(r.id, [])
            out.append(
                DigestConfig(
                    id=r.id,
                    community_id=r.community_id,
                    channel_id=r.channel_external_id,
                    channel_name=r.channel_name,
                    channel_private=bool(r.channel_private),
                    enabled=bool(r.enabled),
                    schedule=Schedule(r.weekday, r.hour, r.minute, r.timezone),
                    size=r.size,
                    include=frozenset(s.channel_external_id for s in its if s.mode == "include"),
                    exclude=frozenset(s.channel_external_id for s in its if s.mode == "exclude"),
                    scope_names={
                        s.channel_external_id: s.channel_name for s in its if s.channel_name
                    },
                    schedule_since=as_utc(r.schedule_since),
                    created_at=as_utc(r.created_at),
                    updated_at=as_utc(r.updated_at),
                )
            )
        return out

    async def upsert(
        self,
        community_id: int,
        channel_id: str,
        channel_name: str | None,
        channel_private: bool,
        *,
        schedule: Schedule,
        size: int,
        now: datetime,
        audit: Audit | None = None,
    ) -> tuple[DigestConfig, bool]:
        """Create the digest posting into `channel_id`, or re-enable it; returns (digest, created).

        Re-enabling keeps its settings but moves `schedule_since` to now, so a period that went by
        while it was off is never posted late.
        """
        async with self.db.write() as conn:
            inserted = (
                await conn.execute(
                    insert_ignore(conn, digests).returning(digests.c.id),
                    {
                        "community_id": community_id,
                        "channel_external_id": channel_id,
                        "channel_name": channel_name,
                        "channel_private": channel_private,
                        "enabled": True,
                        "weekday": schedule.weekday,
                        "hour": schedule.hour,
                        "minute": schedule.minute,
                        "timezone": schedule.tz,
                        "size": size,
                        "schedule_since": now,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            ).first()
            where = (digests.c.community_id == community_id) & (
                digests.c.channel_external_id == channel_id
            )
            if inserted is None:
                await conn.execute(
                    update(digests)
                    .where(where, digests.c.enabled.is_(False))
                    .values(enabled=True, schedule_since=now, updated_at=now)
                )
                values: dict[str, Any] = {"channel_private": channel_private}
                if channel_name:
                    values["channel_name"] = channel_name
                await conn.execute(update(digests).where(where).values(**values))
            await write_audit(conn, audit)
            digest_id = (await conn.execute(select(digests.c.id).where(where))).scalar_one()
        found = await self.get(digest_id)
        assert found is not None
        return found, inserted is not None

    async def update(
        self, digest_id: int, now: datetime, audit: Audit | None = None, **values: Any
    ) -> None:
        """Change columns of one digest (schedule fields, size, enabled) and audit it."""
        if {"weekday", "hour", "minute", "timezone"} & values.keys():
            values.setdefault("schedule_since", now)
        async with self.db.write() as conn:
            await conn.execute(
                update(digests).where(digests.c.id == digest_id).values(updated_at=now, **values)
            )
            await write_audit(conn, audit)

    async def set_scope(
        self,
        digest_id: int,
        channel_id: str,
        channel_name: str | None,
        mode: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> None:
        """Put a channel in the include or exclude list (moving it out of the other one)."""
        if mode not in ("include", "exclude"):
            raise ValueError(f"mode must be include or exclude, not {mode!r}")
        dc = digest_channels
        async with self.db.write() as conn:
            await conn.execute(
                delete(dc).where(
                    dc.c.digest_id == digest_id, dc.c.channel_external_id == channel_id
                )
            )
            await conn.execute(
                dc.insert().values(
                    digest_id=digest_id,
                    channel_external_id=channel_id,
                    channel_name=channel_name,
                    mode=mode,
                )
            )
            await conn.execute(
                update(digests).where(digests.c.id == digest_id).values(updated_at=now)
            )
            await write_audit(conn, audit)

    async def clear_scope(
        self, digest_id: int, mode: str, now: datetime, audit: Audit | None = None
    ) -> int:
        """Empty the include (every channel feeds it again) or exclude list; returns how many."""
        dc = digest_channels
        async with self.db.write() as conn:
            result = await conn.execute(
                delete(dc).where(dc.c.digest_id == digest_id, dc.c.mode == mode)
            )
            await conn.execute(
                update(digests).where(digests.c.id == digest_id).values(updated_at=now)
            )
            await write_audit(conn, audit)
            return int(result.rowcount or 0)

    # --- runs: the exactly-once protocol ----------------------------------------------------
    async def last_handled(self, digest_id: int) -> datetime | None:
        """The newest scheduled period already posted, skipped or given up on."""
        rt = digest_runs
        async with self.db.read() as conn:
            value = (
                await conn.execute(
                    select(func.max(rt.c.period)).where(
                        rt.c.digest_id == digest_id,
                        rt.c.kind == RunKind.SCHEDULED.value,
                        rt.c.state != RunState.CLAIMED.value,
                    )
                )
            ).scalar()
        return as_utc(value) if value is not None else None

    async def claim(
        self, digest_id: int, period: datetime, kind: RunKind, now: datetime, token: str
    ) -> int | None:
        """Insert the run row for (digest, period); its id if this caller won, else None."""
        async with self.db.write() as conn:
            return await RUNS.claim(conn, digest_id, period, kind.value, now, token)

    async def take_stale(
        self,
        digest_id: int,
        period: datetime,
        now: datetime,
        stale_before: datetime,
        token: str,
        max_attempts: int,
    ) -> int | None:
        """Re-take a claim abandoned by a crashed (or failed) poster; one caller wins."""
        async with self.db.write() as conn:
            return await RUNS.take_stale(
                conn, digest_id, period, now, stale_before, token, max_attempts
            )

    async def give_up_stale(
        self,
        digest_id: int,
        period: datetime,
        stale_before: datetime,
        state: RunState,
        reason: str,
        *,
        max_attempts: int | None = None,
    ) -> bool:
        """Close a stale claim (too many attempts, or now outside the grace window)."""
        where = RUNS.of(digest_id, period)
        if max_attempts is not None:
            where.append(digest_runs.c.attempts >= max_attempts)
        async with self.db.write() as conn:
            closed = await RUNS.close_stale(
                conn, where, stale_before, state=state.value, reason=reason
            )
        return bool(closed)

    async def skip(
        self, digest_id: int, period: datetime, reason: str, now: datetime, token: str
    ) -> bool:
        """Record a period as skipped (missed, quiet); False if it already had a row."""
        async with self.db.write() as conn:
            found = await RUNS.insert(
                conn,
                digest_id,
                period,
                kind=RunKind.SCHEDULED.value,
                state=RunState.SKIPPED.value,
                now=now,
                token=token,
                attempts=0,
                reason=reason,
            )
        return found is not None

    async def finish(
        self,
        run_id: int,
        token: str,
        state: RunState,
        now: datetime,
        *,
        message_id: str | None = None,
        reason: str | None = None,
        featured: Iterable[Featured] = (),
        featured_at: datetime | None = None,
    ) -> bool:
        """Close our claim (posted, skipped) and store what was featured, in one transaction.

        Returns False when the claim was no longer ours (another process took it over as
        stale); the caller then knows a duplicate post may have happened and logs it.
        """
        rt = digest_runs
        async with self.db.write() as conn:
            result = await conn.execute(
                update(rt)
                .where(*RUNS.mine(run_id, token))
                .values(
                    state=state.value,
                    posted_at=now if state is RunState.POSTED else None,
                    message_external_id=message_id,
                    reason=reason,
                )
                .returning(rt.c.digest_id)
            )
            row = result.first()
            if row is None:
                return False
            rows = [
                {
                    "run_id": run_id,
                    "resource_id": f.resource_id,
                    "digest_id": row[0],
                    "rank": f.rank,
                    "engagement": f.engagement,
                    "featured_at": featured_at or now,
                }
                for f in featured
            ]
            if rows:
                # A featured resource deleted meanwhile would break the foreign key: skip it.
                present = set(
                    (
                        await conn.execute(
                            select(m.resources.c.id).where(
                                m.resources.c.id.in_([r["resource_id"] for r in rows])
                            )
                        )
                    ).scalars()
                )
                rows = [r for r in rows if r["resource_id"] in present]
            if rows:
                await conn.execute(insert_ignore(conn, digest_featured), rows)
        return True

    async def release(self, run_id: int, token: str, reason: str) -> None:
        """Posting failed: leave the claim for a later retry, noting why."""
        async with self.db.write() as conn:
            await RUNS.release(conn, run_id, token, reason)

    async def runs(self, digest_id: int, limit: int = 10) -> list[DigestRun]:
        rt = digest_runs
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rt)
                .where(rt.c.digest_id == digest_id)
                .order_by(rt.c.period.desc(), rt.c.id.desc())
                .limit(limit)
            )
            return [_run(r) for r in rows]

    async def featured(self, digest_id: int) -> list[tuple[int, float, datetime]]:
        """(resource id, engagement, featured at) of every earlier feature of this digest."""
        ft = digest_featured
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ft.c.resource_id, ft.c.engagement, ft.c.featured_at).where(
                    ft.c.digest_id == digest_id
                )
            )
            return [(r[0], float(r[1]), as_utc(r[2])) for r in rows]


# Indexes the digest queries need on the foundation's tables (created by migration 0002);
# declared here so the metadata matches the migrated schema whenever this module is loaded.
Index("ix_reactions_community_time", m.reactions.c.community_id, m.reactions.c.reacted_at)
Index("ix_shares_member_time", m.shares.c.member_id, m.shares.c.shared_at)
