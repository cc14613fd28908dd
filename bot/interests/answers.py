"""Which replies show that someone knows something.

Most expertise in a community of practice is never a link: it is the reply that solves
someone's problem. A reply counts as an answer when it is substantive (not "thanks", "+1" or
another question) and its thread's root was written by someone else; it counts fully when
that root asks something (see `profiles.is_question`), and as discussion otherwise.
"""

from __future__ import annotations

import re

from bot.interests.profiles import is_question
from bot.questions import short_text_cache

__all__ = ["is_acknowledgement", "is_answer", "is_substantive"]

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


def is_thanks(text: str | None) -> bool:
    """Does this message thank someone or say that their answer worked?"""
    folded = (text or "").casefold()
    return any(marker in folded for marker in THANKS_MARKERS)


def is_acknowledgement(text: str | None) -> bool:
    """True for "thanks!", "sure", "+1", "ありがとうございます": replies that say nothing.
    (No text at all is not one: a reply may be just a file.)"""
    if not text:
        return False
    cleaned = _MARKUP.sub(" ", text).strip()
    if not cleaned or _ACK.match(cleaned):
        return True
    # "I will, thanks", "ok thx!": a few words around a thank-you.
    return len(_WORDS.findall(cleaned)) <= 4 and bool(_THANKS.search(cleaned))


@short_text_cache
def is_substantive(text: str | None) -> bool:
    """A reply with something in it: not an acknowledgement, not another question, and at
    least a few words (or some code or a link)."""
    if not text or is_acknowledgement(text) or is_question(text):
        return False
    if "`" in text or "http" in text:
        return True
    cjk = len(_CJK.findall(text))
    return cjk >= 8 or len(_WORDS.findall(text)) >= 4


def is_answer(reply_text: str | None, root_text: str | None) -> bool:
    """A substantive reply to a question someone else asked."""
    return is_substantive(reply_text) and is_question(root_text)
