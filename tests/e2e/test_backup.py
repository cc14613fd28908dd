"""`rhizome db backup` / `db restore`: consistent copies of a live SQLite database.

A backup taken while an import writes (in another process) must restore to a database that,
once the same import has run on it too, is identical to the original: the copy was one
consistent state, nothing half-written, and nothing committed before it was left behind in the
WAL. The storage-level tests make the moment exact: rows committed but still only in the WAL
are in the backup, rows of a transaction still open are not.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.runtime import DatabaseLock
from storage.backup import BackupError, backup_sqlite, restore_sqlite, verify
from tests.conftest import REPO_ROOT

WAIT = 300.0  # seconds; a guard against a hung process only


def rhizome(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    clean.pop("RHIZOME_DATABASE_URL", None)
    clean["PYTHONPATH"] = str(REPO_ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=WAIT,
        stdin=subprocess.DEVNULL,
    )


# --- storage level ------------------------------------------------------------------------------
def rhizome_like(path: Path) -> sqlite3.Connection:
    """A WAL database with Rhizome's marker table, never checkpointed on its own."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE alembic_version (version_num TEXT PRIMARY KEY)")
    conn.execute("INSERT INTO alembic_version VALUES ('0007')")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    return conn


def test_backup_holds_what_was_committed_and_nothing_in_flight(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    writer = rhizome_like(live)
    writer.executemany("INSERT INTO notes VALUES (?, ?)", [(i, f"n{i}") for i in range(100)])
    assert (tmp_path / "live.db-wal").stat().st_size > 0  # committed, but only in the WAL
    writer.execute("BEGIN IMMEDIATE")  # a writer in the middle of its transaction
    writer.executemany("INSERT INTO notes VALUES (?, ?)", [(i, "x") for i in range(100, 200)])

    result = backup_sqlite(live, tmp_path / "copy.db")
    writer.execute("COMMIT")

    assert result.revision == "0007"
    copy = sqlite3.connect(result.path)
    assert copy.execute("SELECT count(*), max(id) FROM notes").fetchone() == (100, 99)
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
    assert not (tmp_path / "copy.db.partial").exists()


def test_backup_into_a_folder_gets_a_dated_name_and_never_overwrites(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    rhizome_like(live).close()
    (tmp_path / "backups").mkdir()
    first = backup_sqlite(live, tmp_path / "backups")
    assert first.path.parent == tmp_path / "backups" and first.path.name.startswith("rhizome-")
    with pytest.raises(BackupError, match="exists; choose another name or pass --force"):
        backup_sqlite(live, first.path)


def test_restore_keeps_the_database_it_replaces(tmp_path: Path) -> None:
    old = rhizome_like(tmp_path / "rhizome.db")
    old.execute("INSERT INTO notes VALUES (1, 'current')")
    old.close()
    backup = rhizome_like(tmp_path / "backup.db")
    backup.execute("INSERT INTO notes VALUES (1, 'from the backup')")
    backup.close()

    result = restore_sqlite(tmp_path / "backup.db", tmp_path / "rhizome.db")

    restored = sqlite3.connect(tmp_path / "rhizome.db")
    assert restored.execute("SELECT body FROM notes").fetchall() == [("from the backup",)]
    assert result.previous is not None
    kept = sqlite3.connect(result.previous)
    assert kept.execute("SELECT body FROM notes").fetchall() == [("current",)]


def test_restore_refuses_what_is_not_a_rhizome_backup(tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    (tmp_path / "notes.txt").write_text("not a database at all")
    target = rhizome_like(tmp_path / "rhizome.db")
    target.execute("INSERT INTO notes VALUES (1, 'kept')")
    target.close()
    with pytest.raises(BackupError, match="is not a Rhizome database"):
        restore_sqlite(tmp_path / "other.db", tmp_path / "rhizome.db")
    with pytest.raises(BackupError, match="not a SQLite database"):
        verify(tmp_path / "notes.txt")
    still = sqlite3.connect(tmp_path / "rhizome.db")
    assert still.execute("SELECT body FROM notes").fetchall() == [("kept",)]


# --- the commands, on real processes --------------------------------------------------------------
def write_export(root: Path, channels: int, days: int, per_day: int) -> None:
    """A Slack workspace export big enough that importing it takes a while."""
    users = [
        {"id": f"U{i:08d}", "name": f"member{i}", "real_name": f"Member {i}", "profile": {}}
        for i in range(40)
    ]
    (root / "users.json").write_text(json.dumps(users))
    chans = [
        {"id": f"C{c:08d}", "name": f"topic-{c}", "created": "1600000000", "members": []}
        for c in range(channels)
    ]
    (root / "channels.json").write_text(json.dumps(chans))
    start = 1_700_000_000
    for c, chan in enumerate(chans):
        folder = root / str(chan["name"])
        folder.mkdir()
        for d in range(days):
            day = start + d * 86_400
            messages = [
                {
                    "type": "message",
                    "user": users[(i * 7 + c) % len(users)]["id"],
                    "text": f"note {c}-{d}-{i} on https://example.org/{c}/{(i * 13) % 400}",
                    "ts": f"{day + i * 60 + c}.000100",
                }
                for i in range(per_day)
            ]
            date = time.strftime("%Y-%m-%d", time.gmtime(day))
            (folder / f"{date}.json").write_text(json.dumps(messages))


def dump(db: Path, *, clock_columns: bool = True) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables an import fills (ids included: a restore keeps them); without
    `clock_columns`, leaving out when rows were written (two imports run at different times)."""
    tables = ("channels", "members", "messages", "resources", "resource_urls", "shares")
    out: dict[str, list[tuple[object, ...]]] = {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        for t in tables:
            names = [r[1] for r in conn.execute(f"PRAGMA table_info({t})")]
            if not clock_columns:
                names = [n for n in names if n not in ("created_at", "first_seen_at")]
            columns = ", ".join(names)
            out[t] = conn.execute(f"SELECT {columns} FROM {t} ORDER BY 1").fetchall()
    return out


def message_count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            return int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    except sqlite3.OperationalError:  # not created or migrated yet
        return 0


@pytest.mark.slow
def test_backup_during_a_running_import_restores_to_an_identical_database(
    tmp_path: Path,
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    write_export(export, channels=4, days=40, per_day=600)  # 96k messages
    live, restored = tmp_path / "live" / "rhizome.db", tmp_path / "restored" / "rhizome.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.pop("RHIZOME_DATABASE_URL", None)
    importing = subprocess.Popen(
        [sys.executable, "-m", "bot", "import", "slack", str(export), "--quiet"],
        cwd=tmp_path,
        env={
            **env,
            "PYTHONPATH": str(REPO_ROOT),
            "RHIZOME_DATABASE_URL": f"sqlite+aiosqlite:///{live}",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + WAIT
        while message_count(live) == 0:
            assert importing.poll() is None, importing.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        backup = rhizome(
            ["db", "backup", str(tmp_path / "mid-import.db")],
            tmp_path,
            RHIZOME_DATABASE_URL=f"sqlite+aiosqlite:///{live}",
        )
        still_importing = importing.poll() is None
    finally:
        _, errors = importing.communicate(timeout=WAIT)
    assert importing.returncode == 0, errors
    assert backup.returncode == 0, backup.stderr
    assert still_importing, "the import ended before the backup did; make the export bigger"
    assert "Backed up" in backup.stdout
    taken = message_count(tmp_path / "mid-import.db")
    assert 0 < taken < message_count(live)

    restored.parent.mkdir()
    restore = rhizome(
        ["db", "restore", str(tmp_path / "mid-import.db")],
        tmp_path,
        RHIZOME_DATABASE_URL=f"sqlite+aiosqlite:///{restored}",
    )
    assert restore.returncode == 0, restore.stderr
    again = rhizome(
        ["import", "slack", str(export), "--quiet"],
        tmp_path,
        RHIZOME_DATABASE_URL=f"sqlite+aiosqlite:///{restored}",
    )
    assert again.returncode == 0, again.stderr
    assert dump(restored) == dump(live)


def test_restore_refuses_while_a_process_uses_the_database(tmp_path: Path) -> None:
    live = tmp_path / "rhizome.db"
    rhizome_like(live).close()
    backup_sqlite(live, tmp_path / "b.db")
    running = DatabaseLock(live)
    assert running.acquire()  # what `rhizome run` holds while it runs
    try:
        done = rhizome(
            ["db", "restore", str(tmp_path / "b.db"), "--force"],
            tmp_path,
            RHIZOME_DATABASE_URL=f"sqlite+aiosqlite:///{live}",
        )
    finally:
        running.release()
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"rhizome: {live} is in use by a running rhizome (the bot, the console or an import): "
        "stop it first (systemctl stop rhizome, docker compose stop rhizome)"
    )
    refused = rhizome(
        ["db", "restore", str(tmp_path / "b.db")],
        tmp_path,
        RHIZOME_DATABASE_URL=f"sqlite+aiosqlite:///{live}",
    )
    assert refused.returncode == 2 and "pass --force to replace it" in refused.stderr


def test_backup_of_postgresql_says_to_use_pg_dump(tmp_path: Path) -> None:
    done = rhizome(
        ["db", "backup", str(tmp_path / "x.db")],
        tmp_path,
        RHIZOME_DATABASE_URL="postgresql+asyncpg://rhizome:secret@db.example/rhizome",
    )
    assert done.returncode == 2
    assert "pg_dump --format=custom" in done.stderr and "secret" not in done.stderr


@pytest.mark.slow
def test_sigterm_mid_import_keeps_what_was_stored_and_a_rerun_finishes(tmp_path: Path) -> None:
    import signal

    export = tmp_path / "export"
    export.mkdir()
    write_export(export, channels=4, days=40, per_day=600)
    interrupted, whole = tmp_path / "a" / "rhizome.db", tmp_path / "b" / "rhizome.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    importing = subprocess.Popen(
        [sys.executable, "-m", "bot", "import", "slack", str(export), "--quiet"],
        cwd=tmp_path,
        env={
            **env,
            "PYTHONPATH": str(REPO_ROOT),
            "RHIZOME_DATABASE_URL": f"sqlite+aiosqlite:///{interrupted}",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + WAIT
    while message_count(interrupted) == 0:
        assert importing.poll() is None, importing.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    importing.send_signal(signal.SIGTERM)
    _, errors = importing.communicate(timeout=WAIT)
    assert importing.returncode == 1, errors
    assert errors.strip() == (
        "rhizome: import stopped by a signal; what was stored is kept: run the same import again "
        "to finish it (it skips what is already there)"
    )
    with sqlite3.connect(interrupted) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert 0 < message_count(interrupted) < 4 * 40 * 600
    for db in (interrupted, whole):
        done = rhizome(
            ["import", "slack", str(export), "--quiet"],
            tmp_path,
            RHIZOME_DATABASE_URL=f"sqlite+aiosqlite:///{db}",
        )
        assert done.returncode == 0, done.stderr
    assert message_count(interrupted) == 4 * 40 * 600
    assert dump(interrupted, clock_columns=False) == dump(whole, clock_columns=False)
