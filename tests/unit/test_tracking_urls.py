"""Tests for bot.urls: link extraction from Slack/Discord/plain text and URL canonicalization."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.urls import (
    MAX_URL_LENGTH,
    MAX_URLS_PER_MESSAGE,
    FoundUrl,
    canonicalize,
    domain_of,
    extract_urls,
    is_public_page,
    is_trackable,
)

# ---------------------------------------------------------------------------------------------
# canonicalize: one table row per rule
# ---------------------------------------------------------------------------------------------

CANONICAL = [
    # scheme and host case, http -> https
    ("HTTP://Example.COM/Path", "https://example.com/Path"),
    ("http://example.com/a", "https://example.com/a"),
    ("https://example.com/a", "https://example.com/a"),
    # default ports dropped, others kept
    ("http://example.com:80/a", "https://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("http://example.com:443/a", "https://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("http://example.com:8080", "https://example.com:8080"),
    # fragments dropped; a hash-bang route names a page of its own (two Google Groups threads,
    # two Tableau Public vizzes are two resources, not one "groups.google.com/forum")
    ("https://example.com/a#section-2", "https://example.com/a"),
    (
        "https://groups.google.com/forum/#!topic/d3-js/55fRfdhS0_k",
        "https://groups.google.com/forum#!topic/d3-js/55fRfdhS0_k",
    ),
    (
        "https://public.tableau.com/profile/micah.stubbs#!/vizhome/HoustonGenderRatio/sheet/",
        "https://public.tableau.com/profile/micah.stubbs#!/vizhome/HoustonGenderRatio/sheet",
    ),
    ("https://example.com/a#!", "https://example.com/a"),  # an empty route is no route
    # tracking parameters dropped, the rest sorted, empty query dropped
    ("https://example.com/a?utm_source=x&utm_medium=y&utm_campaign=z", "https://example.com/a"),
    ("https://example.com/a?b=2&fbclid=abc&a=1", "https://example.com/a?a=1&b=2"),
    (
        "https://example.com/?gclid=1&dclid=2&msclkid=3&mc_cid=4&mc_eid=5&ref_src=6&ref_url=7"
        "&si=8&igshid=9&_hsenc=10&_hsmi=11&mkt_tok=12&yclid=13&spm=14&UTM_Term=15&keep=yes",
        "https://example.com?keep=yes",
    ),
    ("https://example.com/a?", "https://example.com/a"),
    ("https://example.com/a?&&", "https://example.com/a"),
    (
        "https://example.com/search?q=data+vis&page=2",
        "https://example.com/search?page=2&q=data+vis",
    ),
    # www. and trailing-slash variants merge; root is no path
    ("https://www.example.com/", "https://example.com"),
    ("https://example.com", "https://example.com"),
    ("https://example.com/docs/", "https://example.com/docs"),
    ("https://example.com/docs//", "https://example.com/docs"),
    ("https://example.com/?a=1", "https://example.com?a=1"),
    ("www.example.com/path", "https://example.com/path"),
    ("WWW.Example.com", "https://example.com"),
    ("https://www.com/", "https://www.com"),  # "www." is the name itself here, not a prefix
    # percent-encoding normalised by w3lib, not by hand
    ("https://example.com/%7euser/ü", "https://example.com/~user/%C3%BC"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    # user info is dropped, trailing dot of a fully-qualified host too
    ("https://user:secret@example.com/a", "https://example.com/a"),
    ("https://example.com./a", "https://example.com/a"),
    # international domain names
    ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
    ("https://BÜCHER.example/x", "https://xn--bcher-kva.example/x"),
    ("https://xn--bcher-kva.example/x", "https://xn--bcher-kva.example/x"),
    # IP literals
    ("http://127.0.0.1:8000/", "https://127.0.0.1:8000"),
    ("http://[::1]:8080/x", "https://[::1]:8080/x"),
    ("http://[2001:DB8:0:0::1]/", "https://[2001:db8::1]"),
    # YouTube: every form of one video becomes watch?v=ID, start time and share noise dropped
    ("https://youtu.be/dQw4w9WgXcQ", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ?t=42&si=abc", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
    (
        "https://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=1m2s&list=PL1",
        "https://youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    (
        "https://youtube.com/shorts/dQw4w9WgXcQ?feature=share",
        "https://youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    ("https://www.youtube.com/embed/dQw4w9WgXcQ", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
    ("https://www.youtube.com/@PyCon?feature=share", "https://youtube.com/@PyCon"),
    (
        "https://www.youtube.com/playlist?list=PL1&feature=share",
        "https://youtube.com/playlist?list=PL1",
    ),
    # regressions found by the property tests
    ("https://www.www.example.com/", "https://example.com"),
    ("https://example.com/a/;/", "https://example.com/a"),
    ("https://youtu.be/shorts/abc/", "https://youtu.be/shorts/abc"),
    (
        "https://m.youtube.com/embed/%2e/./x/../dQw4w9WgXcQ",
        "https://youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    # Twitter / X: one host, share parameters s and t dropped
    ("https://twitter.com/user/status/123?s=20&t=abc", "https://x.com/user/status/123"),
    ("https://mobile.twitter.com/user/status/123", "https://x.com/user/status/123"),
    ("https://x.com/user/status/123?s=46", "https://x.com/user/status/123"),
    # ... but s and t are ordinary parameters elsewhere
    ("https://example.com/find?t=1&s=2", "https://example.com/find?s=2&t=1"),
    # Discord's expiring file signatures (live and in DiscordChatExporter files) are dropped
    (
        "https://cdn.discordapp.com/attachments/1/2/paper.pdf?ex=65f1&is=65df&hm=9a8b7c&",
        "https://cdn.discordapp.com/attachments/1/2/paper.pdf",
    ),
    (
        "https://media.discordapp.net/attachments/1/2/cat.png?ex=1&is=2&hm=3&width=400",
        "https://media.discordapp.net/attachments/1/2/cat.png?width=400",
    ),
    ("https://example.com/file?ex=1&hm=2", "https://example.com/file?ex=1&hm=2"),
]


@pytest.mark.parametrize(("url", "expected"), CANONICAL)
def test_canonicalize_rules(url: str, expected: str) -> None:
    assert canonicalize(url) == expected
    assert canonicalize(expected) == expected  # idempotent
    assert is_trackable(url)


NOT_TRACKABLE = [
    "",
    "   ",
    "http://",
    "https://",
    "https://[::1",
    "http://exa mple.com",
    "http://a..b",
    "http://.example.com",
    "http://localhost:8000/",  # no dot and not an IP literal
    "https://1.2.3/",  # numeric "top-level domain" that is no IPv4 address
    "https://999.1.1.1/",
    "https://ex!ample.com/",
    "https://exa%6Dple.com/",
    "https://xn--zz.com/",  # invalid punycode
    "https://example.com:99999/",
    "https://example.com:port/",
    "mailto:a@b.c",
    "javascript:alert(1)",
    "data:text/html,<b>hi</b>",
    "ftp://example.com/file",
    "file:///etc/passwd",
    "//example.com/a",
    "example.com/a",
    "https://example.com/" + "a" * MAX_URL_LENGTH,
    # a member's profile in the chat: a mention pasted from Slack (haskell-jp), a person
    "https://app.slack.com/team/U0121PJA7BN",
    "https://julialang.slack.com/team/UDB26738Q/",
    "https://discord.com/users/80351110224678912",
]


@pytest.mark.parametrize("url", NOT_TRACKABLE)
def test_not_trackable(url: str) -> None:
    assert canonicalize(url) is None
    assert domain_of(url) is None
    assert not is_trackable(url)


@pytest.mark.parametrize("bad", [None, 42, b"https://example.com", ["https://example.com"]])
def test_non_strings_are_not_urls(bad: object) -> None:
    assert canonicalize(bad) is None  # type: ignore[arg-type]
    assert extract_urls(bad) == []  # type: ignore[arg-type]


def test_idna_forms_are_one_resource() -> None:
    assert canonicalize("https://bücher.example/x") == canonicalize(
        "http://xn--bcher-kva.example/x"
    )
    assert domain_of("https://www.bücher.example/") == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.Example.com/a", "example.com"),
        ("https://docs.python.org/3/", "docs.python.org"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube.com"),
        ("https://example.com:8080/", "example.com"),
        ("http://[::1]/", "::1"),
    ],
)
def test_domain_of(url: str, domain: str) -> None:
    assert domain_of(url) == domain


# ---------------------------------------------------------------------------------------------
# extract_urls: markup forms
# ---------------------------------------------------------------------------------------------

# (text, [(original, canonical, label), ...])
EXTRACT = [
    ("no links here, just talk", []),
    (
        "<https://example.com/a|the docs>",
        [("https://example.com/a", "https://example.com/a", "the docs")],
    ),
    ("see <https://example.com/a>", [("https://example.com/a", "https://example.com/a", None)]),
    ("<https://example.com/a|>", [("https://example.com/a", "https://example.com/a", None)]),
    # Slack escapes &, < and > inside message text
    (
        "<https://example.com/s?b=1&amp;a=2|A &amp; B &lt;3>",
        [("https://example.com/s?b=1&a=2", "https://example.com/s?a=2&b=1", "A & B <3")],
    ),
    # Slack specials are not links, and a mailto label is not a bare link either
    ("<@U123> <@U123|alice> <#C123|general> <!here> <!subteam^S1|@team> <!channel>", []),
    ("<mailto:a@b.co|a@b.co> <mailto:x@www.example.com|x@www.example.com>", []),
    # Discord: suppressed embed, masked links, mentions and emoji
    (
        "<https://example.com/x> <@123456> <#987> <:blob:123> <t:1700000000:R>",
        [
            ("https://example.com/x", "https://example.com/x", None),
        ],
    ),
    (
        "[the guide](https://example.com/guide)",
        [
            ("https://example.com/guide", "https://example.com/guide", "the guide"),
        ],
    ),
    (
        "[quiet](<https://example.com/q>)",
        [("https://example.com/q", "https://example.com/q", "quiet")],
    ),
    (
        "[Python](https://en.wikipedia.org/wiki/Python_(programming_language))",
        [
            (
                "https://en.wikipedia.org/wiki/Python_(programming_language)",
                "https://en.wikipedia.org/wiki/Python_(programming_language)",
                "Python",
            )
        ],
    ),
    # bare URLs and trailing punctuation
    ("read https://example.com/a.", [("https://example.com/a", "https://example.com/a", None)]),
    (
        "https://example.com/a, https://example.com/b; ok",
        [
            ("https://example.com/a", "https://example.com/a", None),
            ("https://example.com/b", "https://example.com/b", None),
        ],
    ),
    (
        "wow https://example.com/a!? really",
        [("https://example.com/a", "https://example.com/a", None)],
    ),
    (
        "note: https://example.com/a: yes",
        [("https://example.com/a", "https://example.com/a", None)],
    ),
    (
        "he said \"https://example.com/q\" and 'https://example.com/r'",
        [
            ("https://example.com/q", "https://example.com/q", None),
            ("https://example.com/r", "https://example.com/r", None),
        ],
    ),
    (
        "**https://example.com/bold**",
        [("https://example.com/bold", "https://example.com/bold", None)],
    ),
    ("(see https://example.com/a)", [("https://example.com/a", "https://example.com/a", None)]),
    ("[https://example.com/a]", [("https://example.com/a", "https://example.com/a", None)]),
    (
        "https://en.wikipedia.org/wiki/Python_(programming_language)",
        [
            (
                "https://en.wikipedia.org/wiki/Python_(programming_language)",
                "https://en.wikipedia.org/wiki/Python_(programming_language)",
                None,
            )
        ],
    ),
    (
        "(https://en.wikipedia.org/wiki/Python_(programming_language)).",
        [
            (
                "https://en.wikipedia.org/wiki/Python_(programming_language)",
                "https://en.wikipedia.org/wiki/Python_(programming_language)",
                None,
            )
        ],
    ),
    ("&lt;https://example.com/x&gt;", [("https://example.com/x", "https://example.com/x", None)]),
    (
        "`https://example.com/code`",
        [("https://example.com/code", "https://example.com/code", None)],
    ),
    ("visit www.example.com/path.", [("www.example.com/path", "https://example.com/path", None)]),
    ("HTTPS://EXAMPLE.COM/Up", [("HTTPS://EXAMPLE.COM/Up", "https://example.com/Up", None)]),
    (
        "a < b but https://example.com/x > c",
        [("https://example.com/x", "https://example.com/x", None)],
    ),
    (
        "https://bücher.example/x and xn--bcher-kva.example no, http://xn--bcher-kva.example/x",
        [
            ("https://bücher.example/x", "https://xn--bcher-kva.example/x", None),
        ],
    ),
    # ignored schemes, e-mail addresses, things that merely look like links
    ("mailto:a@b.co javascript:alert(1) ftp://example.com/f file:///etc data:text/plain,x", []),
    ("mail bob@www.example.com or foo.www.example.com", []),
    ("http:// https://[::1 http://exa mple.com http://a..b www. www.) https://localhost/", []),
]


@pytest.mark.parametrize(("text", "expected"), EXTRACT)
def test_extract_markup(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    found = extract_urls(text)
    assert [(f.original, f.canonical, f.label) for f in found] == expected
    for f in found:
        assert f.domain == domain_of(f.canonical)


def test_extract_dedups_by_canonical_keeping_first_and_order() -> None:
    text = (
        "<https://www.example.com/a/|first> then http://example.com/a?utm_source=slack "
        "and https://other.example/b then https://example.com/a#frag"
    )
    found = extract_urls(text)
    assert [f.canonical for f in found] == ["https://example.com/a", "https://other.example/b"]
    assert found[0] == FoundUrl(
        original="https://www.example.com/a/",
        canonical="https://example.com/a",
        domain="example.com",
        label="first",
    )


def test_extract_youtube_variants_are_one_resource() -> None:
    text = "https://youtu.be/dQw4w9WgXcQ?t=3 vs https://www.youtube.com/watch?v=dQw4w9WgXcQ&si=x"
    assert [f.canonical for f in extract_urls(text)] == ["https://youtube.com/watch?v=dQw4w9WgXcQ"]


def test_extract_limit() -> None:
    text = " ".join(f"https://example.com/page/{i}" for i in range(50))
    assert len(extract_urls(text)) == MAX_URLS_PER_MESSAGE
    found = extract_urls(text, limit=3)
    assert [f.canonical for f in found] == [f"https://example.com/page/{i}" for i in range(3)]
    assert extract_urls(text, limit=0) == []


def test_extract_skips_urls_over_max_length() -> None:
    long_url = "https://example.com/" + "a" * MAX_URL_LENGTH
    found = extract_urls(f"{long_url} <{long_url}|x> https://example.com/ok")
    assert [f.canonical for f in found] == ["https://example.com/ok"]


# Real messages from the public Houston Data Visualization meetup Slack export
# (/work/shared/datasets/slack-export-houstondatavis, channels tools/ and readings/;
# https://github.com/houstondatavis/slack-export, MIT licence), hard-coded as literals.
REAL_MESSAGES = [
    (
        "<@U061A1R2R|micahstubbs> uploaded a file: <https://houstondatavis.slack.com/files/"
        "micahstubbs/F064G5MNZ/screen_shot_2015-06-09_at_09.39.06.png|Screen Shot 2015-06-09 at "
        "09.39.06.png> and commented: <http://gephi.github.io/>",
        [
            (
                "https://houstondatavis.slack.com/files/micahstubbs/F064G5MNZ/"
                "screen_shot_2015-06-09_at_09.39.06.png",
                "Screen Shot 2015-06-09 at 09.39.06.png",
            ),
            ("https://gephi.github.io", None),
        ],
    ),
    (
        "<@U061A1R2R|micahstubbs> uploaded a file: <https://houstondatavis.slack.com/files/"
        "micahstubbs/F064HG4G0/screen_shot_2015-06-09_at_10.02.06.png|pixi.js> and commented: "
        "<http://www.pixijs.com/>\r\n\r\n2D webGL renderer with canvas fallback\r\n",
        [
            (
                "https://houstondatavis.slack.com/files/micahstubbs/F064HG4G0/"
                "screen_shot_2015-06-09_at_10.02.06.png",
                "pixi.js",
            ),
            ("https://pixijs.com", None),
        ],
    ),
    ("<@U061A5N1G>: have you seen vispy? <http://vispy.org/>", [("https://vispy.org", None)]),
    (
        "<https://msysgit.github.io/> (git bash is part of this installer)",
        [("https://msysgit.github.io", None)],
    ),
    ("<http://www.datascienceriot.com/?p=589>", [("https://datascienceriot.com?p=589", None)]),
    (
        "<https://github.com/nathanpeck/clui#sparklinevalues-suffix>",
        [("https://github.com/nathanpeck/clui", None)],
    ),
    (
        "this post from @arnicas is quite good "
        "<http://blogger.ghostweather.com/2016/01/teaching-semester-of-d3js.html?m=1>",
        [("https://blogger.ghostweather.com/2016/01/teaching-semester-of-d3js.html?m=1", None)],
    ),
]


@pytest.mark.parametrize(("text", "expected"), REAL_MESSAGES)
def test_real_slack_messages(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert [(f.canonical, f.label) for f in extract_urls(text)] == expected


# ---------------------------------------------------------------------------------------------
# garbage and adversarial input: no exception, no catastrophic backtracking
# ---------------------------------------------------------------------------------------------

ADVERSARIAL = [
    "http://" + "a(" * 50000,
    "[a](http://" + "a(" * 50000,
    "[](http://" * 50000,
    "<x|" * 100000,
    "<https://" * 100000,
    "http://" * 200000,
    "www." * 200000,
    "(" * 100000 + "https://example.com/x" + ")" * 100000,
    "https://example.com/" + "." * 100000,
    "https://" + "a." * 100000 + "com",
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: f"{t[:12]!r}x{len(t)}")
def test_adversarial_input_returns_without_raising(text: str) -> None:
    found = extract_urls(text)
    assert len(found) <= 1
    assert all(len(f.canonical) <= MAX_URL_LENGTH for f in found)


def test_huge_message() -> None:
    text = ("some words and https://example.com/x?y=1 more words " * 200000)[: 10 * 1024 * 1024]
    assert [f.canonical for f in extract_urls(text)] == ["https://example.com/x?y=1"]
    assert extract_urls("x" * 10 * 1024 * 1024) == []


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------

MARKUP_ALPHABET = st.sampled_from(
    [
        *"<>|[]()@#!:/.?&=%-_ ~*\"'`\n",
        *("http", "https://", "www.", "example.com", "xn--", "ü", "&amp;", "utm_source=x"),
        *("youtu.be/", "a", "Z", "0"),
    ]
)


def _check_found(found: list[FoundUrl], limit: int) -> None:
    assert len(found) <= limit
    canonicals = [f.canonical for f in found]
    assert len(set(canonicals)) == len(canonicals)
    for f in found:
        assert canonicalize(f.canonical) == f.canonical
        assert canonicalize(f.original) == f.canonical
        assert f.domain == domain_of(f.canonical)
        assert f.canonical.startswith("https://")


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.text(), st.integers(min_value=0, max_value=30))
def test_extract_never_raises_on_any_text(text: str, limit: int) -> None:
    _check_found(extract_urls(text, limit=limit), limit)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MARKUP_ALPHABET, max_size=60).map("".join), st.integers(min_value=0, max_value=5))
def test_extract_never_raises_on_markup_soup(text: str, limit: int) -> None:
    _check_found(extract_urls(text, limit=limit), limit)


SCHEMES = st.sampled_from(["http", "https", "HTTP", "HtTpS"])
LABELS = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_ü", min_size=1, max_size=12)
HOSTS = st.one_of(
    st.builds(
        lambda www, labels, tld: www + ".".join([*labels, tld]),
        st.sampled_from(["", "www.", "WWW."]),
        st.lists(LABELS, min_size=1, max_size=3),
        st.sampled_from(["com", "org", "example", "xn--p1ai", "рф", "COM"]),
    ),
    st.sampled_from(["youtu.be", "www.youtube.com", "m.youtube.com", "twitter.com", "x.com"]),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
)
PORTS = st.one_of(st.just(""), st.integers(min_value=0, max_value=70000).map(lambda p: f":{p}"))
SEGMENT = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="/?#"), max_size=8
)
PATHS = st.lists(st.one_of(SEGMENT, st.sampled_from([".", "..", "%2e", "%2F", "shorts", "embed"])),
                 max_size=4).map(lambda segs: "".join("/" + s for s in segs))  # fmt: skip
KEYS = st.one_of(
    st.sampled_from(["utm_source", "fbclid", "v", "t", "s", "si", "feature", "q", "a", "A%20b"]),
    st.text("abcxyz_%=+&;", max_size=6),
)
QUERIES = st.lists(st.tuples(KEYS, st.text(max_size=6)), max_size=4).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
)
URLS = st.builds(
    lambda scheme, host, port, path, query, frag: (
        f"{scheme}://{host}{port}{path}" + (f"?{query}" if query else "") + frag
    ),
    SCHEMES,
    HOSTS,
    PORTS,
    PATHS,
    QUERIES,
    st.sampled_from(["", "#", "#frag", "#!/route"]),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(URLS)
def test_canonicalize_is_idempotent(url: str) -> None:
    canonical = canonicalize(url)
    if canonical is not None:
        assert canonicalize(canonical) == canonical
        assert canonical.startswith("https://")
        _, hashed, route = canonical.partition("#")
        assert not hashed or (route.startswith("!") and len(route) > 1)  # only a `#!` route
        assert "utm_source" not in canonical.lower()
        assert domain_of(url) == domain_of(canonical)
        # The domain comes from the canonicalizer's own host: it must read as urlsplit reads it.
        assert domain_of(url) == urlsplit(canonical).hostname


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        # w3lib reads ';' as path parameters: trimming the trailing '/' changed its next answer.
        ("http://youtu.be/;[/", "https://youtu.be/;%5B"),
        ("http://example.com/a;b[/", "https://example.com/a;b%5B"),
    ],
)
def test_path_parameters_settle_in_one_call(url: str, canonical: str) -> None:
    assert canonicalize(url) == canonical
    assert canonicalize(canonical) == canonical


@given(URLS)
def test_generated_url_in_markup_is_found_as_canonical(url: str) -> None:
    canonical = canonicalize(url)
    if canonical is not None and "|" not in url and not any(c.isspace() for c in url):
        slack_escaped = url.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        found = extract_urls(f"<@U1> look <{slack_escaped}|label> ok")
        assert [(f.canonical, f.label) for f in found] == [(canonical, "label")]


@given(st.text(max_size=200))
def test_canonicalize_never_raises(text: str) -> None:
    result = canonicalize(text)
    assert result is None or canonicalize(result) == result


_UNRESERVED = st.text(alphabet="abcXYZ019._~-", min_size=0, max_size=8)


@given(
    st.lists(_UNRESERVED, max_size=5),
    st.lists(st.tuples(_UNRESERVED.filter(bool), st.one_of(st.none(), _UNRESERVED)), max_size=5),
    st.booleans(),
)
def test_plain_fast_path_agrees_with_w3lib(
    segments: list[str], params: list[tuple[str, str | None]], trailing_slash: bool
) -> None:
    """The shortcut for plain paths and queries must give exactly what w3lib gives."""
    from urllib.parse import urlsplit

    from w3lib.url import canonicalize_url

    from bot.urls import _plain_path_and_query

    path = "".join(f"/{s}" for s in segments) + ("/" if trailing_slash else "")
    query = "&".join(k if v is None else f"{k}={v}" for k, v in params)
    fast_path, fast_query = _plain_path_and_query(path, query)
    slow = urlsplit(canonicalize_url(f"https://example.org{path or '/'}?{query}"))
    if fast_path is not None:
        assert (fast_path, fast_query) == (slow.path, slow.query)


def test_slack_auto_links_inside_code_are_code() -> None:
    # haskell-jp: Slack linked the module names a member wrote between backticks.
    text = (
        "`TIO` は `<http://Data.Text.Lazy.IO|Data.Text.Lazy.IO>` でしょうか？そうだとすると、"
        " `<http://Data.Text.IO|Data.Text.IO>` を代わりに使えば解決すると思います。"
    )
    assert extract_urls(text) == []
    # An auto-link outside code, and a labelled link inside code, are links as ever.
    kept = extract_urls("`x` see <http://docs.rs|docs.rs> and `<https://real.org/p|the spec>`")
    assert [u.canonical for u in kept] == ["https://docs.rs", "https://real.org/p"]


def test_links_in_fenced_code_are_pasted_output_not_shares() -> None:
    # JuliaLang Slack: every pasted REPL banner carries the docs link; Infrahub: a webhook's
    # code names a Docker gateway address. Nobody shared either.
    banner = (
        "it fails on start:\n```               _\n   _       _ _(_)_     |  Documentation: "
        "<https://docs.julialang.org>\n  (_)     | (_) (_)    |\n```\nany idea? "
        "see <https://github.com/JuliaLang/julia/issues/1>"
    )
    assert [u.canonical for u in extract_urls(banner)] == [
        "https://github.com/JuliaLang/julia/issues/1"
    ]
    discord = "like this ```python\nrequests.post('http://172.17.0.1:5000/hook')\n``` thanks"
    assert extract_urls(discord) == []
    # An unclosed fence runs to the end; inline code is not a fence.
    assert extract_urls("```\nwget https://example.com/x.tar.gz") == []
    assert len(extract_urls("use `pip install` then read https://pip.pypa.io/en/stable/")) == 1


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("https://docs.infrahub.app/guides/check", True),
        ("https://zoom.us/pricing", True),  # the company's own pages are pages
        ("https://cal.com/blog/scheduling-infrastructure", True),
        ("https://example.org/config", False),  # a pasted config's placeholder
        ("https://172.17.0.1:5000/x", False),  # a private address
        ("http://imgs.xkcd.com/comics/types.png", False),  # a picture
        ("https://cal.com/iddo-cohen/opsmill", False),  # Infrahub's forum: a booking page
        ("https://calendly.com/ana/30min", False),
        ("https://us02web.zoom.us/j/81234567?pwd=abc", False),  # a call to join
        ("https://meet.google.com/abc-defg-hij", False),
        ("https://teams.microsoft.com/l/meetup-join/19%3ameeting", False),
        ("https://discord.gg/julia", False),  # an invitation to a server
        ("https://slack.com/help/articles/201259356", True),
        ("https://discord.com/channels/1/2/3", True),  # a message is something to read
    ],
)
def test_a_page_to_suggest_is_no_placeholder_picture_or_link_to_join(url: str, page: bool) -> None:
    assert is_public_page(url) is page
