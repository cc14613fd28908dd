"""Benchmark the history importers: parse speed, import speed through the core, peak memory.

Generates a Slack workspace export (default 1M messages, ~2,000 members, 200 channels; a third of
the messages with links, threads and reactions) and one DiscordChatExporter file (default 200k
messages) into a temporary folder, then
  1. parses both (no database),
  2. imports both through `Rhizome` into a fresh SQLite database (unless --parse-only),
printing messages/s and the peak resident memory of each phase. Target: 20k messages/s.

    python bench/import.py --messages 100000        # scaled down
    python bench/import.py --parse-only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.importers import ImportReport, open_discord_export, open_slack_export

WORDS = [
    "graph",
    "data",
    "model",
    "paper",
    "notes",
    "idea",
    "learning",
    "network",
    "sharing",
    "question",
    "answer",
    "practice",
    "community",
    "link",
    "read",
    "this",
    "great",
    "talk",
    "slides",
    "video",
    "course",
    "tutorial",
    "thanks",
    "agree",
]
START = datetime(2023, 1, 2, tzinfo=UTC)


# --- peak memory ---------------------------------------------------------------------------


class PeakRss:
    """Samples this process's resident memory every few ms; `peak` since the last reset."""

    def __init__(self, interval: float = 0.02) -> None:
        self._process = psutil.Process()
        self._interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(self._interval)

    def reset(self) -> None:
        self.peak = self._process.memory_info().rss

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Result:
    name: str
    messages: int
    seconds: float
    peak_mb: float

    def line(self) -> str:
        rate = self.messages / self.seconds if self.seconds else float("inf")
        return (
            f"{self.name:<34} {self.messages:>9,} msgs  {self.seconds:7.1f} s  "
            f"{rate:>9,.0f} msg/s  peak RSS {self.peak_mb:7.1f} MB"
        )


@contextmanager
def measured(
    name: str, rss: PeakRss, results: list[Result], count: Callable[[], int]
) -> Iterator[None]:
    rss.reset()
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    result = Result(name, count(), elapsed, rss.peak / 2**20)
    results.append(result)
    print(result.line(), flush=True)


# --- data generation -------------------------------------------------------------------------


def sentence(rng: random.Random, n: int = 10) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def generate_slack(root: Path, messages: int, members: int, channels: int, seed: int = 1) -> int:
    """A standard export layout; returns the number of person-written messages."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    users = [
        {"id": f"U{i:07d}", "team_id": "TBENCH", "name": f"user{i}",
         "real_name": f"User {i}", "profile": {"display_name": f"user {i}", "real_name": f"User {i}"}}
        for i in range(members)
    ]  # fmt: skip
    (root / "users.json").write_text(json.dumps(users))
    chans = [{"id": f"C{i:07d}", "name": f"channel-{i}"} for i in range(channels)]
    (root / "channels.json").write_text(json.dumps(chans))
    per_channel = messages // channels
    per_day = 25
    written = 0
    for c, chan in enumerate(chans):
        folder = root / chan["name"]
        folder.mkdir()
        count = per_channel + (1 if c < messages % channels else 0)
        recent: list[str] = []
        day_msgs: list[dict[str, object]] = []
        day = 0
        for k in range(count):
            when = START + timedelta(days=day, seconds=60 * (k % per_day) + c)
            ts = f"{int(when.timestamp())}.{k:06d}"
            user = users[rng.randrange(members)]["id"]
            msg: dict[str, object] = {"type": "message", "user": user, "ts": ts}
            rich = rng.random() < 1 / 3
            text = sentence(rng)
            if rich:
                text += f" <https://site{rng.randrange(5000)}.example.org/p/{rng.randrange(10**6)}|a link>"
                if recent and rng.random() < 0.5:
                    msg["thread_ts"] = rng.choice(recent)
                    msg["parent_user_id"] = users[0]["id"]
                if rng.random() < 0.6:
                    msg["reactions"] = [
                        {"name": rng.choice(["+1", "tada", "eyes", "heart"]),
                         "users": [users[rng.randrange(members)]["id"] for _ in range(n)], "count": n}
                        for n in (rng.randint(1, 3),)
                    ]  # fmt: skip
            msg["text"] = text
            if "thread_ts" not in msg:
                recent.append(ts)
                recent = recent[-20:]
            day_msgs.append(msg)
            if len(day_msgs) == per_day or k == count - 1:
                (folder / f"{(START + timedelta(days=day)).date()}.json").write_text(
                    json.dumps(day_msgs)
                )
                written += len(day_msgs)
                day_msgs = []
                day += 1
    return written


def generate_dce(path: Path, messages: int, members: int, seed: int = 2) -> int:
    """One DCE channel file, written message by message (never held in memory)."""
    rng = random.Random(seed)
    authors = [
        {"id": str(10**17 + i), "name": f"user{i}", "discriminator": "0000", "nickname": f"User {i}",
         "color": None, "isBot": False, "roles": [], "avatarUrl": "https://cdn.example/a.png"}
        for i in range(members)
    ]  # fmt: skip
    header = {
        "guild": {"id": "900000000000000000", "name": "Bench Guild", "iconUrl": None},
        "channel": {"id": "900000000000000001", "type": "GuildTextChat", "categoryId": "9",
                    "category": "Text", "name": "bench", "topic": None},
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2024-01-01T00:00:00+00:00",
    }  # fmt: skip
    base_id = 1_100_000_000_000_000_000
    recent: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(header)[:-1] + ', "messages": [\n')
        for k in range(messages):
            mid = str(base_id + k * 4096)
            when = START + timedelta(seconds=7 * k)
            text = sentence(rng)
            msg: dict[str, object] = {
                "id": mid, "type": "Default", "timestamp": when.isoformat(timespec="milliseconds"),
                "timestampEdited": None, "callEndedTimestamp": None, "isPinned": False,
                "content": text, "author": authors[rng.randrange(members)], "attachments": [],
                "embeds": [], "stickers": [], "reactions": [], "mentions": [], "inlineEmojis": [],
            }  # fmt: skip
            if rng.random() < 1 / 3:
                url = f"https://site{rng.randrange(5000)}.example.org/p/{rng.randrange(10**6)}"
                msg["content"] = f"{text} {url}"
                msg["embeds"] = [{"title": "page", "url": url, "description": "", "fields": []}]
                if recent and rng.random() < 0.5:
                    msg["type"] = "Reply"
                    msg["reference"] = {
                        "messageId": rng.choice(recent),
                        "channelId": header["channel"]["id"],
                        "guildId": "9",
                    }  # type: ignore[index]
                if rng.random() < 0.6:
                    users = [authors[rng.randrange(members)] for _ in range(rng.randint(1, 3))]
                    msg["reactions"] = [{"emoji": {"id": "", "name": "👍", "code": "thumbsup",
                                                   "isAnimated": False, "imageUrl": ""},
                                         "count": len(users), "users": users}]  # fmt: skip
            recent.append(mid)
            recent = recent[-50:]
            out.write(json.dumps(msg, ensure_ascii=False))
            out.write(",\n" if k < messages - 1 else "\n")
        out.write(f'], "messageCount": {messages}}}\n')
    return messages


# --- phases ----------------------------------------------------------------------------------


def parse_slack(path: Path) -> ImportReport:
    report = ImportReport()
    with open_slack_export(path) as export:
        for unit in export.units(report):
            for _ in unit.events():
                pass
    return report


def parse_dce(path: Path) -> ImportReport:
    report = ImportReport()
    for unit in open_discord_export(path).units(report):
        for _ in unit.events():
            pass
    return report


async def import_both(
    db_url: str, slack: Path, dce: Path, rss: PeakRss, results: list[Result]
) -> None:
    from bot.app import Rhizome
    from bot.config import parse_config
    from bot.importers.run import derive_interests, import_export
    from bot.runtime import tune_process

    rhizome = await Rhizome.start(parse_config({"storage": {"url": db_url}}))
    tune_process(bulk=True)  # as `rhizome import` does
    try:
        stored = 0
        with measured("import slack → SQLite", rss, results, lambda: stored):
            summary = await import_export(rhizome, "slack", slack, derive=False)
            stored = summary.stored.messages
            assert summary.ok, summary.report.errors
        # What `rhizome import` does next: topics, expertise, titles from URLs (timed apart,
        # so the import rate stays comparable with earlier runs).
        with measured("derive after the slack import", rss, results, lambda: stored):
            await derive_interests(rhizome, summary.communities)
        with measured("import DCE → SQLite", rss, results, lambda: stored):
            summary = await import_export(rhizome, "discord", dce, derive=False)
            stored = summary.stored.messages
            assert summary.ok, summary.report.errors
        with measured("re-import slack (all duplicates)", rss, results, lambda: stored):
            summary = await import_export(rhizome, "slack", slack, derive=False)
            stored = summary.stored.duplicates
    finally:
        await rhizome.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--messages", type=int, default=1_000_000, help="Slack messages (default 1M)"
    )
    parser.add_argument(
        "--dce-messages", type=int, default=None, help="DCE messages (default messages/5)"
    )
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--parse-only", action="store_true", help="skip the database phases")
    parser.add_argument("--workdir", type=Path, default=None, help="keep generated data here")
    args = parser.parse_args()
    dce_messages = (
        args.dce_messages if args.dce_messages is not None else max(1, args.messages // 5)
    )
    work = args.workdir or Path(tempfile.mkdtemp(prefix="rhizome-import-bench-"))
    rss = PeakRss()
    results: list[Result] = []
    try:
        slack_dir, dce_file = work / "slack", work / "dce.json"
        started = time.perf_counter()
        if not slack_dir.exists():
            generate_slack(slack_dir, args.messages, args.members, args.channels)
        if not dce_file.exists():
            generate_dce(dce_file, dce_messages, args.members)
        size = sum(p.stat().st_size for p in slack_dir.rglob("*.json"))
        print(
            f"data in {work}: slack {size / 2**20:.0f} MB, DCE {dce_file.stat().st_size / 2**20:.0f} MB "
            f"(generated in {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        counts: dict[str, int] = {}
        with measured("parse slack export", rss, results, lambda: counts["slack"]):
            counts["slack"] = parse_slack(slack_dir).messages
        with measured("parse DCE file (streamed)", rss, results, lambda: counts["dce"]):
            counts["dce"] = parse_dce(dce_file).messages
        if not args.parse_only:
            db = work / "bench.db"
            db.unlink(missing_ok=True)
            asyncio.run(import_both(f"sqlite+aiosqlite:///{db}", slack_dir, dce_file, rss, results))
    finally:
        rss.close()
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print("target: 20,000 msg/s; peak RSS under 300 MB")


if __name__ == "__main__":
    main()
