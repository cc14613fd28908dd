"""The console's line editor, driven through prompt_toolkit's own pipe input (real keys)."""

from __future__ import annotations

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from adapters.console.lineedit import LineEditor

UP = "\x1b[A"
LEFT = "\x1b[D"
CTRL_C = "\x03"
CTRL_D = "\x04"


async def test_arrows_edit_the_line_and_recall_history() -> None:
    with create_pipe_input() as keys:
        editor = LineEditor(input=keys, output=DummyOutput())
        keys.send_text("/rhizome top\r")
        assert await editor.read("> ") == "/rhizome top"
        keys.send_text(f"helo{LEFT}l\r")  # left arrow moves the cursor: a typo mended
        assert await editor.read("> ") == "hello"
        keys.send_text(f"{UP}{UP} 30\r")  # two lines back, then edited
        assert await editor.read("> ") == "/rhizome top 30"


async def test_ctrl_c_cancels_the_line_without_enter_and_ctrl_d_ends() -> None:
    with create_pipe_input() as keys:
        editor = LineEditor(input=keys, output=DummyOutput())
        keys.send_text(f"half a thought{CTRL_C}")  # no Enter
        assert await editor.read("> ") == ""
        keys.send_text("next\r")
        assert await editor.read("> ") == "next"
        keys.send_text(CTRL_D)
        assert await editor.read("> ") is None


def test_tab_completes_a_command() -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    editor = LineEditor(["/rhizome search", "/rhizome saved"], output=DummyOutput())
    typed = Document("/rhizome se")
    found = list(editor.completer.get_completions(typed, CompleteEvent(completion_requested=True)))
    assert [c.text for c in found] == ["/rhizome search"]
