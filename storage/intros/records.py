"""Intros as recorded and posted, answers, and the "Did you meet?" follow-ups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import as_utc
from bot.model import Community
from storage import models as m
from storage.intros.base import StoreBase
from storage.intros.tables import (
    FOLLOWUP_FAILED,
    FOLLOWUP_PENDING,
    FOLLOWUP_SENDING,
    FOLLOWUP_SENT,
    OPEN_STATES,
    PLANNED,
    intro_members,
    intro_rounds,
    intros,
)
from storage.intros.values import IntroMember, IntroRecord, RoundRecord, _opt, _round


class RecordStore(StoreBase):
    # --- intros -----------------------------------------------------------------------------------
    async def _records(self, conn: AsyncConnection, rows: Sequence[Any]) -> list[IntroRecord]:
        if not rows:
            return []
        im, mt = intro_members, m.members
        people: dict[int, list[IntroMember]] = {}
        ids = [r.id for r in rows]
        for part in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            for r in await conn.execute(
                select(im, mt.c.display_name)
                .join(mt, mt.c.id == im.c.member_id)
                .where(im.c.intro_id.in_(part))
                .order_by(im.c.intro_id, im.c.member_id)
            ):
                people.setdefault(r.intro_id, []).append(
                    IntroMember(
                        r.member_id,
                        r.member_external_id,
                        r.display_name or r.member_external_id,
                        r.answer,
                        _opt(r.answered_at),
                    )
                )
        out = []
        for r in rows:
            out.append(
                IntroRecord(
                    id=r.id,
                    round_id=r.round_id,
                    community_id=r.community_id,
                    seq=r.seq,
                    state=r.state,
                    score=float(r.score or 0.0),
                    explanation=r.explanation,
                    members=tuple(people.get(r.id, ())),
                    created_at=as_utc(r.created_at),
                    size=r.size,
                    attempts=r.attempts,
                    conversation_id=r.conversation_id,
                    message_id=r.message_id,
                    posted_at=_opt(r.posted_at),
                    followup_state=r.followup_state,
                    followup_at=_opt(r.followup_at),
                    period=_opt(getattr(r, "period", None)),
                )
            )
        return out

    async def intros_of_round(
        self, round_id: int, *, state: str | None = None
    ) -> list[IntroRecord]:
        it = intros
        q = select(it).where(it.c.round_id == round_id)
        if state is not None:
            q = q.where(it.c.state == state)
        async with self.db.read() as conn:
            rows = (await conn.execute(q.order_by(it.c.seq))).all()
            return await self._records(conn, rows)

    async def intro(self, community_id: int, intro_id: int) -> IntroRecord | None:
        it, rt = intros, intro_rounds
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(it, rt.c.period)
                    .join(rt, rt.c.id == it.c.round_id)
                    .where(it.c.community_id == community_id, it.c.id == intro_id)
                )
            ).all()
            found = await self._records(conn, rows)
        return found[0] if found else None

    async def intros_of_member(
        self, community_id: int, member_ext: str, limit: int | None = None
    ) -> list[IntroRecord]:
        """A member's posted intros, newest first."""
        it, im, rt = intros, intro_members, intro_rounds
        q = (
            select(it, rt.c.period)
            .join(rt, rt.c.id == it.c.round_id)
            .join(im, im.c.intro_id == it.c.id)
            .where(
                im.c.community_id == community_id,
                im.c.member_external_id == member_ext,
                it.c.state == "posted",
            )
            .order_by(it.c.created_at.desc(), it.c.id.desc())
        )
        if limit is not None:
            q = q.limit(limit)
        async with self.db.read() as conn:
            rows = (await conn.execute(q)).all()
            return await self._records(conn, rows)

    async def set_conversation(self, intro_id: int, conversation_id: str) -> None:
        it = intros
        async with self.db.write() as conn:
            await conn.execute(
                update(it)
                .where(it.c.id == intro_id, it.c.state == "planned")
                .values(conversation_id=conversation_id[:128])
            )

    async def mark_posted(
        self, intro_id: int, round_id: int, token: str, message_id: str | None, now: datetime
    ) -> bool:
        """Store the platform message id and touch the round's claim (a heartbeat, so a long
        round never looks stale). False when the round is no longer ours: stop posting."""
        it, rt = intros, intro_rounds
        async with self.db.write() as conn:
            await conn.execute(
                update(it)
                .where(it.c.id == intro_id, it.c.state == "planned")
                .values(
                    state="posted",
                    message_id=(message_id or None) and str(message_id)[:128],
                    posted_at=now,
                )
            )
            ours = (
                await conn.execute(
                    update(rt)
                    .where(rt.c.id == round_id, rt.c.claimed_by == token, rt.c.state == PLANNED)
                    .values(claimed_at=now)
                    .returning(rt.c.id)
                )
            ).first()
        return ours is not None

    async def post_failed(self, intro_id: int, max_attempts: int) -> bool:
        """Count a failed post; True when the intro is given up."""
        it = intros
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    update(it)
                    .where(it.c.id == intro_id, it.c.state == "planned")
                    .values(attempts=it.c.attempts + 1)
                    .returning(it.c.attempts)
                )
            ).first()
            if row is not None and row[0] >= max_attempts:
                await conn.execute(update(it).where(it.c.id == intro_id).values(state="failed"))
                return True
        return False

    async def still_ours(self, round_id: int, token: str) -> bool:
        rt = intro_rounds
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(rt.c.id).where(
                        rt.c.id == round_id, rt.c.claimed_by == token, rt.c.state.in_(OPEN_STATES)
                    )
                )
            ).first()
        return row is not None

    async def recent_groups(
        self, community_id: int, rounds: int
    ) -> list[tuple[RoundRecord, list[IntroRecord]]]:
        """The last `rounds` rounds that introduced anyone, oldest first, with their intros."""
        rt, it = intro_rounds, intros
        async with self.db.read() as conn:
            round_rows = (
                await conn.execute(
                    select(rt)
                    .where(
                        rt.c.community_id == community_id,
                        rt.c.id.in_(
                            select(it.c.round_id).where(
                                it.c.community_id == community_id, it.c.state != "failed"
                            )
                        ),
                    )
                    .order_by(rt.c.period.desc(), rt.c.id.desc())
                    .limit(rounds)
                )
            ).all()
            if not round_rows:
                return []
            intro_rows = (
                await conn.execute(
                    select(it, rt.c.period)
                    .join(rt, rt.c.id == it.c.round_id)
                    .where(it.c.round_id.in_([r.id for r in round_rows]), it.c.state != "failed")
                    .order_by(it.c.round_id, it.c.seq)
                )
            ).all()
            records = await self._records(conn, intro_rows)
        by_round: dict[int, list[IntroRecord]] = {}
        for rec in records:
            by_round.setdefault(rec.round_id, []).append(rec)
        return [(_round(r), by_round.get(r.id, [])) for r in reversed(round_rows)]

    async def met_pairs(self, community_id: int) -> list[tuple[int, ...]]:
        """Member ids of every intro someone answered "yes, we met" to."""
        im = intro_members
        async with self.db.read() as conn:
            met_ids = select(im.c.intro_id).where(
                im.c.community_id == community_id, im.c.answer == "yes"
            )
            rows = await conn.execute(
                select(im.c.intro_id, im.c.member_id).where(im.c.intro_id.in_(met_ids))
            )
            groups: dict[int, list[int]] = {}
            for intro_id, member_id in rows:
                groups.setdefault(intro_id, []).append(member_id)
        return [tuple(sorted(g)) for g in groups.values()]

    async def answer(
        self, community_id: int, intro_id: int, member_ext: str, answer: str, now: datetime
    ) -> bool:
        it, im = intros, intro_members
        async with self.db.write() as conn:
            result = await conn.execute(
                update(im)
                .where(
                    im.c.community_id == community_id,
                    im.c.intro_id == intro_id,
                    im.c.member_external_id == member_ext,
                    im.c.intro_id.in_(select(it.c.id).where(it.c.state == "posted")),
                )
                .values(answer=answer, answered_at=now)
            )
        return bool(result.rowcount)

    # --- follow-ups ---------------------------------------------------------------------------------
    async def due_followups(
        self,
        posted_before: datetime,
        platforms: Iterable[str],
        stale_before: datetime,
        limit: int = 200,
    ) -> list[tuple[Community, IntroRecord]]:
        """Posted intros whose "Did you meet?" is due (or whose sender crashed before
        `stale_before`), on platforms this process can post to."""
        it, ct = intros, m.communities
        platforms = list(platforms)
        if not platforms:
            return []
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(
                        it,
                        ct.c.platform,
                        ct.c.external_id.label("c_ext"),
                        ct.c.name.label("c_name"),
                    )
                    .join(ct, ct.c.id == it.c.community_id)
                    .where(
                        it.c.state == "posted",
                        or_(
                            it.c.followup_state == FOLLOWUP_PENDING,
                            and_(
                                it.c.followup_state == FOLLOWUP_SENDING,
                                it.c.followup_claimed_at < stale_before,
                            ),
                        ),
                        it.c.posted_at <= posted_before,
                        ct.c.platform.in_(platforms),
                    )
                    .order_by(it.c.posted_at, it.c.id)
                    .limit(limit)
                )
            ).all()
            records = await self._records(conn, rows)
        communities = {r.id: Community(r.community_id, r.platform, r.c_ext, r.c_name) for r in rows}
        return [(communities[rec.id], rec) for rec in records]

    async def claim_followup(
        self, intro_id: int, token: str, now: datetime, stale_before: datetime | None = None
    ) -> bool:
        """Take a follow-up (pending, or sending but abandoned before `stale_before`)."""
        it = intros
        cond = it.c.followup_state == FOLLOWUP_PENDING
        if stale_before is not None:
            cond = or_(
                cond,
                and_(
                    it.c.followup_state == FOLLOWUP_SENDING,
                    it.c.followup_claimed_at < stale_before,
                ),
            )
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    update(it)
                    .where(it.c.id == intro_id, cond)
                    .values(
                        followup_state=FOLLOWUP_SENDING,
                        followup_claimed_by=token,
                        followup_claimed_at=now,
                        followup_attempts=it.c.followup_attempts + 1,
                    )
                    .returning(it.c.id)
                )
            ).first()
        return row is not None

    async def finish_followup(
        self, intro_id: int, token: str, message_id: str | None, now: datetime
    ) -> None:
        it = intros
        async with self.db.write() as conn:
            await conn.execute(
                update(it)
                .where(
                    it.c.id == intro_id,
                    it.c.followup_state == FOLLOWUP_SENDING,
                    it.c.followup_claimed_by == token,
                )
                .values(
                    followup_state=FOLLOWUP_SENT,
                    followup_message_id=(message_id or None) and str(message_id)[:128],
                    followup_at=now,
                )
            )

    async def release_followup(self, intro_id: int, token: str, max_attempts: int) -> None:
        """A failed follow-up goes back to pending (or failed after `max_attempts`)."""
        it = intros
        async with self.db.write() as conn:
            await conn.execute(
                update(it)
                .where(
                    it.c.id == intro_id,
                    it.c.followup_state == FOLLOWUP_SENDING,
                    it.c.followup_claimed_by == token,
                )
                .values(
                    followup_state=FOLLOWUP_PENDING,
                    followup_claimed_by=None,
                )
            )
            await conn.execute(
                update(it)
                .where(
                    it.c.id == intro_id,
                    it.c.followup_state == FOLLOWUP_PENDING,
                    it.c.followup_attempts >= max_attempts,
                )
                .values(followup_state=FOLLOWUP_FAILED)
            )
