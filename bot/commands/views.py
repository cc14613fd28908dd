"""Neutral document pieces shared by several commands (a resource as a list item, etc.)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.documents import ChannelRef, Item, ItemList, Mention, Span, Text
from bot.model import Member, ResourceSummary
from bot.wording import count

TITLE_CHARS = 150


def member_mention(member: Member | None, *, hidden: bool = False) -> Span:
    if member is None or hidden:
        return Text("a member")
    return Mention(member.name, member.external_id)


def short_date(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d") if when else "?"


def discussion_phrase(r: ResourceSummary) -> str:
    parts = []
    if r.discussants:
        parts.append(count(r.discussants, "person", "people") + " discussing")
    if r.reply_count:
        parts.append(count(r.reply_count, "reply"))
    if r.reaction_count:
        parts.append(count(r.reaction_count, "reaction"))
    if r.reshare_count:
        parts.append(count(r.reshare_count, "reshare"))
    return ", ".join(parts) or "no discussion yet"


def resource_item(r: ResourceSummary, *, hidden_members: frozenset[int] = frozenset()) -> Item:
    title = r.label if len(r.label) <= TITLE_CHARS else r.label[: TITLE_CHARS - 1] + "…"
    credit: list[Span] = [
        Text("first shared by "),
        member_mention(
            r.first_shared_by,
            hidden=r.first_shared_by is not None and r.first_shared_by.id in hidden_members,
        ),
    ]
    if r.first_channel is not None:
        credit += [Text(" in "), ChannelRef(r.first_channel.label, r.first_channel.external_id)]
    credit.append(Text(f" on {short_date(r.first_shared_at)}"))
    return Item(
        title=(Text(title),),
        url=r.href,
        details=(tuple(credit), (Text(discussion_phrase(r)),)),
    )


def resource_list(
    resources: Sequence[ResourceSummary], title: str | None = None, *, more: int = 0
) -> ItemList:
    return ItemList(tuple(resource_item(r) for r in resources), title=title, more=more)
