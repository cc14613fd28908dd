"""Document → Discord message parts, within every Discord limit."""

from __future__ import annotations

import re

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord.render import (
    MAX_BUTTON_LABEL,
    MAX_BUTTONS,
    MAX_CONTENT,
    MAX_CUSTOM_ID,
    MAX_DESCRIPTION,
    MAX_EMBEDS,
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    MAX_TITLE,
    MAX_TOTAL,
    Rendered,
    command_from_custom_id,
    custom_id_for,
    item_markdown,
    link,
    render,
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


def assert_within_limits(r: Rendered) -> None:
    assert len(r.content) <= MAX_CONTENT
    assert len(r.embeds) <= MAX_EMBEDS
    assert sum(len(e) for e in r.embeds) <= MAX_TOTAL
    for e in r.embeds:
        assert len(e.title or "") <= MAX_TITLE
        assert len(e.description or "") <= MAX_DESCRIPTION
        assert len(e.fields) <= MAX_FIELDS
        for f in e.fields:
            assert len((f.name or "").strip()) > 0 and len(f.name or "") <= MAX_FIELD_NAME
            assert len((f.value or "").strip()) > 0 and len(f.value or "") <= MAX_FIELD_VALUE
        e.to_dict()  # serialisable as discord.py would send it
    if r.view is not None:
        assert len(r.view.children) <= MAX_BUTTONS
        for child in r.view.children:
            assert isinstance(child, discord.ui.Button)
            assert len(child.label or "") <= MAX_BUTTON_LABEL
            assert child.custom_id is not None and len(child.custom_id) <= MAX_CUSTOM_ID
    assert r.content.strip() or r.embeds  # Discord refuses an empty message


def all_text(r: Rendered) -> str:
    parts = [r.content]
    for e in r.embeds:
        parts += [e.title or "", e.description or "", e.footer.text or ""]
        parts += [f"{f.name}\n{f.value}" for f in e.fields]
    return "\n".join(parts)


def test_short_text_reply_is_a_plain_message() -> None:
    r = render(Reply.text("Done. ", Link("https://example.org", "see")).document)
    assert r.content == "Done. [see](https://example.org)"
    assert r.embeds == [] and r.view is None


def test_long_paragraphs_go_into_embeds() -> None:
    r = render(Document((Paragraph(spans("x" * 2500)),)))
    assert r.content == ""
    assert len(r.embeds) == 1 and r.embeds[0].description == "x" * 2500
    assert_within_limits(r)


def test_title_is_cut_to_256() -> None:
    r = render(Document((Paragraph(spans("body")),), title="T" * 400))
    assert len(r.embeds[0].title or "") == MAX_TITLE
    assert (r.embeds[0].title or "").endswith("…")


def test_a_very_long_paragraph_is_cut_inside_one_description() -> None:
    r = render(Document((Paragraph(spans("y" * 10_000)),)))
    assert_within_limits(r)
    assert "…" in (r.embeds[0].description or "")


def test_long_list_is_cut_with_an_exact_more_count() -> None:
    items = tuple(
        Item(title=spans(f"Resource number {i} " + "w" * 80), url=f"https://e.org/{i}")
        for i in range(500)
    )
    r = render(Document((ItemList(items, title="Top", more=7),), title="Digest"))
    assert_within_limits(r)
    text = all_text(r)
    shown = len(re.findall(r"^\d+\. ", text, flags=re.M))
    m = re.search(r"… and (\d+) more", text)
    assert m is not None
    assert shown + int(m.group(1)) == 500 + 7
    assert shown > 10  # we used the room we had, several embeds' worth


def test_list_that_fits_shows_more_from_the_document() -> None:
    items = (Item(spans("one"), url="https://e.org/1"), Item(spans("two")))
    r = render(Document((ItemList(items, more=3),), title="T"))
    text = all_text(r)
    assert "1. [one](https://e.org/1)" in text and "2. two" in text
    assert "… and 3 more" in text


def test_item_details_follow_the_title() -> None:
    item = Item(
        spans("Paper"), url="https://e.org/p", details=(spans("shared by ", Mention("bo", "9")),)
    )
    r = render(Document((ItemList((item,)),), title="T"))
    assert "1. [Paper](https://e.org/p)\n   shared by <@9>" in all_text(r)


def test_fields_respect_per_embed_count_and_lengths() -> None:
    fields = tuple(Field(f"name {i} " + "n" * 300, spans("v" * 2000)) for i in range(60))
    r = render(Document((Fields(fields),), title="Stats"))
    assert_within_limits(r)
    assert sum(len(e.fields) for e in r.embeds) < 60
    assert "more" in all_text(r)


def test_many_small_fields_split_into_embeds_of_25() -> None:
    fields = tuple(Field(f"f{i}", spans(str(i))) for i in range(40))
    r = render(Document((Fields(fields),), title="Stats"))
    assert_within_limits(r)
    assert [len(e.fields) for e in r.embeds] == [25, 15]


def test_text_after_fields_opens_a_new_embed() -> None:
    doc = Document((Fields((Field("a", spans("1")),)), Paragraph(spans("after"))), title="T")
    r = render(doc)
    assert r.embeds[0].fields and r.embeds[0].description is None
    assert r.embeds[1].description == "after"


def test_headings_title_new_embeds() -> None:
    doc = Document(
        (Heading("One"), Paragraph(spans("a")), Heading("Two"), Paragraph(spans("b")), Divider())
    )
    r = render(doc)
    assert [e.title for e in r.embeds] == ["One", "Two"]
    assert r.embeds[1].description is not None and r.embeds[1].description.startswith("b")


def test_mentions_and_channels() -> None:
    doc = Document(
        (
            Paragraph(
                (
                    Mention("alice", "111"),
                    Text(" meets "),
                    Mention("b*b"),
                    Text(" in "),
                    ChannelRef("general", "222"),
                    Text(" or "),
                    ChannelRef("x"),
                )
            ),
        )
    )
    r = render(doc)
    assert r.content == r"<@111> meets @b\*b in <#222> or #x"


def test_mentions_in_content_for_posts() -> None:
    doc = Document(
        (Paragraph((Mention("a", "1"), Text(" and "), Mention("b", "2"), Mention("a", "1"))),),
        title="Intro",
    )
    r = render(doc, mentions_in_content=True)
    assert r.content == "<@1> <@2>"
    assert r.embeds and "<@1> and <@2>" in (r.embeds[0].description or "")
    assert render(doc).content == ""


def test_link_labels_and_urls_are_escaped() -> None:
    md = link("https://e.org/a_(b) c", "see [this] (now)")
    assert md == r"[see \[this\] (now)](https://e.org/a_%28b%29%20c)"
    # the label cannot close early: every ] inside it is escaped
    label = md[1 : md.index("](")]
    assert re.search(r"(?<!\\)\]", label) is None
    assert link("https://e.org") == "<https://e.org>"


def test_styles_and_code_spans() -> None:
    doc = Document(
        (
            Paragraph(
                (
                    Text("b", bold=True),
                    Text(" "),
                    Text("i", italic=True),
                    Text(" "),
                    Text("a`b", code=True),
                    Text(" _x_"),
                )
            ),
        )
    )
    assert render(doc).content == r"**b** *i* `aˋb` \_x\_"


def test_code_block_is_fenced_and_cut() -> None:
    doc = Document((Code("```evil```\n" + "z" * 9000, language="json"),), title="Export")
    r = render(doc)
    assert_within_limits(r)
    desc = r.embeds[0].description or ""
    assert desc.startswith("```json\n") and desc.endswith("\n```")
    assert desc.count("```") == 2  # the inner fence was defused


def test_buttons_encode_commands() -> None:
    doc = Document(
        (
            Paragraph(spans("Really forget you?")),
            Actions(
                (
                    Button("Yes, forget me", "rhizome privacy forget-me confirm", style="danger"),
                    Button("L" * 200, "rhizome  help"),
                    Button("too long", "rhizome search " + "q" * 200),
                )
            ),
        )
    )
    r = render(doc)
    assert r.content == "Really forget you?"
    assert r.view is not None
    children = [c for c in r.view.children if isinstance(c, discord.ui.Button)]
    assert [c.custom_id for c in children] == [
        "rz:rhizome privacy forget-me confirm",
        "rz:rhizome help",
    ]
    assert children[0].style is discord.ButtonStyle.danger
    assert len(children[1].label or "") == MAX_BUTTON_LABEL
    assert_within_limits(r)


def test_at_most_25_buttons() -> None:
    buttons = tuple(Button(f"b{i}", f"rhizome top {i}") for i in range(40))
    r = render(Document((Actions(buttons),)))
    assert r.view is not None and len(r.view.children) == 25
    assert r.content  # a message with only buttons still has content


def test_custom_id_round_trip() -> None:
    cid = custom_id_for(Button("x", "rhizome-admin digest preview"))
    assert cid is not None
    assert command_from_custom_id(cid) == ("rhizome-admin", "digest preview")
    assert command_from_custom_id("rz:/rhizome help") == ("rhizome", "help")
    assert command_from_custom_id("rz:evil stuff") is None
    assert command_from_custom_id("someone-elses-button") is None


def test_empty_document_still_sends_something() -> None:
    assert_within_limits(render(Document()))


# --- any document stays within the limits ----------------------------------------------------
_text = st.text(min_size=0, max_size=300)
_span = st.one_of(
    st.builds(Text, _text, st.booleans(), st.booleans(), st.booleans()),
    st.builds(Link, st.just("https://e.org/x)y"), st.none() | _text),
    st.builds(Mention, _text, st.none() | st.just("123")),
    st.builds(ChannelRef, _text, st.none() | st.just("456")),
)
_inline = st.lists(_span, max_size=6).map(tuple)
_item = st.builds(
    Item, _inline, st.none() | st.just("https://e.org/i"), st.lists(_inline, max_size=2).map(tuple)
)
_block = st.one_of(
    st.builds(Heading, st.text(max_size=400)),
    st.builds(Paragraph, _inline),
    st.builds(
        ItemList, st.lists(_item, max_size=80).map(tuple), st.none() | _text, st.integers(0, 500)
    ),
    st.builds(
        Fields, st.lists(st.builds(Field, st.text(max_size=300), _inline), max_size=40).map(tuple)
    ),
    st.builds(
        Actions, st.lists(st.builds(Button, _text, st.text(max_size=120)), max_size=30).map(tuple)
    ),
    st.just(Divider()),
    st.builds(Code, st.text(max_size=7000), st.none() | st.just("py")),
)
_doc = st.builds(
    Document, st.lists(_block, max_size=25).map(tuple), st.none() | st.text(max_size=400)
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_doc, st.booleans())
def test_any_document_renders_within_limits(doc: Document, mentions: bool) -> None:
    assert_within_limits(render(doc, mentions_in_content=mentions))


def test_a_newcomer_keeps_their_name_next_to_the_linked_title() -> None:
    """The digest's "First shares — welcome!" items: `@ana shared Title`, linked."""
    item = Item(
        title=(Mention("Ana", "42"), Text(" shared "), Text("The Tokio tutorial")),
        url="https://tokio.rs/tokio/tutorial",
    )
    line = item_markdown(1, item)
    assert line == "1. <@42> shared [The Tokio tutorial](https://tokio.rs/tokio/tutorial)"
    named = Item(title=(Mention("Ana"), Text(" shared "), Text("x")), url="https://x.example/")
    assert "Ana" in item_markdown(1, named)
