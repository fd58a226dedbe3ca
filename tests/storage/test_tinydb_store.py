"""The durable store: recovery, crashes, disk errors, the file format, lazy history, migration."""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import json
import logging
import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tinydb import TinyDB

from storage.base import SCHEMA_VERSION, StorageError, StorageLocked, StorageUnavailable
from storage.factory import open_store
from storage.indexed_store import IndexedStore
from storage.memory_store import MemoryStore
from storage.records import DONE, MISSED, RETRY, SENT, SKIPPED, SNOOZED, Delivery, Occurrence, Record, from_doc, to_doc
from storage.tally import empty
from storage.tinydb import BUILDERS, AtomicJSONStorage, TinyDBStore, salvage
from storage.tinydb.history import HistoryFiles
from storage.tinydb.interning import schedule_key
from storage.tinydb.journal import Journal
from storage.tinydb.layout import NotLineFormat, iter_doc_texts
from tests.storage.helpers import T0, account, identity, occurrence, reminder, state_of

REPO = Path(__file__).resolve().parents[2]
Opener = Callable[..., TinyDBStore]


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "data" / "clearback.json")


@pytest.fixture
def opened(db_path: str) -> Iterator[Opener]:
    """Open stores on db_path; whatever a test leaves open is released at the end."""
    stores: list[TinyDBStore] = []

    def open_(**kwargs: Any) -> TinyDBStore:
        kwargs.setdefault("freeze_gc", False)
        store = TinyDBStore(db_path, **kwargs)
        stores.append(store)
        return store

    yield open_
    for store in stores:
        store._release_lock_for_tests()


def crash(store: TinyDBStore) -> None:
    """What kill -9 leaves: the files as they are, no checkpoint."""
    store._release_lock_for_tests()


def fill(store: TinyDBStore, accounts: int = 3) -> list[str]:
    ids = [f"acct{i}" for i in range(accounts)]
    for n, aid in enumerate(ids):
        with store.atomic():
            store.put_account(account(aid))
            store.put_identity(identity(aid, user=str(100 + n)))
            for number in (1, 2, 3):
                store.put_reminder(reminder(aid, number, next_due=T0 + 1000 * n + number))
        rem = reminder(aid, 1)
        store.put_occurrence(occurrence(rem, due=T0, status=SNOOZED, fire_at=T0 + 60 * n))
        for day in range(1, 6):
            store.put_occurrence(occurrence(rem, due=T0 - 86400 * day, status=DONE if day % 2 else SKIPPED))
    return ids


def failing(code: int) -> Callable[..., Any]:
    def fail(*_: Any) -> Any:
        raise OSError(code, os.strerror(code))

    return fail


def journal_files(db_path: str) -> list[str]:
    return sorted(p.name for p in Path(db_path).parent.iterdir() if ".journal." in p.name)


def last_journal(db_path: str) -> Path:
    return Path(db_path).parent / max(journal_files(db_path), key=lambda n: int(n.rsplit(".", 1)[1]))


# Reopening ----------------------------------------------------------------------------------------
def test_reopen_after_close_and_after_crash(opened: Opener, db_path: str) -> None:
    store = opened()
    ids = fill(store)
    expected = state_of(store, ids)
    store.close()
    again = opened()
    assert state_of(again, ids) == expected
    assert again.stats()["journal_bytes"] == 0  # close() folded the journal into the files
    again.put_occurrence(occurrence(reminder("acct0"), due=T0 - 86400 * 9, status=MISSED))
    again.delete_reminder(reminder("acct1", 2).id)
    expected = state_of(again, ids)
    crash(again)
    assert state_of(opened(), ids) == expected


def test_factory(tmp_path: Path) -> None:
    assert type(open_store(None)) is MemoryStore
    durable = open_store(str(tmp_path / "x.json"))
    assert isinstance(durable, TinyDBStore)
    durable.close()


def test_second_open_is_refused(opened: Opener, db_path: str) -> None:
    opened()
    with pytest.raises(StorageLocked, match="already open"):
        TinyDBStore(db_path)
    child = subprocess.run(
        [sys.executable, "-c", f"from storage.tinydb import TinyDBStore; TinyDBStore({db_path!r})"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "StorageLocked" in child.stderr


# Torn and damaged journals ------------------------------------------------------------------------
def test_torn_tail_is_dropped(opened: Opener, db_path: str) -> None:
    store = opened()
    ids = fill(store, 1)
    expected = state_of(store, ids)
    crash(store)
    journal = last_journal(db_path)
    good_size = journal.stat().st_size
    line = journal.read_bytes().splitlines(keepends=True)[-1]
    with journal.open("ab") as f:
        f.write(line[: len(line) // 2])  # the crash tore the next commit
    again = opened()
    assert state_of(again, ids) == expected
    assert again.recovery["dropped_tail_bytes"] == len(line) // 2
    assert journal.stat().st_size == good_size
    again.put_account(account("acct0", next_number=7))  # appends after the cut, not after the garbage
    crash(again)
    got = opened().get_account("acct0")
    assert got is not None and got.next_number == 7


def test_crc_mismatch_at_the_end_is_dropped(opened: Opener, db_path: str) -> None:
    store = opened()
    store.put_account(account("a"))
    store.put_account(account("b"))
    crash(store)
    journal = last_journal(db_path)
    data = bytearray(journal.read_bytes())
    data[-5] ^= 0x01  # a flipped bit inside the last line's JSON
    journal.write_bytes(bytes(data))
    again = opened()
    assert again.get_account("a") is not None and again.get_account("b") is None
    assert again.recovery["dropped_tail_bytes"] > 0


def test_bad_line_in_the_middle_stops_start_up_and_salvage_keeps_the_rest(
    opened: Opener, db_path: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = opened()
    for name in ("a", "b", "c"):
        store.put_account(account(name))
    crash(store)
    journal = last_journal(db_path)
    lines = journal.read_bytes().splitlines(keepends=True)
    middle = lines[-2]
    lines[-2] = middle[:20] + b"X" + middle[21:]
    damaged = b"".join(lines)
    journal.write_bytes(damaged)
    with pytest.raises(StorageError) as refused:
        opened()
    message = str(refused.value)
    assert f"{journal.name} is damaged at line {len(lines) - 1}" in message
    assert f"run_bot.py salvage --db {db_path}" in message
    assert journal.read_bytes() == damaged  # nothing was changed by the refusal
    with caplog.at_level(logging.ERROR, logger="storage.tinydb"):
        notes = salvage(db_path)
    assert any("skipped 1 damaged line" in n for n in notes)
    again = opened()
    assert [again.get_account(n) is not None for n in ("a", "b", "c")] == [True, False, True]
    assert any(p.name.startswith("clearback.json.before-salvage-") for p in Path(db_path).parent.iterdir())


# Checkpoints and crashes during them --------------------------------------------------------------
def test_checkpoint_rotates_and_deletes_old_journals(opened: Opener, db_path: str) -> None:
    store = opened()
    ids = fill(store)
    assert journal_files(db_path) == ["clearback.json.journal.1"]
    store.checkpoint()
    # The previous snapshot and the journal since it stay until the next checkpoint succeeds.
    assert journal_files(db_path) == ["clearback.json.journal.1", "clearback.json.journal.2"]
    assert Path(db_path + ".prev").exists()
    assert store.stats()["journal_bytes"] == 0 and store.stats()["snapshot_generation"] == 2
    store.put_account(account("another"))
    store.checkpoint()
    assert journal_files(db_path) == ["clearback.json.journal.2", "clearback.json.journal.3"]
    store.put_occurrence(occurrence(reminder("acct2"), due=T0 + 5, status=DONE))
    expected = state_of(store, ids)
    crash(store)
    assert state_of(opened(), ids) == expected


@pytest.mark.parametrize("fail_on", ["history", "snapshot", "journal-delete"])
def test_crash_during_checkpoint_loses_nothing(
    opened: Opener, db_path: str, monkeypatch: pytest.MonkeyPatch, fail_on: str
) -> None:
    store = opened()
    ids = fill(store)
    store.checkpoint()  # some history on disk already, so the failing checkpoint merges into files
    store.put_occurrence(occurrence(reminder("acct0"), due=T0 - 86400 * 20, status=DONE))
    store.delete_identity("telegram:101")
    expected = state_of(store, ids)
    real_replace, real_unlink = os.replace, os.unlink

    def failing_replace(src: str, dst: str) -> None:
        is_snapshot = dst == db_path
        if (fail_on == "snapshot" and is_snapshot) or (fail_on == "history" and not is_snapshot):
            raise OSError(errno.EIO, "simulated crash")
        real_replace(src, dst)

    def failing_unlink(path: str) -> None:
        if ".journal." in str(path):
            raise OSError(errno.EIO, "simulated crash")
        real_unlink(path)

    monkeypatch.setattr(os, "replace", failing_replace)
    monkeypatch.setattr(os, "unlink", failing_unlink if fail_on == "journal-delete" else real_unlink)
    if fail_on == "journal-delete":
        store.checkpoint()  # the snapshot is durable: the journal left behind is only untidy
        assert len(journal_files(db_path)) == 3
    else:
        with pytest.raises(StorageUnavailable):
            store.checkpoint()
        assert state_of(store, ids) == expected  # the live store still has everything
    monkeypatch.undo()
    crash(store)
    again = opened()
    assert state_of(again, ids) == expected
    if fail_on == "journal-delete":
        generation = again.stats()["journal_generation"]
        assert journal_files(db_path) == [f"clearback.json.journal.{g}" for g in (generation - 1, generation)]


def test_failed_checkpoint_then_next_one_works(opened: Opener, db_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = opened()
    ids = fill(store)
    store.close()
    store = opened()  # no history loaded: what the failed checkpoint was writing exists only in memory
    new = [occurrence(reminder(aid), due=T0 + 9, status=DONE) for aid in ids]
    for occ in new:
        store.put_occurrence(occ)
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", failing(errno.ENOSPC))
    with pytest.raises(StorageUnavailable):
        store.checkpoint()
    monkeypatch.setattr(os, "replace", real_replace)
    assert store.stats()["history_loaded_accounts"] == 0
    store.put_occurrence(occurrence(reminder("acct1"), due=T0 + 10, status=DONE))
    store.checkpoint()  # must still write the changes the failed one had taken
    kept = range(store.stats()["previous_generation"], store.stats()["journal_generation"] + 1)
    assert journal_files(db_path) == [f"clearback.json.journal.{g}" for g in kept]
    crash(store)
    again = opened()
    for occ in [*new, occurrence(reminder("acct1"), due=T0 + 10, status=DONE)]:
        assert occ in again.history_of(occ.account_id)


def test_background_checkpoint_while_writing(opened: Opener, db_path: str) -> None:
    store = opened(checkpoint_bytes=4000)  # every few commits start a checkpoint in a thread
    ids = fill(store, 6)
    rem = reminder("acct3")
    for i in range(200):
        store.put_occurrence(occurrence(rem, due=T0 + 86400 * (i + 10), status=DONE if i % 3 else SENT))
        if i % 50 == 0:
            store.history_of("acct3")
    thread = store.checkpoint_in_background()
    thread.join(30)
    assert store.last_checkpoint_error is None
    assert store.stats()["snapshot_generation"] > 2
    expected = state_of(store, ids)
    crash(store)
    assert state_of(opened(), ids) == expected


# The files ----------------------------------------------------------------------------------------
def test_files_are_plain_tinydb_json_with_private_modes(opened: Opener, db_path: str) -> None:
    store = opened()
    fill(store, 2)
    history_file = store.history_path("acct0")
    reminders = [to_doc(r) for r in store.reminders_of("acct0") + store.reminders_of("acct1")]
    history = [to_doc(o) for o in store.history_of("acct0")]
    store.close()
    with TinyDB(db_path, access_mode="r") as db:
        tables = {"_meta", "accounts", "identities", "reminders", "occurrences", "tallies", "feedback"}  # feedback: #15
        assert set(db.tables()) == tables
        meta = db.table("_meta").all()
        assert meta == [{"schema_version": SCHEMA_VERSION, "journal_generation": 2, "previous_generation": 1}]
        assert sorted(db.table("reminders").all(), key=lambda d: d["id"]) == sorted(reminders, key=lambda d: d["id"])
        assert len(db.table("occurrences").all()) == 2
    with TinyDB(history_file, access_mode="r") as db:
        assert sorted(db.table("history").all(), key=lambda d: d["due"]) == history
        assert db.table("_meta").all()[0]["account_id"] == "acct0"
    data = Path(db_path).parent
    for path in [data / "clearback.json", data / "clearback.json.lock", *data.glob("*.journal.*"), Path(history_file)]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(Path(history_file).parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "clearback.json.history").stat().st_mode) == 0o700
    assert not list(data.rglob("*.tmp"))


def test_opens_a_file_written_by_plain_tinydb(db_path: str, opened: Opener) -> None:
    Path(db_path).parent.mkdir()
    with TinyDB(db_path) as db:  # default JSONStorage: everything on one line
        db.table("_meta").insert({"schema_version": SCHEMA_VERSION, "journal_generation": 1})
        db.table("reminders").insert(to_doc(reminder()))
        db.table("accounts").insert(to_doc(account()))
    store = opened()
    assert store.reminders_of("acct1") == [reminder()]
    assert store.next_due_at() == reminder().next_due


def test_storage_round_trip(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(str(tmp_path / "t.json"))
    assert storage.read() is None
    data: dict[str, dict[str, Any]] = {"a": {"1": {"x": 'é\n"', "y": [1, 2]}, "2": {}}, "empty": {}}
    storage.write(data)
    assert storage.read() == data
    assert json.loads((tmp_path / "t.json").read_text()) == data


# Disk errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "code", "partial"),
    [
        ("write", errno.ENOSPC, False),
        ("write", errno.ENOSPC, True),
        ("write", errno.EROFS, False),
        ("fdatasync", errno.EIO, False),
    ],
)
def test_write_errors_leave_nothing_behind(
    opened: Opener, db_path: str, monkeypatch: pytest.MonkeyPatch, call: str, code: int, partial: bool
) -> None:
    # Running as root makes chmod-based read-only tests meaningless: fail the system call instead.
    store = opened()
    ids = fill(store, 2)
    before = state_of(store, ids)
    size = store.stats()["journal_bytes"]
    real = getattr(os, call)
    failures = [1]

    def flaky(fd: int, *args: Any) -> Any:
        if failures:
            failures.pop()
            if partial:  # half the line reaches the file, then the disk is full
                real(fd, bytes(args[0])[: len(args[0]) // 2])
            raise OSError(code, os.strerror(code))
        return real(fd, *args)

    monkeypatch.setattr(os, call, flaky)
    with pytest.raises(StorageUnavailable), store.atomic():
        store.put_reminder(reminder("acct0", 1, next_due=T0 + 1, text="lost"))
        store.put_occurrence(occurrence(reminder("acct1"), due=T0 + 3, status=DONE))
    assert state_of(store, ids) == before
    assert store.stats()["journal_bytes"] == size == os.path.getsize(last_journal(db_path))
    store.put_account(account("acct0", next_number=5))  # space is back: the next commit works
    expected = state_of(store, ids)
    crash(store)
    again = opened()
    assert state_of(again, ids) == expected
    assert again.recovery.get("dropped_tail_bytes", 0) == 0


def test_journal_that_cannot_be_truncated_is_repaired_before_the_next_commit(
    opened: Opener, db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = opened()
    store.put_account(account("a"))
    real_write, real_truncate = os.write, os.ftruncate
    monkeypatch.setattr(os, "fdatasync", failing(errno.EIO))
    monkeypatch.setattr(os, "ftruncate", failing(errno.EIO))
    with pytest.raises(StorageUnavailable):
        store.put_account(account("rolled-back"))
    monkeypatch.undo()
    assert os.write is real_write and os.ftruncate is real_truncate
    store.put_account(account("b"))
    crash(store)
    again = opened()
    assert [again.get_account(n) is not None for n in ("a", "rolled-back", "b")] == [True, False, True]


def test_open_in_unwritable_place_fails_clearly(monkeypatch: pytest.MonkeyPatch, db_path: str) -> None:
    real_open = os.open

    def refuse(path: str, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
        if str(path).endswith(".lock"):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(StorageUnavailable, match="Read-only"):
        TinyDBStore(db_path)


# Lazy history -------------------------------------------------------------------------------------
def test_history_is_loaded_lazily(opened: Opener, db_path: str) -> None:
    store = opened()
    ids = fill(store, 3)
    expected = state_of(store, ids)
    assert not os.path.exists(store.history_path("acct0"))
    store.close()
    again = opened()
    assert os.path.exists(again.history_path("acct0"))
    assert again.stats()["history_loaded_accounts"] == 0
    assert len(again.history_of("acct1")) == 5
    assert again.stats()["history_loaded_accounts"] == 1
    rem = reminder("acct2")
    again.put_occurrence(occurrence(rem, due=T0 + 1, status=DONE))  # a blind put: nothing loaded
    assert again.stats()["history_loaded_accounts"] == 1
    assert again.get_occurrence("acct2", occurrence(rem, due=T0 + 1).id) is not None
    assert again.stats()["history_loaded_accounts"] == 1  # answered from the pending changes
    assert again.get_occurrence("acct2", occurrence(rem, due=T0 - 86400).id) is not None
    assert again.stats()["history_loaded_accounts"] == 2
    assert state_of(again, ids)["acct0"] == expected["acct0"]


def test_lru_eviction_keeps_unwritten_changes(opened: Opener) -> None:
    store = opened(history_cache_accounts=2)
    ids = fill(store, 4)
    store.checkpoint()
    assert store.stats()["history_loaded_accounts"] == 0
    dirty = occurrence(reminder("acct0"), due=T0 + 99, status=DONE)
    store.history_of("acct0")
    store.put_occurrence(dirty)  # acct0 is loaded and now has an unwritten change
    for aid in ("acct1", "acct2", "acct3"):
        store.history_of(aid)
    stats = store.stats()
    assert stats["history_loaded_accounts"] == 2 and stats["history_pending_accounts"] == 1
    assert dirty in store.history_of("acct0")  # evicted, reloaded: file + pending change
    expected = state_of(store, ids)
    store.checkpoint()
    assert store.stats()["history_pending_accounts"] == 0
    crash(store)
    assert state_of(opened(history_cache_accounts=1), ids) == expected


def test_rollback_after_loading_inside_the_transaction(opened: Opener) -> None:
    store = opened()
    ids = fill(store, 1)
    store.checkpoint()
    store.close()
    store = opened()
    before = state_of(store, ids)
    store._history_files.cache.clear()
    with pytest.raises(RuntimeError), store.atomic():
        store.put_occurrence(occurrence(reminder("acct0"), due=T0 + 1, status=DONE))  # into the overlay
        assert len(store.history_of("acct0")) == 6  # loads the file under the uncommitted change
        raise RuntimeError
    assert state_of(store, ids) == before


# Migration ----------------------------------------------------------------------------------------
def test_v0_file_is_migrated(db_path: str, opened: Opener) -> None:
    rem_doc = to_doc(reminder())
    del rem_doc["origin"]  # v0 reminders had no origin and v0 files had no _meta
    Path(db_path).parent.mkdir()
    Path(db_path).write_text(json.dumps({"accounts": {"1": to_doc(account())}, "reminders": {"1": rem_doc}}))
    history_v0 = {"history": {"1": to_doc(occurrence(reminder(), status=DONE))}}
    store = opened()
    assert store.reminders_of("acct1") == [reminder()]  # origin "telegram"
    hist = Path(store.history_path("acct1"))
    hist.parent.mkdir(parents=True)
    hist.write_text(json.dumps(history_v0))
    assert store.history_of("acct1") == [occurrence(reminder(), status=DONE)]
    store.close()
    with TinyDB(db_path, access_mode="r") as db:
        assert db.table("_meta").all()[0]["schema_version"] == SCHEMA_VERSION
        assert db.table("reminders").all()[0]["origin"] == "telegram"


def test_newer_schema_is_refused(db_path: str) -> None:
    Path(db_path).parent.mkdir()
    Path(db_path).write_text(json.dumps({"_meta": {"1": {"schema_version": SCHEMA_VERSION + 1}}}))
    for _ in range(2):  # the second time too: the failed open released its lock
        with pytest.raises(StorageError, match="newer"):
            TinyDBStore(db_path)


# Randomised equivalence with MemoryStore ----------------------------------------------------------
def test_random_operations_match_memory_store(opened: Opener) -> None:
    rng = random.Random(1234)
    accounts = [f"acct{i}" for i in range(6)]
    memory = MemoryStore()
    durable = opened(history_cache_accounts=2, checkpoint_bytes=6000)
    statuses = [SENT, SNOOZED, RETRY, DONE, SKIPPED, MISSED]

    def step(store: IndexedStore, choice: int, aid: str, number: int, due: float, status: str) -> None:
        rem = reminder(aid, number, next_due=due)
        if choice == 0:
            new = store.get_reminder(rem.id) is None
            store.put_reminder(rem)
            if new:
                store.put_tally(empty(rem.id, aid))
        elif choice == 1:
            store.put_occurrence(occurrence(rem, due=due, status=status, fire_at=due + 30))
        elif choice == 2:
            store.delete_reminder(rem.id)
        elif choice == 3:
            store.put_identity(identity(aid, user=str(number)))
        elif choice == 4:
            store.history_of(aid)
        elif choice == 5 and number == 1:
            store.delete_account(aid)
        else:
            store.put_account(account(aid, next_number=number))

    for i in range(400):
        ops = [
            (
                rng.randrange(7),
                rng.choice(accounts),
                rng.randrange(1, 4),
                T0 + 3600 * rng.randrange(20),
                rng.choice(statuses),
            )
            for _ in range(rng.randrange(1, 4))
        ]
        fail = rng.random() < 0.15
        for store in (memory, durable):
            with pytest.raises(RuntimeError) if fail else contextlib.nullcontext(), store.atomic():
                for op in ops:
                    step(store, *op)
                if fail:
                    raise RuntimeError
        if i % 97 == 0:
            durable.checkpoint()
        if i % 131 == 0:
            crash(durable)
            durable = opened(history_cache_accounts=2, checkpoint_bytes=6000)
        if i % 50 == 0:
            assert state_of(durable, accounts) == state_of(memory, accounts)
    assert state_of(durable, accounts) == state_of(memory, accounts)
    durable.close()
    assert state_of(opened(), accounts) == state_of(memory, accounts)


# kill -9 ------------------------------------------------------------------------------------------
CHILD = textwrap.dedent(
    """
    import sys
    from storage.records import DONE, SENT, Occurrence, Reminder
    from storage.tinydb import TinyDBStore

    store = TinyDBStore(sys.argv[1], checkpoint_bytes=30_000, history_cache_accounts=3)
    start = int(sys.argv[2])
    for i in range(start, start + 100_000):
        aid = f"acct{i % 7}"
        rem = Reminder(id=f"r{i % 7}", account_id=aid, number=1, text="t", kind="custom", schedule={},
                       origin="console", created_at=0.0, next_due=float(i))
        with store.atomic():
            store.put_reminder(rem)
            store.put_occurrence(Occurrence(id=f"r{i % 7}@{i}", account_id=aid, reminder_id=rem.id, number=1,
                                            text="t", due=float(i), fire_at=float(i),
                                            status=DONE if i % 2 else SENT, updated_at=0.0))
        if i % 40 == 0:
            store.history_of(f"acct{(i // 40) % 7}")
        print(i, flush=True)
    """
)


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    path = str(tmp_path / "crash" / "clearback.json")
    rng = random.Random(7)
    next_index = 0
    acknowledged: list[int] = []
    deadline = time.monotonic() + 12
    rounds = 0
    while rounds < 10 and time.monotonic() < deadline:
        rounds += 1
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, path, str(next_index)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        first = child.stdout.readline()  # it is up and committing
        assert first, child.stderr.read() if child.stderr else ""
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        done = [int(first)] + [int(line) for line in out.split("\n")[:-1]]  # a torn last line is unsure
        acknowledged.extend(done)
        next_index = done[-1] + 1
        store = TinyDBStore(path, freeze_gc=False)
        for i in done:
            aid, oid = f"acct{i % 7}", f"r{i % 7}@{i}"
            got = store.get_occurrence(aid, oid)
            assert got is not None and got.status == (DONE if i % 2 else SENT), (rounds, i)
        last = store.get_reminder(f"r{done[-1] % 7}")
        assert last is not None and last.next_due is not None and last.next_due >= done[-1]
        store.close()
    assert rounds >= 3 and len(acknowledged) > 100
    final = TinyDBStore(path, freeze_gc=False)
    missing = [i for i in acknowledged if final.get_occurrence(f"acct{i % 7}", f"r{i % 7}@{i}") is None]
    final.close()
    assert missing == []


# Loading fast paths -------------------------------------------------------------------------------
def test_fast_builders_match_from_doc() -> None:
    rem = reminder(paused=True)
    occ = occurrence(rem, status=SNOOZED, fire_at=T0 + 5, deliveries=(Delivery("discord", "9", None),))
    cases: list[tuple[str, Record]] = [
        ("accounts", account(quiet_hours="22:00-07:00")),
        ("identities", identity()),
        ("reminders", rem),
        ("occurrences", occ),
        ("occurrences", occurrence(rem)),
    ]
    for table, record in cases:
        doc = json.loads(json.dumps(to_doc(record)))
        cls: Any = type(record)
        assert BUILDERS[table](dict(doc)) == from_doc(cls, doc) == record
        partial = {k: v for k, v in doc.items() if k not in ("paused", "late", "unreachable_since", "quiet_hours")}
        assert BUILDERS[table](dict(partial)) == from_doc(cls, partial)  # defaults fill in
        assert BUILDERS[table]({**doc, "future_field": 1}) == record  # unknown keys are ignored
    built = BUILDERS["occurrences"](json.loads(json.dumps(to_doc(occ))))
    assert isinstance(built, Occurrence) and isinstance(built.deliveries, tuple)


def test_loading_shares_repeated_values(opened: Opener) -> None:
    store = opened()
    fill(store, 3)
    store.close()
    again = opened()
    first, second = again.reminders_of("acct0")[0], again.reminders_of("acct1")[0]
    assert first.schedule is second.schedule and first.kind is second.kind and first.text is second.text
    assert again.get_account("acct0") is not None
    assert first.account_id is again.reminders_of("acct0")[1].account_id
    assert again.reminders_of("acct0")[0] == reminder("acct0", 1, next_due=T0 + 1)


def test_pretty_printed_file_is_read_whole(db_path: str, opened: Opener) -> None:
    Path(db_path).parent.mkdir()
    data = {
        "_meta": {"1": {"schema_version": SCHEMA_VERSION, "journal_generation": 1}},
        "reminders": {"1": to_doc(reminder())},
    }
    Path(db_path).write_text(json.dumps(data, indent=2))
    assert opened().reminders_of("acct1") == [reminder()]


def test_line_format_parser_rejects_other_layouts() -> None:
    def iter_doc_batches(lines: list[str]) -> Iterator[tuple[str, list[str]]]:  # the one reader, fed these lines
        return iter_doc_texts(io.BytesIO("".join(lines).encode()))

    good = ["{\n", '"t":{\n', '"1":{"a":1},\n', '"2":{"a":2}\n', "}\n", "}\n"]
    assert list(iter_doc_batches(good)) == [("t", ['{"a":1}', '{"a":2}'])]
    for bad in (
        ['{"t":{"1":{}}}'],
        ["{\n", '  "t": {\n'],
        ["{\n", '"t":{\n', '"x":{"a":1}\n', "}\n", "}\n"],
        ["{\n", '"t":{\n', '"1":{"a":1}\n', "}\n"],
        ["{\n", '"t":{\n', '"1":{"a":1}\n', '"2":{"a":2}\n', "}\n", "}\n"],  # a line end without its comma
    ):
        with pytest.raises(NotLineFormat):
            list(iter_doc_batches(bad))


def test_history_cache_holds_no_objects_the_collector_walks(opened: Opener) -> None:
    store = opened()
    fill(store, 2)
    store.checkpoint()
    rows = store.history_of("acct0")
    assert len(rows) == 5
    gc.collect()
    cached = store._history_files.cache["acct0"]
    assert cached and not any(gc.is_tracked(row) for row in cached.values())
    assert not gc.is_tracked(cached)
    assert store.history_of("acct0") == rows  # and reads rebuild the same records


def test_reads_and_writes_while_a_checkpoint_is_half_done(opened: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
    store = opened()
    fill(store, 2)
    store.checkpoint()
    occ = occurrence(reminder("acct0"), due=T0 + 50, status=SKIPPED)
    store.put_occurrence(occ)  # goes into the checkpoint below
    started, release = threading.Event(), threading.Event()
    real = HistoryFiles.write_file

    def held(self: HistoryFiles, *args: Any) -> None:
        started.set()
        assert release.wait(10)
        real(self, *args)

    monkeypatch.setattr(HistoryFiles, "write_file", held)
    thread = store.checkpoint_in_background()
    assert started.wait(10)
    assert store.get_occurrence("acct0", occ.id) == occ  # from the checkpoint's changes
    done = replace(occ, status=DONE)
    store.put_occurrence(done)  # newer than what the checkpoint is writing
    assert store.get_occurrence("acct0", occ.id) == done
    assert done in store.history_of("acct0") and occ not in store.history_of("acct0")
    release.set()
    thread.join(10)
    assert store.last_checkpoint_error is None
    assert store.get_occurrence("acct0", occ.id) == done
    expected = state_of(store, ["acct0", "acct1"])
    crash(store)
    assert state_of(opened(), ["acct0", "acct1"]) == expected


def test_failing_background_checkpoint_is_not_retried_on_every_commit(
    opened: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = opened(checkpoint_bytes=1)
    started: list[int] = []

    def refuse(self: Journal) -> int:
        started.append(1)
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Journal, "rotate", refuse)
    store.put_account(account("a"))  # over the limit: starts a background checkpoint, which fails
    assert store._background is not None
    store._background.join(10)
    assert isinstance(store.last_checkpoint_error, StorageUnavailable)
    for n in range(20):
        store.put_account(account(f"b{n}"))
    assert len(started) == 1
    assert store.get_account("b19") is not None  # commits go on; the journal keeps growing


def test_schedule_sharing_keeps_value_types() -> None:
    base = {"kind": "daily", "at": "21:00", "weekdays": [1, 2], "every": 1, "anchor": None, "once_utc": None}
    assert schedule_key(base) != schedule_key({**base, "every": 1.0})
    assert schedule_key(base) != schedule_key({**base, "every": True})
    assert schedule_key(base) == schedule_key(json.loads(json.dumps(base)))
    odd = {"kind": "daily", "n": 1}
    assert schedule_key(odd) != schedule_key({"kind": "daily", "n": True})
    assert schedule_key({"kind": "x", "nested": {"a": 1}}) is None


def test_unshareable_schedules_still_load(opened: Opener) -> None:
    store = opened()
    odd = replace(reminder(), schedule={"kind": "custom", "rules": [[1, 2]], "meta": {"a": 1}})
    store.put_reminder(odd)
    store.close()
    assert opened().reminders_of("acct1") == [odd]


# Damaged history files ------------------------------------------------------------------------------
def damage_history_file(path: str) -> None:
    """One bad byte in the middle of a history file, as a bad sector or a stray editor would leave."""
    lines = Path(path).read_bytes().splitlines(keepends=True)
    middle = len(lines) // 2
    lines[middle] = lines[middle][:12] + b"\xff{" + lines[middle][14:]
    Path(path).write_bytes(b"".join(lines))


def test_a_damaged_history_file_is_set_aside_keeping_the_rows_that_parse(
    opened: Opener, db_path: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = opened()
    [aid, *_] = fill(store)
    store.checkpoint()
    path = store.history_path(aid)
    store.close()
    damage_history_file(path)
    again = opened()
    with caplog.at_level(logging.ERROR, logger="storage.tinydb"):
        history = again.history_of(aid)
    assert len(history) == 4  # five rows, one damaged
    assert any("was damaged" in r.message for r in caplog.records)
    aside = [p for p in os.listdir(os.path.dirname(path)) if ".damaged-" in p]
    assert len(aside) == 1
    again.put_occurrence(occurrence(reminder(aid, 1), due=T0 - 86400 * 9, status=DONE))
    again.checkpoint()  # folds the new row into the salvaged file: no JSONDecodeError, the journal is rotated
    assert again.stats()["journal_bytes"] == 0
    again.close()
    assert len(opened().history_of(aid)) == 5


def test_a_history_file_damaged_before_a_checkpoint_does_not_stop_it(opened: Opener, db_path: str) -> None:
    store = opened()
    [aid, *_] = fill(store)
    store.checkpoint()
    damage_history_file(store.history_path(aid))
    store.put_occurrence(occurrence(reminder(aid, 1), due=T0 - 86400 * 9, status=DONE))
    store.checkpoint()
    assert store.stats()["snapshot_generation"] == 3
    assert journal_files(db_path) == ["clearback.json.journal.2", "clearback.json.journal.3"]
    store.close()
    assert len(opened().history_of(aid)) == 5


def test_close_never_raises_whatever_the_final_checkpoint_hits(
    opened: Opener, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = opened()
    fill(store)

    def broken(*_: Any, **__: Any) -> None:
        raise ValueError("Expecting value: line 3 column 1 (char 20)")

    monkeypatch.setattr(store, "_write_snapshot", broken)
    with caplog.at_level(logging.ERROR, logger="storage.tinydb"):
        store.close()
    assert any("final checkpoint" in r.message for r in caplog.records)


# One bad byte in the snapshot -----------------------------------------------------------------------
def flip_a_byte_in_the_middle(path: str) -> None:
    data = bytearray(Path(path).read_bytes())
    middle = data.index(b'"reminders":') + 40
    data[middle : middle + 1] = b"\x00"
    Path(path).write_bytes(bytes(data))


def test_a_damaged_snapshot_is_refused_and_salvage_rebuilds_it_from_the_previous_one(
    opened: Opener, db_path: str
) -> None:
    store = opened()
    ids = fill(store)
    store.checkpoint()
    store.put_occurrence(occurrence(reminder("acct2"), due=T0 + 5, status=DONE))
    store.put_account(account("late"))
    store.checkpoint()  # the newest snapshot; the one before and the journals since are kept
    store.put_account(account("latest"))  # only in the journal
    expected = state_of(store, [*ids, "late", "latest"])
    store.close(checkpoint=False)
    flip_a_byte_in_the_middle(db_path)
    with pytest.raises(StorageError) as refused:
        opened()
    assert "is damaged" in str(refused.value) and f"salvage --db {db_path}" in str(refused.value)
    notes = salvage(db_path)
    assert any("previous snapshot" in n for n in notes), notes
    again = opened()
    assert state_of(again, [*ids, "late", "latest"]) == expected  # nothing acknowledged was lost


def test_salvage_without_a_previous_snapshot_keeps_the_lines_that_parse(opened: Opener, db_path: str) -> None:
    store = opened()
    ids = fill(store, accounts=4)
    store.close()
    Path(db_path + ".prev").unlink()
    flip_a_byte_in_the_middle(db_path)
    notes = salvage(db_path)
    assert any("still parse from the damaged snapshot" in n for n in notes), notes
    again = opened()
    assert sum(len(again.reminders_of(aid)) for aid in ids) == 11  # twelve reminders, one line damaged
    assert all(again.get_account(aid) is not None for aid in ids)


# Forgetting leaves nothing on disk --------------------------------------------------------------------
def files_containing(directory: Path, needle: bytes) -> list[str]:
    found = (p for p in directory.rglob("*") if p.is_file() and needle in p.read_bytes())
    return sorted(str(p.relative_to(directory)) for p in found)


def test_after_forget_no_file_holds_a_byte_of_that_person(opened: Opener, db_path: str) -> None:
    store = opened()
    fill(store)
    secret = "Private cream with a unique name 7Q9"
    store.put_reminder(replace(reminder("acct1", 4), text=secret))
    store.put_occurrence(occurrence(replace(reminder("acct1", 4), text=secret), due=T0 - 86400, status=DONE))
    store.checkpoint()
    store.put_occurrence(occurrence(replace(reminder("acct1", 4), text=secret), due=T0 - 2 * 86400, status=DONE))
    store.checkpoint()  # now in the snapshot, the previous snapshot, a journal and a history file
    data = Path(db_path).parent
    leftover = Path(store.history_path("acct0") + ".tmp")
    leftover.write_text(secret)  # what a checkpoint interrupted while writing a history file leaves
    assert files_containing(data, secret.encode())
    store.delete_account("acct1")  # starts a checkpoint that keeps no older copy
    thread = store._background
    assert thread is not None
    thread.join()
    assert files_containing(data, secret.encode()) == [str(leftover.relative_to(data))]  # start-up sweeps it
    store.close()
    opened().close()  # start-up sweeps what an interrupted checkpoint left
    assert files_containing(data, secret.encode()) == []
    assert files_containing(data, b"acct1") == []
    assert opened().get_account("acct0") is not None


def test_maintenance_starts_the_scrub_a_forget_inside_a_transaction_could_not(opened: Opener, db_path: str) -> None:
    store = opened()
    fill(store)
    store.checkpoint()
    with store.atomic():  # as when linking merges an account away
        store.delete_account("acct1")
    assert store._background is None or not store._background.is_alive()
    store.maintenance()
    assert store._background is not None
    store._background.join()
    assert files_containing(Path(db_path).parent, b"acct1") == []


def test_maintenance_is_cheap_when_nobody_was_forgotten(opened: Opener, db_path: str) -> None:
    store = opened()
    fill(store)
    generation = store.stats()["journal_generation"]
    store.maintenance()
    assert store._background is None and store.stats()["journal_generation"] == generation


def test_a_forget_replayed_after_a_crash_still_scrubs_the_older_copies(
    opened: Opener, db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = opened()
    fill(store)
    store.checkpoint()
    monkeypatch.setattr(store, "checkpoint_in_background", lambda: None)  # killed before it could run
    store.delete_account("acct1")
    crash(store)
    assert files_containing(Path(db_path).parent, b"acct1")  # the previous snapshot still has them
    again = opened()  # the replayed forget starts the scrubbing checkpoint at once
    assert again._background is not None
    again._background.join()
    assert files_containing(Path(db_path).parent, b"acct1") == []


def test_a_reopened_occurrence_stays_reopened_after_a_restart_and_a_checkpoint(opened: Opener) -> None:
    store = opened()
    store.put_account(account())
    rem = reminder()
    store.put_reminder(rem)
    shown = occurrence(rem, status=SENT)
    store.put_occurrence(replace(shown, status=DONE))
    store.checkpoint()  # the answer is in the person's history file
    store.reopen_occurrence(shown)
    store.close()
    again = opened()
    assert again.history_of("acct1") == [] and again.open_occurrences_of("acct1") == [shown]
    again.checkpoint()
    again.close()
    third = opened()
    assert third.history_of("acct1") == [] and third.open_occurrences_of("acct1") == [shown]
