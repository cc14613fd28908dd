"""Process-wide settings for a long-running bot or a bulk import (the CLI applies them; tests and
embedders of the core are left alone).

The writer stores each batch on a thread of its own while the event loop plans the next one, so
the two threads hand the GIL back and forth after every statement. Two CPython defaults make the
writer's thread wait: the 5 ms switch interval (how long it waits for the loop to let go), and
frequent full garbage collections over everything start-up allocated, which hold the GIL for
~100 ms each. Measured with `bench/ingest.py`: ~15% more events/s each. The writer's thread is
the bottleneck of imports, and the shorter its waits the better: at 0.2 ms instead of 1 ms, a
200k-message DCE file imported at 20.6k messages/s instead of 17.3-17.8k (three runs each),
live ingest at 38k events/s instead of 33-36k; 0.1 ms was no better.
"""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL = 0.0002  # seconds
GC_THRESHOLDS = (50_000, 20, 100)


def tune_process() -> None:
    """Call once start-up is done: what exists now lives as long as the process."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()  # never scan the start-up heap (modules, the schema, caches) again
