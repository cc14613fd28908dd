"""Slack workspace export importer: real exports, synthetic edge cases, broken files.

Counts asserted on real data were computed independently with jq over the day files, e.g.
`cat */*.json | jq -s 'flatten | map(select(.subtype==null or .subtype=="file_share")) | length'`.
slack-log-haskell-jp is not tested here: it is a reduced format (pages, no channels.json), not a
standard workspace export, so the importer rightly refuses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import Rhizome
from bot.importers.common import BrokenExportFile, ImportReport
from bot.importers.run import derive_interests, import_export, summary_lines
from bot.importers.slack_export import (
    SKIP_DM,
    SKIP_FILE_COMMENT,
    SKIP_PRIVATE,
    SKIP_UNLISTED,
    iter_slack_export,
    open_slack_export,
    parse_day_file,
)
from bot.model import Actor, CommunityRef, MessagePosted, Place, ReactionAdded, ResourceSummary
from bot.tracking import resources_in

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "tests" / "fixtures" / "import" / "slack-houstondatavis-slice"
SHARED = REPO.parent / "shared" / "datasets"


def shared(name: str) -> Path:
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(
            f"{path} is absent (real datasets live in ../shared/datasets, next to the repo)"
        )
    return path


def import_all(path: Path, **kwargs: object) -> tuple[list[object], ImportReport]:
    report = ImportReport()
    events = list(iter_slack_export(path, report=report, **kwargs))  # type: ignore[arg-type]
    return events, report


def posted(events: list[object]) -> list[MessagePosted]:
    return [e for e in events if isinstance(e, MessagePosted)]


def reactions(events: list[object]) -> list[ReactionAdded]:
    return [e for e in events if isinstance(e, ReactionAdded)]


# --- the attributed slice of houstondatavis (always available) -------------------------------


def test_slice_counts_match_the_files() -> None:
    events, report = import_all(SLICE, community_label="Houston DataVis")
    # readings: 34 messages + sci: 48 (plain + file_share); 2 + 11 reaction users.
    assert report.messages == len(posted(events)) == 82
    assert report.reactions == len(reactions(events)) == 13
    assert report.attachments == 4
    assert report.edited == 4
    assert report.replies == 0
    assert report.files_total == report.files_done == 36
    assert report.bytes_done == report.bytes_total > 0
    assert report.skipped == {
        "system message (channel_join)": 24,
        "system message (channel_purpose)": 2,
        "system message (channel_archive)": 1,
        "system message (channel_leave)": 1,
    }
    assert report.members == 19
    assert report.channels == 2
    assert report.errors == []
    by_channel = Counter(e.place.channel_name for e in posted(events))
    assert by_channel == {"readings": 34, "sci": 48}
    assert sum("<http" in e.text for e in posted(events)) == 29


def test_slice_message_details() -> None:
    events, _ = import_all(SLICE, community_label="Houston DataVis")
    community = CommunityRef("slack", "T061A2UFL", "Houston DataVis")
    first = posted(events)[0]
    assert first == MessagePosted(
        place=Place(community=community, channel_id="C065DT41X", channel_name="readings"),
        occurred_at=datetime(2015, 6, 10, 2, 33, 22, 4, tzinfo=UTC),
        message_id="1433903602.000004",
        author=Actor("U061A1R2R", "Micah Stubbs", is_admin=True),  # workspace admin
        text="<http://benalman.com/news/2010/03/theres-no-such-thing-as-a-json/>",
    )
    # A user with no display or real name is called by their username, not their id.
    javier = next(e for e in posted(events) if e.author.external_id == "U061A3E0G")
    assert javier.author.display_name == "javier"
    # Two people +1'd one message: one ReactionAdded each, on that message, at its time.
    plus_ones = [r for r in reactions(events) if r.message_id == "1469630332.000002"]
    assert {(r.actor.external_id, r.emoji) for r in plus_ones} == {
        ("U061A5N1G", "+1"),
        ("U1GGRN36X", "+1"),
    }
    assert all(r.occurred_at == datetime(2016, 7, 27, 14, 38, 52, 2, tzinfo=UTC) for r in plus_ones)
    # An edited message is imported once, with its current text.
    edited = [e for e in posted(events) if e.message_id == "1468940851.000003"]
    assert [e.text for e in edited] == ["another cool tool is <https://www.overleaf.com>"]


def test_slice_files_become_attachments_without_tokens() -> None:
    events, _ = import_all(SLICE)
    shared_file = next(e for e in posted(events) if e.message_id == "1434078442.000005")
    (attachment,) = shared_file.attachments
    assert attachment.url == (
        "https://houstondatavis.slack.com/files/micahstubbs/F068P201Z/"
        "screen_shot_2015-06-11_at_22.06.54.png"
    )
    assert attachment.filename == "Screen Shot 2015-06-11 at 22.06.54.png"
    assert attachment.title == "Data Reduction Methods"
    assert attachment.external_id == "F068P201Z"
    assert not any("xoxe" in a.url for e in posted(events) for a in e.attachments)


def test_slice_is_chronological_per_channel() -> None:
    events, _ = import_all(SLICE)
    for channel in ("readings", "sci"):
        times = [e.occurred_at for e in posted(events) if e.place.channel_name == channel]
        assert times == sorted(times)


def test_zip_gives_the_same_events_as_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "Houston DataVis Slack export Jun 2015 - Jul 2016.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted(SLICE.rglob("*.json")):
            zf.write(file, "export/" + file.relative_to(SLICE).as_posix())
    from_folder, _ = import_all(SLICE, community_label="x")
    from_zip, report = import_all(archive, community_label="x")
    assert from_zip == from_folder
    assert report.files_done == 36
    with open_slack_export(archive) as export:
        # Without a label the community is named after the zip, minus Slack's suffix.
        assert export.community == CommunityRef("slack", "T061A2UFL", "Houston DataVis")
        assert export.total_files == 36
        assert export.total_bytes == sum(f.stat().st_size for f in SLICE.glob("*/*.json"))


def test_units_carry_their_own_events_and_counts() -> None:
    report = ImportReport()
    with open_slack_export(SLICE) as export:
        units = list(export.units(report))
    assert [u.path for u in units][:2] == [
        str(SLICE / "readings" / "2015-06-09.json"),  # days are in the exporter's time zone
        str(SLICE / "readings" / "2015-06-10.json"),
    ]
    assert sum(u.counts.messages for u in units) == report.messages
    for unit in units:
        assert list(unit.events()) == list(unit.events())  # replayable
        assert all(e.place.channel_id == unit.channel_id for e in unit.events())


# --- synthetic exports for the cases the real ones lack -------------------------------------


def write_export(root: Path, files: dict[str, object]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(json.dumps(content), encoding="utf-8")
    return root


USERS = [
    {
        "id": "U1",
        "team_id": "T9",
        "name": "ana",
        "profile": {"display_name": "Ana B", "real_name": "Ana"},
    },
    {
        "id": "U2",
        "team_id": "T9",
        "name": "bo",
        "real_name": "Bo Real",
        "profile": {"display_name": ""},
    },
    {"id": "B1", "team_id": "T9", "name": "helper", "is_bot": True},
]
CHANNELS = [{"id": "C1", "name": "links"}]


def test_threads_broadcasts_and_skips(tmp_path: Path) -> None:
    day = [
        {
            "type": "message",
            "user": "U1",
            "text": "root <https://a.example/x|x>",
            "ts": "100.000100",
            "thread_ts": "100.000100",
            "reply_count": 2,
            "replies": [{"user": "U2", "ts": "101.000000"}],
        },
        {
            "type": "message",
            "user": "U2",
            "text": "reply",
            "ts": "101.000000",
            "thread_ts": "100.000100",
            "parent_user_id": "U1",
        },
        {
            "type": "message",
            "subtype": "thread_broadcast",
            "user": "U2",
            "text": "also in channel",
            "ts": "102.5",
            "thread_ts": "100.000100",
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "BX",
            "text": "beep",
            "ts": "103.0",
        },
        {"type": "message", "user": "B1", "text": "bot user", "ts": "104.0"},
        {"type": "message", "user": "USLACKBOT", "text": "reminder", "ts": "104.5"},
        {
            "type": "message",
            "subtype": "tombstone",
            "user": "USLACKBOT",
            "text": "deleted",
            "ts": "105.0",
        },
        {
            "type": "message",
            "subtype": "channel_topic",
            "user": "U1",
            "text": "set topic",
            "ts": "106.0",
        },
        {
            "type": "message",
            "user": "U7",
            "text": "a guest",
            "ts": "107.0",
            "user_profile": {"display_name": "", "real_name": "Guest Person"},
        },
        {
            "type": "message",
            "user": "U1",
            "text": "files",
            "ts": "108.0",
            "files": [
                {
                    "id": "F1",
                    "name": "a.pdf",
                    "title": "A",
                    "mode": "hosted",
                    "url_private": "https://files.slack.com/files-pri/T9-F1/a.pdf?t=xoxe-secret",
                },
                {"id": "F2", "name": "gone", "mode": "tombstone"},
                {
                    "id": "F3",
                    "name": "doc",
                    "is_external": True,
                    "mode": "external",
                    "url_private": "https://docs.example.org/d/1",
                    "permalink": "https://x.slack.com/files/U1/F3/doc",
                },
            ],
            "attachments": [
                {"from_url": "https://unfurl.example/p?a=1&amp;b=2"},
                {"from_url": "https://x.slack.com/archives/C1/p1", "is_msg_unfurl": True},
            ],
        },
        {
            "type": "message",
            "user": "U2",
            "text": "hi",
            "ts": "109.0",
            "edited": {"user": "U2", "ts": "110.0"},
            "reactions": [
                {"name": "+1", "users": ["U1", "B1"], "count": 5},
                {"name": "tada", "users": ["U1", "U1"], "count": 2},
            ],
        },
    ]
    root = write_export(
        tmp_path / "ex",
        {"users.json": USERS, "channels.json": CHANNELS, "links/1970-01-01.json": day},
    )
    events, report = import_all(root)
    messages = {e.message_id: e for e in posted(events)}
    assert list(messages) == ["100.000100", "101.000000", "102.5", "107.0", "108.0", "109.0"]
    assert messages["100.000100"].place.thread_id is None
    assert messages["101.000000"].place.thread_id == "100.000100"
    assert messages["102.5"].place.thread_id == "100.000100"
    assert messages["102.5"].broadcast is True
    assert messages["102.5"].occurred_at == datetime(1970, 1, 1, 0, 1, 42, 500000, tzinfo=UTC)
    assert messages["100.000100"].author.display_name == "Ana B"
    assert messages["101.000000"].author.display_name == "Bo Real"
    assert messages["107.0"].author == Actor("U7", "Guest Person")
    files = messages["108.0"]
    assert [(a.url, a.external_id) for a in files.attachments] == [
        ("https://files.slack.com/files-pri/T9-F1/a.pdf", "F1"),
        ("https://docs.example.org/d/1", "F3"),
    ]
    assert files.extra_urls == ("https://unfurl.example/p?a=1&b=2",)  # &amp; unescaped
    assert [(r.actor.external_id, r.emoji, r.message_id) for r in reactions(events)] == [
        ("U1", "+1", "109.0"),
        ("U1", "tada", "109.0"),
    ]
    assert report.replies == 2
    assert report.edited == 1
    assert report.skipped == {
        "bot message": 3,
        "deleted message": 1,
        "system message (channel_topic)": 1,
        "file without URL": 1,
        "reaction by a bot": 1,
        "reaction without users": 3,
    }
    with open_slack_export(root) as export:
        assert export.community == CommunityRef("slack", "T9", "ex")


def test_day_file_is_sorted_by_ts(tmp_path: Path) -> None:
    day = [
        {"type": "message", "user": "U1", "text": "second", "ts": "200.000002"},
        {"type": "message", "user": "U1", "text": "first", "ts": "200.000001"},
    ]
    root = write_export(
        tmp_path / "ex", {"users.json": USERS, "channels.json": CHANNELS, "links/d.json": day}
    )
    events, _ = import_all(root)
    assert [e.text for e in posted(events)] == ["first", "second"]


def test_private_channels_and_direct_messages(tmp_path: Path) -> None:
    message = [{"type": "message", "user": "U1", "text": "x", "ts": "1.0"}]
    root = write_export(
        tmp_path / "ex",
        {
            "users.json": USERS,
            "channels.json": CHANNELS,
            "groups.json": [{"id": "G1", "name": "secret"}],
            "dms.json": [{"id": "D1", "members": ["U1", "U2"]}],
            "mpims.json": [{"id": "G2", "name": "mpdm-ana--bo-1"}],
            "links/a.json": message,
            "secret/a.json": message,
            "secret/b.json": message,
            "D1/a.json": message,
            "mpdm-ana--bo-1/a.json": message,
            "stray/a.json": message,
        },
    )
    events, report = import_all(root)
    assert {e.place.channel_id for e in events} == {"C1"}
    assert report.skipped_files == {SKIP_PRIVATE: 2, SKIP_DM: 2, SKIP_UNLISTED: 1}
    events, report = import_all(root, include_private=True)
    secret = [e for e in posted(events) if e.place.channel_id == "G1"]
    assert len(secret) == 2 and all(e.place.is_private for e in secret)
    assert report.skipped_files == {SKIP_DM: 2, SKIP_UNLISTED: 1}


def test_community_without_team_id_uses_the_label(tmp_path: Path) -> None:
    users = [{"id": "U1", "name": "ana"}]
    day = [{"type": "message", "user": "U1", "text": "x", "ts": "1.0"}]
    root = write_export(
        tmp_path / "old-export",
        {"users.json": users, "channels.json": CHANNELS, "links/a.json": day},
    )
    with open_slack_export(root, community_label="Data Vis!") as export:
        assert export.community == CommunityRef("slack", "export-data-vis", "Data Vis!")
    _, report = import_all(root)
    assert any("no Slack team id" in w for w in report.warnings)
    with open_slack_export(root) as export:
        assert export.community == CommunityRef("slack", "export-old-export", "old-export")
    # A message's `team` field is used when users.json names none.
    day[0]["team"] = "T5"
    write_export(root, {"links/a.json": day})
    with open_slack_export(root) as export:
        assert export.community.external_id == "T5"


def test_not_an_export(tmp_path: Path) -> None:
    with pytest.raises(BrokenExportFile, match=r"no channels\.json"):
        open_slack_export(tmp_path)
    bad_zip = tmp_path / "x.zip"
    bad_zip.write_bytes(b"not a zip")
    with pytest.raises(BrokenExportFile, match=r"not a readable \.zip"):
        open_slack_export(bad_zip)
    root = write_export(tmp_path / "ex", {"channels.json": {"id": "C1"}})
    with pytest.raises(BrokenExportFile) as info:
        open_slack_export(root)
    assert info.value.position == "$"
    assert "expected a list of channels" in info.value.reason


# --- broken files ---------------------------------------------------------------------------


BAD_UTF8 = b'[{"type": "message", "user": "U1", "text": "caf\xe9", "ts": "1.0"}]'
GOOD_DAY = [{"type": "message", "user": "U1", "text": "fine <https://ok.example>", "ts": "1.0"}]
BROKEN_CASES = {
    "truncated": (json.dumps(GOOD_DAY)[:-7].encode(), "line 1, column", "invalid JSON"),
    "wrong shape (object, not a list)": (
        json.dumps({"messages": GOOD_DAY}).encode(),
        "$",
        "expected a list",
    ),
    "wrong shape (list, not a message)": (
        json.dumps([GOOD_DAY[0], ["x"]]).encode(),
        "$[1]",
        "expected a message",
    ),
    "bad timestamp": (
        json.dumps(
            [GOOD_DAY[0], {"type": "message", "user": "U1", "text": "x", "ts": "yesterday"}]
        ).encode(),
        "$[1].ts",
        "bad Slack timestamp",
    ),
    "invalid UTF-8": (BAD_UTF8, f"byte {BAD_UTF8.index(0xE9)}", "invalid UTF-8"),
    "UTF-16": (json.dumps(GOOD_DAY).encode("utf-16"), "byte 0", "looks like UTF-16"),
    "bad reactions": (
        json.dumps([{**GOOD_DAY[0], "reactions": [{"name": "x", "users": "U1"}]}]).encode(),
        "$[0].reactions[0].users",
        "list of user ids",
    ),
    "bad file comment": (
        json.dumps(
            [GOOD_DAY[0], {"type": "message", "subtype": "file_comment", "ts": "2.0", "comment": 7}]
        ).encode(),
        "$[1].comment",
        "expected an object",
    ),
    "file comment without its commenter": (
        json.dumps(
            [
                GOOD_DAY[0],
                {"type": "message", "subtype": "file_comment", "ts": "2.0", "comment": {}},
            ]
        ).encode(),
        "$[1].comment.user",
        "missing",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN_CASES))
def test_broken_day_file_is_reported_with_its_position(tmp_path: Path, case: str) -> None:
    data, position, reason = BROKEN_CASES[case]
    root = write_export(
        tmp_path / "ex",
        {
            "users.json": USERS,
            "channels.json": CHANNELS,
            "links/2020-01-01.json": GOOD_DAY,
            "links/2020-01-02.json": data,
            "links/2020-01-03.json": GOOD_DAY,
        },
    )
    broken = str(root / "links" / "2020-01-02.json")
    # Without keep_going: the first file's events, then the error; nothing of the broken file.
    report = ImportReport()
    seen: list[object] = []
    with pytest.raises(BrokenExportFile) as info:
        for event in iter_slack_export(root, report=report):
            seen.append(event)
    assert info.value.path == broken
    assert info.value.position is not None and info.value.position.startswith(position)
    assert reason in info.value.reason
    assert len(seen) == 1
    assert report.errors == [info.value.problem]
    assert broken in str(info.value)
    # With keep_going: both good files, and the broken one reported.
    events, report = import_all(root, keep_going=True)
    assert len(posted(events)) == 2
    assert report.files_done == 2 and report.files_broken == 1
    assert report.bytes_done == report.bytes_total
    (problem,) = report.errors
    assert (
        problem.path == broken
        and problem.position is not None
        and problem.position.startswith(position)
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = [
    "type",
    "subtype",
    "user",
    "text",
    "ts",
    "thread_ts",
    "reactions",
    "files",
    "file",
    "attachments",
    "edited",
    "bot_id",
    "user_profile",
    "name",
    "users",
    "count",
    "url_private",
    "permalink",
    "is_external",
    "mode",
    "from_url",
]
MESSAGE_LIKE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(["1.0", "12.000001", "U1", "x", ""]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON | st.lists(MESSAGE_LIKE, max_size=5) | MESSAGE_LIKE)
def test_day_parser_raises_only_broken_export_file(value: object) -> None:
    place = Place(community=CommunityRef("slack", "T1"), channel_id="C1")
    users = {"U1": Actor("U1", "Ana")}
    try:
        events, counts = parse_day_file(
            json.dumps(value).encode(), path="d.json", place=place, users=users
        )
    except BrokenExportFile as exc:
        assert exc.path == "d.json"
        return
    assert counts.messages == len(posted(list(events)))


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=64))
def test_day_parser_on_arbitrary_bytes(data: bytes) -> None:
    place = Place(community=CommunityRef("slack", "T1"), channel_id="C1")
    with contextlib.suppress(BrokenExportFile):
        parse_day_file(data, path="d.json", place=place, users={})


# --- the real exports in ../shared ----------------------------------------------------------


@pytest.mark.shared_data
def test_houstondatavis_full_export() -> None:
    events, report = import_all(shared("slack-export-houstondatavis"))
    assert report.files_done == 375
    assert report.messages == 1031  # 964 plain + 61 file_share + 6 file comments
    assert report.reactions == 198
    assert report.attachments == 61
    assert report.edited == 37
    assert report.replies == 6  # the file comments, each a reply to the share of its file
    assert report.members == 71 and report.channels == 16
    assert report.skipped["system message (channel_join)"] == 320
    assert "system message (file_comment)" not in report.skipped
    assert report.skipped_total == 1382 - 1031
    assert sum("<http" in e.text for e in posted(events)) == 296
    by_channel = Counter(e.place.channel_name for e in posted(events))
    assert by_channel["general"] == 403
    assert by_channel["datajam"] == 146
    assert by_channel["tools"] == 62
    assert {e.community.external_id for e in events} == {"T061A2UFL"}
    # unfurls' from_url keep Slack's "&amp;" in the export; read as "&" (one resource)
    unfurled = [u for e in posted(events) for u in e.extra_urls]
    assert any("forecast.html?" in u for u in unfurled)
    assert not any("&amp;" in u for u in unfurled)


@pytest.mark.shared_data
def test_julialang_derived_export_with_threads() -> None:
    events, report = import_all(shared("slack-export-julialang-derived"))
    messages = posted(events)
    assert report.messages == len(messages) == 4008
    assert report.replies == 2989
    assert report.reactions == len(reactions(events)) == 4464
    assert sum(e.broadcast for e in messages) == 21
    assert report.attachments == 54 and report.skipped["file without URL"] == 2
    assert report.skipped["deleted message"] == 2
    assert len({e.place.thread_id for e in messages if e.place.thread_id}) == 435
    by_channel = Counter(e.place.channel_name for e in messages)
    assert by_channel == {
        "appreciation": 1328,
        "machine-learning": 787,
        "community": 692,
        "introduction": 607,
        "releases": 594,
    }
    replies = Counter(e.place.channel_name for e in messages if e.place.thread_id)
    assert replies["appreciation"] == 1111
    assert sum("<http" in e.text for e in messages) == 535
    assert {e.community.external_id for e in events} == {"T68168MUP"}
    message_ids = {m.message_id for m in messages}
    assert all(r.message_id in message_ids for r in reactions(events))


@pytest.mark.shared_data
def test_a_shared_message_reshares_its_links() -> None:
    # julialang #machine-learning, 2021-04-09: a member shared, with no words of their own, a
    # message holding two arXiv papers; other shares quote messages without links.
    events, _ = import_all(shared("slack-export-julialang-derived"))
    sharing = [
        e for e in posted(events) if e.place.channel_name == "machine-learning" and not e.text
    ]
    reshared = {u for e in sharing for u in e.extra_urls}
    assert {"https://arxiv.org/abs/1903.03129", "https://arxiv.org/abs/2103.10891"} <= reshared
    # a shared message without links ("Idiot dont spam", shared to ask for calm) adds none
    quoting = [e for e in posted(events) if e.text.startswith("Come on <@U01FTP75MBR>")]
    assert len(quoting) == 1 and quoting[0].extra_urls == ()


@pytest.mark.shared_data
def test_hfaran_bot_posts_are_skipped() -> None:
    events, report = import_all(shared("slack-export-hfaran-testarchive"))
    assert report.messages == 53  # one a file comment: a reply to the snippet's share
    assert report.replies == 1
    assert report.skipped["bot message"] == 94
    assert all(not e.author.is_bot for e in posted(events))


# --- through the core (phase 2): SQLite always, PostgreSQL when configured --------------------


async def stored_counts(rhizome: Rhizome) -> dict[str, dict[str, int]]:
    return {
        f"{c.platform}:{c.external_id}": n
        for c, n in await rhizome.services.repos.communities.list_all()
    }


async def resource_summaries(
    rhizome: Rhizome, platform: str, external_id: str
) -> list[ResourceSummary]:
    repos = rhizome.services.repos
    community = await repos.communities.find(platform, external_id)
    assert community is not None
    return await repos.resources.summaries(
        community.id, await repos.resources.all_ids(community.id)
    )


async def test_slice_through_the_core_twice(rhizome: Rhizome) -> None:
    calls: list[tuple[int, int]] = []
    first = await import_export(
        rhizome,
        "slack",
        SLICE,
        community_label="Houston DataVis",
        progress=lambda r: calls.append((r.bytes_done, r.bytes_total)),
    )
    assert first.ok and not first.aborted
    assert first.files_committed == 36
    assert first.stored.messages == 82
    assert first.communities == [CommunityRef("slack", "T061A2UFL", "Houston DataVis")]
    assert calls[0] == (0, first.report.bytes_total) and calls[-1][0] == first.report.bytes_total
    events, _ = import_all(SLICE)
    expected = {
        r.canonical_url
        for e in posted(events)
        for r in resources_in(e.text, e.attachments, e.extra_urls)
    }
    summaries = await resource_summaries(rhizome, "slack", "T061A2UFL")
    assert {s.url for s in summaries} == expected
    json_post = next(s for s in summaries if "theres-no-such-thing-as-a-json" in s.url)
    assert (
        json_post.first_shared_by is not None and json_post.first_shared_by.name == "Micah Stubbs"
    )
    assert json_post.first_channel is not None and json_post.first_channel.name == "readings"
    assert json_post.first_message_external_id == "1433903602.000004"
    assert sum(s.reaction_count for s in summaries) > 0
    before = await stored_counts(rhizome)
    assert before["slack:T061A2UFL"]["messages"] == 82

    second = await import_export(rhizome, "slack", SLICE, community_label="Houston DataVis")
    assert second.ok and second.files_committed == 36
    assert second.stored.messages == 0 and second.stored.shares == 0
    assert second.stored.duplicates == 82
    assert await stored_counts(rhizome) == before
    again = await resource_summaries(rhizome, "slack", "T061A2UFL")
    assert [(s.url, s.reaction_count, s.share_count) for s in again] == [
        (s.url, s.reaction_count, s.share_count) for s in summaries
    ]


async def test_an_import_waits_for_a_pass_another_process_is_making(rhizome: Rhizome) -> None:
    # A bot beside the import holds the interest lease for one of its passes: the import's
    # derive waits for it instead of ending with nothing worked out.
    from datetime import timedelta

    from bot.interests.service import service_for

    first = await import_export(rhizome, "slack", SLICE, derive=False)
    community = await rhizome.services.repos.communities.find("slack", "T061A2UFL")
    assert first.ok and community is not None
    interests = service_for(rhizome.services)
    now = rhizome.services.clock.now()
    assert await interests.store.claim(community.id, "bot", now, now + timedelta(minutes=2))
    assert await interests.store.backlog(community.id) > 0

    async def bot_pass_ends() -> None:
        await asyncio.sleep(0.3)
        await interests.store.release(community.id, "bot")

    ending = asyncio.create_task(bot_pass_ends())
    await derive_interests(rhizome, first.communities)  # what the import ends with
    await ending
    assert await interests.store.backlog(community.id) == 0


async def test_broken_file_through_the_core(rhizome: Rhizome, tmp_path: Path) -> None:
    def day(ts: str, url: str) -> list[dict[str, object]]:
        return [{"type": "message", "user": "U1", "text": f"<{url}>", "ts": ts}]

    root = write_export(
        tmp_path / "ex",
        {
            "users.json": USERS,
            "channels.json": CHANNELS,
            "links/2020-01-01.json": day("1577880000.000100", "https://one.example/a"),
            "links/2020-01-02.json": json.dumps(day("1577966400.000100", "https://two.example/b"))[
                :-9
            ].encode(),
            "links/2020-01-03.json": day("1578052800.000100", "https://three.example/c"),
        },
    )
    stopped = await import_export(rhizome, "slack", root)
    assert stopped.aborted and not stopped.ok
    assert stopped.files_committed == 1 and stopped.stored.messages == 1
    (problem,) = stopped.report.errors
    assert problem.path == str(root / "links" / "2020-01-02.json")
    assert problem.position is not None and problem.position.startswith("line 1, column")
    assert {s.url for s in await resource_summaries(rhizome, "slack", "T9")} == {
        "https://one.example/a"
    }
    lines = summary_lines(stopped)
    assert lines[0].endswith("1 of 3 files imported (stopped at a broken file)")
    assert lines[-1] == f"error: {problem.path}: {problem.position}: {problem.reason}"

    kept_going = await import_export(rhizome, "slack", root, keep_going=True)
    assert not kept_going.aborted and len(kept_going.report.errors) == 1
    assert kept_going.files_committed == 2
    assert kept_going.stored.messages == 1 and kept_going.stored.duplicates == 1
    assert {s.url for s in await resource_summaries(rhizome, "slack", "T9")} == {
        "https://one.example/a",
        "https://three.example/c",
    }


async def test_unusable_export_is_reported_not_raised(rhizome: Rhizome, tmp_path: Path) -> None:
    summary = await import_export(rhizome, "slack", tmp_path)
    assert summary.aborted and summary.files_committed == 0
    assert "no channels.json" in summary.report.errors[0].reason
    assert await stored_counts(rhizome) == {}


@pytest.mark.shared_data
async def test_houstondatavis_through_the_core_twice(rhizome: Rhizome) -> None:
    path = shared("slack-export-houstondatavis")
    first = await import_export(rhizome, "slack", path)
    assert first.ok and first.stored.messages == 1031 and first.files_committed == 375
    before = await stored_counts(rhizome)
    assert before["slack:T061A2UFL"]["messages"] == 1031
    assert before["slack:T061A2UFL"]["channels"] == 15  # #meetup holds only joins
    assert first.stored.reactions == 198  # each one the export lists, stored once
    second = await import_export(rhizome, "slack", path)
    assert second.stored.messages == 0 and second.stored.duplicates == 1031
    assert second.stored.reactions == 0  # already there: the summary must not claim them again
    assert await stored_counts(rhizome) == before


# A legacy file comment, as houstondatavis' 2015 export holds them (Slack before threads): the
# commenter is in `comment.user`, the words in `comment.comment`, the file in `file`; `text` is
# Slack's own "<@U…> commented on U…'s file <…>: …" sentence.
PERMALINK = (
    "https://houstondatavis.slack.com/files/timabram/F06K2PCM9/avg_price_by_county_ny-region.png"
)


def _shared_file(file_id: str = "F06K2PCM9") -> dict[str, object]:
    return {
        "id": file_id,
        "name": "avg_price_by_county_NY-region.png",
        "title": "avg_price_by_county_NY-region.png",
        "mimetype": "image/png",
        "filetype": "png",
        "user": "U1",
        "mode": "hosted",
        "is_external": False,
        "permalink": PERMALINK.replace("F06K2PCM9", file_id),
        "url_private": f"https://files.slack.com/files-pri/T9-{file_id}/avg.png",
    }


def _file_comment(ts: str, user: str, words: str, file_id: str = "F06K2PCM9") -> object:
    return {
        "type": "message",
        "subtype": "file_comment",
        "text": f"<@{user}|bo> commented on U1's file <{PERMALINK}|avg.png>: {words}",
        "file": _shared_file(file_id),
        "comment": {
            "id": "Fc06K2PR2L",
            "created": int(float(ts)),
            "timestamp": int(float(ts)),
            "user": user,
            "is_intro": False,
            "comment": words,
            "channel": "",
        },
        "is_intro": False,
        "ts": ts,
    }


def _file_comment_export(root: Path) -> Path:
    share = {
        "type": "message",
        "subtype": "file_share",
        "text": f"<@U1|ana> uploaded a file: <{PERMALINK}|avg.png> and commented: "
        "<https://github.com/timabram/houston-june-datajam/blob/master/Geo_Medicare_Viz_2.R>",
        "file": _shared_file(),
        "user": "U1",
        "upload": True,
        "ts": "1434772080.000006",
    }
    return write_export(
        root,
        {
            "users.json": USERS,
            "channels.json": CHANNELS,
            "links/2015-06-19.json": [share, _file_comment("1434772752.000007", "U2", "Lovely")],
            "links/2015-06-20.json": [
                _file_comment("1434859200.000001", "U2", "I like the colors of this map"),
                _file_comment("1434859300.000001", "U2", "and this one?", file_id="F0GONE"),
            ],
        },
    )


def test_a_legacy_file_comment_is_a_reply_to_the_files_share(tmp_path: Path) -> None:
    events, report = import_all(_file_comment_export(tmp_path / "export"))
    comments = [e for e in posted(events) if e.author.external_id == "U2"]
    assert [(e.text, e.place.thread_id) for e in comments] == [
        ("Lovely", "1434772080.000006"),
        ("I like the colors of this map", "1434772080.000006"),  # the next day's file too
    ]
    assert not any(e.attachments or e.extra_urls for e in comments)  # no reshare of the file
    assert report.replies == 2 and report.messages == 3
    # a file shared before the export (or in another channel) has no share to discuss here
    assert report.skipped[SKIP_FILE_COMMENT] == 1


async def test_a_legacy_file_comment_discusses_the_file(rhizome: Rhizome, tmp_path: Path) -> None:
    summary = await import_export(rhizome, "slack", _file_comment_export(tmp_path / "export"))
    assert summary.ok and summary.stored.messages == 3
    by_url = {s.url: s for s in await resource_summaries(rhizome, "slack", "T9")}
    chart = next(s for url, s in by_url.items() if "F06K2PCM9" in url)
    assert (chart.reply_count, chart.discussants) == (2, 1)
    assert chart.first_shared_by is not None and chart.first_shared_by.name == "Ana B"
    assert chart.share_count == 1  # Bo discussed it; he did not share it again


def test_day_files_are_read_day_by_day_across_channels(tmp_path: Path) -> None:
    """Time-ordered indexes then grow at their ends during an import (see SlackExport)."""

    def day(ts: str) -> list[dict[str, str]]:
        return [{"type": "message", "user": "U1", "text": "hi", "ts": ts}]

    root = write_export(
        tmp_path / "export",
        {
            "users.json": USERS,
            "channels.json": [{"id": "C1", "name": "links"}, {"id": "C2", "name": "talk"}],
            "links/2024-01-01.json": day("1704103200.000100"),
            "links/2024-01-03.json": day("1704276000.000100"),
            "talk/2024-01-01.json": day("1704106800.000100"),
            "talk/2024-01-02.json": day("1704189600.000100"),
        },
    )
    report = ImportReport()
    with open_slack_export(root) as export:
        order = [Path(u.path).relative_to(root).as_posix() for u in export.units(report)]
    assert order == [
        "links/2024-01-01.json",
        "talk/2024-01-01.json",
        "talk/2024-01-02.json",
        "links/2024-01-03.json",
    ]


def zipped_export(path: Path, days: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("export/users.json", json.dumps(USERS))
        zf.writestr("export/channels.json", json.dumps(CHANNELS))
        for day, body in days.items():
            zf.writestr(f"export/links/{day}.json", body)
    return path


def one_message(ts: str, text: str) -> bytes:
    return json.dumps([{"type": "message", "user": "U1", "text": text, "ts": ts}]).encode()


@pytest.mark.parametrize(
    ("padding", "reason"),
    [
        (40 << 20, r"inflates to 40 MB, more than the 32 MB one export file may have"),
        (2 << 20, r"inflates [\d,]+ times \(to 2 MB\); .* a zip bomb\?"),
    ],
)
async def test_zip_bombs_are_refused_naming_the_entry(
    rhizome: Rhizome, tmp_path: Path, padding: int, reason: str
) -> None:
    bomb = b'[{"type": "message", "user": "U1", "ts": "1577966400.000100", "text": "'
    bomb += b"a" * padding + b'"}]'
    archive = zipped_export(
        tmp_path / "bomb.zip",
        {
            "2020-01-01": one_message("1577880000.000100", "<https://one.example/a>"),
            "2020-01-02": bomb,
            "2020-01-03": one_message("1578052800.000100", "<https://three.example/c>"),
        },
    )
    stopped = await import_export(rhizome, "slack", archive)
    assert stopped.aborted and stopped.files_committed == 1
    (problem,) = stopped.report.errors
    assert problem.path == f"{archive}!export/links/2020-01-02.json"
    assert re.fullmatch(reason, problem.reason), problem.reason
    # What came before stays; with --keep-going the rest goes in too.
    kept_going = await import_export(rhizome, "slack", archive, keep_going=True)
    assert kept_going.files_committed == 2 and len(kept_going.report.errors) == 1
    assert {s.url for s in await resource_summaries(rhizome, "slack", "T9")} == {
        "https://one.example/a",
        "https://three.example/c",
    }


def test_an_unpacked_file_over_the_cap_is_refused_too(tmp_path: Path) -> None:
    root = write_export(
        tmp_path / "ex",
        {
            "users.json": USERS,
            "channels.json": CHANNELS,
            "links/2020-01-01.json": b"[" + b" " * (33 << 20) + b"]",
        },
    )
    _, report = import_all(root, keep_going=True)
    (problem,) = report.errors
    assert problem.path == str(root / "links" / "2020-01-01.json")
    assert "is 33 MB, more than the 32 MB" in problem.reason
