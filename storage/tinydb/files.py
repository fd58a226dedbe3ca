"""File primitives of the durable store: modes, directories, syncing, the one-process lock, the write throttle.

Files are created owner-only (0o600, directories 0o700); a new name is made durable by syncing its
directory, not only its data.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from typing import Final

from storage.base import StorageLocked, StorageUnavailable

log = logging.getLogger(__name__)

FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def datasync(fd: int) -> None:
    # fdatasync also flushes the file size, which is all an append needs.
    sync = getattr(os, "fdatasync", os.fsync)
    sync(fd)


def make_dir(path: str, created: set[str] | None = None) -> None:
    """mkdir -p with mode 0o700; new directories' parents go into `created` (they need an fsync)."""
    if os.path.isdir(path):
        return
    parent = os.path.dirname(path)
    if parent and parent != path:
        make_dir(parent, created)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, DIR_MODE)
        if created is not None:
            created.add(parent or ".")


class StoreLock:
    """An exclusive flock on `<store>.lock`: one process at a time (the file names the holder's pid)."""

    def __init__(self, store_path: str) -> None:
        self.store_path = store_path
        self.path = store_path + ".lock"
        self._fd = -1

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create {self.path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StorageLocked(
                    f"{self.store_path} is already open (process {holder} holds {self.path}). "
                    "Only one ClearBack process may use a data file: stop the other one first."
                ) from exc
            raise StorageUnavailable(f"cannot lock {self.path}: {exc.strerror or exc}") from exc
        self._fd = fd
        with contextlib.suppress(OSError):  # the pid is only for the message above
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        """Idempotent; closing the descriptor releases the flock."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1


class WriteThrottle:
    """Keeps a background checkpoint's file writes gentle with the event loop's commits.

    (Not to be confused with bot.ratelimit, which paces messages to the platforms.) Disk: at most
    `rate` bytes/s. CPU: after ~0.5 ms of work it sleeps ~0.1 ms. A thread that only releases the GIL
    for a moment (sleep(0)) usually takes it straight back, and a commit waiting for the GIL then waits
    the full switch interval (5 ms) after each of its syscalls; a real sleep hands the GIL over at once
    (measured at 100k people: commit p99 during a checkpoint 40 ms -> see bench).
    """

    def __init__(self, rate: int, work_s: float = 0.0005, rest_s: float = 0.0001) -> None:
        self.rate = rate
        self.work_s = work_s
        self.rest_s = rest_s
        self.started = self.rested = time.monotonic()
        self.done = 0

    def __call__(self, nbytes: int) -> None:
        self.done += nbytes
        now = time.monotonic()
        ahead = self.done / self.rate - (now - self.started)
        if ahead > 0:
            time.sleep(ahead)
        elif now - self.rested >= self.work_s:
            time.sleep(self.rest_s)
        else:
            return
        self.rested = time.monotonic()


def sweep_temporary_files(store_path: str) -> None:
    """Temp files of a checkpoint that was interrupted hold copies of people's data: remove them."""
    swept = 0
    for directory, names in _temp_file_candidates(store_path):
        for name in names:
            if name.endswith(".tmp"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(directory, name))
                    swept += 1
    if swept:
        log.info("removed %d temporary files left by an interrupted checkpoint", swept)


def _temp_file_candidates(store_path: str) -> Iterator[tuple[str, list[str]]]:
    directory, name = os.path.split(store_path)
    yield directory, [n for n in os.listdir(directory) if n.startswith(name + ".")]
    history_root = store_path + ".history"
    if os.path.isdir(history_root):
        for bucket in os.scandir(history_root):
            if bucket.is_dir():
                yield bucket.path, os.listdir(bucket.path)
