"""Who knows what, as members see it: answers are expertise, questions are wanting to learn,
reactions are interest; an imported archive answers at once; every answer is up to date with
the very last message; related wordings meet; Japanese works.

Runs on SQLite and (when configured) PostgreSQL through the `rhizome` fixture; the last test
pipes a script into the real `rhizome console` process, as the README does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.console.session import ConsoleSession
from bot.app import Rhizome
from bot.clock import FixedClock
from bot.config import Config
from bot.interests.commands import known_about, who_knows_document
from bot.interests.profiles import EvidenceKind
from bot.interests.service import WhoKnowsAnswer, service_for
from bot.model import Actor, CommunityRef, LinkPreview
from storage import models as m
from storage.db import Database
from tests.conftest import START, make_config
from tests.factories import Chat

SLACK = CommunityRef("slack", "T1", "Team One")


@pytest.fixture
def config() -> Config:
    return make_config(unfurl={"enabled": False})


async def ask(rz: Rhizome, query: str, **kw: object) -> WhoKnowsAnswer:
    found = await rz.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    return await service_for(rz.services).who_knows(found.id, query, **kw)  # type: ignore[arg-type]


async def who(rz: Rhizome, query: str, **kw: object) -> list[str]:
    return [e.member.name for e in (await ask(rz, query, **kw)).experts]


async def topics_by_url(rz: Rhizome, community: CommunityRef = SLACK) -> dict[str, list[str]]:
    """Work everything out, then every resource's topics by its stored (canonical) URL."""
    found = await rz.services.repos.communities.find(community.platform, community.external_id)
    assert found is not None
    interests = service_for(rz.services)
    await interests.refresh()
    async with rz.services.db.read() as conn:
        rows = (await conn.execute(m.resources.select())).all()
    topics = await interests.topics_for(found.id, [r.id for r in rows])
    return {r.canonical_url: list(topics.get(r.id, ())) for r in rows}


def asked_and_answered(chat: Chat, question: str, answer: str) -> list[object]:
    """Ana asks in a thread; Ben answers two minutes later."""
    return [
        chat.post("ana", question, mid="1"),
        chat.post("ben", answer, mid="2", thread="1", minutes=2),
    ]


def qa_thread(chat: Chat) -> list[object]:
    """Ana asks; Ben answers; Cy only says thanks; Dee reacts to the answer."""
    return [
        chat.post("ana", "How do I cancel a running tokio task cleanly?", mid="1", channel="rust"),
        chat.post(
            "ben",
            "Keep the JoinHandle and call abort, or pass a CancellationToken into the tokio task "
            "and select on it.",
            mid="2",
            channel="rust",
            thread="1",
            minutes=3,
        ),
        chat.post("cy", "thanks!", mid="3", channel="rust", thread="1", minutes=4),
        chat.react("dee", "2", "+1", channel="rust", minutes=5),
    ]


async def test_answering_is_knowing_asking_is_wanting_reacting_is_neither(
    rhizome: Rhizome,
) -> None:
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(qa_thread(chat))  # type: ignore[arg-type]
    experts = await who(rhizome, "tokio")  # no refresh: the command catches up itself
    assert experts == ["Ben"]
    found = await rhizome.services.repos.communities.find("slack", "T1")
    assert found is not None
    answer = await service_for(rhizome.services).who_knows(found.id, "tokio")
    (evidence,) = answer.experts[0].evidence[:1]
    assert evidence.kind.value == "answered"
    assert evidence.resource_title is not None and "cancel a running tokio task" in (
        evidence.resource_title
    )
    profiles = await service_for(rhizome.services).profiles(found.id)
    ana = next(p for p in profiles.values() if "tokio" in p.wants)
    assert "tokio" not in ana.knows  # asking is not knowing


async def test_the_question_answered_is_shown_as_its_asker_wrote_it(rhizome: Rhizome) -> None:
    # Slack escapes `<`, `>` and `&` in message text and writes mentions as ids: the question
    # quoted beside an answer had shown "&gt;&gt;=" and "<@U0B…>".
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post(
                "ana",
                "<@U0BEN> how does `m &gt;&gt;= f` work in the tokio runtime &amp; its tasks?",
                mid="1",
                channel="rust",
            ),
            chat.post(
                "ben",
                "The tokio runtime polls each task; bind chains the futures, see the docs.",
                mid="2",
                channel="rust",
                thread="1",
                minutes=3,
            ),
        ]
    )
    found = await rhizome.services.repos.communities.find("slack", "T1")
    assert found is not None
    answer = await service_for(rhizome.services).who_knows(found.id, "tokio")
    (evidence,) = answer.experts[0].evidence[:1]
    assert evidence.kind.value == "answered"
    assert evidence.resource_title == "how does `m >>= f` work in the tokio runtime & its tasks?"


async def test_an_old_archive_answers_at_once(database: Database, config: Config) -> None:
    # Activity from 2016, asked about in 2026: decay counts from the archive's own last day.
    rz = await Rhizome.start(config, FixedClock(datetime(2026, 12, 1, tzinfo=UTC)), db=database)
    try:
        chat = Chat(SLACK, datetime(2016, 3, 1, tzinfo=UTC))
        await rz.ingest_many(qa_thread(chat))  # type: ignore[arg-type]
        assert await who(rz, "tokio") == ["Ben"]
    finally:
        await rz.close()


async def test_the_asker_is_listed_and_marked(rhizome: Rhizome) -> None:
    session = ConsoleSession(rhizome)
    for line in (":as ana", "Terraform modules done right https://example.org/terraform-modules"):
        await session.handle(line)
    out = await session.handle("/rhizome who-knows terraform")
    assert "@ana (you)" in out  # right after sharing: the next command already knows


async def test_a_question_typed_into_who_knows_is_answered_for_its_subject(
    rhizome: Rhizome,
) -> None:
    # julialang, in the console: "how do I plot a heatmap?" had been looked up whole, as the
    # topic `plot a heatmap`, and nobody holds a sentence
    await rhizome.ingest_many(qa_thread(Chat(SLACK, START)))  # type: ignore[arg-type]
    for question, subject in (
        ("how do I cancel a task in tokio?", "tokio"),
        ("anyone here good with tokio tasks", "tokio task"),  # a phrase known here first
    ):
        answer = await ask(rhizome, question)
        assert answer.read_as == subject and [e.member.name for e in answer.experts] == ["Ben"]
        shown = who_knows_document(answer).plain()
        assert f"Who knows about “{subject}”" in shown and f"You asked “{question}”" in shown
    # a topic asked as one is looked up as before; a sentence naming nothing known says so
    assert (await ask(rhizome, "tokio")).read_as is None
    nothing = await ask(rhizome, "how do I bake sourdough bread?")
    assert nothing.read_as is None and not nothing.experts
    said = who_knows_document(nothing).plain()
    assert "Try its subject alone" in said and "interests add" not in said
    assert (
        "interests add kubernetes operators"
        in who_knows_document(await ask(rhizome, "kubernetes operators")).plain()
    )  # a topic nobody knows yet: anyone who does can say so


async def test_a_bare_link_counts_half_a_share_said_about(rhizome: Rhizome) -> None:
    # Komodo: a member who shared four bare tweets on oracles came before those who explained
    # them; a link without a word of one's own shows less than one shared with some
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", "https://example.org/kubernetes-operators-a", mid="a"),
            chat.post("ben", "we use these: https://example.org/kubernetes-operators-b", mid="b"),
        ]
    )
    assert await who(rhizome, "kubernetes operators") == ["Ben", "Ana"]


async def test_related_wordings_meet_and_say_so(rhizome: Rhizome) -> None:
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            # (an address without "ml" in it: a slug's words are the link's own topics)
            chat.post("ana", "Machine learning course https://example.org/c/1", mid="1"),
            chat.post("ben", "GraphQL schema stitching guide https://example.org/gql", mid="2"),
            chat.post("cy", "Colour schemes for data visualisation https://example.org/c", mid="3"),
        ]
    )
    # British and American spellings are one subject, asked either way: a direct answer,
    # not one found through a neighbouring wording.
    for query in ("color scheme", "data visualization", "colour schemes"):
        answer = await ask(rhizome, query)
        assert [e.member.name for e in answer.experts] == ["Cy"]
        assert answer.via == ()
    assert await who(rhizome, "ml") == ["Ana"]
    assert await who(rhizome, "machine learning") == ["Ana"]
    assert await who(rhizome, "graph ql") == ["Ben"]
    assert await who(rhizome, "grapql") == ["Ben"]  # a typo of a known topic
    found = await rhizome.services.repos.communities.find("slack", "T1")
    assert found is not None
    answer = await service_for(rhizome.services).who_knows(found.id, "ml")
    assert answer.via == ("ml = machine learning",)
    assert "ml = machine learning" in who_knows_document(answer).plain()


async def test_japanese_questions_find_who_answered(rhizome: Rhizome) -> None:
    await rhizome.ingest_many(
        asked_and_answered(
            Chat(SLACK, START),
            "モナド変換子の使い方がよくわかりません。どう書けばいいですか？",
            "StateT の上に ReaderT を重ねる例を書きました。モナド変換子は lift で持ち上げます。",
        )
    )
    assert await who(rhizome, "モナド変換子") == ["Ben"]
    assert await who(rhizome, "モナド") == ["Ben"]


async def test_a_japanese_compound_nobody_wrote_whole_finds_who_knows_its_part(
    rhizome: Rhizome,
) -> None:
    await rhizome.ingest_many(
        asked_and_answered(
            Chat(SLACK, START),
            "IO の中で投げられた例外はどこで捕まえるべきですか？",
            "例外はなるべく上部で catch して、ログ処理はひとまとめにするのがおすすめです。",
        )
    )
    assert await who(rhizome, "例外処理") == ["Ben"]


def test_a_piped_console_script_sees_its_own_activity(tmp_path: Path) -> None:
    (tmp_path / "rhizome.toml").write_text("[unfurl]\nenabled = false\n")
    script = (
        ":as ana\n"
        "Kubernetes operators explained https://example.org/k8s-operators\n"
        ":as ben\n"
        "/rhizome who-knows kubernetes\n"
        "/rhizome who-knows k8s\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    run = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        cwd=tmp_path,
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("@ana") == 2, run.stdout
    assert "Nobody" not in run.stdout


@pytest.mark.slow
async def test_reindex_makes_made_titles_again_and_keeps_given_ones(rhizome: Rhizome) -> None:
    # A title made from the URL by an older version ("Trial") is made again as this version
    # makes it; a title a member gave the link is data and stays, however it was ranked.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", "following looks interesting https://datanitro.com/trial?edx=1"),
            chat.post("ben", "<https://www.yesodweb.com/book/basics|The Yesod book: Basics>"),
        ]
    )
    interests = service_for(rhizome.services)
    await interests.refresh()

    async def titles() -> dict[str, str | None]:
        async with rhizome.services.db.read() as conn:
            rows = (await conn.execute(m.resources.select())).all()
        return {r.canonical_url.split("/")[2]: r.title for r in rows}

    assert await titles() == {
        "datanitro.com": "Trial | Data nitro",
        "yesodweb.com": "The Yesod book: Basics",
    }
    async with rhizome.services.db.write() as conn:
        await conn.execute(
            m.resources.update()
            .values(title="Trial")
            .where(m.resources.c.canonical_url.contains("datanitro"))
        )
    found = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    await interests.reindex(found.id)
    assert await titles() == {
        "datanitro.com": "Trial | Data nitro",
        "yesodweb.com": "The Yesod book: Basics",
    }


async def test_reindex_respells_declared_interests_as_this_version_keys_them(
    rhizome: Rhizome,
) -> None:
    """A member who declared "Tezos" under an older version was stored as `tezo`, which
    `who-knows tezos` no longer meets; `gpus` is `gpu` now. Reindex stores each as this version
    keys it, and a member's two rows that become one stay one."""
    chat = Chat(SLACK, START)
    await rhizome.ingest_many([chat.post("ana", "hello all", mid="1")])
    found = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    interests = service_for(rhizome.services)
    await interests.store.declare(found.id, "U-ana", ["tezo", "gpus", "gpu", "rust"], START)
    await interests.store.declare(found.id, "U-ben", ["goldman sach"], START)
    await interests.reindex(found.id)
    declared = await interests.store.declared(found.id)
    assert sorted(d.topic for d in declared["U-ana"]) == ["gpu", "rust", "tezos"]
    assert [d.topic for d in declared["U-ben"]] == ["goldman sachs"]
    answer = await interests.who_knows(found.id, "Tezos", limit=3, now=START)
    assert [e.member.external_id for e in answer.experts] == ["U-ana"]


async def test_rows_an_older_version_worked_out_are_worked_out_again_after_an_upgrade(
    rhizome: Rhizome,
) -> None:
    """Upgrading needs no `rhizome reindex`: rows of an older version of the rules (here one
    planted topic no rule makes, and a member topic) are replaced by the next pass, and a
    pass of the same version leaves rows alone; who-knows answers throughout."""
    from bot.interests.derived_version import DERIVED_VERSION
    from storage.interests.tables import interest_state, member_topics, resource_topics

    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [chat.post("ana", "The tokio tutorial on async rust https://tokio.rs/tokio/tutorial")]
    )
    interests = service_for(rhizome.services)
    await interests.refresh()
    found = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None

    async def plant_stale_rows() -> None:
        async with rhizome.services.db.write() as conn:
            rid = (await conn.execute(m.resources.select())).first().id  # type: ignore[union-attr]
            await conn.execute(
                resource_topics.insert().values(
                    community_id=found.id, resource_id=rid, topic="stalewordx", weight=1.0
                )
            )
            row = (await conn.execute(member_topics.select().limit(1))).one()._asdict()
            await conn.execute(member_topics.insert().values({**row, "topic": "stalewordx"}))

    async def stale_rows() -> int:
        n = 0
        async with rhizome.services.db.read() as conn:
            for t in (resource_topics, member_topics):
                n += len((await conn.execute(t.select().where(t.c.topic == "stalewordx"))).all())
        return n

    async def version() -> int | None:
        async with rhizome.services.db.read() as conn:
            return (await conn.execute(select(interest_state.c.derived_version))).scalar()

    assert await version() == DERIVED_VERSION
    await plant_stale_rows()
    await interests.refresh()
    assert await stale_rows() == 2  # same version: nothing is worked out again

    async with rhizome.services.db.write() as conn:  # as a database of an older version
        await conn.execute(interest_state.update().values(derived_version=None))
    # ...whose folding had stored a declared "Tezos" as `tezo`
    await interests.store.declare(found.id, "U-ben", ["tezo"], START)
    assert [e.member.name for e in (await ask(rhizome, "tokio")).experts] == ["Ana"]
    await interests.refresh()
    assert await stale_rows() == 0
    assert await version() == DERIVED_VERSION
    assert await who(rhizome, "tokio") == ["Ana"]
    assert [d.topic for d in (await interests.store.declared(found.id))["U-ben"]] == ["tezos"]


def test_rhizome_reindex_rebuilds_from_scratch(tmp_path: Path) -> None:
    (tmp_path / "rhizome.toml").write_text("[unfurl]\nenabled = false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    common = {"cwd": tmp_path, "capture_output": True, "text": True, "timeout": 120, "env": env}
    first = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=":as ana\nRust async book https://example.org/async-book\n",
        **common,  # type: ignore[call-overload]
    )
    assert first.returncode == 0, first.stderr
    run = subprocess.run([sys.executable, "-m", "bot", "reindex"], **common)  # type: ignore[call-overload]
    assert run.returncode == 0, run.stderr
    assert "reindexed" in run.stdout
    again = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=":as ben\n/rhizome who-knows async rust\n",
        **common,  # type: ignore[call-overload]
    )
    assert "@ana" in again.stdout, again.stdout


async def test_a_bare_link_is_about_what_is_said_around_it(rhizome: Rhizome) -> None:
    # A picture or lone link says nothing itself; the channel's next words say what it is.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("tim", "https://example.org/avg-price", mid="1", channel="datajam"),
            chat.post(
                "ana",
                "That choropleth of medicare prices by county is lovely",
                mid="2",
                channel="datajam",
                minutes=2,
            ),
            chat.post(
                "ben",
                "Rust ownership explained https://example.org/rust",
                mid="3",
                channel="datajam",
                minutes=3,
            ),
            chat.post(
                "cy", "Choropleth maps everywhere today", mid="4", channel="datajam", minutes=4
            ),
        ]
    )
    topics = await topics_by_url(rhizome)
    assert "choropleth" in topics["https://example.org/avg-price"]
    # A share with words of its own keeps to them.
    assert "choropleth" not in topics["https://example.org/rust"]
    # who said the word in passing only fills the answer, after him
    found = await ask(rhizome, "choropleth")
    assert [(e.member.name, e.from_words) for e in found.experts] == [
        ("Tim", False),
        ("Cy", True),
        ("Ana", True),
    ]


async def test_a_sites_front_page_is_about_the_site(rhizome: Rhizome) -> None:
    # houstondatavis: Gephi's home page, shared bare, had topics from the words around it
    # (`graph drawing`, `rich web`) and not `gephi`. A coined name is the page's subject; an
    # everyday one (`status`) or everyday words run together (`eloquentjavascript`) are not.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", "for graph drawing and network exploration http://gephi.github.io/"),
            chat.post("ben", "https://status.example-cloud.io/", minutes=1),
            chat.post("cy", "a free book https://eloquentjavascript.net/", minutes=2),
            chat.post("dee", "the download page http://gephi.github.io/download", minutes=3),
        ]
    )
    topics = await topics_by_url(rhizome)
    assert "gephi" in topics["https://gephi.github.io"]
    assert "gephi" not in topics["https://gephi.github.io/download"]  # not the front page
    assert "status" not in topics["https://status.example-cloud.io"]
    assert not any("eloquentjavascript" in t for t in topics["https://eloquentjavascript.net"])


async def test_one_answer_is_shown_once_however_many_links_its_thread_holds(
    rhizome: Rhizome,
) -> None:
    # The Infrahub forum: a question with two screenshots, one answer in its thread. The
    # answer discusses both pictures and answers the question; who-knows quotes it once.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post(
                "ana",
                "Does infrahub-sync support loading a list into the schema? "
                "https://files.example/a.png https://files.example/b.png",
                mid="1",
                channel="forum",
            ),
            chat.post(
                "ben",
                "Infrahub-sync 1.3.0 supports it: add a transform to the sync config mapping.",
                mid="2",
                channel="forum",
                thread="1",
                minutes=3,
            ),
            chat.post(
                "ben",
                "The infrahub-sync adapters map each list item to a node of the schema.",
                mid="3",
                channel="forum",
                thread="1",
                minutes=5,
            ),
        ]
    )
    answer = await ask(rhizome, "infrahub sync")
    assert [e.member.name for e in answer.experts][:1] == ["Ben"]
    quoted = [e.snippet for e in answer.experts[0].evidence]
    assert quoted and len(quoted) == len(set(quoted))  # no message quoted twice


async def test_an_answer_that_is_a_link_is_quoted_with_it(rhizome: Rhizome) -> None:
    # julialang: "there's also <a pull request>" answered a question on the RNG and was
    # quoted "there's also", the answer itself gone.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", "Are there any known changes to the RNG in Julia 1.6?", mid="1"),
            chat.post(
                "ben",
                "there's also <https://github.com/JuliaLang/julia/pull/37916>",
                mid="2",
                thread="1",
                minutes=2,
            ),
        ]
    )
    answer = await ask(rhizome, "rng")
    assert [e.member.name for e in answer.experts][:1] == ["Ben"]
    quoted = [e.snippet for e in answer.experts[0].evidence if e.kind is EvidenceKind.ANSWERED]
    assert quoted == ["there's also github.com/…/37916"]


async def test_a_bare_link_answering_in_a_thread_is_about_its_question(rhizome: Rhizome) -> None:
    # "Created <issue link>." in a forum thread (Infrahub's forum): the thread's question says
    # what the link is about; the channel's other threads at that minute do not.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post(
                "ana",
                "Relationship direction in the schema: can a relationship be bidirectional?",
                mid="1",
                channel="forum",
            ),
            chat.post(
                "cy", "Kubernetes helm chart values for the worker?", mid="2", channel="forum"
            ),
            chat.post(
                "ben",
                "Created https://github.com/opsmill/infrahub/issues/5057.",
                mid="3",
                channel="forum",
                thread="1",
                minutes=1,
            ),
        ]
    )
    topics = await topics_by_url(rhizome)
    link = topics["https://github.com/opsmill/infrahub/issues/5057"]
    assert "relationship direction" in link or "relationship" in link
    assert not {"kubernetes", "helm chart", "helm"} & set(link)


async def test_a_link_in_everyday_words_is_about_its_thread(rhizome: Rhizome) -> None:
    # A meeting invitation in a forum thread (Infrahub's 1.3 upgrade thread): "click this
    # link… dial…" names no subject, the thread does; a link with a subject of its own in the
    # same thread keeps its own.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post(
                "ana",
                "Proposed change and artifact bugs after the 1.3 upgrade: artifacts no longer "
                "generate from the git repository",
                mid="1",
                channel="infrahub-qa",
            ),
            replace(  # Discord's embed, titled "Meet" as in the forum's data
                chat.post(
                    "ben",
                    "To join the video meeting, click this link: https://meet.google.com/mws-ucgw-deg"
                    "\nOtherwise, to join by phone, dial +44 20 3910 5537 and enter this PIN: "
                    "347 918",
                    mid="2",
                    channel="infrahub-qa",
                    thread="1",
                    minutes=1,
                ),
                previews=(LinkPreview("https://meet.google.com/mws-ucgw-deg", "Meet"),),
            ),
            chat.post(
                "cy",
                "Kubernetes helm chart values are documented at https://docs.example.com/helm",
                mid="3",
                channel="infrahub-qa",
                thread="1",
                minutes=2,
            ),
        ]
    )
    topics = await topics_by_url(rhizome)
    meeting = topics["https://meet.google.com/mws-ucgw-deg"]
    assert {"artifact", "git repository", "proposed change"} & set(meeting), meeting
    assert not {"dial", "click"} & set(meeting[:3]), meeting
    own = topics["https://docs.example.com/helm"]
    assert {"helm chart", "kubernetes"} & set(own[:3]), own
    assert not {"artifact", "proposed change"} & set(own), own


async def test_a_link_to_a_message_is_about_that_message(rhizome: Rhizome) -> None:
    # Members point at an earlier answer with its permalink ("this thread was a good lesson");
    # the page behind it is a sign-in screen, so the message it points to says what it is.
    chat = Chat(SLACK, START)

    def ts(minutes: float) -> str:  # a Slack message id is its time
        return f"{chat.at(minutes).timestamp():.6f}"

    def permalink(channel: str, minutes: float) -> str:
        return f"https://team.slack.com/archives/C-{channel}/p{ts(minutes).replace('.', '')}"

    answer, secret = permalink("haskell", 2), permalink("staff", 3)
    elsewhere = permalink("gone", -600)
    await rhizome.ingest_many(
        [
            chat.post(
                "ana",
                "How do I call user32.dll from GHC on Windows?",
                mid=ts(0),
                channel="haskell",
            ),
            chat.post(
                "ben",
                "Use the FFI with the stdcall convention and link against user32.",
                mid=ts(2),
                channel="haskell",
                thread=ts(0),
                minutes=2,
            ),
            chat.post(
                "cy",
                "Payroll spreadsheet migration plan",
                mid=ts(3),
                channel="staff",
                minutes=3,
                is_private=True,
            ),
            chat.post(
                "dee",
                f"Learned a lot from this thread {answer}",
                mid=ts(10),
                channel="til",
                minutes=10,
            ),
            chat.post("dee", f"and this one {secret}", mid=ts(11), channel="til", minutes=11),
            # not stored here: the links shared with it say what it is about by their address
            chat.post(
                "dee",
                f"the question https://stackoverflow.com/questions/1/calling-win32-dll-from-ghc"
                f" and this thread {elsewhere} were a good lesson",
                mid=ts(12),
                channel="til",
                minutes=12,
            ),
        ]
    )
    topics = await topics_by_url(rhizome)
    assert {"ffi", "user32.dll"} <= set(topics[answer])  # the answer and its question
    assert not {"payroll", "spreadsheet"} & set(topics[secret])  # a private channel stays out
    assert {"dll", "ghc"} <= set(topics[elsewhere])


async def test_a_discord_link_to_a_forum_post_is_about_that_post(rhizome: Rhizome) -> None:
    # Discord links a thread or forum post as channels/<guild>/<thread>: the thread's id is
    # its opening message's, a snowflake that holds the time it was posted.
    discord = CommunityRef("discord", "1212332642801025064", "Guild")
    chat = Chat(discord, START)

    def snowflake(minutes: float) -> str:
        return str((int(chat.at(minutes).timestamp() * 1000) - 1_420_070_400_000) << 22)

    post = snowflake(0)
    await rhizome.ingest_many(
        [
            chat.post(
                "ana",
                "Nornir inventory from Infrahub: how do I map attributes to host data?",
                mid=post,
                channel="forum",
            ),
            chat.post(
                "ben",
                f"Good thread on this: https://discord.com/channels/{discord.external_id}/{post}",
                mid=snowflake(30),
                channel="general",
                minutes=30,
            ),
        ]
    )
    topics = await topics_by_url(rhizome, discord)
    assert list(topics) == [f"https://discord.com/channels/{discord.external_id}/{post}"]
    assert "nornir" in topics[f"https://discord.com/channels/{discord.external_id}/{post}"]


async def test_a_link_to_a_section_is_about_that_section(rhizome: Rhizome) -> None:
    # The page is stored once, under its address without the anchor; the heading each share
    # points at still says what it is about, whichever share came first.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("pete", "docs: https://docs.example.com/topics/profiles", mid="1"),
            chat.post(
                "pete",
                "see https://docs.example.com/topics/profiles#profile-priority for this",
                mid="2",
                minutes=5,
            ),
            chat.post("ana", "thanks https://docs.example.com/other#merge-queues", mid="3"),
        ]
    )
    topics = await topics_by_url(rhizome)
    assert "profile priority" in topics["https://docs.example.com/topics/profiles"]
    assert "merge queue" not in topics["https://docs.example.com/topics/profiles"]


async def test_a_front_page_shared_alone_is_about_its_sites_name(rhizome: Rhizome) -> None:
    """houstondatavis #readings: `<http://eloquentjavascript.net>` and nothing else. The site's
    name, read apart from its host, is the only thing that says what it is; where its sharer
    says more, that counts too (a coined name, `d3js`, is a topic beside it: see the next
    test)."""
    chat = Chat(SLACK, START, channel="readings")
    await rhizome.ingest_many(
        [
            chat.post("micah", "<http://eloquentjavascript.net>", mid="1"),
            chat.post("ana", "graph layouts in d3: https://d3js.org/", mid="2", minutes=90),
        ]
    )
    topics = await topics_by_url(rhizome)
    assert "javascript" in topics["https://eloquentjavascript.net"]
    assert {"d3", "graph layout"} <= set(topics["https://d3js.org"])


async def test_a_channel_for_anything_or_named_for_a_member_is_no_topic(rhizome: Rhizome) -> None:
    """The Komodo Discord: every link in `#talk-other-topics` had been about `talk other
    topic` (2,905 of 4,491), every link in `#ask-jl777` about `jl777`, its lead developer; a
    tweet nobody said anything about had been about `tweet`, the word Rhizome cites it by: it
    is about its account."""
    chat = Chat(SLACK, START)
    shot = "https://cdn.discordapp.com/attachments/455851625915875338/1/image.png"
    tweet = "https://x.com/NickSzabo4/status/845769820708618240"
    await rhizome.ingest_many(
        [
            chat.post("jl777", "dpow notarizes every chain", mid="1", channel="general"),
            chat.post(
                "ana", "https://example.net/atomic-swaps", mid="2", channel="talk-other-topics"
            ),
            chat.post("ben", shot, mid="3", channel="ask-jl777"),
            chat.post("cy", tweet, mid="4", channel="news"),
            chat.post("dee", "https://example.net/proof-of-work", mid="5", channel="talk-mining"),
        ]
    )
    topics = await topics_by_url(rhizome)
    assert "atomic swap" in topics["https://example.net/atomic-swaps"]
    assert not {"talk other topic", "other topic"} & set(topics["https://example.net/atomic-swaps"])
    assert "jl777" not in topics.get(shot, [])
    assert topics.get(tweet) == ["nick szabo"]
    # a channel for talking about a subject is still about it
    assert "mining" in topics["https://example.net/proof-of-work"]


async def test_an_answer_the_asker_thanked_for_is_marked(rhizome: Rhizome) -> None:
    chat = Chat(SLACK, START)
    ans = "Keep the JoinHandle and call abort on it, or select on a CancellationToken"
    late = "You can also drop the runtime, which cancels every tokio task it owns"
    await rhizome.ingest_many(
        [
            chat.post("ana", "How do I cancel a running tokio task?", mid="1"),
            chat.post("ben", ans, mid="2", thread="1", minutes=1),
            chat.post("ana", "thanks, that worked!", mid="3", thread="1", minutes=2),
            chat.post("cy", late, mid="4", thread="1", minutes=3),
            chat.post("dee", "What is the best rust web framework?", mid="5", minutes=4),
            chat.post(
                "eve",
                "axum is a good start, it sits on top of tower",
                mid="6",
                thread="5",
                minutes=5,
            ),
            chat.react("dee", "6", "+1", minutes=6),
        ]
    )
    found = await rhizome.services.repos.communities.find("slack", "T1")
    assert found is not None
    store = service_for(rhizome.services).store
    ids = {}
    for who_ in ("ben", "cy", "eve"):
        member = await rhizome.services.repos.members.by_external_id(found.id, f"U-{who_}")
        assert member is not None
        ids[who_] = member.id
    replies = await store.replies(
        found.id, list(ids.values()), since=datetime(2000, 1, 1, tzinfo=UTC), recent=50
    )
    thanked = {r.member_id: r.thanked for r in replies if not r.adjacent}
    # Ben was thanked after his answer, Eve got the asker's reaction; Cy came after the thanks.
    assert thanked == {ids["ben"]: True, ids["cy"]: False, ids["eve"]: True}


async def test_files_added_to_ones_own_question_are_not_expertise(rhizome: Rhizome) -> None:
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", "I am unable to get terraform modules to load", mid="1"),
            chat.post(
                "ana",
                "my config: https://example.org/terraform-main",
                mid="2",
                thread="1",
                minutes=1,
            ),
            chat.post(
                "ben",
                "Terraform modules need a source; see https://example.org/tf-mods",
                mid="3",
                thread="1",
                minutes=2,
            ),
        ]
    )
    assert await who(rhizome, "terraform") == ["Ben"]


async def test_a_thread_opened_with_a_share_and_then_a_question_is_asking(
    rhizome: Rhizome,
) -> None:
    # julialang #appreciation: "This blog is very helpful! <link>", then, first thing after
    # it, "I am stuck with the following error"; later "Good, thanks. I installed <the link
    # Max gave>". That link is what she was helped to, not what she knows. Cy also opens a
    # thread with a share, then answers the others' questions there: his shares stay his.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post(
                "ana", "This blog is very helpful! https://blog.example/pluto-server", mid="1"
            ),
            chat.post(
                "ana",
                "I am stuck: how do I get the Pluto server to start?",
                mid="2",
                thread="1",
                minutes=1,
            ),
            chat.post(
                "max",
                "Use the pluto-on-jupyterlab plugin https://example.org/pluto-on-jupyterlab",
                mid="3",
                thread="1",
                minutes=2,
            ),
            chat.post(
                "ana",
                "Good, thanks. I installed https://example.org/pluto-on-jupyterlab now",
                mid="4",
                thread="1",
                minutes=3,
            ),
            chat.post(
                "cy", "Makie works in VS Code now https://example.org/wglmakie", mid="5", minutes=10
            ),
            chat.post(
                "dee", "How do you set the resolution in Makie?", mid="6", thread="5", minutes=11
            ),
            chat.post(
                "cy",
                "Set it on the scene, see https://example.org/makie-resizing",
                mid="7",
                thread="5",
                minutes=12,
            ),
        ]
    )
    answer = await ask(rhizome, "jupyterlab")
    quoted = {(e.member.name, v.snippet) for e in answer.experts for v in e.evidence}
    assert ("Max", "Use the pluto-on-jupyterlab plugin") in quoted
    assert not [q for q in quoted if q[0] == "Ana" and "I installed" in (q[1] or "")]
    makie = await ask(rhizome, "makie resizing")
    assert "Cy" in [e.member.name for e in makie.experts]


async def test_a_phrase_nobody_knows_is_answered_through_its_head_word(rhizome: Rhizome) -> None:
    # `python sdk` names Ana's question's link, but asking is not knowing; Ben knows `sdk`.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post(
                "ana",
                "Is this Python SDK still maintained? https://example.org/python-sdk",
                mid="1",
            ),
            _sdk_talk(chat, "ben", "SDK retries and pagination, explained", "2", 30),
        ]
    )
    assert await who(rhizome, "python sdk") == ["Ben"]


async def test_the_console_speaks_as_an_imported_member_by_full_name(rhizome: Rhizome) -> None:
    chat = Chat(SLACK, START)
    await rhizome.ingest_many([chat.post("micah stubbs", "d3 notes https://example.org/d3")])
    session = ConsoleSession(rhizome, target=SLACK)
    assert await session.handle(":as Micah  Stubbs") == "(you are now Micah stubbs, U-micah stubbs)"
    assert "Usage" in await session.handle(":as nobody known here")  # a new id: no spaces


async def test_did_you_mean_offers_only_close_spellings(rhizome: Rhizome) -> None:
    # houstondatavis: "web scraping" was met with "Did you mean: brain, ping, rapid, train"
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", f"{s} notes https://example.org/{s}", mid=s)
            for s in ("brain", "ping", "rapid", "train", "rust")
        ]
    )
    found = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    service = service_for(rhizome.services)
    assert (await service.who_knows(found.id, "web scraping")).suggestions == ()
    assert (await service.who_knows(found.id, "rsut")).suggestions[0] == "rust"


async def test_a_phrases_initials_never_outrank_the_phrase(rhizome: Rhizome) -> None:
    # infrahub: `computed attributes` was answered first by members who know TLS `ca`s
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            *(
                chat.post(
                    "ana",
                    f"CA bundle for TLS, part {n} https://example.org/ca-{n}",
                    mid=f"a{n}",
                    minutes=n,
                )
                for n in range(4)
            ),
            chat.post("ben", "Computed attributes guide https://example.org/computed", mid="b"),
        ]
    )
    assert (await who(rhizome, "computed attributes"))[0] == "Ben"


async def test_an_acronym_the_community_writes_beside_its_phrase_is_no_guess(
    rhizome: Rhizome,
) -> None:
    # Komodo: who explained the Lightning Network wrote `LN`, and came after whoever had
    # shared one link titled with the words, as if `ln` might stand for something else
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            *(
                chat.post(
                    "ana", f"LN routing fees, part {n} https://example.org/ln-{n}", mid=f"a{n}"
                )
                for n in range(4)
            ),
            chat.post("ben", "Lightning network wallets https://example.org/wallets", mid="b"),
        ]
    )
    assert (await who(rhizome, "lightning network"))[0] == "Ben"  # a guess only fills
    await rhizome.ingest_many(
        [chat.post("cam", "The Lightning Network (LN) explained https://example.org/l", mid="c")]
    )
    answer = await ask(rhizome, "lightning network")
    assert answer.experts[0].member.name == "Ana"


OTHER_SUBJECTS = {
    "eve": "docker nginx postgres redis kafka vim emacs tmux zsh",
    "fay": "rust golang python ruby scala elixir kotlin swift ocaml",
}


async def test_the_communitys_own_subject_fills_in_nobody(rhizome: Rhizome) -> None:
    # haskell-jp: `template haskell` was filled with whoever shared anything on Haskell, the
    # word in a third of the community's links. Only Dee talked about Template Haskell.
    chat = Chat(SLACK, START)
    subjects = ["lenses", "monads", "parsers", "streaming", "records", "laziness"]
    await rhizome.ingest_many(
        [
            chat.post("dee", "Template Haskell splices https://example.org/th", mid="1"),
            *(
                chat.post(
                    who,
                    f"Haskell {subject} notes https://example.org/{who}-{n}",
                    mid=f"{who}{n}",
                    minutes=n + 1,
                )
                for n, subject in enumerate(subjects)
                for who in ("ben", "cy")
            ),
            *(
                chat.post(who, f"{s} tips https://example.org/{s}", mid=s, minutes=20)
                for who, subjects in OTHER_SUBJECTS.items()
                for s in subjects.split()
            ),
        ]
    )
    assert await who(rhizome, "template haskell") == ["Dee"]
    assert {"Ben", "Cy"} <= set(await who(rhizome, "haskell"))  # asked itself, it is answered
    # …but a profile saying "Knows about: haskell" of a Haskell community's member tells
    # nobody anything (julialang: `julia` in two of the fifteen judged profiles)
    found = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    ben = await rhizome.services.repos.members.by_external_id(found.id, "U-ben")
    assert ben is not None
    shown = await known_about(rhizome.services, found.id, ben)
    assert "haskell" not in shown and len(shown) >= 3, shown


def _sdk_talk(chat: Chat, who: str, text: str, mid: str, minutes: int) -> object:
    return chat.post(
        who, f"{text} https://example.org/sdk-{mid}", mid=mid, channel="tools", minutes=minutes
    )


async def test_a_phrase_few_know_is_filled_with_its_head_words_people(rhizome: Rhizome) -> None:
    # One page titled `Python SDK` must not hide everyone who knows SDKs (Ben, Cy).
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("dee", "Python SDK reference https://example.org/python-sdk", mid="1"),
            _sdk_talk(chat, "ben", "SDK retries and pagination, explained", "2", 30),
            _sdk_talk(chat, "cy", "Versioning an SDK without breaking clients", "3", 40),
        ]
    )
    found = await who(rhizome, "python sdk")
    assert found[0] == "Dee"  # the phrase itself first
    assert sorted(found[1:]) == ["Ben", "Cy"]


async def test_fill_in_never_outranks_who_knows_the_phrase(rhizome: Rhizome) -> None:
    # Ben shared a pile of SDK links; Dee the one page on the Python SDK. Asked about the
    # Python SDK, Dee comes first however busy Ben is: the head word only fills the answer.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("dee", "Python SDK reference https://example.org/python-sdk", mid="1"),
            *(
                _sdk_talk(chat, "ben", f"SDK design notes, part {n}", str(10 + n), 30 + n)
                for n in range(8)
            ),
        ]
    )
    assert await who(rhizome, "python sdk") == ["Dee", "Ben"]


async def test_how_many_are_asked_for_never_reorders_the_first(rhizome: Rhizome) -> None:
    # Three know the Python SDK; Cy also shared a pile of SDK links. The command asks for five,
    # which looks the head word up (fewer than five know the phrase): it had lifted Cy above
    # Ana and Ben there, while three asked for kept the phrase's order.
    chat = Chat(SLACK, START)
    posts = [
        chat.post(
            who,
            f"Python SDK notes, part {n} https://example.org/{who}-python-sdk-{n}",
            mid=f"{who}{n}",
            minutes=n,
        )
        for who, count in (("ana", 3), ("ben", 2), ("cy", 1))
        for n in range(count)
    ]
    posts += [
        _sdk_talk(chat, "cy", f"SDK design notes, part {n}", f"c{n}", 30 + n) for n in range(6)
    ]
    posts += [
        _sdk_talk(chat, "dee", f"SDK paging notes, part {n}", f"d{n}", 50 + n) for n in range(2)
    ]
    await rhizome.ingest_many(posts)
    three = await who(rhizome, "python sdk", limit=3)
    five = await who(rhizome, "python sdk", limit=5)
    assert three == ["Ana", "Ben", "Cy"]
    assert five[:3] == three and "Dee" in five


async def test_a_nearby_wording_is_counted_weaker_and_said(rhizome: Rhizome) -> None:
    # "backported" is not folded to "backport" (a verb form), but it is the same subject; the
    # asked word is known too, so this is not a typo correction.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ben", "Our backport checklist https://example.org/backport-guide", mid="1"),
            chat.post(
                "ana",
                "The fix was backported to the release branch https://example.org/pr/101",
                mid="2",
            ),
        ]
    )
    found = await rhizome.services.repos.communities.find("slack", "T1")
    assert found is not None
    answer = await service_for(rhizome.services).who_knows(found.id, "backports")
    assert [e.member.name for e in answer.experts] == ["Ben", "Ana"]
    assert answer.experts[1].score < answer.experts[0].score
    assert answer.via == ("backported ~ backport",)
    assert "backported ~ backport" in who_knows_document(answer).plain()


async def test_a_fill_in_with_every_word_asked_comes_before_one_with_some(
    rhizome: Rhizome,
) -> None:
    # Nobody has `type stability`; Dee wrote much on numerical stability, Bo once on type
    # stable code. Bo's wording has both words, Dee's one: Bo is nearer, however busy Dee is.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("bo", "Writing type stable code https://example.org/type-stable", mid="1"),
            *(
                chat.post(
                    "dee",
                    f"Numerical stability of solvers, part {n} https://example.org/ns-{n}",
                    mid=str(10 + n),
                    minutes=n,
                )
                for n in range(6)
            ),
        ]
    )
    assert await who(rhizome, "type stability") == ["Bo", "Dee"]


async def test_the_askers_replies_in_their_own_thread_are_asking(rhizome: Rhizome) -> None:
    # Ana asks with the guide she followed; her follow-ups about it are still asking, while
    # Ben, who answers, knows terraform.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post(
                "ana",
                "How do I set up a terraform remote backend? I followed "
                "https://example.org/terraform-backend-guide",
                mid="1",
            ),
            chat.post(
                "ben",
                "The terraform backend needs a bucket and a lock table before terraform init.",
                mid="2",
                thread="1",
                minutes=2,
            ),
            chat.post(
                "ana",
                "The terraform backend guide step three still fails with an access error",
                mid="3",
                thread="1",
                minutes=9,
            ),
        ]
    )
    assert await who(rhizome, "terraform") == ["Ben"]


async def test_a_question_naming_someone_is_answered_when_they_are_back(rhizome: Rhizome) -> None:
    """A channel without threads (Slack before 2017): Ana asks Ben by name; Ben answers two
    hours later, after asking back. His answer is knowing, and who-knows shows it with the
    question it answered."""
    chat = Chat(SLACK, START)
    question = chat.post(
        "ana", "<@U-ben>: have you gotten R to work in the Jupyter notebook?", mid="1"
    )
    await rhizome.ingest_many(
        [
            replace(question, mentions=(Actor("U-ben", "Ben"),)),
            chat.post("ana", "tried it this morning, stuck on a dependency", mid="2", minutes=1),
            chat.post("cy", "lunch anyone?", mid="3", minutes=50),
            chat.post("ben", "do you have zeroMQ installed?", mid="4", minutes=130),
            chat.post(
                "ben",
                "install the IRkernel package, then switch the Jupyter kernel to R in the menu",
                mid="5",
                minutes=131,
            ),
        ]
    )
    found = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    answer = await service_for(rhizome.services).who_knows(found.id, "jupyter")
    assert [e.member.name for e in answer.experts] == ["Ben"]
    evidence = answer.experts[0].evidence[0]
    assert evidence.kind.value == "answered"
    assert "Jupyter notebook" in (evidence.resource_title or "")


async def test_an_answer_that_names_the_asker_answers_her_question(rhizome: Rhizome) -> None:
    """haskell-jp, a channel without threads: Ana asks, adds two lines, and Ben answers her by
    name an hour later, after the next-message window: his answer is to her question."""
    chat = Chat(SLACK, START)
    answer = chat.post(
        "ben",
        "<@U-ana> install the IRkernel package, then switch the Jupyter kernel to R in the menu",
        mid="4",
        minutes=62,
    )
    await rhizome.ingest_many(
        [
            chat.post("ana", "have you gotten R to work in the Jupyter notebook?", mid="1"),
            chat.post("ana", "I tried it this morning", mid="2", minutes=1),
            chat.post("ana", "thanks in advance", mid="3", minutes=2),
            replace(answer, mentions=(Actor("U-ana", "Ana"),)),
        ]
    )
    found = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    experts = (await service_for(rhizome.services).who_knows(found.id, "jupyter")).experts
    assert [e.member.name for e in experts] == ["Ben"]
    assert experts[0].evidence[0].kind.value == "answered"
    assert "Jupyter notebook" in (experts[0].evidence[0].resource_title or "")


async def test_a_mention_long_ago_is_not_a_question_to_answer_now(rhizome: Rhizome) -> None:
    chat = Chat(SLACK, START)
    question = chat.post(
        "ana", "<@U-ben>: have you gotten R to work in the Jupyter notebook?", mid="1"
    )
    await rhizome.ingest_many(
        [
            replace(question, mentions=(Actor("U-ben", "Ben"),)),
            chat.post("cy", "lunch anyone?", mid="2", minutes=50),
            chat.post(
                "ben",
                "install the IRkernel package, then switch the Jupyter kernel to R in the menu",
                mid="3",
                minutes=60 * 30,  # the next day and a half: a new conversation
            ),
        ]
    )
    # not an answer to her; he said it, though, which only fills the answer, quoted
    found = await ask(rhizome, "jupyter")
    assert [(e.member.name, e.from_words) for e in found.experts] == [("Ben", True)]
    assert [ev.kind for ev in found.experts[0].evidence] == [EvidenceKind.SAID]


async def test_a_phrase_nobody_wrote_is_answered_through_its_word_family(rhizome: Rhizome) -> None:
    # houstondatavis #sci: members wrote "reproducibility"; a member asks for
    # `reproducible research`, whose head word `research` is too everyday to say anything.
    # The pages that say the related wording name who shared them as well (haskell-jp: pages
    # say "Mac", nobody's subject is `macos`).
    chat = Chat(SLACK, START)
    notebooks = (
        "Notebook tips: notebook kernels, notebook widgets, kernel restarts, widget layouts, "
        "kernel logs, widget state, notebook exports, kernel specs, widget themes; and "
        "reproducibility https://example.org/nb"
    )
    await rhizome.ingest_many(
        [
            chat.post(
                "ana",
                "Quantifying reproducibility in computational science https://example.org/rr",
                mid="1",
                channel="sci",
            ),
            chat.post("ben", "Research grants are open again https://example.org/grants", mid="2"),
            # Cy's page says it too, in passing: not among her subjects, but her link is
            chat.post("cy", notebooks, mid="3"),
        ]
    )
    found = await ask(rhizome, "reproducible research")
    assert [(e.member.name, e.from_links) for e in found.experts] == [
        ("Ana", False),
        ("Cy", True),
    ]
    assert found.experts[1].topics == ("reproducibility",)
    assert "reproducibility ~ reproducible research" in found.via
    assert "links that mention “reproducibility” most" in who_knows_document(found).plain()


async def test_a_katakana_query_finds_who_wrote_the_english_word(rhizome: Rhizome) -> None:
    # haskell-jp writes `パーサ` and `parser` for one subject; Ben only wrote English
    await rhizome.ingest_many(
        asked_and_answered(
            Chat(SLACK, START),
            "How do I write a parser combinator for JSON?",
            "Megaparsec gives you parser combinators: build the JSON parser from small parsers.",
        )
    )
    assert await who(rhizome, "パーサ") == ["Ben"]


async def test_katakana_jargon_finds_who_wrote_the_english_word(rhizome: Rhizome) -> None:
    # haskell-jp writes `アプリカティブ`, which UniDic does not know, and `applicative`
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ana", "モナドの入門記事です https://qiita.com/ana/items/monad-nyumon"),
            chat.post(
                "ben",
                "Applicative functors explained, with pure and <*> "
                "https://wiki.haskell.org/Applicative_functor",
                minutes=5,
            ),
        ]
    )
    found = await ask(rhizome, "アプリカティブ")
    assert [e.member.name for e in found.experts] == ["Ben"]
    assert "アプリカティブ = applicative" in found.via
    assert await who(rhizome, "モノイド") == []  # nobody's words read like it


async def test_a_subject_only_pages_mention_finds_who_shared_them(rhizome: Rhizome) -> None:
    # houstondatavis: `open data` was in two shared pages' titles and in nobody's strongest
    # topics, so who-knows said "Nobody" about a subject two members had brought up. Whoever
    # shared the pages fills the answer, and the reply says how they were found; asking about
    # a link is still not knowing it, and a member who turned tracking off is never listed.
    chat = Chat(SLACK, START)
    budgets = (
        "Slides from the meetup on county budgets, with a short part on open data at the end "
        "https://example.org/budgets"
    )
    await rhizome.ingest_many(
        [
            chat.post("dee", budgets, mid="1"),
            chat.post(
                "ana", "Has the open data portal an API? https://example.org/portal", mid="2"
            ),
            chat.post("ben", "Ferries of the county, mapped https://example.org/ferries", mid="3"),
            chat.post("cy", "County open data, bridges https://example.org/bridges", mid="4"),
        ]
    )
    session = ConsoleSession(rhizome, target=SLACK)
    await session.handle(":as cy")
    assert "Tracking is off" in await session.handle("/rhizome privacy tracking off")
    answer = await ask(rhizome, "open data", limit=3)
    assert [(e.member.name, e.from_links) for e in answer.experts] == [("Dee", True)]
    assert answer.experts[0].evidence[0].resource_url == "https://example.org/budgets"
    assert "who shared the links that mention it" in who_knows_document(answer).plain()
    # A subject someone has among their topics is answered by topics alone, as before.
    ferries = await ask(rhizome, "ferries", limit=3)
    assert [(e.member.name, e.from_links) for e in ferries.experts] == [("Ben", False)]
    assert "links that mention" not in who_knows_document(ferries).plain()


async def test_who_said_the_words_fills_a_short_answer_quoted(rhizome: Rhizome) -> None:
    # houstondatavis: two members gave advice on sketching visualizations in plain chat (no
    # link, no question answered), so `sketching` was nobody's topic and who-knows named one
    # member of the four a reader would. Whoever said the words fills a short answer, quoted
    # and said so; a question, a line quoted from someone else, one's own introduction, a
    # private channel and a member who turned tracking off say nothing of what anyone knows.
    chat = Chat(SLACK, START)
    advice = (
        "Some advice I was given: when sketching visualizations you need to throw them away "
        "as easily as possible, so paper beats any tool"
    )
    await rhizome.ingest_many(
        [
            chat.post("dee", "> when sketching visualizations\nI go straight to code", mid="3"),
            chat.post("colin", advice, mid="1", minutes=1),
            chat.post("eve", "I keep a notebook for sketching charts every morning", mid="4"),
            chat.post(
                "fay",
                "Sketching dashboards on a whiteboard with the whole team first",
                mid="5",
                channel="leads",
                is_private=True,
            ),
            chat.post("ben", "Ferries of the county, mapped https://example.org/ferries", mid="6"),
            chat.post(  # an interest, counted as his introduction (if anywhere)
                "gus",
                "Hi all, I'm Gus: I love sketching visualizations on paper before coding",
                mid="7",
                channel="introductions",
            ),
            chat.post(  # more of it, in its thread
                "gus",
                "Mostly sketching dashboards for the county these days",
                mid="8",
                channel="introductions",
                thread="7",
                minutes=2,
            ),
            chat.post(  # a welcome that says something of the welcomer's own: his topic
                "hal",
                "Welcome! We start every dashboard by sketching it on paper here as well",
                mid="9",
                channel="introductions",
                thread="7",
                minutes=3,
            ),
            chat.post(
                "ana",
                "How do you go about sketching a chart before coding it?",
                mid="2",
                minutes=90,
            ),
        ]
    )
    session = ConsoleSession(rhizome, target=SLACK)
    await session.handle(":as eve")
    assert "Tracking is off" in await session.handle("/rhizome privacy tracking off")
    answer = await ask(rhizome, "sketching", limit=5)
    assert [(e.member.name, e.from_words) for e in answer.experts] == [
        ("Hal", False),  # a reply to an introduction is about its own words: his topic
        ("Colin", True),
    ]
    (said,) = answer.experts[1].evidence
    assert said.kind is EvidenceKind.SAID and "sketching visualizations" in (said.snippet or "")
    shown = who_knows_document(answer).plain()
    assert "who mentioned it in conversation" in shown
    assert "said “Some advice I was given: when sketching" in shown
    # A subject someone has among their topics is answered by topics alone, as before.
    ferries = await ask(rhizome, "ferries", limit=1)
    assert [(e.member.name, e.from_words) for e in ferries.experts] == [("Ben", False)]
    assert "in conversation" not in who_knows_document(ferries).plain()


async def test_a_phrase_no_page_says_finds_who_shared_pages_with_its_head_word(
    rhizome: Rhizome,
) -> None:
    # houstondatavis: `web scraping` was in nobody's topics and no page said it, but a member
    # had shared his webcam project "scraping images from all 137 park webcams", so who-knows
    # said "Nobody". The pages with the phrase's head word answer, and the reply says which
    # word they mention; an everyday head word (`analysis` of `text analysis`) finds nobody.
    chat = Chat(SLACK, START)
    webcams = (
        "Park webcams as timelapse videos: each webcam gives a timelapse, webcam by webcam, "
        "timelapse by timelapse; python uploads the videos to youtube, python draws the park "
        "map, the map links each park to its videos on youtube. Under it all is scraping "
        "images once a day https://example.org/webcams"
    )
    await rhizome.ingest_many(
        [
            chat.post("tim", webcams, mid="1"),
            chat.post(
                "ana", "Cost analysis of the county budget https://example.org/costs", mid="2"
            ),
        ]
    )
    answer = await ask(rhizome, "web scraping", limit=3)
    assert [(e.member.name, e.topics, e.from_links) for e in answer.experts] == [
        ("Tim", ("scraping",), True)
    ]
    assert answer.experts[0].evidence[0].resource_url == "https://example.org/webcams"
    said = who_knows_document(answer).plain()
    assert "links that mention “scraping” most" in said
    assert await who(rhizome, "text analysis", limit=3) == []


async def test_a_chat_word_that_names_pages_here_is_this_communitys_subject(
    rhizome: Rhizome,
) -> None:
    # Infrahub: "checks" are a feature, but `check` is a chat word everywhere, so
    # `who-knows checks` was refused as "not something I can look up". Where pages are named
    # with it, who shared them answers; a sentence around a link is not a page's name, and
    # `thanks` stays no subject however many messages say it.
    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("dee", "<https://example.org/docs/check|Creating a Check>", mid="1"),
            chat.post("ben", "thanks, check this https://example.org/other", mid="2"),
            chat.post("cy", "thanks https://example.org/welcome", mid="3"),
            chat.post("eve", "<https://example.org/w|What about this, thanks>", mid="4"),
        ]
    )
    answer = await ask(rhizome, "checks", limit=3)
    assert answer.topic == "checks"
    assert [(e.member.name, e.from_links) for e in answer.experts] == [("Dee", True)]
    assert "who shared the links that mention it" in who_knows_document(answer).plain()
    for words in ("thanks", "what about this"):  # English's own words, even in a title
        refused = await ask(rhizome, words, limit=3)
        assert refused.topic is None and not refused.experts
        assert "is not something I can look up" in who_knows_document(refused).plain()


async def test_the_link_search_gives_up_on_words_too_many_pages_match(rhizome: Rhizome) -> None:
    # At a million messages ranking every page with three common words took who-knows from
    # 41 to 402 ms (p99); counting matches stops at the bound instead, and then nobody is added.
    from storage.repositories.resources import matching_resource_ids

    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [chat.post("ben", f"Ferry timetable {n} https://example.org/ferry-{n}") for n in range(3)]
    )
    found = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    async with rhizome.services.db.read() as conn:
        assert len(await matching_resource_ids(conn, found.id, "ferry timetable", 10)) == 3
        assert len(await matching_resource_ids(conn, found.id, "ferry", 10, at_most=3)) == 3
        assert await matching_resource_ids(conn, found.id, "ferry", 10, at_most=2) == []


async def test_the_link_search_puts_the_words_side_by_side_first(rhizome: Rhizome) -> None:
    # houstondatavis: "big data" had found "This line was a big help … data jam" first
    from storage.repositories.resources import matching_resource_ids

    chat = Chat(SLACK, START)
    await rhizome.ingest_many(
        [
            chat.post("ben", "a big help for the data jam https://example.org/help", mid="1"),
            chat.post("cy", "big data with pandas https://example.org/pandas", mid="2"),
        ]
    )
    found = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    urls = {r.id: r.url for r in await rhizome.services.repos.resources.search(found.id, "data")}
    async with rhizome.services.db.read() as conn:
        ids = await matching_resource_ids(conn, found.id, "big data", 10)
    assert [urls[i] for i in ids] == ["https://example.org/pandas", "https://example.org/help"]


async def test_a_phrase_asked_keeps_the_chat_words_it_was_typed_with(rhizome: Rhizome) -> None:
    # "time series" had been asked (and declared) as `series`, "big data" as `data`
    chat = Chat(SLACK, START)
    await rhizome.ingest(chat.post("ben", "time series forecasting https://example.org/ts"))
    assert (await ask(rhizome, "time series", limit=3)).topic == "time series"
    assert (await ask(rhizome, "the big data", limit=3)).topic == "big data"
    assert (await ask(rhizome, "good stuff", limit=3)).topic is None  # nothing but chat


async def test_no_nearby_wording_for_japanese_words_sharing_a_kanji(rhizome: Rhizome) -> None:
    # The embedding model reads Japanese a character at a time: `総論` (general remarks) came
    # out 0.80 alike to `圏論` (category theory), and who-knows answered "Counting related
    # wording too: 総論 ~ 圏論. 1. @ben". (English nearby wording: the `backported` test.)
    session = ConsoleSession(rhizome)
    for line in (":as ben", "/rhizome interests add 総論", ":as ana"):
        await session.handle(line)
    answer = await session.handle("/rhizome who-knows 圏論")
    assert "@ben" not in answer and "総論" not in answer
    assert "Nobody here has shared or discussed “圏論” yet" in answer


async def test_the_form_a_link_takes_is_not_what_its_sharer_knows(rhizome: Rhizome) -> None:
    """houstondatavis: "here are my slides" made `slide` the first thing a speaker's profile
    said he knew. A slide, a video or a tweet is how something was shared, not a subject."""
    chat = Chat(SLACK, START, channel="meetup")
    await rhizome.ingest_many(
        [
            chat.post("ana", "here are my slides https://example.org/talk-deck", mid="1"),
            chat.post("ana", "more slides from the night https://example.org/deck-2", mid="2"),
            chat.post("ana", "my d3 force layout slides https://example.org/d3-deck", mid="3"),
            chat.post("ben", "great slides, thanks", mid="4", minutes=5, thread="1"),
        ]
    )
    found = await rhizome.services.repos.communities.find(SLACK.platform, SLACK.external_id)
    assert found is not None
    ana = await rhizome.services.repos.members.by_external_id(found.id, "U-ana")
    assert ana is not None
    shown = await known_about(rhizome.services, found.id, ana)
    assert "slide" not in shown and "d3" in shown, shown
