"""Structure and wording of the digest Document built from a DigestInput."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.digests.document import (
    TITLE_MAX,
    DigestOptions,
    build_digest,
    group_by_topic,
    percent_change,
    period_label,
    plan_digest,
    pulse_line,
    truncate,
)
from bot.digests.ranking import (
    Candidate,
    Connector,
    DigestInput,
    OpenQuestion,
    PeriodCounts,
    Ranked,
)
from bot.documents import (
    Document,
    Heading,
    ItemList,
    Link,
    Mention,
    Paragraph,
    plain_text,
)
from bot.titles import TitleSource

NOW = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
START = NOW - timedelta(days=7)


def cand(rid: int, **kw: Any) -> Candidate:
    """A candidate whose title says its topics (a heading must be borne out by titles)."""
    topics = kw.get("topics", ())
    base: dict[str, Any] = {
        "resource_id": rid,
        "url": f"https://blog.tokio.rs/r/{rid}",
        "title": " ".join(("Resource", str(rid), *topics[:1])) if topics else f"Resource {rid}",
        "sharer_id": f"U{rid}",
        "sharer_name": f"member{rid}",
        "channel_id": f"C{rid}",
        "channel_name": f"chan{rid}",
        "first_shared_at": NOW - timedelta(days=2),
        "last_activity_at": NOW - timedelta(days=1),
        "discussants": 2,
        "replies": 3,
        "reactions": 1,
    }
    base.update(kw)
    return Candidate(**base)


def digest_input(*candidates: Candidate, **kw: Any) -> DigestInput:
    base: dict[str, Any] = {
        "period_start": START,
        "period_end": NOW,
        "candidates": candidates,
        "counts": PeriodCounts(42, 30, 120),
        "previous_counts": PeriodCounts(37, 32, 100),
    }
    base.update(kw)
    return DigestInput(**base)


def headings(doc: Document) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, Heading)]


def lists(doc: Document) -> list[ItemList]:
    return [b for b in doc.blocks if isinstance(b, ItemList)]


def full(**kw: Any) -> DigestInput:
    question = OpenQuestion(
        "m1", "How do you test async code?", "U9", "quinn", "C1", "chan1", START, url="https://q/1"
    )
    return digest_input(
        cand(1, topics=("python",), discussants=5, thread_url="https://chat.example/thread/1"),
        cand(2, topics=("python",)),
        cand(3, topics=("design",), is_first_share_of_member=True),
        questions=(question,),
        connectors=(Connector("U7", "grace", 6, 2),),
        **kw,
    )


def test_sections_present_in_order() -> None:
    doc = build_digest(full(), NOW)
    assert doc is not None
    assert headings(doc) == ["Top resources", "Open questions", "Connectors"]
    first = doc.blocks[0]
    assert isinstance(first, Paragraph)
    assert plain_text(first.content) == (
        "42 resources shared (+14%), 30 members active (−6%), 120 discussions (+20%)"
    )
    assert doc.title == "Weekly digest · 23–30 Mar 2026"
    text = doc.plain()
    assert "How do you test async code?" in text
    assert "@grace" in text and "2 shares discussed by 6 members" in text
    assert "First shares — welcome!" in text


def test_item_shows_title_link_credit_discussion_and_thread() -> None:
    doc = build_digest(
        digest_input(cand(1, thread_url="https://chat.example/t/1")),
        NOW,
        DigestOptions(min_candidates=1),
    )
    assert doc is not None
    item = lists(doc)[0].items[0]
    assert plain_text(item.title) == "Resource 1"
    assert item.url == "https://blog.tokio.rs/r/1"
    credit, talk = item.details
    assert plain_text(credit) == "first shared by @member1 in #chan1"
    assert (
        plain_text(talk)
        == "4 discussions by 2 members · join the thread <https://chat.example/t/1>"
    )
    assert Link("https://chat.example/t/1", "join the thread") in talk


def test_item_without_thread_or_title() -> None:
    c = cand(
        1,
        title=None,
        url="https://www.example.org/a/b/",
        thread_url=None,
        discussants=0,
        replies=0,
        reactions=0,
    )
    doc = build_digest(digest_input(c), NOW, DigestOptions(min_candidates=1))
    assert doc is not None
    item = lists(doc)[0].items[0]
    assert plain_text(item.title) == "example.org/a/b"
    assert plain_text(item.details[1]) == "no discussion yet"


def test_long_titles_are_truncated_for_slack() -> None:
    long = "word " * 100
    doc = build_digest(digest_input(cand(1, title=long)), NOW, DigestOptions(min_candidates=1))
    assert doc is not None
    title = plain_text(lists(doc)[0].items[0].title)
    assert len(title) <= TITLE_MAX and title.endswith("…")
    assert truncate("a  b\n c", 10) == "a b c"


def test_grouped_by_topic_when_topics_are_known() -> None:
    doc = build_digest(full(), NOW)
    assert doc is not None
    resource_lists = lists(doc)[:2]
    # `design` is one item's topic alone: no heading of its own
    assert [lst.title for lst in resource_lists] == ["python", "More"]
    assert [plain_text(i.title) for i in resource_lists[0].items] == [
        "Resource 1 python",
        "Resource 2 python",
    ]


def test_no_headings_when_no_two_items_share_a_topic() -> None:
    # julialang: five links headed `migrating`, `image segmentation`, `prime`, `bring julia`,
    # `plutocon start`, one each
    doc = build_digest(
        digest_input(
            cand(1, topics=("migrating", "gpu")),
            cand(2, topics=("prime",)),
            cand(3, topics=("bring julia",)),
        ),
        NOW,
    )
    assert doc is not None
    assert [lst.title for lst in lists(doc)][:1] == [None]
    assert len(lists(doc)[0].items) == 3


def top(c: Candidate) -> Ranked:
    return Ranked(c, c.resource_id, 1.0, 1.0)


def test_a_heading_is_one_every_title_under_it_says() -> None:
    """Real rows of RULES.md §24: a topic from the talk around a link heads nothing."""
    wiki = cand(1, title="Links | Haskell", url="https://wiki.haskell.jp/Links", topics=("wiki",))
    book = cand(2, title="Haskell入門 関数型プログラミング言語の基礎と実践", topics=("wiki",))
    assert group_by_topic([top(wiki), top(book)]) == [(None, [top(wiki), top(book)])]
    # both titles say it, Japanese around a Latin word included
    lens = cand(3, title="Lensはgetter...", topics=("lens", "optics"))
    profunctor = cand(4, title="Profunctor Optics and Lenses", topics=("optics", "lens"))
    [(heading, _)] = group_by_topic([top(lens), top(profunctor)])
    assert heading == "lens"


def test_no_heading_from_a_sharing_sentence_or_a_kind_of_post() -> None:
    # the sharer's own words stand in for two screenshots' titles: they say nothing of either
    said = "Thanks, I ran the benchmark utility and got the attached results."
    shots = [
        cand(i, title=said, title_rank=TitleSource.SENTENCE, topics=("benchmark",)) for i in (1, 2)
    ]
    assert [h for h, _ in group_by_topic([top(c) for c in shots])] == [None]
    tweets = [cand(i, title=f"Tweet by @user{i}", topics=("tweet",)) for i in (3, 4)]
    assert [h for h, _ in group_by_topic([top(c) for c in tweets])] == [None]
    # an untitled link is read by its address, as the reader sees it
    bare = [
        cand(i, title=None, url=f"https://hackage.haskell.org/package/lens-{i}", topics=("lens",))
        for i in (5, 6)
    ]
    assert [h for h, _ in group_by_topic([top(c) for c in bare])] == ["lens"]


def test_single_untitled_list_when_no_topics() -> None:
    doc = build_digest(digest_input(cand(1), cand(2), cand(3)), NOW)
    assert doc is not None
    assert lists(doc)[0].title is None
    assert len(lists(doc)[0].items) == 3


def test_untopiced_items_go_last_under_more() -> None:
    doc = build_digest(
        digest_input(cand(1, discussants=9), cand(2, topics=("ml",)), cand(3, topics=("ml",))), NOW
    )
    assert doc is not None
    assert [lst.title for lst in lists(doc)] == ["ml", "More"]


def test_opted_out_members_are_never_named() -> None:
    hidden = cand(1, sharer_name="secret-sam", sharer_opted_out=True, is_first_share_of_member=True)
    q = OpenQuestion(
        "m", "Anyone?", "U1", "secret-sam", "C1", "chan1", START, author_opted_out=True
    )
    inp = digest_input(
        hidden,
        cand(2),
        cand(3),
        questions=(q,),
        connectors=(Connector("U1", "secret-sam", 50, 9, opted_out=True),),
    )
    doc = build_digest(inp, NOW)
    assert doc is not None
    text = doc.plain()
    assert "secret-sam" not in text
    assert "first shared by a member in #chan1" in text
    assert "asked by a member in #chan1" in text
    assert "their first share" not in text  # would single the member out
    mentions = [
        s
        for lst in lists(doc)
        for it in lst.items
        for part in (it.title, *it.details)
        for s in part
        if isinstance(s, Mention)
    ]
    assert all(m.name != "secret-sam" for m in mentions)


def test_silenced_and_private_items_and_questions_do_not_appear() -> None:
    qs = (
        OpenQuestion("m1", "Silenced question?", "U1", "a", "C1", "c", START, silenced=True),
        OpenQuestion("m2", "Private question?", "U1", "a", "C1", "c", START, channel_private=True),
        OpenQuestion("m3", "Fine question?", "U1", "a", "C1", "c", START),
    )
    inp = digest_input(
        cand(1, title="Hush", silenced=True),
        cand(2, title="Backroom", channel_private=True),
        cand(3),
        cand(4),
        cand(5),
        questions=qs,
    )
    doc = build_digest(inp, NOW)
    assert doc is not None
    text = doc.plain()
    assert "Hush" not in text and "Backroom" not in text
    assert "Silenced question?" not in text and "Private question?" not in text
    assert "Fine question?" in text
    private_target = build_digest(replace_input(inp, is_public=False), NOW)
    assert private_target is not None
    assert "Backroom" in private_target.plain() and "Hush" not in private_target.plain()


def replace_input(inp: DigestInput, **kw: Any) -> DigestInput:
    from dataclasses import replace

    return replace(inp, **kw)


def test_mentions_ping_only_when_enabled() -> None:
    inp = digest_input(cand(1), cand(2), cand(3))
    quiet = build_digest(inp, NOW)
    loud = build_digest(inp, NOW, DigestOptions(mention_members=True))
    assert quiet is not None and loud is not None
    assert Mention("member1", None) in lists(quiet)[0].items[0].details[0]
    assert any(Mention("member1", "U1") in it.details[0] for it in lists(loud)[0].items)


def test_quiet_week_yields_a_short_note() -> None:
    plan = plan_digest(digest_input(cand(1), cand(2, silenced=True)), NOW, DigestOptions())
    assert plan.quiet and plan.eligible_count == 1
    assert plan.document is not None
    assert headings(plan.document) == []
    first = plan.document.blocks[0]
    assert isinstance(first, Paragraph)
    assert plain_text(first.content).startswith("A quiet week. Only 1 resource made it in")
    assert [r.candidate.resource_id for r in plan.featured] == [1]
    empty = build_digest(digest_input(), NOW)
    assert empty is not None and "Nothing new was shared" in empty.plain()


def test_quiet_week_yields_none_when_configured_to_skip() -> None:
    plan = plan_digest(digest_input(cand(1)), NOW, DigestOptions(quiet_week="skip"))
    assert plan.document is None and plan.featured == () and plan.quiet
    assert (
        build_digest(
            digest_input(cand(1), cand(2), cand(3)),
            NOW,
            DigestOptions(quiet_week="skip", min_candidates=3),
        )
        is not None
    )


def test_plan_reports_featured_items_with_engagement() -> None:
    plan = plan_digest(full(), NOW, DigestOptions(size=2))
    assert len(plan.featured) == 2
    assert all(r.engagement >= 1 for r in plan.featured)
    assert not plan.quiet


def test_open_questions_are_capped_and_oldest_first() -> None:
    qs = tuple(
        OpenQuestion(f"m{i}", f"Question {i}?", "U1", "a", "C1", "c", START + timedelta(hours=i))
        for i in (3, 1, 2, 4, 5)
    )
    doc = build_digest(digest_input(cand(1), cand(2), cand(3), questions=qs), NOW)
    assert doc is not None
    qlist = lists(doc)[-1]
    assert [plain_text(i.title) for i in qlist.items] == [
        "Question 1?",
        "Question 2?",
        "Question 3?",
    ]
    assert qlist.more == 2


def test_connectors_sorted_and_capped() -> None:
    cons = (
        Connector("U1", "ana", 3, 1),
        Connector("U2", "bo", 9, 4),
        Connector("U3", "cy", 5, 2),
        Connector("U4", "di", 4, 1),
        Connector("U5", "ed", 0, 3),
    )
    doc = build_digest(digest_input(cand(1), cand(2), cand(3), connectors=cons), NOW)
    assert doc is not None
    clist = next(lst for lst in lists(doc) if lst.title == "Shares that got people talking")
    assert [plain_text(i.title) for i in clist.items] == ["@bo", "@cy", "@di"]


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (112, 100, "+12%"),
        (95, 100, "−5%"),
        (100, 100, "±0%"),
        (1001, 1000, "±0%"),
        (0, 0, "±0%"),
        (7, 0, "up from 0"),
        (0, 4, "−100%"),
        (3, 2, "+50%"),
        (1, 8, "−88%"),  # −87.5 rounds half away from zero
    ],
)
def test_percent_change(current: int, previous: int, expected: str) -> None:
    assert percent_change(current, previous) == expected


def test_pulse_line_with_and_without_previous_period() -> None:
    assert pulse_line(PeriodCounts(1, 1, 1)) == "1 resource shared, 1 member active, 1 discussion"
    assert pulse_line(PeriodCounts(42, 30, 120), PeriodCounts(0, 30, 100)) == (
        "42 resources shared (up from 0), 30 members active (±0%), 120 discussions (+20%)"
    )
    # the first week anything happened: nothing to compare with
    assert pulse_line(PeriodCounts(19, 10, 45), PeriodCounts(0, 0, 0)) == (
        "19 resources shared, 10 members active, 45 discussions"
    )


def test_period_label() -> None:
    assert period_label(datetime(2026, 3, 23), datetime(2026, 3, 30)) == "23–29 Mar 2026"
    assert period_label(datetime(2026, 3, 30), datetime(2026, 4, 6)) == "30 Mar – 5 Apr 2026"
    assert period_label(datetime(2026, 12, 28), datetime(2027, 1, 4)) == (
        "28 Dec 2026 – 3 Jan 2027"
    )


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        DigestOptions(size=0)


def test_every_item_stays_short_even_with_huge_input() -> None:
    huge = "x" * 5000
    inp = digest_input(
        *(
            cand(
                i, title=huge, sharer_name=huge, channel_name=huge, thread_url="https://t/" + str(i)
            )
            for i in range(1, 11)
        ),
        questions=(OpenQuestion("m", huge + "?", "U1", huge, "C1", huge, START),),
        connectors=(Connector("U1", huge, 3, 1),),
    )
    doc = build_digest(inp, NOW, DigestOptions(size=10))
    assert doc is not None
    items = [it for lst in lists(doc) for it in lst.items]
    assert len(items) >= 12
    for it in items:
        assert len(plain_text(it.title)) + sum(len(plain_text(d)) for d in it.details) < 600


def test_a_reaction_gif_is_no_first_share_to_welcome() -> None:
    # julialang: "First shares — welcome!" named a newcomer for a tumblr `.gifv`
    gif = cand(
        1,
        url="https://64.media.tumblr.com/tumblr_md6l63K8uZ1rocxzqo3_250.gifv",
        is_first_share_of_member=True,
    )
    page = cand(2, is_first_share_of_member=True)
    doc = build_digest(digest_input(gif, page, cand(3)), NOW)
    assert doc is not None
    welcome = next(lst for lst in lists(doc) if lst.title == "First shares — welcome!")
    assert [plain_text(i.title) for i in welcome.items] == ["@member2 shared Resource 2"]
