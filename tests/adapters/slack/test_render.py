"""Document → Block Kit: every Slack limit and the escaping rules."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack.render import (
    MAX_ACTIONS,
    MAX_BLOCKS,
    MAX_BUTTON_LABEL,
    MAX_FIELDS,
    MAX_HEADER_TEXT,
    MAX_HOME_BLOCKS,
    MAX_SECTION_TEXT,
    escape,
    fallback_text,
    inline_mrkdwn,
    render_blocks,
    render_document,
    render_home,
    render_reply,
)
from bot.documents import (
    Actions,
    Button,
    ChannelRef,
    Code,
    Divider,
    Document,
    Field,
    Fields,
    Heading,
    Item,
    ItemList,
    Link,
    Mention,
    Paragraph,
    Reply,
    Text,
    spans,
)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for b in blocks:
        if "text" in b:
            out.append(b["text"]["text"])
        for f in b.get("fields", []):
            out.append(f["text"])
        for e in b.get("elements", []):
            if e.get("type") == "mrkdwn":
                out.append(e["text"])
    return out


def assert_within_limits(blocks: list[dict[str, Any]], max_blocks: int = MAX_BLOCKS) -> None:
    assert 1 <= len(blocks) <= max_blocks
    action_ids: list[str] = []
    for b in blocks:
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= MAX_HEADER_TEXT
            assert b["text"]["type"] == "plain_text"
        elif b["type"] == "section":
            if "text" in b:
                assert 1 <= len(b["text"]["text"]) <= MAX_SECTION_TEXT
            assert len(b.get("fields", [])) <= MAX_FIELDS
            for f in b.get("fields", []):
                assert len(f["text"]) <= 2000
        elif b["type"] == "actions":
            assert 1 <= len(b["elements"]) <= MAX_ACTIONS
            for e in b["elements"]:
                assert len(e["text"]["text"]) <= MAX_BUTTON_LABEL
                assert len(e["value"]) <= 2000
                action_ids.append(e["action_id"])
        elif b["type"] == "context":
            assert 1 <= len(b["elements"]) <= 10
    assert len(action_ids) == len(set(action_ids)), "action_id must be unique in a message"


# --- spans and escaping ---------------------------------------------------------------------
def test_text_is_escaped() -> None:
    assert escape("a & <b> c") == "a &amp; &lt;b&gt; c"
    assert inline_mrkdwn(spans("x < y & z > w")) == "x &lt; y &amp; z &gt; w"


def test_links_and_labels() -> None:
    assert inline_mrkdwn([Link("https://e.org/?a=1&b=2", "A | B > C & D")]) == (
        "<https://e.org/?a=1&amp;b=2|A B C &amp; D>"
    )
    assert inline_mrkdwn([Link("https://e.org/x")]) == "<https://e.org/x>"
    assert inline_mrkdwn([Link("https://e.org/x", "https://e.org/x")]) == "<https://e.org/x>"
    # characters that would end the markup inside the URL are percent-encoded
    assert inline_mrkdwn([Link("https://e.org/a|b>c")]) == "<https://e.org/a%7Cb%3Ec>"


def test_mentions_and_channels() -> None:
    assert inline_mrkdwn([Mention("ada", "U123")]) == "<@U123>"
    assert inline_mrkdwn([Mention("a<b>")]) == "@a&lt;b&gt;"
    assert inline_mrkdwn([ChannelRef("general", "C1")]) == "<#C1>"
    assert inline_mrkdwn([ChannelRef("general")]) == "#general"


def test_styles_keep_whitespace_outside_markers() -> None:
    out = inline_mrkdwn([Text("see "), Text(" bold ", bold=True), Text("it", italic=True)])
    assert out == "see  *bold* _it_"
    assert inline_mrkdwn([Text("a`b", code=True)]) == "`a'b`"


# --- block mapping ----------------------------------------------------------------------------
def test_basic_document() -> None:
    doc = Document(
        blocks=(
            Heading("Top resources"),
            Paragraph(spans("Shared by ", Mention("ada", "U1"), " in ", ChannelRef("gen", "C1"))),
            Divider(),
            ItemList(
                items=(
                    Item(
                        title=spans("A paper"),
                        url="https://p.example/1",
                        details=(spans("3 replies"),),
                    ),
                    Item(title=(Link("https://q.example/", "Q"),)),
                ),
                title="This week",
                more=4,
            ),
            Fields((Field("Members", spans("12")), Field("Links", spans("40")))),
            Actions(
                (
                    Button("Show more", "rhizome top 20", "primary"),
                    Button("Forget me", "rhizome privacy forget-me", "danger"),
                )
            ),
        ),
        title="Digest",
    )
    msg = render_document(doc)
    blocks = msg.blocks
    assert_within_limits(blocks)
    assert [b["type"] for b in blocks] == [
        "header",
        "header",
        "section",
        "divider",
        "section",
        "section",
        "section",
        "context",
        "section",
        "actions",
    ]
    assert blocks[2]["text"]["text"] == "Shared by <@U1> in <#C1>"
    assert blocks[4]["text"]["text"] == "*This week*"
    assert blocks[5]["text"]["text"] == "1. *<https://p.example/1|A paper>*\n3 replies"
    assert blocks[6]["text"]["text"] == "2. *<https://q.example/|Q>*"
    assert blocks[7]["elements"][0]["text"] == "… and 4 more"
    assert blocks[8]["fields"][0]["text"] == "*Members*\n12"
    buttons = blocks[9]["elements"]
    assert [b["action_id"] for b in buttons] == ["rhizome_cmd_1", "rhizome_cmd_2"]
    assert [b["value"] for b in buttons] == ["rhizome top 20", "rhizome privacy forget-me"]
    assert [b.get("style") for b in buttons] == ["primary", "danger"]
    assert "Digest" in msg.text and "A paper" in msg.text


def test_default_button_style_is_omitted() -> None:
    [block] = render_blocks(Document((Actions((Button("Go", "rhizome help"),)),)))
    assert "style" not in block["elements"][0]


# --- limits -------------------------------------------------------------------------------------
def test_header_text_limit() -> None:
    [block] = render_blocks(Document((Heading("x" * 500),)))
    assert len(block["text"]["text"]) == MAX_HEADER_TEXT
    assert block["text"]["text"].endswith("…")


def test_long_paragraph_is_split_not_lost() -> None:
    words = [f"w{i:05d}" for i in range(2000)]  # ~14 000 characters
    blocks = render_blocks(Document((Paragraph(spans(" ".join(words))),)))
    assert_within_limits(blocks)
    assert len(blocks) >= 5
    joined = "".join(texts(blocks))
    assert joined.split() == words


def test_escaping_never_pushes_a_section_over_the_limit() -> None:
    blocks = render_blocks(Document((Paragraph(spans("&" * 5000)),)))
    assert_within_limits(blocks)
    assert "".join(texts(blocks)) == "&amp;" * 5000


def test_block_limit_with_overflow_notice() -> None:
    items = tuple(Item(title=spans(f"item {i}"), url=f"https://e.org/{i}") for i in range(80))
    blocks = render_blocks(Document((Heading("List"), ItemList(items=items, more=7))))
    assert_within_limits(blocks)
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["type"] == "context"
    shown = sum(1 for b in blocks if b["type"] == "section")
    # 80 items, `shown` of them visible; the rest plus the 7 the core already left out
    assert blocks[-1]["elements"][0]["text"] == f"… and {80 - shown + 7} more"


def test_home_view_allows_100_blocks() -> None:
    items = tuple(Item(title=spans(f"item {i}")) for i in range(150))
    view = render_home(Document((ItemList(items=items),)))
    assert view["type"] == "home"
    assert_within_limits(view["blocks"], MAX_HOME_BLOCKS)
    assert len(view["blocks"]) == MAX_HOME_BLOCKS


def test_buttons_split_into_actions_blocks_of_25() -> None:
    buttons = tuple(Button(f"b{i}" * 40, f"rhizome topic {i}") for i in range(60))
    blocks = render_blocks(Document((Actions(buttons),)))
    assert_within_limits(blocks)
    assert [len(b["elements"]) for b in blocks] == [25, 25, 10]
    labels = [e["text"]["text"] for b in blocks for e in b["elements"]]
    assert all(len(label) <= MAX_BUTTON_LABEL for label in labels)
    assert blocks[2]["elements"][-1]["action_id"] == "rhizome_cmd_60"


def test_fields_split_by_ten() -> None:
    fields = tuple(Field(f"f{i}", spans("v" * 3000)) for i in range(23))
    blocks = render_blocks(Document((Fields(fields),)))
    assert_within_limits(blocks)
    assert [len(b["fields"]) for b in blocks] == [10, 10, 3]


def test_code_blocks_are_fenced_and_chunked() -> None:
    text = "\n".join(f'{{"line": {i}, "x": "<&>"}}' for i in range(400))
    blocks = render_blocks(Document((Code(text, filename="export.json"),)))
    assert_within_limits(blocks)
    assert blocks[0]["type"] == "context" and "export.json" in blocks[0]["elements"][0]["text"]
    for b in blocks[1:]:
        body = b["text"]["text"]
        assert body.startswith("```") and body.endswith("```")
    assert "&lt;&amp;&gt;" in blocks[1]["text"]["text"]


def test_reply_files_become_code() -> None:
    reply = Reply(Document((Paragraph(spans("Your data")),)), files=(("me.json", '{"a": 1}'),))
    msg = render_reply(reply)
    assert any("me.json" in t for t in texts(msg.blocks))
    assert any('{"a": 1}' in t for t in texts(msg.blocks))


def test_reply_files_already_previewed_are_not_repeated() -> None:
    doc = Document((Code('{"a"', filename="me.json"),))
    msg = render_reply(Reply(doc, files=(("me.json", '{"a": 1, "b": 2}'),)))
    assert not any('"b": 2' in t for t in texts(msg.blocks))
    assert sum("me.json" in t for t in texts(msg.blocks)) == 1


def test_fallback_text_is_bounded_and_never_empty() -> None:
    assert fallback_text(Document()) == " "
    long = Document((Paragraph(spans("y" * 10_000)),))
    assert len(fallback_text(long)) <= 3000


def test_empty_and_whitespace_paragraphs_make_no_empty_sections() -> None:
    blocks = render_blocks(Document((Paragraph(spans("   ")), Paragraph(()), Heading("h"))))
    assert blocks == [
        {"type": "header", "text": {"type": "plain_text", "text": "h", "emoji": True}}
    ]


# --- property: arbitrary documents stay within limits --------------------------------------------
text_st = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
span_st = st.one_of(
    st.builds(Text, text_st, st.booleans(), st.booleans(), st.booleans()),
    st.builds(Link, st.text(min_size=1, max_size=200), st.none() | text_st),
    st.builds(Mention, text_st, st.none() | st.from_regex(r"U[A-Z0-9]{8}", fullmatch=True)),
    st.builds(ChannelRef, text_st, st.none() | st.from_regex(r"C[A-Z0-9]{8}", fullmatch=True)),
)
inline_st = st.lists(span_st, max_size=8).map(tuple)
block_st = st.one_of(
    st.builds(Heading, text_st),
    st.builds(Paragraph, inline_st),
    st.builds(
        ItemList,
        st.lists(
            st.builds(
                Item,
                inline_st,
                st.none() | st.just("https://e.org/x"),
                st.lists(inline_st, max_size=3).map(tuple),
            ),
            max_size=30,
        ).map(tuple),
        st.none() | text_st,
        st.integers(0, 50),
    ),
    st.builds(Fields, st.lists(st.builds(Field, text_st, inline_st), max_size=15).map(tuple)),
    st.builds(Actions, st.lists(st.builds(Button, text_st, text_st), max_size=30).map(tuple)),
    st.just(Divider()),
    st.builds(Code, st.text(max_size=5000)),
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.lists(block_st, max_size=25), st.none() | text_st)
def test_any_document_renders_within_limits(blocks: list[Any], title: str | None) -> None:
    doc = Document(tuple(blocks), title=title)
    rendered = render_blocks(doc)
    if rendered:
        assert_within_limits(rendered)
    assert 1 <= len(fallback_text(doc)) <= 3000
