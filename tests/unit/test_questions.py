"""Which messages read as questions (pure), and the SQL pre-filter never hides one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.questions import PHRASES, SQL_PATTERNS, looks_like_question


@pytest.mark.parametrize(
    "text",
    [
        "Has anyone used polars in production?",
        "How do I profile asyncio code",
        "does anyone know a good SQL book",
        "Is there a way to pin a message in a thread",
        "Which one is better?!",
        "Anyone tried this (the new API)?)",
        "any ideas for the next meetup",
    ],
)
def test_questions(text: str) -> None:
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "ok?",
        "",
        "Thanks, that was great.",
        "https://example.com/why?",
        "<https://example.com/page?x=1>",
        "showdown at noon",  # contains "how do" only inside words
        "I know how to do it",
    ],
)
def test_not_questions(text: str) -> None:
    assert not looks_like_question(text)


def _like(pattern: str, text: str) -> bool:
    """SQL LIKE with only leading and trailing % (all `SQL_PATTERNS` have that shape)."""
    return pattern.strip("%") in text


@given(st.text(max_size=300))
def test_sql_prefilter_is_a_superset(text: str) -> None:
    if looks_like_question(text):
        assert any(_like(p, text.lower()) for p in SQL_PATTERNS)


@given(st.sampled_from(PHRASES), st.text(max_size=40), st.text(max_size=40))
def test_phrases_are_found_anywhere(phrase: str, before: str, after: str) -> None:
    text = f"{before} {phrase.upper()} {after}"
    if len(" ".join(text.split())) >= 8:
        assert looks_like_question(text)
