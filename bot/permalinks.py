"""Links to a chat message: Slack's `…/archives/<channel>/p<ts>` and Discord's
`discord.com/channels/<guild>/<channel>/<message>`.

Members share them to point at an earlier answer or discussion. The page behind one is a
sign-in screen with no words of its own, so what it is about is the message it points to,
when that message is in the community's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

__all__ = ["MessageLink", "message_link"]

_SLACK_PATH = re.compile(r"^/archives/(?P<channel>[\w-]+)/p(?P<sec>\d{10})(?P<frac>\d{6})/?$")
_DISCORD_HOSTS = frozenset(
    {"discord.com", "discordapp.com", "canary.discord.com", "ptb.discord.com"}
)
_DISCORD_EPOCH_MS = 1_420_070_400_000  # a snowflake's high bits count ms from 2015-01-01
_DISCORD_PATH = re.compile(
    r"^/channels/(?P<guild>\d{15,21}|@me)/(?P<channel>\d{15,21})(?:/(?P<message>\d{15,21}))?/?$"
)


@dataclass(frozen=True, slots=True)
class MessageLink:
    """Where a permalink points: the platform's channel and message ids as stored
    (`messages.external_id`) and when the message was posted, which both ids tell (a Slack
    ts is the time; a Discord snowflake holds it), so it is found through the time index. A
    Discord link to a thread or forum post has no message id: its opening message has the
    thread's id."""

    platform: str  # "slack" | "discord"
    channel: str
    message: str
    at: datetime


def message_link(url: str) -> MessageLink | None:
    """The message a chat permalink points to, or None for any other URL."""
    if "/archives/" not in url and "/channels/" not in url:
        return None  # most URLs: no parse (the derive asks this of every resource)
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").casefold()
    if host.endswith(".slack.com"):
        found = _SLACK_PATH.match(parts.path)
        if found is None:
            return None
        ts = f"{found['sec']}.{found['frac']}"
        return MessageLink("slack", found["channel"], ts, _utc(float(ts)))
    if host.removeprefix("www.") in _DISCORD_HOSTS:
        found = _DISCORD_PATH.match(parts.path)
        if found is None or found["guild"] == "@me":
            return None  # a direct message: never tracked
        message = found["message"] or found["channel"]
        at = _utc(((int(message) >> 22) + _DISCORD_EPOCH_MS) / 1000)
        return MessageLink("discord", found["channel"], message, at)
    return None


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
