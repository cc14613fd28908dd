"""Turn a digest's input into a neutral Document a busy member reads in two minutes.

Sections, each left out when empty: a one-line pulse; top resources (grouped by topic when
topics are known); open questions nobody answered; connectors — members whose shares others
discussed most — and newcomers' first shares. Members who opted out are never named, silenced
items and (for a public digest) private channels never appear. Text is kept short per item so
every adapter stays inside its platform's limits (a Slack section holds 3000 characters).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import unquote

from bot.digests.ranking import (
    DEFAULT_CONFIG,
    Candidate,
    Connector,
    DigestInput,
    OpenQuestion,
    PeriodCounts,
    Ranked,
    RankingConfig,
    eligible,
    select,
)
from bot.documents import (
    Block,
    ChannelRef,
    Document,
    Heading,
    Inline,
    Item,
    ItemList,
    Link,
    Mention,
    Paragraph,
    Span,
    Text,
    spans,
)
from bot.interests.terms import POST_KINDS
from bot.naming import names
from bot.titles import TitleSource
from bot.urls import is_public_page
from bot.wording import count

TITLE_MAX = 150
QUESTION_MAX = 200
NAME_MAX = 80
UNNAMED = "a member"
MINUS = "\u2212"


@dataclass(frozen=True, slots=True)
class DigestOptions:
    """How one configured digest looks; defaults suit a small community."""

    size: int = 5
    include_channels: frozenset[str] | None = None
    exclude_channels: frozenset[str] = frozenset()
    min_candidates: int = 3  # fewer eligible items than this makes a quiet week
    quiet_week: Literal["note", "skip"] = "note"
    max_questions: int = 3
    max_connectors: int = 3
    max_newcomers: int = 3
    # Real mentions notify people; by default names are shown without pinging anyone.
    mention_members: bool = False
    title: str = "Weekly digest"
    ranking: RankingConfig = field(default=DEFAULT_CONFIG)

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError("A digest must show at least one item (size ≥ 1).")
        if self.min_candidates < 0:
            raise ValueError("min_candidates cannot be negative.")


@dataclass(frozen=True, slots=True)
class DigestPlan:
    """The document and what it features (record `featured` to apply the repeat rule)."""

    document: Document | None
    featured: tuple[Ranked, ...]
    quiet: bool
    eligible_count: int


def build_digest(
    digest_input: DigestInput, now: datetime, options: DigestOptions | None = None
) -> Document | None:
    """The digest Document, or None for a quiet week configured to post nothing."""
    return plan_digest(digest_input, now, options).document


def plan_digest(
    digest_input: DigestInput, now: datetime, options: DigestOptions | None = None
) -> DigestPlan:
    opts = options or DigestOptions()
    pool = eligible(
        digest_input.candidates,
        is_public=digest_input.is_public,
        include_channels=opts.include_channels,
        exclude_channels=opts.exclude_channels,
        config=opts.ranking,
    )
    quiet = len(pool) < opts.min_candidates
    if quiet and opts.quiet_week == "skip":
        return DigestPlan(None, (), True, len(pool))
    # `pool` already passed every filter; select only ranks and diversifies it.
    featured = tuple(select(pool, opts.size, now, is_public=False, config=opts.ranking))
    title = _title(opts.title, digest_input)
    pulse = Paragraph(spans(pulse_line(digest_input.counts, digest_input.previous_counts)))
    if quiet:
        blocks: list[Block] = [Paragraph(spans(_quiet_text(len(pool)))), pulse]
        if featured:
            blocks.append(ItemList(tuple(resource_item(r, opts.mention_members) for r in featured)))
        return DigestPlan(Document(tuple(blocks), title=title), featured, True, len(pool))

    blocks = [pulse, Heading("Top resources")]
    for topic, group in group_by_topic(featured):
        items = tuple(resource_item(r, opts.mention_members) for r in group)
        blocks.append(ItemList(items, title=topic))

    questions, more_questions = _open_questions(
        digest_input.questions, opts, digest_input.is_public
    )
    if questions:
        blocks.append(Heading("Open questions"))
        blocks.append(Paragraph(spans("Nobody has answered these yet — can you help?")))
        blocks.append(ItemList(questions, more=more_questions))

    connectors = _connector_items(digest_input.connectors, opts)
    newcomers = _newcomer_items(pool, opts)
    if connectors or newcomers:
        blocks.append(Heading("Connectors"))
        if connectors:
            blocks.append(ItemList(connectors, title="Shares that got people talking"))
        if newcomers:
            blocks.append(ItemList(newcomers, title="First shares — welcome!"))
    return DigestPlan(Document(tuple(blocks), title=title), featured, False, len(pool))


# --- pulse -----------------------------------------------------------------------------------


def percent_change(current: int, previous: int) -> str:
    """ "+12%", "−5%", "±0%"; growth from nothing has no percentage, so "up from 0"."""
    if previous == 0:
        return "±0%" if current == 0 else "up from 0"
    pct = (current - previous) * 100 / previous
    rounded = int(abs(pct) + 0.5)  # half away from zero, unlike round()
    if rounded == 0:
        return "±0%"
    return f"+{rounded}%" if pct > 0 else f"{MINUS}{rounded}%"


def pulse_line(counts: PeriodCounts, previous: PeriodCounts | None = None) -> str:
    """e.g. "42 resources shared (+12%), 30 members active (−5%), 120 discussions (up from 0)".
    A previous period with no activity at all (the first digest after installing, or after a
    quiet spell) is no baseline: "(up from 0)" three times would say nothing."""
    if previous is not None and not any(
        (previous.resources_shared, previous.members_active, previous.discussions)
    ):
        previous = None
    parts = [
        (counts.resources_shared, "resource shared", "resources shared", "resources_shared"),
        (counts.members_active, "member active", "members active", "members_active"),
        (counts.discussions, "discussion", "discussions", "discussions"),
    ]
    out = []
    for value, one, many, attr in parts:
        text = count(value, one, many)
        if previous is not None:
            text += f" ({percent_change(value, getattr(previous, attr))})"
        out.append(text)
    return ", ".join(out)


# --- items -----------------------------------------------------------------------------------


def truncate(text: str, limit: int) -> str:
    """Collapse whitespace and cut at a word boundary near `limit`, ending with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-—") + "…"


def display_url(url: str) -> str:
    """A readable stand-in title for an untitled link."""
    shown = url.split("://", 1)[-1]
    shown = shown.removeprefix("www.")
    return truncate(shown.rstrip("/"), TITLE_MAX)


def _member(name: str, external_id: str, opted_out: bool, mention: bool) -> Span:
    if opted_out:
        return Text(UNNAMED)
    return Mention(truncate(name, NAME_MAX), external_id if mention else None)


def _channel(name: str, external_id: str) -> ChannelRef:
    return ChannelRef(truncate(name, NAME_MAX), external_id)


def _count(n: int, one: str, many: str) -> str:
    return count(n, one, many)


def resource_item(ranked: Ranked, mention_members: bool = False) -> Item:
    """Title (linked), "first shared by @x in #c", discussion count and thread link."""
    c = ranked.candidate
    title = truncate(c.title, TITLE_MAX) if c.title and c.title.strip() else display_url(c.url)
    credit: Inline = spans(
        "first shared by ",
        _member(c.sharer_name, c.sharer_id, c.sharer_opted_out, mention_members),
        " in ",
        _channel(c.channel_name, c.channel_id),
    )
    if c.is_first_share_of_member and not c.sharer_opted_out:
        credit += spans(" — their first share")
    if c.discussion_count:
        talk = (
            f"{_count(c.discussion_count, 'discussion', 'discussions')} "
            f"by {_count(c.discussants, 'member', 'members')}"
        )
    else:
        talk = "no discussion yet"
    if ranked.resurfaced:
        talk = f"back with new discussion: {talk}"
    discussion: Inline = spans(talk)
    if c.thread_url:
        discussion += spans(" · ", Link(c.thread_url, "join the thread"))
    return Item(title=spans(title), url=c.url, details=(credit, discussion))


def heading_topics(c: Candidate) -> list[str]:
    """The item's topics its own title says, in its order: what a heading over it may be.

    A reader checks a heading against the titles under it. A topic from the talk around a link
    (`wiki` over a book recommended in a wiki thread, `venv` from a pasted prompt) or from a
    member's sharing sentence (`tech`, `設定`) was judged wrong 56 times in 73 (RULES.md §24),
    one every title says right 40 times in 57. A kind of post (`tweet`, `bug`) is no subject.
    An untitled link is read by its address, as the reader sees it.
    """
    if c.title and c.title.strip():
        if c.title_rank is not None and c.title_rank <= TitleSource.SENTENCE:
            return []  # the sharer's own words or a site's name: nothing of the page says it
        said = c.title
    else:
        said = unquote(c.url)
    return [t for t in dict.fromkeys(c.topics) if t not in POST_KINDS and names(said, t)]


def group_by_topic(featured: Sequence[Ranked]) -> list[tuple[str | None, list[Ranked]]]:
    """Group items under a topic they share, in rank order; one untitled group when none do.

    An item goes under whichever of its `heading_topics` the most featured items share (ties:
    the item's own topic order), so related items meet. A topic only one item has heads
    nothing: a heading per item said `migrating`, `prime`, `bring julia` over the JuliaLang
    week's five links. Items that share no such topic come last, under "More".
    """
    own = {id(r): heading_topics(r.candidate) for r in featured}
    popularity = Counter(t for r in featured for t in own[id(r)])
    groups: dict[str | None, list[Ranked]] = {}
    for r in featured:
        shared = [t for t in own[id(r)] if popularity[t] >= 2]
        key = max(shared, key=lambda t: popularity[t]) if shared else None  # first of equals
        groups.setdefault(key, []).append(r)
    ordered: list[tuple[str | None, list[Ranked]]] = [
        (k, v) for k, v in groups.items() if k is not None
    ]
    if not ordered:
        return [(None, list(featured))] if featured else []
    if None in groups:
        ordered.append(("More", groups[None]))
    return ordered


def _open_questions(
    questions: Sequence[OpenQuestion], opts: DigestOptions, is_public: bool
) -> tuple[tuple[Item, ...], int]:
    shown = [
        q
        for q in questions
        if not q.silenced
        and not (q.channel_private and is_public)
        and (opts.include_channels is None or q.channel_id in opts.include_channels)
        and q.channel_id not in opts.exclude_channels
        and q.text.strip()
    ]
    shown.sort(key=lambda q: (q.asked_at, q.message_id))  # waiting longest first
    items = tuple(
        Item(
            title=spans(truncate(q.text, QUESTION_MAX)),
            url=q.url,
            details=(
                spans(
                    "asked by ",
                    _member(q.author_name, q.author_id, q.author_opted_out, opts.mention_members),
                    " in ",
                    _channel(q.channel_name, q.channel_id),
                ),
            ),
        )
        for q in shown[: opts.max_questions]
    )
    return items, max(0, len(shown) - opts.max_questions)


def _connector_items(connectors: Sequence[Connector], opts: DigestOptions) -> tuple[Item, ...]:
    named = [c for c in connectors if not c.opted_out and c.discussants > 0]
    named.sort(key=lambda c: (-c.discussants, -c.shares, c.name.lower(), c.member_id))
    return tuple(
        Item(
            title=spans(_member(c.name, c.member_id, False, opts.mention_members)),
            details=(
                spans(
                    f"{_count(c.shares, 'share', 'shares')} discussed by "
                    f"{_count(c.discussants, 'member', 'members')}"
                ),
            ),
        )
        for c in named[: opts.max_connectors]
    )


def _newcomer_items(pool: Sequence[Candidate], opts: DigestOptions) -> tuple[Item, ...]:
    seen: set[str] = set()
    firsts: list[Candidate] = []
    for c in sorted(pool, key=lambda c: (c.first_shared_at, c.resource_id)):
        if not is_public_page(c.url):
            continue  # a reaction GIF (julialang: a tumblr `.gifv`) is no share to welcome
        if c.is_first_share_of_member and not c.sharer_opted_out and c.sharer_id not in seen:
            seen.add(c.sharer_id)
            firsts.append(c)
    items = []
    for c in firsts[: opts.max_newcomers]:
        title = truncate(c.title, TITLE_MAX) if c.title and c.title.strip() else display_url(c.url)
        items.append(
            Item(
                title=spans(
                    _member(c.sharer_name, c.sharer_id, False, opts.mention_members),
                    " shared ",
                    title,
                ),
                url=c.url,
                details=(spans("in ", _channel(c.channel_name, c.channel_id)),),
            )
        )
    return tuple(items)


# --- framing ---------------------------------------------------------------------------------


def _title(base: str, digest_input: DigestInput) -> str:
    label = period_label(digest_input.period_start, digest_input.period_end)
    name = f" for {digest_input.community_name}" if digest_input.community_name else ""
    return f"{base}{name} · {label}"


def period_label(start: datetime, end: datetime) -> str:
    """ "23–29 Mar 2026", "30 Mar – 5 Apr 2026", "28 Dec 2026 – 3 Jan 2027" (end exclusive)."""
    last = max(start, end - timedelta(microseconds=1))
    first_day, last_day = start.date(), last.date()
    if first_day == last_day:
        return f"{first_day.day} {first_day:%b %Y}"
    if first_day.year != last_day.year:
        return f"{first_day.day} {first_day:%b %Y} – {last_day.day} {last_day:%b %Y}"
    if first_day.month != last_day.month:
        return f"{first_day.day} {first_day:%b} – {last_day.day} {last_day:%b %Y}"
    return f"{first_day.day}–{last_day.day} {last_day:%b %Y}"


def _quiet_text(n: int) -> str:
    found = (
        "Nothing new was shared"
        if n == 0
        else f"Only {_count(n, 'resource', 'resources')} made it in"
    )
    return (
        f"A quiet week. {found} — share something you learned, a link or a question, "
        "and it may feature next week."
    )
