"""The README's first-run path, as a new user runs it: the real `rhizome` command in a shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_import_discord import BO, dce, msg, text_channel

SCRIPT = """\
:as ana
Great intro to async Rust: https://tokio.rs/tokio/tutorial?utm_source=newsletter
:as ben
:reply ^ how do I cancel a task?
:react m1 tada
:in #reading
I liked [The Rust Book](https://doc.rust-lang.org/book/) too
:as cy
:react ^ +1
/rhizome top
/rhizome search tokio
/rhizome search "unbalanced AND (
/rhizome frobnicate
/rhizome-admin anything
:edit nonsense text
:quit
"""


SLICE = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "slack-houstondatavis-slice"


def rhizome(
    args: list[str], cwd: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean,
    )


@pytest.mark.slow
def test_console_session_then_resources_json(tmp_path: Path) -> None:
    # ./rhizome.toml is read by default; keep the run hermetic (no page fetching).
    (tmp_path / "rhizome.toml").write_text("[unfurl]\nenabled = false\n")
    run = rhizome(["run"], tmp_path, SCRIPT)
    assert run.returncode == 0, run.stderr
    assert "starting the console adapter" in run.stderr
    out = run.stdout
    assert out.splitlines()[1] == "[m1]"
    assert "1 person discussing, 1 reply, 1 reaction" in out
    assert "Resources matching “tokio”" in out
    assert "Nothing shared here matches" in out
    assert "I don't know “/rhizome frobnicate”" in out
    assert "Sorry, /rhizome-admin is for moderators" in out  # permission before anything else
    assert "is not a message reference" in out

    listing = rhizome(["resources", "--format", "json"], tmp_path)
    assert listing.returncode == 0, listing.stderr
    data = {r["url"]: r for r in json.loads(listing.stdout)}
    tokio = data["https://tokio.rs/tokio/tutorial"]
    assert tokio["first_shared_by"] == "ana"
    assert tokio["sharers"] == ["ana"]
    assert (
        tokio["share_count"],
        tokio["reply_count"],
        tokio["reaction_count"],
        tokio["discussants"],
    ) == (1, 1, 1, 1)
    assert tokio["first_shared_at"].endswith("+00:00")
    book = data["https://doc.rust-lang.org/book"]
    assert (book["first_shared_by"], book["reaction_count"], book["discussants"]) == ("ben", 1, 1)

    # The database persists: a second session continues the numbering and sees the history.
    again = rhizome(["console"], tmp_path, "second run\n/rhizome top 30\n")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "[m4]"
    assert "tokio.rs" in again.stdout

    listed = rhizome(["communities"], tmp_path)
    assert "console" in listed.stdout and "local" in listed.stdout


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("nonsense = 1\n", "nonsense: unknown key"),
        ("[storage]\nurl = 5\n", "storage.url"),
        ("[[[\n", "not valid TOML"),
        ("[discord]\nshard_count = 2\nshard_ids = [0, 5]\n", "discord: shard_ids [5] are outside"),
        ("[discord]\nshard_ids = [0]\n", "discord: shard_ids needs shard_count"),
    ],
)
def test_bad_config_stops_with_one_line_and_status_2(
    tmp_path: Path, toml: str, expected: str
) -> None:
    (tmp_path / "bad.toml").write_text(toml)
    run = rhizome(["run", "--config", "bad.toml"], tmp_path)
    assert run.returncode == 2
    assert expected in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_broken_import_says_why_even_when_quiet(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"guild": {"id": "1", "name": "G"}, "messages": [')
    run = rhizome(["import", "discord", "broken.json", "--quiet"], tmp_path)
    assert run.returncode == 1
    assert "error:" in run.stderr and "broken.json" in run.stderr
    assert run.stdout == ""  # the summary stays quiet


@pytest.mark.slow
def test_an_import_says_how_to_try_it_and_that_works(tmp_path: Path) -> None:
    # `rhizome console` alone speaks in its own empty community: after an import, "Nothing was
    # shared" and "I don't know a member called ..." until one finds --community
    (tmp_path / "rhizome.toml").write_text("[unfurl]\nenabled = false\n")
    run = rhizome(["import", "slack", str(SLICE)], tmp_path)
    assert run.returncode == 0, run.stderr
    (hint,) = [line for line in run.stdout.splitlines() if line.startswith("try it: ")]
    command = hint.removeprefix("try it: rhizome ").split(", then ")[0].split()
    assert command[:2] == ["console", "--community"]
    tried = rhizome(command, tmp_path, stdin="/rhizome top 365\n")
    assert tried.returncode == 0, tried.stderr
    assert "first shared by @" in tried.stdout and " in #sci on 2016-" in tried.stdout
    listed = rhizome(["communities"], tmp_path, env={"COLUMNS": "60"})
    assert "slack-houstondatavis-slice" in listed.stdout  # the name is never cut
    # on Slack everyone may be named unless they said no; Discord's members only once they
    # say yes, and a moderator trying a Discord import is told so before asking who-knows
    assert "privacy profiling on" not in run.stdout
    export = tmp_path / "links.json"
    export.write_text(json.dumps(dce(text_channel(), [msg("1", BO, "https://tokio.rs/")])))
    discord = rhizome(["import", "discord", str(export)], tmp_path)
    assert discord.returncode == 0, discord.stderr
    assert "only once they say /rhizome privacy profiling on" in discord.stdout


def test_half_configured_slack_fails_clearly(tmp_path: Path) -> None:
    run = rhizome(["run"], tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-not-printed"})
    assert run.returncode == 2
    assert "SLACK_SIGNING_SECRET" in run.stderr
    assert "xoxb-not-printed" not in run.stderr + run.stdout


def test_db_upgrade_and_resources_on_an_empty_database(tmp_path: Path) -> None:
    up = rhizome(["db", "upgrade"], tmp_path)
    assert up.returncode == 0 and "revision" in up.stdout
    empty = rhizome(["resources"], tmp_path)
    assert empty.returncode == 2 and "no community yet" in empty.stderr


@pytest.mark.skipif(
    not os.environ.get("RHIZOME_TEST_POSTGRES_URL"), reason="RHIZOME_TEST_POSTGRES_URL is not set"
)
@pytest.mark.slow
def test_migrate_sqlite_to_postgres_from_the_command_line(tmp_path: Path) -> None:
    import asyncio
    import uuid

    import asyncpg  # type: ignore[import-untyped]

    base = os.environ["RHIZOME_TEST_POSTGRES_URL"].replace("postgresql+asyncpg", "postgresql")
    name = f"rhizome_cli_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(base)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        (tmp_path / "rhizome.toml").write_text("[unfurl]\nenabled = false\n")
        rhizome(["console"], tmp_path, ":as ana\nhttps://example.org/a\n:as ben\n:reply ^ nice\n")
        target = base.rsplit("/", 1)[0].replace("postgresql:", "postgresql+asyncpg:") + f"/{name}"
        moved = rhizome(["db", "migrate-sqlite-to-postgres", "rhizome.db", target], tmp_path)
        assert moved.returncode == 0, moved.stderr
        assert "messages" in moved.stdout and "Copied" in moved.stdout
        again = rhizome(["db", "migrate-sqlite-to-postgres", "rhizome.db", target], tmp_path)
        assert again.returncode == 2 and "Nothing was copied" in again.stdout
        (tmp_path / "pg.toml").write_text(
            f'[storage]\nurl = "{target}"\n[unfurl]\nenabled = false\n'
        )
        found = rhizome(["console", "-c", "pg.toml"], tmp_path, "/rhizome search example\n")
        assert "first shared by @ana" in found.stdout and "1 reply" in found.stdout
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_console_my_data_writes_the_whole_file_and_prints_its_path(tmp_path: Path) -> None:
    (tmp_path / "rhizome.toml").write_text("[unfurl]\nenabled = false\n")
    lines = [":as ana"]
    lines += [f"note {n} about https://docs.example/page/{n} for the group" for n in range(150)]
    lines += ["/rhizome privacy my-data", "/rhizome privacy my-data", ":quit"]
    run = rhizome(["console"], tmp_path, "\n".join(lines) + "\n")
    assert run.returncode == 0, run.stderr
    paths = [
        line.split(" is in ", 1)[1].rstrip(")")
        for line in run.stdout.splitlines()
        if "the complete file" in line
    ]
    assert len(paths) == 2 and paths[0] != paths[1]  # a second export never overwrites the first
    first = Path(paths[0])
    assert first.parent == tmp_path.resolve()
    data = json.loads(first.read_text(encoding="utf-8"))
    assert len(data["messages"]) == 150
    assert f"{first.stat().st_size:,} bytes" in run.stdout
