"""Titles of shared resources, from the data itself.

Members recognise a link by its title, not its address, and most chat data already holds one:
the platform's unfurl or embed, the label a member wrote (`<url|label>`, `[label](url)`), a
file's title, the page's own metadata when it could be fetched, or failing all that the words
of its URL (`/blog/tableau-10-houston` -> "Tableau 10 houston"). Each source has a rank; a
resource keeps the best title seen so far and a better source replaces a worse one, whatever
order they arrive in. Pure functions: tracking, importers and the unfurler call them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from enum import IntEnum
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from bot.wordsplit import split_run_on

__all__ = [
    "MAX_TITLE_CHARS",
    "TitleSource",
    "address_label",
    "address_title",
    "chat_message_channel",
    "clean_title",
    "fallback_title",
    "file_title",
    "is_address_title",
    "is_generic_filename",
    "label_title",
    "post_author",
    "screenshot_title",
    "sentence_title",
    "site_suffix",
    "slug_title",
    "uncut",
    "unspoiled",
]

MAX_TITLE_CHARS = 300


class TitleSource(IntEnum):
    """How much a title can be trusted; higher replaces lower. `SENTENCE`, `SITE` and
    `ADDRESS` are one rank (aliases of one member): none has a word of the page itself, and
    the stored rank cannot tell them apart, so topics read all three as a weak title and
    forgetting a member's sentences drops all three from the links they touched (the derive
    names those links again)."""

    SENTENCE = 1  # the words a member wrapped around the link
    SITE = 1  # a front page's site name, from its host: no words of the page's own either
    ADDRESS = 1  # how people cite an address of ids: "Tweet by @user", "arXiv:2010.04004"
    SLUG = 2  # words of the URL's path
    FILE = 3  # a file's name, when it is not a camera or screenshot default
    PAGE = 4  # the page's own metadata, fetched by the unfurler
    LABEL = 5  # the label a member gave the link, or a file title they typed
    PLATFORM = 6  # Slack unfurl attachment, Discord embed: what members saw under the link


# Names cameras, phones, screenshot tools and chat clients give files by default.
_GENERIC_FILE = re.compile(
    r"(?ix)^(?:"
    r"image|img|photo|pic|picture|screenshot|screen[\s_-]?shot|screen[\s_-]?recording"
    r"|capture|clipboard|pasted[\s_-]?image|untitled|unknown|file|download|attachment"
    r"|dsc|dscn|dcim|pxl|mvimg|video|vid|movie|recording|audio|voice[\s_-]?message"
    r"|snip|snippet|scan|document|doc|message|export|output|test|temp|tmp|blob|a|b|x"
    r"|slack\sfor\s(?:android|ios|iphone|ipad)\supload|image[\s_]from[\s_](?:ios|android)"
    r")?[\s_.()-]*[\d\s_.:()x-]*(?:at[\s\d_.:-]*(?:[ap]m)?)?[\s_.()-]*$"
)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
# A path segment's extension has a letter: `infrahub-v1.3.4` ends in a version, not a `.4` file.
_SEGMENT_EXTENSION = re.compile(r"\.(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}$")
# Compression wraps a file of its own (`julia-1.4.1-linux-armv7l.tar.gz`, `trips.csv.bz2`).
_COMPRESSED = re.compile(r"\.(?:gz|bz2|xz|zst|lz4?|z)$", re.IGNORECASE)
_HEXISH = re.compile(r"^(?=.*\d)[0-9a-f]{8,}$|^[0-9a-f-]{32,}$", re.IGNORECASE)
_DIGITS = re.compile(r"^[\d_.-]+$")
# A random id in base64url (`Olzbb_-dNqU`, `ix58Fu_5eLY`): an underscore or hyphen, and case
# flipping inside the word twice, or once with digits; `HoustonGenderRatio` (no `_`/`-`),
# `tableau-10-houston` (no flip) and `Some_CamelCase-thing` (one flip) are words.
_BASE64_ID = re.compile(
    r"(?=\S*[_-])(?:(?=\S*\d)(?=\S*[a-z][A-Z])|(?=\S*[a-z][A-Z]\S*[a-z][A-Z]))[A-Za-z0-9_-]{8,}"
)
_MIXED_ID = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9]{8,}$")  # `md6l63K8uZ1rocxzqo3`
# A blob's encoding for a name (an Infrahub forum image `t27crN8hZ0qZNdG1o69hIJrxw…`, 300
# characters): letters of both cases and digits run on, longer than any word, digits in three
# places or more (`HoustonMeetup2016Slides` is words).
_ENCODED_NAME = re.compile(r"^(?=(?:\D*\d+(?!\d)){3})(?=.*[a-z])(?=.*[A-Z])[A-Za-z0-9+/=]{24,}$")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s")
_SEP = re.compile(r"[-_+]+|%20")
_CAMEL_ID = re.compile(r"(?:[A-Z][a-z]{2,}){3,}")
_CAMEL_PART = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPACES = re.compile(r"\s+")
_NOISE_SEGMENTS = frozenset(
    "index default home main view show detail details article articles post posts p blob tree "
    "edit wiki page pages watch status en us en-us www html htm php aspx jsp amp abs pdf "
    "download downloads file files raw latest stable dev docs doc api v1 v2 t c r s u "
    # what is done to a document rather than its name (Google Forms, Docs, Sheets, Slides)
    "viewform formresponse preview embed htmlview pubhtml pub present open".split()
)
_LANGUAGE_SUFFIX = re.compile(
    r"(?<=[a-z])[_-](?:en|de|fr|es|it|pt|nl|ru|ja|jp|zh|ko)(?:[_-][a-z]{2})?$", re.IGNORECASE
)
# A blog post's date (`2020-10-09-asterisk`, Jekyll's and Hugo's default), a chapter's
# zero-padded number (`09-ghc-users-guide`) or a Trello card's number (`51-ロゴの改善`) before
# the slug's words: when the post or card was made, not what it is called.
_SLUG_PREFIX = re.compile(
    r"^(?:(?:19|20)\d\d([-_.]?)[01]\d\1[0-3]\d[-_]+(?=.*[^\W\d_])|0\d{1,2}[-_]+(?=[^\W\d_]))"
)
_NUMBERED_CARD_HOSTS = frozenset({"trello.com"})
_CARD_NUMBER = re.compile(r"^\d+-(?=[^\W\d_])")
_URLISH = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_LINKS = re.compile(r"<[^<>]+>|https?://\S+|www\.\S+|\[[^\]]*\]\([^)]*\)", re.IGNORECASE)
# What Slack and Discord write around a file, not words of the member's.
_SYSTEM_WORDS = re.compile(
    r"^\s*(?:(?:uploaded|shared|posted|attached) (?:a|an|this) (?:file|image|snippet|post)"
    # Slack's old file shares: "<@U…> uploaded a file: <…|name> and commented: Nice map"
    r"\s*:?)?(?:\s*and commented\s*:)?",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"```.*?```|`[^`]*`|:[a-z0-9_+\-]{1,40}:|<@[^>]+>|[*_~]{1,3}", re.DOTALL)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def clean_title(text: str | None, url: str | None = None) -> str | None:
    """A title fit to show: one line, no markup, at most `MAX_TITLE_CHARS`; None when it says
    nothing (empty, only punctuation, the URL itself, a camera or screenshot file name)."""
    if not text:
        return None
    if is_generic_filename(text):
        return None
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub(" ", text.replace("\u200b", "")).strip().strip("*_~`")
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").strip()
    # A label cut where the sentence went on (`<…|Wikidata, >hold a PhD…`) ends on its comma.
    text = text.rstrip(",;").rstrip()
    if not any(ch.isalnum() for ch in text):
        return None
    if _URLISH.match(text):
        return None
    if url and _same_address(text, url):
        return None
    if len(text) > MAX_TITLE_CHARS:
        text = text[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return text


# Labels that point at a link instead of naming it ("see [here](…)", "<url|this link>").
_POINTING_WORDS = frozenset(
    "here this that link the click see read more a an it page website url こちら ここ リンク".split()
)


def label_title(label: str | None, url: str | None = None) -> str | None:
    """The title a link's label gives it (`<url|Async IO in Python>`), or None when the label
    only points at the link ("here", "this link", "click here", "こちら")."""
    cleaned = clean_title(label, url)
    if cleaned is None:
        return None
    words = cleaned.casefold().strip(".:!?()[]").split()
    if words and all(w in _POINTING_WORDS for w in words):
        return None
    return cleaned


def address_label(label: str | None, url: str) -> str | None:
    """A site's front page labelled with its own address (`<http://fast.ai|fast.ai>`: Slack
    links what the member typed): the name they call it by, where its host alone had titled it
    "Fast". As weak as a site's name (`TitleSource.SITE`): the page's own title replaces it."""
    if not label or _URLISH.match(label.strip()) or not is_front_page(url):
        return None
    return clean_title(label) if _same_address(clean_title(label) or "", url) else None


def _same_address(text: str, url: str) -> bool:
    bare = url.split("://", 1)[-1].removeprefix("www.").rstrip("/")
    return text.removeprefix("www.").rstrip("/").lower() == bare.lower()


def is_generic_filename(name: str | None) -> bool:
    """True for `image.png`, `Screenshot 2020-05-01 at 10.22.33.png`, `IMG_1234.JPG`,
    `089da236...jpg`: names that say nothing about what the file shows."""
    if not name:
        return True
    stem = _EXTENSION.sub("", unspoiled(name.strip()))
    return not stem or bool(
        _GENERIC_FILE.match(stem)
        or _HEXISH.match(stem)
        or _DIGITS.match(stem)
        or _ENCODED_NAME.match(stem)
    )


# Discord marks a file as a spoiler by this prefix to its name (`SPOILER_unknown.png`).
_SPOILER = re.compile(r"^SPOILER_")


def unspoiled(name: str) -> str:
    """A file's name without Discord's spoiler mark: `SPOILER_chart.png` -> `chart.png`."""
    return _SPOILER.sub("", name)


_SCREENSHOT = re.compile(
    r"(?i)^(screen[\s_-]?shot|screenshot)[\s_-]*(\d{4})[_-]?(\d{2})[_-]?(\d{2})(?!\d)"
)


def screenshot_title(url: str) -> str | None:
    """A screenshot nobody named, by its day: "Screen Shot 2015-09-08" for
    `…/screen_shot_2015-09-08_at_21.58.41.png`, better than its address in a digest (the
    last resort, after `fallback_title`)."""
    try:
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    except ValueError:
        return None
    found = _SCREENSHOT.match(name.strip())
    if found is None:
        return None
    words = _SPACES.sub(" ", _SEP.sub(" ", found.group(1)))
    return f"{words[:1].upper()}{words[1:]} {found.group(2)}-{found.group(3)}-{found.group(4)}"


def file_title(title: str | None, filename: str | None) -> tuple[str, TitleSource] | None:
    """A file's title: the one a member typed (when it is not just the default file name),
    else a telling file name, as members know it (`houston_slides.pdf`)."""
    if title and not is_generic_filename(title) and title != filename:
        cleaned = clean_title(title)
        if cleaned:
            return cleaned, TitleSource.LABEL
    for name in (filename and unspoiled(filename), title):
        if name and not is_generic_filename(name):
            words = _SPACES.sub(" ", _SEP.sub(" ", _EXTENSION.sub("", name))).strip()
            if " " not in words and len(words) < 5:
                continue  # "pm", "list": too short to tell anyone what the file is
            cleaned = clean_title(name)
            if cleaned:
                return cleaned, TitleSource.FILE
    return None


CODE_HOSTS = frozenset({"github.com", "gitlab.com", "codeberg.org", "bitbucket.org"})

# " | ", " - ", " – ", " — ", " · ", " » ", " :: " between a page's name and its site's
_TITLE_PARTS = re.compile(r"\s+(?:[|\-–—·»]|::)\s+")
_HOST_FILLER = frozenset(
    "www docs doc blog blogs news projects project app apps hub site sites web com org net io "
    "co uk ai dev en m".split()
)
# GitHub's "· Issue #3637 ·", "· Pull Request #32 ·" parts name no subject either.
_CODE_PART = re.compile(r"(?i)^(?:issue|pull request|discussion|release|commit)\b.*$")


SITE_NAME_WORDS = 6  # "Infrahub Documentation", "The Julia Programming Language"
# A social site's counter after the title ("| 12 comments", "- 1.2K views"): chrome, no subject.
_SOCIAL_COUNT = re.compile(
    r"[\d.,]+\s*[km]?\s+(?:comments?|likes?|views?|reactions?|replies|reply|shares?|points?"
    r"|reposts?|upvotes?)"
)


def site_suffix(title: str, url: str) -> tuple[str, str | None]:
    """A title split into what the page is about and the site's name around it:
    `Installing Infrahub | Infrahub Documentation` (docs.infrahub.app) -> ("Installing
    Infrahub", "Infrahub Documentation"); `PyTorch vs TensorFlow – Real Python` -> (…, "Real
    Python"); `Papers with Code - Graph Classification` -> ("Graph Classification", …).
    A part is the site's when its letters contain one of the host's names (or the
    repository's `owner/name` on a code host); the title is kept whole when nothing else
    would be left."""
    try:
        split = urlsplit(url)
    except ValueError:
        return title, None
    title = _without_pr_author(title.strip(), split)
    parts = _TITLE_PARTS.split(title)
    if len(parts) < 2:
        return title, None
    labels = [
        re.sub(r"[^a-z0-9]", "", label)
        for label in (split.hostname or "").lower().split(".")
        if label not in _HOST_FILLER
    ]
    labels = [label for label in labels if len(label) >= 4]
    owner = code_owner(url)
    repo = "/".join([s for s in split.path.split("/") if s][:2]).lower() if owner else None

    def kind(part: str) -> str | None:
        """ "site", "code" (a code host's own label, no name to keep) or None."""
        text = part.strip().lower()
        if repo is not None:
            cut = text.rstrip(".…")
            if text == repo or (cut != text and cut and repo.startswith(cut)):
                return "code"  # the repository's name, maybe cut short ("opsmill/schema-l...")
            if (
                cut != text
                and cut
                and any(  # "· Iss...", "· Pull Reque...": cut short
                    label.startswith(cut) for label in ("issue #", "pull request #")
                )
            ):
                return "code"
            if _CODE_PART.match(text):
                return "code"
        if _SOCIAL_COUNT.fullmatch(text):
            return "count"
        letters = re.sub(r"[^a-z0-9]", "", text)
        named = letters and any(label in letters or letters in label for label in labels)
        # a site calls itself in a few words; a sentence that mentions it ("… on LinkedIn:
        # SDS welcomes …") is the page's own
        if named and len(text.split()) <= SITE_NAME_WORDS:
            return "site"
        return None

    lead: list[str] = []
    trail: list[str] = []
    code: list[str] = []
    dropped = False
    for end in (-1, 0):
        while len(parts) > 1 and (found := kind(parts[end])) is not None:
            part = parts.pop(end)
            dropped = True
            if found == "site" and end == 0:
                lead.append(part)
            elif found == "site":
                trail.insert(0, part)  # popped from the end: last first
            elif found == "code":
                code.append(part)
    if not dropped:
        return title, None
    if code and len(parts) == 1 and kind(parts[0]) == "site":
        # "GitHub - opsmill/infrahub-demo-dc-fabric": the repository is what the page is
        # about, the host's name is the site's ("GitHub" had been the title's topic)
        return code[0], " ".join([*lead, *parts, *trail])
    return " - ".join(parts), " ".join([*lead, *trail]) or None


_CUT_SHORT = re.compile(r"[A-Za-z0-9_.+#-]*[A-Za-z0-9](?:\.\.\.|…)\s*$")
_ELLIPSIS_END = re.compile(r"(?:\.\.\.|…)\s*$")
_ELLIPSIS = re.compile(r"\s+(?:\.\.\.|…)\s*$")


def uncut(title: str) -> str:
    """A title without the word an embed cut short: Discord shows a long GitHub title as
    "…in the data property of IPPrefixPoolGetR...", and `ipprefixpoolgetr` names nothing.
    A whole last word before the ellipsis stays; the title is never emptied."""
    if _ELLIPSIS.search(title):
        return _ELLIPSIS.sub("", title)
    shorter = _CUT_SHORT.sub("", title).rstrip()
    if shorter == title.rstrip():  # cut inside Japanese: where its word began is unknown
        shorter = _ELLIPSIS_END.sub("", title)
    return shorter if shorter.strip() else title


# GitHub names a pull request's author after its title ("Improve Routing by BeArchiTek ·
# Pull Request #32 · …", also when an embed cuts it short): an account, not a subject.
_PR_AUTHOR = re.compile(r"\s+by\s+[A-Za-z0-9][A-Za-z0-9-]{0,38}(?=\s*(?:·|\.\.\.|…|$))")
_PULL_PATH = re.compile(r"^/[^/]+/[^/]+/pulls?/\d+")


def _without_pr_author(title: str, split: SplitResult) -> str:
    if (split.hostname or "").removeprefix("www.") != "github.com":
        return title
    if not _PULL_PATH.match(split.path):
        return title
    return _PR_AUTHOR.sub("", title, count=1) or title


def _host_and_path(url: str) -> tuple[str, list[str]] | None:
    """A URL's host (without `www.`) and its path's segments, as written; None if unparsable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return (parts.hostname or "").removeprefix("www."), [s for s in parts.path.split("/") if s]


def code_owner(url: str) -> str | None:
    """The account a code host's repository URL belongs to (`FluxML` of `github.com/FluxML/
    Flux.jl`), or None for any other URL."""
    found = _host_and_path(url)
    if found is None:
        return None
    host, segments = found
    return unquote(segments[0]) if host in CODE_HOSTS and len(segments) >= 2 else None


# Where a site keeps its people: the segment after one of these names a person, whose page it
# is (`linkedin.com/in/<name>`, `…/books/info/authors/richard-cook`, `…/profile/micah.stubbs`).
_PEOPLE = frozenset(
    "in author authors people person profile profiles user users u speakers".split()
)


def is_person_page(url: str) -> bool:
    """A page about one person: the last segment after a site's people (`linkedin.com/in/
    shuklanx`). Its address names someone, not a subject (`linkedin.com/in` only: elsewhere
    `in` is a word). Not a code host's account: an organisation's (`haskell-jp`,
    `cesaraustralia`) names a community or project as often as a person."""
    found = _host_and_path(url)
    if found is None or "#!" in url:  # `…/profile/m#!/vizhome/…`: a page routed past it
        return False
    host, segments = found
    if len(segments) < 2 or segments[-2].casefold() not in _PEOPLE:
        return False
    return segments[-2] != "in" or host.endswith("linkedin.com")


# Link shorteners: the path is a code that names nothing (`t.co/odAahxmVPL` had been titled
# "OdAahxmVPL").
_SHORTENERS = frozenset(
    """t.co bit.ly goo.gl ow.ly buff.ly tinyurl.com is.gd lnkd.in dlvr.it fb.me amzn.to trib.al
    meetu.ps git.io rebrand.ly shorturl.at cutt.ly tiny.cc youtu.be gph.is""".split()
)
# Image and paste hosts: the path is the upload's code (`imgur.com/a/bljm9Zu` had been titled
# "Bljm9Zu", and `bljm9zu` a topic).
_UPLOAD_HOSTS = frozenset(
    """imgur.com i.imgur.com m.imgur.com prnt.sc prntscr.com gyazo.com i.gyazo.com ibb.co
    i.ibb.co postimg.cc i.postimg.cc pastebin.com hastebin.com dpaste.org streamable.com""".split()
)


def slug_title(url: str) -> str | None:
    """Readable words from the URL's path, or None when it holds only ids and filler.

    `https://www.meetup.com/x/events/tableau-10-houston/` -> "Tableau 10 houston";
    `https://github.com/FluxML/Flux.jl` -> "FluxML/Flux.jl"; `https://arxiv.org/abs/1234.5678`
    -> None (an id tells a member nothing)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").removeprefix("www.")
    if host in _SHORTENERS or host in _UPLOAD_HOSTS:
        return None  # `t.co/odAahxmVPL`: a code, however word-like
    path = parts.path
    if parts.fragment.startswith("!"):  # `#!/vizhome/...`, `#!topic/...`: routed in-page
        path = f"{path}/{parts.fragment[1:].lstrip('/')}"
    segments = [unquote(s) for s in path.split("/") if s]
    if host == "tenor.com" and len(segments) == 1:
        return None  # `tenor.com/FBbU.gif`, its short form; `/view/<words>-gif-<id>` has words
    if host in CODE_HOSTS and len(segments) == 1 and segments[0] not in _CODE_HOST_PAGES:
        return clean_title(segments[0])  # an account, by its name as written: `haskell-jp`
    if host in CODE_HOSTS and len(segments) >= 2:
        repo = f"{segments[0]}/{segments[1]}"
        reference = _code_reference(segments[2:])
        if reference:
            return f"{repo}{reference}"
        rest = [s for s in segments[2:] if s not in {"blob", "tree", "master", "main"}]
        if rest and _FILE_NAME.fullmatch(rest[-1]) and _words(rest[-1]):
            return clean_title(f"{repo}: {rest[-1]}")  # `hie.yaml`: a file named, not a slug
        return clean_title(f"{repo}: {_words(rest[-1])}" if rest and _words(rest[-1]) else repo)
    module = _haddock_module(host, segments)
    if module:
        return module
    if host.endswith("slack.com") and segments[:1] == ["files"]:
        segments = segments[-1:]  # /files/<member>/<id>/<name>: only the name says anything
    if host in _NUMBERED_CARD_HOSTS:
        segments = [_CARD_NUMBER.sub("", s) for s in segments]
    named = [s for s in segments if not _is_filler(s)]  # the last that is not filler names it
    if not named:
        return None
    words = _words(named[-1])  # an id here: what comes before names a collection
    if words is None:
        words = _slug_before_id(named[:-1])
    elif " " not in words and len(named) >= 2:
        # One run-together word after a title of several (`#!/vizhome/HoustonGenderRatiobyZipCode/
        # femalespermale`, `…/hospital-payments-explorer/paymentsexplorer`): a sheet or view
        # of the thing the segment before names.
        before = _words(named[-2])
        if before and before.count(" ") >= 2:
            words = before
    return clean_title(words[:1].upper() + words[1:]) if words else None


# Where an address keeps its items (`/events/<id>`, `/t/<slug>/<id>`, `/questions/<id>`).
_COLLECTIONS = frozenset("events event t topic topics questions question q items item".split())


def _slug_before_id(segments: Sequence[str]) -> str | None:
    """The words of a hyphenated slug just before an item's id, past a collection's name:
    Discourse's `/t/where-is-a-good-place-to-ask/54207`, Meetup's `/Houston-Data-Visualization-
    Meetup/events/231227184`. Only a slug of three words or more: `srush_nlp/status/…` is a
    user, whose link `address_title` names."""
    for segment in reversed(segments[-2:]):
        if segment.casefold() in _COLLECTIONS:
            continue
        return _words(segment) if segment.count("-") >= 2 else None
    return None


# Haskell's documentation hosts write a module's page as its dotted name with hyphens
# (`…/package/base-4.17.0.0/docs/Data-List.html`): "Data.List (base)" is how Haskellers cite
# it, where the words "Data List" name nothing.
_HADDOCK_HOSTS = frozenset({"hackage.haskell.org", "stackage.org"})
_MODULE_PAGE = re.compile(r"([A-Z][A-Za-z0-9_']*(?:-[A-Z][A-Za-z0-9_']*)*)\.html")
_PACKAGE_VERSION = re.compile(r"-\d+(?:\.\d+)*$")


def _haddock_module(host: str, segments: Sequence[str]) -> str | None:
    if host not in _HADDOCK_HOSTS or len(segments) < 3:
        return None
    page = _MODULE_PAGE.fullmatch(segments[-1])
    if page is None:
        return None
    if segments[0] == "package" and segments[2:3] == ["docs"]:
        package = segments[1]
    elif segments[0] == "haddock" and len(segments) >= 4:
        package = segments[-2]  # stackage.org/haddock/<snapshot>/<package-version>/<Module>
    else:
        return None
    return f"{page.group(1).replace('-', '.')} ({_PACKAGE_VERSION.sub('', package)})"


# One word and its extension (`.infrahub.yml`, `README.md`, and a code file's snake_case
# name, `sr_onthefly_logic.py`); `julia-1.6-highlights.md` is a slug, read as words.
_FILE_NAME = re.compile(r"\.?[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*\.[A-Za-z][A-Za-z0-9]{0,7}")
_NUMBERED = frozenset({"pull", "pulls", "issues", "discussions", "merge_requests"})
# A code host's own pages at the top of its paths, where an account's name would be.
_CODE_HOST_PAGES = frozenset(
    "about explore features login marketplace notifications pricing search settings signup "
    "sponsors topics trending users dashboard".split()
)
_HEX_ID = re.compile(r"[0-9a-f]{7,40}")


def _code_reference(rest: Sequence[str]) -> str | None:
    """How developers write a pull request, issue or commit of a repository (`#33526`,
    `@1a2b3c4`), or a release by its tag as tagged (`v1.6.0-beta1`): the repository's name
    alone would not tell two of them apart."""
    rest = [s for s in rest if s != "-"]  # GitLab: /group/repo/-/merge_requests/12
    if len(rest) >= 3 and rest[0] == "releases" and rest[1] == "tag" and rest[2]:
        return f" {rest[2]}"
    if len(rest) >= 2 and rest[0] in _NUMBERED and rest[1].isdigit():
        return f"{'!' if rest[0] == 'merge_requests' else '#'}{rest[1]}"  # GitLab writes !12
    if len(rest) >= 2 and rest[0] in {"commit", "commits"} and _HEX_ID.fullmatch(rest[1]):
        return f"@{rest[1][:7]}"
    return None


def fallback_title(
    url: str,
    messages: Sequence[str],
    site: str | None = None,
    channels: Mapping[str, str] | None = None,
) -> tuple[str, TitleSource] | None:
    """When no message or page named a resource: the URL's words; for a site's front page
    the site's name (`site`, from its address: "Desmos" rather than the sentence "for Elom -
    here is the math education vis project…"); else the sentence its first sharer wrapped
    around it."""
    slug = slug_title(url)
    searched = search_terms(url)
    if searched:
        # A search (`hoogle.haskell.org/?hoogle=StateT`, `github.com/search?q=lox+Data.Text`):
        # what was searched for names it, where the path says only "Hoogle" or "Search".
        base = slug if slug and slug.casefold() != "search" else None
        if base is None:
            name = site or (_host_name(url) if "search" in (slug or "").casefold() else None)
            base = f"{name[:1].upper()}{name[1:]} search" if name else "Search"
        titled = clean_title(f"{base}: {searched}")
        if titled:
            return titled, TitleSource.SLUG
    if slug:
        return slug, TitleSource.SLUG
    if site and is_front_page(url):
        name = site.replace("-", " ")
        # A host cannot hold spaces (`eloquentjavascript.net`); a path can, and a word run
        # together there is a name its author chose (`sparklines.png`, `greenhoney`).
        name = " ".join(split_run_on(word) or word for word in name.split())
        titled = clean_title(name[:1].upper() + name[1:])
        if titled:
            return titled, TitleSource.SITE
    for text in messages[:1]:
        sentence = sentence_title(text[:2000])
        if sentence:
            return sentence, TitleSource.SENTENCE
    named = address_title(url, channels)
    return (named, TitleSource.ADDRESS) if named else None


# The forms `address_title` writes: Rhizome's words for how people cite an address.
_ADDRESS_TITLE = re.compile(
    r"^(?:Tweet by @\w{1,15}|arXiv:\S+|(?:Gist|Block) by \S+|Message in #\S+"
    r"|(?:Slack|Discord) message|YouTube video)$"
)
_YOUTUBE_HOSTS = frozenset({"youtube.com", "m.youtube.com", "music.youtube.com"})
_VIDEO_ID = re.compile(r"[\w-]{11}")


def _youtube_video(host: str, segments: list[str], url: str) -> bool:
    """`youtube.com/watch?v=<id>`, `/shorts/<id>`, `/live/<id>`, `youtu.be/<id>`: one video,
    which a bare link had titled "Youtube" as if it were the site."""
    if host == "youtu.be":
        return len(segments) == 1 and bool(_VIDEO_ID.fullmatch(segments[0]))
    if host not in _YOUTUBE_HOSTS:
        return False
    if segments[:1] in (["shorts"], ["live"], ["embed"]) and len(segments) == 2:
        return bool(_VIDEO_ID.fullmatch(segments[1]))
    if segments == ["watch"]:
        video = parse_qs(urlsplit(url).query).get("v", [""])[0]
        return bool(_VIDEO_ID.fullmatch(video))
    return False


def is_address_title(title: str) -> bool:
    """Whether `title` is one `address_title` made: the citation's words (`Tweet by @user`)
    say nothing of the page, so no topic is read from them."""
    return bool(_ADDRESS_TITLE.match(title))


_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)(?:\.pdf)?")
_TWEET_HOSTS = frozenset({"twitter.com", "mobile.twitter.com", "x.com", "mobile.x.com"})
_AUTHOR_HOSTS = {"gist.github.com": "Gist", "bl.ocks.org": "Block"}
_GIST_ID = re.compile(r"[0-9a-f]{7,40}")
_SLACK_MESSAGE = re.compile(r"p\d{16}")
_DISCORD_HOSTS = frozenset(
    {"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"}
)
_HANDLE = re.compile(r"\w{1,15}")


def chat_message_channel(url: str) -> str | None:
    """The channel id of a link to a Slack or Discord message (`<team>.slack.com/archives/
    C674ELDNX/p1613019854422800`, `discord.com/channels/<guild>/<channel>/<message>`)."""
    found = _host_and_path(url)
    if found is None:
        return None
    host, segments = found
    if host.endswith(".slack.com") and len(segments) == 3 and segments[0] == "archives":
        return segments[1] if _SLACK_MESSAGE.fullmatch(segments[2]) else None
    if host in _DISCORD_HOSTS and len(segments) == 4 and segments[0] == "channels":
        return segments[2] if all(s.isdigit() for s in segments[1:]) else None
    return None


def _tweet_author(host: str, segments: list[str]) -> str | None:
    """The account of `x.com/<user>/status/<id>`, or None for any other address."""
    if (
        host in _TWEET_HOSTS
        and len(segments) >= 3
        and segments[1] == "status"
        and _HANDLE.fullmatch(segments[0])
        and segments[2].isdigit()
    ):
        return segments[0]
    return None


# Where a handle's words meet: `NickSzabo4`, `CryptoShillNye`, `Mr_Meowwwgi` (digits at the
# end are a counter; `jl777` and `el33th4xor` are the name itself).
_CAMEL_BREAK = re.compile(r"(?<=[a-z])(?=[A-Z])")
_HANDLE_BREAK = re.compile(r"_+|(?<=[A-Za-z]{4})\d+$")
_CAPITALS = re.compile(r"[A-Z]{2}")


def post_author(url: str) -> str | None:
    """The words of the account whose post a link is (`twitter.com/NickSzabo4/status/…` ->
    "Nick Szabo"): what a curator tags a bare tweet with, whose own words are not in the
    data (Komodo: 798 tweets, most shared without a word)."""
    found = _host_and_path(url)
    if found is None:
        return None
    author = _tweet_author(found[0], [unquote(s) for s in found[1]])
    if author is None:
        return None
    if not _CAPITALS.search(author):  # `BitMEXResearch`, `AMAZlNGNATURE` are no camel case
        author = _CAMEL_BREAK.sub(" ", author)
    return " ".join(_HANDLE_BREAK.sub(" ", author).split()) or None


def address_title(url: str, channels: Mapping[str, str] | None = None) -> str | None:
    """What a link whose path is ids says in the way people cite it, when nobody said what it
    is: `x.com/<user>/status/<id>` "Tweet by @user", `arxiv.org/abs/2010.04004` "arXiv:
    2010.04004", `gist.github.com/<user>/<id>` "Gist by user" (ten tweets of the julialang
    export had been shown as bare addresses), a link to a chat message "Message in #releases"
    when `channels` (public channels' ids to names) knows its channel, else "Slack message"."""
    channel = chat_message_channel(url)
    if channel is not None:
        name = (channels or {}).get(channel)
        platform = "Discord" if "discord" in url.split("/", 3)[2] else "Slack"
        return f"Message in #{name}" if name else f"{platform} message"
    found = _host_and_path(url)
    if found is None:
        return None
    host, segments = found[0], [unquote(s) for s in found[1]]
    author = _tweet_author(host, segments)
    if author is not None:
        return f"Tweet by @{author}"
    if _youtube_video(host, segments, url):
        return "YouTube video"
    if host in ("arxiv.org", "export.arxiv.org") and segments[:1] in (["abs"], ["pdf"]):
        paper = _ARXIV_ID.fullmatch("/".join(segments[1:]))
        if paper:
            return f"arXiv:{paper.group(1)}"
    if host in _AUTHOR_HOSTS and len(segments) == 2 and _GIST_ID.fullmatch(segments[1]):
        return f"{_AUTHOR_HOSTS[host]} by {segments[0]}"
    return None


# The query parameters sites put a search's words in (`q`, Hoogle's `hoogle`, WordPress's `s`).
_SEARCH_KEYS = ("q", "query", "search", "hoogle", "s", "term", "keywords")
MAX_SEARCH_CHARS = 80


def search_terms(url: str) -> str | None:
    """The words a search link searched for (`…/hoogle?q=uncurry4` -> "uncurry4"), or None;
    never an address (`google.com/url?q=https://…` is a redirect, not a search)."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return None
    if not query:
        return None
    params = parse_qs(query)
    for key in _SEARCH_KEYS:
        for value in params.get(key, ()):
            words = _SPACES.sub(" ", value).strip()
            if words and not _URLISH.match(words) and any(ch.isalnum() for ch in words):
                return words[:MAX_SEARCH_CHARS]
    return None


def _host_name(url: str) -> str | None:
    """The first name of a link's host that is not `www` (`github.com` -> `github`)."""
    found = _host_and_path(url)
    return (found[0].split(".", 1)[0] or None) if found else None


def is_front_page(url: str) -> bool:
    """A link to a site itself (`http://eloquentjavascript.net`, `https://www.desmos.com/`,
    `…/index.html`), not to a page in it. A page its query picks still counts (`smbc-comics.com/
    ?id=3047` is best called "Smbc comics"), but not a video."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    found = _host_and_path(url)
    if found is not None and _youtube_video(*found, url):
        return False  # `youtube.com/watch?v=…`: one video, not the site ("Youtube")
    return all(_is_filler(unquote(s)) for s in path.split("/") if s)


def own_words(text: str) -> int:
    """How many words a member wrote around their links and files ("uploaded a file:" and
    markup do not count); Japanese counts one word per two characters."""
    cleaned = _MARKUP.sub(" ", _SYSTEM_WORDS.sub(" ", _LINKS.sub(" ", text)))
    words = [w for w in cleaned.split() if any(ch.isalnum() for ch in w)]
    cjk = sum(len(_CJK.findall(w)) for w in words)
    return sum(1 for w in words if not _CJK.search(w)) + cjk // 2


_QUOTED_LINES = re.compile(r"^[ \t]*(?:>|&gt;)[^\n]*$", re.MULTILINE)


_SHORT_FRAGMENT = 7  # words
# Words that cannot end an English sentence once the link after them is taken out.
_OBJECT_MISSING = frozenset(
    "at in on of to from the a an via by with into about over onto per".split()
)


# Greetings and thanks ("はじめまして。" nice to meet you, "Hi all, thanks!") at the start
# of a message say who is speaking to whom, not what the link is: the sentence after them does.
_GREETINGS = re.compile(
    r"(?i)^(?:(?:はじめまして|初めまして|こんにちは|こんばんは|おはようございます|お疲れ様です"
    r"|おつかれさまです|ありがとうございます|よろしくお願いします|失礼します"
    r"|(?:hi|hello|hey|thanks|thank you|good (?:morning|evening))"
    r"(?: (?:all|everyone|everybody|folks|guys|team|there|so much))*)"
    r"(?:[.,!?、。！？][\s.,!?、。！？]*|\s*$))+"
)


def _says_something(sentence: str) -> bool:
    return len(sentence.split()) >= 3 or bool(_CJK.search(sentence) and len(sentence) >= 6)


def _fragment(sentence: str) -> bool:
    """A sentence the link sat inside, which names nothing without it: English that ends on a
    preposition or an article ("Drew Winget at <link>", "over in <link>"); Japanese ("<link>
    に移しました", moved to <link>; "<link> のとおりです"; "<@U1> さん、ご指摘…"), which opens on
    a particle or an honorific, and what follows goes on from it."""
    if not _CJK.match(sentence):
        # Short ones only: a long sentence says what the link is before it ("…there's now a
        # Houston R Users group on <link>").
        words = sentence.rstrip(" .,:;!?-—–").casefold().split()
        return 0 < len(words) <= _SHORT_FRAGMENT and words[-1] in _OBJECT_MISSING
    from bot.interests.terms import opens_on_particle

    return opens_on_particle(sentence)


def sentence_title(text: str, limit: int = 80) -> str | None:
    """The words a member wrapped around a link (their first sentence, links and markup
    taken out), when nothing better names it: "Great intro to async Rust"."""
    cleaned = _LINKS.sub(" ", _QUOTED_LINES.sub(" ", text))  # a quote is someone else's words
    cleaned = _MARKUP.sub(" ", _SYSTEM_WORDS.sub(" ", cleaned))
    cleaned = _GREETINGS.sub("", _SPACES.sub(" ", cleaned).strip(" :-—–,;(["))
    # The first sentence that says something: "Wow!" or "We're 💯!" before it says nothing
    # (Houston Slack: a screenshot's title had been its raw address).
    sentences = [p.strip(" :-—–,;([") for p in _SENTENCE_END.split(cleaned, maxsplit=3)[:3]]
    first = next((p for p in sentences if _says_something(p)), None)
    if first is None or _fragment(first):
        return None
    if len(first) > limit:
        first = first[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return clean_title(first)


def _is_filler(segment: str) -> bool:
    segment = _COMPRESSED.sub("", segment)
    stem = _SEGMENT_EXTENSION.sub("", segment) if "." in segment[-6:] else segment
    stem = _LANGUAGE_SUFFIX.sub("", stem)  # `index_en`, `index-de`: still the index
    return not stem or stem.lower() in _NOISE_SEGMENTS


# A content hash in a name (`main-qimg-ae6297c2b8230233594fe1e2309f754f-c`, Quora's image
# store): the name is a machine's, and the words around the hash its affixes ("Main qimg c").
# A blog's short id after a title's words (Medium: `600-microseconds-b70f87b0b2a6`) is 12 long.
_GENERATED = re.compile(r"(?<![0-9a-f])[0-9a-f]{24,}(?![0-9a-f])", re.IGNORECASE)


def _words(segment: str) -> str | None:
    """The words of one path segment, or None when it is an id, a number or filler."""
    segment = _COMPRESSED.sub("", unspoiled(segment))
    if is_generic_filename(segment) and _SEGMENT_EXTENSION.search(segment):
        return None  # `unknown.png`, Discord's name for a pasted picture
    stem = _SEGMENT_EXTENSION.sub("", segment) if "." in segment[-6:] else segment
    if not stem or stem.lower() in _NOISE_SEGMENTS or _HEXISH.match(stem) or _DIGITS.match(stem):
        return None
    if _BASE64_ID.fullmatch(stem) or _GENERATED.search(stem):
        return None
    if _CAMEL_ID.fullmatch(stem):  # `HoustonGenderRatiobyZipCode`: three or more words run on
        stem = _CAMEL_PART.sub(" ", stem)
    stem = _LANGUAGE_SUFFIX.sub("", _SLUG_PREFIX.sub("", stem))  # `windows-gotchas-en`
    words = " ".join(
        w for w in _SEP.sub(" ", stem).split() if not (_HEXISH.match(w) or _MIXED_ID.match(w))
    )
    letters = sum(ch.isalpha() for ch in words)
    if letters < 3 or (" " not in words and len(words) > 40):
        return None  # "a1", or a 60-character token: an id, not words
    if " " not in words and sum(ch.isdigit() for ch in words) > letters:
        return None  # "v8x7k2p9q": an id with a few letters in it
    return words
