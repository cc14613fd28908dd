"""History importers: Slack workspace exports and DiscordChatExporter JSON → neutral events.

Importers only read and translate; the core stores (idempotently, by natural keys: message ids
are Slack `ts` / Discord snowflakes, so re-importing adds nothing). An import is a sequence of
`ExportFile` units, one per file, each handed out only after the whole file was read and checked:
commit one unit per transaction and a broken file never leaves half its rows behind.

    report = ImportReport()
    with open_slack_export(path, community_label="DataVis") as export:
        print(export.total_files, export.total_bytes)        # for a progress bar
        for unit in export.units(report, keep_going=True):   # BrokenExportFile unless keep_going
            await rhizome.ingest_many(unit.events())

`iter_slack_export` / `iter_discord_export` flatten the same into one event stream.
"""

from __future__ import annotations

from bot.importers.common import (
    BrokenExportFile,
    ExportFile,
    ExportProblem,
    FileCounts,
    ImportReport,
)
from bot.importers.discord_export import DiscordExport, iter_discord_export, open_discord_export
from bot.importers.slack_export import SlackExport, iter_slack_export, open_slack_export

__all__ = [
    "BrokenExportFile",
    "DiscordExport",
    "ExportFile",
    "ExportProblem",
    "FileCounts",
    "ImportReport",
    "SlackExport",
    "iter_discord_export",
    "iter_slack_export",
    "open_discord_export",
    "open_slack_export",
]
