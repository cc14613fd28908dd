"""Consent to being named (`[privacy] profiling`): who-knows, digest connectors and intros
name a member only as the community's mode and the member's own answer allow."""

from __future__ import annotations

import pytest

from adapters.console.session import ConsoleSession
from bot.app import Rhizome
from bot.config import Config
from bot.digests.ranking import Connector
from bot.digests.service import service_for as digests_for
from bot.interests.commands import who_knows_document
from bot.interests.service import service_for
from bot.model import CommunityRef
from bot.profiling import allowed, mode_for
from tests.conftest import START, make_config
from tests.factories import Chat

SLACK = CommunityRef("slack", "T1", "Team One")


def test_modes_and_answers() -> None:
    assert mode_for("platform", "discord") == "opt-in"  # Discord's Developer Policy
    assert mode_for("platform", "slack") == "opt-out"  # an internal app the workspace installed
    assert mode_for("opt-in", "slack") == "opt-in"
    assert allowed("opt-out", None) and not allowed("opt-in", None)
    assert allowed("opt-in", True) and not allowed("opt-out", False)  # the member's word wins


@pytest.fixture
def config() -> Config:
    return make_config(unfurl={"enabled": False}, privacy={"profiling": "opt-in"})


async def experts(rz: Rhizome, query: str) -> list[str]:
    found = await rz.services.repos.communities.find("slack", "T1")
    assert found is not None
    answer = await service_for(rz.services).who_knows(found.id, query)
    return [e.member.name for e in answer.experts]


async def test_opt_in_names_only_members_who_said_yes(rhizome: Rhizome) -> None:
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", "Terraform modules guide https://example.org/terraform-modules"),
            chat.post("ben", "Terraform state locking explained https://example.org/tf-state"),
        ]
    )
    assert await experts(rhizome, "terraform") == []  # nobody consented yet
    found = await rhizome.services.repos.communities.find("slack", "T1")
    assert found is not None
    answer = await service_for(rhizome.services).who_knows(found.id, "terraform")
    text = who_knows_document(answer).plain()
    assert "2 members know about “terraform” but not agreed to be named" in text
    assert "Nobody" not in text
    session = ConsoleSession(rhizome, target=SLACK)
    await session.handle(":as U-ana")
    out = await session.handle("/rhizome privacy profiling on")
    assert "Others may now find you" in out
    assert await experts(rhizome, "terraform") == ["Ana"]
    status = await session.handle("/rhizome privacy status")
    assert "others may find you (your choice)" in status
    await session.handle(":as U-ben")
    assert "this community is opt-in" in await session.handle("/rhizome privacy status")
    # Connectors of a digest are named only with consent too.
    found = await rhizome.services.repos.communities.find("slack", "T1")
    assert found is not None
    named = await digests_for(rhizome.services)._consenting(
        found, [Connector("U-ana", "Ana", 2, 1), Connector("U-ben", "Ben", 3, 1)]
    )
    assert [(c.member_id, c.opted_out) for c in named] == [("U-ana", False), ("U-ben", True)]


async def test_saying_a_word_without_consent_is_not_knowing_it(rhizome: Rhizome) -> None:
    # Who only said the words fills an answer when they may be named; without consent they
    # are not counted among those who "know about it but not agreed to be named".
    chat = Chat(SLACK, START)
    await rhizome.ingest(
        chat.post("ana", "When sketching visualizations, paper beats every tool I have tried")
    )
    found = await rhizome.services.repos.communities.find("slack", "T1")
    assert found is not None
    answer = await service_for(rhizome.services).who_knows(found.id, "sketching")
    assert (answer.experts, answer.unnamed) == ((), 0)
    assert "Nobody here has shared or discussed" in who_knows_document(answer).plain()
    session = ConsoleSession(rhizome, target=SLACK)
    await session.handle(":as U-ana")
    await session.handle("/rhizome privacy profiling on")
    assert await experts(rhizome, "sketching") == ["Ana"]


async def test_an_explicit_no_wins_in_opt_out_communities(database: object) -> None:
    from bot.clock import FixedClock
    from storage.db import Database

    assert isinstance(database, Database)
    rz = await Rhizome.start(make_config(unfurl={"enabled": False}), FixedClock(START), db=database)
    try:
        chat = Chat(SLACK, START)
        await rz.ingest(chat.post("ana", "Terraform modules guide https://example.org/tf-modules"))
        assert await experts(rz, "terraform") == ["Ana"]  # opt-out: named unless she says no
        session = ConsoleSession(rz, target=SLACK)
        await session.handle(":as U-ana")
        assert "will not name you" in await session.handle("/rhizome privacy profiling off")
        assert await experts(rz, "terraform") == []
    finally:
        await rz.services.writer.stop()
