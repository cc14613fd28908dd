"""What an address says a resource is about (bot/interests/addresses.py), on real URLs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.interests.addresses import (
    address_subjects,
    registry_package,
    site_brand,
    site_name,
    site_title,
)
from bot.interests.resource_text import resource_text
from bot.interests.topics import TopicExtractor
from storage.interests.values import ResourceDoc


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # from the shared haskell-jp, Infrahub and JuliaLang exports
        (
            "https://hackage.haskell.org/package/transformers-0.6.1.1/docs/src/"
            "Control.Monad.Trans.State.Lazy.html",
            ("transformers",),
        ),
        ("https://hackage.haskell.org/package/scotty", ("scotty",)),
        ("https://docs.infrahub.app/topics/profiles#profile-priority", ("profile priority",)),
        ("https://crates.io/crates/tuple_list", ("tuple_list",)),
        ("https://pypi.org/project/httpx/", ("httpx",)),
        ("https://www.npmjs.com/package/@types/node", ("@types/node",)),
        ("https://cran.r-project.org/web/packages/GGally/index.html", ("GGally",)),
        ("https://cran.r-project.org/package=GGally", ()),  # no such form: nothing guessed
        ("https://docs.rs/tokio/latest/tokio/", ("tokio",)),
    ],
)
def test_registries_name_their_package_and_anchors_their_section(
    url: str, expected: tuple[str, ...]
) -> None:
    assert address_subjects(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/JuliaLang/julia/pull/38820#issuecomment-745012",  # ids, not headings
        "https://github.com/opsmill/infrahub/blob/main/x.py#L42",
        "https://example.org/guide#top",  # one word: no section
        "https://example.org/#table-of-contents",
        "https://pypi.org/",  # a registry's own pages name no package
        "https://hackage.haskell.org/package/",
        "not a url at all",
        "https://[::1",  # malformed
    ],
)
def test_other_addresses_say_nothing(url: str) -> None:
    assert address_subjects(url) == ()


def test_the_package_becomes_a_topic_of_its_page() -> None:
    url = "https://hackage.haskell.org/package/transformers-0.6.1.1/docs/src/Lazy.html"
    doc = ResourceDoc(1, "Lazy", None, url, (), None, ("StateT の定義はここ",), "haskell")
    text = resource_text(doc)
    assert "transformers" in text.keywords
    assert "transformer" in dict(TopicExtractor().topics(text))


@pytest.mark.parametrize(
    ("url", "package"),
    [
        ("https://hackage.haskell.org/package/random", "random"),  # haskell-jp
        ("https://hackage.haskell.org/package/here", "here"),
        ("https://hackage.haskell.org/package/text-2.0.2/docs/Data-Text.html", "text"),
    ],
)
def test_a_package_named_by_an_everyday_word_is_still_its_pages_topic(
    url: str, package: str
) -> None:
    """`normalize_topic` drops `random`, `here`, `text` as chat words; as a registry's
    package name each is a subject by construction."""
    assert registry_package(url) == package
    doc = ResourceDoc(1, package.title(), None, url, (), None, ("ダウンロードしました",), None)
    assert package in dict(TopicExtractor().topics(resource_text(doc)))
    assert registry_package("https://example.org/package/random") is None


def test_every_link_to_a_page_brings_the_section_it_points_at() -> None:
    """The stored URL has no anchor (one page, one resource); the messages' links have."""
    doc = ResourceDoc(
        1, "Profiles", None, "https://docs.infrahub.app/topics/profiles", (), None,
        (
            "Profiles support assigning a priority: "
            "https://docs.infrahub.app/topics/profiles#profile-priority",
            "and <https://docs.infrahub.app/topics/profiles#profile-inheritance|inheritance>",
            "unrelated: https://docs.infrahub.app/topics/schema#relationship-kinds",
        ),
        None,
    )  # fmt: skip
    keywords = resource_text(doc).keywords
    assert "profile priority" in keywords and "profile inheritance" in keywords
    assert "relationship kinds" not in keywords  # another page's section
    first = replace(doc, messages=(), shared_url=doc.url + "#profile-priority")
    assert resource_text(first).keywords == ("profile priority",)


@pytest.mark.parametrize(
    ("url", "brand"),
    [
        ("https://public.tableau.com/profile/micah.stubbs#!/vizhome/x/y", "tableau"),
        ("https://nbviewer.jupyter.org/github/a/b/blob/main/c.ipynb", "jupyter"),
        ("https://kesh-lab.shinyapps.io/calculator/", "shinyapps"),
        ("https://dc-js.github.io/dc.js/", "dc-js"),  # github.io is a public suffix
        ("https://www.bbc.co.uk/news", "bbc"),
        # a repository or a file posted in the chat: the host says nothing of the subject
        ("https://github.com/FluxML/Flux.jl", None),
        ("https://houstondatavis.slack.com/files/micahstubbs/F064M5MNC/shot.png", None),
        ("https://cdn.discordapp.com/attachments/1/2/image.png", None),
        ("http://172.17.0.1:5000/graphql", None),
        ("http://localhost:8000/graphql/main", None),
        ("http://[::1", None),
    ],
)
def test_a_sites_brand_comes_from_its_registrable_domain(url: str, brand: str | None) -> None:
    assert site_brand(url) == brand


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.desmos.com/", "desmos"),
        ("https://catalyst.cs.cmu.edu/", "catalyst"),  # a site of its own at CMU
        ("https://docs.infrahub.app/", "infrahub"),  # `docs` is a service of the site
        ("http://www.smbc-comics.com/?id=3047", "smbc-comics"),
        ("https://example.org/", None),  # a placeholder names no site
        ("https://github.com/", None),
        ("http://localhost:8000/", None),
    ],
)
def test_a_sites_name_comes_from_its_host(url: str, name: str | None) -> None:
    assert site_name(url) == name


@pytest.mark.parametrize(
    ("url", "title"),
    [
        # front pages shared in the julialang and houstondatavis exports
        ("http://status.julialang.org", "julialang status"),
        ("https://build.julialang.org/#/", "julialang build"),
        ("http://network.intentive.info/", "intentive network"),
        ("https://surrogates.sciml.ai/latest/", "surrogates"),
        ("https://www.desmos.com/", "desmos"),
        ("http://example.org/", None),
    ],
)
def test_a_site_named_with_an_everyday_word_is_titled_with_the_site_it_serves(
    url: str, title: str | None
) -> None:
    assert site_title(url) == title


def test_a_brand_names_the_site_only_when_the_community_uses_the_word() -> None:
    """Offline, a Tableau Public viz is about Tableau when members say "tableau" elsewhere;
    bl.ocks.org's `ocks` is no word anyone uses."""
    viz = ResourceDoc(
        1, None, None, "https://public.tableau.com/profile/m#!/vizhome/Gender/ratio", (),
        None, ("my gender ratio map by zip code",), "examples",
    )  # fmt: skip
    block = ResourceDoc(
        2, None, None, "http://bl.ocks.org/micahstubbs/29b4fd2f1ed6ed68a81e", (), None,
        ("radial layout of the close votes",), "examples",
    )  # fmt: skip
    alone = TopicExtractor()
    alone.observe([resource_text(viz), resource_text(block)])
    assert "tableau" not in dict(alone.topics(resource_text(viz)))
    talk = ResourceDoc(
        3, "Tableau 10 Houston", None, "https://www.tableau.com/community/events/t10", (), None,
        ("anyone going to this?",), "general",
    )  # fmt: skip
    known = TopicExtractor()
    known.observe([resource_text(d) for d in (viz, block, talk)])
    assert "tableau" in dict(known.topics(resource_text(viz)))
    assert not any("ocks" in t for t in dict(known.topics(resource_text(block))))


def test_a_search_link_is_about_what_was_searched_not_the_search_engine() -> None:
    """haskell-jp: "Hoogle search: StateT" is Rhizome's own title for the link; the member
    searched StateT, and `hoogle` had made her 'share about hoogle' in an intro."""
    url = "https://hoogle.haskell.org?hoogle=StateT"
    doc = ResourceDoc(1, "Hoogle search: StateT", None, url, (), None, ("この定義です",), None)
    assert resource_text(doc).title == "StateT"
    topics = dict(TopicExtractor().topics(resource_text(doc)))
    assert "statet" in topics
    assert not {"hoogle", "hoogle search", "search"} & set(topics)
    # a page's own title that happens to end like a search is left alone
    page = replace(doc, title="Tips: StateT", url="https://example.com/tips")
    assert resource_text(page).title == "Tips: StateT"


def test_a_tweets_account_is_its_topic_after_its_sharers_words() -> None:
    """Komodo's bare tweets had no topic at all ("Tweet by @NickSzabo4" says nothing of the
    page); the account is what a curator tags them with, and it comes after what the sharer
    said when they said something ("📢Broadcast … Rt" of a @bitnod tweet)."""
    bare = ResourceDoc(
        1,
        None,  # its title, "Tweet by @NickSzabo4", is a weak one (the message is its link)
        None,
        "https://twitter.com/NickSzabo4/status/845769820708618240",
        (),
        None,
        ("https://twitter.com/NickSzabo4/status/845769820708618240",),
        "talk-other-topics",
        weak_title="Tweet by @NickSzabo4",
    )
    assert [t for t, _ in TopicExtractor().topics(resource_text(bare))] == ["nick szabo"]
    said = replace(bare, messages=("selfish mining explained, from the smart contracts guy",))
    topics = [t for t, _ in TopicExtractor().topics(resource_text(said))]
    assert "nick szabo" in topics and topics[0] != "nick szabo"
    # no other address has an author read from it
    gist = replace(bare, url="https://gist.github.com/NickSzabo4/5849599")
    assert resource_text(gist).author is None


@pytest.mark.parametrize(
    ("handle", "author"),
    [
        ("NickSzabo4", "Nick Szabo"),
        # a handle whose parts do not all read as words is one name: `space` of `SpaceX`,
        # `toro` of `eToro`, `dog` of `_TheBestDogs` had been the topics of Komodo's tweets
        ("SpaceX", "spacex"),
        ("eToro", "etoro"),
        ("_TheBestDogs", "thebestdogs"),
        ("de", None),  # two letters read as a word of everything
    ],
)
def test_a_tweets_account_reads_as_words_only_where_each_is_one(
    handle: str, author: str | None
) -> None:
    url = f"https://x.com/{handle}/status/1110908966266175488"
    doc = ResourceDoc(1, None, None, url, (), None, (url,), None, weak_title=f"Tweet by @{handle}")
    assert resource_text(doc).author == author
