"""The command parser: specs bind typed options; any text gives a command or a usage error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import build_registry
from bot.commands.parser import HelpWanted, UnknownCommand, UsageError, parse_text, tokenize
from bot.commands.registry import (
    ADMIN_GROUP,
    MEMBER_GROUP,
    ChannelArg,
    CommandContext,
    MemberArg,
    OptionKind,
    OptionSpec,
    Registry,
)
from bot.documents import Reply


async def _noop(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return Reply.text("ok")


@pytest.fixture
def registry() -> Registry:
    r = build_registry()
    r.command(
        ADMIN_GROUP,
        "probe",
        "a test command taking a channel",
        OptionSpec("channel", OptionKind.CHANNEL, "a channel"),
    )(_noop)
    return r


def test_text_option_takes_the_rest_of_the_line_verbatim(registry: Registry) -> None:
    spec, args = parse_text(registry, MEMBER_GROUP, 'search  rust   "async" (tokio)')
    assert spec.name == "search"
    assert args == {"query": 'rust   "async" (tokio)'}


def test_two_word_commands_and_choices(registry: Registry) -> None:
    spec, args = parse_text(registry, MEMBER_GROUP, "privacy tracking OFF")
    assert (spec.name, args) == ("privacy tracking", {"state": "off"})
    with pytest.raises(UsageError, match="one of on, off"):
        parse_text(registry, MEMBER_GROUP, "privacy tracking maybe")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("profile <@U123ABC>", MemberArg(external_id="U123ABC")),
        ("profile <@U123|ana>", MemberArg(external_id="U123", name="ana")),
        ("profile <@!4567>", MemberArg(external_id="4567")),
        ("profile @ana", MemberArg(name="ana")),
        ("profile ana", MemberArg(name="ana")),
        ("profile", None),
    ],
)
def test_member_mentions_of_every_platform(registry: Registry, text: str, expected: object) -> None:
    _, args = parse_text(registry, MEMBER_GROUP, text)
    assert args["member"] == expected


def test_channel_mentions(registry: Registry) -> None:
    _, args = parse_text(registry, ADMIN_GROUP, "probe <#C42|digests>")
    assert args["channel"] == ChannelArg(external_id="C42", name="digests")
    _, args = parse_text(registry, ADMIN_GROUP, "probe #weekly")
    assert args["channel"] == ChannelArg(name="weekly")


def test_integers_are_checked(registry: Registry) -> None:
    assert parse_text(registry, MEMBER_GROUP, "top 30")[1] == {"days": 30}
    with pytest.raises(UsageError, match="whole number"):
        parse_text(registry, MEMBER_GROUP, "top soon")
    with pytest.raises(UsageError, match="at least 1"):
        parse_text(registry, MEMBER_GROUP, "top 0")


def test_unknown_commands_suggest_a_close_one(registry: Registry) -> None:
    with pytest.raises(UnknownCommand) as info:
        parse_text(registry, MEMBER_GROUP, "serch rust")
    assert info.value.suggestion == "/rhizome search"


@pytest.mark.parametrize(
    ("group", "text", "expected"),
    [
        (MEMBER_GROUP, "foo bar", ()),  # nothing close: no guess at all
        (ADMIN_GROUP, "top", ("/rhizome top",)),  # a member command typed in the admin group
        (MEMBER_GROUP, "profle", ("/rhizome profile",)),
        (ADMIN_GROUP, "digest shedule mon 10:00", ("/rhizome-admin digest schedule",)),
        (MEMBER_GROUP, "privacy forget", ()),  # forget-me is destructive: never offered
        (MEMBER_GROUP, "privacy forget-m", ()),
        (ADMIN_GROUP, "untrak #python", ()),
        (ADMIN_GROUP, "digest of", ()),
        (ADMIN_GROUP, "intros run-nw", ()),
    ],
)
def test_suggestions_are_close_and_never_destructive(
    registry: Registry, group: str, text: str, expected: tuple[str, ...]
) -> None:
    with pytest.raises(UnknownCommand) as info:
        parse_text(registry, group, text)
    assert info.value.suggestions == expected


def test_no_destructive_command_is_ever_suggested(registry: Registry) -> None:
    destructive = [s for s in registry if s.destructive]
    assert {s.name for s in destructive} >= {"privacy forget-me", "digest off", "untrack"}
    for spec in destructive:
        for typo in (spec.name[:-1], spec.name + "x", spec.name.replace("-", "")):
            try:
                parse_text(registry, spec.group, typo)
            except UnknownCommand as e:
                assert spec.full_name not in e.suggestions
            except (HelpWanted, UsageError):
                pass


@pytest.mark.parametrize(
    ("group", "text", "topic"),
    [
        (MEMBER_GROUP, "", None),
        (ADMIN_GROUP, "", None),
        (ADMIN_GROUP, "help", None),
        (ADMIN_GROUP, "help digest", "digest"),
        (ADMIN_GROUP, "HELP digest schedule", "digest schedule"),
        (MEMBER_GROUP, "interests", "interests"),
        (MEMBER_GROUP, "privacy", "privacy"),
        (ADMIN_GROUP, "digest", "digest"),
        (MEMBER_GROUP, "digest", "digest"),  # the other group's word still gets help
    ],
)
def test_bare_groups_and_help_words_ask_for_help(
    registry: Registry, group: str, text: str, topic: str | None
) -> None:
    with pytest.raises(HelpWanted) as info:
        parse_text(registry, group, text)
    assert info.value.topic == topic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("profile @Peter Deffebach", MemberArg(name="Peter Deffebach")),
        ('profile "Peter Deffebach"', MemberArg(name="Peter Deffebach")),
        ("profile Peter  Deffebach", MemberArg(name="Peter Deffebach")),
        ("profile <@U6AFQSEKZ>", MemberArg(external_id="U6AFQSEKZ")),
    ],
)
def test_member_names_may_hold_spaces(registry: Registry, text: str, expected: MemberArg) -> None:
    assert parse_text(registry, MEMBER_GROUP, text)[1]["member"] == expected


def test_a_spaced_name_leaves_the_words_later_options_take(registry: Registry) -> None:
    _, args = parse_text(registry, MEMBER_GROUP, "intros not-with @Peter Deffebach undo")
    assert args == {"member": MemberArg(name="Peter Deffebach"), "undo": "undo"}
    _, args = parse_text(registry, MEMBER_GROUP, "intros not-with @Peter Deffebach")
    assert args == {"member": MemberArg(name="Peter Deffebach"), "undo": None}
    with pytest.raises(UsageError, match="one of undo"):  # a mention is one word, never more
        parse_text(registry, MEMBER_GROUP, "intros not-with <@U1> someone else")


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ('who-knows "k8s"', "k8s"),
        ("who-knows “k8s”", "k8s"),
        ('who-knows "a" or "b"', '"a" or "b"'),
    ],
)
def test_a_wholly_quoted_text_option_loses_its_quotes(
    registry: Registry, text: str, topic: str
) -> None:
    assert parse_text(registry, MEMBER_GROUP, text)[1]["topic"] == topic


def test_too_many_arguments_and_missing_ones(registry: Registry) -> None:
    with pytest.raises(UsageError, match="didn't expect"):
        parse_text(registry, MEMBER_GROUP, "top 7 days please")
    with pytest.raises(UsageError, match="Please add"):
        parse_text(registry, MEMBER_GROUP, "search   ")


def test_unbalanced_quotes_tokenize(registry: Registry) -> None:
    assert [t.value for t in tokenize('a "b c')] == ["a", "b c"]


def test_registry_rejects_bad_specs() -> None:
    r = Registry()
    with pytest.raises(ValueError, match="one or two words"):
        r.command(MEMBER_GROUP, "a b c", "too deep")(_noop)
    r.command(MEMBER_GROUP, "x", "fine")(_noop)
    with pytest.raises(ValueError, match="declared twice"):
        r.command(MEMBER_GROUP, "x", "again")(_noop)
    with pytest.raises(ValueError, match="must come last"):
        r.command(
            MEMBER_GROUP,
            "y",
            "bad",
            OptionSpec("q", OptionKind.TEXT, "q"),
            OptionSpec("n", OptionKind.INTEGER, "n"),
        )(_noop)


def test_fingerprint_changes_with_the_specs(registry: Registry) -> None:
    before = registry.fingerprint()
    assert before != build_registry().fingerprint()  # the fixture added an admin command
    assert build_registry().fingerprint() == build_registry().fingerprint()
    registry.command(MEMBER_GROUP, "zzz", "new")(_noop)
    assert registry.fingerprint() != before


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([MEMBER_GROUP, ADMIN_GROUP]), st.text(max_size=300))
def test_any_text_parses_or_fails_politely(group: str, text: str) -> None:
    registry = build_registry()
    try:
        spec, args = parse_text(registry, group, text)
    except (UsageError, UnknownCommand, HelpWanted):
        return
    assert spec.group == group
    assert set(args) == {o.name for o in spec.options}
