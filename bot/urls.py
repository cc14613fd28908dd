"""Link extraction and URL canonicalization for resource tracking.

Pure and fast: the tracking core calls :func:`extract_urls` on every message, so the
regexes are precompiled, text without any URL hint returns at once, and every pattern is
linear-time (no nested quantifiers that could backtrack catastrophically).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import idna
from w3lib.url import canonicalize_url as _w3lib_canonicalize

__all__ = [
    "MAX_URLS_PER_MESSAGE",
    "MAX_URL_LENGTH",
    "FoundUrl",
    "canonicalize",
    "domain_of",
    "extract_urls",
    "is_public_page",
    "is_trackable",
    "shared_message_links",
]

MAX_URL_LENGTH = 2048
MAX_URLS_PER_MESSAGE = 20


@dataclass(frozen=True, slots=True)
class FoundUrl:
    """One resource found in a message: as written, canonical, and its display label."""

    original: str  # as written (after unwrapping markup)
    canonical: str  # canonical form, see canonicalize()
    domain: str  # canonical host without "www."
    label: str | None  # Slack <url|label> or markdown [label](url) label, when present


# One pass over the text. Alternatives start with different characters ("<", "[", h/w),
# and no quantified group can match the same text two ways, so scanning stays linear.
_TOKEN = re.compile(
    # Every alternative starts with one of these: the lookahead lets the scan skip the other
    # characters without trying each alternative at each of them (twice as fast on chat text).
    r"(?=[<\[hHwW])(?:"
    # Slack <url|label> / <url>, Slack specials <@U1|name> <#C1> <!here>, Discord <url>
    r"<(?P<angle>[^\s<>|]+)(?:\|(?P<alabel>[^<>]*))?>"
    # Markdown / Discord masked link [label](url) or [label](<url>); one level of (...) in url
    r"|\[(?P<mlabel>[^\[\]\n]*)\]\(<?(?P<murl>[hH][tT][tT][pP][sS]?://[^\s()<>\[\]]*"
    r"(?:\([^\s()<>\[\]]*\)[^\s()<>\[\]]*)*)>?\)"
    # Bare URL in text; trailing punctuation is trimmed afterwards in Python
    r"|(?<![\w@.\-/])(?P<bare>(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\.)[^\s<>\"`]+)"
    r")"
)
_LINK_START = re.compile(r"https?://|www\.", re.ASCII | re.IGNORECASE)
_SCHEME = re.compile(r"(https?)://", re.ASCII | re.IGNORECASE)
_ASCII_HOST = re.compile(r"[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})+")
_TLD = re.compile(r"[a-z][a-z0-9-]*")
_PLAIN_PATH = re.compile(r"(?:/[A-Za-z0-9._~-]*)*", re.ASCII)
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9._~=&-]*", re.ASCII)
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TRAILING_PUNCT = frozenset(".,;:!?'\"*~")
# Adversarial text with thousands of copies of one link: stop looking after this many.
_MAX_CANDIDATES = 1000
_CLOSERS = {")": "(", "]": "[", ">": "<"}

_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "twclid",
        "mc_cid", "mc_eid", "ref_src", "ref_url", "si", "igshid", "igsh", "_hsenc",
        "_hsmi", "mkt_tok", "yclid", "spm",
    }
)  # fmt: skip
_FENCE = re.compile(r"```")
_YOUTUBE_HOSTS = frozenset({"youtube.com", "m.youtube.com", "youtu.be", "youtube-nocookie.com"})
_YOUTUBE_ID_PATHS = ("/shorts/", "/embed/", "/live/", "/v/")
_TWITTER_HOSTS = frozenset({"twitter.com", "mobile.twitter.com", "x.com", "mobile.x.com"})


def _auto_linked_code(text: str, match: re.Match[str], url: str, label: str) -> bool:
    """Slack links any word that looks like a domain, even in code: `Data.Text.Lazy.IO` (a
    Haskell module) arrives as `<http://Data.Text.Lazy.IO|Data.Text.Lazy.IO>`. Such a link,
    its label the address itself, between backticks, is code someone wrote, not a link."""
    if _SCHEME.sub("", url, count=1).rstrip("/") != label.rstrip("/"):
        return False
    before = text.count("`", 0, match.start())
    return before % 2 == 1 and "`" in text[match.end() :]


def _fenced_spans(text: str) -> list[tuple[int, int]]:
    """Where the message's fenced code blocks (```…```, Slack and Discord alike) are. Links
    in them are pasted terminal output, logs and configuration (`Documentation:
    https://docs.julialang.org` in every Julia REPL banner, `http://172.17.0.1:5000` in a
    webhook's code): nothing a member shared. An unclosed fence runs to the end."""
    marks = [m.start() for m in _FENCE.finditer(text)]
    spans = [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]
    if len(marks) % 2:
        spans.append((marks[-1], len(text)))
    return spans


def extract_urls(text: str, *, limit: int = MAX_URLS_PER_MESSAGE) -> list[FoundUrl]:
    """Trackable links in a message, deduplicated by canonical form, in order of appearance.

    Understands Slack (<url|label>, mentions), Discord (<url>, [label](url)) and bare
    URLs. Never raises: anything that is not a trackable http(s) link is skipped.
    """
    if not isinstance(text, str) or limit <= 0:
        return []
    lowered = text.lower()  # cheapest pre-check: most messages hold no link at all
    if "http" not in lowered and "www." not in lowered:
        return []
    found: list[FoundUrl] = []
    seen: set[str] = set()
    fenced = _fenced_spans(text) if "```" in text else ()
    for candidates, match in enumerate(_TOKEN.finditer(text)):
        if candidates >= _MAX_CANDIDATES:
            break
        if fenced and any(start < match.start() < end for start, end in fenced):
            continue  # pasted output or code: a REPL banner's docs link is nobody's share
        angle, bare = match.group("angle"), match.group("bare")
        if angle is not None:
            if not _LINK_START.match(angle):
                continue  # a mention, channel, special, mailto:, emoji, timestamp...
            original = _slack_unescape(angle)
            label = match.group("alabel")
            label = _slack_unescape(label).strip() if label else None
            if label and "`" in text and _auto_linked_code(text, match, original, label):
                continue
        elif bare is not None:
            if len(bare) > MAX_URL_LENGTH + 64:
                continue  # too long even before trimming; also bounds _trim_bare's work
            original, label = _trim_bare(_slack_unescape(bare)), None
        else:
            original, label = match.group("murl"), match.group("mlabel").strip()
        parsed = _canonical_and_domain(original)
        if parsed is None or parsed[0] in seen:
            continue
        canonical, domain = parsed
        seen.add(canonical)
        found.append(FoundUrl(original, canonical, domain, label or None))
        if len(found) >= limit:
            break
    return found


def canonicalize(url: str) -> str | None:
    """The canonical https form of ``url``, or None when it is not a trackable link.

    Variants of one resource (http/https, www., trailing slash, tracking parameters,
    parameter order, fragments, youtu.be vs youtube.com/watch) map to one string, so
    shares of the same page count together. Idempotent; never raises.
    """
    parsed = _canonical_and_domain(url)
    return None if parsed is None else parsed[0]


def domain_of(url: str) -> str | None:
    """Canonical host of ``url`` without "www." (IPv6 without brackets), or None."""
    parsed = _canonical_and_domain(url)
    return None if parsed is None else parsed[1]


def is_trackable(url: str) -> bool:
    """True when ``url`` is an http(s) link with a real host that we would track."""
    return canonicalize(url) is not None


_PLACEHOLDER_HOSTS = re.compile(
    r"(?:^|\.)(?:example\.(?:com|org|net|edu)|localhost|local|internal|invalid|test|lan|home\.arpa)$"
)
_MEDIA_PATH = re.compile(
    r"\.(?:png|jpe?g|gif|webp|bmp|svg|heic|tiff?|mp4|mov|webm|gifv|mp3|wav|ogg)$", re.IGNORECASE
)


# A link to join or book something (a video call, a calendar slot, a chat server): worth
# clicking at the time, never a page to read or to start a conversation with.
_JOIN_LINK = re.compile(
    r"^https?://(?:[\w-]+\.)?(?:zoom\.us/(?:j|my|s|w|wc)/|meet\.google\.com/|"
    r"teams\.microsoft\.com/l/meetup-join|teams\.live\.com/meet|"
    r"(?:calendly|cal)\.com/(?!blog|docs|resources|help)|"
    r"whereby\.com/|meet\.jit\.si/|webex\.com/(?:meet|join)|discord\.gg/|discord\.com/invite/|"
    r"join\.slack\.com/)",
    re.IGNORECASE,
)


# A member's profile in the chat itself (a mention Slack wrote out as a link, haskell-jp's
# `<https://app.slack.com/team/U0121PJA7BN|Nagatatz>`): a person, not a page, so not tracked;
# `bot.mentions` reads it as the mention it is.
_MEMBER_LINK = re.compile(
    r"^https?://(?:[\w-]+\.)?(?:slack\.com/team/[UW][A-Z0-9]+|discord(?:app)?\.com/users/\d+)/?$",
    re.IGNORECASE,
)


def is_public_page(url: str) -> bool:
    """True for a link worth suggesting to others: not a placeholder (`example.org`), not a
    private, loopback or link-local address, not a bare image or video file, not a link to
    join or book a call or a server (`zoom.us/j/…`, `cal.com/…`, `discord.gg/…`)."""
    parsed = _canonical_and_domain(url)
    if parsed is None:
        return False
    canonical, domain = parsed
    host = domain.strip("[]")
    if _PLACEHOLDER_HOSTS.search(host):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and not address.is_global:
        return False
    return not (_MEDIA_PATH.search(urlsplit(canonical).path) or _JOIN_LINK.match(canonical))


def _canonical_and_domain(url: str) -> tuple[str, str] | None:
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        return None
    return _canonicalize_cached(url.strip())


@lru_cache(maxsize=16_384)  # ~6 MB; communities reshare the same links a lot
def _canonicalize_cached(url: str) -> tuple[str, str] | None:
    try:
        return _canonicalize(url)
    except Exception:  # untrusted input: any parser failure means "not a link"
        return None


def _canonicalize(url: str, *, settle: bool = True) -> tuple[str, str] | None:
    """Validate host and port, normalise with w3lib, then apply the site rules.

    Scheme is normalised to https: today http:// and https:// of the same host and path
    are practically always the same resource, and counting them apart would split shares.
    A path w3lib normalised is normalised once more (`settle`): w3lib reads ';' as the start
    of path parameters, so trimming a trailing '/' can change what it does the next time."""
    if url[:4].lower() == "www.":
        url = "https://" + url
    scheme = _SCHEME.match(url)
    if scheme is None:
        return None  # mailto:, javascript:, data:, ftp:, file:, relative, garbage
    parts = urlsplit(url)
    host = _normalise_host(parts.hostname or "")
    if host is None:
        return None
    port = parts.port  # raises ValueError on a bad port; caught by the caller
    default_ports = (80, 443) if scheme.group(1).lower() == "http" else (443,)
    netloc = host if port is None or port in default_ports else f"{host}:{port}"
    # w3lib first (percent-encoding, dot segments, sorted query), then the site rules on
    # its output: they only remove or rewrite pieces, so the result stays a fixed point.
    path, query = _plain_path_and_query(parts.path, parts.query)
    used_w3lib = path is None
    if path is None:
        normal = urlsplit(_w3lib_canonicalize(f"https://{netloc}{parts.path or '/'}?{parts.query}"))
        path, query = normal.path, normal.query
    path = path.rstrip("/;")
    while host.startswith("www.") and host.count(".") > 1:
        host = host[4:]
    if host in _YOUTUBE_HOSTS:
        host, path, query = _youtube(host, path, query)
    elif host in _TWITTER_HOSTS:
        host, query = "x.com", _clean_query(query, extra=("s", "t"))
    elif host in _DISCORD_CDN_HOSTS:
        # Discord signs file links with expiring parameters (live and in exports alike); the
        # file is the same without them, so one file is one resource.
        query = _clean_query(query, extra=("ex", "is", "hm"))
    else:
        query = _clean_query(query)
    netloc = host if port is None or port in default_ports else f"{host}:{port}"
    result = f"https://{netloc}{path}" + (f"?{query}" if query else "")
    if parts.fragment.startswith("!") and len(parts.fragment) > 1:
        # A hash-bang route names a page of a single-page site: `#!/vizhome/GenderRatio` on
        # Tableau Public, `#!topic/d3-js/Olz…` on Google Groups. Other fragments are places
        # in one page and stay out.
        result += "#" + parts.fragment.rstrip("/")
    if len(result) > MAX_URL_LENGTH or _MEMBER_LINK.match(result):
        return None
    if settle and used_w3lib:
        return _canonicalize(result, settle=False)
    return result, host[1:-1] if host.startswith("[") else host  # the domain: as urlsplit reads it


def _plain_path_and_query(path: str, query: str) -> tuple[str | None, str]:
    """What w3lib would return for a path and query of plain unreserved characters, without
    calling it (it costs ~20 µs a URL; most shared links are this plain). (None, "") otherwise."""
    if not _PLAIN_PATH.fullmatch(path) or (query and not _PLAIN_QUERY.fullmatch(query)):
        return None, ""
    if "/." in path and any(segment in (".", "..") for segment in path.split("/")):
        return None, ""
    if not query:
        return path or "/", ""
    pairs = sorted(piece.partition("=")[::2] for piece in query.split("&") if piece)
    return path or "/", "&".join(f"{key}={value}" for key, value in pairs)


def _normalise_host(hostname: str) -> str | None:
    """Lower-case ASCII (punycode) host with a dot, or a bracketed/plain IP literal."""
    host = hostname.rstrip(".") if hostname.endswith(".") and len(hostname) > 1 else hostname
    if not host:
        return None
    if ":" in host:
        return f"[{ipaddress.IPv6Address(host).compressed}]"  # ValueError when invalid
    if not host.isascii() or "xn--" in host:
        host = idna.encode(host, uts46=True).decode("ascii")  # IDNAError when invalid
    if not _ASCII_HOST.fullmatch(host) or len(host) > 253:
        return None
    if host.rpartition(".")[2].isdigit():
        return str(ipaddress.IPv4Address(host))  # ValueError unless a real IPv4 address
    return host if _TLD.fullmatch(host.rpartition(".")[2]) else None


def _youtube(host: str, path: str, query: str) -> tuple[str, str, str]:
    """Every way of linking one video becomes youtube.com/watch?v=ID: the video is the
    resource, so start time, playlist and share parameters are dropped."""
    video: str | None = None
    if host == "youtu.be":
        video = path[1:]
    elif path.startswith(_YOUTUBE_ID_PATHS):
        video = path.split("/")[2]
    elif path == "/watch":
        video = next(
            (v for k, _, v in (p.partition("=") for p in query.split("&")) if k == "v"), None
        )
    if video and _VIDEO_ID.fullmatch(video):
        return "youtube.com", "/watch", f"v={video}"
    host = host if host == "youtu.be" else "youtube.com"  # youtu.be paths mean nothing there
    return host, path, _clean_query(query, extra=("feature", "t", "pp"))


_DISCORD_CDN_HOSTS = frozenset({"cdn.discordapp.com", "media.discordapp.net"})
_DISCORD_CDN_SIGNATURE = frozenset({"ex", "is", "hm"})


def stable_cdn_url(url: str) -> str:
    """A Discord file link without its expiring signature (`?ex=…&is=…&hm=…`), as the live
    adapter and the DiscordChatExporter importer both store it: a signed link stops working
    within a day, while Discord signs an unsigned one again where members open it. Other URLs
    are returned unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.hostname not in _DISCORD_CDN_HOSTS or not parts.query:
        return url
    kept = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in _DISCORD_CDN_SIGNATURE
    ]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _clean_query(query: str, extra: tuple[str, ...] = ()) -> str:
    """Drop tracking parameters and empty pieces from a query w3lib already sorted/encoded."""
    if not query:
        return ""
    kept = []
    for piece in query.split("&"):
        key = unquote_plus(piece.partition("=")[0]).lower()
        if piece and not (key.startswith("utm_") or key in _TRACKING_PARAMS or key in extra):
            kept.append(piece)
    return "&".join(kept)


def _trim_bare(url: str) -> str:
    """Strip trailing punctuation and unbalanced closing brackets from a bare URL."""
    if url[-1] not in _TRAILING_PUNCT and url[-1] not in _CLOSERS:
        return url  # most links: nothing to trim, no need to count brackets
    counts = {c: url.count(c) for c in "()[]<>"}
    end = len(url)
    while end:
        char = url[end - 1]
        if char in _TRAILING_PUNCT:
            end -= 1
        elif char in _CLOSERS and counts[char] > counts[_CLOSERS[char]]:
            counts[char] -= 1
            end -= 1
        else:
            break
    return url[:end]


def _slack_unescape(text: str) -> str:
    """Slack escapes only these three characters inside message text."""
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def shared_message_links(attachments: object) -> list[FoundUrl]:
    """Links in the messages a Slack message forwards ("Share message": an attachment with
    `is_share` and `is_msg_unfurl`, the shared message's text in it): whoever shares a
    message with links into a channel reshares those links there (a shared message in the
    julialang export brought two arXiv papers into #machine-learning). Quoted replies and
    thread roots Slack unfurls under a message's permalink are not shares."""
    found: list[FoundUrl] = []
    if not isinstance(attachments, list):
        return found
    for item in attachments:
        if isinstance(item, dict) and item.get("is_share") is True and item.get("is_msg_unfurl"):
            text = item.get("text")
            if isinstance(text, str):
                found.extend(extract_urls(text))
    return found
