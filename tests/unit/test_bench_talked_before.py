"""The quality bench's "talked before" rule (bench/judgments/RULES.md section 6), on the
shapes of the files it reads: a Slack export folder and DiscordChatExporter JSON."""

from __future__ import annotations

import json
from pathlib import Path

from bench.quality_intros import bad_starter, talked_dce, talked_slack


def _day(folder: Path, channel: str, day: str, messages: list[dict[str, object]]) -> None:
    (folder / channel).mkdir(parents=True, exist_ok=True)
    (folder / channel / f"{day}.json").write_text(json.dumps(messages), "utf-8")


def test_slack_threads_reactions_mentions_and_turns(tmp_path: Path) -> None:
    _day(
        tmp_path,
        "general",
        "2016-06-01",
        [
            {"type": "message", "user": "UA", "text": "datajam tonight?", "ts": "1000.000001"},
            {"type": "message", "user": "UB", "text": "yes!", "ts": "1600.000001"},  # 10 min
            {"type": "message", "user": "UC", "text": "slides", "ts": "9000.000001"},  # 2 h
            {
                "type": "message",
                "user": "UD",
                "text": "<@UC|cy>: thanks",
                "ts": "20000.000001",
                "reactions": [{"name": "+1", "users": ["UE"], "count": 1}],
            },
            {
                "type": "message",
                "subtype": "channel_join",
                "user": "UF",
                "text": "",
                "ts": "20001.1",
            },
        ],
    )
    _day(
        tmp_path,
        "help",
        "2021-03-01",
        [
            {"user": "UG", "text": "how?", "ts": "50000.1", "thread_ts": "50000.1"},
            {"user": "UH", "text": "like this", "ts": "59000.1", "thread_ts": "50000.1"},
        ],
    )
    talked = talked_slack(tmp_path)
    pair = frozenset
    assert pair(("UA", "UB")) in talked  # adjacent within 30 minutes
    assert pair(("UB", "UC")) not in talked  # two hours apart
    assert pair(("UC", "UD")) in talked  # mention
    assert pair(("UD", "UE")) in talked  # reaction
    assert pair(("UD", "UF")) not in talked  # a join is not a message
    assert pair(("UG", "UH")) in talked  # same thread, however far apart


def test_discord_forum_threads_and_replies(tmp_path: Path) -> None:
    def msg(mid: str, author: str, content: str = "", ref: str | None = None) -> dict[str, object]:
        out: dict[str, object] = {"id": mid, "author": {"id": author}, "content": content}
        if ref:
            out["reference"] = {"messageId": ref}
        return out

    (tmp_path / "1.json").write_text(
        json.dumps({"messages": [msg("1", "11"), msg("2", "22", ref="1")]}), "utf-8"
    )
    (tmp_path / "2.json").write_text(
        json.dumps({"messages": [msg("3", "33", "<@44> any idea?")]}), "utf-8"
    )
    talked = talked_dce(tmp_path)
    assert talked == {frozenset(("11", "22")), frozenset(("33", "44"))}


def test_bad_starters_are_placeholders_private_addresses_and_images() -> None:
    assert bad_starter("https://example.org")
    assert bad_starter("https://172.17.0.1:5000/x")
    assert bad_starter("https://files.slack.com/screenshot.png?t=1")
    assert not bad_starter("https://docs.infrahub.app/topics/schema")
