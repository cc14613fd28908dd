"""Run an import through the core, whole export files per transaction where they fit.

Every unit (file) was read and checked whole before its first event is stored, so a broken file
adds nothing. Small files (Slack day files hold a few dozen messages) are grouped, whole, into
batches of at most `bot.app.IMPORT_BATCH` events, one transaction each, so each transaction holds
complete files only — one commit per file would cost ~13 ms each on SQLite, 10× the time of the
rows themselves. A file with more events than a batch (a big DCE channel) goes alone and spans
several transactions; it was fully validated by a streaming pass before, so only a database
failure (or the file changing on disk) can interrupt it midway. One `bot.ingest.Pipeline` carries
the whole import: the next files are parsed and planned while the previous batch is written.

Re-running an import adds nothing: messages and reactions have natural keys (ts / snowflakes).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import text

from bot.importers.common import BrokenExportFile, ExportFile, ImportReport
from bot.importers.discord_export import open_discord_export
from bot.importers.slack_export import open_slack_export
from bot.importers.slackdump import is_slackdump, open_slackdump
from bot.ingest import batches
from bot.model import CommunityRef, IngestStats
from bot.profiling import mode_for
from bot.runtime import return_free_memory

# A low estimate of an export's bytes per message (the bench's generated Slack export has ~190,
# its DCE file ~700; real Slack and DCE exports 500-1,500), for `worth_deferring`.
EXPORT_BYTES_PER_MESSAGE = 1_000
# How long an import's derive waits for another process's pass (its lease lasts 2 minutes).
DERIVE_WAIT = timedelta(minutes=3)
DERIVE_RETRY_SECONDS = 0.5
# Below this many (estimated) messages an import keeps its indexes: the gain is a second or less.
DEFER_INDEXES_MIN_MESSAGES = 50_000

if TYPE_CHECKING:
    from bot.app import Rhizome
    from storage.db import Database

__all__ = [
    "ExportKind",
    "ImportSummary",
    "Progress",
    "derive_interests",
    "import_export",
    "summary_lines",
]

ExportKind = Literal["slack", "discord"]
# Called once the totals are known, after each commit, and after a broken file.
Progress = Callable[[ImportReport], None]


@dataclass(slots=True)
class ImportSummary:
    """What was read (`report`) and what the core stored (`stored`)."""

    kind: ExportKind
    path: str
    report: ImportReport = field(default_factory=ImportReport)
    stored: IngestStats = field(default_factory=IngestStats)
    communities: list[CommunityRef] = field(default_factory=list)
    files_committed: int = 0
    aborted: bool = False  # stopped at a broken file (without keep_going) or unusable export
    derive_seconds: float | None = None  # working out topics and expertise afterwards

    @property
    def ok(self) -> bool:
        return not self.report.errors


async def import_export(
    rhizome: Rhizome,
    kind: ExportKind,
    path: str | Path,
    *,
    community_label: str | None = None,
    include_private: bool = False,
    keep_going: bool = False,
    progress: Progress | None = None,
    batch_events: int | None = None,
    derive: bool = True,
    defer_indexes: bool | None = None,
) -> ImportSummary:
    """Import a Slack export (.zip or folder) or DiscordChatExporter JSON (file or folder).

    Never raises for a broken export: problems are in `summary.report.errors` (path, position,
    reason) and `summary.aborted` says whether the import stopped early. Files before a broken
    one are committed (re-running after a fix adds only what is missing). `community_label`
    names a Slack community (Discord exports carry their guild's name). With `derive`, the
    import ends by working out topics and who knows what, so the first command after it
    already answers from the imported history. `defer_indexes`: build the secondary indexes
    once at the end (`storage.bulk_indexes`; SQLite only); None decides by the export's size
    against the messages already stored (`worth_deferring`).
    """
    from bot.app import IMPORT_BATCH

    limit = batch_events or IMPORT_BATCH
    summary = ImportSummary(kind=kind, path=str(path))
    report = summary.report
    try:
        units, close = _open(kind, Path(path), community_label, include_private, report, keep_going)
    except BrokenExportFile as exc:
        report.errors.append(exc.problem)
        summary.aborted = True
        return summary

    db = rhizome.services.db
    deferred: list[str] = []
    try:
        if defer_indexes is None:
            defer_indexes = db.is_sqlite and worth_deferring(report.bytes_total, await _stored(db))
        if defer_indexes:
            deferred = await db.defer_indexes()
        await _import_units(rhizome, units, summary, limit, keep_going, progress)
    finally:
        close()
        if deferred:
            report.current_file = "building indexes"
            if progress is not None:
                progress(report)
            await db.restore_indexes()
    report.current_file = None
    if summary.stored.messages:
        # An import can change the data's shape at once: give the planner fresh statistics.
        await db.analyze(only_if_stale=True)
        # The batches' pages are not needed again: back to the system before the derive.
        await db.release_memory()
        return_free_memory()
    if derive and (summary.stored.messages or summary.stored.reactions):
        report.current_file = "working out topics and who knows what"
        if progress is not None:
            progress(report)
        started = time.perf_counter()
        await derive_interests(rhizome, summary.communities)
        summary.derive_seconds = time.perf_counter() - started
        report.current_file = None
    return summary


def worth_deferring(export_bytes: int, stored_messages: int) -> bool:
    """Whether an export is big enough, against what is stored, to build the secondary indexes
    after it rather than during it: rebuilding costs about a quarter of what maintaining them
    costs per new row (300k messages), but over every row, old ones included. The export's
    messages are estimated low (`EXPORT_BYTES_PER_MESSAGE`), so a re-import or a small export
    into a big database never pays for a rebuild."""
    expected = export_bytes // EXPORT_BYTES_PER_MESSAGE
    return expected >= max(DEFER_INDEXES_MIN_MESSAGES, stored_messages)


async def _stored(db: Database) -> int:
    """About how many messages are stored (the highest id: no scan; deletions only raise it)."""
    async with db.read() as conn:
        return int((await conn.execute(text("SELECT max(id) FROM messages"))).scalar() or 0)


async def _import_units(
    rhizome: Rhizome,
    units: Iterator[ExportFile],
    summary: ImportSummary,
    limit: int,
    keep_going: bool,
    progress: Progress | None,
) -> None:
    """Store the export's files, whole files per transaction, through one pipeline."""
    report = summary.report
    group: list[ExportFile] = []
    group_events = 0
    # Files whose batches are all handed to the pipeline, with their writes: counted as
    # committed once the next group's first write has started (so theirs have finished).
    pipeline = rhizome.pipeline()
    handed: tuple[list[ExportFile], list[asyncio.Task[IngestStats]]] | None = None

    def committed() -> None:
        nonlocal handed
        if handed is None:
            return
        files, tasks = handed
        handed = None
        for task in tasks:
            summary.stored.add(task.result())
        summary.files_committed += len(files)
        for f in files:
            if f.community not in summary.communities:
                summary.communities.append(f.community)
        if progress is not None:
            progress(report)

    async def commit() -> None:
        nonlocal group, group_events, handed
        if not group:
            return
        files, group, group_events = group, [], 0
        tasks: list[asyncio.Task[IngestStats]] = []
        try:
            async for batch in batches(chain.from_iterable(f.events() for f in files), limit):
                tasks.append(await pipeline.put(batch))
                committed()  # the writes before this one are done
        except BrokenExportFile as exc:
            # Only when a file changed on disk between its check and its second reading.
            await pipeline.abandon()
            committed()
            report.errors.append(exc.problem)
            report.files_broken += 1
            summary.aborted = not keep_going
            return
        handed = (files, tasks)

    try:
        if progress is not None:
            progress(report)
        errors_seen = 0
        while not summary.aborted:
            unit: ExportFile | None = None
            try:
                unit = next(units, None)
            except BrokenExportFile:
                summary.aborted = True
            if len(report.errors) > errors_seen:
                errors_seen = len(report.errors)
                if progress is not None:
                    progress(report)
            if summary.aborted or unit is None:
                break
            if group and group_events + unit.event_count > limit:
                await commit()
            group.append(unit)
            group_events += unit.event_count
            if group_events >= limit:
                await commit()
        await commit()  # the whole files read before a broken one
        await pipeline.wait()
        committed()
    except BaseException:
        await pipeline.abandon()
        raise


async def derive_interests(rhizome: Rhizome, communities: Iterable[CommunityRef]) -> None:
    """Bring topics, profiles and the vocabulary of these communities up to date after an
    import: planner statistics for the tables filled, and the memory it took handed back."""
    from bot.interests.service import service_for

    interests = service_for(rhizome.services)
    for ref in communities:
        community = await rhizome.services.repos.communities.find(ref.platform, ref.external_id)
        if community is None:
            continue
        # A bot beside the import may be in one of its passes (it holds the lease for it):
        # wait for it rather than end saying topics were worked out when nothing was.
        give_up = time.monotonic() + DERIVE_WAIT.total_seconds()
        while (await interests.refresh(community.id, sweep=False)).held:  # imports only add
            if time.monotonic() > give_up:
                break  # a crashed process's lease: its expiry lets the bot's loop finish
            await asyncio.sleep(DERIVE_RETRY_SECONDS)
    await rhizome.services.db.analyze_derived()
    await rhizome.services.db.release_memory()
    return_free_memory()


def _open(
    kind: ExportKind,
    path: Path,
    community_label: str | None,
    include_private: bool,
    report: ImportReport,
    keep_going: bool,
) -> tuple[Iterator[ExportFile], Callable[[], None]]:
    if kind == "slack" and is_slackdump(path):
        dump = open_slackdump(
            path, community_label=community_label, include_private=include_private
        )
        return dump.units(report, keep_going=keep_going), dump.close
    if kind == "slack":
        slack = open_slack_export(
            path, community_label=community_label, include_private=include_private
        )
        return slack.units(report, keep_going=keep_going), slack.close
    if kind == "discord":
        discord = open_discord_export(path, include_private=include_private)
        return discord.units(report, keep_going=keep_going), lambda: None
    raise ValueError(f"unknown export kind {kind!r}: expected 'slack' or 'discord'")


def summary_lines(summary: ImportSummary, profiling: str = "opt-out") -> list[str]:
    """A plain-text account of an import, for the CLI (one line each; errors last)."""
    report, stored = summary.report, summary.stored
    lines = [
        f"{summary.kind} export {summary.path}: "
        f"{summary.files_committed} of {report.files_total} files imported"
        + (" (stopped at a broken file)" if summary.aborted else ""),
        f"read {report.messages} messages ({report.replies} thread replies), "
        f"{report.reactions} reactions, {report.attachments} files; "
        f"{report.members} members, {report.channels} channels",
        f"stored {stored.messages} new messages, {stored.shares} shares, "
        f"{stored.reactions} reactions; {stored.duplicates} already known",
    ]
    if summary.derive_seconds is not None:
        lines.append(f"worked out topics and who knows what in {summary.derive_seconds:.1f} s")
    refs = [(f"{c.platform}:{c.external_id}", c) for c in summary.communities]
    lines.extend(f"community {ref} ({c.name})" for ref, c in refs)
    if summary.stored.messages and len(refs) == 1:
        ((ref, only),) = refs
        # `rhizome console` alone speaks in its own empty local community
        lines.append(f"try it: rhizome console --community {ref}, then /rhizome top 365")
        if mode_for(profiling, only.platform) == "opt-in":
            # else who-knows there answers "7 members know about it but not agreed to be named"
            lines.append(
                "members are named in who-knows, digests and introductions only once they "
                "say /rhizome privacy profiling on (`[privacy] profiling`, see README Privacy)"
            )
    skipped = dict(report.skipped)
    for reason, n in stored.skip_reasons.items():
        skipped[reason] = skipped.get(reason, 0) + n
    for reason, n in sorted(skipped.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"skipped {n} × {reason}")
    for reason, n in sorted(report.skipped_files.items()):
        lines.append(f"skipped {n} files: {reason}")
    lines.extend(f"warning: {w}" for w in report.warnings)
    lines.extend(f"error: {problem}" for problem in report.errors)
    return lines
