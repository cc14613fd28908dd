"""Intro schedules, opt-in defaults, not-with wishes and members' intro state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    func,
    select,
    update,
)

from bot.model import Community
from storage import models as m
from storage.intros.base import StoreBase
from storage.intros.tables import (
    intro_channel_defaults,
    intro_member_state,
    intro_not_with,
    intro_schedules,
)
from storage.intros.values import MemberIntroState, ScheduleRecord, _opt, _schedule
from storage.sql import insert_ignore, set_keyed


class PeopleStore(StoreBase):
    # --- schedules ----------------------------------------------------------------------------
    async def schedule(self, community_id: int) -> ScheduleRecord | None:
        st = intro_schedules
        async with self.db.read() as conn:
            row = (await conn.execute(select(st).where(st.c.community_id == community_id))).first()
        return _schedule(row) if row else None

    async def ensure_schedule(
        self, community_id: int, default: Mapping[str, Any], now: datetime
    ) -> None:
        """Create the community's schedule with the default cadence unless it has one."""
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, intro_schedules),
                [
                    {
                        "community_id": community_id,
                        **default,
                        "enabled": True,
                        "schedule_since": now,
                        "updated_at": now,
                    }
                ],
            )

    async def set_schedule(
        self, community_id: int, values: Mapping[str, Any], now: datetime
    ) -> None:
        """Set the cadence (or `enabled`); periods up to now are never run late because of it."""
        st = intro_schedules
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, st),
                [
                    {
                        "community_id": community_id,
                        "cadence": values.get("cadence", "weekly"),
                        "weekday": values.get("weekday", 0),
                        "hour": values.get("hour", 10),
                        "minute": values.get("minute", 0),
                        "timezone": values.get("timezone", "UTC"),
                        "enabled": values.get("enabled", True),
                        "schedule_since": now,
                        "updated_at": now,
                    }
                ],
            )
            await conn.execute(
                update(st)
                .where(st.c.community_id == community_id)
                .values(**values, schedule_since=now, updated_at=now)
            )

    async def enabled_schedules(self) -> list[tuple[Community, ScheduleRecord]]:
        """Every community with rounds switched on (the scheduler's work list)."""
        st, ct = intro_schedules, m.communities
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(st, ct.c.platform, ct.c.external_id, ct.c.name)
                .join(ct, ct.c.id == st.c.community_id)
                .where(st.c.enabled.is_(True))
                .order_by(st.c.community_id)
            )
            return [
                (Community(r.community_id, r.platform, r.external_id, r.name), _schedule(r))
                for r in rows
            ]

    # --- opt-in defaults and wishes -----------------------------------------------------------
    async def set_channel_default(
        self, community_id: int, channel_id: str, channel_name: str | None, on: bool, now: datetime
    ) -> bool:
        """Turn a channel's default opt-in on or off; True if that changed anything."""
        cd = intro_channel_defaults
        async with self.db.write() as conn:
            if on:
                row = (
                    await conn.execute(
                        insert_ignore(conn, cd).returning(cd.c.channel_external_id),
                        [
                            {
                                "community_id": community_id,
                                "channel_external_id": channel_id,
                                "channel_name": channel_name,
                                "created_at": now,
                            }
                        ],
                    )
                ).first()
                return row is not None
            result = await conn.execute(
                delete(cd).where(
                    cd.c.community_id == community_id, cd.c.channel_external_id == channel_id
                )
            )
            return bool(result.rowcount)

    async def channel_defaults(self, community_id: int) -> list[tuple[str, str | None]]:
        cd = intro_channel_defaults
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(cd.c.channel_external_id, cd.c.channel_name)
                .where(cd.c.community_id == community_id)
                .order_by(cd.c.channel_name, cd.c.channel_external_id)
            )
            return [(r[0], r[1]) for r in rows]

    async def default_channels_of(
        self, community_id: int, member_id: int, since: datetime
    ) -> list[str]:
        """Names of the default-on channels this member posted in since `since`."""
        cd, ch, msg = intro_channel_defaults, m.channels, m.messages
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(func.coalesce(cd.c.channel_name, ch.c.name, ch.c.external_id))
                .select_from(cd)
                .join(
                    ch,
                    and_(
                        ch.c.community_id == cd.c.community_id,
                        ch.c.external_id == cd.c.channel_external_id,
                    ),
                )
                .where(
                    cd.c.community_id == community_id,
                    ch.c.id.in_(
                        select(msg.c.channel_id).where(
                            msg.c.author_id == member_id, msg.c.posted_at >= since
                        )
                    ),
                )
                .order_by(cd.c.channel_name)
            )
            return [r[0] for r in rows]

    async def add_not_with(
        self,
        community_id: int,
        member_ext: str,
        other_ext: str,
        other_name: str | None,
        now: datetime,
    ) -> bool:
        nw = intro_not_with
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    insert_ignore(conn, nw).returning(nw.c.other_external_id),
                    [
                        {
                            "community_id": community_id,
                            "member_external_id": member_ext,
                            "other_external_id": other_ext,
                            "other_name": other_name,
                            "created_at": now,
                        }
                    ],
                )
            ).first()
        return row is not None

    async def remove_not_with(self, community_id: int, member_ext: str, other_ext: str) -> bool:
        nw = intro_not_with
        async with self.db.write() as conn:
            result = await conn.execute(
                delete(nw).where(
                    nw.c.community_id == community_id,
                    nw.c.member_external_id == member_ext,
                    nw.c.other_external_id == other_ext,
                )
            )
        return bool(result.rowcount)

    async def not_with_of(self, community_id: int, member_ext: str) -> list[tuple[str, str | None]]:
        nw = intro_not_with
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(nw.c.other_external_id, nw.c.other_name)
                .where(nw.c.community_id == community_id, nw.c.member_external_id == member_ext)
                .order_by(nw.c.created_at, nw.c.other_external_id)
            )
            return [(r[0], r[1]) for r in rows]

    async def not_with_pairs(self, community_id: int) -> list[tuple[str, str]]:
        nw = intro_not_with
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(nw.c.member_external_id, nw.c.other_external_id).where(
                    nw.c.community_id == community_id
                )
            )
            return [(r[0], r[1]) for r in rows]

    # --- member state ------------------------------------------------------------------------
    async def member_state(self, community_id: int, member_ext: str) -> MemberIntroState:
        ms = intro_member_state
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(ms).where(
                        ms.c.community_id == community_id, ms.c.member_external_id == member_ext
                    )
                )
            ).first()
        if row is None:
            return MemberIntroState()
        return MemberIntroState(
            _opt(row.streak_since), _opt(row.auto_paused_at), _opt(row.notice_sent_at)
        )

    async def member_states(self, community_id: int) -> dict[str, MemberIntroState]:
        ms = intro_member_state
        async with self.db.read() as conn:
            rows = await conn.execute(select(ms).where(ms.c.community_id == community_id))
            return {
                r.member_external_id: MemberIntroState(
                    _opt(r.streak_since), _opt(r.auto_paused_at), _opt(r.notice_sent_at)
                )
                for r in rows
            }

    async def set_member_state(
        self, community_id: int, member_ext: str, now: datetime, **values: Any
    ) -> None:
        key = {"community_id": community_id, "member_external_id": member_ext}
        async with self.db.write() as conn:
            await set_keyed(conn, intro_member_state, key, {"updated_at": now, **values})

    async def auto_pause(
        self,
        community_id: int,
        member_exts: Sequence[str],
        now: datetime,
        until: datetime,
        default_tracking: bool,
    ) -> None:
        """Pause members who ignored their last intros, in one transaction with the record."""
        if not member_exts:
            return
        st, ms = m.member_settings, intro_member_state
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, st),
                [
                    {
                        "community_id": community_id,
                        "member_external_id": ext,
                        "tracking": default_tracking,
                        "updated_at": now,
                    }
                    for ext in member_exts
                ],
            )
            await conn.execute(
                update(st)
                .where(st.c.community_id == community_id, st.c.member_external_id.in_(member_exts))
                .values(intros_paused_until=until, updated_at=now)
            )
            await conn.execute(
                insert_ignore(conn, ms),
                [
                    {"community_id": community_id, "member_external_id": ext, "updated_at": now}
                    for ext in member_exts
                ],
            )
            await conn.execute(
                update(ms)
                .where(ms.c.community_id == community_id, ms.c.member_external_id.in_(member_exts))
                .values(auto_paused_at=now, notice_sent_at=None, streak_since=now, updated_at=now)
            )
