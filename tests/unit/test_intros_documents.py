"""What an intro says: the names as real mentions, the evidence behind it, and the follow-up."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands import build_registry
from bot.commands.parser import parse_text
from bot.commands.registry import MEMBER_GROUP
from bot.documents import Actions, Document, Mention, Paragraph
from bot.interests.profiles import Evidence, EvidenceKind, Profile, build_profile
from bot.intros.documents import (
    explanation_from_json,
    explanation_json,
    followup_document,
    intro_document,
)
from bot.intros.explain import explain_group
from bot.model import Member

NOW = datetime(2026, 11, 2, 10, tzinfo=UTC)
ANA = Member(1, 1, "U-ana", "Ana")
BEN = Member(2, 1, "U-ben", "Ben")
EVE = Member(3, 1, "U-eve", "Eve")
RUST = (("rust async", 1.0),)


def profiles() -> list[Profile]:
    ana = build_profile(
        1,
        [
            Evidence(
                EvidenceKind.SHARED,
                RUST,
                at=NOW,
                resource_title="Tokio tutorial",
                resource_url="https://tokio.rs/tokio/tutorial",
            )
        ],
        NOW,
    )
    ben = build_profile(
        2, [Evidence(EvidenceKind.REPLIED, RUST, at=NOW, snippet="how do I cancel tasks?")], NOW
    )
    eve = build_profile(3, [], NOW)
    return [ana, ben, eve]


def mentions(doc: Document) -> set[str | None]:
    return {
        s.external_id
        for b in doc.blocks
        if isinstance(b, Paragraph)
        for s in b.content
        if isinstance(s, Mention)
    }


def test_a_pair_intro_names_both_and_quotes_the_evidence() -> None:
    ana, ben, _ = profiles()
    explanation = explanation_from_json(explanation_json(explain_group([ana, ben])))
    doc = intro_document([ANA, BEN], explanation)
    text = doc.plain()
    assert text.startswith("An introduction from Rhizome\nHi @Ana and @Ben!")
    assert "@Ana shared 'Tokio tutorial'" in text
    assert "@Ben asked “how do I cancel tasks?”" in text
    assert "To start: Tokio tutorial <https://tokio.rs/tokio/tutorial> (shared by @Ana)" in text
    assert mentions(doc) == {"U-ana", "U-ben"}


def test_stored_explanations_read_back_the_same() -> None:
    ana, ben, _ = profiles()
    original = explain_group([ana, ben])
    again = explanation_from_json(explanation_json(original))
    names = {1: "Ana", 2: "Ben"}
    assert again.lines(names) == original.lines(names)
    assert again.starter == original.starter
    assert explanation_from_json("not json").reasons == ()


def test_a_trio_intro_says_who_shares_nothing_yet_and_invents_nothing() -> None:
    ana, ben, eve = profiles()
    doc = intro_document([ANA, BEN, EVE], explain_group([ana, ben, eve]))
    text = doc.plain()
    assert "Hi @Ana, @Ben and @Eve! Rhizome thinks the three of you should meet." in text
    assert "@Eve, I haven't seen you share these topics yet" in text
    assert "Eve shared" not in text and "Eve asked" not in text
    assert mentions(doc) == {"U-ana", "U-ben", "U-eve"}


def test_an_intro_without_shared_topics_says_so_plainly() -> None:
    _, _, eve = profiles()
    doc = intro_document([EVE, ANA], explain_group([eve, build_profile(1, [], NOW)]))
    assert "I haven't seen you share the same topics yet" in doc.plain()


def test_follow_up_buttons_are_commands_the_parser_accepts() -> None:
    from storage.intros import IntroMember

    doc = followup_document(42, [IntroMember(1, "U-ana", "Ana"), IntroMember(2, "U-ben", "Ben")])
    [actions] = [b for b in doc.blocks if isinstance(b, Actions)]
    registry = build_registry()
    answers = []
    for button in actions.buttons:
        group, _, text = button.command.partition(" ")
        assert group == MEMBER_GROUP
        spec, args = parse_text(registry, group, text)
        assert spec.name == "intros met"
        answers.append((args["intro"], args["answer"]))
    assert answers == [(42, "yes"), (42, "no")]
    assert "A week ago I introduced @Ana and @Ben. Did you meet?" in doc.plain()
