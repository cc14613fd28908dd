"""Introductions: what a member says about themselves where the community introduces itself
("a PhD student with interests in robust statistics and microsimulation") counts as an
interest they listed: who-knows finds them and says so in their words; the same words
anywhere else, a welcome in the thread, or a channel the moderator left out do not count.

Runs on SQLite and (when configured) PostgreSQL through the `rhizome` fixture."""

from __future__ import annotations

import pytest

from adapters.console.session import ConsoleSession
from adapters.slack.translate import translate_envelope
from bot.app import Rhizome
from bot.config import Config
from bot.interests.service import refresh_topics, service_for
from bot.model import CommunityRef, MessagePosted
from tests import factories
from tests.conftest import make_config

SCRIPT = """\
:as ada
:in #introductions
Hi all! I'm Ada, a PhD student with interests in robust statistics and microsimulation.
:as cy
:reply ^ Welcome Ada! I work on microsimulation too, say hi in #modelling.
:as bo
:in #general
I'm Bo, interested in kernel density estimation, ask me anything.
:as dee
:in #introductions
Welcome everyone, please read the pinned code of conduct first.
"""


@pytest.fixture
def config() -> Config:
    return make_config(unfurl={"enabled": False})


async def run(rz: Rhizome, script: str = SCRIPT) -> ConsoleSession:
    session = ConsoleSession(rz)
    for line in script.splitlines():
        out = await session.handle(line)
        assert "Usage" not in out and "not a message" not in out, (line, out)
    await rz.flush()
    await refresh_topics(rz.services)
    return session


async def say(session: ConsoleSession, who: str, command: str) -> str:
    await session.handle(f":as {who}")
    return await session.handle(command)


async def test_an_introduction_makes_its_author_known_for_what_it_states(
    rhizome: Rhizome,
) -> None:
    session = await run(rhizome)
    out = await say(session, "zed", "/rhizome who-knows microsimulation")
    assert "@ada" in out
    assert "introduced themselves: “Hi all! I'm Ada, a PhD student with interests in robust" in out
    assert "in #introductions" in out
    # A welcome in the thread is a reply, not the welcomer's own introduction.
    assert "@cy" not in out or "introduced themselves: “Welcome" not in out
    profile = await say(session, "zed", "/rhizome profile @ada")
    knows = profile[profile.index("Knows about") :].split("\n-- ")[0]
    assert "microsimulation" in knows and "robust statistics" in knows


async def test_only_introduction_channels_count_and_only_what_is_stated(
    rhizome: Rhizome,
) -> None:
    session = await run(rhizome)
    # Bo said it in #general: chat, not an introduction (and nothing there is a resource);
    # it only fills the answer as something he said.
    out = await say(session, "zed", "/rhizome who-knows kernel density estimation")
    assert "introduced themselves" not in out
    assert "said “I'm Bo, interested in kernel density estimation" in out
    # Dee's welcome states nothing about Dee: no topic of hers comes from it.
    ref = session.community
    found = await rhizome.services.repos.communities.find(ref.platform, ref.external_id)
    assert found is not None
    dee = await rhizome.services.repos.members.by_external_id(found.id, "dee")
    assert dee is not None
    assert await service_for(rhizome.services).known(found.id, dee, 20) == []


@pytest.mark.parametrize("channels", [[], ["self-intros"]])
async def test_a_moderator_chooses_the_introduction_channels(
    database: object, clock: object, channels: list[str]
) -> None:
    config = make_config(unfurl={"enabled": False}, interests={"introduction_channels": channels})
    rz = await Rhizome.start(config, clock, db=database)  # type: ignore[arg-type]
    try:
        session = await run(rz)
        out = await say(session, "zed", "/rhizome who-knows microsimulation")
        assert "introduced themselves" not in out
    finally:
        await rz.services.writer.stop()


SLACK = CommunityRef("slack", "T1", "Team One")


def slack_post(text: str, user: str, ts: str, channel: str, name: str) -> MessagePosted:
    return factories.slack_post(SLACK, text, user, ts, channel, name)


async def test_a_live_slack_introduction_counts_and_its_deletion_undoes_it(
    rhizome: Rhizome,
) -> None:
    await rhizome.ingest(
        slack_post(
            "Hello everyone, I'm Kai :wave: My research is focused on ocean parameterization "
            "with <https://example.org/oceananigans|Oceananigans>.",
            "U0KAI0001",
            "1700000000.000100",
            "C0INTRO01",
            "01-introductions",
        )
    )
    community = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert community is not None
    interests = service_for(rhizome.services)
    answer = await interests.who_knows(community.id, "ocean parameterization")
    kai = [e for e in answer.experts if e.member.external_id == "U0KAI0001"]
    assert kai and kai[0].evidence[0].kind.value == "introduced"
    deleted = translate_envelope(
        {
            "type": "event_callback",
            "team_id": SLACK.external_id,
            "event": {
                "type": "message",
                "subtype": "message_deleted",
                "channel": "C0INTRO01",
                "channel_type": "channel",
                "deleted_ts": "1700000000.000100",
                "ts": "1700000100.000100",
            },
        }
    )
    assert deleted is not None
    await rhizome.ingest(deleted)
    answer = await interests.who_knows(community.id, "ocean parameterization")
    assert not any(e.evidence and e.evidence[0].kind.value == "introduced" for e in answer.experts)
