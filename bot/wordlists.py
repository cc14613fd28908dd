"""wordfreq's word lists, read only as far as a frequency floor.

`wordfreq.get_frequency_list` unpacks a language's whole list (English: ~320k words, 25-40 MB
of Python strings) to hand back a few thousand frequent ones; what it freed stays scattered
through the heap, and a running bot kept ~29 MB more resident for it. The list's file is
documented (`wordfreq.read_cBpack`): a gzipped msgpack array of a header and then one list of
words per centibel of frequency, most frequent first. Streamed here bucket by bucket, it stops
at the floor, so the rare words are never built.
"""

from __future__ import annotations

import gzip
import importlib.util
from collections.abc import Iterator
from pathlib import Path

__all__ = ["frequency_buckets"]


def _list_path(lang: str) -> Path:
    """wordfreq's "best" list of `lang` (its large list where there is one), found without
    importing wordfreq, which loads 13 MB of language data and regexes it is not asked for."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or spec.origin is None:
        raise LookupError("the wordfreq package is not installed")
    data = Path(spec.origin).parent / "data"
    for size in ("large", "small"):
        path = data / f"{size}_{lang}.msgpack.gz"
        if path.is_file():
            return path
    raise LookupError(f"wordfreq has no word list for {lang!r}")


def frequency_buckets(lang: str, min_zipf: float) -> Iterator[tuple[float, list[str]]]:
    """(zipf, words) of `lang`'s best wordfreq list, most frequent first, down to
    `min_zipf` (bucket i holds the words of zipf 9 - i/100, as `wordfreq.zipf_frequency`
    reads them)."""
    import msgpack

    path = _list_path(lang)
    last = round((9.0 - min_zipf) * 100) + 1  # buckets [0, last) reach the floor
    with gzip.open(path, "rb") as raw:
        unpacker = msgpack.Unpacker(raw, raw=False)
        size = unpacker.read_array_header()
        header = unpacker.unpack()
        if not isinstance(header, dict) or header.get("format") != "cB":
            raise ValueError(f"unexpected wordfreq list header in {path}: {header!r}")
        for index in range(min(last, size - 1)):
            yield 9.0 - index / 100, unpacker.unpack()
