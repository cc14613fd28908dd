"""Understanding quality on real exports, against judgments written by hand beforehand.

Imports five real public exports from `../shared/datasets` with default settings (the real
clock, no network), exactly as `rhizome import` does (the fifth, the Komodo Discord, only for
its blind sample: no rule was written on it, and the series over the four stay comparable),
then scores what Rhizome says against `bench/judgments/*.json`, which were written from the raw
data by someone who had not seen Rhizome's answers (the rules are in
`bench/judgments/RULES.md`):

- titles: share of resources with a real title (not empty, not a URL, not a camera or
  screenshot file name), and of the judged resources whose title has the judged words;
- topics: each judged resource's top 5 topics rated good / partial / junk (rule below);
- who-knows: precision@3 of the members named, per query (also hits / min(3, judged
  knowers), since a query with one judged knower cannot reach 1.0);
- wording variants: pairs of wordings whose top 3 members agree;
- who-knows misses by cause, over every sample: for each judged knower a query's first three
  leave out, whether Rhizome ranked them 4th to 20th, gave them a topic with a word of the
  query that did not match, no such topic although they wrote the words, none at all;
- intros (`quality_intros`) and weekly digests (`quality_digests`): the judged weeks' digests,
  their featured links by the judge's learning label, against popularity alone;
- introductions (`quality_introductions`): the topics taken from what members say about
  themselves in introduction channels, against the subjects a judge read in them.

    python bench/quality.py                       # all five datasets
    python bench/quality.py --only haskell-jp -v  # one, with every answer printed

Three exports are not in a format Rhizome imports (the haskell-jp community's own slack-log
pages, raw Discord API thread dumps, DiscordChatExporter's 2019 CSV); they are rewritten first
into the formats it does import (a Slack export, DiscordChatExporter JSON) without changing a
message.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from bench import quality_digests, quality_introductions, quality_intros, quality_shown
from bench.tally import Summed
from bot.app import Rhizome
from bot.config import parse_config
from bot.importers.run import import_export
from bot.interests.commands import EXPERTS
from bot.interests.service import service_for
from bot.interests.topics import normalize_topic
from bot.titles import is_generic_filename
from bot.urls import canonicalize
from storage import models as m
from storage.interests import member_topics

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
JUDGMENTS = ROOT / "bench" / "judgments"
KOMODO = "discord-dce-csv-komodo"
SLACK_DATASETS = {
    "slack-export-julialang-derived": "slack-export-julialang-derived",
    "slack-export-houstondatavis": "slack-export-houstondatavis",
}


# --- turning the two foreign formats into importable ones -----------------------------------


_REMINDER = re.compile(r"\s*set up a reminder “")


def haskell_jp_as_slack_export(source: Path, out: Path) -> Path:
    """slack-log pages (`json/<CHANNEL>/<page>.json`, thread files `<page>/<ts>.json` whose
    first element is the parent) -> a standard Slack export folder, one day file per day.
    The log site drops Slack's subtypes; its reminder confirmations (" set up a reminder “…”
    in this channel at …", 16 of them) get back the `reminder_add` a real export carries."""
    users = json.loads((source / "json" / ".users.json").read_text("utf-8"))
    names = json.loads((source / "channel-names.json").read_text("utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "users.json").write_text(
        json.dumps(
            [
                {"id": uid, "name": name or uid, "team_id": "THASKELLJP"}
                for uid, name in users.items()
            ]
        ),
        "utf-8",
    )
    channels = []
    for cid, name in sorted(names.items()):
        folder = source / "json" / cid
        if not folder.is_dir():
            continue
        channels.append({"id": cid, "name": name})
        messages: dict[str, dict[str, Any]] = {}
        replies: dict[str, list[str]] = {}
        for page in sorted(folder.glob("*.json"), key=lambda p: int(p.stem)):
            for msg in json.loads(page.read_text("utf-8")):
                messages.setdefault(msg["ts"], dict(msg))
            thread_dir = folder / page.stem
            for thread in sorted(thread_dir.glob("*.json")) if thread_dir.is_dir() else ():
                items = json.loads(thread.read_text("utf-8"))
                if not items:
                    continue
                root = items[0]["ts"]
                messages.setdefault(root, dict(items[0]))
                for reply in items[1:]:
                    messages.setdefault(reply["ts"], {**reply, "thread_ts": root})
                    replies.setdefault(root, []).append(reply["ts"])
        for root, tss in replies.items():
            messages[root]["thread_ts"] = root
            messages[root]["replies"] = [{"ts": ts} for ts in tss]
        days: dict[str, list[dict[str, Any]]] = {}
        for ts, msg in sorted(messages.items(), key=lambda kv: float(kv[0])):
            if "subtype" not in msg and _REMINDER.match(msg.get("text") or ""):
                msg["subtype"] = "reminder_add"
            day = datetime.fromtimestamp(float(ts), UTC).strftime("%Y-%m-%d")
            days.setdefault(day, []).append(msg)
        (out / name).mkdir(exist_ok=True)
        for day, msgs in days.items():
            (out / name / f"{day}.json").write_text(json.dumps(msgs, ensure_ascii=False), "utf-8")
    (out / "channels.json").write_text(json.dumps(channels), "utf-8")
    return out


def discord_api_as_dce(source: Path, out: Path) -> Path:
    """Raw Discord API thread dumps (`[{"thread": …, "messages": […]}]`, newest first) ->
    one DiscordChatExporter JSON file per forum thread."""
    out.mkdir(parents=True, exist_ok=True)
    forum = json.loads((source / "data" / "channel_data.json").read_text("utf-8"))
    forum = forum[0] if isinstance(forum, list) else forum
    for path in sorted((source / "data").glob("*.json")):
        if path.name == "channel_data.json":
            continue
        for item in json.loads(path.read_text("utf-8")):
            thread = item["thread"]
            msgs = sorted(item["messages"], key=lambda mm: int(mm["id"]))
            dce = {
                "guild": {"id": thread.get("guild_id", "0"), "name": "Infrahub (OpsMill)"},
                "channel": {
                    "id": thread["id"],
                    "type": "GuildPublicThread",
                    "categoryId": thread.get("parent_id") or forum.get("id"),
                    "category": forum.get("name", "infrahub-qa"),
                    "name": thread.get("name"),
                    "topic": None,
                },
                "messages": [_dce_message(mm) for mm in msgs if mm.get("type") in (0, 19)],
            }
            (out / f"{thread['id']}.json").write_text(json.dumps(dce, ensure_ascii=False), "utf-8")
    return out


# Discord's epoch: a snowflake's time part counts milliseconds from it.
_DISCORD_EPOCH_MS = 1_420_070_400_000
_KOMODO_CHANNELS = (
    "lobby/introductions",
    "community-lounge/talk-other-topics",
    "komodo-project/ask-jl777",
)


def komodo_as_dce(source: Path, out: Path) -> Path:
    """The Komodo server's 2019 DiscordChatExporter CSV (`;`-delimited, `Author` as the legacy
    `name#1234` tag, dates like `05-Dec-19 12:21 AM`, no message ids, replies or threads) ->
    one DiscordChatExporter JSON file per channel. Ids are made from the minute a message was
    posted and its place in the export, as a snowflake is, so they keep the messages' order;
    reactions come as counts (nobody is named), as the old format writes them."""
    out.mkdir(parents=True, exist_ok=True)
    ids = {
        name: cid
        for category in json.loads((source / "channels.json").read_text("utf-8")).values()
        for cid, name in category["channels"].items()
    }
    base = source / "before-2019-Dec-05" / "csv"
    # The old CSV writes a mention as "@name"; the JSON lists whom it mentions by id, as a live
    # message does. Names are matched longest first ("@Gordon Komodo" before "@Gordon").
    people: dict[str, str] = {}
    for file in base.glob("*/*/*.csv"):
        with file.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                people.setdefault(
                    row["Author"].rpartition("#")[0] or row["Author"], row["AuthorID"]
                )
    named = re.compile(
        "@(" + "|".join(re.escape(n) for n in sorted(people, key=len, reverse=True)) + r")(?!\w)"
    )
    seq = 0  # across channels: two posted in one minute get different ids
    for channel_path in _KOMODO_CHANNELS:
        category, name = channel_path.split("/")
        messages: list[dict[str, Any]] = []
        files = sorted((base / channel_path).glob("*.csv"), key=lambda p: int(p.stem))
        for file in files:
            with file.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle, delimiter=";"):
                    at = datetime.strptime(row["Date"], "%d-%b-%y %I:%M %p").replace(tzinfo=UTC)
                    seq += 1
                    snowflake = ((int(at.timestamp() * 1000) - _DISCORD_EPOCH_MS) << 22) + seq
                    user, _, tag = row["Author"].rpartition("#")
                    attachments = [u.strip() for u in row["Attachments"].split(",") if u.strip()]
                    reactions = [
                        {"emoji": {"name": r.group(1)}, "count": int(r.group(2))}
                        for r in re.finditer(r"([^,(]+?) \((\d+)\)", row["Reactions"] or "")
                    ]
                    messages.append(
                        {
                            "id": str(snowflake),
                            "type": "Default",
                            "timestamp": at.isoformat(),
                            "timestampEdited": None,
                            "content": row["Content"],
                            "author": {
                                "id": row["AuthorID"],
                                "name": user or row["Author"],
                                "discriminator": tag,
                                "nickname": user or row["Author"],
                                "isBot": False,
                            },
                            "attachments": [
                                {
                                    "id": f"{snowflake}{i}",
                                    "url": u,
                                    "fileName": u.rsplit("/", 1)[-1],
                                }
                                for i, u in enumerate(attachments)
                            ],
                            "embeds": [],
                            "reactions": reactions,
                            "mentions": [
                                {"id": people[n], "name": n, "nickname": n, "isBot": False}
                                for n in dict.fromkeys(named.findall(row["Content"]))
                            ],
                        }
                    )
        dce = {
            "guild": {"id": "428673045767520256", "name": "Komodo Platform"},
            "channel": {
                "id": ids[name],
                "type": "GuildTextChat",
                "categoryId": "0",
                "category": category,
                "name": name,
                "topic": None,
            },
            "messages": messages,
        }
        (out / f"{name}.json").write_text(json.dumps(dce, ensure_ascii=False), "utf-8")
    return out


def _dce_message(msg: dict[str, Any]) -> dict[str, Any]:
    author = msg.get("author") or {}
    ref = msg.get("message_reference") or {}
    out: dict[str, Any] = {
        "id": msg["id"],
        "type": "Reply" if msg.get("type") == 19 else "Default",
        "timestamp": msg["timestamp"],
        "timestampEdited": msg.get("edited_timestamp"),
        "content": msg.get("content") or "",
        "author": {
            "id": author.get("id"),
            "name": author.get("username"),
            "nickname": author.get("global_name") or author.get("username"),
            "isBot": bool(author.get("bot")),
        },
        "attachments": [
            {"id": a.get("id"), "url": a.get("url"), "fileName": a.get("filename")}
            for a in msg.get("attachments") or ()
        ],
        "embeds": [
            {"title": e.get("title") or "", "url": e.get("url")}
            for e in msg.get("embeds") or ()
            if e.get("url")
        ],
        # The API lists who reacted only on request; counts alone name nobody.
        "reactions": [],
        # As DiscordChatExporter writes a message's `mentions` (the API's, reply pings too).
        "mentions": [
            {
                "id": u.get("id"),
                "name": u.get("username"),
                "nickname": u.get("global_name") or u.get("username"),
                "isBot": bool(u.get("bot")),
            }
            for u in msg.get("mentions") or ()
            if u.get("id")
        ],
    }
    if ref.get("message_id"):
        out["reference"] = {"messageId": ref["message_id"], "channelId": ref.get("channel_id")}
    return out


# --- scoring ---------------------------------------------------------------------------------


def _letters(topic: str) -> str:
    return topic.replace(" ", "").replace("-", "").replace(".", "")


def matches(topic: str, subjects: Iterable[str]) -> bool:
    """A topic matches a judged subject when both normalise to the same words, or to the same
    letters once spaces, hyphens and dots are gone (`datajam` ~ `data jam`, `debug.trace` ~
    `debug trace`: the rule Rhizome's own related wordings use for `graphql` ~ `graph ql`), or one is the other plus words (`machine
    learning model` ~ `machine learning`)."""
    t = normalize_topic(topic) or topic
    for subject in subjects:
        s = normalize_topic(subject) or subject.casefold()
        if t == s or f" {s} " in f" {t} " or f" {t} " in f" {s} ":
            return True
        if _letters(t) == _letters(s):
            return True
        if not t.isascii() and (s in t or t in s):  # Japanese compounds: 型クラス ~ 型
            return True
    return False


def rate_topics(topics: Sequence[str], good: Sequence[str], acceptable: Sequence[str]) -> str:
    """good: a judged subject among the top 3 and at least half of the top 5 relevant;
    junk: no topic relevant at all (an empty list too); partial: anything else."""
    top = list(topics[:5])
    relevant = [t for t in top if matches(t, [*good, *acceptable])]
    if not relevant:
        return "junk"
    if any(matches(t, good) for t in top[:3]) and len(relevant) * 2 >= len(top):
        return "good"
    return "partial"


def title_right(title: str | None, title_ok: Sequence[str]) -> bool:
    """A judged title holds the judge's first words, or any of the other wordings."""
    have = (title or "").casefold()
    return all(w.casefold() in have for w in title_ok[:1]) or any(
        w.casefold() in have for w in title_ok
    )


def real_title(title: str | None, url: str) -> bool:
    if not title or not title.strip():
        return False
    if title.strip().lower().startswith(("http://", "https://", "www.")):
        return False
    if title.strip() in ("Slack message", "Discord message"):
        return False  # a link to a message whose channel is unknown: a label, not a title
    return not (is_generic_filename(title) and re.search(r"\.\w{2,4}$", title))


# Samples written later, each scored apart (name -> its section of RULES.md)
LATER_SAMPLES = {
    "third": "§8",
    "fourth": "§9",
    "fifth": "§10",
    "sixth": "§11",
    "seventh": "§12",
    "eighth": "§13",
    "ninth": "§14",
    "tenth": "§19",
    "eleventh": "§25",
    "twelfth": "§26",
    "thirteenth": "§27",
    "fourteenth": "§28",
    "fifteenth": "§29",
}


@dataclass
class Sample(Summed):
    ratings: dict[str, int] = field(default_factory=lambda: {"good": 0, "partial": 0, "junk": 0})
    precision: list[float] = field(default_factory=list)
    answered: int = 0

    def summary(self, name: str) -> str | None:
        rated = sum(self.ratings.values())
        if not rated and not self.precision:
            return None
        p3 = sum(self.precision) / max(1, len(self.precision))
        return (
            f"ALL {name} sample (RULES.md {LATER_SAMPLES[name]}): topics "
            + ", ".join(f"{k} {n / max(1, rated):.0%}" for k, n in self.ratings.items())
            + f" of {rated}; who-knows P@3 {p3:.2f} over {len(self.precision)} queries "
            f"({self.answered} answered)"
        )


@dataclass
class Scores:
    resources: int = 0
    titled: int = 0
    title_judged: int = 0
    title_right: int = 0
    # the same over every sample, the held-out and later ones too
    every_title_judged: int = 0
    every_title_right: int = 0
    topic_ratings: dict[str, int] = field(
        default_factory=lambda: {"good": 0, "partial": 0, "junk": 0}
    )
    holdout_ratings: dict[str, int] = field(  # judgments/topics_holdout.json, RULES.md §7
        default_factory=lambda: {"good": 0, "partial": 0, "junk": 0}
    )
    # judgments/topics_<name>.json and who_knows_<name>.json: samples nobody looked at
    # Rhizome's answers for before scoring them (RULES.md §8, §9)
    samples: dict[str, Sample] = field(
        default_factory=lambda: {name: Sample() for name in LATER_SAMPLES}
    )
    precision: list[float] = field(default_factory=list)
    # hits / min(3, judged knowers): a query with one judged knower can reach 1.0, not 0.33
    precision_possible: list[float] = field(default_factory=list)
    answered: int = 0
    queries: int = 0
    variants_agree: int = 0
    variants: int = 0
    wants_right: int = 0
    wants: int = 0
    derive_seconds: float = 0.0
    import_seconds: float = 0.0
    lines: list[str] = field(default_factory=list)
    # why judged knowers are missing from the first three, over every sample (`miss_causes`)
    misses: Counter[str] = field(default_factory=Counter)

    def score_title(
        self, title: str | None, judged: dict[str, Any], label: str, verbose: bool
    ) -> None:
        """Judged titles over every sample (`title_right`), with the wrong ones listed."""
        if not judged.get("title_ok"):
            return
        ok = title_right(title, judged["title_ok"])
        self.every_title_judged += 1
        self.every_title_right += ok
        if verbose and not ok:
            self.lines.append(f"  {label}[title wrong] {title!r} <- {judged['title_ok']}")


RANKED_LOWER = "ranked 4th-20th"
WORD_TOPIC = "a topic with a word of the query"
WROTE_IT = "no such topic, wrote the words"
NOT_SAID = "no such topic, never wrote the words"
NO_TOPICS = "no topics at all"
MISS_CAUSES = (RANKED_LOWER, WORD_TOPIC, WROTE_IT, NOT_SAID, NO_TOPICS)


async def miss_causes(
    rz: Rhizome, cid: int, query: str, knowers: Sequence[dict[str, Any]], named: Sequence[str]
) -> list[tuple[str, str]]:
    """Why the judged knowers missing from a query's first three are missing, the best judged
    first, as many as could have been named: found further down; holding a topic with a word
    of the query that the query did not reach (`quantum software` for `quantum`); holding
    none although their messages have the words (an answer's topics kept other words); or
    holding none and never writing them (the judge read more than the words)."""
    judged = {k["id"] for k in knowers}
    missing = min(3, len(knowers)) - sum(1 for x in named[:3] if x in judged)
    left_out = [k["id"] for k in knowers if k["id"] not in named[:3]][: max(0, missing)]
    if not left_out:
        return []
    deeper = await service_for(rz.services).who_knows(cid, query, limit=20)
    further = [e.member.external_id for e in deeper.experts]
    words = (normalize_topic(query) or query.casefold()).split()
    causes = []
    for ext in left_out:
        if ext in further:
            causes.append((ext, f"{RANKED_LOWER} (#{further.index(ext) + 1})"))
            continue
        member = await rz.services.repos.members.by_external_id(cid, ext)
        topics: list[str] = []
        texts: list[str] = []
        if member is not None:
            own_topics = select(member_topics.c.topic).where(member_topics.c.member_id == member.id)
            own_texts = select(m.messages.c.text).where(m.messages.c.author_id == member.id)
            async with rz.services.db.read() as conn:
                topics = list((await conn.execute(own_topics)).scalars())
                texts = list((await conn.execute(own_texts)).scalars())
        worded = sorted({t for t in topics for w in words if w in t})
        if not topics:
            causes.append((ext, NO_TOPICS))
        elif worded:
            causes.append((ext, f"{WORD_TOPIC} ({', '.join(worded[:4])})"))
        elif any(all(w in text.casefold() for w in words) for text in texts):
            causes.append((ext, WROTE_IT))
        else:
            causes.append((ext, NOT_SAID))
    return causes


async def score_dataset(
    name: str, path: Path, kind: str, judged: dict[str, list[dict[str, Any]]], verbose: bool
) -> Scores:
    scores = Scores()
    with tempfile.TemporaryDirectory() as tmp:
        # Understanding is measured, not consent: everyone may be named (Discord's default is
        # opt-in, see README "Privacy"), as in a community whose members all said yes.
        config = parse_config(
            {
                "storage": {"url": f"sqlite+aiosqlite:///{tmp}/q.db"},
                "unfurl": {"enabled": False},
                "privacy": {"profiling": "opt-out"},
            }
        )
        rz = await Rhizome.start(config)
        try:
            t0 = time.perf_counter()
            summary = await import_export(rz, kind, path)  # type: ignore[arg-type]
            scores.import_seconds = time.perf_counter() - t0
            assert summary.ok, summary.report.errors[:3]
            interests = service_for(rz.services)
            t0 = time.perf_counter()
            await interests.refresh()
            scores.derive_seconds = time.perf_counter() - t0
            async with rz.services.db.read() as conn:
                cid = (await conn.execute(m.communities.select())).first().id  # type: ignore[union-attr]
                rows = (
                    await conn.execute(
                        m.resources.select().where(m.resources.c.community_id == cid)
                    )
                ).all()
            by_url = {r.canonical_url: r for r in rows}
            scores.lines += await quality_intros.measure_intros(rz, cid, name, path, kind, verbose)
            scores.lines += await quality_digests.measure_digests(rz, cid, name, verbose)
            scores.lines += await quality_shown.measure_shown(rz, cid, name, verbose)
            scores.resources = len(rows)
            scores.titled = sum(real_title(r.title, r.canonical_url) for r in rows)
            topics_of = await interests.topics_for(cid, [r.id for r in rows])
            for j in judged.get("topics", []):
                if j["dataset"] != name:
                    continue
                canon = canonicalize(j["url"])
                row = by_url.get(canon or "")
                if row is None:
                    scores.lines.append(f"  (not tracked) {j['url']}")
                    continue
                got = list(topics_of.get(row.id, ()))
                rating = rate_topics(got, j["good_topics"], j.get("acceptable_topics", []))
                scores.topic_ratings[rating] += 1
                if j.get("title_ok"):
                    scores.title_judged += 1
                    scores.title_right += title_right(row.title, j["title_ok"])
                scores.score_title(row.title, j, "", verbose)
                if verbose:
                    scores.lines.append(
                        f"  [{rating}] {row.title!r} {got[:5]} <- {j['good_topics']}"
                    )
            later = [("held-out", "topics_holdout", scores.holdout_ratings)] + [
                (n, f"topics_{n}", sample.ratings) for n, sample in scores.samples.items()
            ]
            for label, key, ratings in later:
                for j in judged.get(key, []):
                    if j["dataset"] != name:
                        continue
                    row = by_url.get(canonicalize(j["url"]) or "")
                    if row is None:
                        continue
                    got = list(topics_of.get(row.id, ()))
                    rating = rate_topics(got, j["good_topics"], j.get("acceptable_topics", []))
                    ratings[rating] += 1
                    scores.score_title(row.title, j, f"{label} ", verbose)
                    if verbose:
                        scores.lines.append(
                            f"  {label} [{rating}] {row.title!r} {got[:5]} <- {j['good_topics']}"
                        )
            for key in ("who_knows", *(f"who_knows_{n}" for n in scores.samples)):
                later = scores.samples.get(key.removeprefix("who_knows_"))
                for q in judged.get(key, []):
                    if q["dataset"] != name:
                        continue
                    knowers = {k["id"] for k in q["knowers"]}
                    # asked as the command asks (five), scored on the first three a member reads
                    answer = await interests.who_knows(cid, q["query"], limit=EXPERTS)
                    named = [e.member.external_id for e in answer.experts][:3]
                    hits = sum(1 for x in named if x in knowers)
                    missed = await miss_causes(rz, cid, q["query"], q["knowers"], named)
                    scores.misses.update(c.split(" (")[0] for _, c in missed)
                    if later is not None:
                        later.precision.append(hits / 3)
                        later.answered += bool(named)
                    else:
                        scores.queries += 1
                        scores.answered += bool(named)
                        scores.precision.append(hits / 3)
                        scores.precision_possible.append(hits / max(1, min(3, len(knowers))))
                    if verbose:
                        who = [e.member.name for e in answer.experts][:3]
                        tag = f" ({key.removeprefix('who_knows_')})" if later else ""
                        scores.lines.append(f"  who-knows{tag} {q['query']!r}: {who} -> {hits}/3")
                        names = {k["id"]: k.get("name", k["id"]) for k in q["knowers"]}
                        scores.lines.extend(
                            f"    missed {names[ext]}: {cause}" for ext, cause in missed
                        )
            for v in judged.get("variants", []):
                if v["dataset"] != name:
                    continue
                a = await interests.who_knows(cid, v["a"], limit=EXPERTS)
                b = await interests.who_knows(cid, v["b"], limit=EXPERTS)
                ta = [e.member.external_id for e in a.experts][:3]
                tb = [e.member.external_id for e in b.experts][:3]
                scores.variants += 1
                agree = bool(ta) and set(ta) == set(tb)
                scores.variants_agree += agree
                if verbose:
                    scores.lines.append(
                        f"  variants {v['a']!r}/{v['b']!r}: {'same' if agree else 'differ'}"
                    )
            for w in judged.get("wants", []):
                if w["dataset"] != name:
                    continue
                found = await rz.services.repos.members.by_external_id(cid, w["member_id"])
                if found is None:
                    continue
                profile = (await interests.profiles(cid, member_ids=[found.id])).get(found.id)
                subject = w["topic"].split(" (")[0]
                says = profile is not None and any(matches(t, [subject]) for t in profile.wants)
                scores.wants += 1
                scores.wants_right += says == bool(w["wants"])
                if verbose:
                    wanted = (
                        sorted(profile.wants, key=lambda t: -profile.wants[t])[:6]
                        if profile
                        else []
                    )
                    scores.lines.append(
                        f"  wants {w['name']!r} {subject!r} judged {w['wants']}: {wanted}"
                    )
        finally:
            await rz.close()
    return scores


def load_judgments(folder: Path) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for key in (
        "topics",
        "topics_holdout",
        *(f"topics_{n}" for n in LATER_SAMPLES),
        "who_knows",
        *(f"who_knows_{n}" for n in LATER_SAMPLES),
        "variants",
        "wants",
    ):
        path = folder / f"{key}.json"
        out[key] = json.loads(path.read_text("utf-8")) if path.exists() else []
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument("--judgments", type=Path, default=JUDGMENTS)
    parser.add_argument("--only", help="a dataset name (or part of it)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    judged = load_judgments(args.judgments)
    with tempfile.TemporaryDirectory() as tmp:
        sets = [
            (
                "slack-export-julialang-derived",
                args.datasets / "slack-export-julialang-derived",
                "slack",
            ),
            ("slack-export-houstondatavis", args.datasets / "slack-export-houstondatavis", "slack"),
            ("discord-api-opsmill-infrahub-forum", None, "discord"),
            ("slack-log-haskell-jp", None, "slack"),
            # a community none of the rules were written on, judged only blind (§28)
            (KOMODO, None, "discord"),
        ]
        total = Scores()
        for name, path, kind in sets:
            if args.only and args.only not in name:
                continue
            if name == KOMODO:
                path = komodo_as_dce(args.datasets / name, Path(tmp) / "komodo")
            elif path is None and "infrahub" in name:
                path = discord_api_as_dce(args.datasets / name, Path(tmp) / "infrahub")
            elif path is None:
                path = haskell_jp_as_slack_export(args.datasets / name, Path(tmp) / "haskell-jp")
            s = await score_dataset(name, path, kind, judged, args.verbose)
            p3 = sum(s.precision) / len(s.precision) if s.precision else 0.0
            print(
                f"{name}: import {s.import_seconds:.1f} s, derive {s.derive_seconds:.1f} s; "
                f"titles {s.titled}/{s.resources} ({s.titled / max(1, s.resources):.0%}), "
                f"judged titles right {s.title_right}/{s.title_judged}; topics {s.topic_ratings}; "
                f"who-knows P@3 {p3:.2f} ({s.answered}/{s.queries} answered); "
                f"variants {s.variants_agree}/{s.variants}; wants right {s.wants_right}/{s.wants}"
            )
            for line in s.lines:
                print(line)
            for sample_name, sample in s.samples.items():
                total.samples[sample_name].add(sample)
            total.misses.update(s.misses)
            if name == KOMODO:
                continue  # its own line and its blind sample: the series below stay comparable
            total.resources += s.resources
            total.titled += s.titled
            total.title_judged += s.title_judged
            total.every_title_judged += s.every_title_judged
            total.every_title_right += s.every_title_right
            total.title_right += s.title_right
            for k, n in s.topic_ratings.items():
                total.topic_ratings[k] += n
            for k, n in s.holdout_ratings.items():
                total.holdout_ratings[k] += n
            total.precision += s.precision
            total.precision_possible += s.precision_possible
            total.answered += s.answered
            total.queries += s.queries
            total.variants += s.variants
            total.variants_agree += s.variants_agree
            total.wants += s.wants
            total.wants_right += s.wants_right
        rated = sum(total.topic_ratings.values()) or 1
        p3 = sum(total.precision) / len(total.precision) if total.precision else 0.0
        possible = total.precision_possible
        p3_possible = sum(possible) / len(possible) if possible else 0.0
        held = sum(total.holdout_ratings.values())
        if held:
            print(
                "ALL held-out topics: "
                + ", ".join(f"{k} {n / held:.0%}" for k, n in total.holdout_ratings.items())
                + f" of {held}"
            )
        for sample_name, sample in total.samples.items():
            line = sample.summary(sample_name)
            if line:
                print(line)
        print(
            f"ALL: titles {total.titled / max(1, total.resources):.1%} of {total.resources}; "
            f"judged titles right {total.title_right}/{total.title_judged} "
            f"({total.every_title_right}/{total.every_title_judged} over every sample); "
            f"topics good {total.topic_ratings['good'] / rated:.0%}, "
            f"partial {total.topic_ratings['partial'] / rated:.0%}, "
            f"junk {total.topic_ratings['junk'] / rated:.0%} of {rated}; "
            f"who-knows P@3 {p3:.2f} over {total.queries} queries ({total.answered} answered; "
            f"{p3_possible:.2f} of what the judged knowers allow); "
            f"variants agree {total.variants_agree}/{total.variants}; "
            f"wants-to-learn right {total.wants_right}/{total.wants}"
        )
        if total.misses:
            print(
                f"ALL who-knows misses by cause (every sample, {sum(total.misses.values())} judged "
                "knowers left out of the first three): "
                + ", ".join(f"{cause} {total.misses[cause]}" for cause in MISS_CAUSES)
            )
        print(quality_intros.summary())
        print("\n".join(quality_shown.summary()))
        if quality_digests.TOTAL.weeks:
            print("\n".join(quality_digests.summary()))
        if not args.only:
            for sample in (None, "second", "third"):
                introductions = quality_introductions.measure(args.datasets, args.verbose, sample)
                if introductions.lines:
                    print("\n".join(introductions.lines))
                print("ALL " + (f"{sample} sample, " if sample else "") + introductions.summary())


if __name__ == "__main__":
    asyncio.run(main())
