"""Run a console session on a terminal or over a piped script."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from typing import TextIO

from adapters.console.session import ConsoleOutlet, ConsoleSession
from bot.app import Rhizome
from bot.config import Config
from bot.model import CommunityRef


async def run_console(
    rhizome: Rhizome,
    config: Config,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    community: CommunityRef | None = None,
) -> int:
    """Read lines until EOF or :quit. Interactive when stdin is a terminal; returns an exit code."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout

    def write(text: str) -> None:
        if text:
            stdout.write(text + "\n")
            stdout.flush()

    rhizome.add_outlet(ConsoleOutlet(write))
    session = ConsoleSession(
        rhizome,
        community_name=config.console.community,
        speaker=config.console.default_member,
        channel=config.console.default_channel,
        target=community,
    )
    interactive = stdin.isatty()
    if interactive:
        write("Rhizome console. Type :help for commands, :quit to leave.")
    while not session.quit:
        if interactive:
            stdout.write(f"{session.speaker}@#{session.channel}> ")
            stdout.flush()
        line = await _readline(stdin)
        if not line:
            break
        try:
            write(await session.handle(line))
        except Exception as e:  # keep the session alive; the core already logged details
            write(f"Sorry, that failed: {type(e).__name__}. Your data is unchanged.")
    await rhizome.flush()
    return 0


async def _readline(stdin: TextIO) -> str:
    """One line, read on a daemon thread: a stop signal (SIGTERM, Ctrl-C) ends the session at
    once instead of waiting, with the process, for the member to press Enter."""
    loop = asyncio.get_running_loop()
    line: asyncio.Future[str] = loop.create_future()

    def settle(text: str | None, error: BaseException | None) -> None:
        if line.done():  # the session was stopped meanwhile
            return
        if error is not None:
            line.set_exception(error)
        else:
            line.set_result(text or "")

    def read() -> None:
        try:
            text, error = stdin.readline(), None
        except Exception as e:
            text, error = None, e
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            loop.call_soon_threadsafe(settle, text, error)

    threading.Thread(target=read, name="rhizome-console-input", daemon=True).start()
    return await line
