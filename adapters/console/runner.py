"""Run a console session on a terminal or over a piped script."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from adapters.console.session import ConsoleOutlet, ConsoleSession
from bot.app import Rhizome
from bot.config import Config
from bot.model import CommunityRef


def _tolerant(stream: TextIO) -> TextIO:
    """Piped input may hold bytes invalid in the locale's encoding: read them as U+FFFD
    instead of ending the session with a traceback."""
    if isinstance(stream, io.TextIOWrapper):
        with contextlib.suppress(ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="replace")
    return stream


async def run_console(
    rhizome: Rhizome,
    config: Config,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    community: CommunityRef | None = None,
) -> int:
    """Read lines until EOF or :quit. Interactive when stdin is a terminal; returns an exit code."""
    stdin = _tolerant(stdin or sys.stdin)
    given = stdout

    def write(text: str) -> None:
        # sys.stdout looked up each time: on a terminal it prints above the prompt.
        out = given or sys.stdout
        if text:
            out.write(text + "\n")
            out.flush()

    rhizome.add_outlet(ConsoleOutlet(write))
    session = ConsoleSession(
        rhizome,
        community_name=config.console.community,
        speaker=config.console.default_member,
        channel=config.console.default_channel,
        target=community,
    )
    if given is None and stdin.isatty() and sys.stdout.isatty():
        await _edit_lines(rhizome, session, write)
    else:
        while not session.quit:
            try:
                line = await _readline(stdin)
            except UnicodeDecodeError:  # a stream we could not make tolerant
                write("Skipped input that is not valid text.")
                continue
            if not line:
                break
            await _run_line(session, line, write)
    await rhizome.flush()
    return 0


async def _run_line(session: ConsoleSession, line: str, write: Callable[[str], None]) -> None:
    try:
        write(await session.handle(line))
    except Exception as e:  # keep the session alive; the core already logged details
        write(f"Sorry, that failed: {type(e).__name__}. Your data is unchanged.")


async def _edit_lines(
    rhizome: Rhizome, session: ConsoleSession, write: Callable[[str], None]
) -> None:
    """On a terminal: line editing, history and Ctrl-C that cancels the line at once."""
    from adapters.console.lineedit import LineEditor, printing_above_prompt

    editor = LineEditor(spec.full_name for spec in rhizome.registry)
    write("Rhizome console. Type :help for commands, :quit to leave; Tab completes commands.")
    with printing_above_prompt():
        while not session.quit:
            line = await editor.read(f"{session.speaker}@#{session.channel}> ")
            if line is None:
                break
            await _run_line(session, line, write)


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
