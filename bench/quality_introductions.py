"""What members say about themselves in introduction channels, against hand judgments
(`judgments/introductions.json`, RULES.md section 22).

For each judged message (julialang's `#introduction`, Komodo's `introductions`), the topics
the pipeline takes from it (`bot.interests.introductions.introduced` with the corpus's `introduction_topics`, as
derive and profiles run them)
are compared with the subjects the judge wrote from the raw message: a topic is right when it
matches a judged subject by the topics' own rule (`quality.matches`: the same words, one the
other plus words, or the same letters). Each dataset's document frequencies come from its
messages with links, as a community's come from its resources; Komodo's 2019 DiscordChatExporter CSV has no importer,
so both are read from the raw files here rather than through an import.

    python bench/quality_introductions.py [-v]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.interests.introductions import introduced  # noqa: E402
from bot.interests.pipeline import Corpus  # noqa: E402
from bot.interests.topics import TopicExtractor  # noqa: E402
from storage.interests import Posted  # noqa: E402

JUDGMENTS = ROOT / "bench" / "judgments" / "introductions.json"
DATASETS = ROOT.parent / "shared" / "datasets"
JULIA = "slack-export-julialang-derived"
KOMODO = "discord-dce-csv-komodo"


@dataclass
class Tally:
    messages: int = 0
    stating: int = 0  # messages the judge found subjects in
    covered: int = 0  # of those, with at least one right topic taken
    taken: int = 0
    right: int = 0
    silent_right: int = 0  # messages with no judged subject from which nothing was taken
    silent: int = 0
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"introductions (RULES.md section 22): {self.messages} judged messages; topics taken "
            f"right {self.right}/{self.taken} ({self.right / max(1, self.taken):.0%}); messages "
            f"stating subjects covered {self.covered}/{self.stating}; nothing taken from "
            f"{self.silent_right}/{self.silent} that state none"
        )


def julia_messages(root: Path) -> tuple[list[str], dict[tuple[str, str], str]]:
    """Every message text (for document frequencies) and the introductions by (user, ts)."""
    texts: list[str] = []
    intros: dict[tuple[str, str], str] = {}
    for path in sorted((root / JULIA).glob("*/*.json")):
        for msg in json.loads(path.read_text("utf-8")):
            text = msg.get("text") or ""
            texts.append(text)
            if path.parent.name == "introduction":
                intros[(msg.get("user", ""), msg.get("ts", ""))] = text
    return texts, intros


def komodo_messages(root: Path) -> tuple[list[str], dict[tuple[str, str], str]]:
    texts: list[str] = []
    intros: dict[tuple[str, str], str] = {}
    base = root / KOMODO / "before-2019-Dec-05" / "csv"
    for path in sorted(base.glob("*/*/*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter=";"):
                text = row.get("Content") or ""
                texts.append(text)
                if path.parent.name == "introductions":
                    intros[(row.get("AuthorID", ""), row.get("Date", ""))] = text
    return texts, intros


def measure(root: Path = DATASETS, verbose: bool = False, sample: str | None = None) -> Tally:
    """One sample's figures (None: the first, drawn before the code was written)."""
    from bench.quality import matches  # the topics' rule; `bench.quality` imports this module

    judged = json.loads(JUDGMENTS.read_text("utf-8"))
    tally = Tally()
    named = (
        (JULIA, julia_messages, "JuliaLang"),
        (KOMODO, komodo_messages, "Komodo Platform"),  # the server's name (SOURCE.md)
    )
    for dataset, read, community in named:
        rows = [j for j in judged if j["dataset"] == dataset and j.get("sample") == sample]
        if not rows or not (root / dataset).exists():
            continue
        texts, intros = read(root)
        extractor = TopicExtractor()
        # a community's document frequencies are its resources': the messages with links
        extractor.observe(t for t in texts if "http" in t)
        corpus = Corpus(extractor)
        at = datetime(2021, 1, 1, tzinfo=UTC)
        for n, j in enumerate(rows):
            text = intros[(j["member"], j["at"])]
            post = Posted(n, n, at, text, "introductions")
            found = introduced(
                [post], corpus.introduction_topics, corpus.community_wide(), community
            )
            topics = [t for t, _ in found[0].topics] if found else []
            subjects = j["subjects"]
            right = [t for t in topics if matches(t, subjects)]
            tally.messages += 1
            tally.taken += len(topics)
            tally.right += len(right)
            if subjects:
                tally.stating += 1
                tally.covered += bool(right)
            else:
                tally.silent += 1
                tally.silent_right += not topics
            if verbose:
                tally.lines.append(f"  {j['opening'][:50]!r}: {topics} <- {subjects}")
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    args = parser.parse_args()
    for sample in (None, "second", "third"):
        tally = measure(args.datasets, args.verbose, sample)
        print("\n".join(tally.lines))
        print(("" if sample is None else f"{sample} sample: ") + tally.summary())


if __name__ == "__main__":
    main()
