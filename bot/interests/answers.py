"""Which replies show that someone knows something.

Most expertise in a community of practice is never a link: it is the reply that solves
someone's problem. A reply counts as an answer when it is substantive (not "thanks", "+1" or
another question) and its thread's root was written by someone else; it counts fully when
that root asks something (see `profiles.is_question`), and as discussion otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.interests.profiles import is_question
from bot.questions import proposes, short_text_cache

if TYPE_CHECKING:  # storage reads this module's thanks markers: no import back at run time
    from storage.interests import Reply

__all__ = [
    "ADJACENT_WEIGHT",
    "DISCUSSION_WEIGHT",
    "THANKED_FACTOR",
    "WORDLESS_FACTOR",
    "Answered",
    "answered",
    "hands_over",
    "is_acknowledgement",
    "is_answer",
    "is_me_too",
    "is_substantive",
]

_ACK = re.compile(
    r"^(?:thanks?(?: (?:a lot|so much|again|man|all|everyone|guys))?|thank you(?: (?:so much|all))?"
    r"|thx|ty|tysm|cheers|sure|ok(?:ay)?|k|yes|yep|yeah|yup|no|nope|nice|cool|great|awesome|lol"
    r"|haha+|got it|makes sense|agreed|same|this|exactly|indeed|perfect|wow|oh|ah|hmm+|\+1"
    r"|ありがとう(?:ございます|ございました)?|了解(?:です)?|なるほど(?:です)?|はい|いいね|すごい"
    r")(?: [!.:)(]*| *[!.]+)*$",
    re.IGNORECASE,
)
_THANKS = re.compile(r"\b(?:thanks?|thx|ty|tysm|cheers)\b|ありがと|感謝", re.IGNORECASE)
_MARKUP = re.compile(r":[a-z0-9_+\-]{1,40}:|<@[^>]+>|@\S+|[!.?,;)(\s]+$", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


# What an asker writes when an answer helped. Storage looks for these words (lowercased) in
# the asker's later messages of the thread; `is_thanks` is the same test in Python.
THANKS_MARKERS = (
    "thank",
    "thx",
    "worked",
    "works now",
    "solved",
    "that helps",
    "helped",
    "ありがと",
    "助かり",
    "解決しました",
    "感謝",
)


def _word_count(text: str) -> int:
    """Words of a text; Japanese runs its words together, so two characters make about one
    (as for titles)."""
    return len(_WORDS.findall(_CJK.sub(" ", text))) + len(_CJK.findall(text)) // 2


def is_thanks(text: str | None) -> bool:
    """Does this message thank someone or say that their answer worked?"""
    folded = (text or "").casefold()
    return any(marker in folded for marker in THANKS_MARKERS)


# Praise says nothing of the subject either: "Keep up the good work", "Great job!", "looks
# great", "well done, thanks", "お疲れ様です", "素晴らしいです".
_PRAISE = re.compile(
    r"^(?:\W*(?:wow|oh|ah|this|that|it|you|all)\W+)*(?:keep up the (?:good|great|awesome) work"
    r"|(?:great|good|nice|awesome|amazing|excellent|fantastic|wonderful|impressive) "
    r"(?:work|job|stuff|talk|post|writeup|write-up)|well done|(?:looks|sounds|seems) "
    r"(?:great|good|nice|awesome|amazing|cool|interesting)|love (?:it|this|that)"
    r"|good luck|congrat(?:s|ulations)|お疲れ様|素晴らし|すばらしい)",
    re.IGNORECASE,
)
PRAISE_WORDS = 8  # longer replies that open with praise mostly go on to say something


def is_acknowledgement(text: str | None) -> bool:
    """True for "thanks!", "sure", "+1", "ありがとうございます", "Keep up the good work":
    replies that say nothing. (No text at all is not one: a reply may be just a file.)"""
    if not text:
        return False
    cleaned = _MARKUP.sub(" ", text).strip()
    if not cleaned or _ACK.match(cleaned):
        return True
    if _PRAISE.match(cleaned):
        return _word_count(cleaned) <= PRAISE_WORDS
    # "I will, thanks", "ok thx!": a few words around a thank-you.
    return len(_WORDS.findall(cleaned)) <= 4 and bool(_THANKS.search(cleaned))


# "Same issue here", "No luck, same error", "I'm facing the exact same one", "and getting the
# same error": the replier has the problem too, which says nothing of knowing the answer.
_SAME = r"(?:the\s+|a\s+)?(?:exact\s+|very\s+)?same\b"
_ME_TOO = re.compile(
    r"^\W*(?:(?:yes|yeah|yep|ok|okay|hmm|no luck|still)\W+)?"
    r"(?:same(?:\s+(?:issue|problem|error|bug|thing|result)s?)?(?:\s+here)?|me\s+too)\b"
    r"|(?:\bi|\bwe|\bi'm|\bi am|\bwe're|\bwe are|\bi've|\bwe've)\s+"
    r"(?:also\s+|still\s+|now\s+|just\s+)?"
    r"(?:have|having|had|got|get|getting|see|seeing|face|facing|hit|hitting|encounter(?:ed|ing)?"
    r"|experienc(?:e|ed|ing)|running into|ran into)\s+(?:exactly\s+)?" + _SAME + r"|"
    r"(?:^|[.!,;]\s*|\band\s+|\balso\s+|\bstill\s+)"
    r"(?:getting|seeing|having|facing|hitting)\s+" + _SAME,
    re.IGNORECASE,
)
ME_TOO_CHARS = 300  # longer replies that mention the same error mostly go on to its cause


def is_me_too(text: str | None) -> bool:
    """A short reply saying the replier has the same problem (not an answer to it)."""
    if not text or len(text) > 4 * ME_TOO_CHARS:
        return False
    lowered = text.lower()
    if "same" not in lowered and "too" not in lowered:
        return False  # every match says one or the other: most replies skip the search
    cleaned = _MARKUP.sub(" ", text).strip()
    return len(cleaned) <= ME_TOO_CHARS and bool(_ME_TOO.search(cleaned))


# A wish for what does not exist yet ("…would be huge", "I wish it were easier", "long awaited
# feature") says what the member lacks, not what they know.
_WISH = re.compile(
    r"\bwould(?: really| also| just)? be (?:really |so |very |super |pretty )?"
    r"(?:huge|great|nice|awesome|cool|amazing|helpful|useful|lovely|neat|handy|ideal|fantastic"
    r"|wonderful|sweet)\b"
    r"|\b(?:i|we) wish\b|\blong[- ]awaited\b|\bwould love (?:to see|it if|if)\b",
    re.IGNORECASE,
)
WISH_WORDS = 30  # a longer reply that voices a wish mostly explains things too


def is_wish(text: str | None) -> bool:
    """A short reply that voices a wish ("Would be nice if there was an easy way to recover the
    last temp env"), with no code or link in it: no answer."""
    if not text or "`" in text or "http" in text or not _WISH.search(text.replace("’", "'")):
        return False
    return len(_WORDS.findall(text)) <= WISH_WORDS


# A member named, or a link to another conversation (a chat message's own address).
_POINTER = re.compile(
    r"<[@#]!?[A-Za-z0-9]+(?:\|[^>]*)?>|https?://(?:[\w-]+\.)?(?:discord(?:app)?\.com/channels/"
    r"|slack\.com/archives/)",
    re.IGNORECASE,
)
_LINK_OR_EMOJI = re.compile(r"<[^<>]*>|https?://\S+|:[a-z0-9_+\-]{1,40}:", re.IGNORECASE)
_ADDRESSED = re.compile(r"\s*(?:<@!?[A-Za-z0-9]+(?:\|[^>]*)?>\s*[,:]?\s*)*")
HANDOVER_WORDS = 12  # a reply this short that names a member points to them


def hands_over(text: str | None) -> bool:
    """A short reply that points elsewhere instead of answering: to another member ("That
    would be @X I guess", "I think you mean other @Wim") or to another conversation ("I
    replied to the same question in this thread <discord.com/channels/…>"). It says where
    the answer is, not that the replier knows it (who-knows had quoted both as answers).
    Code in it is an answer whoever it names."""
    if not text or "`" in text:
        return False
    # A mention that opens the reply addresses it ("@Tim: i guess they don't host any
    # webcams", Slack's old way of replying; its file shares open with the sharer's own).
    addressed = _ADDRESSED.match(text)
    if not _POINTER.search(text, addressed.end() if addressed else 0):
        return False
    said = _LINK_OR_EMOJI.sub(" ", text)
    return _word_count(said) <= HANDOVER_WORDS


SUBSTANTIVE_WORDS = 4


@short_text_cache
def is_substantive(text: str | None) -> bool:
    """A reply with something in it: not an acknowledgement, not another question, not a
    "same here", and at least a few words (or some code or a link)."""
    if not text or is_acknowledgement(text) or is_question(text) or is_me_too(text):
        return False
    if is_wish(text):
        return False
    if "`" in text or "http" in text:
        return True
    cjk = len(_CJK.findall(text))
    # an emoji's or a mention's name is no word: "Awesome first tweet :slightly_smiling_face:"
    return cjk >= 8 or len(_WORDS.findall(_MARKUP.sub(" ", text))) >= SUBSTANTIVE_WORDS


def is_answer(reply_text: str | None, root_text: str | None) -> bool:
    """A substantive reply to a question someone else asked."""
    return is_substantive(reply_text) and is_question(root_text)


# --- which replies count, and how much ------------------------------------------------------

DISCUSSION_WEIGHT = 0.4  # a substantive reply in a thread that asked nothing, vs an answer
ADJACENT_WEIGHT = 0.7  # the next message after a question, in a channel without threads
THANKED_FACTOR = 1.5  # an answer its asker thanked for or reacted to
# A reply naming no subject of its own takes all its topics from the question: of 25 such
# replies to questions in the julialang and Infrahub data, drawn at random, 11 answered ("You
# can inspect the `methods`", a docs link), 14 did not ("man, I spent 3-4 hours on this", "I'll
# have a look"); at half weight, judged profiles' topics 68 -> 69 of 295, nothing else moved.
WORDLESS_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class Answered:
    """A reply that shows knowledge, with the topics of what it answered."""

    member_id: int
    message_id: int
    at: datetime
    topics: Sequence[tuple[str, float]]
    weight: float  # 1.0 for an answer to a question, less for plain discussion
    thread: int  # the root message: answers in one thread count as one conversation
    kind: str = "answered"  # or "thanked": someone else's message thanking them by name


def answered(
    replies: Iterable[Reply],
    topics_of: Callable[[str, str, str | None], Sequence[tuple[str, float]]],
    own_topics: Callable[[str], Sequence[tuple[str, float]]] | None = None,
    introduces: Callable[[Reply], bool] | None = None,
) -> list[Answered]:
    """The replies that show knowledge (substantive, in someone else's thread), each with
    the topics of the question and the reply together. A reply to a shared link that asked
    nothing already counts as discussing that link (see `knowledge_scores`), not again here.
    A reply to someone's introduction (`introduces`) is about what it says itself: the
    newcomer's subjects are theirs, not the welcomer's ("majoring in Electrical Engineering…
    any tips?" answered with "this might be a good first issue")."""
    out: list[Answered] = []
    asked_in: dict[int, bool] = {}  # a thread's root asks once, however many replies it has
    for r in replies:
        if not is_substantive(r.text) or hands_over(r.text):
            continue
        asked = asked_in.get(r.root_id)
        if asked is None:
            # an invitation or proposal ("want to do a lightning talk on this?") asks for
            # a yes, not for knowledge: its replies are discussion
            asked = asked_in[r.root_id] = is_question(r.root_text) and not proposes(r.root_text)
        if r.root_shares and not asked:
            continue
        if r.adjacent and not asked:
            continue  # the next message after a statement is conversation, not an answer
        weight = (ADJACENT_WEIGHT if r.adjacent else 1.0) if asked else DISCUSSION_WEIGHT
        if asked and r.thanked:  # the asker said it helped (or reacted to it)
            weight *= THANKED_FACTOR
        elif own_topics is not None and not own_topics(r.text):
            weight *= WORDLESS_FACTOR
        found: Sequence[tuple[str, float]]
        if introduces is not None and introduces(r):
            found = own_topics(r.text) if own_topics is not None else []
        else:
            found = topics_of(r.root_text, r.text, r.channel)
        if found:
            out.append(Answered(r.member_id, r.message_id, r.at, found, weight, r.root_id))
    return out
