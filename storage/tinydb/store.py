"""The durable store: the indexes in memory, each commit in a journal line, checkpoints into TinyDB JSON files.

Files for `path` = data/clearback.json:

  clearback.json                 snapshot, TinyDB JSON (storage.tinydb.snapshot); one document a line
  clearback.json.prev            the previous snapshot, kept (a hard link) until the next checkpoint
  clearback.json.journal.<g>     append-only, one line per commit (storage.tinydb.codec, .journal)
  clearback.json.history/<hh>/<account_id>.json
                                 one account's resolved occurrences (storage.tinydb.history)
  clearback.json.lock            flock: one process at a time

Guarantees:
- A commit returns once its journal line is on disk, so it survives kill -9 and power loss. If the line
  cannot be written (disk full, read-only) the journal is truncated back, memory rolls back and the
  commit raises StorageUnavailable; the next commit tries again.
- Files other than the journal are only ever replaced whole (temp file, fsync, rename, fsync the
  directory), so a crash leaves the old or the new version, never a torn one; mode 0o600, dirs 0o700.
- Open = load the snapshot (streamed a region of lines at a time, decoded straight into records; never
  one whole-file dict unless the file is not in that layout), then replay every journal generation >=
  the snapshot's `journal_generation`. Every change is a full put or delete of a keyed record, so
  replaying a change the files already hold is harmless. A torn or CRC-failing line at the end of the
  last generation is a commit that was never acknowledged: it is dropped and truncated away. A bad line
  with good lines after it is corruption: start-up stops and names the salvage command (salvage skips
  such lines and says so; each line is a whole transaction, so nothing is half-applied).
- Checkpoint: under the lock, rotate to a new journal generation and take shallow copies of the tables
  (records are immutable) and of the history changes since the last checkpoint; then, without the lock,
  write the dirty history files and the snapshot, and only then delete the generations older than the
  previous snapshot's. A crash anywhere in between loses nothing: the old generations stay until the
  snapshot naming the new one is durable.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Final

from tinydb import TinyDB

from storage.base import SCHEMA_VERSION, StorageError, StorageUnavailable
from storage.indexed_store import IndexedStore
from storage.indexes import ACCOUNTS, HISTORY, Change
from storage.records import Record
from storage.tinydb.codec import JournalChange, encode_line
from storage.tinydb.files import DIR_MODE, StoreLock, WriteThrottle, fsync_dir, make_dir, sweep_temporary_files
from storage.tinydb.history import HISTORY_CACHE_ACCOUNTS, HistoryFiles
from storage.tinydb.interning import Interned
from storage.tinydb.journal import BadLines, Journal
from storage.tinydb.layout import AtomicJSONStorage
from storage.tinydb.loaders import BUILDERS, occurrence_from_doc
from storage.tinydb.migrations import migrate_doc
from storage.tinydb.snapshot import SNAPSHOT_TABLES, Damaged, SnapshotInfo, SnapshotReader, write_snapshot

log = logging.getLogger(__name__)

# A checkpoint starts when the journal reaches max(JOURNAL_CHECKPOINT_BYTES, snapshot size / 8). A checkpoint
# rewrites the whole snapshot, so this bounds that work to 8 bytes per journal byte, and replaying the
# journal at start-up to ~1/8 of loading the snapshot (100k people: 176 MB snapshot, ~22 MB journal).
JOURNAL_CHECKPOINT_BYTES: Final = 16 << 20
SNAPSHOT_TO_JOURNAL: Final = 8
# A background checkpoint writes at most this fast and fdatasyncs every layout.SYNC_EVERY bytes: on a shared
# disk a big burst of dirty data makes every commit's fdatasync wait behind it (measured: p99 ~100 ms vs 3 ms).
BACKGROUND_WRITE_RATE: Final = 48 << 20
AUTO_CHECKPOINT_RETRY_S: Final = 60.0  # after a failed background checkpoint, commits wait this long to retry


class TinyDBStore(IndexedStore):
    def __init__(
        self,
        path: str,
        *,
        checkpoint_bytes: int = JOURNAL_CHECKPOINT_BYTES,
        history_cache_accounts: int = HISTORY_CACHE_ACCOUNTS,
        freeze_gc: bool = True,
        salvage: bool = False,
    ) -> None:
        """Open (or create) the store at `path`.

        salvage=True is for `run_bot.py salvage` only: a damaged snapshot is replaced by the previous one
        (or by its lines that still parse) and damaged journal lines are skipped instead of refused.
        """
        self.path = os.path.abspath(path)
        self._history_files = HistoryFiles(self.path, history_cache_accounts)
        super().__init__(self._history_files)
        self._dir, self._name = os.path.split(self.path)
        self._checkpoint_bytes = checkpoint_bytes
        self._closed = False
        self._file_lock = StoreLock(self.path)
        self._journal = Journal(self.path)
        self._snapshot_generation = 0  # the snapshot holds every generation before this one
        self._previous_generation = 0  # the previous snapshot's: journals from it on are kept (0: none kept)
        self._scrub_requested = False  # someone was forgotten: the next checkpoint keeps no older copy
        self._salvage = salvage
        self.salvage_notes: list[str] = []  # salvage mode: what was read from where, what was skipped
        self._changed_since_snapshot = False
        self._checkpoint_mutex = threading.Lock()
        self._background: threading.Thread | None = None
        self.last_checkpoint_error: BaseException | None = None
        self._auto_checkpoint_after = 0.0  # monotonic time before which commits do not start one
        self._snapshot_bytes = 0
        self.recovery: dict[str, int] = {}  # what open found: replayed lines, dropped bytes, bad lines
        self._interned = Interned()  # only while opening
        self._migrated_from: int | None = None  # the schema version the snapshot was migrated from

        try:
            created: set[str] = set()
            make_dir(self._dir, created)
            for parent in created:  # a new data directory's own name must survive a crash too
                fsync_dir(parent)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create {self._dir}: {exc.strerror or exc}") from exc
        self._file_lock.acquire()
        try:
            self._db = TinyDB(self.path, storage=AtomicJSONStorage)
            storage = self._db.storage
            assert isinstance(storage, AtomicJSONStorage)
            self._storage = storage
            self._open(freeze_gc)
        except BaseException:
            self._release_files()
            raise

    @property
    def previous_snapshot_path(self) -> str:
        return self.path + ".prev"

    def history_path(self, account_id: str) -> str:
        return self._history_files.path(account_id)

    # Opening ------------------------------------------------------------------------------------
    def _open(self, freeze_gc: bool) -> None:
        # ~900k records at 100k people, all long-lived: a collection during the load only wastes time,
        # and so would the first one after it (a young generation of everything loaded: ~1 s), so the
        # collector stays off until what was loaded is frozen out of its sight.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        opened = False
        try:
            self._open_files()
            opened = True
        finally:
            if opened and freeze_gc:
                gc.freeze()
            if gc_was_enabled:
                gc.enable()
        if self._migrated_from is not None:
            self._changed_since_snapshot = True
            log.warning("migrated %s from schema %d to %d", self.path, self._migrated_from, SCHEMA_VERSION)
            self.checkpoint()  # from now on every journal line is in the current schema
        if self._scrub_requested:  # a /forget replayed from the journal: its older copies go now
            self.checkpoint_in_background()

    def _open_files(self) -> None:
        started = time.perf_counter()
        generations = self._journal.generations()
        with self.indexes.bulk_load():  # due entries are collected, and heapified once at the end
            version = self._load_snapshot()
            if version is None:
                if generations:
                    raise StorageError(
                        f"{self.path} is missing but journal files exist ({generations}); refusing to start "
                        "with what would be a partial database. Restore the snapshot file."
                    )
                self._snapshot_generation = 1
                self._write_snapshot({t: [] for t in SNAPSHOT_TABLES}, 1, None)
                version = SCHEMA_VERSION
            # Generations below the previous snapshot's are folded into both snapshots (a checkpoint that
            # stopped after its snapshot was durable left them); from it on they are kept to rebuild from it.
            self._journal.delete_before(self._previous_generation or self._snapshot_generation)
            sweep_temporary_files(self.path)
            live = [g for g in generations if g >= self._snapshot_generation]
            expected = list(range(self._snapshot_generation, live[-1] + 1)) if live else []
            if live != expected:
                log.error("journal generations %s: expected %s; the missing ones are lost", live, expected)
            loaded = time.perf_counter()
            self.recovery["snapshot_ms"] = int((loaded - started) * 1000)
            for generation in live:
                self._replay(generation, is_last=generation == live[-1], version=version)
        self.recovery["replay_ms"] = int((time.perf_counter() - loaded) * 1000)
        self._interned = Interned()  # only for loading: let the look-up tables go
        self._journal.open(live[-1] if live else self._snapshot_generation)
        self._snapshot_bytes = os.path.getsize(self.path)
        self.recovery["open_ms"] = int((time.perf_counter() - started) * 1000)
        self._migrated_from = version if version < SCHEMA_VERSION else None

    def _load_snapshot(self) -> int | None:
        """Load the snapshot into memory; its schema version, or None when there is none.

        A damaged snapshot stops start-up with the salvage command to run; in salvage mode the previous
        snapshot is read instead (the journals from its generation on are kept), else what still parses.
        """
        reader = SnapshotReader(self.indexes, self._interned, self.path)
        try:
            return self._took(reader.read_file(self.path))
        except Damaged as damage:
            if not self._salvage:
                raise StorageError(
                    f"{self.path} is damaged ({damage}). Nothing was changed. To rebuild it from the previous "
                    f"snapshot and the journals, stop the bot and run: {salvage_command(self.path)}"
                ) from damage
            self.salvage_notes.append(f"snapshot damaged ({damage})")
        self.indexes.clear()
        try:
            version = self._took(reader.read_file(self.previous_snapshot_path))
        except Damaged as damage:
            self.salvage_notes.append(f"previous snapshot damaged too ({damage})")
            version = None
        if version is not None:
            self.salvage_notes.append(f"read the previous snapshot (generation {self._snapshot_generation})")
            return version
        self.indexes.clear()
        return self._took(reader.read_readable_lines(self.path, self._journal.generations(), self.salvage_notes))

    def _took(self, info: SnapshotInfo | None) -> int | None:
        """Note the generations of the snapshot just loaded; its schema version."""
        if info is None:
            return None
        self._snapshot_generation = info.generation
        self._previous_generation = info.previous_generation
        return info.version

    def _replay(self, generation: int, *, is_last: bool, version: int) -> None:
        def apply(changes: list[JournalChange]) -> None:
            self._replay_changes(changes, version)

        replayed = self._journal.replay(generation, is_last=is_last, apply=apply, corrupt=self._corrupt_lines)
        recovery = self.recovery
        if replayed.dropped_tail_bytes:
            recovery["dropped_tail_bytes"] = recovery.get("dropped_tail_bytes", 0) + replayed.dropped_tail_bytes
        recovery["replayed_lines"] = recovery.get("replayed_lines", 0) + replayed.lines
        if replayed.lines:
            self._changed_since_snapshot = True

    def _corrupt_lines(self, path: str, bad: BadLines) -> None:
        """Damaged lines with acknowledged commits after them: refuse to start (skipping them silently would
        lose those commits' changes without a word), unless salvaging, which skips them and says so."""
        where = ", ".join(f"line {n} (byte {at})" for n, at in bad)
        if not self._salvage:
            raise StorageError(
                f"journal {path} is damaged at {where}; later commits follow, so nothing was skipped and "
                f"nothing was changed. To keep everything that still reads, stop the bot and run: "
                f"{salvage_command(self.path)}"
            )
        log.error("journal %s: skipped damaged %s", path, where)
        self.salvage_notes.append(f"skipped {len(bad)} damaged line(s) of {os.path.basename(path)}: {where}")
        self.recovery["corrupt_lines"] = self.recovery.get("corrupt_lines", 0) + len(bad)

    def _replay_changes(self, changes: list[JournalChange], version: int) -> None:
        for table, key, account_id, raw_doc in changes:
            doc = migrate_doc(table, raw_doc, version)
            if doc is not None:
                doc = self._interned.fix(table, doc)
            if table == HISTORY:
                self._history_files.load(account_id, key, None if doc is None else occurrence_from_doc(doc))
            elif table in SNAPSHOT_TABLES:
                self.indexes.apply(table, key, None if doc is None else BUILDERS[table](doc))
                if table == ACCOUNTS and doc is None:  # a /forget the older copies may still hold
                    self._scrub_requested = True
            else:
                raise StorageError(f"journal names an unknown table {table!r}: written by a newer version?")

    # Writing ------------------------------------------------------------------------------------
    def _persist(self, changes: list[Change]) -> None:
        if self._closed:
            raise StorageError(f"{self.path} is closed")
        self._journal.append(encode_line(changes))
        self._changed_since_snapshot = True
        if self._journal.size >= self._checkpoint_limit() and time.monotonic() >= self._auto_checkpoint_after:
            try:
                self.checkpoint_in_background()
            except Exception:  # the commit is durable already: a checkpoint problem must not undo it
                log.exception("could not start a background checkpoint")

    def probe_write(self, now: float) -> None:
        """An empty journal line, durable like every commit (replaying it changes nothing)."""
        with self.indexes.lock:
            self._persist([])

    def _checkpoint_limit(self) -> int:
        return max(self._checkpoint_bytes, self._snapshot_bytes // SNAPSHOT_TO_JOURNAL)

    # Checkpoints ----------------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Fold the journal into the snapshot and the history files; blocks until durable."""
        self._checkpoint(pace=None)

    def checkpoint_in_background(self) -> threading.Thread:
        """Start a checkpoint in a thread (one at a time) so an event loop is not blocked; returns it."""
        with self.indexes.lock:
            running = self._background
            if running is not None and running.is_alive():
                return running
            thread = threading.Thread(target=self._background_checkpoint, name="clearback-checkpoint", daemon=True)
            self._background = thread
            thread.start()
            return thread

    def _background_checkpoint(self) -> None:
        try:
            self._checkpoint(pace=WriteThrottle(BACKGROUND_WRITE_RATE))
        except BaseException as exc:
            self.last_checkpoint_error = exc
            self._auto_checkpoint_after = time.monotonic() + AUTO_CHECKPOINT_RETRY_S  # no retry storm
            log.exception("background checkpoint of %s failed; the journal keeps everything", self.path)

    def _checkpoint(self, pace: Callable[[int], None] | None) -> None:
        history = self._history_files
        with self._checkpoint_mutex:
            with self.indexes.lock:
                if self.indexes.in_transaction:
                    raise StorageError("checkpoint() inside atomic(): call it after the block")
                if self._closed:
                    return
                if not self._changed_since_snapshot and not history.has_pending:
                    return
                try:
                    new_generation = self._journal.rotate()
                except OSError as exc:
                    raise StorageUnavailable(f"cannot start a new journal: {exc.strerror or exc}") from exc
                view = {t: self.indexes.rows(t) for t in SNAPSHOT_TABLES}
                inflight = history.begin_checkpoint()
                self._changed_since_snapshot = False
                scrub, self._scrub_requested = self._scrub_requested, False
                kept_generation = self._snapshot_generation  # becomes the previous snapshot's
            try:
                started = time.perf_counter()
                dirs: set[str] = set()
                for account_id, pending in inflight.items():
                    history.write_file(account_id, pending, dirs, pace)
                for directory in sorted(dirs, key=len, reverse=True):
                    fsync_dir(directory)
                self._write_snapshot(view, new_generation, pace, previous=None if scrub else kept_generation)
            except BaseException as exc:
                with self.indexes.lock:
                    self._scrub_requested = self._scrub_requested or scrub
                    history.abort_checkpoint(inflight)
                    self._changed_since_snapshot = True
                if isinstance(exc, OSError):
                    raise StorageUnavailable(f"checkpoint failed: {exc.strerror or exc}") from exc
                raise
            with self.indexes.lock:
                history.end_checkpoint(inflight)
                self._snapshot_generation = new_generation
                self._previous_generation = 0 if scrub else kept_generation
                self._snapshot_bytes = os.path.getsize(self.path)
            if scrub:  # nobody's forgotten data may stay in an older copy
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.previous_snapshot_path)
            # The previous snapshot and the journals from its generation on stay: one bad byte in the new
            # snapshot is then repaired by `salvage` without losing anything.
            self._journal.delete_before(self._previous_generation or new_generation)
            log.info(
                "checkpoint of %s: generation %d, %d history files, %.2fs",
                self.path,
                new_generation,
                len(inflight),
                time.perf_counter() - started,
            )

    def _write_snapshot(
        self,
        view: Mapping[str, list[Record]],
        generation: int,
        pace: Callable[[int], None] | None,
        previous: int | None = None,
    ) -> None:
        """Write the snapshot; with `previous` (that snapshot's generation) the one it replaces is kept."""
        write_snapshot(self._storage, view, generation, pace, previous, keep_previous=self.previous_snapshot_path)

    def rewrite_from_memory(self) -> str:
        """Salvage: move the files that were read into a folder beside the store, then write everything anew
        from memory (a fresh snapshot, history files, an empty journal). Returns the folder."""
        aside = f"{self.path}.before-salvage-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
        os.mkdir(aside, DIR_MODE)
        with self.indexes.lock:
            generations = self._journal.generations()
            fresh = max([*generations, self._journal.generation]) + 1
            self._journal.close()
            journals = [os.path.basename(self._journal.path_of(g)) for g in generations]
            for name in [self._name, self._name + ".prev", *journals]:
                with contextlib.suppress(FileNotFoundError):
                    os.rename(os.path.join(self._dir, name), os.path.join(aside, name))
            fsync_dir(aside)
            self._snapshot_generation = fresh
            self._previous_generation = 0
            self._write_snapshot({t: self.indexes.rows(t) for t in SNAPSHOT_TABLES}, fresh, None)
            self._journal.open(fresh)
            self._changed_since_snapshot = self._scrub_requested = True
        self.checkpoint()  # the history replayed from the journals goes into the history files
        return aside

    # Forgetting ------------------------------------------------------------------------------------
    def delete_account(self, account_id: str) -> None:
        """Delete the account, then checkpoint in the background keeping no older copy, so within seconds no
        file of the store holds a byte of it (journals, snapshots, history). If that checkpoint cannot run
        now, maintenance() (once a minute) starts it."""
        super().delete_account(account_id)
        with self.indexes.lock:
            self._scrub_requested = True
            if not self.indexes.in_transaction:  # else the caller's is still open: maintenance() starts it
                self.checkpoint_in_background()
        self._history_files.remove_damaged_copies(account_id)

    def maintenance(self) -> None:
        """Called about once a minute: after a /forget, checkpoint now rather than at 16 MB of journal."""
        with self.indexes.lock:
            due = self._scrub_requested and not self._closed
        if due:
            self.checkpoint_in_background()

    # Lifecycle --------------------------------------------------------------------------------------
    def close(self, checkpoint: bool = True) -> None:
        """Finish any background checkpoint, fold the journal in, release the files (idempotent).

        checkpoint=False skips the final checkpoint for a quick stop: nothing is lost (every commit is
        in the journal), the next open just replays more.
        """
        with self.indexes.lock:
            if self._closed:
                return
            running = self._background
        if running is not None:
            running.join()
        try:
            if checkpoint:
                self.checkpoint()
        except Exception as exc:  # whatever it was, shutdown goes on: every commit is in the journal
            reason = f"{type(exc).__name__}: {exc}"
            log.error("final checkpoint of %s failed (%s); the journal keeps everything", self.path, reason)
        with self.indexes.lock:
            self._closed = True
            self._release_files()

    def _release_files(self) -> None:
        self._journal.close()
        self._file_lock.release()

    def _release_lock_for_tests(self) -> None:
        """Drop the files as kill -9 would: no checkpoint, nothing flushed (commits already are).

        A running background checkpoint is let finish first: unlike a killed process, its thread would
        otherwise go on writing files under a store opened next on the same path.
        """
        running = self._background
        if running is not None:
            running.join()
        with self.indexes.lock:
            self._closed = True
            self._release_files()

    def stats(self) -> dict[str, int]:
        with self.indexes.lock:
            counts = super().stats()
            counts.update(
                journal_bytes=self._journal.size,
                journal_generation=self._journal.generation,
                checkpoint_at_bytes=self._checkpoint_limit(),
                snapshot_generation=self._snapshot_generation,
                previous_generation=self._previous_generation,
            )
            counts.update(self._history_files.stats())
            return counts


def salvage_command(path: str) -> str:
    return f"python run_bot.py salvage --db {path}"


def salvage(path: str) -> list[str]:
    """Rebuild a damaged store from what still reads: the snapshot (or the previous one, or the lines of the
    snapshot that parse) and every journal line that passes its check. Everything read is moved into a
    folder beside the store first (nothing is deleted); returns what was done, line by line."""
    store = TinyDBStore(path, salvage=True, freeze_gc=False)
    try:
        notes = list(store.salvage_notes) or ["nothing was damaged"]
        aside = store.rewrite_from_memory()
        notes.append(f"wrote a fresh snapshot; the files it was rebuilt from are in {aside}")
        counts = store.stats()
        notes.append(
            f"now: {counts['accounts']} accounts, {counts['reminders']} reminders, "
            f"{counts['occurrences']} open occurrences"
        )
    finally:
        store.close()
    return notes
