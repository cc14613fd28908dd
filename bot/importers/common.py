"""What every history importer shares: the report, the broken-file error, import units, sources.

An import is a sequence of `ExportFile` units, one per file of the export. A unit is only
handed out once its whole file has been read and checked, so a caller that commits one unit
per transaction never writes half of a broken file.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

from bot.model import CommunityRef, InboundEvent

__all__ = [
    "BrokenExportFile",
    "ExportFile",
    "ExportProblem",
    "ExportSource",
    "FileCounts",
    "ImportReport",
    "decode_utf8",
    "events_of",
    "guarded_units",
    "load_json",
    "parse_iso_timestamp",
    "slack_ts_to_datetime",
    "slug",
]


@dataclass(frozen=True, slots=True)
class ExportProblem:
    """Where a file of an export is broken, said so that a person can find and fix it."""

    path: str
    position: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.position}" if self.position else self.path
        return f"{where}: {self.reason}"


class BrokenExportFile(Exception):
    """A file of an export cannot be read (bad JSON, wrong shape, bad value, not UTF-8).

    Nothing from the file has been produced when this is raised.
    """

    def __init__(self, path: str, position: str | None, reason: str) -> None:
        super().__init__(path, position, reason)
        self.path = path
        self.position = position
        self.reason = reason

    @property
    def problem(self) -> ExportProblem:
        return ExportProblem(self.path, self.position, self.reason)

    def __str__(self) -> str:
        return str(self.problem)


def _bump(counter: dict[str, int], reason: str, n: int) -> None:
    counter[reason] = counter.get(reason, 0) + n


@dataclass(slots=True)
class FileCounts:
    """What one file held: counted while it is parsed, added to the report once it is whole."""

    messages: int = 0  # MessagePosted events produced
    replies: int = 0  # of which thread replies
    reactions: int = 0  # ReactionAdded events produced
    edited: int = 0  # messages that had been edited (imported with their current text)
    attachments: int = 0  # files attached to produced messages
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, n: int = 1) -> None:
        _bump(self.skipped, reason, n)


@dataclass(slots=True)
class ImportReport:
    """Counts and problems of one import; the CLI prints it, the progress bar reads it.

    `files_total`/`bytes_total` are known before the first unit is read; `files_done` and
    `bytes_done` grow as units are handed out (broken files count towards `bytes_done` too, so a
    progress bar reaches its end).
    """

    files_total: int = 0
    bytes_total: int = 0
    files_done: int = 0
    bytes_done: int = 0
    files_broken: int = 0
    messages: int = 0
    replies: int = 0
    reactions: int = 0
    edited: int = 0
    attachments: int = 0
    members: int = 0
    channels: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_files: dict[str, int] = field(default_factory=dict)
    errors: list[ExportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    current_file: str | None = None  # the file being read, for a progress display

    def skip(self, reason: str, n: int = 1) -> None:
        _bump(self.skipped, reason, n)

    def skip_file(self, reason: str, n: int = 1) -> None:
        _bump(self.skipped_files, reason, n)

    def add(self, counts: FileCounts) -> None:
        self.messages += counts.messages
        self.replies += counts.replies
        self.reactions += counts.reactions
        self.edited += counts.edited
        self.attachments += counts.attachments
        for reason, n in counts.skipped.items():
            _bump(self.skipped, reason, n)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


@dataclass(frozen=True, slots=True)
class ExportFile:
    """One file of an export, read and checked whole: commit its events in one transaction.

    `events()` may be called more than once; each call yields the same events in the same order
    (chronological within the file). For small files they are held in memory; huge files are
    streamed again from disk (and were fully validated by a first streaming pass).
    """

    path: str
    size: int
    community: CommunityRef
    channel_id: str
    counts: FileCounts
    replay: Callable[[], Iterator[InboundEvent]]

    def events(self) -> Iterator[InboundEvent]:
        return self.replay()

    @property
    def event_count(self) -> int:
        """How many events `events()` yields (importers emit only posts and reactions)."""
        return self.counts.messages + self.counts.reactions


# A candidate unit: its display path, its size, and how to read it (None: skipped whole file).
UnitLoader = tuple[str, int, Callable[[], ExportFile | None]]


def guarded_units(
    candidates: Iterable[UnitLoader], report: ImportReport, *, keep_going: bool
) -> Iterator[ExportFile]:
    """Read candidates in order; record broken ones, and stop at the first unless `keep_going`."""
    for path, size, load in candidates:
        report.current_file = path
        try:
            unit = load()
        except BrokenExportFile as exc:
            report.errors.append(exc.problem)
            report.files_broken += 1
            report.bytes_done += size
            if not keep_going:
                raise
            continue
        report.bytes_done += size
        if unit is None:
            continue
        report.files_done += 1
        report.add(unit.counts)
        yield unit


def events_of(units: Iterable[ExportFile]) -> Iterator[InboundEvent]:
    """Flatten units into one event stream (for callers that do not need per-file commits)."""
    for unit in units:
        yield from unit.events()


# --- decoding ------------------------------------------------------------------------------


def decode_utf8(data: bytes, path: str) -> str:
    """Strict UTF-8 (a leading BOM is tolerated), with the byte offset of the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = ""
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 1 and b"\x00" in data[:4]):
            hint = " (looks like UTF-16; save the file as UTF-8)"
        raise BrokenExportFile(path, f"byte {exc.start}", f"invalid UTF-8{hint}") from None


def load_json(data: bytes, path: str) -> object:
    """Parse a whole (small) JSON file; errors name the line and column."""
    text = decode_utf8(data, path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BrokenExportFile(
            path, f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise BrokenExportFile(path, None, "invalid JSON: nested too deeply") from None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SLACK_TS = re.compile(r"(\d{1,11})(?:\.(\d{1,6}))?\Z")


def slack_ts_to_datetime(ts: str) -> datetime | None:
    """Slack "seconds.micros" → aware UTC datetime, exactly (no float rounding); None if malformed."""
    match = _SLACK_TS.match(ts)
    if match is None:
        return None
    seconds, fraction = match.groups()
    micros = int(fraction.ljust(6, "0")) if fraction else 0
    try:
        return _EPOCH + timedelta(seconds=int(seconds), microseconds=micros)
    except OverflowError:
        return None


def parse_iso_timestamp(value: str) -> datetime | None:
    """ISO-8601 with offset (DiscordChatExporter) → aware UTC datetime; None if malformed/naive."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A stable lowercase id fragment for names ("Houston DataVis!" → "houston-datavis")."""
    return _SLUG.sub("-", text.lower()).strip("-") or "export"


# --- where the files come from -------------------------------------------------------------


MIB = 1 << 20
# One export file read whole (a Slack channel-day) must fit in the import's memory budget:
# parsed, JSON takes several times its size in Python objects.
MAX_FILE_BYTES = 32 * MIB
# Chat JSON compresses about 5-20 times; a bomb, thousands.
MAX_RATIO = 200


class ExportSource:
    """A folder or a .zip, seen as relative POSIX paths with sizes; rooted where the export is.

    Zips often wrap the export in one top-level folder; `root_marker` finds the real root.
    """

    def __init__(self, path: Path, *, root_marker: str | None = None) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise BrokenExportFile(str(path), None, f"not a readable .zip: {exc}") from None
            self._sizes = {i.filename: i.file_size for i in self._zip.infolist() if not i.is_dir()}
            if root_marker is not None:
                roots = sorted(
                    (n for n in self._sizes if PurePosixPath(n).name == root_marker),
                    key=lambda n: (n.count("/"), n),
                )
                if roots:
                    parent = str(PurePosixPath(roots[0]).parent)
                    self._prefix = "" if parent == "." else parent + "/"
        elif path.is_dir():
            if root_marker is not None and not (path / root_marker).is_file():
                inner = [p for p in path.iterdir() if (p / root_marker).is_file()]
                if len(inner) == 1:
                    self.path = inner[0]
        else:
            raise BrokenExportFile(str(path), None, "no such file or folder")

    @property
    def is_zip(self) -> bool:
        return self._zip is not None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def display(self, rel: str) -> str:
        """The path shown to a person: a real path, or `export.zip!folder/file.json`."""
        if self._zip is not None:
            return f"{self.path}!{self._prefix}{rel}"
        return str(self.path / rel)

    def exists(self, rel: str) -> bool:
        if self._zip is not None:
            return self._prefix + rel in self._sizes
        return (self.path / rel).is_file()

    def files(self, folder: str = "", suffix: str = ".json") -> list[tuple[str, int]]:
        """Files directly inside `folder` ending in `suffix`, sorted by name, with sizes."""
        found: list[tuple[str, int]] = []
        if self._zip is not None:
            base = self._prefix + (folder + "/" if folder else "")
            for name, size in self._sizes.items():
                if name.startswith(base) and name.endswith(suffix):
                    rest = name[len(base) :]
                    if "/" not in rest and rest:
                        found.append(((folder + "/" if folder else "") + rest, size))
        else:
            directory = self.path / folder if folder else self.path
            if directory.is_dir():
                with os.scandir(directory) as entries:
                    for entry in entries:
                        if entry.name.endswith(suffix) and entry.is_file():
                            rel = f"{folder}/{entry.name}" if folder else entry.name
                            found.append((rel, entry.stat().st_size))
        found.sort()
        return found

    def folders(self) -> set[str]:
        """Names of the top-level folders (channels, in a Slack export)."""
        if self._zip is not None:
            out = set()
            for name in self._sizes:
                if name.startswith(self._prefix):
                    rest = name[len(self._prefix) :]
                    if "/" in rest:
                        out.add(rest.split("/", 1)[0])
            return out
        return {p.name for p in self.path.iterdir() if p.is_dir()}

    def read_bytes(self, rel: str) -> bytes:
        """A whole file, refused (naming it) when it is bigger than `MAX_FILE_BYTES` or, in a
        zip, inflates more than `MAX_RATIO` times: a 1 MB zip whose day file inflated to 1 GiB
        once took 2.2 GB of memory. Never more than the cap is inflated, whatever the zip's
        directory claims (zipfile also stops at the declared size and checks the CRC)."""
        try:
            if self._zip is not None:
                info = self._zip.getinfo(self._prefix + rel)
                self._check_size(rel, info.file_size, info.compress_size)
                with self._zip.open(info) as entry:
                    data = entry.read(MAX_FILE_BYTES + 1)
            else:
                with (self.path / rel).open("rb") as file:
                    size = os.fstat(file.fileno()).st_size
                    self._check_size(rel, size, None)
                    # Asked for its own size (plus one, to see it grew), not the cap: read(n)
                    # allocates n bytes up front, and 32 MB per day file, mapped and unmapped,
                    # cost 0.4 ms a file on the import's busy threads (10% of the importing
                    # thread at 1M messages).
                    data = file.read(size + 1)
                    if len(data) > size:
                        data += file.read(MAX_FILE_BYTES + 1 - len(data))
        except (OSError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise BrokenExportFile(self.display(rel), None, f"cannot read: {exc}") from None
        self._check_size(rel, len(data), None)
        return data

    def _check_size(self, rel: str, size: int, compressed: int | None) -> None:
        if size > MAX_FILE_BYTES:
            raise BrokenExportFile(
                self.display(rel),
                None,
                f"{'inflates to' if compressed is not None else 'is'} {size / MIB:,.0f} MB, "
                f"more than the {MAX_FILE_BYTES // MIB} MB one export file may have",
            )
        if compressed is not None and size > MIB and size > MAX_RATIO * max(compressed, 1):
            raise BrokenExportFile(
                self.display(rel),
                None,
                f"inflates {size // max(compressed, 1):,} times (to {size / MIB:,.0f} MB); "
                f"real export files compress less than {MAX_RATIO} times: a zip bomb?",
            )
