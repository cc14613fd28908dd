"""Thanked by name, and questions asked while helping: who-knows counts a thanks that names
a member (from the live Slack markup or an export) as evidence she knows what it thanks her
for, and says so; a helper's clarifying questions in someone else's thread are not things she
wants to learn.

Runs on SQLite and (when configured) PostgreSQL through the `rhizome` fixture."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.app import Rhizome
from bot.config import Config
from bot.interests.commands import who_knows_document
from bot.interests.service import service_for
from bot.model import Actor, CommunityRef, MessagePosted
from tests import factories
from tests.conftest import START, make_config
from tests.factories import Chat

SLACK = CommunityRef("slack", "T1", "Team One")


@pytest.fixture
def config() -> Config:
    return make_config(unfurl={"enabled": False})


async def community(rz: Rhizome) -> int:
    found = await rz.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    return found.id


def slack_post(text: str, user: str, ts: str, channel: str, name: str) -> MessagePosted:
    return factories.slack_post(SLACK, text, user, ts, channel, name)


async def test_a_thanks_by_name_in_appreciation_makes_her_known_for_it(rhizome: Rhizome) -> None:
    # Simon and Jules have never written about makie themselves; Ana and Ben thank them.
    await rhizome.ingest_many(
        [
            slack_post(
                "<@U0SIMON01> for the Makie recipes. They now work out of the box in VS Code :tada:",
                "U0ANA0001",
                "1700000000.000100",
                "C0APPRECI",
                "appreciation",
            ),
            slack_post(
                "Thank you <@U0JULES01> for tirelessly helping people with Makie layouts",
                "U0BEN0001",
                "1700000100.000100",
                "C0GENERAL",
                "general",
            ),
            # Not thanks: a question naming someone, and a mention in a plain remark.
            slack_post(
                "<@U0CY00001> does Makie work in Pluto?",
                "U0DEE0001",
                "1700000200.0001",
                "C0APPRECI",
                "appreciation",
            ),
            slack_post(
                "<@U0EVE0001> I also tried Makie today",
                "U0DEE0001",
                "1700000300.0001",
                "C0GENERAL",
                "general",
            ),
        ]
    )
    cid = await community(rhizome)
    answer = await service_for(rhizome.services).who_knows(cid, "makie")
    names = {e.member.external_id for e in answer.experts}
    assert {"U0SIMON01", "U0JULES01"} <= names
    assert not names & {"U0CY00001", "U0EVE0001"}
    simon = next(e for e in answer.experts if e.member.external_id == "U0SIMON01")
    assert simon.evidence[0].kind.value == "thanked"
    text = who_knows_document(answer).plain()
    # The line says who thanked and for what, without the raw mention markup.
    assert (
        "thanked by U0ANA0001: “for the Makie recipes. They now work out of the box in VS Code"
        in text
    )
    assert "<@" not in text


async def test_a_thanks_for_a_link_shows_the_link(rhizome: Rhizome) -> None:
    # julialang #appreciation: "<@vtjnash> for <PR link>" was shown as thanked “for”: the
    # link, dropped as incidental to a thank-you, was all it thanked him for.
    await rhizome.ingest_many(
        [
            slack_post(
                "<@U0VTJ0001> for <https://example.org/pull/precompilation>",
                "U0VCH0001",
                "1700000000.000100",
                "C0APPRECI",
                "appreciation",
            ),
            slack_post(
                "<@U0KRI0001> for the precompilation speedups, see "
                "<https://example.org/pull/40000-precompile-cache>",
                "U0VCH0001",
                "1700000100.000100",
                "C0APPRECI",
                "appreciation",
            ),
        ]
    )
    cid = await community(rhizome)
    answer = await service_for(rhizome.services).who_knows(cid, "precompilation")
    shown = {e.member.external_id: e.evidence[0].snippet for e in answer.experts}
    assert shown["U0VTJ0001"] == "for example.org/…/precompilation"
    # words of its own say what for: the link stays out, as it is incidental there
    assert shown["U0KRI0001"] == "for the precompilation speedups, see"


async def test_a_deleted_thanks_is_no_longer_evidence(rhizome: Rhizome) -> None:
    chat = Chat(SLACK, START)
    thanks = chat.post("ana", "thanks @ben for the tokio cancellation walkthrough", mid="1")
    await rhizome.ingest(replace(thanks, mentions=(Actor("U-ben", "Ben"),)))
    cid = await community(rhizome)
    interests = service_for(rhizome.services)
    assert [e.member.name for e in (await interests.who_knows(cid, "tokio")).experts] == ["Ben"]
    await rhizome.ingest(chat.delete("1", minutes=1))
    assert (await interests.who_knows(cid, "tokio")).experts == ()


async def test_a_helpers_clarifying_questions_are_not_her_wants(rhizome: Rhizome) -> None:
    """As on the Infrahub forum: Ana asks; Wim helps by asking for details, which Ana gives,
    then explains. Ana wants to learn about artifacts; Wim wants nothing here."""
    chat = Chat(SLACK, START)
    ana_q = "Why does the artifact diff show a changed storage id but no actual diff?"
    await rhizome.ingest_many(
        [
            chat.post("ana", ana_q, mid="1", channel="help"),
            chat.post(
                "wim",
                "Do the artifacts have content on both branches?",
                mid="2",
                thread="1",
                channel="help",
                minutes=1,
            ),
            chat.post(
                "ana", "yes, both have content", mid="3", thread="1", channel="help", minutes=2
            ),
            chat.post(
                "wim",
                "Can you show me the payload of the artifact diff API call?",
                mid="4",
                thread="1",
                channel="help",
                minutes=3,
            ),
            chat.post("ana", "sent", mid="5", thread="1", channel="help", minutes=4),
            # Someone else's genuine question in a thread they do not help in stays a want.
            chat.post(
                "cy",
                "How do I pin an artifact to a branch?",
                mid="6",
                thread="1",
                channel="help",
                minutes=5,
            ),
            chat.post(
                "wim",
                "The storage id changes whenever the artifact is regenerated, even when "
                "the rendered content is identical.",
                mid="7",
                thread="1",
                channel="help",
                minutes=6,
            ),
        ]
    )
    cid = await community(rhizome)
    interests = service_for(rhizome.services)
    profiles = await interests.profiles(cid)
    by_name = {}
    for mid, profile in profiles.items():
        member = await rhizome.services.repos.members.get(mid)
        assert member is not None
        by_name[member.name] = profile
    assert any("artifact" in t for t in by_name["Ana"].wants)
    assert any("artifact" in t for t in by_name["Cy"].wants)
    assert "Wim" not in by_name or not by_name["Wim"].wants
