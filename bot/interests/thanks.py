"""Being thanked by name: "<@simon> for WGLMakie, it now works out of the box in VS Code".

Communities say who helped them in words, not only in reactions: a thanks that names a member
(an @-mention) is evidence that she knows what she is thanked for, from someone who was
helped. It counts when the message says thanks (`GRATITUDE`) or is a post of its own in a
channel kept for thanks (`#appreciation`, `#kudos`, `#shoutouts`: there a post is a thanks;
the replies under it are conversation). It does not count when it asks something, nor inside
a thread the mentioned member started ("thanks @ana for reporting it": she asked). A message
thanking several members shares its weight among them.

What she is thanked for: a post of its own, its words; a reply in a thread, what the thread
asked ("thanks @ana, that worked" says nothing itself), its own words counting half; and the
topics of a link it or the thread's question shared (half).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.mentions import MENTION, without_mentions
from bot.questions import is_question
from storage.interests import Mentioned

__all__ = [
    "GRATITUDE",
    "Thanked",
    "is_thanks_channel",
    "thanked",
    "thanks_someone",
    "words_to",
]

# Words that thank. Not "worked" or "helped" alone: "I worked with @ana on X" thanks nobody.
GRATITUDE = re.compile(
    r"\b(?:thanks?|thank[- ]you|thx|tysm|kudos|shout[- ]?outs?|props to|appreciat\w*|grateful"
    r"|gratitude|hats off)\b|ありがと|感謝|助かりました|お礼",
    re.IGNORECASE,
)
# Channels whose posts are thanks by convention.
_THANKS_CHANNEL = re.compile(
    r"appreciat|thank|kudos|shout[-_ ]?outs?|gratitude|praise|props|wins|感謝", re.IGNORECASE
)
# Thanks for reporting, asking or giving feedback ("for a truly excellent bug report", "thanks
# for the feedback everyone!", "thanks for the heads up"): she brought the matter up, which
# shows nothing she knows; the rest of the thanks ("and for showing me Vararg{}") still counts.
_FOR_BRINGING_UP = re.compile(
    r"\bfor (?:(?:a|an|the|this|that|your|all the|all|these|those|such an?)\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:bug reports?|reports?|feedback|heads[- ]?up|questions?"
    r"|(?:reporting|asking|raising|flagging|catching)(?: (?:this|it|that|these))?"
    r"|(?:pointing|bringing) (?:this|it|that) (?:out|up))\b",
    re.IGNORECASE,
)
# Whom a thanks is to, which is not what for ("thanks for the feedback everyone!" had kept
# `everyone`, and with it the link in the advice to one of them: `highcharts`).
_ADDRESSEES = re.compile(
    r"\b(?:every(?:one|body)|all|guys|folks|y'?all|team|people|again|so much|a lot)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]{2,}")
RESOURCE_SHARE = 0.5  # of a shared link's topics in what a thanks is for
QUESTION_SHARE = 0.5  # of the thread's question, as for an answer


@dataclass(frozen=True, slots=True)
class Thanked:
    """A thanks naming a member, with the topics it thanks her for."""

    member_id: int
    message_id: int  # the thanking message (someone else's)
    at: datetime
    topics: Sequence[tuple[str, float]]
    weight: float  # 1.0 for a thanks naming her alone
    thread: int  # the conversation: its root, or the message itself


def is_thanks_channel(name: str | None) -> bool:
    return bool(name) and bool(_THANKS_CHANNEL.search(name or ""))


def thanks_someone(m: Mentioned) -> bool:
    """Does this message thank the member it mentions (see the module docstring)?"""
    return _thanked_words(m) is not None


def _thanked_words(m: Mentioned) -> str | None:
    """The words she is thanked for (see `_thanked_with`), reports and feedback left out; None
    when she is thanked for nothing else ("thanks for the report!")."""
    words = _thanked_with(m)
    if words is None:
        return None
    kept = _FOR_BRINGING_UP.sub(" ", words)
    if kept != words and not _WORD.search(_ADDRESSEES.sub(" ", GRATITUDE.sub(" ", kept))):
        return None  # "thanks for the feedback everyone!": for nothing they know
    return kept


def _thanked_with(m: Mentioned) -> str | None:
    """The words she is thanked with, or None when the message does not thank her. A message
    naming several members in turn ("thanks for the feedback everyone! <@javier>: great idea
    about the colours. <@dinesh>: try the highcharter package") gives each the words addressed
    to her; when only the opening thanks, everyone is thanked for the opening's words, and the
    advice given to one of them is not what she is thanked for."""
    if is_question(m.text):
        return None
    if not m.top_level and m.root_author_id == m.member_id:
        return None  # thanked in her own thread: for asking or reporting, not for knowing
    parts = _addressed(m.text, m.member_external_id) if m.mentions > 1 else None
    post_of_thanks = m.top_level and is_thanks_channel(m.channel)
    if parts is None:
        if GRATITUDE.search(m.text) or post_of_thanks:
            return without_mentions(m.text)
        return None
    opening, hers = parts
    if GRATITUDE.search(hers) or (post_of_thanks and hers.strip()):
        return without_mentions(hers)
    if GRATITUDE.search(opening):
        return without_mentions(opening)
    return None


def words_to(text: str, external_id: str) -> str:
    """The words of a thanks that were for this member, to quote as her evidence: the part
    addressed to her when the message names several members in turn and thanks her there,
    else its opening thanks with the words for her, else all of it; mentions taken out."""
    parts = _addressed(text, external_id)
    if parts is not None:
        opening, hers = (without_mentions(p) for p in parts)
        if GRATITUDE.search(hers):
            return hers
        if GRATITUDE.search(opening):  # thanks to all, then a word for each
            return f"{opening} … {hers}" if hers else opening
    return without_mentions(text)


# Mentions in a row ("<@a> and <@b>, thanks!", "<@a> & <@b>") are one group of addressees.
_JOINER = re.compile(r"^[\s,&+/:;.!-]*(?:and|&amp;|cc)?[\s,&+/:;.!-]*$", re.IGNORECASE)


def _addressed(text: str, external_id: str) -> tuple[str, str] | None:
    """(the words before the first mention, the words addressed to this member: after her
    group of mentions up to the next), or None when the markup does not say where she is."""
    marks = list(MENTION.finditer(text))
    if len(marks) < 2 or not external_id:
        return None
    mine = next((i for i, mark in enumerate(marks) if mark.group(1) == external_id), None)
    if mine is None:
        return None
    last = mine
    while last + 1 < len(marks) and _JOINER.match(
        text[marks[last].end() : marks[last + 1].start()]
    ):
        last += 1
    end = marks[last + 1].start() if last + 1 < len(marks) else len(text)
    return text[: marks[0].start()], text[marks[last].end() : end]


def thanked(
    mentioned: Iterable[Mentioned],
    topics_of: Callable[[str, str, str | None], Sequence[tuple[str, float]]],
    resource_topics: Mapping[int, Sequence[tuple[str, float]]],
    replied_in: Collection[tuple[int, int]] = (),
    k: int = 6,
) -> list[Thanked]:
    """The mentions that thank, each with what it thanks for. `topics_of(question, reply,
    channel)` gives the topics of a message in its conversation (`Corpus.conversation_topics`).
    `replied_in` holds (member, thread root) pairs where the member replied: a thanks there is
    already counted, as the asker thanking for her answer (`answers.THANKED_FACTOR`)."""
    out: list[Thanked] = []
    for m in mentioned:
        words = _thanked_words(m)  # None: the message does not thank her
        if words is None:
            continue
        if m.root_id is not None and (m.member_id, m.root_id) in replied_in:
            continue
        if m.root_id is not None:  # "thanks @ana, that worked": for what the thread asked
            scores = dict(topics_of(words, m.root_text, m.channel))
        else:
            scores = dict(topics_of("", words, m.channel)) if words.strip() else {}
        for rid in m.resource_ids:
            for topic, weight in resource_topics.get(rid, ()):
                scores[topic] = scores.get(topic, 0.0) + RESOURCE_SHARE * weight
        ranked = sorted(scores.items(), key=lambda ts: (-ts[1], ts[0]))[:k]
        if not ranked or ranked[0][1] <= 0:
            continue
        top = ranked[0][1]
        out.append(
            Thanked(
                m.member_id,
                m.message_id,
                m.at,
                [(t, round(s / top, 4)) for t, s in ranked],
                1.0 / math.sqrt(max(1, m.mentions)),
                m.root_id if m.root_id is not None else m.message_id,
            )
        )
    return out
