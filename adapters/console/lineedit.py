"""Line editing for the console on a terminal: arrow keys, history, Ctrl-C, tab completion.

prompt_toolkit rather than the stdlib `readline`: `input()` would have to run in a worker
thread to keep the event loop (and scheduled digests) going, and a thread blocked in
`input()` never sees Ctrl-C until Enter is pressed. prompt_toolkit reads keys on the loop
itself, so Ctrl-C cancels the line at once, and posts printed meanwhile appear above the
prompt instead of through it. Piped scripts never import it.

History stays in memory for the session: typed lines are messages, and message text is
never written anywhere but the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

DIRECTIVES = (":as", ":in", ":reply", ":edit", ":react", ":unreact", ":delete", ":mod", ":help")


class LineEditor:
    """Reads one edited line at a time; Ctrl-C drops the line, Ctrl-D (or EOF) ends."""

    def __init__(
        self,
        commands: Iterable[str] = (),
        *,
        input: Input | None = None,
        output: Output | None = None,
    ) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import WordCompleter
        from prompt_toolkit.history import InMemoryHistory

        words = [*DIRECTIVES, ":quit", *commands]
        self.completer = WordCompleter(words, sentence=True)
        self._session: PromptSession[str] = PromptSession(
            history=InMemoryHistory(),
            completer=self.completer,
            complete_while_typing=False,
            input=input,
            output=output,
        )

    async def read(self, prompt: str) -> str | None:
        """The next line; "" when Ctrl-C cancelled it, None at the end of input."""
        try:
            return await self._session.prompt_async(prompt)
        except KeyboardInterrupt:
            return ""
        except EOFError:
            return None


@contextmanager
def printing_above_prompt() -> Iterator[None]:
    """While it is open, whatever is written to sys.stdout appears above the prompt."""
    from prompt_toolkit.patch_stdout import patch_stdout

    with patch_stdout(raw=True):
        yield
