"""Which words of chat text can name a subject.

Topics must be what a curator would file a resource under: `flux`, `gpu`, `machine learning`,
`モナド`; never `refer`, `hmm`, `pm.png`, `089da236…`, `lt` or `1.6`. Three filters decide:

- junk: file names, hashes and ids, numbers and versions, escaped entities, URL parts and
  placeholder hosts are never topics;
- part of speech: lemminflect's English lexicon (shipped in its wheel) knows which words can
  be nouns; a word that can only be a verb, adjective or adverb (`implementing`, `aware`) is
  not a subject, while a word it does not know (`terraform`, `makie`, `gpu`) is a name and
  is kept. Rare gerunds (`plotting`, `benchmarking`) name activities people learn and stay;
- commonness: wordfreq's general-English frequencies (also in its wheel) drop words so common
  they say nothing on their own (`thing`, `problem`, `addition`); they still count inside a
  phrase (`open data`).

Package spellings fold to their subject (`Flux.jl`, `d3.js`, `py-spy`... see `fold_package`).
Japanese text is segmented by MeCab (fugashi) with UniDic-lite, whose dictionary ships in its
wheel, and its nouns and noun compounds (`型クラス`, `勉強会`) become candidates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

__all__ = [
    "FILE_EXTENSIONS",
    "GENERIC_CHANNELS",
    "POST_FORMS",
    "POST_KINDS",
    "RESOURCE_FORM_CHANNELS",
    "fold_gerund",
    "fold_long_vowel",
    "fold_package",
    "has_cjk",
    "has_japanese",
    "is_junk",
    "is_modifier_word",
    "is_noun_word",
    "is_numbered_word",
    "is_subject_word",
    "japanese_terms",
    "load_lexicons",
    "specificity",
]

# `Flux.jl`, `d3.js`, `requests.py`, `serde-rs`, `vue-js`: the subject without its ecosystem.
_PACKAGE_SUFFIX = re.compile(
    r"(?<![\w.-])(?P<name>[^\W_][\w]*)(?:\.(?:jl|js|py|rs|rb|ts|nvim|vim)|-(?:rs|js|jl|py))(?![\w-])",
    re.IGNORECASE,
)
# `nodejs`, `VueJS`, `NextJS`: the same names run together (`djs` is no package).
_RUN_TOGETHER_JS = re.compile(r"(?<![\w.-])(?P<name>[^\W\d_][^\W_]+?)js(?![\w-])", re.IGNORECASE)
_PACKAGE_PREFIX = re.compile(
    r"(?<![\w.-])(?:py|node)-(?P<name>[^\W_\d]\w{2,})(?![\w-])", re.IGNORECASE
)

FILE_EXTENSIONS = frozenset(
    """png jpg jpeg gif bmp svg webp heic tif tiff ico mp4 mov avi mkv webm mp3 wav ogg m4a
    pdf doc docx docm xls xlsx xlsm xlsb ppt pptx pptm odt ods csv tsv txt md rst log zip tar
    gz tgz bz2 xz 7z rar json yaml yml toml xml ini cfg exe dmg pkg deb rpm msi apk iso bin dat kml kmz
    geojson shp ipynb html htm php
    hs lhs py rb rs go c h cc cpp hpp java kt scala swift cs fs clj erl ex exs sh bash zsh ps1
    sql lua pl ts tsx jsx vue""".split()  # source files (`ast.hs`, `main.go`); `d3.js` is a package
)
_CONFIG_EXTENSIONS = frozenset("yaml yml toml json ini cfg cabal".split())
_GENERIC_CONFIG_STEMS = frozenset(
    "config conf configuration settings setup env local secrets".split()
)
_NUMBERISH = re.compile(
    r"^v?\d[\d.,:_-]*$|^v?\d+(?:\.\d+)+[a-z]{0,2}\d*$"
    r"|^\d+(?:st|nd|rd|th|s|k|m|x|px|em|pt|ms|gb|mb|kb|tb|hz|am|pm)$"
    # the end of a numbered file's name (`Viz_2.R` -> `2.r`) or a version's (`2.x`, `0.10.x`)
    r"|^\d+\.[a-z]{1,4}$|^v?\d+(?:\.\d+)+\.x$"
    # a name with its version run on (`CoverageTools.1.5.4`)
    r"|^[a-z][\w-]*\.v?\d+(?:\.\d+){1,3}$"
    # a numbered part of a work: `vol.1`, `no.5`, `ch.3`, `fig.2`, `pp.12`
    r"|^(?:vol|no|ch|chap|pp?|fig|sec|eq|ex|ep|pt|art)\.\d+$"
    # a size or a shape: an image's `1166x435`, `1920x1080px`, an array's `2x16x32`
    r"|^\d+x\d{3,}(?:px)?$|^\d{3,}x\d+(?:px)?$|^\d+(?:x\d+){2,}$"
)
# A numbered everyday word is a place in a sequence (`week1`, `beta1`, `rc2`, `part3`), not a
# subject; a rarer word with a number is a name (`python3`, `es6`, `html5`, `ec2`).
_NUMBERED_WORD = re.compile(r"^([a-z]{2,})(\d{1,3})$")
_SEQUENCE_WORD_ZIPF = 4.0
# A month or season run together with a year (`july2016`, `jan2021`, `2016july`, `summer2020`):
# a date, however it is spelled (Houston: the repository `houstondatavis-july2016`).
_MONTHS = (
    "jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept"
    "|september|oct|october|nov|november|dec|december|spring|summer|fall|autumn|winter"
)
_DATED_WORD = re.compile(
    rf"^(?:(?:{_MONTHS})[_-]?(?:19|20)?\d\d|(?:19|20)\d\d[_-]?(?:{_MONTHS})|q[1-4](?:19|20)\d\d)$"
)
_RELEASE_LABELS = frozenset({"rc", "alpha", "beta", "pre", "dev", "preview"})
# Names that stand for anything in examples (English and Japanese programmers' own), and typing.
_PLACEHOLDERS = frozenset(
    "foo baz qux quux foobar hoge fuga piyo hogehoge hogera asdf qwerty lorem ipsum".split()
)
# Interjections and laughter, however long: `hmm`, `hmmm`, `umm`, `hahaha`, `lol`, `xD`; `wat`, and
# `rt`, a retweet's mark ("RT @coindesk: …"), not a subject.
_INTERJECTION = re.compile(
    r"^(?:h+m+|u+m+|u+h+|a+h+|o+h+|e+h+|w+o+w+|y+a+y+|m+e+h+|u+g+h+|o+o*p+s+|w+h+o+a+|a+h+a+"
    r"|(?:ha)+h?|(?:he)+h?|(?:hi)+h?|l+o+l+|l+m+a+o+|x+d+|o+k+|k+|rt|wat)$"
)
# A word drawn out in chat, its last letter written three times or more (`damnnn`, `yesss`).
_DRAWN_OUT = re.compile(r"^[a-z]*?(([a-z])\2\2+)$")
# Pieces of hashes and UUIDs: hex letters with at least two digits (`142c`, `089da236`), but
# not names like `h264`, `d3` or `ec2`.
_HEXISH = re.compile(r"^(?=(?:[a-f]*\d){2})(?=\d*[a-f])[0-9a-f]{4,}$")
_IDISH = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9]{12,}$")  # long mixes of letters and digits
# Abbreviations written with dots: `p.s`, `e.g`, `i.e`, `a.k.a`, `u.s` (one letter each).
_DOTTED_LETTERS = re.compile(r"^(?:[a-z]\.){1,3}[a-z]\.?$")
_SELF_NAMES = frozenset({"self", "this", "cls", "ctx", "obj", "args", "kwargs", "props"})
_ENTITIES = frozenset("lt gt amp quot apos nbsp mdash ndash hellip rsquo lsquo ldquo rdquo".split())
# Not `http`: the protocol is a subject (`HTTP.jl`, `http-client`, MDN's HTTP pages), and the
# token path reads text with its links already taken out. Nor `php`, the language, for the same
# reason (a page's `index.php` is a file name).
_URL_PARTS = frozenset(
    """https www com org net html htm aspx jsp utm href src url uri localhost
    github.com gist.github.com example.com example.org example.net""".split()
)
_PLACEHOLDER_HOST = re.compile(
    r"^(?:[\w-]+\.)*(?:example\.(?:com|org|net)|localhost|test|invalid)$"
    r"|^(?:\d{1,3}\.){3}\d{1,3}$"
)
# A host name with a subdomain (`docs.infrahub.app`, `hackage.haskell.org`): part of an
# address, not a subject. One dot is left alone: `socket.io`, `node.js` are names.
_HOST_NAME = re.compile(
    r"^(?:[a-z0-9-]+\.){2,}(?:com|org|net|app|dev|edu|gov|co|jp|uk|de|fr|ai|me|info|us|ca|au"
    r"|in|cn|ru|br|eu|ch|nl|se|no|fi|es|it|pl|kr|tw|hk|sg|xyz|site|tech|cloud|page|so)$"
)
# Chat channels named for what members do there, not for a subject.
GENERIC_CHANNELS = frozenset(
    """general random community appreciation introduction introductions intro intros
    announcement announcements news readings reading resources resource links link jobs job
    events event meta feedback showcase show share sharing meetup meetups watercooler lounge
    social support question questions qa help chat misc offtopic off topic bots bot testing
    test welcome rules admin admins moderators mods lobby hangout daily standup beginner
    beginners newbie newbies novice til today learned""".split()
)
# Channels named for the kind of thing posted there (`#tools`, `#papers`): only when that is
# all the name says (`#video-games` and `#book-club` are subjects).
RESOURCE_FORM_CHANNELS = frozenset(
    """tools tool examples example talks talk tutorials tutorial videos video papers paper
    articles article slides slide podcasts podcast books book blogs blog demos demo snippets
    snippet""".split()
)
# Words for what kind of post a link is, not what it is about: `tweet` heads nothing.
POST_KINDS = RESOURCE_FORM_CHANNELS | frozenset(
    """tweet tweets thread threads post posts feature features bug bugs issue issues pr prs
    doc docs documentation announcement announcements release releases screenshot screenshots
    image images photo photos picture pictures gif file files link links page pages
    アナウンス ドキュメント ソースコード スクリーンショット 記事 資料 動画 スライド 画像""".split()
)
# The forms a post takes, not subjects of work (`release`, `bug`, `documentation` are): what
# a member shared, never what they know ("here are my slides" had made `slide` a subject).
# (A talk, a demo, a tool are things one gives or builds: Infrahub's `demo` is its demo
# instance, and houston's judges name `talk` among a speaker's interests.)
POST_FORMS = frozenset(
    """tweet thread post screenshot image photo picture gif file link page slide video
    podcast snippet article blog paper book tutorial deck""".split()
)
_MAX_COMMON_ZIPF = 5.0  # zipf frequency of words too common to be a topic on their own
_MAX_COMMON_GERUND_ZIPF = 3.7  # `implementing` 3.9 is a verb; `plotting` 3.6 is a subject
# Between these zipf frequencies a single word's weight falls from 1 to `_MIN_SPECIFICITY`.
_SPECIFIC_ZIPF = 3.5
_GENERIC_ZIPF = 5.0
_MIN_SPECIFICITY = 0.4


def fold_package(text: str) -> str:
    """Package spellings in text folded to their subject: `Flux.jl` -> `Flux`, `d3.js` and
    `nodejs` -> `d3`, `node`, `serde-rs` -> `serde`, `py-yaml` -> `yaml`. A prefix folds only
    when what is left is not an English word by itself (`py-spy` stays: "spy" is not the
    subject)."""
    if "js" in text or "JS" in text:  # (callers pass casefolded text; `VueJS` is read too)
        text = _RUN_TOGETHER_JS.sub(_package_subject, text)
    if "." not in text and "-" not in text:
        return text
    text = _PACKAGE_SUFFIX.sub(_package_subject, text)

    def prefix(m: re.Match[str]) -> str:
        name = m.group("name")
        return name if not _lemmas()(name.lower()) else m.group(0)

    return _PACKAGE_PREFIX.sub(prefix, text)


def _package_subject(m: re.Match[str]) -> str:
    """`Flux.jl` -> `Flux`; but `Next.js` and `Three.js` -> `Nextjs`, `Threejs`, as the names
    are also written run together: their first word alone is one no topic is made of."""
    from bot.interests.words import STOPWORDS

    name = m.group("name")
    if name.casefold() not in STOPWORDS:
        return name
    return name + m.group(0)[len(name) :].lstrip(".-")


def is_junk(word: str) -> bool:
    """True for words that are never a subject, whatever the context: `pm.png`, `089da236`,
    `1.6`, `v0.7`, `lt`, `https`, `example.org`, `172.17.0.1`."""
    if not word or len(word) > 40:
        return True
    if word in _ENTITIES or word in _URL_PARTS:
        return True
    if _NUMBERISH.match(word) or _HEXISH.match(word) or _IDISH.match(word):
        return True
    if _HEX_LITERAL.match(word):
        return True  # `0x22`: a byte in pasted code
    if _INTERJECTION.match(word) or _DOTTED_LETTERS.match(word) or _drawn_out(word):
        return True
    if _DATED_WORD.match(word) or word in _PLACEHOLDERS or _alphabet_run(word):
        return True
    numbered = _NUMBERED_WORD.match(word)
    if numbered is not None and numbered.group(1) in _RELEASE_LABELS:
        return True  # `rc2`, `beta1`: a release (other numbered words: `is_numbered_word`)
    if "." in word:
        stem, _, ext = word.rpartition(".")
        if ext in FILE_EXTENSIONS and stem and not _named_config_file(stem, ext):
            return True  # a file name
        if _PLACEHOLDER_HOST.match(word) or _HOST_NAME.match(word):
            return True
        if stem in _SELF_NAMES:
            return True  # `self.branch`, `this.props`: a variable's field, not a subject
    return bool(word.startswith("@"))


def is_numbered_word(word: str) -> bool:
    """An everyday word with a number (`week1`, `part3`, `step2`, `item2`): a place in a
    sequence, not a subject, unless the community's documents use it often
    (`TopicExtractor.in_sequence`): Komodo's `co2` is a word of its own. A rarer word with a
    number is a name wherever it is (`python3`, `es6`, `ec2`)."""
    numbered = _NUMBERED_WORD.match(word)
    return (
        numbered is not None
        and _everyday_words("en").get(numbered.group(1), 0.0) >= _SEQUENCE_WORD_ZIPF
    )


def _alphabet_run(word: str) -> bool:
    """`abcd`, `abcdefgh`, `xyz…`: letters in alphabetical order, a placeholder (haskell-jp:
    `abcdefgh` was a member's topic, from an example's string)."""
    return (
        len(word) >= 4 and word.isascii() and all(ord(b) - ord(a) == 1 for a, b in pairwise(word))
    )


_HEX_LITERAL = re.compile(r"^0x[0-9a-f]+$")
_FOUR_OF_A_LETTER = re.compile(r"([a-z])\1{3}")


def _drawn_out(word: str) -> bool:
    """`damnnn`, `sooo`, `pleaseee` (an everyday word once its last letter is written once) or
    any word with four of a letter in a row (`yassss`, `waaaaaaaaay`: no word spells that);
    not `ifttt` (IFTTT, a service)."""
    if _FOUR_OF_A_LETTER.search(word):
        return True
    match = _DRAWN_OUT.match(word)
    if match is None:
        return False
    run = match.group(1)
    return len(run) >= 4 or word[: -len(run) + 1] in _everyday_words("en")


def _named_config_file(stem: str, ext: str) -> bool:
    """`hie.yaml`, `tsconfig.json`, `.infrahub.yml`: a tool's own configuration file is
    named for the tool and is what people ask about; `config.yaml`, `data.json` or
    `package.json` (an everyday word) say nothing by themselves."""
    return (
        ext in _CONFIG_EXTENSIONS
        and stem.isascii()
        and stem.isalpha()
        and len(stem) >= 3
        and stem not in _GENERIC_CONFIG_STEMS
        and specificity(stem) >= 1.0
    )


@lru_cache(maxsize=1)
def _lemmas() -> Any:
    from bot.interests.lexicon import all_lemmas

    return all_lemmas()


@lru_cache(maxsize=1)
def _common_words() -> tuple[frozenset[str], frozenset[str]]:
    """English words at or above the two zipf thresholds, from wordfreq's list read only that
    far (`bot.wordlists`): two small sets, not the 320k-word list."""
    from bot.wordlists import frequency_buckets

    lowest = min(_MAX_COMMON_ZIPF, _MAX_COMMON_GERUND_ZIPF)
    buckets = [words for _, words in frequency_buckets("en", lowest)]
    common = frozenset(w for b in buckets[: _bucket(_MAX_COMMON_ZIPF)] for w in b)
    gerunds = frozenset(
        w for b in buckets[: _bucket(_MAX_COMMON_GERUND_ZIPF)] for w in b if w.endswith("ing")
    )
    return common, gerunds


def load_lexicons() -> None:
    """Load the lexicons now (~0.5 s: lemminflect's tables, wordfreq's lists) rather
    than in the first command that folds a word like "logging" (`InterestService.run` does
    it in a thread, before its first pass)."""
    _lemmas()("testing", upos="VERB")
    _common_words()
    _everyday_words("en")  # `specificity`, which orders the topics a reply shows
    _everyday_words("ja")
    from bot.interests.typos import load_words

    load_words()  # misspellings and the plurals in -as, ~0.5 s
    from bot.interests.embeddings import load_model  # numpy: not at start-up

    load_model()  # nearby wording, ~0.4 s


def _bucket(zipf: float) -> int:
    return round((9.0 - zipf) * 100) + 1


@lru_cache(maxsize=2)
def _everyday_words(lang: str) -> dict[str, float]:
    """Words of everyday `lang` at or above `_SPECIFIC_ZIPF`, with their zipf frequency
    (about 15k words per language, from wordfreq's list read only that far)."""
    from bot.wordlists import frequency_buckets

    return {w: zipf for zipf, b in frequency_buckets(lang, _SPECIFIC_ZIPF) for w in b}


def everyday_zipf(word: str) -> float:
    """How common an English word is (wordfreq's zipf), 0.0 below `_SPECIFIC_ZIPF`."""
    return _everyday_words("en").get(word, 0.0)


@lru_cache(maxsize=200_000)
def specificity(term: str) -> float:
    """How much a topic says beyond everyday language, in [`_MIN_SPECIFICITY`, 1]: the
    informativeness half of a keyphrase score, against a background corpus (wordfreq), where
    the community's own rarity is the other half. `makie`, `schema`, `モナド` 1.0; `button`,
    `feature`, `目的`, `解決` less: they may still be topics, below the subjects. Phrases are
    specific by being phrases."""
    if " " in term or (len(term) == 1 and term.isascii()):
        return 1.0  # a phrase; `r` and `c` are topics only as the languages
    zipf = _everyday_words("ja" if _CJK.search(term) else "en").get(term)
    if zipf is None or zipf <= _SPECIFIC_ZIPF:
        return 1.0
    fall = (min(zipf, _GENERIC_ZIPF) - _SPECIFIC_ZIPF) / (_GENERIC_ZIPF - _SPECIFIC_ZIPF)
    return round(1.0 - fall * (1.0 - _MIN_SPECIFICITY), 4)


@lru_cache(maxsize=256)
def own_name_words(name: str | None) -> frozenset[str]:
    """The words of a community's name that are its own coinage, words English does not have
    at all (`JuliaLang` -> `julialang`; `Infrahub (OpsMill)` -> `infrahub`, `opsmill`): as
    topics they name the place, not a subject of it. Not `slack` or `community`, and not
    `async` of "Async Rustaceans" or `haskell` of "Haskell-jp": subjects members share, which
    the document counts judge (the demo's intros had lost two "you both care about async")."""
    from bot.interests.typos import is_english

    words = _NAME_WORD.findall((name or "").casefold())
    return frozenset(w for w in words if len(w) >= 4 and not is_junk(w) and not is_english(w))


_NAME_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=200_000)
def is_subject_word(word: str) -> bool:
    """Can this single (casefolded, singular) word name a subject on its own?"""
    if not word.isascii() or not word.isalpha():
        return not is_junk(word)  # `c++`, `node.js`, `k8s`, non-Latin words: names
    pos = _lemmas()(word)
    if pos and "NOUN" not in pos and "PROPN" not in pos:
        # Only a verb, adjective or adverb (`implementing`, `aware`) is no subject; rare
        # gerunds are: `plotting`, `benchmarking` name activities people learn.
        return word.endswith("ing") and word not in _common_words()[1]
    return word not in _common_words()[0]


@lru_cache(maxsize=200_000)
def fold_gerund(word: str) -> str:
    """A rare gerund to the noun it comes from (`plotting` -> `plot`, `benchmarking` ->
    `benchmark`), so `plots`, `plotting` and `Plots.jl` meet; other words unchanged."""
    if not word.endswith("ing") or not word.isascii() or not word.isalpha():
        return word
    pos = _lemmas()(word)
    if not pos or "NOUN" in pos or word in _common_words()[1]:
        return word
    for base in pos.get("VERB", ()):
        if "NOUN" in _lemmas()(base):
            return str(base)
    return word


_RARE_VERB_ZIPF = 4.0


def _noun_unlisted(word: str, pos: Mapping[str, tuple[str, ...]]) -> bool:
    """lemminflect knows some nouns only as verbs (`template`, `debug`, `deploy`, `merge`):
    a verb's bare form that everyday English uses rarely also names things in phrases
    (`object template`, `template haskell`, `deploy key`); `add` and `seek` do not."""
    if set(pos) != {"VERB"} or word not in pos["VERB"]:
        return False
    return _everyday_words("en").get(word, 0.0) < _RARE_VERB_ZIPF


@lru_cache(maxsize=200_000)
def may_be_verb(word: str) -> bool:
    """Does English use this word as a verb (`guess`, `use`, `need`)? lemminflect's reading."""
    if not word.isascii() or not word.isalpha():
        return False
    return "VERB" in _lemmas()(word)


@lru_cache(maxsize=200_000)
def only_verb(word: str) -> bool:
    """Is this word only a verb's bare form (`allocate`, `allow`; not `fix`, `support`,
    which are nouns too, nor `proposed`, `visualizing`, which modify nouns)?"""
    if not word.isascii() or not word.isalpha():
        return False
    pos = _lemmas()(word)
    return set(pos) == {"VERB"} and word in pos["VERB"]


@lru_cache(maxsize=200_000)
def is_noun_word(word: str) -> bool:
    """Can this word end a noun phrase (`learning` in `machine learning`, `data` in `open
    data`)? Nouns and unknown names can, however common."""
    if not word.isascii() or not word.isalpha():
        return not is_junk(word)
    pos = _lemmas()(word)
    return not pos or "NOUN" in pos or "PROPN" in pos or _noun_unlisted(word, pos)


@lru_cache(maxsize=200_000)
def is_describing_word(word: str) -> bool:
    """Is this word only ever an adjective or adverb (`aware`, `incremental`, `quickly`)?
    Such a word cannot end a subject's name."""
    if not word.isascii() or not word.isalpha():
        return False
    pos = _lemmas()(word)
    return bool(pos) and set(pos) <= {"ADJ", "ADV"}


# Adjectives that only follow a verb ("I'm aware infrahub …", "make sure backups …"): never
# before a noun, so never the first word of a subject.
_PREDICATIVE_ONLY = frozenset(
    """aware unaware able unable afraid alone alive asleep awake ashamed glad sure unsure
    ready due worth fond likely unlikely""".split()
)


# Adjectives that praise or marvel ("a truly excellent bug report", "amazing optimization
# work", "my favorite webhosting"): they judge a thing, never name a kind of it. Of the phrases
# they opened among stored topics of the shared exports, none named a subject.
_PRAISE = frozenset(
    """excellent awesome amazing fantastic wonderful favorite favourite brilliant lovely
    terrific incredible superb fabulous gorgeous marvelous marvellous splendid outstanding
    phenomenal impressive delightful huge tremendous""".split()
)


@lru_cache(maxsize=200_000)
def is_modifier_word(word: str) -> bool:
    """Can this word open a two-word subject (`machine learning`, `open data`, `async rust`)?
    Nouns, adjectives and names can; verbs, adverbs, adjectives that only follow a verb
    (`aware`, `sure`) and adjectives of praise (`excellent`, `favorite`) cannot."""
    if not word.isascii() or not word.isalpha():
        return not is_junk(word)
    if word in _PREDICATIVE_ONLY or word in _PRAISE:
        return False
    pos = _lemmas()(word)
    return not pos or bool({"NOUN", "PROPN", "ADJ"} & set(pos)) or _noun_unlisted(word, pos)


@lru_cache(maxsize=200_000)
def finite_verb(word: str) -> bool:
    """Is this word only ever a verb's past or third-person form (`hated`, `made`,
    `introduces`)? A title's key phrase ending on one is a clause, not a subject ("Einstein
    hated", "this picture helped"). A third-person form of a verb everyday English uses rarely
    may be a plural lemminflect knows only as a verb (`templates`); a past participle that is
    also an adjective (`driven`, `constrained`) is not only a verb."""
    if not word.isascii() or not word.isalpha() or word.endswith("ing"):
        return False
    pos = _lemmas()(word)
    if set(pos) != {"VERB"} or word in pos["VERB"]:
        return False
    if word.endswith("s"):
        return all(_everyday_words("en").get(v, 0.0) >= _RARE_VERB_ZIPF for v in pos["VERB"])
    return True


@lru_cache(maxsize=200_000)
def opens_no_subject(word: str) -> bool:
    """Does a phrase opening on this word start before its subject: an adverb (`slightly
    improve`, `partially derivative`), a word of praise or one that only follows a verb
    (`excellent open`), a verb's third-person form (`introduces symbolic`)? Past participles
    do open subjects (`proposed change`, `linked list`), and so do bare verbs lemminflect
    knows only as verbs (`google fonts`, `log scale`)."""
    if word in _PREDICATIVE_ONLY or word in _PRAISE:
        return True
    if not word.isascii() or not word.isalpha():
        return False
    return only_adverb(word) or (word.endswith("s") and finite_verb(word))


@lru_cache(maxsize=200_000)
def only_adverb(word: str) -> bool:
    """Is this word only ever an adverb of manner or degree (`slightly`, `partially`)? The
    lexicon tags prepositions (`in`, `on`) as adverbs too: those do not end in -ly."""
    if not word.endswith("ly") or not word.isascii() or not word.isalpha():
        return False
    return set(_lemmas()(word)) == {"ADV"}


# --- Japanese --------------------------------------------------------------------------------

_JAPANESE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")  # kana: Japanese, not Chinese
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")
# Written in hiragana alone (`あしかけ`, `ふう`, `はく`): everyday words; Japanese writes its
# subjects in kanji, katakana or Latin letters.
_HIRAGANA_WORD = re.compile(r"^[\u3041-\u309f\u30fc]+$")
_KATAKANA_WORD = re.compile(r"^[\u30a1-\u30fa\u30fc]{2,}$")
_KATAKANA_RUN = re.compile(r"^[\u30a1-\u30fa\u30fc]+$")
_SMALL_KANA = frozenset("ァィゥェォッャュョヮヵヶー")  # no Japanese word opens on one
_ORIGIN = re.compile(r"^[a-z][a-z-]*[a-z]$")
# Nouns that say nothing by themselves (`こと` thing, `方法` way, `感じ` feeling...), the
# Japanese of the English chat words (`ページ` page, `答え` answer, `サイト` site: see `words`)
# and of the English stopwords that point within a text (`下部`, `下記`: below, `右側`: right),
# and words for who asks (`初心者` beginner), as `words` drops `newbie`.
_JA_FILLER_NOUNS = frozenset(
    """こと もの の ところ とき 時 方 方法 場合 感じ よう 様 的 ため 為 事 物 所 今日 明日 昨日
    今 前 後 中 済み 済 上 下 自分 皆 みなさん 皆さん 人 さん 方々 ありがとう ありがとうございます お願い
    質問 回答 話 件 気 点 部分 以下 以上 感 例 説明 理解 意味 問題 確認 使用 利用 対応 参考 必要
    大丈夫 本当 今回 最近 普通 一番 別 他 全部 全て 実際 結果 原因 情報 内容 記事 リンク
    スレッド チャンネル メッセージ ページ サイト ウェブサイト ホームページ 答え
    上部 下部 最上部 最下部 上記 下記 前述 後述 左 右 左側 右側 冒頭 末尾
    初心者 初心 初学者 素人 入門者""".split()
)
_NOUN_POS2 = frozenset({"普通名詞", "固有名詞"})
_WORD_STEMS = frozenset({"動詞", "形容詞", "形状詞", "名詞", "代名詞", "接尾辞"})  # a suffix's own
# Prefixes that count, point or praise (`各` each, `第` -th, `約` about, `新` new, `超` very,
# `ご` honorific): the noun after them is the subject on its own.
_COUNTING_PREFIXES = frozenset("各全第約毎諸計同本当今前元現某両翌新旧超真お御ご")
# The verbs that make a verbal noun an action (`登録し`, `共有できる`, `推奨される`).
_LIGHT_VERBS = frozenset({"為る", "出来る"})
# `作業中`, `停滞中`: the action going on; `取得済み`, `報告済`: the action done.
_UNDER_WAY = frozenset({"中", "済み", "済"})
_ADJECTIVE_NOUNS = frozenset({"形状詞可能", "サ変形状詞可能"})  # `便利`, `幸い`: also adjectives
_COPULAS = frozenset({"だ", "です"})  # `便利です`, `便利な`, `安全に` (だ's adverbial form)
# Honorifics after a name (`エヌユルさん`, `かりんちゃん`, `鈴木氏`): the words before are a person.
_HONORIFICS = frozenset({"さん", "くん", "君", "ちゃん", "氏", "様", "さま", "殿", "先生", "たん"})


_LONG_VOWEL_RUN = re.compile(r"[\u30a1-\u30fc]+(?=ー$)")
_SMALL_VOWELS = frozenset("ァィゥェォャュョヮ")  # part of the sound before them
_COMPOUND_RUN = 5  # katakana before the mark that may hold two words (`ポイント` + `フリー`)


def fold_long_vowel(word: str) -> str:
    """`パーサー` and `パーサ`, `サーバー` and `サーバ`, `コンピューター` and `コンピュータ`: Japanese
    writes loanwords of three sounds or more with and without the final long vowel; both mean
    one thing. Shorter ones always keep it (JIS Z 8301): `エラー` error, `レビュー` review,
    `フリー` free, `キー` key (folded, they had read `エラ` gills, `レビュ`)."""
    if not word.endswith("ー"):
        return word
    run = _LONG_VOWEL_RUN.search(word)
    if run is None or _sounds(run.group()) < 3:
        return word
    if len(run.group()) >= _COMPOUND_RUN:
        last = _last_word(run.group() + "ー")
        if len(last) > 1 and last.endswith("ー") and _sounds(last[:-1]) < 3:
            return word  # `ポイントフリー` (point-free): its last word is `フリー`
    return word[:-1]


def _sounds(kana: str) -> int:
    return sum(ch not in _SMALL_VOWELS for ch in kana)


@lru_cache(maxsize=4096)
def _last_word(run: str) -> str:
    """The last word the dictionary reads in a run of katakana."""
    words = [w.surface for w in _tagger()(run)]
    return words[-1] if words else run


def has_japanese(text: str) -> bool:
    return bool(_JAPANESE.search(text))


def has_cjk(text: str) -> bool:
    """Kana or ideographs: text that writes compounds without spaces."""
    return bool(_CJK.search(text))


@lru_cache(maxsize=1)
def _tagger() -> Any:
    import fugashi

    return fugashi.Tagger()


def opens_on_particle(text: str) -> bool:
    """Does this Japanese text open on a particle, an auxiliary or an honorific (`に移しました`,
    `のとおりです`, `さん、ご指摘…`): the rest of a sentence whose first words were taken out?"""
    for word in _tagger()(text[:40]):
        return word.feature.pos1 in _FRAGMENT_OPENINGS or word.surface in _HONORIFICS
    return False


_FRAGMENT_OPENINGS = frozenset({"助詞", "助動詞"})


@lru_cache(maxsize=20_000)
def loanword_origin(word: str) -> str | None:
    """The English word a katakana loanword writes (`パーサ` -> `parser`, `モナド` -> `monad`),
    from UniDic's lemma (`パーサ-parser`), so Japanese and English wordings of one subject
    meet. None for anything else, compounds included (their parts are words of their own)."""
    if not _KATAKANA_WORD.match(word):
        return None
    tokens = list(_tagger()(fold_long_vowel(word)))  # `パーサー` is read as a purser
    if len(tokens) != 1 or getattr(tokens[0].feature, "goshu", None) != "外":
        return None
    _, _, origin = (tokens[0].feature.lemma or "").partition("-")
    origin = origin.casefold()
    return origin if _ORIGIN.match(origin) else None


def word_origins(text: str) -> list[str]:
    """UniDic's origin (`goshu`: 和 Japanese, 漢 Chinese, 外 foreign...) of each word of
    `text`, "" where it has none."""
    return [getattr(t.feature, "goshu", None) or "" for t in _tagger()(text)]


def compound_part(term: str) -> str | None:
    """The most telling noun inside a Japanese compound (`例外` of `例外処理`, not the everyday
    `処理`), for a compound asked as a whole that nobody wrote as a whole: what the head word
    is to an English phrase (`sdk` of `python sdk`). None for anything else."""
    if " " in term or not has_cjk(term):
        return None
    # One character is a suffix or too broad a word (`論` of `圏論`, `列` of `文字列`).
    parts = [t for t in japanese_terms(term) if 2 <= len(t) < len(term)]
    if not parts:
        return None
    # Most specific first; of equals the later, as the head of a compound comes last.
    return max(reversed(parts), key=specificity)


# What a message says of itself, not of a subject: "手前味噌ですが" (my own work, but…),
# "質問連投失礼します" (sorry for the many questions), "蛇足ですが" (needless to add), "余談"
# (an aside), "恐縮" (I am obliged), "取り急ぎ" (in haste), "念のため" (just in case). Their
# nouns had been topics: `味噌` (miso), `質問連投失礼`, `恐縮`, `念`.
_JA_FORMULAS = re.compile(
    "手前味噌|(?:質問)?連投(?:失礼)?|失礼|恐縮|蛇足|余談|取り急ぎ|念の(?:ため|為)|横から"
)


def _loanword_compound(run: Sequence[str]) -> bool:
    """Two or more katakana words in a row: one loanword, or a compound of loanwords."""
    return len(run) > 1 and all(_KATAKANA_RUN.match(w) for w in run)


def japanese_terms(text: str) -> list[str]:
    """Nouns and noun compounds of Japanese text, in order: `型クラスのインスタンス` ->
    `クラス`, `型クラス`, `インスタンス` (`型` too where the text also has it alone). Latin
    words inside it (`stack`, `GHC`) are left to the English path, which sees them anyway."""
    text = _JA_FORMULAS.sub("、", text)  # a formula ends a compound, and is none itself
    out: list[str] = []
    run: list[str] = []
    nouns = 0  # nouns in the run: suffixes alone (`個` `目` of `3個目`) make no compound
    # One-character nouns seen only inside compounds (`典` of `技術書典`, `談` of `体験談`,
    # `欄` of `検索欄`) are parts, not subjects; `型` written alone somewhere stays a topic.
    bound: set[str] = set()
    alone: set[str] = set()

    def close() -> None:
        nonlocal nouns
        singles = bound if len(run) > 1 else alone
        singles.update(w for w in run if len(w) == 1)
        if _loanword_compound(run):
            if any(w[0] in _SMALL_KANA or len(w) == 1 for w in run):
                # A loanword the dictionary does not know, cut anywhere (`アプリカティブ` ->
                # `アプリ` `カテ` `ィブ`): no piece is a word of the text, only the whole run.
                del out[opened:]
            # Everyday loanwords inside a loanword compound are its parts: `フロント` and
            # `エンド` of `フロントエンド` (front end), `エラー` of `エラーメッセージ`; `モナド` of
            # `モナドパーサ` names a subject by itself.
            bound.update(w for w in run if specificity(w) < 1.0)
        elif len(run) == 1:
            alone.update(run)
        if len(run) > 1 and nouns:
            compound = "".join(run)
            if len(compound) <= 12 and compound not in out[opened:]:
                out.append(compound)
        run.clear()
        nouns = 0

    after = ""  # the part of speech of the word before
    opened = 0  # where the current run's words start in `out`
    prefix = ""  # a prefix that belongs to the next noun: `非` of `非同期`
    verbal = -1  # where in `out` a lone verbal noun just went (`登録` before `し`), else -1
    adjectival = -1  # likewise a lone noun that may be an adjective (`便利` before `です`)
    number = False  # the word before was a number (`4`, `何`, `数`)
    # The tagger's nodes read its last parse, and folding a word may parse again
    # (`_last_word`): take each word's surface and features before the loop does.
    for raw, feature in [(w.surface, w.feature) for w in _tagger()(text)]:
        surface = fold_long_vowel(raw)
        pos1, pos2 = feature.pos1, feature.pos2
        japanese = bool(_CJK.search(surface))
        if verbal >= 0 and (
            (pos1 == "動詞" and feature.lemma in _LIGHT_VERBS) or surface in _UNDER_WAY
        ):
            # A verbal noun made a verb (`登録しました` registered, `精進します`, `共有できる`)
            # or an action under way (`停滞中` stalled) is an action, as English `registering`
            # is no topic; used as a noun elsewhere (`登録の手順`) it still counts there.
            del out[verbal]
            if surface in _UNDER_WAY:
                run.clear()  # no compound `停滞中` either
                nouns = 0
        elif pos1 == "接尾辞" and surface in _UNDER_WAY:
            # The same after a compound (`原因調査中` investigating the cause, `バグ報告済`
            # bug reported): the compound is its subject, the suffix is no part of it.
            close()
        elif adjectival >= 0 and pos1 == "助動詞" and feature.lemma in _COPULAS:
            # A noun used as an adjective (`便利です` handy, `安全に` safely, `…いただければ
            # 幸いです` I would be grateful) describes, as English `handy` is no topic.
            del out[adjectival]
        verbal = adjectival = -1
        counted, number = number, pos2 == "数詞"
        if counted and pos1 == "名詞" and len(surface) == 1 and not number:
            # A counter after a number (`4章` chapter 4, `何度` how many times, `第3版`):
            # it counts, it names no subject.
            close()
            after, number = pos1, True  # `2年半`: half of a count is a count too
            continue
        if not run:
            opened = len(out)
        if prefix and not (pos1 == "名詞" and japanese):
            close()  # `未` before a verb, or a prefix alone: nothing to join
            prefix = ""
        if pos1 == "接頭辞" and _CJK.match(surface) and surface not in _COUNTING_PREFIXES:
            # A prefix changes its noun's meaning (`非同期` asynchronous, `未定義` undefined,
            # `多相` polymorphic): dropped, `非同期処理` would be read as synchronous processing.
            close()
            prefix = surface
            run.append(surface)
        elif pos1 == "接尾辞" and surface in _HONORIFICS and run:
            # A person, never a subject (nor for Rhizome to profile). The dictionary's own
            # person names are not enough: `ガウス分布`, `ベイズ推定`, `ハスケル` are subjects.
            del out[opened:]
            run.clear()
            nouns = 0
        elif pos1 == "名詞" and pos2 in _NOUN_POS2 and japanese and feature.pos3 != "副詞可能":
            if surface not in _JA_FILLER_NOUNS and (len(surface) > 1 or _CJK.match(surface)):
                if not run and feature.pos3 == "サ変可能":
                    verbal = len(out)
                elif not run and feature.pos3 in _ADJECTIVE_NOUNS:
                    adjectival = len(out)
                out.append(prefix + surface)
            run.append(surface)
            nouns += 1
            prefix = ""
        elif (
            pos1 == "接尾辞"
            and pos2 == "名詞的"
            and (run or after not in _WORD_STEMS)
            and not _HIRAGANA_WORD.match(surface)
        ):
            # `勉強` + `会`, `変換` + `子`; and MeCab reads the `圏` of `圏論` (category
            # theory) as a suffix with no word before it: it opens the compound instead
            # (after a verb it is the verb's: `使い方`). Suffixes written in hiragana say how,
            # not what (`がてら` while, `ごと` each, `だらけ` full of): they end a compound.
            run.append(surface)
        else:
            close()
        after = pos1
    close()
    parts = bound - alone
    return [
        t
        for t in out
        if t not in _JA_FILLER_NOUNS and not _HIRAGANA_WORD.match(t) and t not in parts
    ]
