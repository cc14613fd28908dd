"""Each start-up failure a moderator can cause, as the exact one line (and exit status) they see.

Configuration and credential problems exit 2 (restarting will not help); a database that cannot
be reached exits 1 from a one-off command (`rhizome run` waits for it instead, with backoff).
Nothing here prints a traceback, and nothing creates a database the moderator did not ask for.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, REPO_ROOT


def rhizome(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, *, user: int | None = None
) -> tuple[int, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    clean.pop("RHIZOME_DATABASE_URL", None)
    clean.pop("RHIZOME_CONFIG", None)
    clean["PYTHONPATH"] = str(REPO_ROOT)
    command = [sys.executable, "-m", "bot", *args]
    if user is not None:  # as another user: root can write to any file
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    done = subprocess.run(
        command,
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stderr.strip()


def at(path: Path) -> dict[str, str]:
    return {"RHIZOME_DATABASE_URL": f"sqlite+aiosqlite:///{path}"}


def test_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    done = subprocess.run(
        [sys.executable, "-m", "bot", "--version"], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0 and done.stdout.strip() == f"rhizome {version('rhizome-bot')}"


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"DISCORD_TOKEN": "garbage"},
            "rhizome: DISCORD_TOKEN does not look like a bot token (three dot-separated parts): "
            "copy it from the Developer Portal (Bot > Reset Token)",
        ),
        (
            {"SLACK_BOT_TOKEN": "garbage", "SLACK_APP_TOKEN": "xapp-1-A1-1-abc"},
            "rhizome: SLACK_BOT_TOKEN is not a bot token (they start with xoxb-): copy the Bot "
            "User OAuth Token from the app's OAuth & Permissions page",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_APP_TOKEN": "garbage"},
            "rhizome: SLACK_APP_TOKEN is not an app-level token (they start with xapp-): create "
            "one with connections:write under the app's Basic Information",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1-2-abc"},
            "rhizome: config error: slack: SLACK_BOT_TOKEN is set but neither "
            "SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is; set one, or "
            "unset SLACK_BOT_TOKEN",
        ),
    ],
)
def test_tokens_that_cannot_be_right_stop_before_any_network(
    tmp_path: Path, env: dict[str, str], line: str
) -> None:
    code, stderr = rhizome(["run"], tmp_path, env)
    assert (code, stderr) == (2, line)
    assert not (tmp_path / "rhizome.db").exists()


def test_database_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("")
    db = tmp_path / "data" / "rhizome.db"
    expected = (
        f"rhizome: storage.url: cannot create {db}: {tmp_path / 'data'} is a file, not a "
        "folder; point storage.url at a file in a folder"
    )
    for command in (["db", "upgrade"], ["console"], ["import", "slack", str(tmp_path)]):
        assert rhizome(command, tmp_path, at(db)) == (2, expected)


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path sits in root's private folder)."""
    folder = Path(tempfile.mkdtemp(prefix="rhizome-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def test_read_only_database_is_refused_at_start(shared_folder: Path) -> None:
    db = shared_folder / "rhizome.db"
    assert rhizome(["db", "upgrade"], shared_folder, at(db))[0] == 0
    db.chmod(0o444)
    # root writes whatever the mode says; run as nobody, as a service user would be
    user = 65534 if os.geteuid() == 0 else None
    expected = (
        f"rhizome: database {db} is read-only: give the user running rhizome write access to "
        "the file and its folder (SQLite writes -wal and -shm files next to it)"
    )
    for command in (["db", "upgrade"], ["communities"], ["console"]):
        assert rhizome(command, shared_folder, at(db), user=user) == (2, expected)


def test_foreign_files_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    assert rhizome(["console"], tmp_path, at(other)) == (
        2,
        f"rhizome: {other} is not a Rhizome database (it has tables but no alembic_version); "
        "point storage.url at Rhizome's database file",
    )
    text = tmp_path / "notes.db"
    text.write_text("hello")
    assert rhizome(["db", "upgrade"], tmp_path, at(text)) == (
        2,
        f"rhizome: {text} is not a SQLite database; point storage.url at Rhizome's database file",
    )
    assert text.read_text() == "hello"
    with sqlite3.connect(other) as check:  # untouched: no Rhizome table was added
        assert check.execute("SELECT name FROM sqlite_master").fetchall() == [("invoices",)]


def test_database_from_a_newer_rhizome_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "rhizome.db"
    assert rhizome(["db", "upgrade"], tmp_path, at(db))[0] == 0
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    assert rhizome(["communities"], tmp_path, at(db)) == (
        2,
        f"rhizome: {db} was written by a newer Rhizome (revision 9999); upgrade rhizome, or "
        "restore a backup taken by this version",
    )


def test_commands_that_only_read_never_create_a_database(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for command in (["communities"], ["resources"], ["digest", "preview"]):
        assert rhizome(command, elsewhere) == (
            2,
            f"rhizome: no database at {elsewhere / 'rhizome.db'}: run `rhizome run`, `rhizome "
            "console` or an import first, or choose the database with --config / "
            "RHIZOME_DATABASE_URL",
        )
    assert list(elsewhere.iterdir()) == []


def test_relative_database_path_is_next_to_the_config_file(tmp_path: Path) -> None:
    home = tmp_path / "srv"
    home.mkdir()
    (home / "rhizome.toml").write_text('[storage]\nurl = "sqlite+aiosqlite:///data/bot.db"\n')
    code, _ = rhizome(["db", "upgrade", "-c", str(home / "rhizome.toml")], tmp_path)
    assert code == 0 and (home / "data" / "bot.db").is_file()
    # The same config from any folder, or through $RHIZOME_CONFIG, means the same file.
    code, stderr = rhizome(
        ["communities"], tmp_path, {"RHIZOME_CONFIG": str(home / "rhizome.toml")}
    )
    assert code == 0, stderr
    assert not (tmp_path / "data").exists()


def test_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://rhizome:hunter2secret@127.0.0.1:9/rhizome"
    code, stderr = rhizome(["communities"], tmp_path, {"RHIZOME_DATABASE_URL": url})
    assert code == 1
    assert stderr.startswith(
        "rhizome: cannot reach the database at postgresql+asyncpg://rhizome:***@127.0.0.1:9/"
        "rhizome ("
    )
    assert stderr.endswith("); is PostgreSQL running?") and "\n" not in stderr
    assert "hunter2secret" not in stderr


@pytest.mark.skipif(not POSTGRES_URL, reason="RHIZOME_TEST_POSTGRES_URL is not set")
def test_missing_postgresql_database_is_one_line(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    assert POSTGRES_URL
    url = make_url(POSTGRES_URL).set(database="rhizome_no_such_db").render_as_string(False)
    code, stderr = rhizome(["communities"], tmp_path, {"RHIZOME_DATABASE_URL": url})
    assert (code, stderr) == (
        2,
        'rhizome: database "rhizome_no_such_db" does not exist: create it first (createdb), '
        "then start again",
    )


def test_brackets_in_paths_and_config_keys_are_printed_as_they_are(tmp_path: Path) -> None:
    """The CLI prints paths, names and config keys: none is read as rich's markup (a folder
    named `a[/b]` crashed the import with a MarkupError; `[privacy] profiling` lost its key)."""
    odd = tmp_path / "a[" / "b]"
    odd.mkdir(parents=True)
    author = {"id": "7", "name": "ana", "discriminator": "0000", "nickname": "[/b] ana"}
    message = {
        "id": "1001",
        "type": "Default",
        "timestamp": "2024-03-01T10:00:00+00:00",
        "content": "see https://example.org/x",
        "author": author,
    }
    export = {
        "guild": {"id": "900", "name": "[/b] guild"},
        "channel": {"id": "100", "type": "GuildTextChat", "name": "links", "category": "Text"},
        "messages": [message],
    }
    (odd / "links.json").write_text(json.dumps(export))
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    clean.pop("RHIZOME_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", "discord", str(odd)],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(REPO_ROOT), **at(tmp_path / "r.db")},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    assert f"discord export {odd}: 1 of 1 files imported" in done.stdout
    assert "([/b] guild)" in done.stdout
    assert "(`[privacy] profiling`, see README Privacy)" in done.stdout
