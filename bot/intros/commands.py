"""`/rhizome intros …` for members and `/rhizome-admin intros …` for moderators.

Members choose (on, off, pause, not-with), see where they stand (status) and answer "Did you
meet?" (met). Moderators set the cadence, opt a channel's members in by default, preview a
round, run one now and read the stats. Moderator changes go to the settings audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.audit import audit_entry, audit_store
from bot.commands.channels import resolve_channel
from bot.commands.member import resolve_member
from bot.commands.parser import UsageError
from bot.commands.registry import (
    ADMIN_GROUP,
    MEMBER_GROUP,
    CommandContext,
    MemberArg,
    OptionKind,
    OptionSpec,
    Registry,
)
from bot.digests.schedule import canonical_timezone, parse_time, parse_weekday
from bot.documents import (
    Block,
    Document,
    Field,
    Fields,
    Heading,
    Item,
    ItemList,
    Mention,
    Paragraph,
    Reply,
    Text,
    spans,
)
from bot.intros.documents import IGNORED_STREAK, preview_document
from bot.intros.eligibility import ACTIVE_WINDOW
from bot.intros.scheduler import CADENCES, Cadence, scheduler_for
from bot.intros.service import IntroService, service_for
from bot.wording import count, quoted
from storage.intros import CLAIMED, PLANNED, POSTED, RoundRecord

MAX_PAUSE_WEEKS = 52
RECENT_INTROS = 5


def _fmt(when: datetime, cadence: Cadence) -> str:
    return when.astimezone(cadence.weekly.zone).strftime("%a %d %b %Y, %H:%M %Z")


def _day(when: datetime) -> str:
    return when.strftime("%Y-%m-%d")


async def _audit(ctx: CommandContext, action: str, detail: str) -> None:
    await audit_store(ctx.services).record(audit_entry(ctx, action, detail))


async def _next_text(svc: IntroService, ctx: CommandContext) -> str:
    cadence, _, enabled = await svc.cadence(ctx.community.id)
    if not enabled:
        return "Rounds are switched off by the moderators for now."
    upcoming = await svc.next_round(ctx.community.id, ctx.now)
    when = f"; the next is on {_fmt(upcoming, cadence)}" if upcoming else ""
    return f"Rounds run {cadence.describe()}{when}."


async def intros_on(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    services = ctx.services
    await services.repos.settings.update(
        ctx.community.id,
        ctx.actor.external_id,
        ctx.now,
        svc.default_tracking,
        intros=True,
        intros_paused_until=None,
    )
    # A fresh start: earlier ignored intros no longer count towards a pause.
    await svc.store.set_member_state(
        ctx.community.id,
        ctx.actor.external_id,
        ctx.now,
        streak_since=ctx.now,
        auto_paused_at=None,
    )
    await svc.ensure_schedule(ctx.community.id, ctx.now)
    parts = [
        "You're in: each round I'll introduce you to someone whose interests overlap with "
        "yours, and say why.",
        await _next_text(svc, ctx),
    ]
    settings = await services.repos.settings.get(
        ctx.community.id, ctx.actor.external_id, svc.default_tracking
    )
    if not settings.tracking:
        parts.append(
            "Note: your tracking is off, and introductions need it (they are built from "
            "what you share). Turn it on with /rhizome privacy tracking on."
        )
    elif (
        await services.repos.members.by_external_id(ctx.community.id, ctx.actor.external_id) is None
    ):
        parts.append(
            "I haven't seen you post yet: share a link or join a discussion so I know "
            "what to introduce you about."
        )
    return Reply.text(" ".join(parts))


async def intros_off(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    await ctx.services.repos.settings.update(
        ctx.community.id, ctx.actor.external_id, ctx.now, svc.default_tracking, intros=False
    )
    return Reply.text(
        "Introductions are off for you. Past introductions stay listed in "
        "/rhizome intros status; turn them back on any time with /rhizome intros on."
    )


async def intros_pause(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    weeks = int(args["weeks"])
    until = ctx.now + timedelta(weeks=weeks)
    await ctx.services.repos.settings.update(
        ctx.community.id,
        ctx.actor.external_id,
        ctx.now,
        svc.default_tracking,
        intros_paused_until=until,
    )
    text = (
        f"Paused: no introductions for you until {_day(until)} "
        f"({count(weeks, 'week')}). /rhizome intros on resumes them earlier."
    )
    if not await _opted_in(ctx, svc):
        text += " (You are not opted in anyway: /rhizome intros on to join.)"
    return Reply.text(text)


async def intros_not_with(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    arg: MemberArg = args["member"]
    member = await resolve_member(ctx, arg)
    if member is not None:
        other_ext, name = member.external_id, member.name
    elif arg.external_id:
        other_ext, name = arg.external_id, arg.name or arg.external_id
    else:
        raise UsageError(
            f"I don't know a member called {quoted(str(arg)[:80])} here. Mention them (type @ and "
            "pick them from the list).",
            ctx.spec,
        )
    if other_ext == ctx.actor.external_id:
        return Reply.text("That's you: I never introduce you to yourself.")
    who = Mention(name, other_ext)
    if args.get("undo"):
        removed = await svc.store.remove_not_with(
            ctx.community.id, ctx.actor.external_id, other_ext
        )
        if not removed:
            return Reply.text(who, " was not on your not-with list.")
        return Reply.text(who, " is off your not-with list: you may be introduced again.")
    added = await svc.store.add_not_with(
        ctx.community.id, ctx.actor.external_id, other_ext, name[:200], ctx.now
    )
    if not added:
        return Reply.text("You already asked not to be introduced to ", who, ".")
    return Reply.text(
        "Noted: I will never introduce you to ",
        who,
        ". They are not told. Undo with /rhizome intros not-with @member undo.",
    )


async def intros_status(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return Reply(await status_document(ctx, service_for(ctx.services)))


async def intros_met(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    intro_id, answer = int(args["intro"]), str(args["answer"])
    if not await svc.store.answer(
        ctx.community.id, intro_id, ctx.actor.external_id, answer, ctx.now
    ):
        return Reply.text(
            f"I don't know an introduction #{intro_id} with you. /rhizome intros status "
            "lists yours."
        )
    if answer == "yes":
        return Reply.text(f"Glad you met! Noted for introduction #{intro_id}.")
    return Reply.text(
        f"Thanks for telling me (introduction #{intro_id}). There's still time, and the "
        "next rounds will bring new people."
    )


async def intros_cadence(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    kind = str(args["cadence"])
    before, since, was_on = await svc.cadence(ctx.community.id)
    was_on = was_on and since is not None  # no schedule yet: rounds do not run
    if kind == "off":
        if args.get("weekday") or args.get("time") or args.get("timezone"):
            raise UsageError("`off` takes nothing after it.", ctx.spec)
        if not was_on:
            return Reply.text("Introduction rounds are already off.")
        await svc.store.set_schedule(ctx.community.id, {"enabled": False}, ctx.now)
        await _audit(ctx, "intros cadence", "introduction rounds: off")
        return Reply.text(
            "Introduction rounds are off. Members keep their choices; turn rounds back on "
            "with /rhizome-admin intros cadence weekly (or biweekly, monthly)."
        )
    try:
        weekday = parse_weekday(str(args["weekday"])) if args.get("weekday") else before.weekday
        hour, minute = (
            parse_time(str(args["time"])) if args.get("time") else (before.hour, before.minute)
        )
        tz = canonical_timezone(str(args["timezone"])) if args.get("timezone") else before.tz
        cadence = Cadence(kind, weekday, hour, minute, tz)
    except ValueError as e:
        raise UsageError(str(e), ctx.spec) from None
    if was_on and cadence == before:
        return Reply.text(f"Introduction rounds already run {cadence.describe()}.")
    await svc.store.set_schedule(ctx.community.id, {**cadence.values(), "enabled": True}, ctx.now)
    detail = f"introduction rounds: {before.describe() if was_on else 'off'} → {cadence.describe()}"
    await _audit(ctx, "intros cadence", detail)
    upcoming = cadence.next_after(ctx.now, ctx.now)
    return Reply.text(
        f"Introduction rounds will run {cadence.describe()}; the next on "
        f"{_fmt(upcoming, cadence)}. Preview one with /rhizome-admin intros preview."
    )


async def intros_run_now(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    if args.get("force") != "force":
        earlier = await round_this_period(ctx, svc)
        if earlier is not None:
            cadence, _, _ = await svc.cadence(ctx.community.id)
            how = "by hand" if earlier.kind == "manual" else "on schedule"
            return Reply.text(
                f"A round already ran this period ({how}, {_fmt(earlier.period, cadence)}), "
                f"and rounds are promised once a period ({cadence.describe()}). To introduce "
                "everyone again anyway: /rhizome-admin intros run-now force"
            )
    result = await svc.run_now(ctx.community, scheduler_for(ctx.services).token)
    if result.state in ("posted", "partial"):
        await _audit(
            ctx,
            "intros run-now",
            f"introduction round made by hand: {count(result.total, 'intro')}",
        )
        text = f"Done: {count(result.posted, 'introduction')} posted."
        if result.state == "partial" or result.failed:
            text += " Some could not be posted; I'll retry them in a few minutes" + (
                f" ({result.failed} given up)." if result.failed else "."
            )
        return Reply.text(text)
    if result.state == "skipped":
        return Reply.text(
            f"No round made: {result.reason}. /rhizome-admin intros preview shows who is in."
        )
    if result.state == "no-outlet":
        return Reply.text(
            f"I can't post right now ({result.reason}); run this where the bot is connected."
        )
    return Reply.text(f"No round made: {result.reason}.")


async def intros_preview(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    draft = await svc.draft(ctx.community, ctx.now)
    then = None
    if len(draft.candidates) < 2:
        # An archive just imported: nobody is active now, so show the round as of its
        # newest activity (as the digest preview shows its last week).
        newest = await ctx.services.repos.communities.last_activity(ctx.community.id)
        if newest is not None and newest < ctx.now - ACTIVE_WINDOW:
            then = (newest.date().isoformat(), await svc.draft(ctx.community, newest))
    cadence, _, enabled = await svc.cadence(ctx.community.id)
    upcoming = await svc.next_round(ctx.community.id, ctx.now)
    return Reply(
        preview_document(
            draft,
            cadence.describe() if enabled else "only by hand (the cadence is off)",
            _fmt(upcoming, cadence) if upcoming else None,
            then=then,
        )
    )


async def intros_stats(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return Reply(await stats_document(ctx, service_for(ctx.services)))


async def intros_default_on(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await _channel_default(ctx, args, True)


async def intros_default_off(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await _channel_default(ctx, args, False)


def register(registry: Registry) -> None:
    """Declare the intro commands; `bot.commands.build_registry` calls this."""
    cmd = registry.command

    # --- members -----------------------------------------------------------------------------
    cmd(
        MEMBER_GROUP,
        "intros on",
        "Get introduced, every round, to a member who shares your interests (off until you say)",
        examples=("intros on",),
    )(intros_on)

    cmd(
        MEMBER_GROUP,
        "intros off",
        "Stop getting introductions",
        examples=("intros off",),
        destructive=True,
    )(intros_off)

    cmd(
        MEMBER_GROUP,
        "intros pause",
        "No introductions for a number of weeks",
        OptionSpec(
            "weeks",
            OptionKind.INTEGER,
            "how many weeks",
            min_value=1,
            max_value=MAX_PAUSE_WEEKS,
        ),
        examples=("intros pause 4",),
    )(intros_pause)

    cmd(
        MEMBER_GROUP,
        "intros not-with",
        "Never be introduced to this member (add undo to take it back); they are not told",
        OptionSpec("member", OptionKind.MEMBER, "who", autocomplete="members"),
        OptionSpec(
            "undo",
            OptionKind.CHOICE,
            "undo to remove them again",
            required=False,
            choices=("undo",),
        ),
        examples=("intros not-with @ben", "intros not-with @ben undo"),
    )(intros_not_with)

    cmd(
        MEMBER_GROUP,
        "intros status",
        "Whether you get introductions, when the next round is, and your last intros",
        examples=("intros status",),
    )(intros_status)

    cmd(
        MEMBER_GROUP,
        "intros met",
        "Answer “Did you meet?” for one of your introductions (the follow-up has buttons too)",
        OptionSpec("intro", OptionKind.INTEGER, "the introduction's number", min_value=1),
        OptionSpec("answer", OptionKind.CHOICE, "yes or no", choices=("yes", "no")),
        examples=("intros met 12 yes",),
    )(intros_met)

    # --- moderators ----------------------------------------------------------------------------
    cmd(
        ADMIN_GROUP,
        "intros cadence",
        "How often introduction rounds run: weekly, biweekly or monthly (the first weekday of "
        "the month), on a weekday at a time in a time zone; or off",
        OptionSpec("cadence", OptionKind.CHOICE, "how often", choices=(*CADENCES, "off")),
        OptionSpec(
            "weekday",
            OptionKind.STRING,
            "monday … sunday (default: as before, at first monday)",
            required=False,
        ),
        OptionSpec(
            "time",
            OptionKind.STRING,
            "24-hour time (default: as before, at first 10:00)",
            required=False,
        ),
        OptionSpec(
            "timezone",
            OptionKind.STRING,
            "IANA zone such as Europe/Berlin (default: as before, at first UTC)",
            required=False,
            autocomplete="timezones",
        ),
        examples=("intros cadence biweekly tuesday 14:00 Europe/Berlin", "intros cadence monthly"),
        destructive=True,
    )(intros_cadence)

    cmd(
        ADMIN_GROUP,
        "intros run-now",
        "Make a round of introductions right now, besides the cadence (once a period; "
        "force makes another)",
        OptionSpec(
            "force",
            OptionKind.CHOICE,
            "force: make a round even though one ran this period",
            required=False,
            choices=("force",),
        ),
        slow=True,
        destructive=True,
        examples=("intros run-now", "intros run-now force"),
    )(intros_run_now)

    cmd(
        ADMIN_GROUP,
        "intros preview",
        "The introductions a round would make now, with the reasons; posts nothing",
        slow=True,
    )(intros_preview)

    cmd(
        ADMIN_GROUP,
        "intros stats",
        "Introduction rounds so far: intros made, answered, and how many met",
    )(intros_stats)

    cmd(
        ADMIN_GROUP,
        "intros default-on",
        "Opt in the members who post in this channel (unless they said otherwise)",
        OptionSpec("channel", OptionKind.CHANNEL, "the channel"),
        examples=("intros default-on #newcomers",),
    )(intros_default_on)

    cmd(
        ADMIN_GROUP,
        "intros default-off",
        "Stop opting in this channel's members by default (their own choices stay)",
        OptionSpec("channel", OptionKind.CHANNEL, "the channel"),
        examples=("intros default-off #newcomers",),
        destructive=True,
    )(intros_default_off)


async def settings_blocks(ctx: CommandContext, svc: IntroService) -> list[Block]:
    """The intros part of `/rhizome-admin settings`: cadence, next round, who is in."""
    cadence, since, enabled = await svc.cadence(ctx.community.id)
    on = enabled and since is not None
    upcoming = await svc.next_round(ctx.community.id, ctx.now) if on else None
    opted, paused = await svc.store.opted_in_counts(ctx.community.id, ctx.now)
    defaults = await svc.store.channel_defaults(ctx.community.id)
    rounds = await svc.store.rounds(ctx.community.id, 1)
    fields = [
        Field("Rounds", spans(cadence.describe() if on else "off")),
        Field("Next", spans(_fmt(upcoming, cadence) if upcoming else "—")),
        Field("Opted in", spans(f"{count(opted, 'member')} (paused now: {paused})")),
        Field(
            "Opted in by default",
            spans(", ".join(f"#{name or ext}" for ext, name in defaults) or "no channel"),
        ),
        Field("Last round", spans(_day(rounds[0].period) if rounds else "never")),
    ]
    blocks: list[Block] = [Heading("Introductions"), Fields(tuple(fields))]
    if since is None:
        blocks.append(
            Paragraph(
                spans(
                    "Rounds start with the first member who opts in, or set a cadence with "
                    "/rhizome-admin intros cadence weekly."
                )
            )
        )
    return blocks


async def round_this_period(ctx: CommandContext, svc: IntroService) -> RoundRecord | None:
    """A round that made (or is making) introductions in the cadence's current period."""
    cadence, since, _ = await svc.cadence(ctx.community.id)
    start = cadence.latest(ctx.now, since or ctx.now) or since or ctx.now
    for r in await svc.store.rounds(ctx.community.id, 10):
        if r.period >= start and r.state in (CLAIMED, PLANNED, POSTED):
            return r
    return None


async def _channel_default(ctx: CommandContext, args: Mapping[str, Any], on: bool) -> Reply:
    svc = service_for(ctx.services)
    channel = await resolve_channel(ctx, args["channel"])
    changed = await svc.store.set_channel_default(
        ctx.community.id, channel.external_id, channel.name, on, ctx.now
    )
    if on:
        await svc.ensure_schedule(ctx.community.id, ctx.now)
    if changed:
        await _audit(
            ctx,
            "intros default-on" if on else "intros default-off",
            f"intros: members of #{channel.label} opted in by default: {'yes' if on else 'no'}",
        )
    if on:
        lead = "Members who post in " if changed else "Already: members who post in "
        return Reply.text(
            lead,
            channel.ref(),
            " are opted in to introductions unless they turned them off (they can, with "
            "/rhizome intros off). " + await _next_text(svc, ctx),
        )
    if not changed:
        return Reply.text(channel.ref(), " was not opting its members in.")
    return Reply.text(
        "Members of ",
        channel.ref(),
        " are no longer opted in by default; those who turned introductions on themselves stay in.",
    )


async def _opted_in(ctx: CommandContext, svc: IntroService) -> bool:
    settings = await ctx.services.repos.settings.get(
        ctx.community.id, ctx.actor.external_id, svc.default_tracking
    )
    if settings.intros is not None:
        return bool(settings.intros)
    return bool(await _default_channels(ctx, svc))


async def _default_channels(ctx: CommandContext, svc: IntroService) -> list[str]:
    member = await ctx.services.repos.members.by_external_id(
        ctx.community.id, ctx.actor.external_id
    )
    if member is None:
        return []
    return await svc.store.default_channels_of(ctx.community.id, member.id, ctx.now - ACTIVE_WINDOW)


async def status_document(ctx: CommandContext, svc: IntroService) -> Document:
    """Where a member stands: in or out (and why), paused, next round, not-with, last intros."""
    store = svc.store
    cid, me = ctx.community.id, ctx.actor.external_id
    settings = await ctx.services.repos.settings.get(cid, me, svc.default_tracking)
    state = await store.member_state(cid, me)
    blocks: list[Block] = []
    paused = settings.intros_paused_until is not None and settings.intros_paused_until > ctx.now
    defaults = [] if settings.intros is not None else await _default_channels(ctx, svc)
    if settings.intros is False:
        line = "Introductions are off for you. /rhizome intros on to join the rounds."
    elif settings.intros is None and not defaults:
        line = "You're not in the introduction rounds. /rhizome intros on to join."
    elif settings.intros is None:
        names = ", ".join(f"#{d}" for d in defaults)
        line = (
            f"You're in the introduction rounds because you post in {names}, which a moderator "
            "opted in. /rhizome intros off if you'd rather not."
        )
    else:
        line = "You're in the introduction rounds."
    blocks.append(Paragraph(spans(line)))
    if paused and settings.intros_paused_until is not None:
        until = _day(settings.intros_paused_until)
        if state.auto_paused_at is not None and state.auto_paused_at <= ctx.now:
            blocks.append(
                Paragraph(
                    spans(
                        f"I paused your introductions on {_day(state.auto_paused_at)}, until "
                        f"{until}: your last {IGNORED_STREAK} introductions went without an "
                        "answer. /rhizome intros on brings them back now."
                    )
                )
            )
        else:
            blocks.append(
                Paragraph(spans(f"Paused until {until}. /rhizome intros on resumes them now."))
            )
    if not settings.tracking:
        blocks.append(
            Paragraph(
                spans(
                    "Your tracking is off, so you are not paired: introductions are built from "
                    "what you share. /rhizome privacy tracking on to change that."
                )
            )
        )
    blocks.append(Paragraph(spans(await _next_text(svc, ctx))))
    avoid = await store.not_with_of(cid, me)
    if avoid:
        blocks.append(
            Paragraph(
                (
                    Text("Never introduced to: "),
                    *_joined([Mention(name or ext, ext) for ext, name in avoid]),
                    Text("."),
                )
            )
        )
    recent = await store.intros_of_member(cid, me, RECENT_INTROS)
    if recent:
        items = []
        for r in recent:
            others = [x for x in r.members if x.external_id != me]
            mine = r.member(me)
            if mine is not None and mine.answer is not None:
                answer = "you said you met" if mine.answer == "yes" else "you said not yet"
            else:
                answer = f"did you meet? /rhizome intros met {r.id} yes|no"
            when = _day(r.posted_at) if r.posted_at else "?"
            items.append(
                Item(
                    title=(
                        Text(f"#{r.id} "),
                        *_joined([Mention(x.name, x.external_id) for x in others]),
                    ),
                    details=(spans(f"{when} · {answer}"),),
                )
            )
        blocks.append(ItemList(tuple(items), title="Your latest introductions"))
    return Document(tuple(blocks), title="Your introductions")


def _joined(items: list[Mention]) -> list[Text | Mention]:
    out: list[Text | Mention] = []
    for i, item in enumerate(items):
        if i:
            out.append(Text(", "))
        out.append(item)
    return out


async def stats_document(ctx: CommandContext, svc: IntroService) -> Document:
    stats = await svc.store.stats(ctx.community.id)
    opted, paused = await svc.store.opted_in_counts(ctx.community.id, ctx.now)
    rate = f"{stats.met_rate:.0%}" if stats.met_rate is not None else "–"
    blocks: list[Block] = [
        Fields(
            (
                Field("Rounds", spans(str(stats.rounds))),
                Field("Introductions made", spans(str(stats.intros))),
                Field("“Did you meet?” asked", spans(str(stats.followups))),
                Field("Answered", spans(str(stats.answered))),
                Field("Met", spans(f"{stats.met} ({rate} of answered)")),
                Field("Opted in", spans(f"{opted} (paused now: {paused})")),
            )
        ),
        Paragraph(spans(await _next_text(svc, ctx))),
    ]
    defaults = await svc.store.channel_defaults(ctx.community.id)
    if defaults:
        blocks.append(
            Paragraph(
                spans(
                    "Opted in by default: members who post in "
                    + ", ".join(f"#{name or ext}" for ext, name in defaults)
                    + "."
                )
            )
        )
    if stats.recent:
        blocks.append(Heading("Latest rounds"))
        blocks.append(
            ItemList(
                tuple(
                    Item(
                        title=spans(
                            f"{_day(r.period)}" + (" (by hand)" if r.kind != "scheduled" else "")
                        ),
                        details=(
                            spans(
                                f"{count(r.intros, 'intro')} · {r.answered} answered · {r.met} met"
                            ),
                        ),
                    )
                    for r in stats.recent
                )
            )
        )
    return Document(tuple(blocks), title="Introductions: stats")
