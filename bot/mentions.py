"""Who a message names: the user mentions in its markup.

Slack writes a mention as `<@U024BE7LH>` (an older export may add a label, `<@U024BE7LH|bob>`);
Discord as `<@80351110224678912>`, or `<@!80351110224678912>` for a server nickname; a mention
pasted from Slack's client arrives as a link to the member's profile,
`<https://app.slack.com/team/U0121PJA7BN|Nagatatz>` (haskell-jp's export). All are read here,
once, so the live adapters and the importers find exactly the same members. What a mention
means (thanks, a question addressed to someone) is decided by whoever reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.model import Actor

__all__ = ["MENTION", "mentioned_ids", "merge_mentions", "readable", "without_mentions"]

# A Slack user id (U…/W…) or a Discord snowflake; channel (`<#…>`), group (`<!subteam^…>`) and
# role (`<@&…>`) mentions name no member.
MENTION = re.compile(
    r"<(?:@!?|https?://(?:[\w-]+\.)?slack\.com/team/(?=[UW]))([UW][A-Z0-9]{2,20}|\d{5,25})"
    r"(?:\|[^<>]*)?>"
)
_PROFILE_LINK = "slack.com/team/"


def mentioned_ids(text: str | None) -> tuple[str, ...]:
    """The ids of the members a message's markup mentions, in order, each once."""
    if not text or ("<@" not in text and _PROFILE_LINK not in text):
        return ()
    return tuple(dict.fromkeys(MENTION.findall(text)))


def merge_mentions(*groups: Iterable[Actor]) -> tuple[Actor, ...]:
    """Mentions from several sources (a payload's `mentions` list, the text's markup), each
    member once; a named actor is kept over a bare id."""
    out: dict[str, Actor] = {}
    for group in groups:
        for actor in group:
            known = out.get(actor.external_id)
            if known is None or (not known.display_name and actor.display_name):
                out[actor.external_id] = actor
    return tuple(out.values())


# A mention as stored: the markup (imports, Discord) or, from Slack's live text, `@U024BE7LH`.
_STORED_MENTION = re.compile(
    r"<@!?[^<>\s]+>|<https?://(?:[\w-]+\.)?slack\.com/team/[UW][A-Z0-9]+(?:\|[^<>]*)?>"
    r"|(?<!\w)@(?:[UW][A-Z0-9]{6,20}|\d{15,25})\b"
)


# Lines quoting someone else: Slack's escaped `&gt; `, Discord's and markdown's `> `.
_QUOTED_LINE = re.compile(r"^[ \t]*(?:&gt;|>)(?: [^\n]*)?(?:\n|$)", re.MULTILINE)
_QUOTE_MARK = re.compile(r"^[ \t]*(?:&gt;|>) ?")
_CODE_FENCE = re.compile(r"```")


def split_quoted(text: str) -> tuple[str, str]:
    """A message's own words and the lines it quotes from someone else ("> how do I…?"
    then the answer): a quote of the member shows only their own."""
    if ">" not in text and "&gt;" not in text:
        return text, ""
    parts = _CODE_FENCE.split(text)
    quoted: list[str] = []
    for n in range(0, len(parts), 2):  # odd parts are inside ``` fences: a shell or REPL
        # prompt there ("> stack exec ghc") is code, not a quote
        quoted.extend(
            _QUOTE_MARK.sub("", m.group(), count=1) for m in _QUOTED_LINE.finditer(parts[n])
        )
        parts[n] = _QUOTED_LINE.sub("", parts[n])
    return "```".join(parts), "".join(quoted)


def without_mentions(text: str | None) -> str:
    """The words of a message without the members it mentions ("<@U1> for the fix" -> "for
    the fix"): an id is not a subject, and a quote shown to members should not show ids."""
    if not text:
        return ""
    return _LEADING_PUNCTUATION.sub("", " ".join(_STORED_MENTION.sub(" ", text).split()))


# Other markup a message carries: Slack `<#C1|general>` / Discord `<#123>` channels, Slack
# `<!here>` and `<!subteam^S1|@team>` specials, Discord `<:name:123>` custom emoji.
_CHANNEL = re.compile(r"<#[A-Z0-9]+\|([^<>]*)>|<#\d+>")
_SPECIAL = re.compile(r"<!(?:subteam\^[A-Z0-9]+\|@?([^<>]*)|(here|channel|everyone)(?:\|[^<>]*)?)>")
_CUSTOM_EMOJI = re.compile(r"<a?(:[A-Za-z0-9_]{2,32}:)\d+>")
_SPACES = re.compile(r"[ \t]{2,}")
# What a mention left behind at the start ("<@U1>, <@U2> & <@U3>: look"), but not the `&`
# of Slack's escapes: "&gt; quoted" had read "gt; quoted".
_LEADING_PUNCTUATION = re.compile(r"^(?:[,.:;\-— ]|&amp;|&(?![a-z]{2,6};))+")
_LABELLED_LINK = re.compile(r"<(?:https?|mailto):[^<>|\s]*\|([^<>]+)>", re.IGNORECASE)


def link_labels(text: str) -> str:
    """Slack's labelled links (`<url|label>`) as their labels: the words a reader sees."""
    return _LABELLED_LINK.sub(r"\1", text) if "|" in text else text


def readable(text: str, names: Mapping[str, str | None] | None = None) -> str:
    """A member's words as others read them in a digest or a reply: a mention becomes the
    member's name (`names`: id -> display name, None for one who may not be named), or goes
    when the name is not given, never a raw id; channels read `#general`, Slack's specials
    `@here`, custom emoji `:name:`, a labelled Slack link its label. Quoted as is, the
    markup showed ids and, in a post that may mention members, would ping whoever a
    question named."""
    if "<" not in text:
        return text

    def member(match: re.Match[str]) -> str:
        name = (names or {}).get(match.group(1))
        return f"@{name}" if name else " "

    text = MENTION.sub(member, text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(1)}" if m.group(1) else "#channel", text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(1) or m.group(2)}", text)
    text = _CUSTOM_EMOJI.sub(r"\1", text)
    text = link_labels(text)
    return _LEADING_PUNCTUATION.sub("", _SPACES.sub(" ", text).strip())
