"""Who may be introduced (candidates) and rounds: the exactly-once claims."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import (
    and_,
    func,
    select,
    update,
)

from bot.clock import as_utc
from bot.model import Member
from storage import models as m
from storage.intros.base import StoreBase
from storage.intros.tables import (
    CLAIMED,
    FAILED,
    FOLLOWUP_PENDING,
    OPEN_STATES,
    PLANNED,
    POSTED,
    ROUNDS,
    SKIPPED,
    intro_channel_defaults,
    intro_members,
    intro_rounds,
    intros,
)
from storage.intros.values import IntroFacts, PlannedIntro, RoundRecord, _opt, _round


class RoundStore(StoreBase):
    # --- candidates ----------------------------------------------------------------------------
    async def candidate_facts(self, community_id: int, active_since: datetime) -> list[IntroFacts]:
        """What decides whether each member (not a bot) may be introduced: their choices, and
        whether they were active, and posted in a default-on channel, since `active_since`.
        The decision is `bot.intros.eligibility`."""
        mt, st, msg, rx, ch = m.members, m.member_settings, m.messages, m.reactions, m.channels
        cd = intro_channel_defaults
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(
                        mt.c.id,
                        mt.c.external_id,
                        mt.c.display_name,
                        st.c.tracking,
                        st.c.intros,
                        st.c.intros_paused_until,
                        st.c.updated_at,
                    )
                    .select_from(
                        mt.outerjoin(
                            st,
                            and_(
                                st.c.community_id == mt.c.community_id,
                                st.c.member_external_id == mt.c.external_id,
                            ),
                        )
                    )
                    .where(mt.c.community_id == community_id, mt.c.is_bot.is_(False))
                    .order_by(mt.c.id)
                )
            ).all()
            active = set(
                (
                    await conn.execute(
                        select(msg.c.author_id)
                        .where(msg.c.community_id == community_id, msg.c.posted_at >= active_since)
                        .distinct()
                    )
                ).scalars()
            )
            active.update(
                (
                    await conn.execute(
                        select(rx.c.member_id)
                        .where(rx.c.community_id == community_id, rx.c.reacted_at >= active_since)
                        .distinct()
                    )
                ).scalars()
            )
            by_default = set(
                (
                    await conn.execute(
                        select(msg.c.author_id)
                        .join(ch, ch.c.id == msg.c.channel_id)
                        .join(
                            cd,
                            and_(
                                cd.c.community_id == ch.c.community_id,
                                cd.c.channel_external_id == ch.c.external_id,
                            ),
                        )
                        .where(msg.c.community_id == community_id, msg.c.posted_at >= active_since)
                        .distinct()
                    )
                ).scalars()
            )
        return [
            IntroFacts(
                member=Member(r.id, community_id, r.external_id, r.display_name),
                tracking=None if r.tracking is None else bool(r.tracking),
                intros=None if r.intros is None else bool(r.intros),
                paused_until=_opt(r.intros_paused_until),
                chose_at=_opt(r.updated_at),
                active=r.id in active,
                in_default_channel=r.id in by_default,
            )
            for r in rows
        ]

    async def opted_in_counts(self, community_id: int, now: datetime) -> tuple[int, int]:
        """(members who turned intros on, of them paused now), for moderators' stats."""
        st = m.member_settings
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(st.c.intros_paused_until).where(
                        st.c.community_id == community_id, st.c.intros.is_(True)
                    )
                )
            ).all()
        paused = sum(1 for (p,) in rows if p is not None and as_utc(p) > now)
        return len(rows), paused

    # --- rounds: the exactly-once protocol -------------------------------------------------------
    async def claim(
        self, community_id: int, period: datetime, kind: str, now: datetime, token: str
    ) -> int | None:
        """Insert the round row for (community, period); its id if this caller won, else None."""
        async with self.db.write() as conn:
            return await ROUNDS.claim(conn, community_id, period, kind, now, token, candidates=0)

    async def take_stale(
        self,
        community_id: int,
        period: datetime,
        now: datetime,
        stale_before: datetime,
        token: str,
        max_attempts: int,
    ) -> int | None:
        """Re-take a round whose owner crashed or failed (claimed or planned, not touched since
        `stale_before`); one caller wins."""
        async with self.db.write() as conn:
            return await ROUNDS.take_stale(
                conn, community_id, period, now, stale_before, token, max_attempts
            )

    async def give_up(
        self, round_id: int, stale_before: datetime, reason: str, now: datetime
    ) -> bool:
        """Close a stale open round (too many attempts, or superseded by a newer period): the
        round is failed and its unposted intros too. False if it was not open and stale."""
        rt, it = intro_rounds, intros
        async with self.db.write() as conn:
            closed = await ROUNDS.close_stale(
                conn,
                [rt.c.id == round_id],
                stale_before,
                state=FAILED,
                reason=reason[:2000],
                finished_at=now,
            )
            if not closed:
                return False
            await conn.execute(
                update(it)
                .where(it.c.round_id == round_id, it.c.state == "planned")
                .values(state="failed")
            )
        return True

    async def round(self, round_id: int) -> RoundRecord | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(intro_rounds).where(intro_rounds.c.id == round_id))
            ).first()
        return _round(row) if row else None

    async def round_for(self, community_id: int, period: datetime) -> RoundRecord | None:
        rt = intro_rounds
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(rt).where(
                        rt.c.community_id == community_id, rt.c.period == as_utc(period)
                    )
                )
            ).first()
        return _round(row) if row else None

    async def rounds(self, community_id: int, limit: int = 20) -> list[RoundRecord]:
        rt = intro_rounds
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rt)
                .where(rt.c.community_id == community_id)
                .order_by(rt.c.period.desc(), rt.c.id.desc())
                .limit(limit)
            )
            return [_round(r) for r in rows]

    async def open_rounds(self, community_id: int) -> list[RoundRecord]:
        rt = intro_rounds
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rt)
                .where(rt.c.community_id == community_id, rt.c.state.in_(OPEN_STATES))
                .order_by(rt.c.period)
            )
            return [_round(r) for r in rows]

    async def record_plan(
        self,
        round_id: int,
        token: str,
        community_id: int,
        planned: Sequence[PlannedIntro],
        externals: Mapping[int, str],
        candidates: int,
        now: datetime,
        reason: str | None = None,
    ) -> bool:
        """Record every intro of a round and mark it planned (skipped, with `reason`, when there
        are none), in one transaction, only while the round is still ours and unplanned.
        False: someone else owns it now."""
        rt, it, im = intro_rounds, intros, intro_members
        async with self.db.write() as conn:
            owned = (
                await conn.execute(
                    update(rt)
                    .where(rt.c.id == round_id, rt.c.state == CLAIMED, rt.c.claimed_by == token)
                    .values(
                        state=PLANNED if planned else SKIPPED,
                        planned_at=now,
                        claimed_at=now,
                        candidates=candidates,
                        finished_at=None if planned else now,
                        reason=None if planned else (reason or "nobody to introduce"),
                    )
                    .returning(rt.c.id)
                )
            ).first()
            if owned is None:
                return False
            if not planned:
                return True
            await conn.execute(
                it.insert(),
                [
                    {
                        "round_id": round_id,
                        "community_id": community_id,
                        "seq": seq,
                        "size": len(p.member_ids),
                        "state": "planned",
                        "score": p.score,
                        "explanation": p.explanation,
                        "attempts": 0,
                        "created_at": now,
                        "followup_state": FOLLOWUP_PENDING,
                        "followup_attempts": 0,
                    }
                    for seq, p in enumerate(planned)
                ],
            )
            ids = {
                seq: intro_id
                for seq, intro_id in await conn.execute(
                    select(it.c.seq, it.c.id).where(it.c.round_id == round_id)
                )
            }
            await conn.execute(
                im.insert(),
                [
                    {
                        "intro_id": ids[seq],
                        "member_id": mid,
                        "community_id": community_id,
                        "member_external_id": externals[mid],
                    }
                    for seq, p in enumerate(planned)
                    for mid in p.member_ids
                ],
            )
        return True

    async def finish_round(
        self, round_id: int, token: str, now: datetime, reason: str | None = None
    ) -> bool:
        """Close a planned round whose intros are all posted or given up."""
        rt, it = intro_rounds, intros
        async with self.db.write() as conn:
            waiting = (
                await conn.execute(
                    select(func.count()).where(it.c.round_id == round_id, it.c.state == "planned")
                )
            ).scalar_one()
            if waiting:
                return False
            result = await conn.execute(
                update(rt)
                .where(rt.c.id == round_id, rt.c.state == PLANNED, rt.c.claimed_by == token)
                .values(state=POSTED, finished_at=now, reason=reason)
            )
        return bool(result.rowcount)

    async def release(self, round_id: int, token: str, reason: str) -> None:
        """Posting failed: leave the round for a later retry, noting why."""
        async with self.db.write() as conn:
            await ROUNDS.release(conn, round_id, token, reason)
