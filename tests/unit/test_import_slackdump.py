"""slackdump archives (../shared/datasets/slackdump-fixtures): the export-format folder and
the per-conversation dump with nested thread replies, through the same import command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Rhizome
from bot.importers.run import import_export
from bot.importers.slackdump import is_slackdump
from storage import models as m
from tests.conftest import SHARED_DATASETS

FIXTURES = SHARED_DATASETS / "slackdump-fixtures"
pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"{FIXTURES} is not present")
DUMP = FIXTURES / "dump" / "CHY5HUESG.json"


def expected_from_dump() -> tuple[set[str], dict[str, str]]:
    """Members' messages in the dump (ids), and each nested reply's thread root."""
    raw = json.loads(DUMP.read_text())
    ids: set[str] = set()
    roots: dict[str, str] = {}
    for msg in raw["messages"]:
        everything = [msg, *msg.get("slackdump_thread_replies", [])]
        for one in everything:
            if one.get("subtype") in (None, "thread_broadcast", "file_share") and one.get("user"):
                ids.add(one["ts"])
        for reply in msg.get("slackdump_thread_replies", []):
            roots[reply["ts"]] = msg["ts"]
    return ids, roots


async def stored(rhizome: Rhizome) -> dict[str, str | None]:
    async with rhizome.services.db.read() as conn:
        rows = await conn.execute(select(m.messages.c.external_id, m.messages.c.thread_external_id))
        return {row[0]: row[1] for row in rows}


async def test_dump_file_with_nested_thread_replies(rhizome: Rhizome, tmp_path: Path) -> None:
    assert is_slackdump(DUMP)
    summary = await import_export(rhizome, "slack", DUMP)
    assert summary.ok and not summary.aborted
    ids, roots = expected_from_dump()
    got = await stored(rhizome)
    assert set(got) == ids
    assert roots and all(got[reply] == root for reply, root in roots.items() if reply in got)
    assert summary.communities[0].external_id == "THY5HTZ8U"  # the team of its messages

    # a folder of dump files is the same import; again: nothing new
    folder = tmp_path / "dump"
    folder.mkdir()
    shutil.copy(DUMP, folder / DUMP.name)
    again = await import_export(rhizome, "slack", folder)
    assert again.ok and again.stored.messages == 0 and again.stored.duplicates == len(ids)


async def test_slackdump_export_format_folder(rhizome: Rhizome) -> None:
    folder = FIXTURES / "source_export_dir"
    assert not is_slackdump(folder)  # it has channels.json: a standard export
    summary = await import_export(rhizome, "slack", folder)
    assert summary.ok and summary.stored.messages == 13
    assert any(thread for thread in (await stored(rhizome)).values())


async def test_broken_dump_file_is_reported_and_stores_nothing(
    rhizome: Rhizome, tmp_path: Path
) -> None:
    bad = tmp_path / "C0BROKEN.json"
    bad.write_text('{"channel_id": "C0BROKEN", "name": "x", "messages": {"not": "a list"}}')
    summary = await import_export(rhizome, "slack", bad)
    assert summary.aborted
    [problem] = summary.report.errors
    assert "messages" in str(problem) and "C0BROKEN.json" in str(problem)
    assert await stored(rhizome) == {}


async def test_direct_messages_in_a_dump_are_never_imported(
    rhizome: Rhizome, tmp_path: Path
) -> None:
    raw = json.loads(DUMP.read_text())
    (tmp_path / "D0DIRECT.json").write_text(json.dumps({**raw, "channel_id": "D0DIRECT"}))
    summary = await import_export(rhizome, "slack", tmp_path)
    assert summary.ok and summary.stored.messages == 0
    assert summary.report.skipped_files == {"direct messages are never imported": 1}
