"""Titles from the data itself: each source, and which one wins (see `bot.titles`)."""

from __future__ import annotations

import pytest

from bot.model import Attachment, LinkPreview
from bot.titles import (
    TitleSource,
    address_title,
    clean_title,
    code_owner,
    fallback_title,
    file_title,
    is_address_title,
    is_front_page,
    is_generic_filename,
    is_person_page,
    own_words,
    post_author,
    screenshot_title,
    sentence_title,
    site_suffix,
    slug_title,
    uncut,
)
from bot.tracking import resources_in


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("https://www.meetup.com/x/events/tableau-10-houston/", "Tableau 10 houston"),
        ("https://docs.julialang.org/en/v1/manual/performance-tips/", "Performance tips"),
        ("https://github.com/FluxML/Flux.jl", "FluxML/Flux.jl"),
        # pull requests, issues and commits as developers write them (JuliaLang Slack links)
        ("https://github.com/JuliaLang/julia/pull/33526", "JuliaLang/julia#33526"),
        ("https://github.com/JuliaGPU/CUDA.jl/pull/523#issuecomment-75341", "JuliaGPU/CUDA.jl#523"),
        ("https://github.com/opsmill/infrahub/issues/7064", "opsmill/infrahub#7064"),
        ("https://gitlab.com/group/repo/-/merge_requests/12", "group/repo!12"),
        ("https://github.com/JuliaLang/julia/commit/1a2b3c4d5e6f7a8b", "JuliaLang/julia@1a2b3c4"),
        # a release by its tag as tagged, an account by its name as written (had been "JuliaLang/
        # julia: v1.6.0 beta1", "opsmill/infrahub: infrahub v1.3" and "Haskell jp bot")
        (
            "https://github.com/JuliaLang/julia/releases/tag/v1.6.0-beta1",
            "JuliaLang/julia v1.6.0-beta1",
        ),
        (
            "https://github.com/opsmill/infrahub/releases/tag/infrahub-v1.3.4",
            "opsmill/infrahub infrahub-v1.3.4",
        ),
        ("https://github.com/haskell-jp-bot", "haskell-jp-bot"),
        ("https://github.com/trending", "Trending"),  # GitHub's own page, not an account
        # a version at the end of a slug is no file extension
        ("https://example.org/notes/infrahub-v1.3.4", "Infrahub v1.3.4"),
        # a file a repository names (Infrahub forum), and a slug of words (julialang.org's blog)
        (
            "https://github.com/opsmill/infrahub-demo-edge/blob/main/.infrahub.yml",
            "opsmill/infrahub-demo-edge: .infrahub.yml",
        ),
        (
            "https://github.com/JuliaLang/www.julialang.org/blob/8006/blog/julia-1.6-highlights.md",
            "JuliaLang/www.julialang.org: julia 1.6 highlights",
        ),
        ("https://medium.com/@x/why-i-love-julia-3f2a9c1b7e", "Why i love julia"),
        ("https://arxiv.org/abs/1234.5678", None),  # an id says nothing
        ("https://example.com/", None),
        ("https://youtube.com/watch?v=abc", None),
        # An id last: what comes before names a collection, not this page.
        ("https://julialang.slack.com/archives/CG4AX37J8/p1615657557039800", None),
        ("https://stackoverflow.com/questions/41234567", None),
        ("https://example.com/blog/async-rust-explained/index.html", "Async rust explained"),
        # an index page in a language is still the index (Houston Slack: Styrian election maps)
        ("http://www.strategieanalysen.at/wahlen/karten_ltwstmk2015/index_en.html", "Karten"),
        # `#!/…` is the page's own path, routed in the page (Tableau Public, Houston Slack)
        # ... and a run-together word after a title of several words is a view of that title
        (
            "https://public.tableau.com/profile/micah.stubbs#!/vizhome/HoustonGenderRatio/ratio",
            "Houston Gender Ratio",
        ),
        (
            "https://public.tableau.com/profile/m#!/vizhome/hospital-payments-explorer/paymentsexplorer",
            "Hospital payments explorer",
        ),
        ("https://docs.infrahub.app/guides/artifact", "Artifact"),  # "guides" is one word
        ("https://www.meetup.com/x/events/tableau-10-houston/", "Tableau 10 houston"),
        # a compressed archive has two extensions (julialang #appreciation: a Raspberry Pi build)
        (
            "https://julialang2.s3.amazonaws.com/bin/linux/armv7l/1.4/julia-1.4.1-linux-armv7l.tar.gz",
            "Julia 1.4.1 linux armv7l",
        ),
        ("https://example.com/data/trips-2020.csv.bz2", "Trips 2020"),
        # what is done to a document is no name for it (haskell-jp: a logo vote, "Viewform")
        ("https://docs.google.com/forms/d/e/1FAIpQLSdBR3hal7RdXnF2BML/viewform", None),
        ("https://docs.google.com/document/d/1x2Y3z4AbCdEfGhIjKlMnOp/edit", None),
        # a code file's snake_case name is its name (julialang: NetKet's optimizer)
        (
            "https://github.com/netket/netket/blob/2abcc38/netket/sr/sr_onthefly_logic.py",
            "netket/netket: sr_onthefly_logic.py",
        ),
        # Haskell's module pages, cited by module (haskell-jp: `Data.List`, `GHC.Exts`)
        (
            "https://hackage.haskell.org/package/base-4.17.0.0/docs/Data-List.html",
            "Data.List (base)",
        ),
        (
            "https://hackage.haskell.org/package/extensible-0.8.3/docs/Data-Extensible-Inclusion.html",
            "Data.Extensible.Inclusion (extensible)",
        ),
        ("https://stackage.org/haddock/lts-17.14/base-4.14.1.0/Prelude.html", "Prelude (base)"),
        ("https://hackage.haskell.org/package/megaparsec", "Megaparsec"),  # a package page
        # an item's id after a slug of words: the slug names it (julialang's Discourse topics,
        # houstondatavis' Meetup events had been titled "New meetup event posted!")
        (
            "https://discourse.julialang.org/t/where-is-a-good-place-to-ask-questions-about-this/54207",
            "Where is a good place to ask questions about this",
        ),
        (
            "http://www.meetup.com/Houston-Data-Visualization-Meetup/events/226531763/",
            "Houston Data Visualization Meetup",
        ),
        ("https://x.com/srush_nlp/status/1360023284126011394", None),  # a user: "Tweet by"
        ("https://stackoverflow.com/questions/65542598", None),
        # a link shortener's code names nothing (houstondatavis: "OdAahxmVPL")
        ("https://t.co/odAahxmVPL", None),
        ("http://bit.ly/ssi-cw21", None),
        # nor an image or paste host's, nor a GIF's short form (Komodo: "Bljm9Zu", "FBbU")
        ("https://imgur.com/a/bljm9Zu", None),
        ("https://i.imgur.com/Z1laagm.png", None),
        ("https://pastebin.com/xYz12AbC", None),
        ("https://tenor.com/FBbU.gif", None),
        # a content hash in a name makes it a machine's (Quora's image store: "Main qimg c"),
        # a blog's short id after the title's words does not
        ("https://qph.fs.quoracdn.net/main-qimg-ae6297c2b8230233594fe1e2309f754f-c", None),
        ("https://medium.com/@awemany/600-microseconds-b70f87b0b2a6", "600 microseconds"),
        # Discord's spoiler mark is no word, nor its name for a pasted picture
        ("https://cdn.discordapp.com/attachments/1/2/SPOILER_unknown.png", None),
        ("https://cdn.discordapp.com/attachments/1/2/SPOILER_houston_map.png", "Houston map"),
        # a post's date, a chapter's padded number, a language, a card's number name nothing
        # (julialang: cormullion's blog; haskell-jp: its blog and a Trello card)
        ("https://cormullion.github.io/pages/2020-10-09-asterisk", "Asterisk"),
        (
            "https://ocharles.org.uk/blog/guest-posts/2013-12-21-24-days-of-hackage-contravariant.html",
            "24 days of hackage contravariant",
        ),
        (
            "https://hiratara.github.io/presentations/2015-03-21_monadbase_vol2.html",
            "Monadbase vol2",
        ),
        ("https://haskell.jp/blog/posts/2017/09-ghc-users-guide.html", "Ghc users guide"),
        ("https://haskell.jp/blog/posts/2018/windows-gotchas-en.html", "Windows gotchas"),
        (
            "https://trello.com/c/fBuBORdo/51-%E3%83%AD%E3%82%B4%E3%81%AE%E6%94%B9%E5%96%84",
            "ロゴの改善",
        ),
        ("https://example.com/10-things-i-hate", "10 things i hate"),  # a number of the name
        ("https://example.com/2020-10-09", None),  # only a date
    ],
)
def test_slug_titles(url: str, title: str | None) -> None:
    assert slug_title(url) == title


@pytest.mark.parametrize(
    ("url", "site", "title"),
    [
        # haskell-jp: a search names what was searched for, not just the site or "Search"
        ("https://hoogle.haskell.org/?hoogle=StateT", "hoogle", "Hoogle search: StateT"),
        ("https://stackage.org/lts-12.4/hoogle?q=uncurry4", "stackage", "Hoogle: uncurry4"),
        (
            "https://github.com/search?l=Haskell&q=scheme+Data.Text+parsec&type=Code",
            None,
            "Github search: scheme Data.Text parsec",
        ),
        ("https://packages.msys2.org/search?q=sdl2&t=binpkg", "packages", "Packages search: sdl2"),
        # a redirect's `q` is an address, not a search; no words searched, no search title
        ("https://google.com/url?client=x&q=https%3A%2F%2Ftatsu-zine.com%2Fbooks", "google", "Url"),
        ("https://juliahub.com/ui/RepoSearch?q=%3B%3B", "juliahub", "RepoSearch"),
    ],
)
def test_a_search_is_titled_by_what_was_searched_for(url: str, site: str, title: str) -> None:
    assert fallback_title(url, (), site) == (title, TitleSource.SLUG)


@pytest.mark.parametrize(
    "name",
    [
        "image.png",
        "Screenshot 2020-05-01 at 10.22.33.png",
        "IMG_1234.JPG",
        "089da236fa.jpg",
        "image (1).png",
        "Pasted image at 2017-01-02 10-11 AM.png",
        "Untitled",
        "unknown.png",  # Discord's name for a pasted picture, marked a spoiler too
        "SPOILER_unknown.png",
        # an encoded blob for a name (an Infrahub forum image)
        "t27crN8hZ0qZNdG1o69hIJrxw4UL58MMPZc6cOclEZxwSIAESIAESIAESIAE.png",
    ],
)
def test_camera_and_screenshot_names_are_no_titles(name: str) -> None:
    assert is_generic_filename(name)
    assert file_title(None, name) is None


def test_file_titles_prefer_what_a_member_typed() -> None:
    assert file_title("Houston meetup slides", "slides_v2.pdf") == (
        "Houston meetup slides",
        TitleSource.LABEL,
    )
    assert file_title(None, "houston_meetup_slides.pdf") == (
        "houston_meetup_slides.pdf",
        TitleSource.FILE,
    )
    assert file_title("image.png", "image.png") is None
    # a long name of words in one case is a name, not a blob
    assert not is_generic_filename("HoustonDataVisualizationMeetup2016Slides.pdf")
    assert file_title(None, "pm.png") is None  # too short to tell anyone anything


def test_clean_title_refuses_urls_and_empty_labels() -> None:
    assert clean_title("  Async   IO in\nPython ") == "Async IO in Python"
    assert clean_title("https://x.org/a", "https://x.org/a") is None
    assert clean_title("x.org/a", "https://www.x.org/a") is None
    assert clean_title("***") is None
    assert len(clean_title("word " * 200) or "") == 300
    assert clean_title("Screen Shot 2015-09-08 at 21.58.41.png") is None
    assert clean_title("Slack for Android Upload") is None


@pytest.mark.parametrize(
    ("url", "title"),
    [
        # ten tweets of the julialang export had no title but their address
        ("https://x.com/maxjaderberg/status/1376886882995425285", "Tweet by @maxjaderberg"),
        ("https://twitter.com/JuliaLanguage/status/1234567?s=20", "Tweet by @JuliaLanguage"),
        ("https://arxiv.org/pdf/2011.01383.pdf", "arXiv:2011.01383"),
        ("https://arxiv.org/abs/2010.04004v2", "arXiv:2010.04004v2"),
        ("https://arxiv.org/abs/hep-th/9901001", "arXiv:hep-th/9901001"),
        ("https://gist.github.com/lukaszgrolik/5849599", "Gist by lukaszgrolik"),
        ("https://bl.ocks.org/micahstubbs/2697195b31c93bb3147a", "Block by micahstubbs"),
        ("https://x.com/home", None),
        ("https://x.com/a/status/not-a-number", None),
        ("https://arxiv.org/list/cs.LG/recent", None),
        ("https://gist.github.com/lukaszgrolik", None),
        # a bare video link had been titled "Youtube", as if it were the site (Komodo: 423)
        ("https://www.youtube.com/watch?v=IBdSJ5uxvko", "YouTube video"),
        ("https://youtu.be/IBdSJ5uxvko", "YouTube video"),
        ("https://www.youtube.com/shorts/IBdSJ5uxvko", "YouTube video"),
        ("https://www.youtube.com/channel/UCabc", None),
        ("https://www.youtube.com/watch?v=short", None),
    ],
)
def test_addresses_of_ids_are_named_as_people_cite_them(url: str, title: str | None) -> None:
    assert address_title(url) == title
    # and told apart, so that no topic is read from Rhizome's own words
    assert title is None or is_address_title(title)


@pytest.mark.parametrize(
    ("url", "author"),
    [
        # Komodo's bare tweets (the fourteenth sample): the account is what a curator tags
        ("https://twitter.com/NickSzabo4/status/845769820708618240", "Nick Szabo"),
        ("https://twitter.com/CryptoShillNye/status/1083442950651744256", "Crypto Shill Nye"),
        ("https://mobile.twitter.com/cz_binance/status/1", "cz binance"),
        ("https://x.com/awallace1337/status/2", "awallace"),  # a counter, not a word
        ("https://twitter.com/jl777/status/3", "jl777"),  # too short to lose its digits
        ("https://twitter.com/el33th4xor/status/4", "el33th4xor"),
        # capitals in a row are no camel case: `Bit MEXResearch`, `AMA Zl NGNATURE` read nothing
        ("https://twitter.com/BitMEXResearch/status/5", "BitMEXResearch"),
        ("https://twitter.com/NickSzabo4", None),  # the profile, not a post
        ("https://github.com/NickSzabo4/status/6", None),
    ],
)
def test_a_posts_author_is_read_from_its_address(url: str, author: str | None) -> None:
    assert post_author(url) == author


def test_a_video_is_no_front_page_but_a_page_its_query_picks_is_its_sites() -> None:
    video = "https://youtube.com/watch?v=IBdSJ5uxvko"
    assert not is_front_page(video)
    assert fallback_title(video, (), "youtube") == ("YouTube video", TitleSource.ADDRESS)
    said = (f"the halving explained {video}",)
    assert fallback_title(video, said, "youtube") == ("the halving explained", TitleSource.SENTENCE)
    # a comic picked by its query is best called by its site (the judged title of `smbc`)
    assert is_front_page("http://www.smbc-comics.com/?id=3047")
    assert is_front_page("https://youtube.com/")


def test_a_title_is_not_taken_for_an_address_title() -> None:
    assert not is_address_title("Tweets by the best data journalists")
    assert not is_address_title("Message in a bottle: decoding ocean data")


def test_a_link_to_a_chat_message_is_named_by_its_channel() -> None:
    public = {"C7E3LFG82": "releases", "1337506131970494485": "infrahub-qa"}
    slack = "https://julialang.slack.com/archives/C7E3LFG82/p1616797311131000?thread_ts=1.2"
    discord = "https://discord.com/channels/1212332642801025064/1337506131970494485/1342393572"
    assert address_title(slack, public) == "Message in #releases"
    assert address_title(discord, public) == "Message in #infrahub-qa"
    # a channel the caller does not list (private, or not in this export) is never named
    assert address_title(slack) == "Slack message"
    assert address_title(discord, {}) == "Discord message"
    assert fallback_title(slack, ("<" + slack + ">",), None, public) == (
        "Message in #releases",
        TitleSource.ADDRESS,
    )
    assert address_title("https://julialang.slack.com/archives/C7E3LFG82") is None  # a channel


def test_a_quoted_line_is_someone_elses_words_not_a_title() -> None:
    said = (
        "&gt; attaching scientific machine learning to gradient-based approach is naive\n"
        "I'm already working on some SVM based approaches. See <https://x.org/paper>"
    )
    assert sentence_title(said) == "I'm already working on some SVM based approaches."


def test_the_sharing_sentence_names_an_untitled_link() -> None:
    assert sentence_title("Great intro to async Rust: https://tokio.rs") == (
        "Great intro to async Rust"
    )
    assert sentence_title("https://x.org") is None
    assert sentence_title("see https://x.org") is None  # too few words


def test_a_greeting_is_no_title_the_sentence_after_it_is() -> None:
    # haskell-jp: two pages of testing advice had been titled "はじめまして!" (nice to meet you)
    said = "はじめまして！ 最近のテスト方法は以下を参考にしていました。 <https://x.org>"
    assert sentence_title(said) == "最近のテスト方法は以下を参考にしていました。"
    assert sentence_title("はじめまして。関数型言語を触ろうとしています <https://x.org>") == (
        "関数型言語を触ろうとしています"
    )
    assert sentence_title(
        "Hi everyone, thanks so much! Here is the async Rust intro <https://x.org>"
    ) == ("Here is the async Rust intro")
    assert sentence_title("はじめまして! <https://x.org>") is None
    # words that only open like a greeting stay
    assert sentence_title("Hello world program in Rust <https://x.org>") == (
        "Hello world program in Rust"
    )
    assert sentence_title("Thanks to everyone who came <https://x.org>") == (
        "Thanks to everyone who came"
    )


def test_a_sentence_around_its_link_is_no_title_without_it() -> None:
    # haskell-jp: "<link> に移しました" (moved to <link>) had titled the link "に移しました"
    assert (
        sentence_title("<https://x.slack.com/archives/C1/p1500870616095473> に移しました") is None
    )
    assert sentence_title("<https://x.com/igrep/status/1> のとおりです。すみません。") is None
    assert sentence_title("<@U1> さん、はじめまして! 僕も最近M1 macを使っています。") is None
    # a sentence of its own still titles the link, whatever its first letter
    said = (
        "圏論はよく知らないので詳細な解説はできませんがこちらをどうぞ <https://gist.github.com/a/1>"
    )
    assert sentence_title(said) == "圏論はよく知らないので詳細な解説はできませんがこちらをどうぞ"
    assert sentence_title("とても良い記事 <https://a.org/b>") == "とても良い記事"
    # English: the link was the object of the sentence's last word (houstondatavis, julialang)
    assert sentence_title("Drew Winget at <https://groups.google.com/forum/x>") is None
    assert sentence_title("See BridgeBot doing great work over in <https://a.org/b>") is None
    assert sentence_title("slides from the talk https://a.org/b") == "slides from the talk"
    long = "Hope no one minds, but there's now a Houston R Users group on <https://a.org/b>"
    assert sentence_title(long) == "Hope no one minds, but there's now a Houston R Users group on"


def test_each_source_in_a_message_with_its_rank() -> None:
    text = (
        "Read <https://docs.python.org/3/library/asyncio.html|Async IO in Python>, "
        "[the book](https://rust-lang.github.io/async-book/) and "
        "https://www.meetup.com/x/events/tableau-10-houston/"
    )
    found = {r.canonical_url: r for r in resources_in(text)}
    label = found["https://docs.python.org/3/library/asyncio.html"]
    assert (label.title, label.title_rank) == ("Async IO in Python", TitleSource.LABEL)
    assert found["https://rust-lang.github.io/async-book"].title == "the book"
    bare = found["https://meetup.com/x/events/tableau-10-houston"]
    # Weaker titles are worked out later, off the ingest path (see `fallback_title`).
    assert (bare.title, bare.title_rank) == (None, 0)
    assert bare.original_url == "https://www.meetup.com/x/events/tableau-10-houston/"


def test_labels_that_only_point_are_no_titles() -> None:
    # The Infrahub forum's "[here](…/.infrahub.yml)": the file's address names it better.
    text = (
        "see [here](https://github.com/opsmill/infrahub-demo-edge/blob/main/.infrahub.yml), "
        "<https://example.org/a|this link>, <https://example.org/b|こちら> and "
        "<https://example.org/c|Here is the paper>"
    )
    titles = [(r.title, r.title_rank) for r in resources_in(text)]
    assert titles == [(None, 0), (None, 0), (None, 0), ("Here is the paper", TitleSource.LABEL)]
    assert (
        fallback_title("https://github.com/opsmill/infrahub-demo-edge/blob/main/.infrahub.yml", ())
        is not None
    )


def test_fallback_titles_use_the_url_then_the_sharing_sentence() -> None:
    assert fallback_title("https://www.meetup.com/x/events/tableau-10-houston/", ()) == (
        "Tableau 10 houston",
        TitleSource.SLUG,
    )
    assert fallback_title(
        "https://rms-open-letter.github.io/", ("An open letter about the FSF board <https://x>",)
    ) == ("An open letter about the FSF board", TitleSource.SENTENCE)
    # an address of ids, with no sentence: named the way people cite it
    assert fallback_title("https://arxiv.org/abs/1234.5678", ("see",)) == (
        "arXiv:1234.5678",
        TitleSource.ADDRESS,
    )
    assert fallback_title("https://example.org/1234/5678", ("see",)) is None
    # a site's front page is named by the site, not by the sentence around it
    said = ("for Elom - here is the math education vis project my friend made",)
    assert fallback_title("https://www.desmos.com/", said, "desmos") == ("Desmos", TitleSource.SITE)
    assert fallback_title("http://www.smbc-comics.com/?id=3047", (), "smbc-comics") == (
        "Smbc comics",
        TitleSource.SITE,
    )
    assert fallback_title("https://www.desmos.com/calculator", said, "desmos") == (
        "Calculator",
        TitleSource.SLUG,
    )


def test_a_site_named_with_its_words_run_together_is_read_as_words() -> None:
    # Real shares of the houstondatavis export: bare links to sites' front pages.
    assert fallback_title("http://eloquentjavascript.net", (), "eloquentjavascript") == (
        "Eloquent javascript",
        TitleSource.SITE,
    )
    assert fallback_title("http://datajournalismhandbook.org/", (), "datajournalismhandbook") == (
        "Data journalism handbook",
        TitleSource.SITE,
    )
    # a name that is a word of its own, or a community's own name, stays whole
    assert fallback_title("https://www.overleaf.com/", (), "overleaf") == (
        "Overleaf",
        TitleSource.SITE,
    )
    assert fallback_title("https://infrahub.opsmill.io/", (), "infrahub") == (
        "Infrahub",
        TitleSource.SITE,
    )
    # a path is where its author could have used hyphens: a run-together word there is a name
    assert slug_title("https://team.slack.com/files/ana/F06AHBJ1M/sparklines.png") == "Sparklines"
    assert slug_title("https://muyueh.com/greenhoney/") == "Greenhoney"


def test_a_platform_preview_beats_the_label_and_adds_its_link() -> None:
    found = resources_in(
        "<https://example.org/p|my label>",
        previews=(
            LinkPreview("https://example.org/p", "The Page Title"),
            LinkPreview("https://video.example/v", "A Video"),
        ),
    )
    assert [(r.title, r.title_rank) for r in found] == [
        ("The Page Title", TitleSource.PLATFORM),
        ("A Video", TitleSource.PLATFORM),
    ]


def test_a_platform_link_with_punctuation_trailing_is_the_texts_own_link() -> None:
    # A real Discord message (Infrahub forum): a pasted Python error quoting a private GitLab
    # URL. Discord's embed URL carries the error's `).',` past the link; what it fetched
    # there was a sign-in page, not the repository. Embeds arrive as extra URLs and previews
    # alike (`adapters.discord.translate`, `bot.importers.discord_export`).
    text = (
        "results in a GraphQLError error [{'message': 'Unable to correctly lookup credentials "
        "for repository GitlabInfrahub (https://gitlab.ost.ch/ins-stud/sa-ba/sa-hs24-iac/"
        "testinfrahubintegration.git).', 'locations': [{'line': 3, 'column': 5}]}]"
    )
    embedded = "https://gitlab.ost.ch/ins-stud/sa-ba/sa-hs24-iac/testinfrahubintegration.git).',"
    found = resources_in(
        text, extra_urls=(embedded,), previews=(LinkPreview(embedded, "Sign in · GitLab"),)
    )
    assert [(r.original_url, r.title) for r in found] == [
        ("https://gitlab.ost.ch/ins-stud/sa-ba/sa-hs24-iac/testinfrahubintegration.git", None)
    ]
    # `…/issues/5057.` at a sentence's end: GitHub served its issue list there
    issue = "https://github.com/opsmill/infrahub/issues/5057"
    found = resources_in(
        f"see {issue}.",
        extra_urls=(f"{issue}.",),
        previews=(LinkPreview(f"{issue}.", "Issues · opsmill/infrahub"),),
    )
    assert [(r.original_url, r.title) for r in found] == [(issue, None)]
    # a link the text does not hold stays a link of its own, punctuation or not
    found = resources_in("", extra_urls=("https://en.wikipedia.org/wiki/Lisp_(language)",))
    assert [r.original_url for r in found] == ["https://en.wikipedia.org/wiki/Lisp_(language)"]


def test_attachments_get_file_titles_never_a_camera_name() -> None:
    found = resources_in(
        "",
        attachments=(
            Attachment("https://files.example/F1/image.png", filename="image.png"),
            Attachment("https://files.example/F2/notes.pdf", filename="notes.pdf"),
        ),
    )
    assert [(r.kind, r.title) for r in found] == [("file", None), ("file", "notes.pdf")]


def test_slack_file_links_are_named_by_the_file_not_the_member() -> None:
    assert slug_title("https://team.slack.com/files/timabram/F06K31PQA/-.r") is None
    assert slug_title("https://team.slack.com/files/ana/F06AHBJ1M/sparklines.png") == "Sparklines"
    upload = "uploaded a file: <https://team.slack.com/files/x/F1/s.png|Screen Shot 2015-09-08.png>"
    assert sentence_title(upload) is None  # Slack's own words and a camera name: nothing
    # Old exports: the uploader's comment follows Slack's "and commented:" (houstondatavis)
    commented = (
        "<@U064KUGRJ|timabram> uploaded a file: <https://team.slack.com/files/x/F1/a.png|a.png>"
        " and commented: a network vis of Polish Book Themes"
    )
    assert sentence_title(commented) == "a network vis of Polish Book Themes"
    thanks = commented.replace(" a network vis of Polish Book Themes", " Thanks!")
    assert sentence_title(thanks) is None
    # an exclamation first says nothing; the sentence after it names the file (houstondatavis
    # 2016-06-09: "We're :100:1! <@U…> started this Meetup 50 Meetups ago. Since then…")
    cheer = commented.replace("a network vis of", "Wow! A network vis of")
    assert sentence_title(cheer) == "A network vis of Polish Book Themes"
    assert sentence_title("Nice! Cool! Yes! This one is the fourth sentence.") is None


def test_a_screenshot_captioned_with_a_page_names_the_page_linked_alone() -> None:
    # houstondatavis, 2015-06-09: a screenshot typed with the page's name, the page's link as
    # the only comment. The caption is the member's label for the page as for the file.
    shot = "https://houstondatavis.slack.com/files/micahstubbs/F064MMV18/screen_shot.png"
    page = "http://davidscottlyons.com/threejs/presentations/frontporch14/"
    old_export = (
        f"<@U061A1R2R|micahstubbs> uploaded a file: <{shot}|Intro to WebGL with Three.js> "
        f"and commented: <{page}>"
    )
    caption = ("Intro to WebGL with Three.js", TitleSource.LABEL)
    found = {r.original_url: (r.title, r.title_rank) for r in resources_in(old_export)}
    assert found == {shot: caption, page: caption}
    # Slack today: the link is the message, the file (with its typed title) comes beside it
    upload = Attachment(
        "https://files.slack.com/files-pri/T1-F2/shot.png",
        filename="screen_shot_2015-06-09.png",
        title="Intro to WebGL with Three.js",
    )
    found = {r.original_url: (r.title, r.title_rank) for r in resources_in(f"<{page}>", (upload,))}
    assert found[page] == caption
    # ...but not when the member said something of their own, the file only has a camera's
    # name, or there are two pages the caption could be of
    said = resources_in(f"compare this with the d3 one <{page}>", (upload,))
    assert [r.title for r in said if r.original_url == page] == [None]
    camera = Attachment(upload.url, filename="screen_shot_2015-06-09.png", title="Screen Shot")
    assert [r.title for r in resources_in(f"<{page}>", (camera,)) if r.kind == "link"] == [None]
    # houstondatavis 2015-06-19: the title Slack gave the file is its name, no caption
    code = "https://github.com/timabram/houston-june-datajam/blob/master/Geo_Medicare_Viz_2.R"
    named = f"<@U064KUGRJ|timabram> uploaded a file: <{shot}|avg_price_NY-region.png> and commented: <{code}>"
    assert [r.title for r in resources_in(named) if r.original_url == code] == [None]
    two = resources_in(f"<{page}> <https://threejs.org/>", (upload,))
    assert [r.title for r in two if r.kind == "link"] == [None, None]
    # a label of the link's own still wins over any caption
    labelled = resources_in(f"<{page}|Three.js slides>", (upload,))
    assert [(r.title, r.title_rank) for r in labelled if r.kind == "link"] == [
        ("Three.js slides", TitleSource.LABEL)
    ]


def test_code_owner_is_the_account_of_a_repository_url() -> None:
    assert code_owner("https://github.com/FluxML/Flux.jl") == "FluxML"
    assert code_owner("https://gitlab.com/group/project/-/issues/3") == "group"
    assert code_owner("https://github.com/FluxML") is None  # an account page, no repository
    assert code_owner("https://example.org/FluxML/Flux.jl") is None


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("<@U064KUGRJ|timabram> uploaded a file: <https://x.slack.com/files/t/F1/a.png|a.png>", 0),
        ("https://example.org/x", 0),
        ("nice https://example.org/x", 1),
        ("Machine learning course https://example.org/ml", 3),
        ("型クラスの説明", 3),  # Japanese: about one word per two characters
    ],
)
def test_own_words_count_what_a_member_wrote_around_links(text: str, count: int) -> None:
    assert own_words(text) == count


@pytest.mark.parametrize(
    ("title", "url", "page", "site"),
    [
        # real titles from the shared exports (Discord embeds, Slack unfurls)
        (
            "Installing Infrahub | Infrahub Documentation",
            "https://docs.infrahub.app/guides/installation",
            "Installing Infrahub",
            "Infrahub Documentation",
        ),
        (
            "PyTorch vs TensorFlow for Your Python Deep Learning Project – Real Python",
            "https://realpython.com/pytorch-vs-tensorflow",
            "PyTorch vs TensorFlow for Your Python Deep Learning Project",
            "Real Python",
        ),
        (
            "Papers with Code - Graph Classification",
            "https://paperswithcode.com/task/graph-classification",
            "Graph Classification",
            "Papers with Code",
        ),
        (
            "OpenVis Conf 2016 - YouTube",
            "https://youtube.com/playlist?list=x",
            "OpenVis Conf 2016",
            "YouTube",
        ),
        (  # a code host's labels name no subject and no site worth keeping
            "feature: computed attributes · Issue #3637 · opsmill/infrahub",
            "https://github.com/opsmill/infrahub/issues/3637",
            "feature: computed attributes",
            None,
        ),
        (  # GitHub names a pull request's author after its title: an account, no subject
            "Improve Routing by BeArchiTek · Pull Request #32 · opsmill/schema-l...",
            "https://github.com/opsmill/schema-library/pull/32",
            "Improve Routing",
            None,
        ),
        (  # ...which GitHub adds to every pull request's title, after the title's own "by"
            "Sort results by date by alice-b · Pull Request #7 · acme/tool",
            "https://github.com/acme/tool/pull/7",
            "Sort results by date",
            None,
        ),
        (  # an embed cut short after the author, before GitHub's labels
            "Add support for clearing optional dropdown attributes by minitriga ...",
            "https://github.com/opsmill/infrahub-sdk-python/pull/265",
            "Add support for clearing optional dropdown attributes ...",
            None,
        ),
        (  # and cut short inside the repository's name
            "bug: Allow optional mapping by BeArchiTek · Pull Request #101 · o...",
            "https://github.com/opsmill/infrahub-sync/pull/101",
            "bug: Allow optional mapping",
            None,
        ),
        (  # an issue has no author in its title: its "by" is the title's own
            "Ordering by date · Issue #12 · acme/tool",
            "https://github.com/acme/tool/issues/12",
            "Ordering by date",
            None,
        ),
        (  # an embed's title cut short after the code host's label
            "bug: you can merge a proposed change before CI tasks have run · Iss...",
            "https://github.com/opsmill/infrahub/issues/4000",
            "bug: you can merge a proposed change before CI tasks have run",
            None,
        ),
        (  # several site parts, in their order, on both sides
            "Real Python | Async IO in Python | Real Python Tutorials",
            "https://realpython.com/async-io-python",
            "Async IO in Python",
            "Real Python Real Python Tutorials",
        ),
        (  # GitHub's own title of a repository without a description: the repository
            "GitHub - opsmill/infrahub-demo-dc-fabric",
            "https://github.com/opsmill/infrahub-demo-dc-fabric",
            "opsmill/infrahub-demo-dc-fabric",
            "GitHub",
        ),
        (  # and with one
            "GitHub - opsmill/schema-library: Welcome to the Schema Library",
            "https://github.com/opsmill/schema-library",
            "opsmill/schema-library: Welcome to the Schema Library",
            "GitHub",
        ),
        # nothing that names the host: kept whole
        (
            "Mike Bostock - Design is a Search Problem",
            "https://youtube.com/watch?v=f",
            "Mike Bostock - Design is a Search Problem",
            None,
        ),
        ("Infrahub Documentation", "https://docs.infrahub.app/", "Infrahub Documentation", None),
        ("Explore | EyeWire", "http://[broken", "Explore | EyeWire", None),  # bad URL
        (  # julialang: a sentence that mentions the site is the page's own; a counter is chrome
            "Society for Data Science, BIT Mesra on LinkedIn: SDS, BIT Mesra profoundly welcomes "
            "Viral B. Shah, Co-Founder & CEO | 12 comments",
            "https://www.linkedin.com/posts/sds-bit-mesra_activity-1",
            "Society for Data Science, BIT Mesra on LinkedIn: SDS, BIT Mesra profoundly welcomes "
            "Viral B. Shah, Co-Founder & CEO",
            None,
        ),
        (
            "A talk on sparklines - 1.2K views",
            "https://video.example/v/1",
            "A talk on sparklines",
            None,
        ),
    ],
)
def test_a_titles_site_name_is_told_apart_from_its_subject(
    title: str, url: str, page: str, site: str | None
) -> None:
    assert site_suffix(title, url) == (page, site)


@pytest.mark.parametrize(
    ("title", "read"),
    [
        # Discord's embed of a long GitHub title (Infrahub forum): the cut word names nothing
        (
            "bug: cannot use a variable in the data property of IPPrefixPoolGetR...",
            "bug: cannot use a variable in the data property of",
        ),
        ("good examples of graphing libraries as …", "good examples of graphing libraries as"),
        # cut inside Japanese: only the ellipsis goes
        ("テキストボックスが使えていません。Gtk.En...", "テキストボックスが使えていません。"),
        ("日本語の文章が切れ...", "日本語の文章が切れ"),
        ("Wait...", "Wait..."),  # never emptied
        ("Plain title", "Plain title"),
    ],
)
def test_a_title_cut_short_is_read_without_its_cut_word(title: str, read: str) -> None:
    assert uncut(title) == read


@pytest.mark.parametrize(
    ("url", "title"),
    [
        (
            "https://x.slack.com/files/u/F1/screen_shot_2015-09-08_at_21.58.41.png",
            "Screen shot 2015-09-08",
        ),
        (
            "https://cdn.discordapp.com/attachments/1/2/Screenshot_20200501-102233.png",
            "Screenshot 2020-05-01",
        ),
        ("https://x.org/Screen%20Shot%202020-05-01%20at%2010.22.33.png", "Screen Shot 2020-05-01"),
        ("https://x.org/image.png", None),  # no day: nothing to say
        ("https://x.org/screenshot.png", None),
    ],
)
def test_a_screenshot_is_titled_by_its_day(url: str, title: str | None) -> None:
    assert screenshot_title(url) == title


@pytest.mark.parametrize(
    ("url", "person"),
    [
        # haskell-jp: a book author's and a speaker's pages had made `richard cook`, `shuklanx`
        # topics of the member who shared them
        ("https://packtpub.com/books/info/authors/richard-cook", True),
        ("https://linkedin.com/in/shuklanx", True),
        ("https://public.tableau.com/profile/micah.stubbs", True),
        ("https://public.tableau.com/profile/micah.stubbs#!/vizhome/x/y", False),  # a viz
        ("https://cs.stanford.edu/people/karpathy/convnetjs/demo/mnist.html", False),
        ("https://example.com/in/depth", False),  # `in` is a word outside LinkedIn
        ("https://github.com/haskell-jp", False),  # an organisation as often as a person
    ],
)
def test_a_persons_page_is_told_by_its_address(url: str, person: bool) -> None:
    assert is_person_page(url) is person


def test_a_label_cut_where_the_sentence_went_on_loses_its_comma() -> None:
    # The julialang export's introduction channel: the label ran into the next words.
    text = (
        "I am a Data Scientist for <https://www.wikidata.org/wiki/Wikidata:Main_Page|Wikidata, "
        ">hold a Phd in Psychology"
    )
    assert [(r.title, r.title_rank) for r in resources_in(text)] == [
        ("Wikidata", TitleSource.LABEL)
    ]


def test_a_site_labelled_with_its_address_is_called_by_it() -> None:
    # Slack links what a member typed: "co-creator of fast.ai" arrives as `<http://fast.ai|
    # fast.ai>`; for a front page the address is the name (the host alone had made "Fast"),
    # as weak as a site's name: the page's own title, fetched, replaces it. A page's address
    # says nothing a reply does not already show.
    text = (
        "Jeremy (co-creator of <http://fast.ai|fast.ai>) and "
        "<https://docs.python.org/3/library/asyncio.html|docs.python.org/3/library/asyncio.html>"
    )
    assert [(r.title, r.title_rank) for r in resources_in(text)] == [
        ("fast.ai", TitleSource.SITE),
        (None, 0),
    ]


def test_a_service_of_a_site_is_titled_with_the_site() -> None:
    from bot.interests.addresses import site_title

    url = "http://status.julialang.org"
    assert fallback_title(url, (), site_title(url)) == ("Julia lang status", TitleSource.SITE)
    url = "https://infrahub.opsmill.io/"  # a product's own name needs no site before it
    assert fallback_title(url, (), site_title(url)) == ("Infrahub", TitleSource.SITE)
