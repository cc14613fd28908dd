"""The digest service: build a digest from storage, preview it, post it exactly once.

It joins the pure pieces (content, ranking, document, schedule) to storage
(`storage.digest_content` gathers a window's facts, `storage.digests` keeps configuration, runs
and the audit trail) and to the platform `Outlet` that posts. Commands, the scheduler and the
CLI all go through here.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from bot.digests.content import Gathered, MessageRef, assemble, connectors, members_needed
from bot.digests.document import DigestOptions, DigestPlan, plan_digest
from bot.digests.model import DigestConfig, Featured, RunKind, RunState
from bot.digests.ranking import Candidate, Connector, DigestInput, OpenQuestion
from bot.digests.schedule import Schedule, parse_schedule, previous_period
from bot.documents import Document
from bot.emojis import canonical_set
from bot.model import Community, CommunityRef
from bot.ports import PostRefused
from bot.profiling import named_allowed
from storage.digest_content import DigestScope, member_facts, window_facts
from storage.digests import DigestStore

if TYPE_CHECKING:
    from bot.app import Rhizome
    from bot.ports import Outlet
    from bot.services import Services

log = logging.getLogger(__name__)

EXTRA_KEY = "digests"
MANUAL_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """The `[digests]` config section; read with defaults until bot.config declares it."""

    grace_hours: float = 24.0  # a missed digest is still posted this long after its time
    stale_claim_minutes: float = 10.0  # a claim older than this without a post is re-taken
    max_attempts: int = 3  # posting attempts per period before it is marked failed
    tick_seconds: float = 30.0
    min_items: int = 3  # fewer eligible items make a quiet week
    quiet_week: Literal["note", "skip"] = "note"
    default_size: int = 5
    max_size: int = 15
    default_schedule: str = "monday 09:00 UTC"
    mention_members: bool = False  # real @mentions notify people; names only by default
    max_questions: int = 3
    max_connectors: int = 3

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.grace_hours)

    @property
    def stale(self) -> timedelta:
        return timedelta(minutes=self.stale_claim_minutes)

    @classmethod
    def from_config(cls, config: Any) -> DigestSettings:
        section = getattr(config, "digests", None)
        if section is None:
            return cls()
        if isinstance(section, Mapping):
            found = {f.name: section[f.name] for f in dataclasses.fields(cls) if f.name in section}
        else:
            found = {
                f.name: getattr(section, f.name)
                for f in dataclasses.fields(cls)
                if hasattr(section, f.name)
            }
        return cls(**found)

    def schedule(self) -> Schedule:
        return parse_schedule(self.default_schedule)


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) of a digest, and the period before it for the pulse comparison."""

    start: datetime
    end: datetime
    previous_start: datetime

    @classmethod
    def for_period(cls, schedule: Schedule, period: datetime) -> Window:
        start = previous_period(schedule, period)
        return cls(start, period, previous_period(schedule, start))

    @classmethod
    def ending(cls, end: datetime, length: timedelta = MANUAL_WINDOW) -> Window:
        return cls(end - length, end, end - 2 * length)


@dataclass(frozen=True, slots=True)
class Built:
    """A planned digest with the facts behind it (for previews and the JSON export)."""

    digest: DigestConfig
    window: Window
    plan: DigestPlan
    input: DigestInput


@dataclass(frozen=True, slots=True)
class PostResult:
    state: Literal["posted", "skipped", "failed", "busy", "no-outlet"]
    message_id: str | None = None
    reason: str | None = None
    featured: int = 0
    fixable: bool = False  # the reason says what a moderator can do; retrying won't help


class DigestService:
    """Stateless apart from its store; one per `Services` (see `service_for`)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = DigestStore(services.db)
        self.settings = DigestSettings.from_config(services.config)

    # --- building ---------------------------------------------------------------------------
    def options(self, digest: DigestConfig) -> DigestOptions:
        s = self.settings
        return DigestOptions(
            size=digest.size,
            include_channels=digest.include or None,
            exclude_channels=digest.exclude,
            min_candidates=s.min_items,
            quiet_week=s.quiet_week,
            max_questions=s.max_questions,
            max_connectors=s.max_connectors,
            mention_members=s.mention_members,
        )

    async def scope(self, digest: DigestConfig) -> DigestScope:
        latest: dict[int, tuple[float, datetime]] = {}
        for rid, engagement, at in await self.store.featured(digest.id):
            if rid not in latest or at > latest[rid][1]:
                latest[rid] = (engagement, at)
        config = self.services.config
        return DigestScope(
            community_id=digest.community_id,
            digest_channel_id=digest.channel_id,
            digest_private=digest.channel_private,
            include=digest.include or None,
            exclude=digest.exclude,
            silence_emoji=tuple(sorted(canonical_set(config.tracking.silence_emoji))),
            default_tracking=config.privacy.default_tracking,
            featured=latest,
        )

    async def gather(self, digest: DigestConfig, window: Window) -> Gathered:
        scope = await self.scope(digest)
        async with self.services.db.read() as conn:
            facts = await conn.run_sync(
                window_facts, scope, window.start, window.end, window.previous_start
            )
            ranked = connectors(facts.activity, scope.max_connectors)
            members = await conn.run_sync(member_facts, scope, members_needed(facts, ranked))
        return assemble(facts, members, ranked, scope.featured)

    async def _consenting(
        self, community: Community, connectors: Sequence[Connector]
    ) -> tuple[Connector, ...]:
        """Connectors are named only with consent (see `bot.profiling`); others stay out."""
        named = await named_allowed(self.services, community.id, [c.member_id for c in connectors])
        return tuple(c if c.member_id in named else replace(c, opted_out=True) for c in connectors)

    async def build(self, community: Community, digest: DigestConfig, window: Window) -> Built:
        gathered = await self.gather(digest, window)
        candidates = await self._enrich(community, gathered)
        questions = await self._question_links(community, gathered.questions)
        zone = digest.schedule.zone
        digest_input = DigestInput(
            period_start=window.start.astimezone(zone),
            period_end=window.end.astimezone(zone),
            candidates=candidates,
            counts=gathered.counts,
            previous_counts=gathered.previous_counts,
            questions=questions,
            connectors=await self._consenting(community, gathered.connectors),
            is_public=not digest.channel_private,
            community_name=community.name,
        )
        plan = plan_digest(digest_input, window.end, self.options(digest))
        return Built(digest, window, plan, digest_input)

    async def _enrich(self, community: Community, gathered: Gathered) -> tuple[Candidate, ...]:
        """Topics (when the interests feature provides them) and thread links."""
        candidates = gathered.candidates
        topics: Mapping[int, tuple[str, ...]] = {}
        topics_for = self.services.topics_for
        if topics_for is not None and candidates:
            try:
                topics = await topics_for(community.id, [c.resource_id for c in candidates])
            except Exception:
                log.exception("topics_for failed; building the digest without topics")
        out = []
        for c in candidates:
            ref = gathered.threads.get(c.resource_id)
            url = await self.permalink(community, ref) if ref else None
            found = tuple(topics.get(c.resource_id, ()))
            if found or url:
                c = dataclasses.replace(c, topics=found or c.topics, thread_url=url)
            out.append(c)
        return tuple(out)

    async def _question_links(
        self, community: Community, questions: tuple[OpenQuestion, ...]
    ) -> tuple[OpenQuestion, ...]:
        out = []
        for q in questions:
            url = await self.permalink(community, MessageRef(q.channel_id, q.message_id))
            out.append(dataclasses.replace(q, url=url) if url else q)
        return tuple(out)

    async def permalink(self, community: Community, ref: MessageRef) -> str | None:
        """A link to a message when the platform's outlet can make one (optional port)."""
        outlet = self.services.outlets.get(community.platform)
        make = getattr(outlet, "permalink", None)
        if make is None:
            return None
        try:
            url = make(_ref(community), ref.channel_id, ref.message_id)
            if inspect.isawaitable(url):
                url = await url
        except Exception:
            log.debug("permalink failed", exc_info=True)
            return None
        return url if isinstance(url, str) and url else None

    async def preview(self, community: Community, digest: DigestConfig) -> Built:
        """What `digest now` would post at this moment (the week up to now); posts nothing."""
        return await self.build(community, digest, Window.ending(self.services.clock.now()))

    # --- posting ----------------------------------------------------------------------------
    def outlet(self, community: Community) -> Outlet | None:
        return self.services.outlets.get(community.platform)

    async def post_run(
        self,
        community: Community,
        digest: DigestConfig,
        run_id: int,
        token: str,
        window: Window,
    ) -> PostResult:
        """Post a claimed run and close it; a failure leaves the claim to be retried."""
        outlet = self.outlet(community)
        if outlet is None:
            await self.store.release(run_id, token, f"no outlet for {community.platform}")
            return PostResult("no-outlet", reason=f"no {community.platform} connection")
        try:
            built = await self.build(community, digest, window)
        except Exception as e:
            log.exception("building digest %s failed", digest.id)
            await self.store.release(run_id, token, f"build failed: {type(e).__name__}: {e}")
            return PostResult("failed", reason="building the digest failed")
        plan = built.plan
        now = self.services.clock.now()
        if plan.document is None:
            await self.store.finish(run_id, token, RunState.SKIPPED, now, reason="quiet week")
            return PostResult("skipped", reason="quiet week")
        try:
            message_id = await outlet.post(_ref(community), digest.channel_id, plan.document)
        except PostRefused as e:
            log.warning("digest %s was refused in %s: %s", digest.id, digest.channel_id, e)
            await self.store.release(run_id, token, f"post refused: {e}")
            return PostResult("failed", reason=str(e), fixable=True)
        except Exception as e:
            log.exception("posting digest %s to %s failed", digest.id, digest.channel_id)
            await self.store.release(run_id, token, f"post failed: {type(e).__name__}: {e}")
            return PostResult(
                "failed", reason=f"the platform refused the post ({type(e).__name__})"
            )
        featured = [Featured(r.candidate.resource_id, r.rank, r.engagement) for r in plan.featured]
        ours = await self.store.finish(
            run_id,
            token,
            RunState.POSTED,
            self.services.clock.now(),
            message_id=str(message_id) if message_id is not None else None,
            featured=featured,
            featured_at=window.end,
        )
        if not ours:
            log.warning(
                "digest %s run %s was taken over while posting; it may have been posted twice",
                digest.id,
                run_id,
            )
        return PostResult("posted", message_id=message_id, featured=len(featured))

    async def post_now(self, community: Community, digest: DigestConfig, token: str) -> PostResult:
        """Post the week up to now immediately (`digest now`), outside the schedule."""
        if self.outlet(community) is None:
            return PostResult("no-outlet", reason=f"no {community.platform} connection")
        now = self.services.clock.now()
        run_id = await self.store.claim(digest.id, now, RunKind.MANUAL, now, token)
        if run_id is None:
            return PostResult("busy", reason="a digest is being posted right now")
        result = await self.post_run(community, digest, run_id, token, Window.ending(now))
        if result.state in ("failed", "no-outlet"):
            # Nobody retries a request made by hand: close it; the moderator may ask again.
            await self.store.finish(
                run_id, token, RunState.FAILED, self.services.clock.now(), reason=result.reason
            )
        return result


def _ref(community: Community) -> CommunityRef:
    return CommunityRef(community.platform, community.external_id, community.name)


def service_for(services: Services) -> DigestService:
    """The digest service of these services, created on first use and kept in `extras`."""
    found = services.extras.get(EXTRA_KEY)
    if not isinstance(found, DigestService):
        found = DigestService(services)
        services.extras[EXTRA_KEY] = found
    return found


# --- CLI entry points ------------------------------------------------------------------------


class DigestCliError(Exception):
    """A problem worded for the person at the command line (unknown community, no digest)."""


async def _cli_target(
    rhizome: Rhizome, community_label: str, channel: str | None
) -> tuple[DigestService, Community, DigestConfig]:
    services = rhizome.services
    community = await services.repos.communities.resolve(community_label)
    if community is None:
        raise DigestCliError(f"no community {community_label!r}; `rhizome communities` lists them")
    svc = service_for(services)
    digests = await svc.store.of_community(community.id)
    if channel is not None:
        wanted = channel.lstrip("#").lower()
        digests = [
            d for d in digests if wanted in (d.channel_id.lower(), (d.channel_name or "").lower())
        ]
    else:
        digests = [d for d in digests if d.enabled] or digests
    if not digests:
        raise DigestCliError(
            f"{community.name or community.external_id} has no digest"
            + (f" posting into #{channel.lstrip('#')}" if channel else "")
            + "; a moderator sets one up with /rhizome-admin digest channel #c"
        )
    if len(digests) > 1:
        names = ", ".join(f"#{d.label}" for d in digests)
        raise DigestCliError(f"several digests ({names}): say which with --channel")
    return svc, community, digests[0]


async def preview(
    rhizome: Rhizome,
    community_label: str,
    fmt: Literal["md", "json"] = "md",
    *,
    channel: str | None = None,
) -> str:
    """The digest as it would be posted now, as Markdown or JSON (`rhizome digest preview`)."""
    from bot.digests.export import document_json, render_markdown

    if fmt not in ("md", "json"):
        raise DigestCliError(f"format must be md or json, not {fmt!r}")
    svc, community, digest = await _cli_target(rhizome, community_label, channel)
    built = await svc.preview(community, digest)
    plan = built.plan
    if fmt == "json":
        return document_json(
            plan.document or Document(()),
            community=community.name or community.external_id,
            channel=digest.label,
            window={"start": built.window.start.isoformat(), "end": built.window.end.isoformat()},
            quiet=plan.quiet,
            posted=plan.document is not None,
            eligible=plan.eligible_count,
            featured=[
                {
                    "rank": r.rank,
                    "resource_id": r.candidate.resource_id,
                    "url": r.candidate.url,
                    "title": r.candidate.title,
                    "score": round(r.score, 4),
                    "engagement": r.engagement,
                    "resurfaced": r.resurfaced,
                }
                for r in plan.featured
            ],
        )
    if plan.document is None:
        return (
            f"Quiet week: {plan.eligible_count} eligible items and quiet weeks are skipped; "
            "nothing would be posted.\n"
        )
    return render_markdown(plan.document)


async def post_now(rhizome: Rhizome, community_label: str, *, channel: str | None = None) -> str:
    """Post the digest of the last 7 days now (`rhizome digest now`); returns what happened.

    Needs an outlet for the community's platform in this process (the console registers one;
    Slack and Discord register theirs while `rhizome run` is connected).
    """
    from bot.digests.scheduler import scheduler_for

    svc, community, digest = await _cli_target(rhizome, community_label, channel)
    result = await svc.post_now(community, digest, scheduler_for(rhizome.services).token)
    if result.state == "posted":
        return f"posted the digest in #{digest.label} (message {result.message_id}, {result.featured} items)"
    if result.state == "skipped":
        return "nothing posted: a quiet week, and quiet weeks are skipped"
    raise DigestCliError(f"not posted: {result.reason}")


# --- wiring ----------------------------------------------------------------------------------


def timezone_suggestions(prefix: str, limit: int = 25) -> list[str]:
    """IANA zones for autocomplete: those starting with `prefix`, then those containing it."""
    from bot.digests.schedule import _timezone_keys

    p = prefix.strip().lower()
    names = sorted(_timezone_keys().values())
    starts = [n for n in names if n.lower().startswith(p)]
    within = [n for n in names if p and p in n.lower() and n not in starts]
    return (starts + within)[:limit]
