"""Reading members' statements for who-knows' last resort, on SQLite and PostgreSQL: only the
newest messages are read, case never matters, LIKE's wildcards in a query are plain letters,
and nothing of another community, a private channel or a bot is returned."""

from __future__ import annotations

import pytest

from bot.app import Rhizome
from bot.config import Config
from tests.conftest import START, make_config
from tests.db.interests_support import OFFLINE, OTHER, SLACK, community_id, svc
from tests.factories import Chat


@pytest.fixture
def config() -> Config:
    return make_config(**OFFLINE)


async def said(rz: Rhizome, *pieces: str, scan: int = 100) -> list[tuple[str, str]]:
    await rz.flush()
    found = await svc(rz).store.statements(
        await community_id(rz), [pieces], scan=scan, at_most=50, default_tracking=True
    )
    return [(found.members[s.member_id].name, s.text) for s in found.statements]


async def test_only_the_newest_messages_are_read_newest_first(rhizome: Rhizome) -> None:
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", "Sketching on paper first, always", minutes=0),
            chat.post("ben", "nothing to see here", minutes=1),
            chat.post("cy", "my SKETCHES live in a notebook", minutes=2),
        ]
    )
    assert await said(rhizome, "sketch") == [
        ("Cy", "my SKETCHES live in a notebook"),
        ("Ana", "Sketching on paper first, always"),
    ]
    assert await said(rhizome, "sketch", scan=2) == [("Cy", "my SKETCHES live in a notebook")]


async def test_wildcards_are_letters_and_other_places_say_nothing(rhizome: Rhizome) -> None:
    chat, other = Chat(SLACK, START), Chat(OTHER, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", "use time_series for that", mid="1"),
            chat.post("ben", "use timeXseries for that", mid="2"),
            chat.post("cy", "100% of the time series are daily", mid="3"),
            chat.post(
                "dee", "time series in the leads channel", mid="4", channel="leads", is_private=True
            ),
            chat.post("bot", "time series digest is out", mid="5", bot=True),
            other.post("eve", "time series elsewhere", mid="6"),
        ]
    )
    assert await said(rhizome, "time_series") == [("Ana", "use time_series for that")]
    assert await said(rhizome, "100%") == [("Cy", "100% of the time series are daily")]
    assert await said(rhizome, "time", "series") == [
        ("Cy", "100% of the time series are daily"),
        ("Ben", "use timeXseries for that"),
        ("Ana", "use time_series for that"),
    ]
