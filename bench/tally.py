"""What every quality tally shares: adding another tally to it, field by field."""

from __future__ import annotations

from dataclasses import fields
from typing import Any


class Summed:
    """A dataclass of counts that adds another of its kind field by field: numbers and lists
    with `+`, dicts of counts key by key (so every dataset's tally sums into the "ALL" one)."""

    def add(self, other: Any) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, dict):
                for key, n in theirs.items():
                    mine[key] = mine.get(key, 0) + n
            else:
                setattr(self, f.name, mine + theirs)
