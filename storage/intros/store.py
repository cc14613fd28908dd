"""The intro store: every intro read and write (its parts are in this package), and the
moderators' stats and forget-me, which span them."""

from __future__ import annotations

from sqlalchemy import (
    case,
    delete,
    func,
    or_,
    select,
)

from bot.clock import as_utc
from storage.intros.contacts import ContactStore
from storage.intros.people import PeopleStore
from storage.intros.records import RecordStore
from storage.intros.rounds import RoundStore
from storage.intros.tables import (
    FOLLOWUP_SENT,
    intro_member_state,
    intro_members,
    intro_not_with,
    intro_rounds,
    intros,
)
from storage.intros.values import RoundStats, Stats


class IntroStore(PeopleStore, RoundStore, ContactStore, RecordStore):
    """Every intro read and write, scoped by community wherever a community is involved."""

    # --- stats ----------------------------------------------------------------------------------------
    async def stats(self, community_id: int, recent: int = 5) -> Stats:
        rt, it, im = intro_rounds, intros, intro_members
        async with self.db.read() as conn:
            rounds = (
                await conn.execute(
                    select(func.count(func.distinct(it.c.round_id))).where(
                        it.c.community_id == community_id, it.c.state == "posted"
                    )
                )
            ).scalar_one()
            made, followups = (
                await conn.execute(
                    select(
                        func.count(),
                        func.coalesce(
                            func.sum(case((it.c.followup_state == FOLLOWUP_SENT, 1), else_=0)), 0
                        ),
                    ).where(it.c.community_id == community_id, it.c.state == "posted")
                )
            ).one()
            per_intro = (
                select(
                    im.c.intro_id,
                    func.max(case((im.c.answer.is_not(None), 1), else_=0)).label("answered"),
                    func.max(case((im.c.answer == "yes", 1), else_=0)).label("met"),
                )
                .where(im.c.community_id == community_id)
                .group_by(im.c.intro_id)
                .subquery()
            )
            rows = (
                await conn.execute(
                    select(
                        rt.c.id,
                        rt.c.period,
                        rt.c.kind,
                        func.count(it.c.id),
                        func.coalesce(func.sum(per_intro.c.answered), 0),
                        func.coalesce(func.sum(per_intro.c.met), 0),
                    )
                    .join(it, it.c.round_id == rt.c.id)
                    .outerjoin(per_intro, per_intro.c.intro_id == it.c.id)
                    .where(rt.c.community_id == community_id, it.c.state == "posted")
                    .group_by(rt.c.id, rt.c.period, rt.c.kind)
                    .order_by(rt.c.period.desc())
                )
            ).all()
        answered = sum(int(r[4]) for r in rows)
        met = sum(int(r[5]) for r in rows)
        return Stats(
            rounds=int(rounds),
            intros=int(made),
            followups=int(followups),
            answered=answered,
            met=met,
            recent=tuple(
                RoundStats(as_utc(r[1]), r[2], int(r[3]), int(r[4]), int(r[5]))
                for r in rows[:recent]
            ),
        )

    # --- privacy ------------------------------------------------------------------------------------------
    async def forget_member(self, community_id: int, member_ext: str) -> None:
        """`forget-me`: every intro they were part of (the whole pair or trio), their not-with
        list, others' not-with wishes naming them (their id and name would otherwise outlive
        them: a member who comes back after forget-me comes back as someone new) and their
        intro state."""
        it, im, nw, ms = intros, intro_members, intro_not_with, intro_member_state
        async with self.db.write() as conn:
            theirs = select(im.c.intro_id).where(
                im.c.community_id == community_id, im.c.member_external_id == member_ext
            )
            await conn.execute(delete(it).where(it.c.id.in_(theirs)))
            # Their member row may already be gone (the core deletes it first) and with it their
            # intro_members rows: intros left with fewer members than they had were theirs too.
            counts = (
                select(im.c.intro_id, func.count().label("n"))
                .where(im.c.community_id == community_id)
                .group_by(im.c.intro_id)
                .subquery()
            )
            orphans = (
                select(it.c.id)
                .outerjoin(counts, counts.c.intro_id == it.c.id)
                .where(
                    it.c.community_id == community_id,
                    func.coalesce(counts.c.n, 0) < it.c.size,
                )
            )
            await conn.execute(delete(it).where(it.c.id.in_(orphans)))
            await conn.execute(
                delete(nw).where(
                    nw.c.community_id == community_id,
                    or_(
                        nw.c.member_external_id == member_ext, nw.c.other_external_id == member_ext
                    ),
                )
            )
            await conn.execute(
                delete(ms).where(
                    ms.c.community_id == community_id, ms.c.member_external_id == member_ext
                )
            )
