"""One canonical emoji form: Slack names, Discord/console unicode and custom emoji agree."""

from __future__ import annotations

import emoji as emoji_data
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.emojis import canonical, canonical_set, label, shortcode


@pytest.mark.parametrize(
    "written",
    ["no_bell", ":no_bell:", "🔕", " :NO_BELL: "],
)
def test_the_silence_emoji_is_one_thing_however_it_is_written(written: str) -> None:
    assert canonical(written) == "🔕"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("+1", "👍"),  # Slack's name
        ("thumbsup", "👍"),  # its alias
        ("+1::skin-tone-3", "👍"),  # Slack's skin tone suffix
        ("👍🏽", "👍"),  # Discord's skin tone modifier
        ("heart", "\u2764\ufe0f"),
        ("\u2764", "\u2764\ufe0f"),  # unqualified spelling → fully qualified
        ("bookmark", "🔖"),
        ("<:Ferris:1234567890>", "ferris"),  # Discord custom emoji in text
        ("<a:party:42>", "party"),
        ("partyparrot", "partyparrot"),  # a Slack custom emoji stays a name
        ("PartyParrot", "partyparrot"),
    ],
)
def test_platform_spellings(written: str, expected: str) -> None:
    assert canonical(written) == expected


def test_blank_is_empty_and_sets_drop_it() -> None:
    assert canonical("  ") == ""
    assert canonical_set(["no_bell", "", "🔕", ":no_bell:"]) == frozenset({"🔕"})


def test_labels_show_the_character_and_the_name_people_type() -> None:
    assert label("no_bell") == "🔕 (:no_bell:)"
    assert label("🔖") == "🔖 (:bookmark:)"
    assert label("partyparrot") == ":partyparrot:"
    assert shortcode("partyparrot") is None


_EMOJI = sorted(emoji_data.EMOJI_DATA)


@given(st.sampled_from(_EMOJI))
def test_canonical_is_idempotent_and_its_name_maps_back(char: str) -> None:
    form = canonical(char)
    assert form and canonical(form) == form
    name = shortcode(form)
    if name is not None:
        assert canonical(name) == form


@given(st.text(max_size=30))
def test_any_text_gives_a_storable_stable_form(text: str) -> None:
    form = canonical(text)
    assert len(form) <= 100
    assert canonical(form) == form or not form.strip(":")
