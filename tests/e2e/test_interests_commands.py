"""Interests through the console, as members use them: who-knows with true evidence,
interests add/remove/list, saving with a bookmark, the network, privacy, hostile input.

Runs on SQLite and (when configured) PostgreSQL through the `rhizome` fixture.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from adapters.console.session import ConsoleSession
from bot.app import Rhizome
from bot.commands.registry import MEMBER_GROUP
from bot.config import Config
from bot.interests.service import refresh_topics
from bot.model import CommunityRef
from storage import models as m
from storage.interests import tables
from tests.conftest import make_config

SCRIPT = """\
:as ana
:in #databases
Great guide to postgres indexes and query planning https://example.org/pg-indexes
:as ben
:reply m1 Partial indexes in postgres saved us, the planner picks them for hot queries.
:as cy
:reply m1 How do I make postgres use my index?
:as dee
:react m1 bookmark
:as eve
:in #rust
Tokio tutorial for async rust https://example.org/tokio
:as fay
:reply ^ The async rust chapters on select and cancellation are excellent.
"""


@pytest.fixture
def config() -> Config:
    return make_config(unfurl={"enabled": False}, interests={"aliases": {"k8s": "kubernetes"}})


@pytest.fixture
async def console(rhizome: Rhizome) -> ConsoleSession:
    session = ConsoleSession(rhizome)
    for line in SCRIPT.splitlines():
        out = await session.handle(line)
        assert "Usage" not in out and "not a message" not in out, (line, out)
    await refresh(session)
    return session


async def refresh(session: ConsoleSession) -> None:
    await session.rhizome.flush()
    await refresh_topics(session.rhizome.services)


async def say(session: ConsoleSession, who: str, command: str) -> str:
    await session.handle(f":as {who}")
    return await session.handle(command)


def knows_about(profile: str) -> str:
    """The "Knows about" section of a profile reply."""
    return profile[profile.index("Knows about") :].split("\n-- ")[0]


def listed(section: str) -> list[str]:
    """The numbered items of a reply's section, in order."""
    return re.findall(r"^ *\d+\. (.+?)$", section, re.MULTILINE)


async def known_topics(session: ConsoleSession, who: str) -> tuple[str, list[str]]:
    """A member's "Knows about" as another member reads it, and its topics."""
    knows = knows_about(await say(session, "zed", f"/rhizome profile @{who}"))
    return knows, listed(knows)


async def count(rz: Rhizome, table: object) -> int:
    async with rz.services.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_who_knows_lists_who_shared_and_discussed_with_their_real_evidence(
    console: ConsoleSession,
) -> None:
    out = await say(console, "zed", "/rhizome who-knows Postgres")
    assert "Who knows about “Postgres”" in out  # as asked, not as stored (`postgres`)
    assert out.index("@ana") < out.index("@ben")
    assert "shared Great guide to postgres" not in out  # a title is not made up…
    assert "shared Pg indexes <https://example.org/pg-indexes>" in out  # titled from its URL
    assert "in #databases" in out
    assert (
        "discussed Pg indexes <https://example.org/pg-indexes>: “Partial indexes in postgres" in out
    )
    assert "@cy" not in out  # asking how is not knowing
    assert "@eve" not in out and "@fay" not in out
    rust = await say(console, "zed", "/rhizome who-knows async rust")
    assert "@eve" in rust and "@fay" in rust and "@ana" not in rust
    # The asker is listed too, marked: they may be the one who knows.
    mine = await say(console, "ana", "/rhizome who-knows postgres")
    assert "@ana (you)" in mine and "@ben" in mine


async def test_a_share_whose_page_does_not_say_the_topic_quotes_the_sharers_words(
    console: ConsoleSession,
) -> None:
    # houstondatavis: javier led "who knows d3" with evidence "shared H2o <http://h2o.ai>";
    # his words with the link said why ("a datadive with the local D3 community at the
    # h2o.ai facilities"), and only they convince a reader.
    await say(
        console, "jav", "Datadive with the local D3 community today https://example.org/venue"
    )
    await say(console, "kim", "Interactive D3 guide https://example.org/interactive-d3-guide")
    await refresh(console)
    out = await say(console, "zed", "/rhizome who-knows d3")
    jav = next(line for line in out.splitlines() if "example.org/venue" in line)
    assert "“Datadive with the local D3 community today”" in jav, out
    kim = next(line for line in out.splitlines() if "interactive-d3-guide" in line)
    assert "“" not in kim, out  # the title says it already: no quote to repeat it


async def test_a_link_recommended_with_a_lead_in_question_is_no_wish_to_learn(
    console: ConsoleSession,
) -> None:
    # houstondatavis: "working with census data? <link> is a great place to ask questions"
    # recommends the link. The question detector said so on the whole text, but the profile
    # decided again on the quote, which has lost the link, and listed "census data" under
    # "Wants to learn".
    await say(
        console,
        "oli",
        "working with census data?  https://opendata.stackexchange.com/census is a great place "
        "to ask questions",
    )
    await refresh(console)
    out = await say(console, "zed", "/rhizome profile @oli")
    assert "Knows about" in out and "census" in out.split("Knows about")[1], out
    assert "Wants to learn" not in out, out


async def test_opted_out_members_vanish_from_who_knows_networks_and_profiles(
    console: ConsoleSession,
) -> None:
    assert "@ben" in await say(console, "ana", "/rhizome network")
    assert "Tracking is off" in await say(console, "ben", "/rhizome privacy tracking off")
    assert "@ben" not in await say(console, "zed", "/rhizome who-knows postgres")
    assert "@ben" not in await say(console, "ana", "/rhizome network")
    assert "chosen not to be tracked" in await say(console, "ana", "/rhizome profile @ben")
    own = await say(console, "ben", "/rhizome profile")
    assert "Tracking is off, so Rhizome keeps no interest profile for you." in own
    assert "Tracking is off" in await say(console, "ben", "/rhizome network")
    refused = await say(console, "ben", "/rhizome interests add sql")
    assert "Tracking is off for you" in refused
    assert await count(console.rhizome, tables.declared_interests) == 0


async def test_go_asked_or_declared_alone_is_the_language(console: ConsoleSession) -> None:
    # In chat `go` is a verb; typed alone it is the language, which others write `golang`.
    assert "Added: golang (from “Go”)." in await say(console, "gus", "/rhizome interests add Go")
    assert "@gus — listed it as an interest" in await say(console, "zed", "/rhizome who-knows go")


async def test_unknown_topics_get_close_matches_or_an_invitation(
    console: ConsoleSession,
) -> None:
    typo = await say(console, "zed", "/rhizome who-knows potsgres")
    assert "Nobody here has shared or discussed “potsgres” yet" in typo
    assert "Did you mean: postgres" in typo
    assert "[postgres: /rhizome who-knows postgres]" in typo
    # a dropped letter that leaves the word's stem (`postgr`) is simply answered
    answered = await say(console, "zed", "/rhizome who-knows postgrs")
    assert "@ana" in answered and "Did you mean" not in answered
    unknown = await say(console, "zed", "/rhizome who-knows quantum chromodynamics")
    assert "/rhizome interests add quantum chromodynamics" in unknown
    nothing = await say(console, "zed", "/rhizome who-knows the and of")
    assert "is not something I can look up as a topic" in nothing


async def test_a_phrase_nobody_holds_offers_the_topics_with_its_words(
    console: ConsoleSession,
) -> None:
    # julialang's "training progress": nobody had the phrase, and the answer ended at
    # "nobody" although members knew `progress bar` and `split training`.
    await say(console, "gus", "/rhizome interests add progress bar")
    await say(console, "hal", "/rhizome interests add split training")
    await refresh(console)
    out = await say(console, "zed", "/rhizome who-knows training progress")
    assert "Nobody here has shared or discussed “training progress” yet" in out
    assert "Members know about topics with its words: split training, progress bar." in out
    assert "[progress bar: /rhizome who-knows progress bar]" in out
    assert "/rhizome interests add training progress" not in out  # somewhere to go instead
    assert "@gus" in await say(console, "zed", "/rhizome who-knows progress bar")


async def test_a_phrase_listed_keeps_its_everyday_words(console: ConsoleSession) -> None:
    # "big data" had been listed (and asked) as `data`, "time series" as `series`
    added = await say(console, "gus", "/rhizome interests add time series, big data")
    assert "Added: time series, big data." in added
    # what an earlier version stored as `data` still goes when asked for as typed
    await say(console, "hal", "/rhizome interests add data")
    removed = await say(console, "hal", "/rhizome interests remove big data")
    assert "Removed: data." in removed
    missing = await say(console, "hal", "/rhizome interests remove time series")
    assert "You had not listed: time series." in missing


async def test_interests_add_remove_and_list(console: ConsoleSession) -> None:
    out = await say(console, "gus", "/rhizome interests add Kubernetes, machine learning, !!!")
    assert "Added: kubernetes, machine learning." in out
    assert "Not usable as a topic: “!!!”" in out
    again = await say(console, "gus", "/rhizome interests add k8s")
    assert "Already listed: kubernetes." in again  # the moderators' alias
    tags = await say(console, "hal", "/rhizome interests add #k8s #SRE")
    assert "Added: kubernetes (from “k8s”), sre." in tags
    listed = await say(console, "gus", "/rhizome interests list")
    assert "kubernetes" in listed and "machine learning" in listed
    found = await say(console, "zed", "/rhizome who-knows kubernetes")
    assert "@gus — listed it as an interest" in found and "@hal" in found
    assert "listed it with /rhizome interests add" in found
    removed = await say(console, "gus", "/rhizome interests remove machine learning; rust")
    assert "Removed: machine learning." in removed and "You had not listed: rust." in removed
    assert "Removed all 1 of your listed interests." in await say(
        console, "gus", "/rhizome interests remove all"
    )
    assert "@gus" not in await say(console, "zed", "/rhizome who-knows kubernetes")
    many = ", ".join(
        (
            "rust",
            "haskell",
            "zig",
            "ocaml",
            "elixir",
            "scala",
            "kotlin",
            "swift",
            "dart",
            "lua",
            "perl",
        )
    )
    assert "add at most 10 at a time" in await say(console, "gus", f"/rhizome interests add {many}")
    assert "Usage" in await say(console, "gus", "/rhizome interests add")
    # Someone's activity shows in their own list too.
    assert "Knows about" in await say(console, "ana", "/rhizome interests list")


async def test_a_bookmark_reaction_saves_and_removing_it_unsaves(console: ConsoleSession) -> None:
    saved = await say(console, "dee", "/rhizome saved")
    assert "https://example.org/pg-indexes" in saved and "first shared by @ana" in saved
    await console.handle(":unreact m1 bookmark")
    assert "Nothing saved yet: react with 🔖 (:bookmark:)" in await console.handle("/rhizome saved")
    # Discord reports the character itself.
    await console.handle(":react m4 🔖")
    assert "https://example.org/tokio" in await console.handle("/rhizome saved")
    assert "https://example.org/tokio" in await console.handle("/rhizome network")
    assert "Nothing saved yet" in await say(console, "zed", "/rhizome saved")


async def test_the_network_shows_people_discussed_with(console: ConsoleSession) -> None:
    out = await say(console, "ana", "/rhizome network")
    assert "Your learning network" in out
    assert "People you discussed resources with" in out
    assert "@ben" in out and "@cy" in out
    assert "1 resource in common, latest Pg indexes <https://example.org/pg-indexes>" in out
    assert "@eve" not in out and "@fay" not in out
    assert "Your network is empty so far" in await say(console, "nobody", "/rhizome network")


async def test_a_profile_names_subjects_before_everyday_words(console: ConsoleSession) -> None:
    # Equal evidence for both (and the channel's `rust` topics on top): the subject goes
    # first, as in resources' topic lists, and the everyday word yields the last place.
    await say(console, "quinn", "Button https://example.org/x/101")
    await say(console, "quinn", "Makie https://example.org/x/102")
    out = await say(console, "zed", "/rhizome profile @quinn")
    knows = knows_about(out)
    assert "makie" in knows
    assert "button" not in knows or knows.index("makie") < knows.index("button")


async def test_a_profile_shows_more_than_one_conversation(console: ConsoleSession) -> None:
    # julialang: one long language thread filled a member's whole "Knows about"
    await say(
        console,
        "rae",
        "Zig, Matlab, Simulink, Fortran and Erlang compared https://example.org/langs",
    )
    for n in range(3):
        await say(console, "rae", f":reply ^ Zig and Erlang again, Simulink and Fortran take {n}")
    await say(console, "rae", "Kubernetes operators https://example.org/k8s-operators")
    _, topics = await known_topics(console, "rae")
    # at most two of that one thread's words while another conversation has a subject left
    # (everyday words of one message, `operator`, are none: they only fill nothing)
    assert "kubernetes" in topics[:3], topics
    languages = ("zig", "matlab", "simulink", "fortran", "erlang")
    assert 1 <= sum(t in languages for t in topics[: topics.index("kubernetes")]) <= 2, topics


async def test_a_profile_names_each_subject_once(console: ConsoleSession) -> None:
    # houstondatavis: `datajam` and `data jam`, `csv` and `csv file` filled two of five places
    await say(console, "wes", "Notes from the DataJam https://example.org/dj/1")
    await say(console, "wes", "Data jam teams and datasets https://example.org/dj/2")
    await say(console, "wes", "Data Jam results https://example.org/dj/3")
    await say(console, "wes", "CSV file dialects explained https://example.org/csv/1")
    await say(console, "wes", "CSV parsing in the browser https://example.org/csv/2")
    await say(console, "wes", "Kubernetes operators https://example.org/k8s-operators")
    await refresh(console)
    knows, topics = await known_topics(console, "wes")
    assert topics, knows
    letters = [t.replace(" ", "") for t in topics]
    assert len(letters) == len(set(letters)), topics
    assert not ({"csv", "csv file"} <= set(topics)), topics


async def test_a_profile_shows_more_than_one_thread_of_answers(console: ConsoleSession) -> None:
    # julialang: a maintainer's answers in one Raspberry Pi thread filled his "Knows about"
    # (`32bit`, `raspberry`, `raspberry pi`, `raspbian`, `pi`): the cap of two topics per
    # conversation held for shared links only, answers carried no conversation.
    await say(console, "sam", "How do I build Julia for a Raspberry Pi running Raspbian?")
    root = "^"
    for words in (
        "Raspbian ships 32bit armv7l userland, so use the armv7l Julia binaries",
        "On Raspbian the 32bit armv7l build needs the Raspberry firmware update first",
        "Raspberry Pi 4 with Raspbian 64bit works with aarch64 Julia builds too",
    ):
        await say(console, "tom", f":reply {root} {words}")
    await say(console, "uma", "Which LLVM version does the compiler use for codegen?")
    await say(console, "tom", ":reply ^ LLVM 11 with Clang, libunwind and the ORC JIT for codegen")
    await say(console, "vic", "How should I profile memory allocations in a Julia package?")
    await say(console, "tom", ":reply ^ The Profile stdlib has an allocation profiler, see PProf")
    knows, topics = await known_topics(console, "tom")
    assert len(topics) == 5, knows
    pi_words = {"32bit", "armv7l", "raspbian", "raspberry", "firmware", "aarch64", "julia"}
    assert len(pi_words & set(topics)) <= 2, topics


async def test_profiles_show_what_a_member_knows_and_wants_with_evidence(
    console: ConsoleSession,
) -> None:
    cy = await say(console, "zed", "/rhizome profile @cy")
    assert "Wants to learn" in cy
    assert "asked “How do I make postgres use my index?”" in cy
    ana = await say(console, "zed", "/rhizome profile @ana")
    assert "Knows about" in ana and "postgres" in ana
    knows = knows_about(ana)
    assert "shared Pg indexes <https://example.org/pg-indexes>" in knows
    assert "in #databases" in knows
    # one link shared backs one subject: not also `index` and `query planning` of its title
    assert listed(knows) == ["postgres"], knows


HOSTILE = [
    "'; DROP TABLE members; --",
    "<script>alert(1)</script>",
    "%",
    "_%_",
    "x" * 5000,
    "🙂🙂🙂",
    "\u200b\u200b",
    "<@U123> <#C1|general> <!channel>",
    "postgres\x00",
    "((((",
    "*",
    "Robert'); DROP TABLE declared_interests;--, %",
]


async def test_hostile_topic_text_gets_a_polite_answer_and_corrupts_nothing(
    console: ConsoleSession,
) -> None:
    rz = console.rhizome
    members, messages = await count(rz, m.members), await count(rz, m.messages)
    for text in HOSTILE:
        for command in ("interests remove", "who-knows", "interests add"):
            out = await say(console, "zed", f"/rhizome {command} {text}")
            assert "something went wrong" not in out, (command, text)
            assert len(out) < 3000
        found = await rz.autocomplete(CommunityRef("console", "local", "local"), "topics", text)
        assert isinstance(found, list)
    assert (await count(rz, m.members), await count(rz, m.messages)) == (members + 1, messages)
    await refresh(console)
    assert "@ana" in await say(console, "zed", "/rhizome who-knows postgres")
    async with rz.services.db.read() as conn:
        stored = list((await conn.execute(select(tables.declared_interests.c.topic))).scalars())
    assert stored  # some hostile lines still hold words, stored as plain words and nothing else
    assert all(re.fullmatch(r"[\w .'+#]{2,60}", t) for t in stored), stored


async def test_topic_autocomplete(console: ConsoleSession) -> None:
    rz = console.rhizome
    here = CommunityRef("console", "local", "local")
    found = await rz.autocomplete(here, "topics", "post")
    assert found and all(t.startswith("post") or " post" in t for t in found)
    assert "postgres" in found
    assert len(await rz.autocomplete(here, "topics", "", limit=3)) == 3
    assert await rz.autocomplete(CommunityRef("console", "elsewhere"), "topics", "post") == []
    spec = rz.registry.get(MEMBER_GROUP, ("who-knows",))
    assert spec is not None and spec.options[0].autocomplete == "topics"


async def test_my_data_exports_interests_and_forget_me_deletes_them(
    console: ConsoleSession,
) -> None:
    await say(console, "ana", "/rhizome interests add sql tuning")
    reply = await console.rhizome.run_command(_invocation("ana", "privacy my-data"))
    data = json.loads(reply.files[0][1])
    assert [d["topic"] for d in data["interests"]["declared"]] == ["sql tuning"]
    assert "postgres" in {t["topic"] for t in data["interests"]["derived_topics"]}
    await say(console, "ana", "/rhizome privacy forget-me confirm")
    assert await count(console.rhizome, tables.declared_interests) == 0
    out = await say(console, "zed", "/rhizome who-knows sql tuning")
    assert "@ana" not in out


def _invocation(who: str, text: str):  # type: ignore[no-untyped-def]
    from bot.commands.registry import Invocation
    from bot.model import Actor

    return Invocation(
        CommunityRef("console", "local", "local"), Actor(who, who), MEMBER_GROUP, text=text
    )


async def test_a_profile_shows_no_kanji_by_itself(console: ConsoleSession) -> None:
    # haskell-jp: `本` (book) led a member's "Knows about"; one kanji says little by itself
    for n in range(3):
        await say(console, "uma", f"おすすめの本です https://example.org/hon/{n}")
    await say(console, "uma", "遅延評価の解説 https://example.org/lazy")
    await refresh(console)
    knows, topics = await known_topics(console, "uma")
    assert topics, knows
    assert "遅延評価" in topics and "本" not in topics, topics


async def test_one_link_alone_backs_one_subject_in_a_profile(console: ConsoleSession) -> None:
    # houstondatavis: one share's sentence gave `ensemble caller`, `opnionated` and `wisemen`,
    # three of a member's five "Knows about" lines.
    await say(
        console,
        "uma",
        "Finally an ensemble caller for election results, pundits and polls "
        "https://example.org/who-will-be-president",
    )
    await say(console, "uma", "Kubernetes operators https://example.org/k8s-operators")
    await say(console, "uma", "More on Kubernetes operators https://example.org/k8s-operators-2")
    await refresh(console)
    _, topics = await known_topics(console, "uma")
    assert any("kubernetes" in t for t in topics), topics
    first_share = {"ensemble caller", "election", "election result", "pundit", "poll", "caller"}
    assert sum(t in first_share for t in topics) == 1, topics
