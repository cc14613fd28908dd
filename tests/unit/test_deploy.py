"""deploy/: the Dockerfile, compose.yaml and the systemd unit, checked as far as this machine can.

There is no Docker daemon here, so the image is not built: the Dockerfile is linted (hadolint)
and parsed with Docker's own parser, and what it relies on is checked against the code (the
files it copies exist and pass its ignore file, the config it ships is valid and keeps the data
in the volume, its health check asks the port the config serves). The unit file goes through
`systemd-analyze verify`. The wheel the image installs is built and must carry the migrations.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from bot.config import Secrets, parse_config, with_database
from tests.conftest import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"


def instructions() -> list[tuple[str, tuple[str, ...], str]]:
    import dockerfile

    return [
        (c.cmd.upper(), tuple(c.value), c.original)
        for c in dockerfile.parse_file(str(DEPLOY / "Dockerfile"))
    ]


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is not installed")
def test_dockerfile_passes_hadolint() -> None:
    done = subprocess.run(
        ["hadolint", str(DEPLOY / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def included(path: str) -> bool:
    """Does deploy/Dockerfile.dockerignore let `path` into the build context (last rule wins)?"""
    keep = True
    for raw in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        negated = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            keep = negated
    return keep


def test_dockerfile_runs_rhizome_as_a_non_root_user_from_files_that_exist() -> None:
    steps = instructions()
    final = steps[max(i for i, s in enumerate(steps) if s[0] == "FROM") :]
    [user] = [s[1][0] for s in final if s[0] == "USER"]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0 and gid.isdigit() and int(gid) != 0
    assert [s[1] for s in final if s[0] == "ENTRYPOINT"] == [("rhizome",)]
    assert [s[1] for s in final if s[0] == "CMD"] == [("run",)]
    assert [s[1] for s in final if s[0] == "STOPSIGNAL"] == [("SIGTERM",)]
    for cmd, value, original in steps:
        if cmd == "COPY" and "--from" not in original:
            for source in value[:-1]:
                assert (REPO_ROOT / source).exists(), source
                assert included(source), f"{source} is left out by the .dockerignore"
    assert not included(".venv") and not included("tests")


def test_the_image_config_keeps_data_in_the_volume_and_serves_health() -> None:
    steps = instructions()
    config = parse_config(tomllib.loads((DEPLOY / "rhizome.toml").read_text()))
    [volume] = [s[1][0] for s in steps if s[0] == "VOLUME"]
    settled = with_database(config, Path("/etc/rhizome/rhizome.toml"), {})
    assert settled.storage.url == f"sqlite+aiosqlite:///{volume}/rhizome.db"
    [healthcheck] = [s[2] for s in steps if s[0] == "HEALTHCHECK"]
    assert f"127.0.0.1:{config.health.port}/healthz" in healthcheck
    assert config.health.host == "0.0.0.0" and config.logging.format == "json"
    exposed = {int(p) for s in steps if s[0] == "EXPOSE" for p in s[1]}
    assert exposed == {config.slack.port, config.health.port}
    env = dict(zip(*[iter(next(s[1] for s in steps if s[0] == "ENV"))] * 2, strict=True))
    assert env["RHIZOME_CONFIG"] == "/etc/rhizome/rhizome.toml"
    copies = [s[1] for s in steps if s[0] == "COPY"]
    assert ("deploy/rhizome.toml", env["RHIZOME_CONFIG"]) in copies


def test_compose_runs_rhizome_on_postgresql_once_it_is_healthy() -> None:
    import yaml

    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    db, bot = compose["services"]["db"], compose["services"]["rhizome"]
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).resolve() == (
        DEPLOY / "Dockerfile"
    )
    env = bot["environment"]
    url = env["RHIZOME_DATABASE_URL"].replace("${POSTGRES_PASSWORD}", "pw")
    settled = with_database(parse_config({}), None, {"RHIZOME_DATABASE_URL": url})
    assert settled.storage.url == "postgresql+asyncpg://rhizome:pw@db:5432/rhizome"
    # Every secret Rhizome reads is passed through, and nothing else is invented.
    secrets = {"DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"}
    assert set(env) == secrets | {"RHIZOME_DATABASE_URL"}
    assert Secrets.from_env({k: "x" for k in secrets}) == Secrets({k: "x" for k in secrets})
    example = {
        line.split("=")[0]
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert example == secrets | {"POSTGRES_PASSWORD"}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = (DEPLOY / "rhizome.service").read_text()
    assert "ExecStart=/opt/rhizome/bin/rhizome run" in unit
    # verify checks that the program exists: point it at this checkout's command
    command = shutil.which("rhizome") or str(Path(sys.executable).with_name("rhizome"))
    local = tmp_path / "rhizome.service"
    local.write_text(unit.replace("/opt/rhizome/bin/rhizome", command))
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(local)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    assert done.returncode == 0, done.stderr
    assert "rhizome.service" not in done.stderr, done.stderr
    # A configuration or credential error (exit 2) is not retried by systemd in a loop.
    assert "RestartPreventExitStatus=2" in unit and "KillSignal=SIGTERM" in unit


def test_the_wheel_the_image_installs_carries_migrations_and_demo_data(tmp_path: Path) -> None:
    # Built from what the Dockerfile copies into its build stage, and nothing else.
    context = tmp_path / "context"
    for cmd, value, original in instructions():
        if cmd == "COPY" and "--from" not in original and value[-1].startswith("./"):
            for source in value[:-1]:
                src, dest = REPO_ROOT / source, context / source
                if src.is_dir():
                    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(src, dest)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"),
            *("--wheel-dir", str(tmp_path), str(context)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [wheel] = tmp_path.glob("rhizome_bot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "storage/migrations/env.py" in names
    assert any(n.startswith("storage/migrations/versions/0001") for n in names)
    assert any(n.startswith("bot/demo/") and n.endswith(".json") for n in names)
    assert "bot/cli.py" in names and "adapters/slack/app.py" in names
