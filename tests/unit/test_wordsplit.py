"""Run-together words read apart (`bot.wordsplit`), on names from the shared real exports."""

from __future__ import annotations

import pytest

from bot.wordsplit import split_run_on


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("eloquentjavascript", "eloquent javascript"),
        ("Partiallyderivative", "Partially derivative"),  # the letters keep their case
        ("datajournalismhandbook", "data journalism handbook"),
        ("datascienceriot", "data science riot"),
    ],
)
def test_names_of_everyday_words_split(name: str, words: str) -> None:
    assert split_run_on(name) == words


@pytest.mark.parametrize(
    "name",
    [
        "javascript",  # a word of its own
        "stackoverflow",
        "overleaf",  # a name wordfreq knows whole, although `over` + `leaf` would split it
        "infrahub",  # no everyday split: a community's own name
        "netbox",  # too short to tell `net` + `box` from a name
        "myshadow",  # `my` is too short a part
        "houstondatavis",  # `vis` is too short a part
        "tableau-10",  # not one run of letters
        "データ可視化",  # not Latin letters
        "a" * 41,
    ],
)
def test_words_names_and_ids_stay_whole(name: str) -> None:
    assert split_run_on(name) is None


def test_fewest_parts_win() -> None:
    # `paymentsexplorer` reads as two words, not as `payment sex plorer`-like cuts into three
    assert split_run_on("paymentsexplorer") == "payments explorer"
