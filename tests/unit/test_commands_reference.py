"""The README's command tables are the declarations' own words, and help answers at every level."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.commands import build_registry
from bot.commands.reference import markdown_table
from bot.commands.registry import ADMIN_GROUP, GROUPS, MEMBER_GROUP
from bot.commands.runner import help_reply

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("group", GROUPS)
def test_readme_tables_match_the_declarations(group: str) -> None:
    table = markdown_table(build_registry(), group)
    assert table in README.read_text(), (
        f"README's /{group} table differs from the declarations; it should read:\n{table}"
    )


def test_every_command_has_a_line_in_help_and_a_row_in_the_readme() -> None:
    registry = build_registry()
    text = help_reply(registry, is_moderator=True).document.plain()
    readme = README.read_text()
    for spec in registry:
        assert spec.usage() in text
        assert f"| `{spec.usage().replace('|', chr(92) + '|')}` |" in readme


def test_help_hides_moderator_commands_from_members() -> None:
    registry = build_registry()
    member = help_reply(registry, is_moderator=False).document.plain()
    assert "/rhizome search" in member and "/rhizome-admin" not in member
    mod = help_reply(registry, is_moderator=True, group=ADMIN_GROUP).document.plain()
    assert mod.index("/rhizome-admin") < mod.index("/rhizome search")


@pytest.mark.parametrize(
    ("topic", "group", "says"),
    [
        ("digest", ADMIN_GROUP, "The /rhizome-admin digest commands:"),
        ("/rhizome-admin digest size", MEMBER_GROUP, "Usage: /rhizome-admin digest size"),
        ("intros", MEMBER_GROUP, "The /rhizome intros commands:"),
        ("intros cadence", MEMBER_GROUP, "Usage: /rhizome-admin intros cadence"),
        ("top", ADMIN_GROUP, "Usage: /rhizome top [days]"),
        ("nosuch", MEMBER_GROUP, "There is no command “nosuch”."),
    ],
)
def test_help_on_a_topic(topic: str, group: str, says: str) -> None:
    reply = help_reply(build_registry(), True, topic, group).document.plain()
    assert says in reply
    assert "Rhizome commands" not in reply  # a topic never falls back to the whole list
