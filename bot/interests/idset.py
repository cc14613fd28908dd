"""A set of row ids in a bit per id: which resources a community's corpus has counted.

A Python `set` of ints costs ~75 bytes an id (the set's slots and each int object): 25 MB for
the 333k resources of the bench's 1M-message import, held as long as the bot runs. Row ids are
dense (autoincrement), so a bitmap costs an eighth of a byte an id; pages of 64k ids keep a
sparse or very large id cheap as well.
"""

from __future__ import annotations

from collections.abc import Iterable

_PAGE_BITS = 16  # ids per page: 65,536 (8 KB)
_PAGE_MASK = (1 << _PAGE_BITS) - 1


class IdSet:
    """Non-negative ints, added and tested (never removed: a deleted resource's id is never
    reused, and counting it again would only happen if it were)."""

    __slots__ = ("_len", "_pages")

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self._pages: dict[int, bytearray] = {}
        self._len = 0
        self.update(ids)

    def add(self, value: int) -> None:
        if value < 0:
            raise ValueError(f"ids are never negative: {value}")
        page = self._pages.get(value >> _PAGE_BITS)
        if page is None:
            page = self._pages[value >> _PAGE_BITS] = bytearray((_PAGE_MASK + 1) // 8)
        offset = value & _PAGE_MASK
        bit = 1 << (offset & 7)
        if not page[offset >> 3] & bit:
            page[offset >> 3] |= bit
            self._len += 1

    def update(self, values: Iterable[int]) -> None:
        for value in values:
            self.add(value)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int) or value < 0:
            return False
        page = self._pages.get(value >> _PAGE_BITS)
        offset = value & _PAGE_MASK
        return page is not None and bool(page[offset >> 3] & (1 << (offset & 7)))

    def __len__(self) -> int:
        return self._len
