"""storage/tinydb/backup.py: a consistent archive of a TinyDB store (also while another process writes and
checkpoints it), and restoring one into an empty data directory only."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from storage.base import StorageError
from storage.records import DONE, MISSED
from storage.tinydb import TinyDBStore
from storage.tinydb import backup as backup_module
from storage.tinydb.backup import MANIFEST, NotEmpty, backup, restore
from tests.storage.helpers import T0, account, identity, occurrence, reminder, state_of

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = [f"acct{i}" for i in range(5)]


def populate(store: TinyDBStore) -> None:
    """Five people, each with reminders, an open occurrence and answered ones (history files)."""
    for n, aid in enumerate(ACCOUNTS):
        store.put_account(account(aid))
        store.put_identity(identity(aid, user=str(100 + n)))
        first, second = reminder(aid, 1), reminder(aid, 2, next_due=None, text="cream")
        store.put_reminder(first)
        store.put_reminder(second)
        store.put_occurrence(occurrence(first, due=T0 + 10))  # open: SENT
        for day in range(1, 4):
            store.put_occurrence(occurrence(first, due=T0 - 86400 * day, status=DONE if day % 2 else MISSED))


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_round_trip_of_an_open_store_with_unfolded_commits(tmp_path: Path) -> None:
    source = tmp_path / "data" / "clearback.json"
    store = TinyDBStore(str(source))
    populate(store)
    store.checkpoint()  # history files and a snapshot on disk...
    store.put_reminder(reminder("acct0", 3, text="after the checkpoint"))  # ...and commits only in the journal
    store.put_occurrence(occurrence(reminder("acct1", 1), due=T0 - 86400 * 9, status=DONE))
    expected = state_of(store, ACCOUNTS)
    info = backup(str(source), str(tmp_path / "backups") + "/")  # while it is open and holds the lock
    store.put_reminder(reminder("acct0", 4, text="after the backup"))
    store.close()

    archive = Path(info.path)
    assert archive.parent == tmp_path / "backups" and archive.name.endswith(".tar.gz")
    assert mode(archive) == 0o600
    assert (info.accounts, info.reminders, info.occurrences, info.history_files) == (5, 11, 5, 5)
    assert sorted(os.listdir(archive.parent)) == [archive.name]  # no temporary copy left behind
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert MANIFEST in names and not any(n.endswith(".lock") for n in names)

    restored_path = tmp_path / "elsewhere" / "bot.json"  # another name: the journals and history follow it
    done = restore(str(archive), str(restored_path))
    assert done.accounts == 5
    restored = TinyDBStore(str(restored_path))
    try:
        assert state_of(restored, ACCOUNTS) == expected
        assert restored.get_reminder("acct0-r4") is None
    finally:
        restored.close()
    assert {mode(p) for p in restored_path.parent.rglob("*") if p.is_file()} == {0o600}
    assert not [p for p in restored_path.parent.iterdir() if p.name.startswith(".")]


def test_restore_refuses_a_directory_that_is_not_empty_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "data" / "clearback.json"
    store = TinyDBStore(str(source))
    populate(store)
    store.close()
    archive = tmp_path / "b.tar.gz"
    backup(str(source), str(archive))
    target = tmp_path / "target"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(NotEmpty, match="not empty"):
        restore(str(archive), str(target / "clearback.json"))
    assert os.listdir(target) == ["notes.txt"]
    with pytest.raises(NotEmpty):  # a data directory in use: the bot's own files
        restore(str(archive), str(source))


def test_restore_refuses_what_is_not_a_backup_and_leaves_the_directory_empty(tmp_path: Path) -> None:
    target = tmp_path / "data" / "clearback.json"
    plain = tmp_path / "plain.tar.gz"
    with tarfile.open(plain, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("clearback.json"), io.BytesIO(b""))
    with pytest.raises(StorageError, match="not a ClearBack backup"):
        restore(str(plain), str(target))
    assert os.listdir(target.parent) == []  # the next try is not refused as "not empty"

    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        manifest = b'{"format": "clearback-tinydb-backup", "format_version": 1, "store": "clearback.json"}'
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
        info = tarfile.TarInfo("clearback.json.history/../../../escaped.json")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(StorageError, match="refusing the entry"):
        restore(str(evil), str(target))
    assert not (tmp_path / "escaped.json").exists()
    assert os.listdir(target.parent) == []


def test_a_copy_whose_journals_were_folded_away_meanwhile_starts_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two checkpoints between reading the snapshot and its journals delete those journals: the copy is retried."""
    source = tmp_path / "data" / "clearback.json"
    store = TinyDBStore(str(source))
    populate(store)
    store.checkpoint()
    read = backup_module._snapshot_generation
    generations: list[int] = []

    def read_then_two_checkpoints(path: str) -> int:
        generation = read(path)
        if not generations:  # what a busy bot may do while a big snapshot is being copied
            for number in (5, 6):
                store.put_reminder(reminder("acct0", number, text=f"during the copy {number}"))
                store.checkpoint()
        generations.append(generation)
        return generation

    monkeypatch.setattr(backup_module, "_snapshot_generation", read_then_two_checkpoints)
    info = backup(str(source), str(tmp_path / "b.tar.gz"))
    assert info.attempts == 2 and generations == [generations[0], generations[0] + 2]
    expected = state_of(store, ACCOUNTS)
    store.close()
    restore(info.path, str(tmp_path / "r" / "clearback.json"))
    restored = TinyDBStore(str(tmp_path / "r" / "clearback.json"))
    try:
        assert state_of(restored, ACCOUNTS) == expected
    finally:
        restored.close()


def test_backup_of_a_missing_store_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no TinyDB store"):
        backup(str(tmp_path / "none.json"), str(tmp_path / "b.tar.gz"))
    assert not (tmp_path / "b.tar.gz").exists()


# A real process writing and checkpointing all through the backups ---------------------------------------
# Commit i adds identity i, puts occurrence i (answered: history) into account i % 50 and sets acct0's first
# reminder's text to "n=i", in one transaction. A consistent copy is one state of that sequence: exactly
# identities and occurrences 1..n, whatever the history files, snapshots and journals were doing when they
# were read (a journal generation missed loses identities; a history file newer than the journals read adds
# occurrences). Checkpoints come every few commits (a 2 KB journal), and every 25th commit a /forget makes
# one that deletes the older journals at once.
WRITER = r"""
import os, sys
from storage.records import DONE
from storage.tinydb import TinyDBStore
from tests.storage.helpers import T0, account, identity, occurrence, reminder

path, stop = sys.argv[1], sys.argv[2]
store = TinyDBStore(path, checkpoint_bytes=2048)
for n in range(50):
    store.put_account(account(f"acct{n}"))
i = 0
while not os.path.exists(stop):
    i += 1
    with store.atomic():
        store.put_identity(identity("acct0", user=str(i)))
        store.put_occurrence(occurrence(reminder(f"acct{i % 50}", 1), due=T0 + i, status=DONE))
        store.put_reminder(reminder("acct0", 1, text=f"n={i}"))
    if i % 25 == 0:
        store.put_account(account("gone"))
        store.delete_account("gone")
    if i == 30:
        print("ready", flush=True)
store.close()
print(f"commits {i} generation {store.stats()['journal_generation']}", flush=True)
"""
WRITER_ACCOUNTS = [f"acct{i}" for i in range(50)]


def committed_sequence(path: Path) -> tuple[int, set[int], set[int]]:
    """n (the last commit the copy holds), the identities' numbers and the history's numbers."""
    store = TinyDBStore(str(path))
    try:
        head = store.get_reminder("acct0-r1")
        assert head is not None
        n = int(head.text.removeprefix("n="))
        users = {int(i.user_id) for i in store.identities_of("acct0")}
        dues = {int(o.due - T0) for aid in WRITER_ACCOUNTS for o in store.history_of(aid)}
    finally:
        store.close()
    return n, users, dues


def test_backups_taken_while_another_process_commits_and_checkpoints_are_consistent(tmp_path: Path) -> None:
    source, stop = tmp_path / "live" / "clearback.json", tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(source), str(stop)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        archives: list[str] = []
        deadline = time.monotonic() + 6
        while len(archives) < 8 and time.monotonic() < deadline:
            archives.append(backup(str(source), str(tmp_path / f"b{len(archives)}.tar.gz")).path)
    finally:
        stop.touch()
        out, _ = writer.communicate(timeout=30)
    assert writer.returncode == 0
    commits, generation = (int(word) for word in out.split()[1::2])
    seen = []
    for n, archive in enumerate(archives):
        restored = tmp_path / f"r{n}" / "clearback.json"
        restore(archive, str(restored))
        count, users, dues = committed_sequence(restored)
        assert users == set(range(1, count + 1)), f"backup {n}: n={count} but {len(users)} identities"
        assert dues == set(range(1, count + 1)), f"backup {n}: n={count} but {len(dues)} history rows"
        seen.append(count)
    assert len(archives) >= 3 and len(set(seen)) == len(seen)  # each caught the writer at another point
    assert seen == sorted(seen) and seen[0] >= 30 and seen[-1] <= commits
    assert generation > len(archives)  # the writer rotated and checkpointed many times meanwhile
