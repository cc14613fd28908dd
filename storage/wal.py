"""Copying SQLite's write-ahead log back into the database, on a thread of its own.

By default the connection whose commit takes the WAL past its limit copies the log back itself,
inside that commit: the writer, which is the bottleneck of an import, spent a seventh of its
time there (a 20k-event batch commits in 60 ms, or in 250 ms with a checkpoint). Here writers
never checkpoint; after each commit a thread copies the new frames while the writer goes on
(WAL mode lets one checkpoint run beside a writer), on the machine's other core.

A log only starts over from its beginning when a write transaction begins with every frame
already copied, which a writer that never pauses does not wait for: so once the log passes
`restart_frames`, the next write first finishes the copy itself (only what the thread has not
reached yet) and then begins, and the log starts over.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)


class WalCheckpointer:
    """Checkpoints one SQLite file's WAL after commits; `before_write` bounds the log."""

    def __init__(
        self, path: str, *, restart_frames: int = 32768, min_interval: float = 0.05
    ) -> None:
        # 32768 frames of 4 KB: the log grows to about 128 MB (plus one batch) before it
        # starts over, a few large import batches apart.
        self.restart_frames = restart_frames
        self._min_interval = min_interval  # commits arriving within it share one pass
        self._conn = sqlite3.connect(
            path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.Lock()  # one checkpoint at a time, whoever runs it
        self._changed = threading.Condition()
        self._commits = 0  # commits announced so far
        self._copied = 0  # commits whose frames a finished pass has copied
        self._stopping = False
        self.log_frames = 0  # frames in the log at the last pass
        self.passes = 0
        self._thread = threading.Thread(target=self._run, name="rhizome-checkpoint", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """A writer committed: copy its frames soon."""
        with self._changed:
            self._commits += 1
            self._changed.notify_all()

    def before_write(self) -> None:
        """Past `restart_frames`, finish the copy so that the write about to begin starts the
        log over (unless a reader still holds part of it; then a later write will)."""
        if self.log_frames >= self.restart_frames and self._checkpoint():
            self.log_frames = 0

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the frames of every commit announced so far are copied."""
        with self._changed:
            target = self._commits
            return self._changed.wait_for(lambda: self._copied >= target, timeout)

    def close(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join()
        with self._lock:
            self._conn.close()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._stopping or self._commits > self._copied)
                if self._stopping:
                    return
                upto = self._commits
            self._checkpoint()
            with self._changed:
                self._copied = upto
                self._changed.notify_all()
                self._changed.wait_for(lambda: self._stopping, self._min_interval)

    def _checkpoint(self) -> bool:
        """One PASSIVE checkpoint (it never waits for readers or the writer); True when it ran."""
        with self._lock:
            try:
                busy, frames, _copied = self._conn.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
            except sqlite3.Error as exc:  # the log still holds everything; a later pass copies
                log.warning("WAL checkpoint failed: %s", exc)
                return False
            self.passes += 1
            if busy:
                return False
            self.log_frames = max(int(frames), 0)
            return True
