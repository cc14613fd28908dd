"""Shared fixtures: a real database (SQLite always, PostgreSQL when configured) and a core."""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.config import Config, parse_config
from storage.db import Database

POSTGRES_URL = os.environ.get("RHIZOME_TEST_POSTGRES_URL")
REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday

BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def _is_loopback(host: object) -> bool:
    if host is None or host in ("", "localhost", b"localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return str(host).endswith(".localhost")


class NetworkUsed(ConnectionRefusedError):
    """A test tried to reach beyond loopback (it fails at teardown even if the code under test
    swallowed this, as code that retries a refused connection would)."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any test that connects (or looks up a name) outside loopback: fakes listen on
    127.0.0.1, and a test that reaches a real platform is a test that depends on it."""
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(address: object) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            attempts.append(f"connect to {address[:2]}")
            raise NetworkUsed(f"tests may not use the network: connect to {address[:2]}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            attempts.append(f"look up {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"tests may not use the network: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts  # what was tried (the guard's own test empties it)
    if attempts:
        pytest.fail("tests may not use the network beyond loopback: " + "; ".join(attempts))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database on each backend; PostgreSQL gets a schema of its own."""
    if request.param == "sqlite":
        db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'rhizome.db'}")
        await db.migrate()
        yield db
        await db.close()
        return
    assert POSTGRES_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database.open(POSTGRES_URL)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database.open(POSTGRES_URL, schema=schema)
    await db.migrate()
    try:
        yield db
    finally:
        await db.close()
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.close()


def make_config(**sections: dict[str, object]) -> Config:
    return parse_config(sections)


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
async def rhizome(database: Database, config: Config, clock: FixedClock) -> AsyncIterator[Rhizome]:
    core = await Rhizome.start(config, clock, db=database)
    yield core
    await core.services.writer.stop()
