"""Backups of a TinyDB store: a consistent copy taken while its bot runs, as one archive; and putting one back.

A running bot holds the store's lock and goes on committing and checkpointing, so the copy never asks it for
anything: it reads the files in the order the store's own rules make safe (storage/tinydb/store.py).

1. The snapshot, from one open descriptor (it is only ever replaced whole). Its _meta names generation G:
   it holds every journal generation before G.
2. Every history file. Each is replaced whole; a checkpoint writes them before its snapshot, so each copy
   holds at least what snapshot G's checkpoint wrote, and at most what the journals read next hold.
3. Every journal generation from G on, in order. Only the newest is still appended to, so the copy is a
   prefix of the commits: a line cut off at its end is an unfinished commit, which opening drops.
   Generations from G on are deleted only after a later snapshot is durable; if one is gone (or a
   checkpoint replaced the snapshot and folded G away) the copy starts again.

The copy is then opened as a store in a folder of its own (which replays the journals exactly as a restart
would, refusing anything damaged), checkpointed and closed, and archived with a manifest: a backup that was
written has been read back once. It needs the memory the bot needs to open the store.

The archive (tar + gzip) is written beside DEST, owner-only (0600), fsynced and renamed over DEST: never a
half-written backup. restore() unpacks one into an empty data directory, checks it opens, and only then moves
it into place, the snapshot last (a store with journals but no snapshot refuses to open, so an interrupted
restore can never start as a partial database).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from storage.base import StorageError
from storage.tinydb.files import FILE_MODE, StoreLock, fsync_dir, make_dir
from storage.tinydb.journal import Journal
from storage.tinydb.layout import AtomicJSONStorage, NotLineFormat, decode_docs, iter_table_regions
from storage.tinydb.migrations import META, meta_doc
from storage.tinydb.store import TinyDBStore

MANIFEST: Final = "MANIFEST.json"
FORMAT: Final = "clearback-tinydb-backup"
FORMAT_VERSION: Final = 1
ATTEMPTS: Final = 20  # a copy starts again only when two checkpoints finish while it reads: rarely twice
COPY_CHUNK: Final = 1 << 20
IGNORED_IN_DATA_DIR: Final = frozenset({"lost+found"})  # a fresh ext4 volume's only entry


class NotEmpty(StorageError):
    """restore() was pointed at a data directory that already holds something."""


class _Moved(Exception):
    """A file the copy needed was replaced or folded away while it read: start again."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: str
    accounts: int
    reminders: int
    occurrences: int  # open ones
    history_files: int
    attempts: int = 1


def backup(store_path: str, dest: str) -> BackupInfo:
    """Write a consistent copy of the store at `store_path` (running or not) to the archive `dest`.

    `dest` may be a directory (existing, or ending in /): the archive is then clearback-<UTC time>.tar.gz in it.
    Raises StorageError when there is no store, or when the copy does not open (damaged: salvage first).
    """
    source = os.path.abspath(store_path)
    if not os.path.isfile(source):
        raise StorageError(f"there is no TinyDB store at {source} (nothing to back up)")
    target = os.path.abspath(dest)
    if os.path.isdir(target) or dest.endswith(os.sep):
        target = os.path.join(target, f"clearback-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.tar.gz")
    folder = os.path.dirname(target)
    make_dir(folder)
    # The copy holds people's data: a 0700 folder beside the archive (same file system), always removed.
    work = tempfile.mkdtemp(prefix=".clearback-backup-", dir=folder)
    try:
        name = os.path.basename(source)
        copy = os.path.join(work, name)
        attempts = _copy_consistently(source, copy)
        store = TinyDBStore(copy, freeze_gc=False)
        try:
            counts = store.stats()
        finally:
            store.close()  # folds the replayed journals into a fresh snapshot and history files
        with contextlib.suppress(FileNotFoundError):
            os.unlink(copy + ".lock")
        files = sorted(_files_under(work))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "store": name,
            "created_at": time.time(),
            "accounts": counts["accounts"],
            "reminders": counts["reminders"],
            "occurrences": counts["occurrences"],
        }
        _write_archive(target, work, files, manifest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    history = sum(1 for f in files if f.startswith(name + ".history" + os.sep))
    return BackupInfo(target, counts["accounts"], counts["reminders"], counts["occurrences"], history, attempts)


def restore(archive: str, store_path: str) -> BackupInfo:
    """Put the backup `archive` back as the store at `store_path`, whose directory must be empty (or missing).

    Raises NotEmpty (nothing written) when the directory holds anything, StorageError when the archive is not
    a ClearBack backup or does not open as a store.
    """
    target = os.path.abspath(store_path)
    data_dir, name = os.path.split(target)
    if os.path.isdir(data_dir):
        present = sorted(set(os.listdir(data_dir)) - IGNORED_IN_DATA_DIR)
        if present:
            shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
            raise NotEmpty(
                f"{data_dir} is not empty ({shown}); restore only into an empty data directory: stop the bot and "
                "move that directory aside first"
            )
    make_dir(data_dir)
    lock = StoreLock(target)  # no bot may start on this path while the files arrive
    lock.acquire()
    work = tempfile.mkdtemp(prefix=".clearback-restore-", dir=data_dir)
    restored = False
    try:
        files = _unpack(archive, work, name)
        store = TinyDBStore(os.path.join(work, name), freeze_gc=False)
        try:
            counts = store.stats()
        finally:
            store.close(checkpoint=False)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(work, name + ".lock"))
        # Everything but the snapshot first: without it, a half-moved store refuses to open.
        for entry in sorted(os.listdir(work), key=lambda n: n == name):
            os.rename(os.path.join(work, entry), os.path.join(data_dir, entry))
        fsync_dir(data_dir)
        restored = True
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not restored:  # leave the directory as empty as it was, so the next try is not refused
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock.path)
        lock.release()
    history = sum(1 for f in files if f.startswith(name + ".history" + os.sep))
    return BackupInfo(target, counts["accounts"], counts["reminders"], counts["occurrences"], history)


# Copying a live store ----------------------------------------------------------------------------------
def _copy_consistently(source: str, copy: str) -> int:
    """Copy the store's files into `copy`'s folder by the rules in the module docstring; the attempts it took."""
    for attempt in range(1, ATTEMPTS + 1):
        _clear(os.path.dirname(copy))
        try:
            _copy_once(source, copy)
        except _Moved:
            time.sleep(0.01 * attempt)
            continue
        return attempt
    raise StorageError(f"{source} kept changing under the copy ({ATTEMPTS} attempts); try again")


def _copy_once(source: str, copy: str) -> None:
    try:
        with open(source, "rb") as handle:
            _copy_stream(handle, copy)
    except FileNotFoundError as exc:
        raise _Moved from exc
    generation = _snapshot_generation(copy)
    history = source + ".history"
    if os.path.isdir(history):
        for bucket in sorted(os.scandir(history), key=lambda e: e.name):
            if not bucket.is_dir():
                continue
            for entry in sorted(os.scandir(bucket.path), key=lambda e: e.name):
                if not entry.name.endswith(".json"):  # temp files of a checkpoint, damaged copies set aside
                    continue
                try:
                    with open(entry.path, "rb") as handle:
                        _copy_stream(handle, os.path.join(copy + ".history", bucket.name, entry.name))
                except FileNotFoundError:
                    pass  # emptied (a /forget): the journals read next delete the rows too
    journal = Journal(source)
    live = [g for g in journal.generations() if g >= generation]
    if not live or live != list(range(generation, live[-1] + 1)):
        raise _Moved  # a checkpoint replaced the snapshot and folded generation G away meanwhile
    for g in live:
        try:
            with open(journal.path_of(g), "rb") as handle:
                _copy_stream(handle, f"{copy}.journal.{g}")
        except FileNotFoundError as exc:
            raise _Moved from exc


def _snapshot_generation(path: str) -> int:
    """The journal generation the snapshot at `path` holds everything before (its _meta)."""
    with open(path, "rb") as handle:
        try:
            for table, region in iter_table_regions(handle):
                if table == META:
                    docs = decode_docs(region)
                    return int(docs[0].get("journal_generation", 1)) if docs else 1
                break
        except NotLineFormat:
            pass
    raw = AtomicJSONStorage(path).read()  # an older layout: read whole
    return int(meta_doc(raw or {}).get("journal_generation", 1))


def _copy_stream(handle: IO[bytes], path: str) -> None:
    make_dir(os.path.dirname(path))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(handle, out, COPY_CHUNK)


def _clear(folder: str) -> None:
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def _files_under(root: str) -> Iterator[str]:
    for directory, _dirs, names in os.walk(root):
        for name in names:
            yield os.path.relpath(os.path.join(directory, name), root)


# The archive -----------------------------------------------------------------------------------------
def _write_archive(target: str, root: str, files: list[str], manifest: dict[str, object]) -> None:
    staged = f"{target}.tmp-{os.getpid()}"
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            with tarfile.open(fileobj=out, mode="w:gz") as tar:
                data = json.dumps(manifest, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(time.time()), FILE_MODE
                tar.addfile(info, io.BytesIO(data))
                for name in files:  # .prev is a hard link to an older snapshot: tar stores it as a link
                    tar.add(os.path.join(root, name), arcname=name, recursive=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(staged, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
        raise
    fsync_dir(os.path.dirname(target))


def _unpack(archive: str, into: str, name: str) -> list[str]:
    """Unpack a backup into `into`, renaming its store to `name`; the files written."""
    try:
        tar = tarfile.open(archive, mode="r:*")  # noqa: SIM115 - closed below, once the open is known to work
    except OSError as exc:
        raise StorageError(f"cannot read {archive}: {exc.strerror or exc}") from exc
    except tarfile.TarError as exc:
        raise StorageError(f"{archive} is not a ClearBack backup ({exc})") from exc
    with tar:
        members = tar.getmembers()
        manifest = _manifest(tar, members, archive)
        stored = str(manifest["store"])
        written: list[str] = []
        for member in members:
            if member.name == MANIFEST:
                continue
            relative = _renamed(member.name, stored, name, archive)
            path = os.path.join(into, relative)
            if member.isdir():
                make_dir(path)
            elif member.islnk():
                make_dir(os.path.dirname(path))
                os.link(os.path.join(into, _renamed(member.linkname, stored, name, archive)), path)
                written.append(relative)
            elif member.isfile():
                source = tar.extractfile(member)
                assert source is not None  # a regular file always has its data
                with source:
                    _copy_stream(source, path)
                written.append(relative)
            else:
                raise StorageError(f"{archive}: unexpected entry {member.name!r} (not a ClearBack backup?)")
    return written


def _manifest(tar: tarfile.TarFile, members: list[tarfile.TarInfo], archive: str) -> dict[str, object]:
    found = next((m for m in members if m.name == MANIFEST and m.isfile()), None)
    handle = tar.extractfile(found) if found is not None else None
    if handle is None:
        raise StorageError(f"{archive} is not a ClearBack backup (no {MANIFEST})")
    with handle:
        try:
            manifest = json.loads(handle.read())
        except ValueError as exc:
            raise StorageError(f"{archive}: unreadable {MANIFEST} ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not manifest.get("store"):
        raise StorageError(f"{archive} is not a ClearBack TinyDB backup")
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise StorageError(f"{archive} was written by a newer ClearBack (format {manifest.get('format_version')})")
    return manifest


def _renamed(member: str, stored: str, name: str, archive: str) -> str:
    """A member's path with the backed-up store's name replaced by `name`; refuses any path leaving the folder."""
    parts = Path(member).parts
    first = parts[0] if parts else ""
    if (
        os.path.isabs(member)
        or ".." in parts
        or not (first == stored or first.startswith(stored + "."))
        or any(part.startswith(".") and part != first for part in parts)
    ):
        raise StorageError(f"{archive}: refusing the entry {member!r} (not a file of the store {stored!r})")
    return os.path.join(name + first[len(stored) :], *parts[1:])


__all__ = ["BackupInfo", "NotEmpty", "backup", "restore"]
