"""The app-command tree generated from the registry, as discord.py would send it to Discord."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from adapters.discord.commands import (
    SyncState,
    build_groups,
    discord_description,
    discord_name,
    install,
    tree_fingerprint,
)
from bot.commands import build_registry
from bot.commands.registry import (
    ADMIN_GROUP,
    MEMBER_GROUP,
    CommandContext,
    Invocation,
    OptionKind,
    OptionSpec,
    Registry,
)
from bot.documents import Reply
from bot.model import CommunityRef
from tests.adapters.discord.payload_state import bot_intents

# Discord option types
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, USER, CHANNEL = 1, 2, 3, 4, 6, 7


async def _never(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    raise AssertionError("shape tests never run a handler")


@dataclass
class ShapeOnly:
    """Only the registry is read while building; running anything would be a test bug."""

    registry: Registry
    suggestions: list[str] = field(default_factory=list)

    async def run_command(self, invocation: Invocation) -> Reply:
        raise AssertionError("not in shape tests")

    async def autocomplete(
        self, community: CommunityRef, kind: str, prefix: str, limit: int = 25
    ) -> list[str]:
        return [s for s in self.suggestions if s.startswith(prefix)][:limit]


def sample_registry() -> Registry:
    r = Registry()
    cmd = r.command
    cmd(
        MEMBER_GROUP,
        "top",
        "The most-discussed resources " + "very " * 40,
        OptionSpec(
            "days", OptionKind.INTEGER, "how many days", required=False, min_value=1, max_value=90
        ),
    )(_never)
    cmd(
        MEMBER_GROUP,
        "find",
        "Search",
        OptionSpec("scope", OptionKind.CHOICE, "where", choices=("links", "files")),
        OptionSpec("who", OptionKind.MEMBER, "by whom", required=False),
        OptionSpec("where", OptionKind.CHANNEL, "in which channel", required=False),
        OptionSpec("topic", OptionKind.STRING, "a topic", required=False, autocomplete="topics"),
        OptionSpec("words", OptionKind.TEXT, "what to look for"),
    )(_never)
    cmd(
        MEMBER_GROUP,
        "privacy tracking",
        "Tracking on/off",
        OptionSpec("state", OptionKind.CHOICE, "on or off", choices=("on", "off")),
    )(_never)
    cmd(MEMBER_GROUP, "privacy my-data", "Export")(_never)
    cmd(
        ADMIN_GROUP,
        "channels track",
        "Track a channel",
        OptionSpec("channel", OptionKind.CHANNEL, "which"),
    )(_never)
    cmd(
        ADMIN_GROUP,
        "lang",
        "Pick a language",
        OptionSpec(
            "code", OptionKind.CHOICE, "language", choices=tuple(f"l{i:02}" for i in range(40))
        ),
    )(_never)
    return r


def payloads(core: ShapeOnly) -> dict[str, dict[str, Any]]:
    client = discord.Client(intents=bot_intents())
    tree = app_commands.CommandTree(client)
    install(tree, core)
    return {c.name: c.to_dict(tree) for c in tree.get_commands()}


def sub(options: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(o for o in options if o["name"] == name)


def test_groups_subgroups_and_option_types() -> None:
    p = payloads(ShapeOnly(sample_registry()))
    assert set(p) == {"rhizome", "rhizome-admin"}
    member, admin = p["rhizome"], p["rhizome-admin"]

    # guild-only both; the admin group hidden from non-managers by default (a hint only)
    assert member["contexts"] == [0] and admin["contexts"] == [0]
    assert member["dm_permission"] is False and admin["dm_permission"] is False
    assert member["default_member_permissions"] is None
    assert int(admin["default_member_permissions"]) == discord.Permissions(manage_guild=True).value

    top = sub(member["options"], "top")
    assert top["type"] == SUB_COMMAND
    assert len(top["description"]) == 100 and top["description"].endswith("…")
    (days,) = top["options"]
    assert days == days | {
        "name": "days",
        "type": INTEGER,
        "required": False,
        "min_value": 1,
        "max_value": 90,
    }

    find = sub(member["options"], "find")
    opts = find["options"]
    # Discord wants required options first; order otherwise as declared
    assert [o["name"] for o in opts] == ["scope", "words", "who", "where", "topic"]
    assert sub(opts, "scope")["type"] == STRING
    assert sub(opts, "scope")["choices"] == [
        {"name": "links", "value": "links"},
        {"name": "files", "value": "files"},
    ]
    assert sub(opts, "words")["type"] == STRING and sub(opts, "words")["required"] is True
    assert sub(opts, "who")["type"] == USER
    assert sub(opts, "where")["type"] == CHANNEL
    assert set(sub(opts, "where")["channel_types"]) == {0, 5, 15}
    assert sub(opts, "topic")["autocomplete"] is True
    assert sub(opts, "words").get("autocomplete", False) is False
    for o in opts:
        assert 1 <= len(o["description"]) <= 100

    privacy = sub(member["options"], "privacy")
    assert privacy["type"] == SUB_COMMAND_GROUP
    assert [o["name"] for o in privacy["options"]] == ["tracking", "my-data"]
    assert all(o["type"] == SUB_COMMAND for o in privacy["options"])

    channels = sub(admin["options"], "channels")
    assert sub(channels["options"], "track")["options"][0]["type"] == CHANNEL
    # more than 25 choices cannot be static: they become suggestions while typing
    code = sub(admin["options"], "lang")["options"][0]
    assert "choices" not in code or not code["choices"]
    assert code["autocomplete"] is True


def test_the_real_registry_builds_within_discord_limits() -> None:
    p = payloads(ShapeOnly(build_registry()))
    assert "rhizome" in p

    def walk(node: dict[str, Any]) -> None:
        assert 1 <= len(node["name"]) <= 32 and node["name"] == node["name"].lower()
        assert 1 <= len(node["description"]) <= 100
        children = node.get("options", [])
        assert len(children) <= 25
        for child in children:
            if child["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP):
                walk(child)
            else:
                assert 1 <= len(child["name"]) <= 32
                assert 1 <= len(child["description"]) <= 100
                assert len(child.get("choices") or []) <= 25

    for node in p.values():
        walk(node)


def test_name_and_description_rules() -> None:
    assert discord_name("Forget Me!") == "forget-me"
    assert discord_name("x" * 40) == "x" * 32
    with pytest.raises(ValueError):
        discord_name("!!!")
    assert discord_description("") == "…"
    assert discord_description("a  b\nc") == "a b c"


def test_a_name_that_is_both_command_and_group_is_refused() -> None:
    r = Registry()
    r.command(MEMBER_GROUP, "privacy", "x")(_never)
    r.command(MEMBER_GROUP, "privacy tracking", "y")(_never)
    with pytest.raises(ValueError, match="both a command and a group"):
        build_groups(ShapeOnly(r))


def test_more_than_25_subcommands_is_refused() -> None:
    r = Registry()
    for i in range(26):
        r.command(MEMBER_GROUP, f"c{i}", "x")(_never)
    with pytest.raises(ValueError, match="25"):
        build_groups(ShapeOnly(r))


def test_empty_admin_group_is_left_out() -> None:
    r = Registry()
    r.command(MEMBER_GROUP, "help", "x")(_never)
    assert [g.name for g in build_groups(ShapeOnly(r))] == ["rhizome"]


async def test_autocomplete_asks_the_core() -> None:
    core = ShapeOnly(sample_registry(), suggestions=["rust", "ruby", "go"])
    groups = build_groups(core)
    find = groups[0].get_command("find")
    assert isinstance(find, app_commands.Command)
    topic = next(p for p in find._params.values() if p.display_name == "topic")
    assert topic.autocomplete is not None

    class _Interaction:
        guild_id = 1

    choices = await topic.autocomplete(_Interaction(), "ru")  # type: ignore[misc, arg-type]
    assert [c.value for c in choices] == ["rust", "ruby"]


def test_fingerprint_and_sync_state(tmp_path: Path) -> None:
    client = discord.Client(intents=bot_intents())
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    registry = sample_registry()
    install(tree, ShapeOnly(registry))
    first = tree_fingerprint(tree, registry)
    assert first == tree_fingerprint(tree, registry)

    other_registry = sample_registry()
    other_registry.command(MEMBER_GROUP, "extra", "new")(_never)
    tree2: app_commands.CommandTree[Any] = app_commands.CommandTree(
        discord.Client(intents=bot_intents())
    )
    install(tree2, ShapeOnly(other_registry))
    assert tree_fingerprint(tree2, other_registry) != first


async def test_integer_suggestions_are_integers() -> None:
    r = Registry()
    r.command(
        MEMBER_GROUP,
        "year",
        "Pick a year",
        OptionSpec("y", OptionKind.INTEGER, "year", autocomplete="years"),
    )(_never)
    core = ShapeOnly(r, suggestions=["2024", "20x", "2023"])
    (group,) = build_groups(core)
    cmd = group.get_command("year")
    assert isinstance(cmd, app_commands.Command)
    (param,) = cmd._params.values()
    assert param.autocomplete is not None

    class _Interaction:
        guild_id = 1

    choices = await param.autocomplete(_Interaction(), "20")  # type: ignore[misc, arg-type]
    assert [(c.name, c.value) for c in choices] == [("2024", 2024), ("2023", 2023)]


async def test_the_synced_fingerprint_is_shared_through_the_database(rhizome: Any) -> None:
    """Every process (and shard) of one bot reads the same fingerprint from `bot_state`."""
    state = SyncState(rhizome)
    assert await state.get("global") is None
    await state.set("global", "f1")
    await state.set("guild:1", "abc")
    assert await SyncState(rhizome).get("global") == "f1"
    assert await state.get("guild:1") == "abc"
