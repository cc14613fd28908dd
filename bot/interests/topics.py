"""Topics of resources: normalization and community-weighted extraction.

A resource's topics come from its page metadata (title, description, keywords, site), the
messages that shared and discussed it, their hashtags and the channel name. YAKE ranks the
key phrases of the metadata; message text goes through a cheap token path, because YAKE costs
about 1 ms a document (measured: ~1.0-1.3 ms for a title plus description, ~4 ms for a long
thread), which is fine once per resource but too slow to rerun over every chat message of
100k resources. Document frequencies per community drop words every message uses ("thanks",
"check", the community's own name) so they never become topics. Which single words can
name a subject is `bot.interests.terms`; the chat-word lists and plural folding are
`bot.interests.words`.

(Long because extraction and the community-level corrections of its terms, misspellings put
right, spellings joined, names and numbered words left out, read one document frequency table
and belong to one pass over a document.)
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from bot.interests.code import CODE, CODE_SPANS, asked_names, marked_words, without_bare_code
from bot.interests.phrases import WORD as _WORD
from bot.interests.phrases import key_phrase, phrase_runs, without_leading_verb
from bot.interests.related import ABBREVIATIONS
from bot.interests.spelling import american
from bot.interests.spellings import Spellings
from bot.interests.terms import (
    FILE_EXTENSIONS,
    GENERIC_CHANNELS,
    RESOURCE_FORM_CHANNELS,
    fold_gerund,
    fold_long_vowel,
    fold_package,
    has_japanese,
    is_describing_word,
    is_junk,
    is_modifier_word,
    is_noun_word,
    is_numbered_word,
    is_subject_word,
    japanese_terms,
    specificity,
)
from bot.interests.typos import is_english, is_misspelling
from bot.interests.words import FUNCTION_WORDS, STOPWORDS, is_contraction, singularize
from bot.mentions import link_labels

__all__ = [
    "HOST_CONTAINER",
    "STOPWORDS",
    "AliasMap",
    "ResourceText",
    "TopicExtractor",
    "channel_topic",
    "extract_hashtags",
    "normalize_topic",
    "one_kanji",
    "prepare_aliases",
    "singularize",
]

MAX_TOPIC_CHARS = 60
MAX_TOPIC_WORDS = 4


# A word: letters/digits, joined by inner dots or apostrophes (node.js, don't), with an
# optional ++ or # (c++, c#, f#). Hyphens, slashes and underscores split words.
_POSSESSIVE = re.compile(r"(?<=[^\W_])'s\b")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_NAME_PARTS = re.compile(r"[\s._-]+")
_HASHTAG = re.compile(r"(?<![\w&#/<])#([^\W\d_][\w-]{1,49})")
# A person named in Latin letters before a Japanese honorific or "という方" (a person called):
# "Nishant Shukla 氏", "igrep さん", "Matt Parsonsという方". On haskell-jp all 48 such are
# people; `terms.japanese_terms` already drops names written in Japanese before one.
_JA_NAMED_PERSON = re.compile(
    r"(?<![A-Za-z0-9_.-])[A-Za-z][A-Za-z0-9_.-]*(?: [A-Za-z][A-Za-z0-9_.-]*){0,2} ?"
    r"(?=さん|氏|様|さま|先生|くん|君|ちゃん(?!と)|という方|という人|って方|って人)"
)
# Message noise removed before the token path: code, links, Slack/Discord markup, :emoji:.
# Links inside a page's description (Slack unfurls keep its markup: "GitLab vs. <http://
# GitHub.com|GitHub.com>"): the label (`bot.mentions.link_labels`) is words of the page, the
# address is none.
_META_LINKS = re.compile(r"<(?:https?://|mailto:)[^<>\s]*>|https?://\S+|www\.\S+", re.IGNORECASE)
_NOISE = re.compile(
    CODE_SPANS + r"|<[^<>\s]*>"  # Slack <url|label>, <@U1>, <#C1|name>, Discord <@1>, <:emoji:1>
    r"|https?://\S+|www\.\S+"  # bare links
    r"|(?<![\w/.~-])(?:~|\.{1,2})?/[\w.+-]+(?:/[\w.+-]*)+"  # paths: /opt/infrahub/bin, ~/.stack
    r"|:[a-z0-9_+\-]{1,40}:",  # :emoji:
    re.DOTALL | re.IGNORECASE,
)
# An identifier of three or more capitalised words (`CoreNumberPool`, `TestInfrahubIntegration`)
# reads as its words; two (`GraphQL`, `JavaScript`, `DataFrames`) are a name and stay whole, and
# so does a package or file (`DataFramesMeta.jl`, `BinaryBuilderBase.jl`): its name is one word.
_CAMEL_WORDS = re.compile(r"\b(?:[A-Z][a-z]{2,}){3,}\b(?!\.[^\W\d_])")
_CAMEL_PART = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _camel_words(m: re.Match[str]) -> str:
    """The identifier's words, set apart; a name made of three-letter parts (`LogSumExp`,
    a function's name) stays whole: its parts are abbreviations (`sum exp` named nothing)."""
    words = _CAMEL_PART.sub(" ", m.group())
    if all(len(w) <= 3 for w in words.split()):
        return m.group()
    return f" | {words} | "


# A module's member named through it (`Flux.trainable`, `Zygote.@showgrad`): the module is
# the subject, the member a word of code. Not a file (`Project.toml`), a package's own
# spelling (`CUDA.jl`, `d3.js`: `fold_package`) nor a hierarchical name (`Data.Map`).
_QUALIFIED = re.compile(r"(?<![\w.])([A-Z][A-Za-z0-9]{2,})\.(@?[a-z_][A-Za-z0-9_!]*)(?![\w.])")
_NOT_MEMBERS = FILE_EXTENSIONS | frozenset(
    "jl js rs rb ts nvim vim com org net io app dev ai co me info edu gov".split()  # or a site
)


def _module_of(m: re.Match[str]) -> str:
    return m.group() if m.group(2).casefold() in _NOT_MEMBERS else m.group(1)


# A compound with a one-letter part (`k-means`, `t-SNE`, `p-value`, `x-ray`, `U-Net`,
# `Objective-C`, `RISC-V`) is one word, as it is also written (`kmeans`, `tsne`, `xray`): its
# letter is none, and the rest alone names something else (`means`, `value`, `ray`). So are two
# letters with a slash (`A/B`, `I/O`), which are nothing apart.
_LETTER_COMPOUND = re.compile(
    r"(?<![\w-])(?:([^\W\d_])-([^\W_]{2,})|([^\W_]{2,})-([^\W\d_]))(?![\w-])"
    r"|(?<![\w/])([^\W\d_])/([^\W\d_])(?![\w/])"  # `A/B testing`, `async I/O`
)


# A letter alone before a hyphen or slash, or after a hyphen: in 2% of chat texts, found by
# two plain searches (the full pattern costs several times more on the other 98%).
_LETTER_BEFORE = re.compile(r"\b[a-z][-/]")
_LETTER_AFTER = re.compile(r"-[a-z]\b")
_KEYS = frozenset("ctrl control cmd command alt option opt shift meta super fn win".split())


def _joined(m: re.Match[str]) -> str:
    """The compound run together; not a key chord (`ctrl-c`, `cmd-r`), which names no subject."""
    parts = [part for part in m.groups() if part]
    return m.group(0) if any(p in _KEYS for p in parts) else "".join(parts)


def _prepare_text(text: str) -> str:
    if "." in text:
        text = _QUALIFIED.sub(_module_of, text)
    text = _CAMEL_WORDS.sub(_camel_words, text)
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    if ("-" in text or "/" in text) and (_LETTER_BEFORE.search(text) or _LETTER_AFTER.search(text)):
        text = _LETTER_COMPOUND.sub(_joined, text)
    return fold_package(_POSSESSIVE.sub("", text))


def _fold_word(word: str) -> str:
    """One spelling per word: katakana's long-vowel variants, British and American English."""
    return fold_long_vowel(word) if not word.isascii() else american(word)


@lru_cache(maxsize=100_000)
def _kept_word(word: str) -> str | None:
    """The word as topics use it, or None when it is junk (see `terms.is_junk`) or has no
    letter. Cached: chat repeats its words, and this runs once per word of every text."""
    if not _HAS_LETTER.search(word) or is_junk(word):
        return None
    return _fold_word(word)


def _words(text: str) -> list[str]:
    """Casefolded words without possessives, package spellings folded (`flux.jl` -> `flux`);
    numbers, versions, file names, ids and other junk (see `terms.is_junk`) are dropped."""
    return [k for w in _WORD.findall(_prepare_text(text)) if (k := _kept_word(w)) is not None]


# Where Japanese and Latin script meet inside one run of characters: `guiをやろうと思いhaskell`
# is `gui`, the Japanese, and `haskell` (Japanese puts no spaces around Latin words).
_CJK_CHARS = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f"
_SCRIPT_EDGE = re.compile(
    f"(?<=[{_CJK_CHARS}])(?=[^\\s{_CJK_CHARS}])|(?<=[^\\s{_CJK_CHARS}])(?=[{_CJK_CHARS}])"
)


def _phrase_runs(text: str) -> list[list[str]]:
    """`_words` in runs that a two-word phrase may not cross (`bot.interests.phrases`)."""
    return phrase_runs(_prepare_text(text), _kept_word)


@dataclass(frozen=True, slots=True)
class _WordFacts:
    head: str  # singular: `tuning` stays the head of `sql tuning`
    single: str  # the word alone: `plotting` is `plot`
    subject: bool  # names a subject alone
    noun: bool  # may end a noun phrase
    common: bool  # `single` is too common to be a subject alone
    modifier: bool  # may open a noun phrase


@lru_cache(maxsize=100_000)
def _word_facts(word: str) -> _WordFacts | None:
    """What the token path needs to know of one word, or None for a stopword or a letter
    that names nothing (cached: every word of every text asks)."""
    short = len(word) < 2 and not _short_name(word)
    head = singularize(word)
    if head in _PHRASE_ENDS_ONLY:
        return _WordFacts(head, head, subject=False, noun=True, common=True, modifier=False)
    if short or (word in STOPWORDS and word not in _ONE_LETTER_NAMES) or is_contraction(word):
        return None
    single = _fold(head)
    if single in STOPWORDS:
        return None
    return _WordFacts(
        head,
        single,
        single in _ONE_LETTER_NAMES or is_subject_word(single),
        is_noun_word(head) and head not in _VERB_TAILS,
        _common(single),
        is_modifier_word(word),
    )


def _run_together(name: str) -> str:
    """A name's words as one, as handles write it (`micahstubbs` of "Micah Stubbs": his own
    tweets had made `micahstubb` a subject of his); "" for a one-word name."""
    words = _words(name)
    return "".join(words) if len(words) > 1 else ""


class AliasMap(dict[str, str]):
    """Aliases with normalized keys and values, ready for lookups (see `prepare_aliases`)."""


def prepare_aliases(aliases: Mapping[str, str] | None) -> AliasMap:
    """Normalize moderator aliases once (`K8s = Kubernetes` -> `k8s: kubernetes`).

    Keys are stored both as typed (casefolded) and normalized, so `k8s`, `K8S` and
    `#k8s` all hit. Entries that normalize to nothing are ignored."""
    if isinstance(aliases, AliasMap):
        return aliases
    out = AliasMap()
    for key, value in (aliases or {}).items():
        target = normalize_topic(value, None)
        if target is None:
            continue
        raw = " ".join(_prepare_text(key).lstrip("#@").split())
        if raw:
            out[raw] = target
        norm = normalize_topic(key, None)
        if norm is not None and norm != target:
            out.setdefault(norm, target)
    return out


def normalize_topic(
    text: str, aliases: Mapping[str, str] | None = None, *, asked: bool = False
) -> str | None:
    """The canonical form of a topic, or None when nothing topical is left.

    Case, punctuation, possessives, version numbers, plurals of the last word and stopwords
    at either end are folded (`Python 3` -> `python`, `Rust's` -> `rust`, `APIs` -> `api`,
    `the rust book` -> `rust book`), then moderator aliases apply (`k8s` -> `kubernetes`).

    `asked`: a phrase a member typed (who-knows, `interests add`) keeps the chat words it was
    typed with (`time series`, `big data`; read from chat they name nothing alone), losing
    only function words at its ends (`the`, `of`): it had been asked as `series`, `data`."""
    if not isinstance(text, str):
        return None
    amap = prepare_aliases(aliases) if aliases else None
    if amap:
        raw = " ".join(_prepare_text(text).lstrip("#@").split())
        if raw in amap:
            return amap[raw]
    words = _words(text[: MAX_TOPIC_CHARS * 4])
    if len(words) == 1 and words[0] in _ONE_LETTER_NAMES:
        return words[0]
    edges = STOPWORDS
    typed = [w for w in words if w not in FUNCTION_WORDS]
    if asked and len(typed) > 1 and any(w not in STOPWORDS for w in typed):
        edges = FUNCTION_WORDS  # the chat words it was typed with stay
    while words and words[0] in edges:
        words.pop(0)
    while words and words[-1] in edges and not _phrase_end(words):
        words.pop()
    if not words or len(words) > MAX_TOPIC_WORDS:
        return None
    words[-1] = singularize(words[-1])
    if len(words) == 1:
        words[0] = _fold(words[0])
    if words[-1] in edges and not _phrase_end(words):
        return None
    topic = " ".join(words)
    if amap and topic in amap:
        return amap[topic]
    if (len(topic) < 2 and not _short_name(topic)) or len(topic) > MAX_TOPIC_CHARS:
        return None
    return topic


# Chat words that name nothing alone ("uploaded a file") but end a subject's name after a
# word that names one: `object files` (Infrahub's YAML data), `config file`, `csv file`; a
# pull request ("the PR" was a topic of 21 julialang members; `backport pr` names one kind);
# and words for who asks (`words._ASKER_WORDS`), which end a contest's name (`atcoder beginner`).
_PHRASE_ENDS_ONLY = frozenset({"file", "pr", "beginner", "newbie", "novice", "newcomer", "rookie"})
# Everyday verbs that, after a name, are what it does ("BinaryBuilder works", "the menu
# shows", "a dataset coming", "the loading back"), never the head of its name: of the stored
# two-word topics of the four shared exports ending on them (`graphql work`, `binary show`,
# `dataset coming`, `slack make`, `player find`), one named a subject (`detective work`).
_VERB_TAILS = frozenset("work find make start show coming back give happen stop fail put".split())


def _phrase_end(words: list[str]) -> bool:
    """Do these words end with a `_PHRASE_ENDS_ONLY` word after one that can name a subject?"""
    return (
        len(words) > 1
        and singularize(words[-1]) in _PHRASE_ENDS_ONLY
        and words[-2] not in STOPWORDS
    )


def channel_topic(name: str | None, aliases: Mapping[str, str] | None = None) -> str | None:
    """The subject a channel is named for (`#machine-learning`), or None for channels named
    for what members do there (`#general`, `#appreciation`, `#readings`) or for the kind of
    thing they post (`#tools`, `#papers`)."""
    if not name:
        return None
    return _cached_channel_topic(name) if aliases is None else _channel_topic(name, aliases)


@lru_cache(maxsize=4096)  # intros ask it of every piece of evidence of every pair
def _cached_channel_topic(name: str) -> str | None:
    return _channel_topic(name)


# Words naming who works in a channel, not on what (`#team-d3`, `#sig-network`, `#wg-policy`),
# or what members do there about it (`#ask-rust`, `#talk-mining`): "You both shared about team
# d3" had been an intro's reason.
_GROUP_WORDS = frozenset("team teams squad crew sig wg guild ask talk discuss".split())


def _channel_topic(name: str, aliases: Mapping[str, str] | None = None) -> str | None:
    words = name.lstrip("#").replace("-", " ").replace("_", " ").split()
    folded = [w.casefold() for w in words]
    # in the singular: `#talk-other-topics` is a place for anything (Komodo's 2,905 links had
    # all been about `talk other topic`)
    if any(singularize(w) in GENERIC_CHANNELS for w in folded) or all(
        w in RESOURCE_FORM_CHANNELS for w in folded
    ):
        return None
    subject = [w for w, f in zip(words, folded, strict=True) if f not in _GROUP_WORDS]
    return normalize_topic(" ".join(subject), aliases) if subject else None


# One-letter subjects: the R and C languages, and a single kanji (`型`, type).
_ONE_LETTER_NAMES = frozenset({"r", "c"})
# "C" before "#" or "++" is another language (`c#`, `c++`, which the word path keeps whole).
_LANGUAGE_LETTER = re.compile(r"(?<![\w(/.'’&-])([RC])(?![\w)'’&#+-]|\.\s?[a-z])")


def _short_name(word: str) -> bool:
    return word in _ONE_LETTER_NAMES or (len(word) == 1 and "\u3400" <= word <= "\u9fff")


def _fold(word: str) -> str:
    """`plotting` -> `plot`, unless the noun is a chat word (`pinning` stays: `pin` is not)."""
    folded = fold_gerund(word)
    return word if folded in STOPWORDS else folded


# A short form in a phrase is the long one (`election vis` = `election visualization`,
# `python docs` = `python documentation`, `env variable` = `environment variable`): the phrase
# around it says which subject it is.
# Only one-word expansions: `quantum ml` must not become a four-word topic.
_PHRASE_HEADS: Mapping[str, str] = {
    short: long
    for short, long in ABBREVIATIONS.items()
    # `node js`, `type py` are package spellings (`fold_package`); `pg` and `de` say too little.
    if " " not in long and short not in {"js", "ts", "py", "pg", "de"}
}


def _noun_phrase(term: str) -> bool:
    """A single subject word, or words that do not end on a word that is only ever an
    adjective or adverb (`run incremental`, `context aware`): `incremental pipeline`.
    Verbs may end one: lemminflect knows `template` and `debug` only as verbs."""
    words = term.split()
    if len(words) == 1:
        return is_subject_word(term) and term not in _PHRASE_ENDS_ONLY
    return not is_describing_word(words[-1]) and words[-1] not in _VERB_TAILS


def _common(word: str) -> bool:
    return not is_subject_word(word)


def subjects_first(topics: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """Weighted topics in the order a reader should see them: weight times `specificity`,
    so `makie` goes before `button` of the same weight. The weights themselves are evidence
    (how much a document is about a term, what who-knows adds up) and stay as they are:
    `型` is an everyday word but a fine answer to "who knows 型"."""
    return sorted(topics, key=lambda tw: (-tw[1] * specificity(tw[0]), tw[0]))


_OWN_WORD_DF = 3  # documents that make a misspelling-like word the community's own (`upsert`)
# A community's own word (`graphql`, `infrahub`, `ansible`) misspelt once or twice (`grahql`,
# `inrahub`, `anisble`): one edit from a word in this many documents, and this many times as
# many as the misspelling's.
_JARGON_DF = 5
_JARGON_RATIO = 5
_JARGON_MIN_LETTERS = 5
_JARGON_REBUILD = 1.5  # the index of frequent words is rebuilt as the documents grow by half
_JARGON_REMEMBERED = 50_000  # respellings looked up, kept until the next rebuild
SHOWN_AT_LEAST = 3  # a resource's topics shown whatever their weight...
# ...and beyond them only those with this share of the lead's weight. At 0.3 the blind samples
# rated 150 of 261 topic lists good, at 0.4 155 (one more junk: a list cut to words that
# miss), at 0.5 155 and 2 more junk, the judged dev sample 73% -> 71% good; at 0.6 8 more junk.
SHOWN_FLOOR = 0.4


def shown_topics(topics: Iterable[tuple[str, float]]) -> list[str]:
    """A resource's topics as a reader sees them: subjects first (`subjects_first`), and no
    padding: past the first few, a topic under 40% as strong as the lead is a passing word of
    the discussion (`venv` under "500 Internal Server Error"), not what the page is about."""
    ordered = subjects_first(topics)
    lead = max((w for _, w in ordered), default=0.0)
    kept = [(t, w) for t, w in ordered if not one_kanji(t)] or ordered
    return [t for i, (t, w) in enumerate(kept) if i < SHOWN_AT_LEAST or w >= SHOWN_FLOOR * lead]


def one_kanji(topic: str) -> bool:
    """One kanji says little to a reader by itself (`念` thought, `編` volume, `章` chapter,
    `非` non-): of nine in the blind samples' top fives none named a judged subject. Stored, it
    still answers who-knows (`型`, type); shown, the next topic takes its place (unless it is
    the only one)."""
    return len(topic) == 1 and "\u3400" <= topic <= "\u9fff"


_PACKAGE_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,60}$")


def package_name(name: str) -> str | None:
    """A package's name as a topic, kept as its registry spells it (casefolded): `random`,
    `data-default`. None for anything that is not one name."""
    name = name.strip().casefold()
    return name if _PACKAGE_NAME.match(name) else None


def extract_hashtags(text: str) -> list[str]:
    """`#rust` and `#async-io` in chat text (not `c#`, not `#123`, not Slack `<#C1|x>`, not
    inside code: `#label := "Run"` is a Haskell label, `#include` a C directive)."""
    return _HASHTAG.findall(CODE.sub(" ", text))


@dataclass(frozen=True, slots=True)
class ResourceText:
    """Everything we know that says what a resource is about."""

    title: str | None = None
    description: str | None = None
    keywords: tuple[str, ...] = ()
    site_name: str | None = None
    # The host's own name (`tableau` for public.tableau.com), used as the site name only
    # when the community's texts use that word too: `ocks` (bl.ocks.org) names nothing.
    site_brand: str | None = None
    messages: tuple[str, ...] = ()  # texts of messages that shared or discussed it
    hashtags: tuple[str, ...] = ()  # extra tags (message hashtags are found automatically)
    channel_name: str | None = None
    # Names the address gives it (a registry's package): subjects even when everyday words
    # (Hackage's `random`, `text`, `time`), which `normalize_topic` would drop as chat.
    names: tuple[str, ...] = ()
    # The site's coined name when the address is its front page (`gephi` of
    # https://gephi.github.io/, `clima` of clima.caltech.edu): the page's subject.
    front_page: str | None = None
    # The account whose post it is (`Nick Szabo` of a tweet by @NickSzabo4): a bare tweet's
    # only subject, and one more of a tweet members talk about (`bot.titles.post_author`).
    author: str | None = None

    @classmethod
    def of(cls, value: ResourceText | str) -> ResourceText:
        return value if isinstance(value, ResourceText) else cls(messages=(value,))


# Relative strength of each source; agreement between sources adds up.
_W_META_TOP = 1.0  # YAKE's best phrase of title+description; lower ranks decay
_W_KEYWORD = 0.8
_W_HASHTAG = 1.0
_W_MESSAGE = 0.35  # one mention in chat; grows with log(tf)
_W_CHANNEL = 0.3
_W_SITE = 0.25
_W_FRONT_PAGE = 0.5  # a site's own name on its front page (`ResourceText.front_page`)
_W_AUTHOR = 0.25  # the account a post is by (`ResourceText.author`): below a sharer's word
# A host holding this many of the community's documents is where things are kept (YouTube,
# GitHub, Qiita, a Discourse), not what they are about: its name is no document's topic for
# being its host. Over the blind samples junk 15% -> 11% (fourth) and 14% -> 10% (tenth);
# judged profiles lost one topic (`s3`, the host of Julia's binaries); the same at 5 and 20.
# Nor is it in the words of those who share there ("the github discussion" of a GitHub issue,
# `infrahub node` of Infrahub's documentation pages), unless the title names it.
HOST_CONTAINER = 10
_BRAND_MIN_DF = 1  # other documents whose own words use a host's name, for it to name the site
_META_CHARS = 2000  # YAKE cost grows with length; a title and a description fit
_TOKEN_CACHE = 8192  # texts whose terms are remembered within a batch of documents


class TopicExtractor:
    """Per-community topic extraction with document frequencies.

    `observe` counts, per document, which candidate terms occur; `topics` then scores a
    document's candidates by source strength times rarity, and drops terms found in more
    than `max_df_ratio` of the community's documents once `min_docs` have been seen.
    `doc_count` and `df` are plain data so storage can persist and restore them.
    """

    def __init__(
        self,
        *,
        aliases: Mapping[str, str] | None = None,
        max_df_ratio: float = 0.5,
        min_docs: int = 30,
        doc_count: int = 0,
        df: Mapping[str, int] | None = None,
        yake_ngram: int = 2,
        names: Iterable[str] = (),
    ) -> None:
        if not 0.0 < max_df_ratio <= 1.0:
            raise ValueError("max_df_ratio must be in (0, 1]")
        self.aliases = prepare_aliases(aliases)
        self.max_df_ratio = max_df_ratio
        self.min_docs = min_docs
        self.doc_count = doc_count
        self.df: Counter[str] = Counter(df or {})
        self._yake_ngram = yake_ngram
        self._yake: Any = None
        self._meta_cache: dict[str, tuple[str, ...]] = {}
        self._token_cache: dict[str, list[str]] = {}
        # Words of members' names: "tim", "gerardo", "cj" (CJ Carey), "hl" say who talked,
        # not what about. A name word that titles use too ("julia", "haskell") is a subject
        # after all; two letters that are a known abbreviation (`ml`, `ai`) stay subjects.
        self.name_words = frozenset(
            singularize(w)
            for name in names
            for w in (*_words(name), _run_together(name))
            if len(w) >= 3 or (len(w) == 2 and w not in ABBREVIATIONS)
        )
        self.title_df: Counter[str] = Counter()
        self.hosted: Counter[str] = Counter()  # documents per host's own name (`site_brand`)
        # (first letter, length) -> frequent one-word terms, for `respelled`
        self._jargon: dict[tuple[str, int], list[str]] = {}
        self._jargon_docs = -1  # doc_count when `_jargon` was built
        self._respelled: dict[str, str] = {}
        self._spellings = Spellings()

    # --- document frequencies -------------------------------------------------------------

    def observe(self, docs: Iterable[ResourceText | str]) -> None:
        """Count each document's candidate terms once (cheap path, no YAKE)."""
        for doc in docs:
            doc = ResourceText.of(doc)
            self.df.update(self.terms(doc))
            if doc.site_brand:
                self.hosted[doc.site_brand] += 1
            if doc.title:
                self.title_df.update({singularize(w) for w in _words(doc.title)})
            self.doc_count += 1

    def forget(self, docs: Iterable[ResourceText | str]) -> None:
        """Undo `observe` for deleted documents, so deletions leave no trace in the counts."""
        for doc in docs:
            doc = ResourceText.of(doc)
            for term in self.terms(doc):
                left = self.df[term] - 1
                if left > 0:
                    self.df[term] = left
                else:
                    self.df.pop(term, None)
            if doc.site_brand:
                self.hosted[doc.site_brand] -= 1
                if self.hosted[doc.site_brand] <= 0:
                    del self.hosted[doc.site_brand]
            self.doc_count = max(0, self.doc_count - 1)

    def terms(self, doc: ResourceText) -> set[str]:
        """Every candidate term of a document, for document frequencies."""
        found: set[str] = set()
        texts = [doc.title or "", doc.description or "", *doc.messages]
        for text in texts:
            found.update(self._token_terms(text))
        for tag in (*doc.keywords, *doc.hashtags, doc.site_name or "", doc.author or ""):
            term = normalize_topic(tag.replace("-", " ").replace("_", " "), self.aliases)
            if term:
                found.add(term)
        return found

    def rarity(self, term: str) -> float:
        """1.0 for a term no other document has, falling towards 0 as it gets common;
        0.0 above the df ratio. Before `min_docs` documents everything counts fully."""
        n = self.doc_count
        if n < self.min_docs:
            return 1.0
        df = self.df.get(term, 0)
        if df / n > self.max_df_ratio:
            return 0.0
        return math.log((n + 1) / (df + 1)) / math.log(n + 1)

    # --- extraction -----------------------------------------------------------------------

    def topics(
        self, doc: ResourceText | str, k: int = 8, *, rarity_power: float = 1.0
    ) -> list[tuple[str, float]]:
        """The k best topics of a document with weights in (0, 1], best first.
        `rarity_power` below 1 lets the community's common subjects through more."""
        doc = ResourceText.of(doc)
        scores: dict[str, float] = {}

        def add(term: str | None, weight: float) -> None:
            if term:
                scores[term] = scores.get(term, 0.0) + weight

        meta = ". ".join(p.strip() for p in (doc.title, doc.description) if p and p.strip())
        if "http" in meta or "www." in meta:
            meta = _META_LINKS.sub(" ", link_labels(meta))
        for rank, phrase in enumerate(self._meta_phrases(meta)):
            add(phrase, _W_META_TOP / (1.0 + rank / 3.0))
        for kw in doc.keywords:
            add(normalize_topic(kw, self.aliases), _W_KEYWORD)
        for name in doc.names:
            if normalize_topic(name, self.aliases) is None:  # else a keyword already
                add(package_name(name), _W_KEYWORD)
        tags = [*doc.hashtags]
        tf: Counter[str] = Counter()
        for text in doc.messages:
            tags.extend(extract_hashtags(text))
            tf.update(self._token_terms(text))
        for tag in dict.fromkeys(tags):
            # a label like a channel's name, read by its rules: `#talk-trading` (a channel as
            # DiscordChatExporter writes its mention) is about trading, `#general` about nothing
            add(channel_topic(tag, self.aliases), _W_HASHTAG)
        for term, count in tf.items():
            add(term, _W_MESSAGE * (1.0 + math.log(count)))
        channel = channel_topic(doc.channel_name, self.aliases)
        if channel is not None:
            add(channel, _W_CHANNEL)
        # a host of many of the community's documents: where they are kept, not what about
        brand_docs = self.hosted.get(doc.site_brand or "", 0)
        host = doc.site_brand if brand_docs >= HOST_CONTAINER else None
        if doc.site_name:
            add(normalize_topic(doc.site_name, self.aliases), _W_SITE)
        elif doc.site_brand and host is None:
            brand = normalize_topic(doc.site_brand, self.aliases)
            if brand and self.df.get(brand, 0) >= _BRAND_MIN_DF and is_subject_word(brand):
                add(brand, _W_SITE)
        if doc.front_page and host is None:  # Gephi's home page is about Gephi
            add(doc.front_page, _W_FRONT_PAGE)
        if doc.author:
            add(normalize_topic(doc.author, self.aliases), _W_AUTHOR)

        titled = meta.casefold()
        respelled: dict[str, float] = {}
        for term, score in scores.items():
            term = self.respelled(term)
            if host is not None and host in term.split() and host not in titled:
                continue  # "the github discussion" of a GitHub link: where it is, not what
            respelled[term] = respelled.get(term, 0.0) + score
        weighted = [
            (t, s * self.rarity(t) ** rarity_power)
            for t, s in respelled.items()
            if not self.names_someone(t)
            and not self.misspelt(t, titled)
            and not self.in_sequence(t)
        ]
        weighted = [(t, s) for t, s in weighted if s > 0.0]
        weighted.sort(key=lambda ts: (-ts[1], ts[0]))
        best = weighted[: max(0, k)]
        if not best:
            return []
        top = best[0][1]
        return [(t, round(s / top, 4)) for t, s in best]

    def in_sequence(self, term: str) -> bool:
        """Does the term hold a numbered everyday word (`week1`, `item2`) that fewer than
        `_OWN_WORD_DF` of the community's documents use: a place in a sequence, not the
        community's own name for something (`co2`; `terms.is_numbered_word`)?"""
        return any(is_numbered_word(w) and self.df.get(w, 0) < _OWN_WORD_DF for w in term.split())

    def misspelt(self, term: str, title: str = "") -> bool:
        """True when a word of the term is a misspelled common word (`equivilent`,
        `enironment variable`) that neither the page's title (`Retrie`, a Haskell tool) nor
        the community uses as a word of its own: `upsert`, one edit from `upset`, is in 15
        Infrahub messages, `blosc` in 6 julialang ones."""
        return any(
            is_misspelling(w) and self.df.get(w, 0) < _OWN_WORD_DF and w not in title
            for w in term.split()
        )

    def respelled(self, term: str) -> str:
        """The term with a once-seen misspelling of the community's own words put right
        (`grahql mutation` -> `graphql mutation`, `inrahub` -> `infrahub`): English does not
        know the word, no page's title spells it so, and it is one edit (same first letter)
        from a word everyday English does not use that is `_JARGON_RATIO` times as common in
        the community's documents, in `_JARGON_DF` of them or more; and a subject the
        community spaces several ways (`block chain`, `blockchain`) as it spells it most."""
        if self.doc_count >= _JARGON_REBUILD * max(1, self._jargon_docs):
            self._build_jargon()
        spelled = self._spellings.spelling(term, self.df)
        if spelled != term and not self.names_someone(spelled):  # `pirate chain`: a name
            return spelled
        if " " in term:
            words = term.split()
            fixed = [self.respelled(w) for w in words]
            return " ".join(fixed) if fixed != words else term
        if (
            len(term) < _JARGON_MIN_LETTERS
            or not term.isascii()
            or not term.isalpha()
            or self.df.get(term, 0) >= _JARGON_DF
            or self.title_df[term] > 0  # a page's own title spells it so: `graphiql` is a tool
        ):
            return term
        found = self._respelled.get(term)
        if found is None:
            found = term
            if not is_english(term):
                candidates = [
                    w
                    for n in (len(term) - 1, len(term), len(term) + 1)
                    for w in self._jargon.get((term[0], n), ())
                ]
                best = process.extractOne(
                    term, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=1
                )
                if best is not None and self.df[best[0]] >= _JARGON_RATIO * max(
                    1, self.df.get(term, 0)
                ):
                    found = best[0]
            if len(self._respelled) >= _JARGON_REMEMBERED:
                self._respelled.clear()
            self._respelled[term] = found
        return found

    def _build_jargon(self) -> None:
        index: dict[tuple[str, int], list[str]] = {}
        for word, n in self.df.items():
            if (
                n >= _JARGON_DF
                and " " not in word
                and word.isascii()
                and word.isalpha()
                and specificity(word) >= 1.0  # `graphql`, not `user` (for `userr`: useR!)
            ):
                index.setdefault((word[0], len(word)), []).append(word)
        self._jargon = index
        self._spellings.rebuild(self.df)
        self._jargon_docs = self.doc_count
        self._respelled.clear()

    def names_someone(self, term: str) -> bool:
        """True when a word of the term is a member's name that no two titles use."""
        if not self.name_words:
            return False
        words = _NAME_PARTS.split(term)  # handles too: `micah.stubbs`, `tim_abram`
        return any(w in self.name_words and self.title_df[w] < 2 for w in words)

    def _token_terms(self, text: str) -> list[str]:
        """Subject words and two-word noun phrases of chat text, normalized (see
        `bot.interests.terms`); Japanese text adds its nouns and noun compounds. Remembered
        for the newest texts: a batch of documents is read for its counts (`observe`), then
        for its topics."""
        found = self._token_cache.get(text)
        if found is None:
            found = self._read_terms(text)
            if len(self._token_cache) >= _TOKEN_CACHE:
                self._token_cache.clear()
            self._token_cache[text] = found
        return found

    def forget_texts(self) -> None:
        """Drop the remembered texts' terms (after a batch: a corpus lives as long as the bot)."""
        self._token_cache.clear()

    def _read_terms(self, text: str) -> list[str]:
        if not text:
            return []
        japanese = has_japanese(text)
        marked: list[str] = []
        if japanese and "`" in text:
            # Japanese sets Latin terms apart from the kana around them, often in backticks
            # (`join` で引数を増やせる): a lone identifier there is a term the writer marked,
            # not code, whether or not it is an everyday English word.
            marked = [t for w in marked_words(text) if (t := normalize_topic(w))]
        named = [] if japanese or "`" not in text else asked_names(text)
        text = _NOISE.sub(" | ", without_bare_code(CODE.sub(" | ", text)))
        if named:
            text = " | ".join([text, *named])
        if japanese:
            text = _JA_NAMED_PERSON.sub(" | ", text)
        out: list[str] = [*marked, *japanese_terms(text)] if japanese else []
        if japanese:
            text = _SCRIPT_EDGE.sub(" ", text)
        # The R and C languages are capital letters standing alone ("in R", "C code"); the
        # casefolded word path below cannot tell them from "r u there" or "a, b, c".
        out.extend(m.casefold() for m in _LANGUAGE_LETTER.findall(text))
        for run in _phrase_runs(text):
            out.extend(self._run_terms(run, japanese))
        return out

    def _run_terms(self, run: list[str], japanese: bool) -> list[str]:
        """Subject words and noun phrases of one run of words (see `_phrase_runs`)."""
        out: list[str] = []
        prev: str | None = None
        aliases = self.aliases
        for word in run:
            facts = None if japanese and not word.isascii() else _word_facts(word)
            if facts is None:
                prev = None
                continue
            aliased = aliases.get(facts.single, aliases.get(word))
            if aliased is not None or facts.subject:
                out.append(aliased or facts.single)
            if prev is not None and facts.noun and prev != word:  # `artifact artifact`: no
                bi = _PHRASE_HEADS.get(prev, prev) + " " + _PHRASE_HEADS.get(facts.head, facts.head)
                if bi in aliases or not (_common(prev) and facts.common):
                    out.append(aliases.get(bi, bi))
            prev = word if facts.modifier else None
        return out

    def _meta_phrases(self, meta: str) -> tuple[str, ...]:
        """YAKE's key phrases of title+description, normalized, best first (cached)."""
        if not meta:
            return ()
        meta = meta[:_META_CHARS]
        cached = self._meta_cache.get(meta)
        if cached is not None:
            return cached
        if self._yake is None:
            import yake

            self._yake = yake.KeywordExtractor(
                lan="en", n=self._yake_ngram, top=10, dedup_lim=0.9, stopwords=set(STOPWORDS)
            )
        if has_japanese(meta):
            # YAKE reads English only: on Japanese it returns sentence fragments glued to the
            # Latin words between them. The token path segments both scripts instead.
            ranked = [(t, 0.0) for t in dict.fromkeys(self._token_terms(meta))]
        else:
            try:
                ranked = self._yake.extract_keywords(meta)
            except Exception:  # YAKE on odd input (only symbols, one char): no phrases
                ranked = []
        phrases: list[str] = []
        lowered = meta.casefold()
        for phrase, _score in ranked:
            shaped = key_phrase(phrase)
            shaped = without_leading_verb(shaped, lowered) if shaped else None
            norm = normalize_topic(shaped, self.aliases) if shaped else None
            if not norm or norm in phrases:
                continue
            if norm not in self.aliases.values() and not _noun_phrase(norm):
                continue  # YAKE ranks `implementing`, `hmm` and `add ability` too
            phrases.append(norm)
        if not phrases and not has_japanese(meta):
            # YAKE reads a name joined by hyphens (a file titled `election-map-comments`) as
            # one token it ranks nowhere: the token path reads its words (a dotted module
            # path whole, `control.monad.trans.state.lazy`, is no subject).
            phrases = [t for t in dict.fromkeys(self._token_terms(meta)) if "." not in t]
        if not has_japanese(meta):
            # YAKE reads a word with a digit in it as a number: `armv7l`, `ipv6`, `k8s` and
            # `log4j` would never be a title's topics. The token path's names come after.
            phrases += [
                t
                for t in dict.fromkeys(self._token_terms(meta))
                if t not in phrases and any(ch.isdigit() for ch in t) and " " not in t
            ]
        result = tuple(phrases)
        if len(self._meta_cache) >= 4096:
            self._meta_cache.clear()
        self._meta_cache[meta] = result
        return result
