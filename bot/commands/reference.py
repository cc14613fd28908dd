"""The README's command tables, generated from the declarations (a test keeps them equal)."""

from __future__ import annotations

from bot.commands.registry import Registry


def markdown_table(registry: Registry, group: str) -> str:
    """A Markdown table of one group's commands: usage and description, as help shows them."""
    rows = ["| command | what it does |", "|---|---|"]
    for spec in registry.in_group(group):
        usage = spec.usage().replace("|", "\\|")
        rows.append(f"| `{usage}` | {spec.description} |")
    return "\n".join(rows) + "\n"
