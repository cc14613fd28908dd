"""Every command, right and wrong, typed in one console session as a new moderator would.

Each line of the transcript states what the reply must say and what it must never say;
then the database is checked for what the wrong lines must not have changed. Runs on
SQLite and (when configured) PostgreSQL through the `rhizome` fixture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console.session import ConsoleOutlet, ConsoleSession
from bot.app import Rhizome
from bot.audit import audit_store
from bot.config import Config
from bot.digests.service import service_for as digests
from bot.intros.service import service_for as intros
from bot.model import Actor, MessagePosted, Place
from tests.conftest import make_config


@dataclass(frozen=True)
class Line:
    text: str
    says: tuple[str, ...] = ()
    never: tuple[str, ...] = ()


def line(text: str, *says: str, never: tuple[str, ...] = ()) -> Line:
    return Line(text, says, never)


BROKEN = ("Sorry, something went wrong", "Traceback")

SETUP = """\
:as ana
Great intro to async Rust: https://tokio.rs/tokio/tutorial
:as ben
:reply m1 how do I cancel a task?
:react m1 tada
:in #rust
The Rust Book https://doc.rust-lang.org/book/
"""

MEMBER = [
    # help at every level
    line("/rhizome", "Rhizome commands", "/rhizome search", never=("/rhizome-admin",)),
    line("/rhizome help", "Rhizome commands", "/rhizome who-knows", never=("/rhizome-admin",)),
    line("/rhizome help search", "Usage: /rhizome search <query…>", "Example:"),
    line("/rhizome help interests", "The /rhizome interests commands:", "interests remove"),
    line("/rhizome interests", "The /rhizome interests commands:", "interests list"),
    line("/rhizome privacy", "The /rhizome privacy commands:", "privacy my-data"),
    line("/rhizome help digest", "is for moderators", never=("Usage", "digest schedule")),
    line(
        "/rhizome help nosuch",
        "There is no command “nosuch”",
        never=("Rhizome commands", "/rhizome search"),
    ),
    line("/rhizome help serch", "There is no command", "Did you mean `/rhizome search`?"),
    # suggestions only when close, never destructive
    line("/rhizome foo bar", "I don't know “/rhizome foo bar”", never=("Did you mean",)),
    line("/rhizome privacy forget", "I don't know", never=("forget-me", "Did you mean")),
    line("/rhizome serch tokio", "Did you mean `/rhizome search`?"),
    # permission before usage
    line("/rhizome-admin", "Sorry, /rhizome-admin is for moderators", never=("Usage",)),
    line("/rhizome-admin help", "is for moderators", never=("digest channel",)),
    line(
        "/rhizome-admin digest include",
        "Sorry, /rhizome-admin digest include is for moderators",
        never=("Usage", "Please add"),
    ),
    # member commands, right and wrong
    line("/rhizome search tokio", "Resources matching “tokio”"),
    line('/rhizome search "tokio"', "Resources matching “tokio”", never=('“"',)),
    line("/rhizome search", "Please add <query…>"),
    line("/rhizome top 1", "Most discussed in the last day", never=("1 days",)),
    line("/rhizome top 30", "Most discussed in the last 30 days"),
    line("/rhizome top soon", "days should be a whole number"),
    line("/rhizome top 0", "days should be at least 1"),
    line("/rhizome profile", "ben", "Shared"),
    line("/rhizome profile @Peter Deffebach", "Peter Deffebach", "Shared"),
    line("/rhizome profile @Nobody Here", "I don't know a member called “Nobody Here” here."),
    line('/rhizome who-knows "k8s"', "“k8s”", never=('“"', '"”')),
    line("/rhizome who-knows", "Please add <topic…>"),
    line("/rhizome interests add rust, databases", "Added: rust, database"),
    line("/rhizome interests add rust", "Already listed: rust."),
    line("/rhizome interests list", "Your interests", "rust"),
    line("/rhizome interests remove databases", "Removed: database."),
    line("/rhizome interests remove cobol", "You had not listed: cobol."),
    line("/rhizome network", "Your learning network"),
    line("/rhizome saved", "Nothing saved yet"),
    line("/rhizome intros on", "You're in"),
    line("/rhizome intros pause 1", "(1 week)", never=("1 weeks",)),
    line("/rhizome intros pause 0", "weeks should be at least 1"),
    line("/rhizome intros on", "You're in"),
    line("/rhizome intros not-with @ana", "Noted: I will never introduce you to"),
    line("/rhizome intros not-with @ana", "You already asked"),
    line("/rhizome intros not-with @ana undo", "is off your not-with list"),
    line("/rhizome intros not-with @nobody", "I don't know a member called “nobody”"),
    line("/rhizome intros status", "You're in the introduction rounds."),
    line("/rhizome intros met 999 yes", "I don't know an introduction #999"),
    line("/rhizome intros met 1 maybe", "answer should be one of yes, no"),
    line("/rhizome privacy my-data", "2 messages, 1 share, 1 reaction."),
    line("/rhizome privacy tracking maybe", "state should be one of on, off"),
    line("/rhizome privacy forget-me", "cannot be undone"),
    # console directives
    line(":unreact m1 smile", "there was no 😄 (:smile:) from ben on m1 to remove"),
    line(":unreact m1 tada", "(unreacted 🎉 (:tada:) on m1)"),
    line(":unreact m1 tada", "there was no 🎉 (:tada:) from ben on m1 to remove"),
    line(":as u6afqsekz", "(you are now Peter Deffebach, U6AFQSEKZ)"),
    line("/rhizome intros on", "You're in"),
    line(":as Zed_Q", "(you are now Zed_Q)"),
    line("A link https://example.org/zed", "[m"),
    line(":as zed_q", "(you are now Zed_Q)"),  # the known member, whatever the case typed
    line(":as you", "(you are now you)"),
    line(":mod on", "(you are now a moderator)", never=("you is",)),
]

MODERATOR = [
    line("/rhizome-admin", "Moderator commands:", "/rhizome-admin digest channel"),
    line("/rhizome-admin help", "Moderator commands:", "/rhizome-admin settings"),
    line(
        "/rhizome-admin help digest",
        "The /rhizome-admin digest commands:",
        "digest schedule",
        never=("/rhizome search",),
    ),
    line("/rhizome-admin digest", "The /rhizome-admin digest commands:"),
    line("/rhizome-admin help digest schedule", "Usage: /rhizome-admin digest schedule"),
    line("/rhizome-admin help nosuch", "There is no command “nosuch”"),
    line("/rhizome-admin top", "Did you mean `/rhizome top`?", never=("cadence", "run-now", "off")),
    line("/rhizome-admin digest of", "I don't know", never=("digest off`",)),
    line("/rhizome-admin digest preview", "No digest is set up yet"),
    line("/rhizome-admin digest channel #weekly", "will post into #weekly"),
    line("/rhizome-admin digest channel #weekly", "A digest already posts into #weekly"),
    line(
        "/rhizome-admin digest schedule friday 16:00 Europe/Berlin",
        "every Friday 16:00 Europe/Berlin",
    ),
    line("/rhizome-admin digest schedule someday 16:00", "Usage: /rhizome-admin digest schedule"),
    line("/rhizome-admin digest size 1", "will feature up to 1 resource.", never=("1 resources",)),
    line("/rhizome-admin digest size 1", "already shows up to 1 item.", never=("1 items",)),
    line("/rhizome-admin digest size 99", "items should be at most 50"),
    line("/rhizome-admin digest size 5", "up to 5 resources"),
    line("/rhizome-admin digest include #nosuch", "I don't know a channel called #nosuch here."),
    line("/rhizome-admin digest include #rsut", "Did you mean #rust?"),
    line("/rhizome-admin digest include #rust", "#rust is included in the digest"),
    line("/rhizome-admin digest include #rust", "#rust is already included"),
    line("/rhizome-admin digest include all", "Every tracked channel feeds the digest"),
    line("/rhizome-admin digest include all", "already feeds the digest", "nothing changed"),
    line("/rhizome-admin digest exclude #general", "#general is excluded from the digest"),
    line("/rhizome-admin digest exclude none", "No channel is excluded"),
    line("/rhizome-admin digest exclude none", "nothing changed"),
    line(
        "/rhizome-admin digest preview",
        "Preview — only you can see this",
        "Why these items",
        "score",
        "engagement",
        never=("This digest is off",),
    ),
    line("/rhizome-admin digest now", "Posted the digest in #weekly"),
    line("/rhizome-admin digest off", "The digest in #weekly is off."),
    line("/rhizome-admin digest off", "That digest is already off."),
    line("/rhizome-admin digest preview", "This digest is off, so nothing will be posted"),
    line("/rhizome-admin track #nosuchchannel", "I don't know a channel called #nosuchchannel"),
    line("/rhizome-admin untrack #nosuchchannel", "I don't know a channel called #nosuchchannel"),
    line("/rhizome-admin untrack #rust", "Stopped tracking #rust"),
    line("/rhizome-admin untrack #rust", "#rust is already not tracked; nothing changed."),
    line("/rhizome-admin track #rust", "Tracking #rust"),
    line("/rhizome-admin track #rust", "#rust is already tracked; nothing changed."),
    line("/rhizome-admin channels", "Tracked channels", "#rust", "#general"),
    line(
        "/rhizome-admin intros cadence weekly thursday 15:30 America/New_York",
        "every Thursday at 15:30 America/New_York",
    ),
    line(
        "/rhizome-admin intros cadence weekly",
        "already run every Thursday at 15:30 America/New_York",
    ),
    line(
        "/rhizome-admin intros cadence biweekly",
        "every other Thursday at 15:30 America/New_York",
        never=("Monday", "10:00 UTC"),
    ),
    line("/rhizome-admin intros cadence sometimes", "cadence should be one of"),
    line("/rhizome-admin intros cadence weekly friday 25:00", "Usage: /rhizome-admin intros"),
    line("/rhizome-admin intros preview", "Preview only: nothing is posted"),
    line("/rhizome-admin intros run-now", "posted."),
    line("/rhizome-admin intros run-now", "already ran this period", "intros run-now force"),
    line("/rhizome-admin intros stats", "Rounds: 1"),
    line("/rhizome-admin intros default-on #nosuch", "I don't know a channel called #nosuch"),
    line("/rhizome-admin intros default-on #general", "Members who post in #general"),
    line("/rhizome-admin intros default-off #general", "no longer opted in by default"),
    line(
        "/rhizome-admin settings",
        "Digests",
        "Tracked channels",
        "Introductions",
        "every other Thursday at 15:30 America/New_York",
        "Privacy",
    ),
    line("/rhizome-admin settings history", "Settings history", "#rust: not tracked"),
    line("/rhizome-admin settings bogus", "part should be one of history"),
]


@pytest.fixture
def config() -> Config:
    return make_config(unfurl={"enabled": False})


async def test_every_command_right_and_wrong_in_one_session(
    rhizome: Rhizome, tmp_path: Path
) -> None:
    posted: list[str] = []
    rhizome.add_outlet(ConsoleOutlet(posted.append))
    session = ConsoleSession(rhizome, files_dir=tmp_path)  # my-data files go there
    # An imported Slack member: an upper-case id and a display name with a space.
    peter = Actor("U6AFQSEKZ", "Peter Deffebach")
    await rhizome.ingest(
        MessagePosted(
            place=Place(session.community, "general", "general"),
            occurred_at=rhizome.services.clock.now() - timedelta(hours=1),
            message_id="imported-1",
            author=peter,
            text="Rust async book https://rust-lang.github.io/async-book/",
        )
    )
    for text in SETUP.splitlines():
        out = await session.handle(text)
        assert "Usage" not in out and "no message" not in out, (text, out)
    await rhizome.flush()
    for step in MEMBER + MODERATOR:
        out = await session.handle(step.text)
        for want in step.says:
            assert want in out, (step.text, want, out)
        for unwanted in (*step.never, *BROKEN):
            assert unwanted not in out, (step.text, unwanted, out)
        await rhizome.flush()

    # What the wrong lines must not have changed.
    community = await rhizome.services.repos.communities.ensure(session.community)
    members = rhizome.services.repos.members
    assert await members.by_external_id(community.id, "Zed_Q") is not None  # case kept
    assert await members.by_external_id(community.id, "zed_q") is None
    channels = {c.label for c in await rhizome.services.repos.channels.list(community.id)}
    assert channels == {"general", "rust"}  # no phantom #nosuch / #nosuchchannel
    history = await audit_store(rhizome.services).history(community.id, 100)
    details = [e.detail for e in history]
    assert details.count("#rust: not tracked") == 1  # the repeated untrack wrote nothing
    assert details.count("#rust: tracked") == 1
    assert sum("size" in d for d in details) == 2  # 5 → 1, 1 → 5; the repeat wrote nothing
    assert sum("list cleared" in d for d in details) == 2  # one each; the repeats wrote nothing
    (digest,) = await digests(rhizome.services).store.of_community(community.id)
    assert (digest.include, digest.exclude, digest.enabled) == (frozenset(), frozenset(), False)
    schedule = await intros(rhizome.services).store.schedule(community.id)
    assert schedule is not None
    assert (schedule.cadence, schedule.weekday, schedule.hour, schedule.minute) == (
        "biweekly",
        3,
        15,
        30,
    )
    assert schedule.timezone == "America/New_York"
    rounds = await intros(rhizome.services).store.rounds(community.id)
    assert len(rounds) == 1  # the second run-now made no second round
    assert any("Rhizome posted in #weekly" in p for p in posted)
