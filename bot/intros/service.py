"""Introductions that explain themselves: plan a round, post it exactly once, follow it up.

A round pairs the opted-in, active members with `matching.plan_round` (never a `not-with`
pair, never a pair grouped in the last `REPEAT_WINDOW` rounds, one trio when the count is
odd), explains each group with `explain.explain_group` (only real evidence: titles shared,
questions asked) and posts each intro where its members can talk (`Outlet.open_conversation`).
A week later it asks "Did you meet?"; the answers feed the next rounds (met pairs count as
ties, members who ignore `IGNORED_STREAK` intros in a row are paused and told) and the
moderators' stats.

Exactly once: the round is claimed in storage before anything happens (see `storage.intros`);
the intros are recorded in one transaction before the first post, so a crash mid-round
resumes the unposted intros of that round instead of pairing again. One window stays
at-least-once, as for digests: a post the platform accepted just before a crash, whose id was
not yet stored, is posted again on resume.

Profiles and ties come from loaders (by default `bot.interests.service.load_profiles` and
`member_interactions`), so tests and other callers can supply their own (`use_profiles`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.documents import (
    Block,
    Item,
    ItemList,
    spans,
)
from bot.interests.profiles import Profile
from bot.intros.documents import (
    IGNORED_STREAK,
    Draft,
    Group,
    RoundResult,
    and_list,
    conversation_topic,
    explanation_from_json,
    explanation_json,
    followup_document,
    intro_document,
    mention,
    pause_notice,
)
from bot.intros.eligibility import ACTIVE_WINDOW, eligible
from bot.intros.explain import Explanation, explain_group, focus, nameable
from bot.model import Community, CommunityRef, Member
from storage.intros import (
    CLAIMED,
    PLANNED,
    IntroRecord,
    IntroStore,
    PlannedIntro,
)

if TYPE_CHECKING:
    from bot.commands.registry import CommandContext
    from bot.intros.scheduler import Cadence
    from bot.ports import Outlet
    from bot.services import Services

log = logging.getLogger(__name__)

EXTRA_KEY = "intros"
REPEAT_WINDOW = 12  # rounds in which a pair is not grouped again
FOLLOWUP_AFTER = timedelta(days=7)  # "Did you meet?" this long after the intro
ANSWER_WINDOW = timedelta(days=3)  # after the follow-up, silence counts as ignoring it
AUTO_PAUSE = timedelta(weeks=12)
# Contacts (reactions, mentions, turns) looked back on: two people who talked years ago
# already have a tie (the judged rounds: 365 days missed two pairs of haskell-jp's 2017-2024
# archive who had talked, new ties 21 -> 22 of 31; 24 is the most the members allow).
CONTACT_WINDOW = timedelta(days=3650)
STALE = timedelta(minutes=10)  # an open round untouched this long belongs to a dead process
MAX_ATTEMPTS = 3  # posting attempts per round and per intro
MET_PENALTY = 0.1  # pairs who met before are a little less likely to meet again
# A reason needs this many different resources or messages of each member's own behind it,
# and a wish to learn this many questions: one question that happens to use a word (`how did
# you deploy it?` -> "server error") is no wish to learn it.
MIN_SUPPORT = 1
# In a smaller community every topic may be named, however many hold it (ten Rust people
# who all know tokio still make tokio a fine reason).
MIN_MEMBERS_FOR_COMMON = 20
# A member "holds" a topic when it is among their 80 strongest: what the 30% rule above was
# set on, kept however many topics the interest pass stores for who-knows.
HOLDS = 80
MIN_QUESTIONS = 2

ProfileLoader = Callable[[int, Sequence[int], datetime], Awaitable[Mapping[int, Profile]]]
InteractionLoader = Callable[[int, Sequence[int]], Awaitable[Mapping[tuple[int, int], int]]]


# --- the service -------------------------------------------------------------------------------


def _ref(community: Community) -> CommunityRef:
    return CommunityRef(community.platform, community.external_id, community.name)


def _empty(member_id: int) -> Profile:
    return Profile(member_id, {}, {})


class IntroService:
    """Rounds, follow-ups, answers and privacy for introductions; one per `Services`."""

    def __init__(
        self,
        services: Services,
        *,
        profiles: ProfileLoader | None = None,
        interactions: InteractionLoader | None = None,
    ) -> None:
        self.services = services
        self.store = IntroStore(services.db)
        self._profiles = profiles or self._default_profiles
        self._interactions = interactions or self._default_interactions

    # --- sources (the interests service) ----------------------------------------------------------
    async def _default_profiles(
        self, community_id: int, member_ids: Sequence[int], now: datetime
    ) -> Mapping[int, Profile]:
        from bot.interests import service as interests

        found = await interests.load_profiles(
            self.services, community_id, member_ids=list(member_ids), now=now
        )
        missing = [mid for mid, p in found.items() if p.main_channel is None]
        if missing:
            channels = await interests.main_channels(
                self.services, community_id, member_ids=missing
            )
            for mid in missing:
                if mid in channels:
                    found[mid] = replace(found[mid], main_channel=channels[mid])
        return found

    async def _document_shares(
        self, community_id: int, topics: Collection[str]
    ) -> dict[str, float]:
        from bot.interests.service import document_shares

        return await document_shares(self.services, community_id, topics)

    async def _default_interactions(
        self, community_id: int, member_ids: Sequence[int]
    ) -> Mapping[tuple[int, int], int]:
        from bot.interests.service import member_interactions

        return await member_interactions(self.services, community_id, member_ids=member_ids)

    # --- helpers -----------------------------------------------------------------------------------
    def outlet(self, community: Community) -> Outlet | None:
        return self.services.outlets.get(community.platform)

    @property
    def default_tracking(self) -> bool:
        return self.services.config.privacy.default_tracking

    async def cadence(self, community_id: int) -> tuple[Cadence, datetime | None, bool]:
        """The community's cadence, since when it holds, and whether rounds are on."""
        from bot.intros.scheduler import DEFAULT_CADENCE, Cadence

        record = await self.store.schedule(community_id)
        if record is None:
            return DEFAULT_CADENCE, None, True
        return Cadence.from_record(record), record.schedule_since, record.enabled

    async def next_round(self, community_id: int, now: datetime) -> datetime | None:
        cadence, since, enabled = await self.cadence(community_id)
        if not enabled:
            return None
        return cadence.next_after(now, since or now)

    async def ensure_schedule(self, community_id: int, now: datetime) -> None:
        """Rounds start on the default cadence with the first opt-in (never for past periods)."""
        from bot.intros.scheduler import DEFAULT_CADENCE

        await self.store.ensure_schedule(community_id, DEFAULT_CADENCE.values(), now)

    # --- planning ----------------------------------------------------------------------------------
    async def draft(self, community: Community, now: datetime) -> Draft:
        """Who would be introduced to whom now, and why; writes nothing."""
        store = self.store
        since = now - ACTIVE_WINDOW
        facts = await store.candidate_facts(community.id, since)
        rows = eligible(facts, now, since, self.default_tracking)
        # `intros on` is consent to being introduced; `privacy profiling off` still wins.
        refused = {
            ext
            for ext, said in (
                await self.services.repos.settings.profiling_choices(community.id)
            ).items()
            if not said
        }
        members = {r.member.id: r.member for r in rows if r.member.external_id not in refused}
        by_ext = {m.external_id: m.id for m in members.values()}
        history = await store.recent_groups(community.id, REPEAT_WINDOW)
        states = await store.member_states(community.id)
        to_pause = [members[mid] for mid in sorted(_ignoring(history, members, states, now))]
        for m in to_pause:
            members.pop(m.id)
        ids = sorted(members)
        if len(ids) < 2:
            alone = tuple(members[i] for i in ids)
            return Draft(alone, (), alone, tuple(to_pause), "trivial")
        loaded = await self._profiles(community.id, ids, now)
        profiles = [loaded.get(i) or _empty(i) for i in ids]
        profiles = [
            p if p.member_id == i else replace(p, member_id=i)
            for i, p in zip(ids, profiles, strict=True)
        ]
        # Pairs are matched, and explained, only on what can honestly be named: topics that
        # are a subject, not community-wide, and among each member's strongest.
        held = {t for p in profiles for t in (*p.knows, *p.wants, *p.interested)}
        common = await store.topic_shares(
            community.id, held, min_members=MIN_MEMBERS_FOR_COMMON, strongest=HOLDS
        )
        # A topic in a large share of the community's documents is its own subject even when
        # few members keep it among their strongest (`julia`): no reason to meet anyone.
        for topic, share in (await self._document_shares(community.id, held)).items():
            common[topic] = max(common.get(topic, 0.0), share)
        focused = [focus(p, common) for p in profiles]
        # Imported here: matching pulls in numpy (~0.2 s), which a start does not need.
        from bot.intros.matching import Candidate, Constraints, RoundHistory, plan_round

        round_history = RoundHistory.from_rounds(
            len(history),
            [
                (n, [tuple(x.member_id for x in intro.members) for intro in intros])
                for n, (_, intros) in enumerate(history)
            ],
        )
        not_with = {
            frozenset((by_ext[a], by_ext[b]))
            for a, b in await store.not_with_pairs(community.id)
            if a in by_ext and b in by_ext and a != b
        }
        interactions: dict[frozenset[int], int] = {}
        for (a, b), count in (await self._interactions(community.id, ids)).items():
            if a in members and b in members and a != b:
                key = frozenset((a, b))
                interactions[key] = interactions.get(key, 0) + int(count)
        # Threads and replies (above) are not the only way people talk: reactions, mentions
        # and back-and-forth in a channel without threads count as having met too.
        for (a, b), count in (
            await store.contacts(community.id, ids, now - CONTACT_WINDOW)
        ).items():
            key = frozenset((a, b))
            interactions[key] = interactions.get(key, 0) + count
        penalties: dict[frozenset[int], float] = {}
        for group in await store.met_pairs(community.id):
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    if a in members and b in members:
                        key = frozenset((a, b))
                        interactions[key] = interactions.get(key, 0) + 1
                        penalties[key] = MET_PENALTY
        constraints = Constraints(
            not_with=not_with,
            interactions=interactions,
            penalties=penalties,
            repeat_window=REPEAT_WINDOW,
        )

        def explain(group: Sequence[Profile], *, cut_already: bool = False) -> Explanation:
            return explain_group(
                group,
                common=common,
                min_support=MIN_SUPPORT,
                min_questions=MIN_QUESTIONS,
                not_met=True,
                focused=cut_already,
            )

        # Matching prefers pairs with a reason to meet: what each side could be named for,
        # then the intro's own checks on the pairs it chose.
        candidates = [
            Candidate.from_profile(
                f, nameable(f, common, min_support=MIN_SUPPORT, min_questions=MIN_QUESTIONS)
            )
            for f in focused
        ]
        by_id = {p.member_id: p for p in profiles}
        cut = {p.member_id: p for p in focused}

        def explains(a: int, b: int) -> bool:
            return bool(explain([cut[a], cut[b]], cut_already=True).reasons)

        # Matching is CPU-bound (seconds at 10k members): keep the event loop answering.
        plan = await asyncio.to_thread(
            partial(plan_round, explains=explains),
            candidates,
            round_history,
            constraints,
            now,
        )
        groups = tuple(
            Group(
                tuple(members[i] for i in group),
                explain([by_id[i] for i in group]),
                float(plan.scores.get(group, 0.0)),
            )
            for group in plan.groups
        )
        return Draft(
            tuple(members[i] for i in ids),
            groups,
            tuple(members[i] for i in plan.unmatched),
            tuple(to_pause),
            plan.method,
            {p.member_id: p for p in focused},
            common,
        )

    async def preview(self, community: Community) -> Draft:
        return await self.draft(community, self.services.clock.now())

    # --- rounds --------------------------------------------------------------------------------------
    async def run_round(
        self, community: Community, period: datetime, kind: str, token: str
    ) -> RoundResult:
        """Claim the round of `period` and make it; "busy" if it was already claimed."""
        if self.outlet(community) is None:
            return RoundResult("no-outlet", reason=f"no {community.platform} connection")
        now = self.services.clock.now()
        round_id = await self.store.claim(community.id, period, kind, now, token)
        if round_id is None:
            return RoundResult("busy", reason="this round was already made (or is being made)")
        return await self.resume(community, round_id, token)

    async def resume(self, community: Community, round_id: int, token: str) -> RoundResult:
        """Plan the claimed round unless its intros are recorded already, then post what is
        not posted yet. Never pairs a round twice."""
        outlet = self.outlet(community)
        record = await self.store.round(round_id)
        if record is None:
            return RoundResult("failed", round_id, reason="the round disappeared")
        if outlet is None:
            await self.store.release(round_id, token, f"no outlet for {community.platform}")
            return RoundResult("no-outlet", round_id, reason=f"no {community.platform} connection")
        if record.state == CLAIMED:
            now = self.services.clock.now()
            try:
                draft = await self.draft(community, now)
                await self._pause(community, draft.to_pause, now)
            except Exception as e:
                log.exception("intros: planning round %s failed", round_id)
                await self.store.release(
                    round_id, token, f"planning failed: {type(e).__name__}: {e}"
                )
                return RoundResult("failed", round_id, reason="planning the round failed")
            planned = [
                PlannedIntro(
                    tuple(m.id for m in g.members),
                    round(g.score, 6),
                    explanation_json(g.explanation),
                )
                for g in draft.groups
            ]
            externals = {m.id: m.external_id for g in draft.groups for m in g.members}
            why = (
                "fewer than two members to introduce"
                if len(draft.candidates) < 2
                else "no allowed pairs (not-with wishes and recent intros exclude them all)"
            )
            if not await self.store.record_plan(
                round_id,
                token,
                community.id,
                planned,
                externals,
                len(draft.candidates),
                now,
                reason=why,
            ):
                return RoundResult("busy", round_id, reason="another process took the round over")
            if not planned:
                return RoundResult("skipped", round_id, reason=why)
        elif record.state != PLANNED:
            return RoundResult("busy", round_id, reason=f"the round is {record.state}")
        return await self._post_planned(community, outlet, round_id, token)

    async def _post_planned(
        self, community: Community, outlet: Outlet, round_id: int, token: str
    ) -> RoundResult:
        store = self.store
        ref = _ref(community)
        waiting = await store.intros_of_round(round_id, state="planned")
        posted = failed = 0
        ours = True
        for intro in waiting:
            if not intro.members:
                continue
            try:
                conversation = intro.conversation_id
                if conversation is None:
                    conversation = await outlet.open_conversation(
                        ref,
                        [x.external_id for x in intro.members],
                        conversation_topic([x.name for x in intro.members]),
                    )
                    await store.set_conversation(intro.id, conversation)
                document = intro_document(intro.members, explanation_from_json(intro.explanation))
                message_id = await outlet.post(ref, conversation, document)
            except Exception:
                log.exception("intros: posting intro %s failed", intro.id)
                if await store.post_failed(intro.id, MAX_ATTEMPTS):
                    failed += 1
                continue
            posted += 1
            ours = await store.mark_posted(
                intro.id, round_id, token, message_id, self.services.clock.now()
            )
            if not ours:
                log.warning("intros: round %s was taken over while posting", round_id)
                break
        total = len(await store.intros_of_round(round_id))
        now = self.services.clock.now()
        if ours and await store.finish_round(round_id, token, now):
            return RoundResult("posted", round_id, posted, total, failed)
        if ours:
            await store.release(round_id, token, "some intros could not be posted yet")
        return RoundResult(
            "partial", round_id, posted, total, failed, reason="some intros wait for a retry"
        )

    async def run_now(self, community: Community, token: str) -> RoundResult:
        """A round outside the cadence (`intros run-now`), refused while another is open."""
        now = self.services.clock.now()
        for r in await self.store.open_rounds(community.id):
            if r.claimed_at >= now - STALE:
                return RoundResult("busy", r.id, reason="a round is being made right now")
        return await self.run_round(community, now, "manual", token)

    async def _pause(self, community: Community, members: Sequence[Member], now: datetime) -> None:
        """Pause members who ignored their last intros, and tell them (or `status` will)."""
        if not members:
            return
        until = now + AUTO_PAUSE
        await self.store.auto_pause(
            community.id, [m.external_id for m in members], now, until, self.default_tracking
        )
        outlet = self.outlet(community)
        if outlet is None:
            return
        for m in members:
            try:
                channel = await outlet.open_conversation(
                    _ref(community), [m.external_id], "Rhizome introductions paused"
                )
                await outlet.post(_ref(community), channel, pause_notice(until))
            except Exception:
                log.warning(
                    "intros: could not tell %s about the pause", m.external_id, exc_info=True
                )
                continue
            await self.store.set_member_state(community.id, m.external_id, now, notice_sent_at=now)

    # --- follow-ups ------------------------------------------------------------------------------------
    async def send_followups(self, token: str, limit: int = 200) -> int:
        """Post every due "Did you meet?" this process can post; each exactly once."""
        now = self.services.clock.now()
        store = self.store
        due = await store.due_followups(
            now - FOLLOWUP_AFTER, self.services.outlets.keys(), now - STALE, limit
        )
        sent = 0
        for community, intro in due:
            outlet = self.outlet(community)
            if outlet is None or not intro.members:
                continue
            if not await store.claim_followup(intro.id, token, now, now - STALE):
                continue
            try:
                conversation = intro.conversation_id or await outlet.open_conversation(
                    _ref(community),
                    [x.external_id for x in intro.members],
                    conversation_topic([x.name for x in intro.members]),
                )
                message_id = await outlet.post(
                    _ref(community), conversation, followup_document(intro.id, intro.members)
                )
            except Exception:
                log.exception("intros: follow-up of intro %s failed", intro.id)
                await store.release_followup(intro.id, token, MAX_ATTEMPTS)
                continue
            await store.finish_followup(intro.id, token, message_id, self.services.clock.now())
            sent += 1
        return sent

    # --- privacy hooks ---------------------------------------------------------------------------------
    async def export(self, community_id: int, external_id: str) -> dict[str, Any]:
        """`privacy my-data`: their intros (with whom, why, their answer) and their wishes."""
        records = await self.store.intros_of_member(community_id, external_id)
        state = await self.store.member_state(community_id, external_id)
        history = []
        for r in records:
            names = {x.member_id: x.name for x in r.members}
            mine = r.member(external_id)
            history.append(
                {
                    "id": r.id,
                    "round": r.period.isoformat() if r.period else None,
                    "posted_at": r.posted_at.isoformat() if r.posted_at else None,
                    "with": [x.name for x in r.members if x.external_id != external_id],
                    "why": explanation_from_json(r.explanation).lines(names),
                    "your_answer": mine.answer if mine else None,
                }
            )
        return {
            "intros": {
                "introductions": history,
                "not_with": [
                    {"id": ext, "name": name}
                    for ext, name in await self.store.not_with_of(community_id, external_id)
                ],
                "auto_paused_at": state.auto_paused_at.isoformat()
                if state.auto_paused_at
                else None,
            }
        }

    async def forget(self, community_id: int, external_id: str) -> None:
        await self.store.forget_member(community_id, external_id)

    async def network_section(self, ctx: CommandContext, member: Member) -> tuple[Block, ...]:
        """ "People you were introduced to", for `/rhizome network` (only about yourself)."""
        if member.external_id != ctx.actor.external_id:
            return ()
        records = await self.store.intros_of_member(ctx.community.id, member.external_id, 10)
        if not records:
            return ()
        items = []
        for r in records:
            others = [x for x in r.members if x.external_id != member.external_id]
            met = "you met" if r.met else ("not met" if r.answered else "no answer yet")
            when = f"{r.posted_at:%Y-%m-%d}" if r.posted_at else "?"
            items.append(
                Item(
                    title=tuple(and_list([mention(x) for x in others])),
                    details=(spans(f"{when} · {met}"),),
                )
            )
        return (ItemList(tuple(items), title="People you were introduced to"),)


def _ignoring(
    history: Sequence[tuple[Any, Sequence[IntroRecord]]],
    members: Mapping[int, Member],
    states: Mapping[str, Any],
    now: datetime,
) -> set[int]:
    """Candidates whose last `IGNORED_STREAK` decided intros all went unanswered by them, with
    nobody saying they met. Intros before their last `intros on` do not count."""
    decided: dict[int, list[bool]] = {}
    for _, intros in reversed(history):  # newest round first
        for intro in sorted(intros, key=lambda r: r.created_at, reverse=True):
            if intro.state != "posted":
                continue
            for x in intro.members:
                if x.member_id not in members:
                    continue
                since = getattr(states.get(x.external_id), "streak_since", None)
                if since is not None and intro.created_at < since:
                    continue
                ignored = (
                    x.answer is None
                    and not intro.met
                    and intro.followup_at is not None
                    and intro.followup_at <= now - ANSWER_WINDOW
                )
                if x.answer is None and not intro.met and not ignored:
                    continue  # not decided yet
                decided.setdefault(x.member_id, []).append(ignored)
    return {
        mid
        for mid, flags in decided.items()
        if len(flags) >= IGNORED_STREAK and all(flags[:IGNORED_STREAK])
    }


def service_for(services: Services) -> IntroService:
    """The intro service of these services, created on first use and kept in `extras`."""
    found = services.extras.get(EXTRA_KEY)
    if not isinstance(found, IntroService):
        found = IntroService(services)
        services.extras[EXTRA_KEY] = found
    return found


def use_profiles(
    services: Services,
    profiles: ProfileLoader,
    interactions: InteractionLoader | None = None,
) -> IntroService:
    """Replace where profiles come from (tests, importers); keeps everything else."""
    svc = IntroService(services, profiles=profiles, interactions=interactions)
    services.extras[EXTRA_KEY] = svc
    return svc


async def demo_opt_in(rhizome: Any, community: Community) -> None:
    """`rhizome demo`: every channel's members are opted in, so the preview has people."""
    services = rhizome.services
    svc = service_for(services)
    now = services.clock.now()
    for channel in await services.repos.channels.list(community.id):
        await svc.store.set_channel_default(
            community.id, channel.external_id, channel.name, True, now
        )
    await svc.ensure_schedule(community.id, now)
