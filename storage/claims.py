"""The storage side of exactly-once claims (see `bot.claims` for the protocol): the same few
statements for every table of claims (`digest_runs`, `intro_rounds`, and anything later).

A claims table has an `id`, an owner column (what the claim is for: a digest, a community),
`period`, `kind`, `state`, `claimed_at`, `claimed_by`, `attempts` and `reason`, and a UNIQUE
constraint on (owner, period). Each function runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.claims import ClaimState
from bot.clock import as_utc
from storage.sql import insert_ignore


@dataclass(frozen=True, slots=True)
class ClaimsTable:
    table: Table
    owner: str  # the column naming what a claim is for
    open_states: tuple[str, ...] = (ClaimState.CLAIMED.value,)

    def _of(self, owner_id: int, period: datetime) -> list[ColumnElement[bool]]:
        t = self.table
        return [t.c[self.owner] == owner_id, t.c.period == as_utc(period)]

    def _open(self) -> ColumnElement[bool]:
        return self.table.c.state.in_(self.open_states)

    async def insert(
        self,
        conn: AsyncConnection,
        owner_id: int,
        period: datetime,
        *,
        kind: str,
        state: str,
        now: datetime,
        token: str,
        attempts: int,
        **values: Any,
    ) -> int | None:
        """The row for (owner, period) in `state`; its id if this caller won, else None."""
        t = self.table
        row = (
            await conn.execute(
                insert_ignore(conn, t).returning(t.c.id),
                {
                    self.owner: owner_id,
                    "period": as_utc(period),
                    "kind": kind,
                    "state": state,
                    "claimed_at": now,
                    "claimed_by": token,
                    "attempts": attempts,
                    **values,
                },
            )
        ).first()
        return int(row[0]) if row is not None else None

    async def claim(
        self,
        conn: AsyncConnection,
        owner_id: int,
        period: datetime,
        kind: str,
        now: datetime,
        token: str,
        **values: Any,
    ) -> int | None:
        """Claim (owner, period); the row's id if this caller won, else None."""
        return await self.insert(
            conn,
            owner_id,
            period,
            kind=kind,
            state=ClaimState.CLAIMED.value,
            now=now,
            token=token,
            attempts=1,
            **values,
        )

    async def take_stale(
        self,
        conn: AsyncConnection,
        owner_id: int,
        period: datetime,
        now: datetime,
        stale_before: datetime,
        token: str,
        max_attempts: int,
    ) -> int | None:
        """Re-take an open claim abandoned before `stale_before`; one caller wins."""
        t = self.table
        row = (
            await conn.execute(
                update(t)
                .where(
                    *self._of(owner_id, period),
                    self._open(),
                    t.c.claimed_at < stale_before,
                    t.c.attempts < max_attempts,
                )
                .values(claimed_at=now, claimed_by=token, attempts=t.c.attempts + 1)
                .returning(t.c.id)
            )
        ).first()
        return int(row[0]) if row is not None else None

    async def close_stale(
        self,
        conn: AsyncConnection,
        where: Sequence[ColumnElement[bool]],
        stale_before: datetime,
        **values: Any,
    ) -> list[int]:
        """Close the open claims matching `where` abandoned before `stale_before` (set `values`,
        a final state among them); the ids closed."""
        t = self.table
        result = await conn.execute(
            update(t)
            .where(*where, self._open(), t.c.claimed_at < stale_before)
            .values(**values)
            .returning(t.c.id)
        )
        return [int(r[0]) for r in result]

    def of(self, owner_id: int, period: datetime) -> list[ColumnElement[bool]]:
        """Conditions for the claim of (owner, period), for `close_stale`."""
        return self._of(owner_id, period)

    def mine(
        self, row_id: int, token: str, states: Sequence[str] | None = None
    ) -> list[ColumnElement[bool]]:
        """Conditions for a claim this caller still holds (in `states`, open ones by default)."""
        t = self.table
        state = t.c.state.in_(states) if states is not None else self._open()
        return [t.c.id == row_id, state, t.c.claimed_by == token]

    async def release(self, conn: AsyncConnection, row_id: int, token: str, reason: str) -> None:
        """Posting failed: leave the claim for a later retry, noting why."""
        await conn.execute(
            update(self.table).where(*self.mine(row_id, token)).values(reason=reason[:2000])
        )
