"""Moderator commands of digests (`/rhizome-admin digest …`) and the digests' part of
`/rhizome-admin settings` (which channels are tracked, and settings, are `bot.commands.admin`).

A digest is named by the channel it posts into. With one digest in a community no command needs
to name it; with several, commands take the digest's channel as their last option, e.g.
`digest schedule friday 16:00 Europe/Berlin #weekly-learning`. Every change is written to the
settings audit trail (`bot.audit`) in the same transaction, with who made it and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.audit import audit_entry, audit_store
from bot.commands.channels import resolve_channel
from bot.commands.parser import UsageError, convert
from bot.commands.registry import (
    ADMIN_GROUP,
    ChannelArg,
    CommandContext,
    OptionKind,
    OptionSpec,
    Registry,
)
from bot.commands.views import short_date
from bot.digests.document import DigestPlan
from bot.digests.model import DigestConfig
from bot.digests.ranking import (
    EXPLAINED_WORDS,
    W_DISCUSSANT,
    W_REACTION,
    W_REPLY,
    W_RESHARE,
    W_SHARE,
    Ranked,
)
from bot.digests.schedule import Schedule, canonical_timezone, next_run, parse_time, parse_weekday
from bot.digests.service import DigestService, Window, service_for
from bot.documents import (
    Block,
    ChannelRef,
    Code,
    Document,
    Field,
    Fields,
    Heading,
    Paragraph,
    Reply,
    Span,
    spans,
)
from bot.wording import count

HISTORY_LIMIT = 20
ALL_WORDS = ("all", "*", "everything")
NONE_WORDS = ("none", "nothing")


def _digest_option() -> OptionSpec:
    return OptionSpec(
        "digest",
        OptionKind.CHANNEL,
        "the digest's channel, when there are several digests",
        required=False,
    )


async def digest_channel(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    channel = await resolve_channel(ctx, args["channel"], new_ok=True)
    existing = {d.channel_id: d for d in await svc.store.of_community(ctx.community.id)}
    before = existing.get(channel.external_id)
    if before is not None and before.enabled:
        return Reply.text(
            "A digest already posts into ",
            channel.ref(),
            f" ({before.schedule.describe()}, {count(before.size, 'item')}). "
            "Change it with digest schedule, size, include or exclude.",
        )
    schedule = svc.settings.schedule()
    digest, created = await svc.store.upsert(
        ctx.community.id,
        channel.external_id,
        channel.name,
        channel.is_private,
        schedule=schedule,
        size=svc.settings.default_size,
        now=ctx.now,
        audit=audit_entry(
            ctx,
            "digest channel",
            f"digest #{channel.label}: {'created' if before is None else 're-enabled'}",
        ),
    )
    when = _next(digest, ctx.now)
    verb = "will post" if created else "is back on and will post"
    blocks: list[Block] = [
        Paragraph(
            spans(
                "The digest ",
                verb,
                " into ",
                channel.ref(),
                f" every {digest.schedule.describe()} — next on {when}, "
                f"with up to {count(digest.size, 'item')}.",
            )
        )
    ]
    if channel.is_private:
        blocks.append(
            Paragraph(
                spans(
                    "This channel is private: the digest will show what was shared in public "
                    "channels and in this channel only."
                )
            )
        )
    blocks.append(
        Paragraph(
            spans(
                "Try /rhizome-admin digest preview to see it now; change the time with "
                "digest schedule <weekday> <HH:MM> [timezone]."
            )
        )
    )
    return Reply(Document(tuple(blocks)))


async def digest_schedule(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    tz_arg: str | None = args.get("timezone")
    digest_arg: ChannelArg | None = args.get("digest")
    if tz_arg and tz_arg.startswith(("#", "<#")) and digest_arg is None:
        # `digest schedule mon 09:00 #weekly`: the channel came where a zone could be.
        digest_arg = convert(ctx.spec, ctx.spec.options[3], tz_arg)
        tz_arg = None
    try:
        weekday = parse_weekday(str(args["weekday"]))
        hour, minute = parse_time(str(args["time"]))
        tz = canonical_timezone(tz_arg) if tz_arg else "UTC"
        schedule = Schedule(weekday, hour, minute, tz)
    except ValueError as e:
        raise UsageError(str(e), ctx.spec) from None
    svc = service_for(ctx.services)
    digest = await pick_digest(ctx, svc, digest_arg)
    if schedule == digest.schedule:
        return Reply.text(f"The digest is already posted every {schedule.describe()}.")
    await svc.store.update(
        digest.id,
        ctx.now,
        audit_entry(
            ctx,
            "digest schedule",
            f"digest #{digest.label}: {digest.schedule.describe()} → {schedule.describe()}",
        ),
        weekday=schedule.weekday,
        hour=schedule.hour,
        minute=schedule.minute,
        timezone=schedule.tz,
    )
    when = next_run(schedule, ctx.now).astimezone(schedule.zone)
    return Reply.text(
        "The digest in ",
        _digest_ref(digest),
        f" will be posted every {schedule.describe()}; next on {_fmt(when)}.",
    )


async def digest_size(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    size = int(args["items"])
    if size > svc.settings.max_size:
        raise UsageError(
            f"A digest shows at most {count(svc.settings.max_size, 'item')}, so people read it.",
            ctx.spec,
        )
    digest = await pick_digest(ctx, svc, args.get("digest"))
    if size == digest.size:
        return Reply.text(f"The digest already shows up to {count(size, 'item')}.")
    await svc.store.update(
        digest.id,
        ctx.now,
        audit_entry(ctx, "digest size", f"digest #{digest.label}: size {digest.size} → {size}"),
        size=size,
    )
    return Reply.text(
        "The digest in ", _digest_ref(digest), f" will feature up to {count(size, 'resource')}."
    )


async def digest_include(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await _scope(ctx, args, "include")


async def digest_exclude(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await _scope(ctx, args, "exclude")


async def digest_preview(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    digest = await pick_digest(ctx, svc, args.get("digest"))
    built = await svc.preview(ctx.community, digest)
    when: str | None = None
    if not built.input.candidates:
        # An imported archive or a quiet spell: the week up to the newest activity, as `top`
        # shows the days up to then, so a moderator sees what the digest would be like.
        last = await ctx.services.repos.communities.last_activity(ctx.community.id)
        if last is not None and last < built.window.start:
            built = await svc.build(
                ctx.community, digest, Window.ending(last + timedelta(seconds=1))
            )
            when = short_date(last)
    return Reply(
        preview_document(digest, built.plan, svc.settings.min_items, newest=when), ephemeral=True
    )


async def digest_now(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    from bot.digests.scheduler import scheduler_for

    svc = service_for(ctx.services)
    digest = await pick_digest(ctx, svc, args.get("digest"))
    token = scheduler_for(ctx.services).token
    result = await svc.post_now(ctx.community, digest, token)
    if result.state == "posted":
        await audit_store(ctx.services).record(
            audit_entry(ctx, "digest now", f"digest #{digest.label}: posted on request")
        )
        return Reply.text(
            "Posted the digest in ",
            _digest_ref(digest),
            f" with {count(result.featured, 'featured item')}.",
        )
    if result.state == "skipped":
        return Reply.text(
            "Nothing posted: it is a quiet week and quiet weeks are set to be skipped."
        )
    if result.fixable:
        return Reply.text(f"The digest was not posted: {result.reason}")
    return Reply.text(f"The digest was not posted: {result.reason}. Please try again later.")


async def digest_off(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    digest = await pick_digest(ctx, svc, args.get("digest"))
    if not digest.enabled:
        return Reply.text("That digest is already off.")
    await svc.store.update(
        digest.id,
        ctx.now,
        audit_entry(ctx, "digest off", f"digest #{digest.label}: turned off"),
        enabled=False,
    )
    return Reply.text(
        "The digest in ",
        _digest_ref(digest),
        " is off. Turn it back on with /rhizome-admin digest channel ",
        _digest_ref(digest),
        ".",
    )


def register(registry: Registry) -> None:
    """Declare the moderator commands; `bot.commands.build_registry` calls this."""
    cmd = registry.command

    cmd(
        ADMIN_GROUP,
        "digest channel",
        "Post a weekly digest into this channel (several digests may each have their own)",
        OptionSpec("channel", OptionKind.CHANNEL, "where the digest is posted"),
        examples=("digest channel #weekly-learning",),
    )(digest_channel)

    cmd(
        ADMIN_GROUP,
        "digest schedule",
        "When the digest is posted: a weekday, a 24-hour time and an IANA time zone (DST-safe)",
        OptionSpec("weekday", OptionKind.STRING, "monday … sunday (or mon, tue, …)"),
        OptionSpec("time", OptionKind.STRING, "24-hour time such as 09:00"),
        OptionSpec(
            "timezone",
            OptionKind.STRING,
            "IANA zone such as Europe/Berlin (default UTC)",
            required=False,
            autocomplete="timezones",
        ),
        _digest_option(),
        examples=("digest schedule monday 09:00 Europe/Berlin", "digest schedule fri 16:30"),
    )(digest_schedule)

    cmd(
        ADMIN_GROUP,
        "digest size",
        "How many resources the digest features",
        OptionSpec("items", OptionKind.INTEGER, "number of items", min_value=1, max_value=50),
        _digest_option(),
        examples=("digest size 7",),
    )(digest_size)

    cmd(
        ADMIN_GROUP,
        "digest include",
        "Feed the digest from this channel (once any is included, only included ones count); "
        "`all` to use every channel again",
        OptionSpec("channel", OptionKind.CHANNEL, "a channel, or all", keywords=("all",)),
        _digest_option(),
        examples=("digest include #python", "digest include all"),
    )(digest_include)

    cmd(
        ADMIN_GROUP,
        "digest exclude",
        "Keep this channel out of the digest; `none` to exclude nothing again",
        OptionSpec("channel", OptionKind.CHANNEL, "a channel, or none", keywords=("none",)),
        _digest_option(),
        examples=("digest exclude #random", "digest exclude none"),
    )(digest_exclude)

    cmd(
        ADMIN_GROUP,
        "digest preview",
        "See the digest as it would be posted now, with its scores (only you see it)",
        _digest_option(),
        slow=True,
    )(digest_preview)

    cmd(
        ADMIN_GROUP,
        "digest now",
        "Post the digest of the last 7 days right now, besides the schedule",
        _digest_option(),
        slow=True,
        destructive=True,
    )(digest_now)

    cmd(
        ADMIN_GROUP,
        "digest off",
        "Stop posting this digest (its settings are kept; digest channel turns it back on)",
        _digest_option(),
        destructive=True,
    )(digest_off)


# --- helpers ---------------------------------------------------------------------------------


def _fmt(when: datetime) -> str:
    return when.strftime("%a %d %b %Y, %H:%M %Z")


def _next(digest: DigestConfig, now: datetime) -> str:
    return _fmt(next_run(digest.schedule, now).astimezone(digest.schedule.zone))


def _digest_ref(digest: DigestConfig) -> ChannelRef:
    return ChannelRef(digest.label, digest.channel_id)


async def pick_digest(
    ctx: CommandContext, svc: DigestService, arg: ChannelArg | None
) -> DigestConfig:
    """The digest a command is about: the one named, or the only one there is."""
    digests = await svc.store.of_community(ctx.community.id)
    if arg is not None:
        wanted_id = arg.external_id
        wanted_name = (arg.name or "").lstrip("#").lower()
        for d in digests:
            if (wanted_id and d.channel_id == wanted_id) or (
                not wanted_id
                and wanted_name
                and wanted_name in ((d.channel_name or "").lower(), d.channel_id.lower())
            ):
                return d
        raise UsageError(
            f"No digest posts into #{arg}. Set one up with /rhizome-admin digest channel #{arg}.",
            ctx.spec,
        )
    enabled = [d for d in digests if d.enabled]
    if len(enabled) == 1:
        return enabled[0]
    if not enabled and len(digests) == 1:
        return digests[0]
    if not digests:
        raise UsageError(
            "No digest is set up yet. Start one with /rhizome-admin digest channel #channel.",
            ctx.spec,
        )
    names = ", ".join(f"#{d.label}" for d in (enabled or digests))
    raise UsageError(
        f"There are several digests ({names}): add the digest's channel at the end of the "
        "command to say which one.",
        ctx.spec,
    )


async def _scope(ctx: CommandContext, args: Mapping[str, Any], mode: str) -> Reply:
    svc = service_for(ctx.services)
    digest = await pick_digest(ctx, svc, args.get("digest"))
    arg: ChannelArg = args["channel"]
    word = (arg.name or "").lstrip("#").lower() if not arg.external_id else ""
    reset_words = ALL_WORDS if mode == "include" else NONE_WORDS
    if word in reset_words:
        if not (digest.include if mode == "include" else digest.exclude):
            already = (
                "Every tracked channel already feeds the digest in "
                if mode == "include"
                else "No channel is excluded from the digest in "
            )
            return Reply.text(already, _digest_ref(digest), "; nothing changed.")
        removed = await svc.store.clear_scope(
            digest.id,
            mode,
            ctx.now,
            audit_entry(ctx, f"digest {mode}", f"digest #{digest.label}: {mode} list cleared"),
        )
        if mode == "include":
            return Reply.text(
                "Every tracked channel feeds the digest in ",
                _digest_ref(digest),
                " again"
                + (f" (removed {count(removed, 'included channel')})." if removed else "."),
            )
        return Reply.text(
            "No channel is excluded from the digest in ", _digest_ref(digest), " any more."
        )
    channel = await resolve_channel(ctx, arg)
    current = digest.include if mode == "include" else digest.exclude
    if channel.external_id in current:
        return Reply.text(
            channel.ref(), f" is already {mode}d in the digest in ", _digest_ref(digest), "."
        )
    await svc.store.set_scope(
        digest.id,
        channel.external_id,
        channel.name,
        mode,
        ctx.now,
        audit_entry(ctx, f"digest {mode}", f"digest #{digest.label}: {mode} #{channel.label}"),
    )
    notes: list[str | Span] = []
    if mode == "include":
        others = len(digest.include - {channel.external_id})
        notes.append(
            f" Only included channels feed it now ({others + 1} in all)."
            if others
            else " From now on only included channels feed it; add more with digest include."
        )
        if channel.is_private and not (
            digest.channel_private and channel.external_id == digest.channel_id
        ):
            notes.append(
                " Note: it is a private channel, so nothing from it appears in a digest posted "
                "elsewhere."
            )
    return Reply.text(
        channel.ref(),
        f" is {mode}d {'in' if mode == 'include' else 'from'} the digest in ",
        _digest_ref(digest),
        ".",
        *notes,
    )


def _scope_text(digest: DigestConfig) -> str:
    if digest.include:
        names = ", ".join(sorted("#" + digest.channel_label(c) for c in digest.include))
        return f"only {names}"
    return "every tracked channel"


async def settings_blocks(ctx: CommandContext) -> tuple[Block, ...]:
    """The digests' part of `/rhizome-admin settings`: each digest, and the rules they keep."""
    svc = service_for(ctx.services)
    s = svc.settings
    quiet = "get a short note" if s.quiet_week == "note" else "are skipped"
    return (
        *await digest_blocks(ctx, svc),
        Paragraph(
            spans(
                f"Missed digests are still posted up to {s.grace_hours:g} h late; quiet weeks "
                f"(fewer than {count(s.min_items, 'item')}) {quiet}."
            )
        ),
    )


async def digest_blocks(ctx: CommandContext, svc: DigestService) -> tuple[Block, ...]:
    digests = await svc.store.of_community(ctx.community.id)
    blocks: list[Block] = [Heading("Digests")]
    if not digests:
        blocks.append(
            Paragraph(spans("No digest yet: start one with /rhizome-admin digest channel #c."))
        )
        return tuple(blocks)
    for d in digests:
        runs = await svc.store.runs(d.id, 5)
        last_posted = next((r for r in runs if r.state.value == "posted"), None)
        fields = [
            Field("Channel", spans(_digest_ref(d))),
            Field("State", spans("on" if d.enabled else "off")),
            Field("Schedule", spans(d.schedule.describe())),
            Field("Next", spans(_next(d, ctx.now) if d.enabled else "—")),
            Field("Size", spans(count(d.size, "item"))),
            Field("Channels", spans(_scope_text(d))),
            Field(
                "Excluding",
                spans(", ".join(sorted("#" + d.channel_label(c) for c in d.exclude)) or "none"),
            ),
            Field(
                "Last posted",
                spans(
                    _fmt(last_posted.posted_at.astimezone(d.schedule.zone))
                    if last_posted and last_posted.posted_at
                    else "never"
                ),
            ),
        ]
        blocks.append(Fields(tuple(fields)))
    return tuple(blocks)


def _score_line(r: Ranked) -> str:
    c = r.candidate
    title = c.title or c.url
    title = title if len(title) <= 50 else title[:49] + "…"
    activity = ", ".join(
        part
        for part in (
            c.discussants and count(c.discussants, "person", "people") + " discussing",
            c.replies and count(c.replies, "reply"),
            c.reactions and count(c.reactions, "reaction"),
            c.reshares and count(c.reshares, "reshare"),
        )
        if part
    )
    return (
        f"{r.rank}. {title}: score {r.score:.2f}, engagement {r.engagement:g}"
        + (f" ({activity})" if activity else " (shared, not discussed yet)")
        + (" · the sharer said why" if c.said >= EXPLAINED_WORDS else "")
        + (" · resurfaced" if r.resurfaced else "")
        + (" · over a diversity cap" if r.relaxed else "")
    )


def preview_document(
    digest: DigestConfig, plan: DigestPlan, min_items: int, *, newest: str | None = None
) -> Document:
    """The digest as it would be posted, under a note that only the moderator sees it;
    `newest`: nothing happened in the last 7 days, and this is the week up to that date."""
    if newest is None:
        note = spans(
            "Preview — only you can see this. It is the digest for ",
            _digest_ref(digest),
            " as it would be posted now (the last 7 days).",
        )
    else:
        note = spans(
            "Preview — only you can see this. Nothing was shared in the last 7 days; the "
            f"newest activity here is from {newest}. This is the digest for ",
            _digest_ref(digest),
            " as it would have been posted for the 7 days up to then.",
        )
    head: list[Block] = [Paragraph(note)]
    if not digest.enabled:
        head.append(
            Paragraph(
                spans(
                    "This digest is off, so nothing will be posted. Turn it back on with "
                    "/rhizome-admin digest channel ",
                    _digest_ref(digest),
                    ".",
                )
            )
        )
    if plan.document is None:
        return Document(
            (
                *head,
                Paragraph(
                    spans(
                        f"Quiet week: {count(plan.eligible_count, 'eligible item')} (fewer than "
                        f"{min_items}), and quiet weeks are skipped, so nothing would be posted."
                    )
                ),
            )
        )
    blocks: list[Block] = list(head)
    if plan.document.title:
        blocks.append(Heading(plan.document.title))
    blocks.extend(plan.document.blocks)
    if plan.featured:
        blocks.append(Heading("Why these items (for moderators)"))
        blocks.append(
            Paragraph(
                spans(
                    f"Engagement: {W_SHARE:g} for the share, {W_DISCUSSANT:g} per other member "
                    f"discussing, {W_REPLY:g} per reply, {W_RESHARE:g} per reshare, "
                    f"{W_REACTION:g} per reaction. Score: the fourth root of engagement "
                    "(discussion shows what people talk about more than what they learn from), "
                    "more for a member's first share, half as much again when the sharer said "
                    "why, a quarter for a picture or a link that is no page to read, halving "
                    "with each half-life of age; then variety and per-sharer and per-channel caps "
                    "decide the order."
                )
            )
        )
        blocks.append(Code("\n".join(_score_line(r) for r in plan.featured)))
    return Document(tuple(blocks), title="Digest preview")
