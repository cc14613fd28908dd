"""Where a two-word phrase may form in chat text and titles, and where it may not.

The token path of topic extraction (`bot.interests.topics`) pairs neighbouring words into
phrases (`machine learning`, `proposed change`); a phrase must not cross a clause, a pair of
alternatives ("netbox/nautobot"), the end of a hyphenated modifier, or open on a verb ("I guess
Flux" is no `guess flux`). Each rule is measured over every distinct text of the four shared
exports (the figures are by each rule).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.interests.terms import (
    finite_verb,
    may_be_verb,
    only_adverb,
    only_verb,
    opens_no_subject,
)

__all__ = ["WORD", "key_phrase", "phrase_runs", "without_leading_verb"]

WORD = re.compile(r"[^\W_]+(?:['.][^\W_]+)*(?:\+\+|#)?")  # a word, `c++`, `c#`, `node.js`

# Where a phrase ends: punctuation between words ("metrics, machine learning" holds no
# `metrics machine`), a slash between alternatives ("netbox/nautobot", "username/password":
# 215 such pairs over the four shared exports, none a subject), a sentence's full stop, a
# dash set off by spaces or doubled ("the most trivial detail-- head over to"), a plus or an
# ampersand between words ("tableau + mapbox", "geometry+material"), a line break.
# Two short words joined by a slash are one name: `ci/cd`, `tcp/ip`, `tx/rx`.
_SHORT_PAIR = re.compile(r"(?<![\w/])([^\W\d_]{1,3})/([^\W\d_]{1,3})(?![\w/])")
_CLAUSE_BREAK = re.compile(
    r"[,;:!?()\[\]{}\"|*/]|\.(?=\s|$)|\s[-\u2013\u2014]+\s|-{2,}|[\u2013\u2014]|\n"
    r"|\s[+&]\s|(?<=[^\W\d_]{2})\+(?=[^\W\d_]{2})"
)


def phrase_runs(prepared: str, kept: Callable[[str], str | None]) -> list[list[str]]:
    """The words of a prepared (casefolded) text in runs that a two-word phrase may not cross:
    clauses, and the gaps left by words `kept` drops (`julia 1.6 highlights` holds no `julia
    highlights`); `kept` gives each word as topics use it, or None for noise and junk."""
    runs: list[list[str]] = []
    if "-" in prepared:
        # A word after a negation or degree ("non-blocking", "never-ending", "anti-pattern",
        # "well-known") means something else alone: `blocking`, `ending` are no topics.
        prepared = _NEGATED_TAIL.sub(" | ", prepared)
        # The end of a hyphenated modifier ("command-line tool", "third-party library",
        # "never-ending race") makes no phrase with the word after it: `line tool`, `party
        # library`, `ending race` name nothing.
        prepared = _HYPHEN_TAIL.sub(r"\g<0> |", prepared)
    if "/" in prepared:
        prepared = _SHORT_PAIR.sub(r"\1 \2", prepared)  # `ci/cd`, `tcp/ip` stay one phrase
    for clause in _CLAUSE_BREAK.split(prepared):
        run: list[str] = []
        before = ""
        for w in WORD.findall(clause):
            if (word := kept(w)) is not None:
                if before in _VERB_NEXT and may_be_verb(word):
                    # "I guess Flux…", "we use Makie", "anywhere we can browse?": a verb,
                    # no subject of its own, and no phrase opens on it
                    if run:
                        runs.append(run)
                    run = []
                else:
                    run.append(word)
            elif run:
                runs.append(run)
                run = []
            before = w
        if run:
            runs.append(run)
    return runs


_OPENS = frozenset(".!?:|\n")


def word_before(phrase: str, text: str) -> tuple[str | None] | None:
    """Where `phrase` is first written in `text` at the start of the text, of a sentence or
    after a word: that word (None at a start), or None where it is nowhere so placed. What
    `re.search(r"(?:^|(?<=[.!?:|\\n])\\s*|(\\S+)\\s+)" + re.escape(phrase), text)` finds,
    without compiling that expression for every phrase (a sixth of `without_leading_verb`'s
    time and a fifth of all regular expressions compiled while deriving an export)."""
    best: tuple[int, str | None] | None = None
    at = text.find(phrase)
    while at >= 0:
        if at == 0:
            return (None,)  # nothing starts earlier
        gap = at
        while gap > 0 and text[gap - 1].isspace():
            gap -= 1
        start: int | None = None
        word: str | None = None
        if gap < at and gap > 0:  # a word, then white space: the match starts at the word
            start = gap
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            word = text[start:gap]
        elif gap > 0 and text[gap - 1] in _OPENS:
            start = gap
        elif (newline := text.find("\n", gap, at)) >= 0:
            start = newline + 1
        if start is not None and (best is None or start < best[0]):
            best = (start, word)
        at = text.find(phrase, at + 1)
    return None if best is None else (best[1],)


def without_leading_verb(phrase: str, text: str) -> str:
    """A key phrase without the verb it opens on, where the text shows it is one: after its
    subject or a modal ("cannot query utilization details" -> `utilization`), or opening a
    title or sentence as a command, for a word English uses only as a verb ("Improve Routing
    by …" -> `routing`). Over every stored title of the four shared exports: 15 phrases, all
    a verb and its object (`add support`, `bring julia`, `understand port`); after an issue's
    label ("task: Add ability to…", "feature: Delete Branch…", "Proposal: Consolidate…") 6
    more, all a verb and its object (`add identifier`, `improve error`, `consolidate redis`);
    after "to" or an adverb, for a word English uses only as a verb ("How to deploy Infrahub",
    "slightly improve Julia…") 6 more (`deploy infrahub`, `reset dropdown`, `improve julia`)."""
    words = phrase.split()
    if len(words) < 2 or not phrase.isascii():
        return phrase
    first = words[0].casefold()
    found = word_before(phrase.casefold(), text)
    if found is None:
        return phrase
    before = found[0]
    if before is not None and before[-1] in ".!?:|":
        before = None  # after a label: "feature: Delete Branch When…", "bug: …"
    if before is not None:
        # "to add …", "slightly improve …": before a word that is only a verb, `to` is no
        # preposition and an adverb modifies that verb
        verb = (before in _VERB_NEXT and may_be_verb(first)) or (
            (before == "to" or only_adverb(before)) and only_verb(first)
        )
    else:  # a title of two words is as often a name ("Google Fonts", "Log scale")
        verb = only_verb(first) and len(text.split()) > 2
    return " ".join(words[1:]) if verb else phrase


def key_phrase(phrase: str) -> str | None:
    """A key phrase of a title shaped as a subject's name, as the token path pairs words: not
    opening on an adverb, a word of praise or a verb's third-person form ("slightly improve",
    "excellent open", "Brain Introduces Symbolic…" -> `symbolic`), and None when it ends on a
    verb's past or third-person form ("Einstein hated", "this picture helped", "Google Brain
    Introduces"). YAKE ranks n-grams by position and case, not grammar. Of the topics shown for
    the four shared exports' resources this removed 25, none a subject's name."""
    words = phrase.split()
    while len(words) > 1 and opens_no_subject(words[0].casefold()):
        words = words[1:]
    if len(words) > 1 and finite_verb(words[-1].casefold()):
        return None
    return " ".join(words)


# Words a verb follows: its subject pronoun or a modal ("I guess Flux is…", "we use Makie",
# "you can load schemas"): there `guess`, `use`, `load` are verbs, not a phrase's first word.
# Not "to", which is a preposition as often ("dedicated to graph drawing", "an approach to
# style transfer"). Over every distinct text of the four shared exports this left out 92
# two-word terms of 94 texts, all a verb and its object (`love julia`, `run infrahub`).
_VERB_NEXT = frozenset(
    "i we you they he she can could will would should must might may "
    "don't didn't doesn't won't can't cannot".split()
)


_NEGATED_TAIL = re.compile(
    r"(?<![\w-])(?:non|never|anti|un|well|ill|ever|all|half|semi|quasi|pseudo)-[^\W_]+"
    r"(?![\w-])"
)
# The last part of a hyphenated word (`line` of `command-line`, `server` of
# `haskell-language-server`; not `branch` of the flag `--branch`).
_HYPHEN_TAIL = re.compile(r"(?<=[^\W_]-)[^\W_]+(?:['.][^\W_]+)*(?![\w'-]|\.[^\W_])")
