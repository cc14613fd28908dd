"""Chat words and plurals: which words never name a topic alone (YAKE's English stopwords
and the words of chat itself: `thanks`, `check`, `lol`), and how plural words fold to their
singular (`libraries` -> `library`, but `pandas`, `kubernetes`, `analysis` stay whole).
Word lists, kept apart from the extraction in `bot.interests.topics` that reads them.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["FUNCTION_WORDS", "STOPWORDS", "is_contraction", "singularize"]


def _yake_stopwords() -> frozenset[str]:
    """YAKE's English list, so both paths agree on what is not a word worth a topic. Read
    from the file in its wheel: importing yake pulls in networkx and numpy (0.25-1 s at
    start-up), which only key-phrase ranking needs, later."""
    words: list[str] = []
    spec = importlib.util.find_spec("yake")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for path in sorted(Path(folder).glob("**/StopwordsList/stopwords_en.txt"))[:1]:
            words = path.read_text("utf-8", errors="replace").splitlines()
    return frozenset(w.strip().replace("’", "'") for w in words if w.strip())


# Chat and web words that are everywhere in a community and never what a link is about.
_CHAT_WORDS = frozenset(
    [
        "thanks",
        "thank",
        "thx",
        "ty",
        "lol",
        "lmao",
        "haha",
        "hahaha",
        "yeah",
        "yep",
        "nope",
        "ok",
        "okay",
        "hey",
        "hi",
        "hello",
        "cool",
        "nice",
        "great",
        "awesome",
        "interesting",
        "link",
        "links",
        "check",
        "look",
        "looks",
        "looking",
        "read",
        "reading",
        "post",
        "posted",
        "share",
        "shared",
        "sharing",
        "article",
        "page",
        "site",
        "website",
        "blog",
        "https",
        "www",
        "com",
        "org",
        "net",
        "html",
        "htm",
        "amp",
        "utm",
        "pdf",
        "today",
        "yesterday",
        "tomorrow",
        "week",
        "weeks",
        "day",
        "days",
        "time",
        "times",
        "people",
        "thing",
        "things",
        "stuff",
        "lot",
        "lots",
        "bit",
        "kinda",
        "sorta",
        "gonna",
        "wanna",
        "guys",
        "folks",
        "everyone",
        "anyone",
        "someone",
        "somebody",
        "question",
        "questions",
        "answer",
        "idea",
        "ideas",
        "pretty",
        "really",
        "maybe",
        "probably",
        "actually",
        "basically",
        "good",
        "bad",
        "new",
        "old",
        "big",
        "small",
        "first",
        "last",
        "next",
        "general",
        "random",
        "misc",
        "chat",
        "channel",
        "channels",
        "announcement",
        "announcements",
        "introduction",
        "introductions",
        "off-topic",
        "offtopic",
        "help",
        "here's",
        "there's",
        "it's",
        "that's",
        "what's",
        "let's",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "you're",
        "we're",
        "they're",
    ]
)

# Chat shorthand, interjections (`yea` had been a member's third topic), Slack/Discord system
# messages ("pinned a message"), days and months.
_MORE_CHAT_WORDS = frozenset(
    """
    btw fyi imo imho tbh afaik iirc np pinned pin message messages added joined left reply
    idk fwiw omg lmk ftw tldr asap nvm rofl smh brb afk ikr ymmv irl tia ofc jk ngl rn pls plz
    wtf tho idc ttyl atm otoh thx ty
    yea yeahh nah hmm hmmm hm ugh huh whoa woah yay ooh oh ah aha ahh argh eh uh um umm oops
    welp hiya hehe heh hah yikes meh wow kudos congrats congratulations cheers bravo luck
    dont doesnt didnt cant wont isnt arent wasnt werent shouldnt couldnt wouldnt havent hasnt
    im ive id ill youre youve theyre weve thats whats theres heres lets e.g i.e etc eg ie vs
    aswell alot atleast infact eachother incase ofcourse everytime anyways
    file files upload uploaded uploads commented snippet attachment attachments avg
    replies thread threads monday tuesday wednesday thursday friday saturday sunday january
    february march april may june july august september october november december
    """.split()
)

# Words for who asks or is taught, not what ("a newbie like me", "beginner question", "Julia
# for beginners"): `beginner` had been a "Knows about" of 7 members on julialang.
_ASKER_WORDS = frozenset(
    "newbie newbies beginner beginners noob noobs novice novices newcomer newcomers rookie".split()
)

# What someone's help was like, said thanking them ("for his incredible persistence in getting
# the Pkg.jl tests to pass", "endless patience", "a special shoutout to…"): how they helped, not
# what about. `effort`, `patience`, `appreciation`, `perseverance` and the rest had been 35
# members' topics on julialang and Infrahub, from #appreciation threads and thank-yous.
_THANKS_WORDS = frozenset(
    """appreciation appreciations gratitude shoutout shoutouts patience perseverance
    persistence dedication diligence tenacity generosity kindness effort efforts""".split()
)

# YAKE's English list holds two content nouns: "proposed changes", "default value" are
# subjects, and `changes` (a stopword) against `change` (not) split one wording in two.
_CONTENT_NOUNS = frozenset({"changes", "value"})

# English's own small words (`the`, `what`, `thanks`): never a subject in any community, where
# the chat words (`check`, `post`) can name what one community's pages are about.
FUNCTION_WORDS: frozenset[str] = _yake_stopwords() - _CONTENT_NOUNS
STOPWORDS: frozenset[str] = (
    FUNCTION_WORDS | _CHAT_WORDS | _MORE_CHAT_WORDS | _ASKER_WORDS | _THANKS_WORDS
)

# "that'd", "that'll", "y'all", "ya'll", "we've": chat, never a subject ("What do y'all think"
# had made `y'all` a topic of a shared site); not a possessive (`julia's`) nor `b'get`.
_CONTRACTION = re.compile(r"[a-z]+['’](?:d|ll|re|ve|m|all)")


def is_contraction(word: str) -> bool:
    return _CONTRACTION.fullmatch(word) is not None


# Words that look plural but are names or mass nouns; and irregular plurals.
_NOT_PLURAL = frozenset(
    [
        "kubernetes",
        "jenkins",
        "pandas",
        "keras",
        "postgres",
        "windows",
        "macos",
        "ios",
        "ipados",
        "watchos",
        "tvos",
        "chaos",
        "kudos",
        "ethos",
        "cosmos",
        "news",
        "series",
        "species",
        "aws",
        "dns",
        # rates written as acronyms (Infrahub's hardware requirements: "5000 IOPS")
        "iops",
        "flops",
        "qps",
        "rps",
        "tps",
        "fps",
        "gbps",
        "mbps",
        "kbps",
        "https",
        "http",
        "css",
        "sass",
        "scss",
        "js",
        "ts",
        "gis",
        "rails",
        "express",
        "devops",
        "mlops",
        "gitops",
        "secops",
        "finops",
        "analytics",
        "physics",
        "graphics",
        "statistics",
        "mathematics",
        "economics",
        "robotics",
        "electronics",
        "ethics",
        "linguistics",
        "logistics",
        "semantics",
        "genomics",
        "bioinformatics",
        "informatics",
        "ergonomics",
        "dynamics",
        "mechanics",
        "politics",
        "canvas",
        "alias",
        "atlas",
        "bias",
        "gas",
        "lens",
        "status",
        "corpus",
        "virus",
        "campus",
        "bonus",
        "census",
        "focus",
        "radius",
        "nexus",
        "apparatus",
        "octopus",
        "cactus",
        "thesis",
        "analysis",
        "basis",
        "axis",
        "synopsis",
        "diagnosis",
        "hypothesis",
        "emphasis",
        "crisis",
        "redis",
        "elasticsearch",
        "mongoose",
        "ubuntu",
        "ops",
        "sales",
        "means",
        "whereas",
        "always",
        "perhaps",
        "pls",
        "yes",
        "plus",
        "minus",
        "less",
        "unless",
        "various",
        "previous",
        "famous",
        "numerous",
        "obvious",
        "series",
        "tennis",
        "cs",
        "ps",
        "os",
        "vs",
        "bus",
        "gps",
        "sms",
        "mms",
        "rss",
        "https",
        "ids",
        "ssl",
        "tls",
        "hls",
        "dos",
        "sos",
        "this",
        "does",
        "was",
        "has",
        "yes",
        "its",
    ]
)
_IRREGULAR = {
    "caches": "cache",
    "niches": "niche",
    "avalanches": "avalanche",
    "headaches": "headache",
    "cookies": "cookie",
    "movies": "movie",
    "zombies": "zombie",
    "selfies": "selfie",
    "pies": "pie",
    "ties": "tie",
    "lies": "lie",
    "dies": "die",
    "indices": "index",
    "matrices": "matrix",
    "vertices": "vertex",
    "children": "child",
    "people": "people",
    "men": "man",
    "women": "woman",
    "mice": "mouse",
    "geese": "goose",
    "feet": "foot",
    "teeth": "tooth",
    "data": "data",
    "criteria": "criterion",
    "phenomena": "phenomenon",
    "leaves": "leaf",
    "knives": "knife",
    # Plurals of nouns in -ic; the other -ics words are fields and stay (`physics`).
    "topics": "topic",
    "comics": "comic",
    "pics": "pic",
    "lyrics": "lyric",
    "clinics": "clinic",
    "critics": "critic",
    "epics": "epic",
    "lives": "life",
    "wolves": "wolf",
    "halves": "half",
    "shelves": "shelf",
    "heroes": "hero",
    "potatoes": "potato",
    "tomatoes": "tomato",
    "echoes": "echo",
    "vetoes": "veto",
    "quizzes": "quiz",
}
_I_PLURALS = {
    w: w[:-1] for w in "apis kpis guis uis clis uris emojis wikis taxis skis rois pois sdis".split()
}
_ASCII_WORD = re.compile(r"[a-z]+")


# Singular words ending in -os (most -os words are plurals: repos, demos, videos).
_SINGULAR_OS = frozenset(
    "paxos chaos kudos macos ios ethos cosmos pathos logos kairos tvos watchos ipados".split()
)


@lru_cache(maxsize=65536)
def singularize(word: str) -> str:
    """The singular of an English plural, conservatively (`apis` -> `api`, `libraries` ->
    `library`, `classes` -> `class`); names and mass nouns stay as they are.

    Consistency matters more than grammar: both forms of a word must map to one key.
    Moderators fix the rest with aliases."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or word in _NOT_PLURAL or not _ASCII_WORD.fullmatch(word):
        return word
    if word.endswith("js"):
        return word  # `nextjs`, `threejs`: JavaScript's, not the plural of `nextj`
    if word.endswith("is"):
        # "analysis", "redis", "houstondatavis" are singular; a few "-i" plurals are not.
        return _I_PLURALS.get(word, word)
    if word.endswith("us") and _u_plural(word):
        return word[:-1]  # `gpus`, `menus`, `gurus`: the plural of a word in -u
    if word.endswith(("ss", "us", "ous", "ics")) or word in _SINGULAR_OS:
        return word  # "class", "status", "famous", "physics", "paxos"
    if word.endswith(_SAME_IN_PLURAL):
        return word  # `timeseries`, `subspecies`: their last word is the same in the plural
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("ses") and len(word) >= 5:
        return _plural_in_ses(word)
    if word.endswith("as") and word not in _a_plurals():
        return word  # `texas`, `christmas`, `keras`, `vegas`: not `texa`, `christma`
    if word.endswith("os") and _unknown_os(word):
        return word  # `postmarketos`, `grapheneos`, `nixos`: a system's name, not `nixo`s
    if word.endswith("s") and not word.endswith("ss") and word not in _s_names():
        return word[:-1]
    return word  # `james`, `jenkins`, `tezos`: names, which English uses far more than the stem


_SAME_IN_PLURAL = ("series", "species", "news", "means")
# A processing unit's acronym in the plural (`gpus`, `cpus`, `tpus`, `apus`): the one -us that
# reads as a plural whatever the word lists say (`gpu` is too rare in everyday English to be in
# them); `opus` is the English word of that shape.
_UNITS = re.compile(r"[a-np-z]pus")


def _unknown_os(word: str) -> bool:
    """Is this -os word unknown to English's word lists, and so is its stem? Such a word is far
    more often a name (`postmarketOS`, `copperheadOS`, `multios`: 16 of 20 such words in the
    five exports) than the plural of an unknown word in -o; `repos`, `demos`, `macros` are
    listed, and fold."""
    from bot.interests.typos import is_english

    return not is_english(word) and not is_english(word[:-1])


def _u_plural(word: str) -> bool:
    """Is this -us word the plural of one in -u (`menus`, `gurus`, `gpus`), not a singular
    (`status`, `campus`, `virus`, `genus`)? The singular is the more common English word."""
    from bot.interests.terms import everyday_zipf

    if _UNITS.fullmatch(word):
        return True
    return everyday_zipf(word[:-1]) > everyday_zipf(word)


def _plural_in_ses(word: str) -> str:
    """`statuses` -> `status`, `lenses` -> `lens`, `aliases` -> `alias`, but `causes` ->
    `cause`, `databases` -> `database`: whichever singular English uses more (had been
    `statuse` and `lense`, apart from `status` and `lens`)."""
    from bot.interests.terms import everyday_zipf
    from bot.interests.typos import is_english

    short, long = word[:-2], word[:-1]
    a, b = everyday_zipf(short), everyday_zipf(long)
    if a == b == 0.0:  # neither is everyday English: a word the full list knows
        return short if is_english(short) and not is_english(long) else long
    return short if a > b else long


@lru_cache(maxsize=1)
def _s_names() -> frozenset[str]:
    """`bot.interests.typos.s_names`, read in its one pass over the English word list."""
    from bot.interests.typos import s_names

    return s_names()


@lru_cache(maxsize=1)
def _a_plurals() -> frozenset[str]:
    """`bot.interests.typos.a_plurals`, read in its one pass over the English word list."""
    from bot.interests.typos import a_plurals

    return a_plurals()
