"""Member commands of interests: who-knows, interests add|remove|list, network, saved; and
the topics section of `/rhizome profile`.

Every answer is built from real rows (what a member shared, replied about, reacted to, or
declared) in public channels; members with tracking off are never shown to others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.commands.registry import (
    MEMBER_GROUP,
    CommandContext,
    OptionKind,
    OptionSpec,
    Registry,
)
from bot.commands.views import resource_list, short_date
from bot.documents import (
    Actions,
    Block,
    Button,
    ChannelRef,
    Document,
    Heading,
    Item,
    ItemList,
    Link,
    Mention,
    Paragraph,
    Reply,
    Span,
    Text,
    spans,
)
from bot.emojis import label as emoji_label
from bot.interests.asked import reads_as_sentence
from bot.interests.profiles import Evidence, EvidenceKind, is_question, shown_wants
from bot.interests.related import distinct_subjects
from bot.interests.service import Expert, InterestService, WhoKnowsAnswer, service_for
from bot.interests.terms import POST_FORMS, specificity
from bot.interests.topics import normalize_topic, one_kanji, subjects_first
from bot.interests.wants import PROFILE_RECENT, shown_as_want
from bot.model import Member
from bot.services import Services
from bot.wording import clip, count, names_topic, quoted

EXPERTS = 5
MAX_TOPICS_PER_COMMAND = 10
MAX_DECLARED = 50
PROFILE_KNOWS = 5
PROFILE_WANTS = 3
NETWORK_PEOPLE = 8
NETWORK_SAVED = 5
SAVED = 20
TITLE_CHARS = 80
SNIPPET_CHARS = 90
SHOWN_QUERY_CHARS = 60

_SEPARATORS = re.compile(r"[,;\n]+")
_HASHTAG = re.compile(r"#([^\W_][\w-]*)")


async def who_knows(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    me = await ctx.services.repos.members.by_external_id(ctx.community.id, ctx.actor.external_id)
    answer = await svc.who_knows(
        ctx.community.id,
        str(args["topic"]),
        limit=EXPERTS,
        now=ctx.now,
        asker=me.id if me else None,
    )
    return Reply(who_knows_document(answer))


async def interests_add(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    settings = await ctx.services.repos.settings.get(
        ctx.community.id, ctx.actor.external_id, svc.default_tracking
    )
    if not settings.tracking:
        return Reply.text(
            "Tracking is off for you, so Rhizome keeps no interests about you. "
            "Turn it on with /rhizome privacy tracking on, then add them again."
        )
    wanted, unusable = parse_topics(svc.normalize, str(args["topics"]))
    if len(wanted) > MAX_TOPICS_PER_COMMAND:
        return Reply.text(
            f"That is {len(wanted)} topics; add at most {MAX_TOPICS_PER_COMMAND} at a time."
        )
    if not wanted:
        return Reply.text(_unusable_text(unusable) or "Say which topics, e.g. rust, databases.")
    have = {d.topic for d in await svc.declared(ctx.community.id, ctx.actor.external_id)}
    fresh = [t for _, t in wanted if t not in have]
    if len(have) + len(fresh) > MAX_DECLARED:
        return Reply.text(
            f"You can list up to {MAX_DECLARED} interests; you have {len(have)}. "
            "Remove some with /rhizome interests remove <topic>."
        )
    added = await svc.declare(
        ctx.community, ctx.actor.external_id, ctx.actor.display_name, [t for _, t in wanted]
    )
    lines = []
    if added:
        lines.append("Added: " + ", ".join(_shown(wanted, t) for t in added) + ".")
    again = [t for _, t in wanted if t not in added]
    if again:
        lines.append("Already listed: " + ", ".join(again) + ".")
    if unusable:
        lines.append(_unusable_text(unusable))
    lines.append("Members asking /rhizome who-knows about them can now find you.")
    return Reply(Document(tuple(Paragraph(spans(line)) for line in lines)))


async def interests_remove(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    text = str(args["topics"])
    have = [d.topic for d in await svc.declared(ctx.community.id, ctx.actor.external_id)]
    if text.strip().casefold() == "all":
        removed = await svc.undeclare(ctx.community.id, ctx.actor.external_id, have)
        if not removed:
            return Reply.text("You have not listed any interests.")
        return Reply.text(f"Removed all {len(removed)} of your listed interests.")
    wanted, unusable = parse_topics(svc.normalize, text)
    # listed before a phrase kept its everyday words: "big data" was stored as `data`
    aliases = svc.aliases()
    wanted = [
        (typed, t if t in have else _listed_as(normalize_topic(typed, aliases), have) or t)
        for typed, t in wanted
    ]
    removed = await svc.undeclare(ctx.community.id, ctx.actor.external_id, [t for _, t in wanted])
    lines = []
    if removed:
        lines.append("Removed: " + ", ".join(removed) + ".")
    missing = [t for _, t in wanted if t not in removed]
    if missing:
        lines.append("You had not listed: " + ", ".join(missing) + ".")
    if unusable:
        lines.append(_unusable_text(unusable))
    if not lines:
        lines.append("Say which topics to remove, e.g. rust, or all.")
    return Reply(Document(tuple(Paragraph(spans(line)) for line in lines)))


async def interests_list(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    declared = await svc.declared(ctx.community.id, ctx.actor.external_id)
    blocks: list[Block] = [Heading("Your interests")]
    if declared:
        blocks.append(
            ItemList(
                tuple(
                    Item(
                        (Text(d.topic, bold=True),),
                        details=((Text(f"listed {short_date(d.declared_at)}"),),),
                    )
                    for d in declared
                ),
                title="You listed",
            )
        )
    else:
        blocks.append(
            Paragraph(spans("You have not listed any. Add some: /rhizome interests add rust, sql"))
        )
    member = await ctx.services.repos.members.by_external_id(
        ctx.community.id, ctx.actor.external_id
    )
    if member is not None:
        seen = await _seen_blocks(ctx, member, skip={d.topic for d in declared})
        blocks.extend(seen)
    return Reply(Document(tuple(blocks)))


async def network(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    member = await ctx.services.repos.members.by_external_id(
        ctx.community.id, ctx.actor.external_id
    )
    if member is None:
        return Reply.text(
            "Your network is empty so far: share a link or join a discussion to start it."
        )
    return Reply(await network_document(ctx, member))


async def saved(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    svc = service_for(ctx.services)
    emoji = _bookmark_label(ctx)
    member = await ctx.services.repos.members.by_external_id(
        ctx.community.id, ctx.actor.external_id
    )
    ids = await svc.saved(ctx.community.id, member.id, SAVED) if member else []
    if not ids or member is None:
        return Reply.text(
            f"Nothing saved yet: react with {emoji} to a message with a link and it shows up here."
        )
    total = await svc.saved_count(ctx.community.id, member.id)
    found = await ctx.services.repos.resources.summaries(ctx.community.id, ids)
    return Reply(
        Document(
            (
                Heading("Saved"),
                resource_list(found, more=max(0, total - len(found))),
                Paragraph(
                    spans(f"React with {emoji} to save more; remove the reaction to unsave.")
                ),
            )
        )
    )


def register(registry: Registry) -> None:
    cmd = registry.command

    cmd(
        MEMBER_GROUP,
        "who-knows",
        "Members who know a topic, with what they shared and discussed about it",
        OptionSpec(
            "topic", OptionKind.TEXT, "a topic, e.g. rust or databases", autocomplete="topics"
        ),
        examples=("who-knows postgres", "who-knows async rust"),
    )(who_knows)

    cmd(
        MEMBER_GROUP,
        "interests add",
        "Tell Rhizome topics you care about (separate several with commas)",
        OptionSpec("topics", OptionKind.TEXT, "topics, e.g. rust, machine learning"),
        examples=("interests add rust, machine learning",),
    )(interests_add)

    cmd(
        MEMBER_GROUP,
        "interests remove",
        "Remove topics you listed (or all of them)",
        OptionSpec("topics", OptionKind.TEXT, "topics to remove, or all", autocomplete="topics"),
        examples=("interests remove rust", "interests remove all"),
    )(interests_remove)

    cmd(
        MEMBER_GROUP,
        "interests list",
        "The topics you listed, and what Rhizome sees you know and ask about",
    )(interests_list)

    cmd(
        MEMBER_GROUP,
        "network",
        "Your learning network: people you met and discussed with, and what you saved",
    )(network)

    cmd(
        MEMBER_GROUP,
        "saved",
        "Links you saved by reacting with a bookmark (🔖 unless configured otherwise)",
    )(saved)


# --- parsing ----------------------------------------------------------------------------------


def _listed_as(topic: str | None, have: Collection[str]) -> str | None:
    return topic if topic is not None and topic in have else None


def parse_topics(
    normalize: Callable[[str], str | None], text: str
) -> tuple[list[tuple[str, str]], list[str]]:
    """(typed, normalized) topics from "rust, machine learning" or "#rust #go"; and the
    pieces that are not usable topics. Without commas the whole text is one topic."""
    text = text[:2000]
    pieces: list[str]
    tags = _HASHTAG.findall(text)
    if tags and not _HASHTAG.sub("", text).strip(" ,;\n"):
        pieces = tags
    else:
        pieces = [p.strip() for p in _SEPARATORS.split(text) if p.strip()]
    wanted: list[tuple[str, str]] = []
    unusable: list[str] = []
    for piece in pieces:
        topic = normalize(piece)
        if topic is None:
            unusable.append(piece)
        elif topic not in [t for _, t in wanted]:
            wanted.append((piece, topic))
    return wanted, unusable


def _shown(wanted: Sequence[tuple[str, str]], topic: str) -> str:
    typed = next((raw for raw, t in wanted if t == topic), topic)
    simple = " ".join(typed.casefold().lstrip("#").split())
    return topic if simple == topic else f"{topic} (from {quoted(clip(typed, 40))})"


def _unusable_text(unusable: Sequence[str]) -> str:
    if not unusable:
        return ""
    shown = ", ".join(quoted(clip(u, 40)) for u in unusable[:5])
    return (
        f"Not usable as a topic: {shown} (a topic is a few words, like rust or machine "
        "learning; separate several with commas)."
    )


def _bookmark_label(ctx: CommandContext) -> str:
    emoji = [e for e in ctx.services.config.tracking.bookmark_emoji if e.strip()]
    if not emoji:
        return "a bookmark"
    return emoji_label(emoji[0])


# --- rendering --------------------------------------------------------------------------------


def evidence_spans(ev: Evidence, about: str | None = None) -> tuple[Span, ...]:
    """One line of evidence: what the member did, on which resource, where and when; a long
    quote keeps the part that names `about` (the topic it is evidence for)."""
    out: list[Span] = []
    label = ev.resource_title or ev.resource_url
    link: Span | None = None
    if ev.resource_url:
        link = Link(ev.resource_url, clip(label or ev.resource_url, TITLE_CHARS))
    if ev.kind is EvidenceKind.DECLARED:
        return (Text("listed it with /rhizome interests add"),)
    if ev.kind is EvidenceKind.ANSWERED:
        question = clip(ev.resource_title or "", SNIPPET_CHARS, about)
        # A substantive reply to a statement counts too (less), but answers nothing.
        verb = "answered" if is_question(ev.resource_title) else "replied to"
        out.append(Text(f"{verb} “{question}”" if question else "answered a question"))
        if ev.snippet:
            out.append(Text(f": “{clip(ev.snippet, SNIPPET_CHARS, about)}”"))
    elif ev.kind is EvidenceKind.INTRODUCED:
        out.append(Text("introduced themselves"))
        if ev.snippet:
            out.append(Text(f": “{clip(ev.snippet, SNIPPET_CHARS, about)}”"))
    elif ev.kind is EvidenceKind.THANKED:
        by = ev.resource_title
        out.append(Text(f"thanked by {by}" if by else "thanked by name"))
        if ev.snippet:
            out.append(Text(f": “{clip(ev.snippet, SNIPPET_CHARS, about)}”"))
    elif ev.kind is EvidenceKind.SAID:
        out.append(Text(f"said “{clip(ev.snippet or '', SNIPPET_CHARS, about)}”"))
    elif ev.kind is EvidenceKind.ASKED:
        out.append(
            Text(
                f"asked “{clip(ev.snippet or '', SNIPPET_CHARS, about)}”"
                if ev.snippet
                else "asked about it"
            )
        )
        if link is not None:
            out += [Text(" about "), link]
    else:
        verb = {
            EvidenceKind.SHARED: "shared ",
            EvidenceKind.REPLIED: "discussed ",
            EvidenceKind.REACTED: "reacted to ",
        }[ev.kind]
        out.append(Text(verb))
        out.append(link if link is not None else Text("a link"))
        if ev.kind is EvidenceKind.REPLIED and ev.snippet:
            out.append(Text(f": “{clip(ev.snippet, SNIPPET_CHARS, about)}”"))
        elif (
            ev.kind is EvidenceKind.SHARED
            and about
            and names_topic(ev.snippet, about)
            and not names_topic(label, about)
        ):
            # The page does not say it; the member's words with the link do ("a datadive with
            # the local D3 community at the h2o.ai facilities"): why this share is evidence.
            out.append(Text(f": “{clip(ev.snippet or '', SNIPPET_CHARS, about)}”"))
    if ev.channel:
        out += [Text(" in "), ChannelRef(ev.channel)]
    if ev.at is not None:
        out.append(Text(f" on {short_date(ev.at)}"))
    return tuple(out)


def _expert_item(e: Expert) -> Item:
    facts = []
    if e.shared:
        facts.append(f"shared {e.shared}")
    if e.discussed:
        facts.append(f"discussed {e.discussed}")
    if e.declared:
        facts.append("listed it as an interest")
    summary = ", ".join(facts)
    matched = [t for t in e.topics[:3]]
    title: tuple[Span, ...] = (Mention(e.member.name, e.member.external_id),)
    if e.is_asker:
        title += (Text(" (you)"),)
    if summary:
        title += (Text(f" — {summary}"),)
    details: list[tuple[Span, ...]] = []
    if len(matched) > 1:
        details.append((Text("on " + ", ".join(matched)),))
    about = e.topics[0] if e.topics else None
    # strongest first, but the pieces whose own words name the topic before those that do not
    # (a thank-you saying "Thanks! It works!" under `machine learning`)
    evidence = sorted(e.evidence, key=lambda ev: about is not None and not _names(ev, about))
    details.extend(evidence_spans(ev, about) for ev in evidence)
    return Item(title=title, details=tuple(details))


def who_knows_document(answer: WhoKnowsAnswer) -> Document:
    shown = clip(answer.read_as or answer.query, SHOWN_QUERY_CHARS)
    if answer.topic is None:
        blocks: list[Block] = [
            Paragraph(
                spans(
                    f"{quoted(shown)} is not something I can look up as a topic. "
                    "Try a word or two, like rust or databases."
                )
            )
        ]
        blocks.extend(_suggestion_blocks(answer.suggestions))
        return Document(tuple(blocks))
    if not answer.experts and answer.behind:
        return Document(
            (
                Paragraph(
                    spans(
                        f"I have not finished working out who knows what yet: "
                        f"{answer.behind:,} new messages and changes are still to go through "
                        "(usually a minute or two after a big import). Ask again shortly."
                    )
                ),
            )
        )
    if not answer.experts and answer.unnamed:
        knows = "member knows" if answer.unnamed == 1 else "members know"
        return Document(
            (
                Paragraph(
                    spans(
                        f"{answer.unnamed} {knows} about {quoted(shown)} but not agreed to be "
                        "named here. Members who are happy to be found say so with "
                        "/rhizome privacy profiling on."
                    )
                ),
            )
        )
    if not answer.experts:
        blocks = [
            Paragraph(
                spans(f"Nobody here has shared or discussed {quoted(shown)} yet, as far as I know.")
            )
        ]
        blocks.extend(_suggestion_blocks(answer.suggestions))
        blocks.extend(_part_blocks(answer.parts))
        if answer.read_as is None and reads_as_sentence(answer.query, answer.topic):
            # "interests add how do I plot a heatmap?" is no interest anyone would list
            blocks.append(Paragraph(spans("Try its subject alone, in a word or two.")))
        elif not answer.suggestions and not answer.parts:
            blocks.append(
                Paragraph(
                    spans(
                        "If you know about it, say so with "
                        f"/rhizome interests add {shown} so others can find you."
                    )
                )
            )
        return Document(tuple(blocks))
    return Document(
        (
            Heading(f"Who knows about {quoted(shown)}"),
            *(
                [
                    Paragraph(
                        spans(
                            f"You asked {quoted(clip(answer.query, SHOWN_QUERY_CHARS))}: "
                            f"{quoted(shown)} is the subject in it that members here know."
                        )
                    )
                ]
                if answer.read_as
                else []
            ),
            *(
                [Paragraph(spans("Counting related wording too: " + "; ".join(answer.via) + "."))]
                if answer.via
                else []
            ),
            *_from_links_blocks(answer),
            ItemList(tuple(_expert_item(e) for e in answer.experts)),
            Paragraph(
                spans(
                    "From what members answered, shared, discussed, listed and said "
                    "introducing themselves in public channels, recent activity counting most. "
                    "Members who turned tracking off are never listed."
                    + (
                        f" ({answer.behind:,} newer messages are still being worked out.)"
                        if answer.behind
                        else ""
                    )
                )
            ),
        )
    )


def _from_links_blocks(answer: WhoKnowsAnswer) -> list[Block]:
    """Say when members were found by the links they shared, and by which word when it is
    not the one asked (`scraping` for "web scraping": no page said the whole phrase; `mac`,
    a related wording, for "macos"); and when by what they said in conversation."""
    words = list(dict.fromkeys(t for e in answer.experts if e.from_links for t in e.topics))
    spoken = any(e.from_words for e in answer.experts)
    if not words and not spoken:
        return []
    topic = answer.topic or answer.query
    added = []
    if words == [topic]:
        added.append("who shared the links that mention it most")
    elif words:  # a related wording's or the head word's pages: say which
        added.append(f"who shared the links that mention {' or '.join(map(quoted, words))} most")
    if spoken:
        added.append("who mentioned it in conversation")
    text = f"Few members have {quoted(topic)} among their subjects, so I added " + ", and ".join(
        added
    )
    return [Paragraph(spans(text + "."))]


def _suggestion_blocks(suggestions: Sequence[str]) -> list[Block]:
    return _topic_buttons("Did you mean: ", suggestions, "?")


def _part_blocks(parts: Sequence[str]) -> list[Block]:
    """Topics sharing a word with the phrase asked: people know about these."""
    return _topic_buttons("Members know about topics with its words: ", parts, ".")


def _topic_buttons(lead: str, topics: Sequence[str], end: str) -> list[Block]:
    """A sentence listing topics to ask about next, and a who-knows button for each."""
    if not topics:
        return []
    return [
        Paragraph(spans(lead + ", ".join(topics) + end)),
        Actions(tuple(Button(t[:60], f"rhizome who-knows {t}") for t in topics[:5])),
    ]


async def _tracked(ctx: CommandContext, member: Member) -> bool:
    svc = service_for(ctx.services)
    settings = await ctx.services.repos.settings.get(
        ctx.community.id, member.external_id, svc.default_tracking
    )
    return settings.tracking


async def profile_blocks(ctx: CommandContext, member: Member) -> list[Block]:
    """The `profile_sections` hook: knows/wants topics with one line of evidence each."""
    if not await _tracked(ctx, member):
        if member.external_id == ctx.actor.external_id:
            return [
                Paragraph(spans("Tracking is off, so Rhizome keeps no interest profile for you."))
            ]
        return []
    return await _seen_blocks(ctx, member)


async def _known_about(
    svc: InterestService,
    community_id: int,
    member: Member,
    skip: Collection[str] = (),
    now: datetime | None = None,
) -> list[tuple[str, tuple[Evidence, ...]]]:
    """The topics a profile shows under "Knows about", each with its evidence."""
    # Three times as many as shown, then subjects first (`makie` before `button`), as
    # resources do.
    known = await svc.known(community_id, member, 3 * PROFILE_KNOWS + len(skip), now=now)
    evidence_of = {
        topic: evidence
        for topic, _, evidence in known
        if topic not in skip
        and not one_kanji(topic)
        and topic not in POST_FORMS
        and (specificity(topic) >= 1.0 or _pieces(evidence) >= 2)
    }
    ordered = subjects_first((topic, score) for topic, score, _ in known if topic in evidence_of)
    distinct = set(distinct_subjects(topic for topic, _ in ordered))
    ordered = [(topic, score) for topic, score in ordered if topic in distinct]
    # At most two topics from any one conversation, while others remain: five words of one
    # long thread (`zig`, `rust`, `c`, `matlab`, `simulink`) show one evening, not a member.
    # And one piece of evidence alone backs one subject: the next words of a share or answer
    # already shown for a topic (`opnionated`, `wisemen` after `ensemble caller`) are not.
    # On the audited profiles (RULES §21) 19 lines went, 12 wrong; right 54/86 -> 48/69.
    shown: list[str] = []
    held: list[str] = []
    per: dict[object, int] = {}
    backing: set[object] = set()  # what the topics resting on one piece each rest on
    for topic, _ in ordered:
        first = evidence_of[topic][0]
        key = first.conversation or first.resource_id or first.message_id or topic
        said = {_said_in(e) for e in evidence_of[topic]}
        # An introduction names its subjects one by one ("robust statistics, microsimulation").
        stated = evidence_of[topic][0].kind is EvidenceKind.INTRODUCED
        if len(said) == 1 and not stated:
            if said <= backing:
                continue
            backing |= said
        if per.get(key, 0) < 2:
            per[key] = per.get(key, 0) + 1
            shown.append(topic)
        else:
            held.append(topic)
    shown = (shown + held)[:PROFILE_KNOWS]
    return [(topic, evidence_of[topic]) for topic in shown]


def convincing(evidence: Sequence[Evidence], topic: str) -> Evidence:
    """The line a member would agree backs the topic: the strongest piece whose own words
    name it (the quote, the page's title, the question answered), else the strongest. A
    thank-you that says only "Thanks! It works!" backs `machine learning` through its channel;
    an answer on the same topic that says so reads better."""
    return next((e for e in evidence if _names(e, topic)), evidence[0])


def _names(evidence: Evidence, topic: str) -> bool:
    """Do a piece of evidence's own words (quote, page title, question) name the topic?"""
    return names_topic(evidence.snippet, topic) or names_topic(evidence.resource_title, topic)


def _said_in(evidence: Evidence) -> object:
    """One piece of evidence: a link shared, a reply, an answer."""
    return (evidence.resource_id, evidence.conversation, evidence.message_id)


def _pieces(evidence: Sequence[Evidence]) -> int:
    """Distinct things a topic rests on: an everyday word (`server`, `feedback`, `時間`) is
    shown only on two, as intros ask. Of 27 topics judged members' profiles then lost, 15 had
    been such words in passing (`wipe`, `corner`, `tag`, `動作`), 6 fair subjects (`array`,
    `rust`); judged "Knows about" 74 of 295 relevant -> 74 of 289."""
    return len({(e.resource_id, e.conversation) for e in evidence})


async def known_about(services: Services, community_id: int, member: Member) -> list[str]:
    """The topics of a member's profile's "Knows about" (for the quality bench)."""
    return [t for t, _ in await _known_about(service_for(services), community_id, member)]


async def introduced_about(services: Services, community_id: int, member: Member) -> list[str]:
    """Those of them whose first evidence is the member's introduction (for the bench)."""
    shown = await _known_about(service_for(services), community_id, member)
    return [t for t, evidence in shown if evidence[0].kind is EvidenceKind.INTRODUCED]


async def _seen_blocks(
    ctx: CommandContext, member: Member, *, skip: set[str] | None = None
) -> list[Block]:
    """What a member knows (the scores who-knows uses) and wants to learn (their questions),
    one line of evidence each."""
    svc = service_for(ctx.services)
    skip = skip or set()
    blocks: list[Block] = []
    shown = await _known_about(svc, ctx.community.id, member, skip, ctx.now)
    items = [
        Item(
            (Text(topic, bold=True),), details=(evidence_spans(convincing(evidence, topic), topic),)
        )
        for topic, evidence in shown
    ]
    if items:
        blocks.append(ItemList(tuple(items), title="Knows about"))
    wants = [
        Item((Text(topic, bold=True),), details=(evidence_spans(asked, topic),))
        for topic, asked in await _wants_shown(svc, ctx.community.id, member, ctx.now)
    ]
    if wants:
        blocks.append(ItemList(tuple(wants), title="Wants to learn"))
    return blocks


async def _wants_shown(
    svc: InterestService, community_id: int, member: Member, now: datetime | None = None
) -> list[tuple[str, Evidence]]:
    """A profile's "Wants to learn", each with the question it quotes: as the interest pass
    stored them (`storage.wants`), or worked out now when those are not current."""
    stored = await svc.stored_wants(community_id, member.id, PROFILE_WANTS)
    if stored is not None:
        return stored
    profiles = await svc.profiles(
        community_id, member_ids=[member.id], now=now, recent=PROFILE_RECENT
    )
    profile = profiles.get(member.id)
    if profile is None:
        return []
    ranked = sorted(profile.wants.items(), key=lambda kv: (-kv[1], kv[0]))
    return shown_wants(
        ((t, profile.evidence(t, wants=True)) for t, _ in ranked if shown_as_want(t)),
        PROFILE_WANTS,
    )


async def wanted_topics(services: Services, community_id: int, member: Member) -> list[str]:
    """The topics of a member's profile's "Wants to learn" (for the quality bench)."""
    return [t for t, _ in await _wants_shown(service_for(services), community_id, member)]


async def network_document(ctx: CommandContext, member: Member) -> Document:
    svc = service_for(ctx.services)
    if not await _tracked(ctx, member):
        return Document(
            (
                Paragraph(
                    spans(
                        "Tracking is off for you, so Rhizome has no network for you. "
                        "Turn it on with /rhizome privacy tracking on."
                    )
                ),
            )
        )
    blocks: list[Block] = [Heading("Your learning network")]
    for feature in ctx.services.features:
        blocks.extend(await feature.network_blocks(ctx, member))
    people = await svc.discussed_with(ctx.community.id, member.id, NETWORK_PEOPLE)
    if people:
        heads = await svc.store.resource_heads(ctx.community.id, [rid for _, _, rid in people])
        items = []
        for other, n, rid in people:
            title, url = heads.get(rid, (None, ""))
            detail: list[Span] = [Text(f"{count(n, 'resource')} in common, latest ")]
            detail.append(Link(url, clip(title or url, TITLE_CHARS)) if url else Text("a link"))
            items.append(Item((Mention(other.name, other.external_id),), details=(tuple(detail),)))
        blocks.append(ItemList(tuple(items), title="People you discussed resources with"))
    ids = await svc.saved(ctx.community.id, member.id, NETWORK_SAVED)
    if ids:
        total = await svc.saved_count(ctx.community.id, member.id)
        found = await ctx.services.repos.resources.summaries(ctx.community.id, ids)
        blocks.append(resource_list(found, "Saved", more=max(0, total - len(found))))
    if len(blocks) == 1:
        blocks.append(
            Paragraph(
                spans(
                    "Nothing here yet. It grows as you discuss links with others, meet people "
                    f"Rhizome introduces you to, and save links with {_bookmark_label(ctx)}."
                )
            )
        )
    return Document(tuple(blocks))
