"""Members' settings (tracking, profiling, intros), kept by platform id so a choice holds
before a member ever posts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    select,
)

from bot.clock import as_utc
from bot.model import (
    MemberSettings,
)
from storage import models as m
from storage.repositories.base import _Repo
from storage.sql import set_keyed


class Settings(_Repo):
    async def tracking_choices(self, community_id: int) -> dict[str, bool]:
        return await self._choices(community_id, m.member_settings.c.tracking)

    async def get(
        self, community_id: int, external_id: str, default_tracking: bool = True
    ) -> MemberSettings:
        st = m.member_settings
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(st).where(
                        st.c.community_id == community_id, st.c.member_external_id == external_id
                    )
                )
            ).first()
        if row is None:
            return MemberSettings(tracking=default_tracking)
        paused = as_utc(row.intros_paused_until) if row.intros_paused_until else None
        return MemberSettings(
            tracking=bool(row.tracking),
            intros=row.intros,
            intros_paused_until=paused,
            profiling=row.profiling,
        )

    async def profiling_choices(self, community_id: int) -> dict[str, bool]:
        """Members' explicit answers to `privacy profiling`, by platform id."""
        return await self._choices(community_id, m.member_settings.c.profiling)

    async def _choices(self, community_id: int, column: Any) -> dict[str, bool]:
        """One yes/no setting of every member who has answered it, by platform id."""
        st = m.member_settings
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(st.c.member_external_id, column).where(
                    st.c.community_id == community_id, column.is_not(None)
                )
            )
            return {ext: bool(value) for ext, value in rows}

    async def update(
        self,
        community_id: int,
        external_id: str,
        now: datetime,
        default_tracking: bool = True,
        **values: Any,
    ) -> None:
        key = {"community_id": community_id, "member_external_id": external_id}
        async with self.db.write() as conn:
            await set_keyed(
                conn,
                m.member_settings,
                key,
                {"updated_at": now, **values},
                defaults={"tracking": default_tracking},
            )
