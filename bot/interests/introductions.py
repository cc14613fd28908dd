"""What members say about themselves where a community asks them to introduce themselves.

"I'm a PhD student with interests in robust statistics and microsimulation", posted in
#introductions, names the author's subjects in their own words: evidence a member would agree
with, and often the only evidence a newcomer has (208 of julialang's 4,056 messages are such
introductions, most by members who never share a link). Only the subjects the message *states*
count, the objects of "interested in", "my research is on", "I work on", "background in", "a
bioinformatics undergrad": never its places, schools, years of study or greetings, which a
whole-message keyphrase extractor picked up as often as the subjects (`iiit nagpur`,
`3rd year`, `merry xmax`).

Pure functions; `bot.interests.pipeline` reads the messages (`introductions`) and scores
what is found here.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.interests.terms import is_describing_word, is_junk, is_modifier_word, is_noun_word
from bot.interests.words import FUNCTION_WORDS

if TYPE_CHECKING:
    from storage.interests.values import Posted, Reply

__all__ = [
    "DEFAULT_CHANNELS",
    "MAX_STATED",
    "ROLE_WORKS",
    "Introduced",
    "introduced",
    "is_introductions_channel",
    "named_fields",
    "stated_subjects",
    "under_introduction",
]

# Channel names (glob patterns, matched casefolded) where members introduce themselves.
DEFAULT_CHANNELS: tuple[str, ...] = (
    "*intro*",  # introduction(s), intros, introduce-yourself, 01-introductions
    "welcome*",
    "*say-hello*",
    "*say-hi*",
    "newcomers*",
    "new-members*",
    "*自己紹介*",
)
MAX_STATED = 5  # clauses read from one message
_MAX_OBJECT = 160  # characters of one clause's object

# "interested in X", "my interests are in X", "my research is focused on X", "I work on X",
# "working on X", "background in X", "majoring in X", "studying X": the object, up to the
# end of its sentence or clause.
_STATED = re.compile(
    r"\b(?:"
    r"interest(?:ed|s)?(?:\s+(?:is|are|lie|lies|include|includes|align|mainly|mostly|primarily"
    r"|especially|particularly|currently|also|really|very|deeply|quite|mostly))*\s+(?:in|on)"
    r"|(?:my|our)\s+(?:main\s+|current\s+|primary\s+|research\s+|own\s+)?(?:focus|passion"
    r"|research|work|field|expertise|areas?\s+of\s+(?:interest|expertise|research|work))"
    r"(?:\s+(?:is|are|lies?|includes?|mainly|mostly|focused|centers?|centred|centered))*"
    r"(?:\s+(?:in|on|around|with))?"
    r"|(?:i|and)\s+(?:have\s+)?(?:mainly\s+|mostly\s+|currently\s+|also\s+)?(?:work|worked"
    r"|am\s+working|'m\s+working|specialize|specialise)(?:\s+(?:mainly|mostly|currently))?"
    r"(?:\s+in\s+the\s+(?:area|field)s?\s+of|\s+on|\s+in|\s+with)"
    r"|(?:i|and)\s+(?:have\s+)?(?:also\s+)?(?:study|studied|teach|taught|research|researched)"
    r"|(?:doing|do|did|conducting)\s+research\s+(?:on|in|into)"
    r"|working\s+(?:on|in|with)|pursuing(?:\s+(?:a|my)\s+\w+(?:'s)?\s+(?:in|of))?"
    r"|(?:background|experience|degree|phd|masters?|master's|bachelor'?s?|bsc|msc|mba|diploma"
    r"|majoring|majored|graduated)(?:\s+of\s+(?:science|arts|engineering))?\s+(?:in|with)"
    r"|(?:student|undergrad|undergraduate|researcher|postdoc|professor|lecturer|candidate"
    r"|graduate|grad|sophomore|freshman|junior|senior)\s+(?:in|of|studying)"
    r"|(?:i\s+am|i'm)\s+(?:currently\s+)?(?:studying|researching|learning)"
    r"|taking\s+(?:a|an|the)(?=\s+[^.?!;:\n()]+?\s+(?:class|course))"
    r")\s+(?P<object>[^.?!;:\n()]+)",
    re.I,
)
# "a bioinformatics undergrad", "a math PhD student", "a regular R user": the field before a
# role names what the author studies or does; the role alone names nothing.
_ROLES = frozenset(
    """student undergrad undergraduate graduate candidate researcher engineer developer
    scientist postdoc phd professor major enthusiast programmer user analyst consultant
    lecturer fan hobbyist addict specialist expert""".split()
)
_ROLE = re.compile(
    r"\b(?:i\s+am|i'm)\s+(?:a|an)\s+(?P<object>(?:[\w+#&/-]+\s+){1,3}?)"
    r"(?P<role>" + "|".join(sorted(_ROLES)) + r")\b",
    re.I,
)
# The work a role names, said with its field: "an electronic engineer" works in electronic
# engineering, "a data scientist" in data science (`electronic` alone is no subject).
_ROLE_WORK = {
    "engineer": "engineering",
    "developer": "development",
    "scientist": "science",
    "programmer": "programming",
    "analyst": "analysis",
}
# Those works alone, beside the field that says which (`engineering` beside `aerospace
# engineering`), say nothing more of the author (`introduction_topics` leaves them out).
ROLE_WORKS = frozenset(_ROLE_WORK.values())
# "a PhD student", "a first-year IT undergraduate", "a 3rd year CS student": the degree and
# the year say where the author is, not what about.
_YEAR_OR_DEGREE = re.compile(
    r"^(?:phd|ph\.d\.?|ms|msc|bsc|ba|ma|mba|masters?|master's|bachelor'?s?|grad|graduate"
    r"|senior|junior|sophomore|freshman|final|pre-final|prefinal|year|yr|[\w-]*year"
    r"|first|second|third|fourth|\d+(?:st|nd|rd|th)?)$",
    re.I,
)
# An object ends where the sentence turns to something else: "ML and data science work using
# julia and looking to contribute to the community" -> "ML and data science work using julia".
_OBJECT_END = re.compile(
    r"\s(?:but|so|because|since|while|although|though|which|who|where|when|if|at|from"
    r"|and\s+(?:i|i'm|am|looking|hope|hoping|want|would|have|excited|currently|also|now"
    r"|really|just|recently|then))\b|,\s*(?:have|i|i'm|am|but|so|and\s+i)\b"
    r"|\s(?:class|course)\b",
    re.I,
)
# 「圏論に興味があります」「型システムを研究しています」: the words before the marker.
_STATED_JA = re.compile(
    r"(?P<object>[^。、！？!?\n「」]{1,30}?)(?:に興味|を研究|の研究を|を専門|を勉強して)"
)

_ASIDE = re.compile(r"\s*\([^()\n]{0,40}\)")


def is_introductions_channel(name: str | None, patterns: Sequence[str] = DEFAULT_CHANNELS) -> bool:
    """Is this where members introduce themselves (`#introductions`, `#say-hello`)?"""
    if not name:
        return False
    folded = name.casefold().lstrip("#")
    return any(fnmatch.fnmatchcase(folded, p.casefold()) for p in patterns)


def under_introduction(reply: Reply, patterns: Sequence[str] = DEFAULT_CHANNELS) -> bool:
    """Does this reply answer someone's introduction (a welcome, a pointer for a newcomer)?
    Then it is about its own words, not the newcomer's subjects (`bot.interests.answers`)."""
    return is_introductions_channel(reply.channel, patterns) and bool(
        stated_subjects(reply.root_text)
    )


def stated_subjects(text: str | None) -> list[str]:
    """The clauses in which a message's author states what they work on, study or care about,
    in their words ("robust statistics, microsimulation, and health economic evaluation"); []
    when it states none (a welcome, a question, a moderator's note)."""
    if not text:
        return []
    plain = text.replace("’", "'").replace("&amp;", "&")
    plain = _ASIDE.sub(" ", plain)  # "My main focus (and passion) is probabilistic languages"
    found: list[tuple[int, str]] = []
    for pattern in (_STATED, _ROLE, _STATED_JA):
        pos = 0
        while (match := pattern.search(plain, pos)) is not None:
            said = _OBJECT_END.split(match.group("object"), maxsplit=1)[0].strip(" ,-–—")
            # the next clause may start inside this one's object ("…, and I work on X")
            pos = match.start("object") + max(1, len(said))
            if pattern is _ROLE:
                said = " ".join(w for w in said.split() if not _YEAR_OR_DEGREE.match(w))
                work = _ROLE_WORK.get(match.group("role").casefold())
                if said and work and len(said.split()) <= 2:
                    said = f"{said} {work}"
            if said:
                found.append((match.start("object"), said[:_MAX_OBJECT]))
    found.sort()
    return list(dict.fromkeys(said for _, said in found))[:MAX_STATED]


# Where one named field ends and the next begins in a stated clause: "Computer Science and
# Computational Modeling & Data Analytics", "stochastic processes, dynamical systems".
_FIELD_BREAK = re.compile(r"\s*(?:[,;/]|&|\band\b|\bor\b|\bas well as\b)\s*", re.I)


_DEGREE_IN = re.compile(
    r"^(?:(?:my|a|an|the)\s+)?(?:bachelor|master|bsc|msc|mba|phd|ph\.d\.?|degree|diploma)"
    r"(?:'?s)?(?:\s+of\s+(?:science|arts|engineering))?\s+(?:in|of)\s+",
    re.I,
)


def named_fields(stated: Sequence[str]) -> list[str]:
    """The fields a stated clause names whole, two or three words each (`intelligent
    systems`, `data analytics`, `business administration`): said of oneself, such a name is
    the subject even when each word is an everyday one, which the chat extractor leaves out
    (it would read `good point` too). A part holding a verb's object or a preposition
    ("developing packages in R") is no field's name."""
    # Imported here: `bot.config` reads this module's channel names at start-up, and the
    # topic extractor costs 0.1 s to import that a start does not need yet.
    from bot.interests.topics import normalize_topic

    out: list[str] = []
    for clause in stated:
        for part in _FIELD_BREAK.split(clause):
            part = _DEGREE_IN.sub("", part)  # "my Master's in business administration"
            words = part.split()
            if not 2 <= len(words) <= 4:
                continue
            name = normalize_topic(part, asked=True)
            named = name.split() if name else []
            if named and named[-1] in _ROLES:  # "a big data specialist": the field before it
                named = named[:-1]
            if not 2 <= len(named) <= 3:
                continue
            name = " ".join(named)
            if any(w in FUNCTION_WORDS or w in _SITUATION or is_junk(w) for w in named):
                continue
            if not all(is_modifier_word(w) for w in named[:-1]):
                continue
            if is_noun_word(named[-1]) and not is_describing_word(named[-1]):
                out.append(name)
    return list(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class Introduced:
    """An introduction's author, where and when it was posted, and the subjects it states."""

    member_id: int
    message_id: int
    at: datetime
    text: str
    channel: str | None
    topics: list[tuple[str, float]]


def introduced(
    posts: Sequence[Posted],
    topics_of: Callable[[Sequence[str]], Sequence[tuple[str, float]]],
    community_wide: Collection[str] = (),
    community: str = "",
) -> list[Introduced]:
    """The subjects each introduction states, as `topics_of` finds them in its stated clauses.
    What it says of the community's own subject ("excited to learn Julia", "the julia language
    and its applications", "the komodo platform": a word of most of its documents, or the start
    of a word of its name) is why they came, not what sets them apart."""
    named = _NAME_WORD.findall(community.casefold())

    def own(word: str) -> bool:  # `julia` of JuliaLang, `komodo` of "Komodo Platform"
        return word in community_wide or (len(word) >= 3 and any(n.startswith(word) for n in named))

    out: list[Introduced] = []
    for post in posts:
        stated = stated_subjects(post.text)
        if not stated:
            continue
        found = [
            (t, w)
            for t, w in topics_of(stated)
            if not any(own(x) or x in _SITUATION for x in t.split())
        ]
        if found:
            out.append(
                Introduced(post.member_id, post.message_id, post.at, post.text, post.channel, found)
            )
    return out


_NAME_WORD = re.compile(r"[^\W\d_]+")
# Words of the author's situation, never of a subject in an introduction: `basic knowledge`
# ("basic knowledge with CUDA"), `eecs dept`, `phd student`, `final year`.
_SITUATION = frozenset(
    """knowledge experience background dept department degree student undergrad undergraduate
    phd postdoc year semester university college school institute faculty career job position
    newbie beginner enthusiast fellow member retired related""".split()
)
