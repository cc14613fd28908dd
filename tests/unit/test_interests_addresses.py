"""What an address says a resource is about (bot/interests/addresses.py), on real URLs."""

from __future__ import annotations

import pytest

from bot.interests.addresses import address_subjects
from bot.interests.pipeline import resource_text
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
