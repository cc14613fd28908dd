"""Slack payloads → neutral core values (pure functions, no I/O).

Everything Slack-specific about reading a payload lives here: which subtypes count as a
member's message, where the workspace id hides, how `ts` becomes a time, how mrkdwn links look.
Anything unusable (bot posts, joins, blank ids) becomes ``None`` rather than an exception,
because Slack adds fields and subtypes without notice and one odd payload must not stop ingest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from html import unescape
from typing import Any

from bot.commands.registry import GROUPS, MEMBER_GROUP
from bot.mentions import mentioned_ids
from bot.model import (
    Actor,
    Attachment,
    ChannelRenamed,
    CommunityRef,
    CommunityRemoved,
    ConversationDeleted,
    InboundEvent,
    LinkPreview,
    MemberJoined,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Place,
    ReactionAdded,
    ReactionRemoved,
)
from bot.urls import shared_message_links

PLATFORM = "slack"

# Message subtypes written by a member that we track; every other subtype (bot_message,
# channel_join/leave/topic/purpose/name, pinned_item, …) is housekeeping and dropped.
_MEMBER_SUBTYPES = frozenset({"", "thread_broadcast", "file_share", "me_message"})
# File modes that carry no reachable file.
_DEAD_FILE_MODES = frozenset({"tombstone", "hidden_by_limit"})
# Slack's angle-bracket markup: <https://x|label>, <@U1|name>, <#C1|general>, <!here>.
_ANGLE = re.compile(r"<([^<>]*)>")
# "+1::skin-tone-2" → "+1", so a removal with another skin tone matches the addition.
_SKIN_TONE = re.compile(r"::skin-tone-\d+$")


# --- small readers ------------------------------------------------------------------------
def _str(value: Any) -> str | None:
    """A non-blank string or None (Slack and the schema samples use "" for absent)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def parse_ts(ts: Any) -> datetime | None:
    """Slack `ts` ("1568915625.001000") → tz-aware UTC datetime; None when blank or not a ts.

    Decimal keeps the microseconds exact (a float would round some of them).
    """
    text = _str(ts)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0:
        return None
    seconds = int(value)
    micros = int((value - seconds) * 1_000_000)
    try:
        return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)
    except (OverflowError, OSError, ValueError):
        return None


def team_id_of(body: Mapping[str, Any]) -> str | None:
    """The installing workspace of an envelope (or interactivity/command payload).

    In a Slack Connect channel the top-level `team_id` is the org the event came *from*; the
    workspace that installed this app is `authorizations[0]` (events) or
    `view.app_installed_team_id` (modals), so those come first.
    """
    for candidate in (
        *(_dict(a).get("team_id") for a in _list(body.get("authorizations"))[:1]),
        _dict(body.get("view")).get("app_installed_team_id"),
        body.get("team_id"),
        body.get("context_team_id"),
        _dict(body.get("team")).get("id"),
        _dict(body.get("user")).get("team_id"),
        _dict(body.get("event")).get("team"),
    ):
        team = _str(candidate)
        if team:
            return team
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def community_of(team_id: str, team_names: Mapping[str, str] | None = None) -> CommunityRef:
    return CommunityRef(PLATFORM, team_id, (team_names or {}).get(team_id))


def is_dm_channel(channel_id: str | None, channel_type: str | None = None) -> bool:
    """Direct messages (1:1 `im` or group `mpim`) are never tracked."""
    if channel_type in ("im", "mpim"):
        return True
    return bool(channel_id and channel_id.startswith("D"))


def _place(
    community: CommunityRef,
    channel_id: str,
    channel_type: str | None,
    *,
    thread_id: str | None = None,
    channel_name: str | None = None,
) -> Place:
    return Place(
        community=community,
        channel_id=channel_id,
        channel_name=channel_name,
        thread_id=thread_id,
        is_private=channel_type in ("group", "mpim", "im"),
        is_dm=is_dm_channel(channel_id, channel_type),
    )


def _thread_of(message: Mapping[str, Any], ts: str) -> str | None:
    thread_ts = _str(message.get("thread_ts"))
    return thread_ts if thread_ts and thread_ts != ts else None


# --- message text -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CleanText:
    """Message text with Slack markup resolved, and the URLs it linked to."""

    text: str
    urls: tuple[str, ...]
    labels: tuple[LinkPreview, ...] = ()  # `<url|label>`: the label a member gave a link
    mentions: tuple[str, ...] = ()  # user ids of `<@U…>` (`bot.mentions`), in order


def clean_text(text: str | None) -> CleanText:
    """Turn Slack mrkdwn into neutral plain text and collect its links.

    ``<https://x|label>`` becomes ``label (https://x)``; user/channel mentions and ``<!here>``
    become ``@U…``/``#name``/``@here``; entities ``&amp; &lt; &gt;`` are decoded last, so an
    escaped ``&lt;`` in the text is never mistaken for markup.
    """
    if not text:
        return CleanText("", ())
    urls: list[str] = []
    labels: list[LinkPreview] = []

    def repl(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            word = target[1:].split("^", 1)[0]
            if word == "date":  # <!date^1392734382^{date_short}|Feb 18>: the fallback text
                return label or ""
            if label.startswith("@"):  # <!subteam^S1|@team>
                return label
            return "@" + (label or word)
        url = unescape(target)
        if url.lower().startswith(("http://", "https://")):
            urls.append(url)
        shown = unescape(label) if label else ""
        if not shown or shown == url or shown.lower().startswith(("http://", "https://")):
            # a label that is itself an address is not a second link the member shared
            return url
        if url.lower().startswith("mailto:"):
            return shown
        labels.append(LinkPreview(url, shown, is_label=True))
        return f"{shown} ({url})"

    out = _ANGLE.sub(repl, text)
    return CleanText(unescape(out), tuple(dict.fromkeys(urls)), tuple(labels), mentioned_ids(text))


def unfurl_previews(attachments: Any) -> tuple[LinkPreview, ...]:
    """Slack's link unfurls (message `attachments` with `title` and `title_link` /
    `from_url` / `original_url`): the titles members saw under the link. Message unfurls
    (a quoted Slack message) are not resources."""
    out: list[LinkPreview] = []
    for a in attachments if isinstance(attachments, list) else ():
        if not isinstance(a, Mapping) or a.get("is_msg_unfurl") is True:
            continue
        url = _str(a.get("from_url")) or _str(a.get("original_url")) or _str(a.get("title_link"))
        if url and url.lower().startswith(("http://", "https://")):
            out.append(LinkPreview(url, _str(a.get("title")) or None))
    return tuple(out)


def _extra_urls(message: Mapping[str, Any], cleaned: CleanText) -> tuple[str, ...]:
    """Links besides the text's own: rich_text blocks' (`_block_urls`) and those of a message
    it forwards (`shared_message_links`: sharing a message reshares its links here)."""
    found = _block_urls(message.get("blocks"))
    found += [link.original for link in shared_message_links(message.get("attachments"))]
    return tuple(u for u in dict.fromkeys(found) if u not in cleaned.urls)


def _block_urls(blocks: Any) -> list[str]:
    """URLs in rich_text `link` elements (Slack always mirrors them into `text`, but a
    client that edits only blocks would otherwise lose them)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if node.get("type") == "link":
                url = _str(node.get("url"))
                if url and url.lower().startswith(("http://", "https://")):
                    found.append(url)
            for key in ("elements", "blocks"):
                for child in _list(node.get(key)):
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for block in _list(blocks):
        if _dict(block).get("type") == "rich_text":
            walk(block)
    return found


def attachments_from_files(files: Any) -> tuple[Attachment, ...]:
    """Shared files as neutral attachments; the permalink is the link members can open."""
    out: list[Attachment] = []
    for raw in _list(files):
        f = _dict(raw)
        if _str(f.get("mode")) in _DEAD_FILE_MODES:
            continue
        url = (
            _str(f.get("permalink"))
            or _str(f.get("url_private"))
            or _str(f.get("url_private_download"))
            or _str(f.get("external_url"))
        )
        if not url:
            continue
        out.append(
            Attachment(
                url=url,
                filename=_str(f.get("name")),
                title=_str(f.get("title")),
                external_id=_str(f.get("id")),
            )
        )
    return tuple(out)


def _actor(user_id: str, message: Mapping[str, Any]) -> Actor:
    profile = _dict(message.get("user_profile"))
    name = _str(profile.get("display_name")) or _str(profile.get("real_name"))
    return Actor(external_id=user_id, display_name=name)


def _is_bot(message: Mapping[str, Any]) -> bool:
    return bool(_str(message.get("bot_id"))) or message.get("subtype") == "bot_message"


# --- events -------------------------------------------------------------------------------
def translate_envelope(
    body: Mapping[str, Any],
    *,
    team_names: Mapping[str, str] | None = None,
    team_id: str | None = None,
) -> InboundEvent | None:
    """One Events API `event_callback` envelope → a neutral event, or None if not ours to track.

    `team_id` is the installing workspace when the caller knows it (the adapter does): every
    event then belongs to that community, whichever org a Slack Connect partner posts from.
    """
    if not isinstance(body, Mapping):
        return None
    event = _dict(body.get("event"))
    if not event:
        return None
    team = team_id or team_id_of(body)
    if team is None:
        return None
    community = community_of(team, team_names)
    event_id = _str(body.get("event_id"))
    fallback_time = _event_time(body, event)
    kind = _str(event.get("type"))
    if kind == "message":
        return _message(event, community, event_id, fallback_time)
    if kind in ("reaction_added", "reaction_removed"):
        return _reaction(kind, event, community, event_id, fallback_time)
    if kind == "member_joined_channel":
        user, channel = _str(event.get("user")), _str(event.get("channel"))
        if not user or not channel:
            return None
        return MemberJoined(
            place=_place(community, channel, _channel_type(event, channel)),
            occurred_at=fallback_time,
            event_id=event_id,
            actor=Actor(external_id=user),
        )
    if kind == "channel_rename":
        ch = _dict(event.get("channel"))
        channel, name = _str(ch.get("id")), _str(ch.get("name"))
        if not channel or not name:
            return None
        private = bool(ch.get("is_group") or ch.get("is_private")) or channel.startswith("G")
        return ChannelRenamed(
            place=Place(
                community=community,
                channel_id=channel,
                channel_name=name,
                is_private=private,
                is_dm=bool(ch.get("is_mpim") or ch.get("is_im")),
            ),
            occurred_at=fallback_time,
            event_id=event_id,
            new_name=name,
        )
    if kind in ("channel_deleted", "group_deleted"):
        # Deleting a channel deletes its messages, with no message_deleted for each of them.
        channel = _str(event.get("channel"))
        if not channel:
            return None
        private = kind == "group_deleted" or channel.startswith("G")
        return ConversationDeleted(
            place=_place(community, channel, "group" if private else "channel"),
            occurred_at=fallback_time,
            event_id=event_id,
        )
    if kind == "app_uninstalled" or (kind == "tokens_revoked" and _bot_tokens_revoked(event)):
        return CommunityRemoved(
            place=Place(community=community, channel_id=""),
            occurred_at=fallback_time,
            event_id=event_id,
        )
    return None


def _bot_tokens_revoked(event: Mapping[str, Any]) -> bool:
    """tokens_revoked also fires for user tokens, which this bot never holds; only a revoked
    bot token ends the installation. A payload without the `tokens` detail is taken as final."""
    tokens = event.get("tokens")
    if not isinstance(tokens, Mapping):
        return True
    return bool(_list(tokens.get("bot")))


def _event_time(body: Mapping[str, Any], event: Mapping[str, Any]) -> datetime:
    for candidate in (event.get("event_ts"), event.get("ts")):
        when = parse_ts(candidate)
        if when is not None:
            return when
    when = parse_ts(body.get("event_time"))
    return when if when is not None else datetime.now(UTC)


def _channel_type(event: Mapping[str, Any], channel: str) -> str | None:
    ctype = _str(event.get("channel_type"))
    if ctype == "C":
        return "channel"
    if ctype == "G":
        return "group"
    if ctype:
        return ctype
    if channel.startswith("D"):
        return "im"
    return None


def _message(
    event: Mapping[str, Any],
    community: CommunityRef,
    event_id: str | None,
    fallback_time: datetime,
) -> InboundEvent | None:
    channel = _str(event.get("channel"))
    if not channel:
        return None
    ctype = _channel_type(event, channel)
    subtype = _str(event.get("subtype")) or ""
    if subtype == "message_changed":
        return _message_changed(event, community, channel, ctype, event_id, fallback_time)
    if subtype == "message_deleted":
        deleted = _str(event.get("deleted_ts")) or _str(
            _dict(event.get("previous_message")).get("ts")
        )
        if not deleted:
            return None
        previous = _dict(event.get("previous_message"))
        return MessageDeleted(
            place=_place(community, channel, ctype, thread_id=_thread_of(previous, deleted)),
            occurred_at=fallback_time,
            event_id=event_id,
            message_id=deleted,
        )
    if subtype not in _MEMBER_SUBTYPES or _is_bot(event):
        return None
    ts, user = _str(event.get("ts")), _str(event.get("user"))
    if not ts or not user:
        return None
    cleaned = clean_text(_str(event.get("text")))
    extra = _extra_urls(event, cleaned)
    return MessagePosted(
        place=_place(community, channel, ctype, thread_id=_thread_of(event, ts)),
        occurred_at=parse_ts(ts) or fallback_time,
        event_id=event_id,
        message_id=ts,
        author=_actor(user, event),
        text=cleaned.text,
        attachments=attachments_from_files(event.get("files")),
        extra_urls=cleaned.urls + extra,
        previews=cleaned.labels + unfurl_previews(event.get("attachments")),
        broadcast=subtype == "thread_broadcast",
        mentions=tuple(Actor(external_id=uid) for uid in cleaned.mentions),
    )


def _message_changed(
    event: Mapping[str, Any],
    community: CommunityRef,
    channel: str,
    ctype: str | None,
    event_id: str | None,
    fallback_time: datetime,
) -> InboundEvent | None:
    message = _dict(event.get("message"))
    ts = _str(message.get("ts"))
    if not ts:
        return None
    place = _place(community, channel, ctype, thread_id=_thread_of(message, ts))
    if _str(message.get("subtype")) == "tombstone":
        # A thread root deleted while replies remain: Slack keeps a placeholder; for us the
        # message and what it shared are gone.
        return MessageDeleted(
            place=place, occurred_at=fallback_time, event_id=event_id, message_id=ts
        )
    if _is_bot(message):
        return None
    previous = _dict(event.get("previous_message"))
    if "edited" not in message and previous and previous.get("text") == message.get("text"):
        # Slack adding an unfurl (attachments) to a message: nobody edited it
        return None
    user = _str(message.get("user"))
    edited_at = parse_ts(_dict(message.get("edited")).get("ts"))
    cleaned = clean_text(_str(message.get("text")))
    extra = _extra_urls(message, cleaned)
    return MessageEdited(
        place=place,
        occurred_at=edited_at or fallback_time,
        event_id=event_id,
        message_id=ts,
        text=cleaned.text,
        attachments=attachments_from_files(message["files"]) if "files" in message else None,
        extra_urls=cleaned.urls + extra,
        previews=cleaned.labels + unfurl_previews(message.get("attachments")),
        author=_actor(user, message) if user else None,
        mentions=tuple(Actor(external_id=uid) for uid in cleaned.mentions),
    )


def _reaction(
    kind: str,
    event: Mapping[str, Any],
    community: CommunityRef,
    event_id: str | None,
    fallback_time: datetime,
) -> InboundEvent | None:
    item = _dict(event.get("item"))
    if item.get("type") != "message":
        return None
    channel, ts = _str(item.get("channel")), _str(item.get("ts"))
    user, emoji = _str(event.get("user")), _str(event.get("reaction"))
    if not channel or not ts or not user or not emoji:
        return None
    cls = ReactionAdded if kind == "reaction_added" else ReactionRemoved
    return cls(
        place=_place(community, channel, _channel_type(event, channel)),
        occurred_at=fallback_time,
        event_id=event_id,
        message_id=ts,
        actor=Actor(external_id=user),
        emoji=_SKIN_TONE.sub("", emoji),
    )


# --- commands and buttons -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CommandRequest:
    """What a slash command or a button press asks the core to run, before roles are known."""

    community: CommunityRef
    user_id: str
    user_name: str | None
    group: str
    text: str
    place: Place | None


def group_for_command(command: str | None, names: Mapping[str, str] | None = None) -> str | None:
    """Map a slash command ("/rhizome-admin") to its core group; `names` allows renamed ones."""
    if not command:
        return None
    if names and command in names:
        return names[command]
    bare = command.lstrip("/")
    return bare if bare in GROUPS else None


def split_command_line(line: str) -> tuple[str, str]:
    """A button's command line "rhizome-admin digest preview" → (group, rest)."""
    head, _, rest = line.strip().partition(" ")
    head = head.lstrip("/")
    if head in GROUPS:
        return head, rest.strip()
    return MEMBER_GROUP, line.strip()


def _command_place(
    community: CommunityRef, channel_id: str | None, channel_name: str | None
) -> Place | None:
    if not channel_id:
        return None
    dm = (
        is_dm_channel(channel_id)
        or channel_name in ("directmessage", "mpdm")
        or (channel_name or "").startswith("mpdm-")
    )
    return Place(
        community=community,
        channel_id=channel_id,
        channel_name=None if dm else channel_name,
        is_private=dm or channel_name == "privategroup" or channel_id.startswith("G"),
        is_dm=dm,
    )


def command_request(
    form: Mapping[str, Any],
    *,
    command_names: Mapping[str, str] | None = None,
    team_names: Mapping[str, str] | None = None,
    team_id: str | None = None,
) -> CommandRequest | None:
    """A slash-command form body → CommandRequest; None when it isn't one of ours.

    A Slack Connect partner's command carries *their* org's `team_id`; `team_id` (the
    installing workspace, when known) decides the community instead.
    """
    group = group_for_command(_str(form.get("command")), command_names)
    team, user = team_id or team_id_of(form), _str(form.get("user_id"))
    if group is None or team is None or user is None:
        return None
    community = community_of(team, team_names)
    text = form.get("text")
    return CommandRequest(
        community=community,
        user_id=user,
        user_name=_str(form.get("user_name")),
        group=group,
        text=text.strip() if isinstance(text, str) else "",
        place=_command_place(
            community, _str(form.get("channel_id")), _str(form.get("channel_name"))
        ),
    )


ACTION_PREFIX = "rhizome_cmd_"


def action_requests(
    body: Mapping[str, Any],
    *,
    team_names: Mapping[str, str] | None = None,
    team_id: str | None = None,
) -> list[CommandRequest]:
    """Presses of our buttons in a block_actions payload (others' actions are ignored);
    `team_id` as for `command_request`."""
    if body.get("type") != "block_actions":
        return []
    team = team_id or team_id_of(body)
    user = _dict(body.get("user"))
    user_id = _str(user.get("id"))
    if team is None or user_id is None:
        return []
    community = community_of(team, team_names)
    channel = _dict(body.get("channel"))
    container = _dict(body.get("container"))
    place = _command_place(
        community,
        _str(channel.get("id")) or _str(container.get("channel_id")),
        _str(channel.get("name")),
    )
    out: list[CommandRequest] = []
    for raw in _list(body.get("actions")):
        action = _dict(raw)
        action_id = _str(action.get("action_id")) or ""
        value = _str(action.get("value"))
        if not action_id.startswith(ACTION_PREFIX) or not value:
            continue
        group, text = split_command_line(value)
        out.append(
            CommandRequest(
                community=community,
                user_id=user_id,
                user_name=_str(user.get("username")) or _str(user.get("name")),
                group=group,
                text=text,
                place=place,
            )
        )
    return out


def slack_user_name(user: Mapping[str, Any]) -> str | None:
    """The name Slack shows for a users.info `user`: display name, else real name, else handle."""
    profile = _dict(user.get("profile"))
    return (
        _str(profile.get("display_name"))
        or _str(profile.get("real_name"))
        or _str(user.get("real_name"))
        or _str(user.get("name"))
    )


def slack_user_is_admin(user: Mapping[str, Any]) -> bool:
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


# --- history (conversations.history / conversations.replies) -------------------------------
def history_events(
    message: Mapping[str, Any],
    community: CommunityRef,
    channel_id: str,
    *,
    is_private: bool = False,
) -> list[InboundEvent]:
    """One message from a history page → the events live delivery would have carried.

    A history message is the event's `message` without `channel`; its current text stands,
    an `edited` mark becomes an edit at that time (applied only over older text), a deleted
    thread root (`tombstone`) a deletion, and its `reactions` one addition per member.
    """
    if not isinstance(message, Mapping):
        return []
    ctype = "group" if is_private else "channel"
    event = {**message, "channel": channel_id, "channel_type": ctype}
    ts = _str(message.get("ts"))
    when = parse_ts(ts)
    if ts is None or when is None:
        return []
    if _str(message.get("subtype")) == "tombstone":
        place = _place(community, channel_id, ctype, thread_id=_thread_of(message, ts))
        return [MessageDeleted(place=place, occurred_at=when, event_id=None, message_id=ts)]
    posted = _message(event, community, None, when)
    if not isinstance(posted, MessagePosted):
        return []
    out: list[InboundEvent] = [posted]
    edited_at = parse_ts(_dict(message.get("edited")).get("ts"))
    if edited_at is not None:
        out.append(
            MessageEdited(
                place=posted.place,
                occurred_at=edited_at,
                event_id=None,
                message_id=ts,
                text=posted.text,
                attachments=posted.attachments if "files" in message else None,
                extra_urls=posted.extra_urls,
                author=posted.author,
                mentions=posted.mentions,
            )
        )
    for reaction in _list(message.get("reactions")):
        r = _dict(reaction)
        emoji = _str(r.get("name"))
        if not emoji:
            continue
        for user in _list(r.get("users")):
            user_id = _str(user)
            if user_id:
                out.append(
                    ReactionAdded(
                        place=posted.place,
                        occurred_at=when,
                        event_id=None,
                        message_id=ts,
                        actor=Actor(external_id=user_id),
                        emoji=_SKIN_TONE.sub("", emoji),
                    )
                )
    return out


def base_emoji(name: str) -> str:
    """An emoji name without its skin tone, as reactions are stored."""
    return _SKIN_TONE.sub("", name)


def thread_activity(message: Mapping[str, Any]) -> datetime | None:
    """When a thread root last got a reply (`latest_reply`), or None for no thread."""
    if not isinstance(message, Mapping) or not message.get("reply_count"):
        return None
    return parse_ts(message.get("latest_reply"))
