"""Digests and the rest of the core: privacy hooks, purges, topics, autocomplete."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import Rhizome
from bot.audit import audit_store
from bot.clock import FixedClock
from bot.commands.registry import MEMBER_GROUP, Invocation
from bot.digests.feature import FEATURE as DIGESTS
from bot.digests.scheduler import scheduler_for
from bot.digests.service import service_for
from storage import audit as audit_tables
from storage import digests as tables
from tests.db.digests_support import (
    COMMUNITY,
    MOD,
    FakeOutlet,
    admin,
    post,
    said,
    start,
    utc,
)

NOW = utc(2026, 3, 4, 12)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Rhizome]:
    rhizome = await start(tmp_path / "p.db", FixedClock(NOW), outlet=FakeOutlet())
    yield rhizome
    await rhizome.close()


async def test_starting_the_feature_again_keeps_one_service_and_one_scheduler(
    core: Rhizome,
) -> None:
    assert DIGESTS in core.services.features
    svc, scheduler = service_for(core.services), scheduler_for(core.services)
    DIGESTS.start(core.services)
    assert service_for(core.services) is svc and scheduler_for(core.services) is scheduler
    assert len(core.background()) == len({id(w) for w in core.background()})


async def test_my_data_includes_settings_changes_and_forget_me_anonymises_them(
    core: Rhizome,
) -> None:
    await admin(core, "digest channel <#C9|digest>")
    reply = await core.run_command(Invocation(COMMUNITY, MOD, MEMBER_GROUP, text="privacy my-data"))
    data = json.loads(reply.files[0][1])
    assert [c["detail"] for c in data["settings_changes"]] == ["digest #digest: created"]

    await core.run_command(
        Invocation(COMMUNITY, MOD, MEMBER_GROUP, text="privacy forget-me confirm")
    )
    community = await core.services.repos.communities.ensure(COMMUNITY)
    [entry] = await audit_store(core.services).history(community.id)
    assert entry.detail == "digest #digest: created"  # what changed stays on record…
    assert (entry.actor_id, entry.actor_name) == ("(forgotten)", None)  # …who did it does not
    assert "Mo" not in said(await admin(core, "settings history"))


async def test_purging_a_community_removes_its_digests(core: Rhizome) -> None:
    await admin(core, "digest channel <#C9|digest>")
    await admin(core, "digest now")
    await core.purge_community(COMMUNITY)
    async with core.services.db.read() as conn:
        for table in (
            tables.digests,
            tables.digest_runs,
            tables.digest_featured,
            tables.digest_channels,
            audit_tables.settings_audit,
        ):
            count = (await conn.execute(select(func.count()).select_from(table))).scalar()
            assert count == 0, table.name


async def test_topics_group_the_digest_when_the_interests_feature_provides_them(
    core: Rhizome,
) -> None:
    t = NOW - timedelta(days=1)
    await core.ingest_many(
        [
            post("C1", "1", "ana", "https://example.com/python/asyncio", t, name="general"),
            post("C1", "2", "bob", "https://example.com/python/typing", t, name="general"),
            post("C1", "3", "cy", "https://example.com/rust", t, name="general"),
        ]
    )
    asked: list[Sequence[int]] = []

    async def topics_for(
        community_id: int, resource_ids: Sequence[int]
    ) -> dict[int, tuple[str, ...]]:
        asked.append(resource_ids)
        urls = {
            s.id: s.url
            for s in await core.services.repos.resources.summaries(community_id, list(resource_ids))
        }
        return {rid: ("rust",) if "rust" in url else ("python",) for rid, url in urls.items()}

    core.services.topics_for = topics_for
    await admin(core, "digest channel <#C9|digest>")
    text = said(await admin(core, "digest preview"))
    assert asked and len(asked[0]) == 3
    # a topic only one item has heads nothing: the rust link comes after, under "More"
    assert "-- python --" in text and "-- rust --" not in text and "-- More --" in text
    assert text.index("-- python --") < text.index("example.com/rust") < len(text)
    assert text.index("-- More --") < text.index("example.com/rust")


async def test_a_failing_topics_provider_does_not_break_the_digest(core: Rhizome) -> None:
    await core.ingest(
        post("C1", "1", "ana", "https://example.com/a", NOW - timedelta(minutes=1), name="general")
    )

    async def broken(community_id: int, resource_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        raise RuntimeError("no model")

    core.services.topics_for = broken
    await admin(core, "digest channel <#C9|digest>")
    assert "example.com/a" in said(await admin(core, "digest preview"))


async def test_timezone_autocomplete(core: Rhizome) -> None:
    found = await core.autocomplete(COMMUNITY, "timezones", "europe/be")
    assert "Europe/Berlin" in found
    assert all(name.startswith("Europe/Be") for name in found)
    assert "Europe/Berlin" in await core.autocomplete(COMMUNITY, "timezones", "berlin")
    assert len(await core.autocomplete(COMMUNITY, "timezones", "", limit=5)) == 5
