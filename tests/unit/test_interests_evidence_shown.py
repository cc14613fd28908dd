"""`bot.interests.service.most_convincing`: the evidence a who-knows line shows."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.interests.profiles import Evidence, EvidenceKind
from bot.interests.service import most_convincing

AT = datetime(2025, 3, 13, tzinfo=UTC)


def answer(text: str, question: str, thread: str, message: int) -> Evidence:
    return Evidence(
        kind=EvidenceKind.ANSWERED,
        topics=(),
        at=AT,
        resource_title=question,
        snippet=text,
        conversation=(1, thread),
        message_id=message,
    )


def share(title: str, resource: int) -> Evidence:
    return Evidence(
        kind=EvidenceKind.SHARED,
        topics=(),
        at=AT,
        resource_title=title,
        resource_url=f"https://docs.example/{resource}",
        resource_id=resource,
        conversation=(1, str(resource)),
        message_id=100 + resource,
    )


def test_one_answer_per_conversation_and_the_topic_named_first() -> None:
    question = "sync k8s CI/CD to infrahub"
    strongest = answer("…will automatically push them to K8s", question, "t1", 1)
    same_thread = answer("I hope this help, happy to have more brainstorming", question, "t1", 2)
    elsewhere = answer("Use the helm chart values for that", "Production setup?", "t2", 3)
    page = share("Deploying to Kubernetes", 7)
    shown = most_convincing([strongest, same_thread, elsewhere, page], ["k8s", "kubernetes"])
    assert shown == [strongest, page, elsewhere]


def test_nothing_naming_the_topic_keeps_the_strongest_first() -> None:
    first = answer("yes, that works", "does it?", "t1", 1)
    second = answer("try restarting it", "it hangs", "t2", 2)
    assert most_convincing([first, second], ["docker"]) == [first, second]
    assert most_convincing([first, second], ["docker"], limit=1) == [first]
