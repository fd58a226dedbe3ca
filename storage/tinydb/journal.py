"""The journal files: generations, durable append (truncated back on failure), rotation, replay.

`<store>.journal.<g>` holds one line per commit (storage.tinydb.codec), appended with one write and
one fdatasync. A checkpoint rotates to generation g + 1; generations the snapshots no longer need are
deleted. Replaying a generation applies each good line; a torn or CRC-failing tail of the last
generation is a commit that was never acknowledged and is truncated away, while bad lines with good
ones after them are corruption and are handed to the caller to decide about.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from storage.base import StorageUnavailable
from storage.tinydb.codec import JournalChange, decode_line
from storage.tinydb.files import FILE_MODE, datasync, fsync_dir

log = logging.getLogger(__name__)

BadLines = list[tuple[int, int]]  # (line number, byte offset) of lines that failed their check


@dataclass(frozen=True, slots=True)
class Replayed:
    lines: int  # good lines applied
    dropped_tail_bytes: int  # an unfinished commit cut off the end of the last generation


class Journal:
    """The journal generations of the store at `store_path`, and the descriptor commits append to."""

    def __init__(self, store_path: str) -> None:
        self.store_path = store_path
        self._dir, name = os.path.split(store_path)
        self._pattern = re.compile(re.escape(name) + r"\.journal\.(\d+)")
        self.generation = 0  # the generation commits append to
        self.size = 0
        self._fd = -1
        self._bad_tail: int | None = None  # a failed append we could not truncate away yet

    def path_of(self, generation: int) -> str:
        return f"{self.store_path}.journal.{generation}"

    def generations(self) -> list[int]:
        found = []
        for name in os.listdir(self._dir):
            match = self._pattern.fullmatch(name)
            if match is not None:
                found.append(int(match.group(1)))
        return sorted(found)

    # Appending --------------------------------------------------------------------------------------
    def open(self, generation: int) -> None:
        """Append to this generation from now on (created if missing)."""
        path = self.path_of(generation)
        existed = os.path.exists(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, FILE_MODE)
        if not existed:
            fsync_dir(self._dir)  # the new file's name must survive a crash, not only its data
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = fd
        self.generation = generation
        self.size = os.fstat(fd).st_size

    def append(self, line: bytes) -> None:
        """Durable when it returns; on failure the file is truncated back and StorageUnavailable raised."""
        fd = self._fd
        if self._bad_tail is not None:
            try:
                os.ftruncate(fd, self._bad_tail)
            except OSError as exc:
                raise StorageUnavailable(f"journal still cannot be repaired: {exc.strerror or exc}") from exc
            self.size, self._bad_tail = self._bad_tail, None
        start = self.size
        try:
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                if written <= 0:
                    raise OSError(errno.ENOSPC, "short write")
                view = view[written:]
            datasync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, start)
            except OSError:
                # Retried before the next append; until then the tail may hold an unacknowledged line.
                self._bad_tail = start
                log.error("could not truncate %s after a failed write", self.path_of(self.generation))
            raise StorageUnavailable(f"could not save the change: {exc.strerror or exc}") from exc
        self.size = start + len(line)

    def rotate(self) -> int:
        """Start the next generation (raises OSError); returns it."""
        if self._bad_tail is not None:  # never leave a maybe-complete, rolled-back line behind
            os.ftruncate(self._fd, self._bad_tail)
            self.size, self._bad_tail = self._bad_tail, None
        generation = self.generation + 1
        path = self.path_of(generation)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, FILE_MODE)
        try:
            fsync_dir(self._dir)
        except OSError:
            os.close(fd)
            os.unlink(path)
            raise
        os.close(self._fd)
        self._fd, self.generation, self.size = fd, generation, 0
        return generation

    def close(self) -> None:
        """Idempotent."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1

    def delete_before(self, generation: int) -> None:
        # Called once a snapshot holding them is durable: a journal left behind now is only untidy.
        try:
            for old in self.generations():
                if old < generation:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.path_of(old))
        except OSError as exc:
            log.warning("could not delete old journals of %s: %s", self.store_path, exc)

    # Replaying --------------------------------------------------------------------------------------
    def replay(
        self,
        generation: int,
        *,
        is_last: bool,
        apply: Callable[[list[JournalChange]], None],
        corrupt: Callable[[str, BadLines], None],
    ) -> Replayed:
        """Apply each good line of a generation in order. `corrupt(path, bad)` is told of bad lines that are
        not a torn tail (it may raise to refuse them); a torn tail of the last generation is truncated."""
        path = self.path_of(generation)
        with open(path, "rb") as handle:
            data = handle.read()
        offset = 0
        bad: BadLines = []
        first_bad_tail: int | None = None
        applied = 0
        number = 0
        dropped = 0
        while offset < len(data):
            end = data.find(b"\n", offset)
            line = data[offset:] if end < 0 else data[offset:end]
            changes = None if end < 0 else decode_line(line)
            number += 1
            if changes is None:
                bad.append((number, offset))
                if first_bad_tail is None:
                    first_bad_tail = offset
            else:
                if first_bad_tail is not None:  # good lines after bad ones: those were corruption
                    corrupt(path, bad)
                    bad = []
                    first_bad_tail = None
                apply(changes)
                applied += 1
            offset = len(data) if end < 0 else end + 1
        if first_bad_tail is not None:
            if is_last:
                # The last commit was torn by the crash: it was never acknowledged.
                dropped = len(data) - first_bad_tail
                log.warning("journal %s: dropping %d bytes of an unfinished commit at the end", path, dropped)
                with open(path, "r+b") as handle:
                    handle.truncate(first_bad_tail)
                    os.fsync(handle.fileno())
            else:
                corrupt(path, bad)
        return Replayed(applied, dropped)
