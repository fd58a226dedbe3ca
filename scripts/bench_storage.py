"""Benchmark the durable store at the project's scale.

    .venv/bin/python -m scripts.bench_storage --users 1000 10000 100000

For each population size: generate a synthetic population with a fixed seed straight into the files
(snapshot, a year of history for a sample of accounts, every reminder's tally as large as a year of
history makes it, optionally a journal to replay), then measure in
a fresh child process (so its memory figures are the store's alone): open/recovery time, RSS, durable
write latency, read latency, due-index cost and checkpoint time. Then the same single-document update
through plain tinydb.TinyDB with its default JSONStorage, for comparison.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

import psutil
from tinydb import TinyDB

from storage.base import SCHEMA_VERSION
from storage.indexes import ACCOUNTS, HISTORY, IDENTITIES, OCCURRENCES, REMINDERS, TALLIES
from storage.records import (
    DONE,
    MISSED,
    SENT,
    SKIPPED,
    SNOOZED,
    Account,
    Delivery,
    IdentityRecord,
    Occurrence,
    Reminder,
    Tally,
    occurrence_of,
    to_doc,
)
from storage.tally import fold, from_outcomes
from storage.tinydb import (
    JOURNAL_CHECKPOINT_BYTES,
    META,
    SNAPSHOT_TO_JOURNAL,
    AtomicJSONStorage,
    TinyDBStore,
    history_path_for,
)

NOW = 1_795_608_000.0  # 2026-11-25 12:00 UTC
DAY = 86400.0
ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Europe/London", "Australia/Sydney")
KINDS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("exfoliation", "Exfoliate your back (gentle scrub)", {"kind": "weekly", "at": "20:00", "weekdays": [1, 4]}),
    ("cream", "Apply the retinoid cream to your back", {"kind": "daily", "at": "21:30", "weekdays": []}),
    ("checkin", "Monthly check-in: take a progress photo", {"kind": "interval", "at": "10:00", "weekdays": []}),
)


# Synthetic population ---------------------------------------------------------------------------
def _id(seed: int, *parts: int, length: int = 12) -> str:
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=16).digest()
    return "".join(ALPHABET[b % 32] for b in digest[:length])


def account_id(seed: int, i: int) -> str:
    return _id(seed, i)


def reminder_id(seed: int, i: int, k: int) -> str:
    return _id(seed, i, k, length=10)


def make_account(seed: int, i: int) -> Account:
    return Account(
        id=account_id(seed, i),
        timezone=ZONES[i % len(ZONES)],
        created_at=NOW - 400 * DAY + i % 1000,
        next_number=4,
        quiet_hours="22:00-07:00" if i % 3 == 0 else None,
    )


def make_identity(seed: int, i: int) -> IdentityRecord:
    platform = "telegram" if i % 4 else "discord"
    user = str(100_000_000 + i * 7)
    return IdentityRecord(
        key=f"{platform}:{user}",
        account_id=account_id(seed, i),
        platform=platform,
        user_id=user,
        chat_id=user,
        created_at=NOW - 400 * DAY,
    )


def make_reminder(seed: int, i: int, k: int) -> Reminder:
    kind, text, schedule = KINDS[k]
    full: dict[str, Any] = {
        "every": 30 if kind == "checkin" else 1,
        "anchor": "2025-11-01" if kind == "checkin" else None,
    }
    full.update(schedule)
    full["once_utc"] = None
    return Reminder(
        id=reminder_id(seed, i, k),
        account_id=account_id(seed, i),
        number=k + 1,
        text=text,
        kind=kind,
        schedule=full,
        origin="telegram" if i % 4 else "discord",
        created_at=NOW - 400 * DAY,
        next_due=NOW + (i * 7919 + k * 3607) % (7 * DAY),
        paused=i % 50 == 0 and k == 0,
    )


def make_open_occurrence(seed: int, i: int) -> Occurrence:
    """Each person has last night's cream waiting for an answer; some snoozed (in the due index)."""
    rem = make_reminder(seed, i, 1)
    due = NOW - DAY + (i % 3600)
    snoozed = i % 5 == 0
    return occurrence_of(
        rem,
        due,
        SNOOZED if snoozed else SENT,
        at=due,
        fire_at=NOW + (i % 7200) if snoozed else due,
        deliveries=(Delivery(rem.origin, str(100_000_000 + i * 7), str(5000 + i)),),
        attempts=1,
    )


def year_of_history(seed: int, i: int) -> Iterator[Occurrence]:
    """Exfoliation twice a week, cream nightly, a check-in every 30 days: ~481 resolved occurrences."""
    chat = str(100_000_000 + i * 7)
    for k, rem in enumerate(make_reminder(seed, i, k) for k in range(3)):
        if k == 0:
            dues = [NOW - d * DAY + 72000 for d in range(1, 366) if d % 7 in (1, 4)]
        elif k == 1:
            dues = [NOW - d * DAY + 77400 for d in range(1, 366)]
        else:
            dues = [NOW - d * DAY + 36000 for d in range(30, 366, 30)]
        for n, due in enumerate(dues):
            roll = (i * 31 + n * 17 + k) % 100
            status = DONE if roll < 85 else SKIPPED if roll < 95 else MISSED
            yield occurrence_of(
                rem, due, status, at=due + 3600, deliveries=(Delivery(rem.origin, chat, str(n)),), attempts=1
            )


def tally_templates(seed: int, accounts: int) -> list[list[Tally]]:
    """The tallies of the first `accounts` people's year of history (at least one person's, files or not)."""
    out = []
    for i in range(max(1, accounts)):
        history = list(year_of_history(seed, i))
        out.append(
            [
                from_outcomes(r.id, r.account_id, [o for o in history if o.reminder_id == r.id], NOW)
                for r in (make_reminder(seed, i, k) for k in range(3))
            ]
        )
    return out


def make_tally(seed: int, i: int, k: int, templates: list[list[Tally]]) -> Tally:
    """Person i's own tally when they have history files; otherwise a copy of one that does (same size)."""
    tally = templates[i % len(templates)][k]
    return replace(tally, reminder_id=reminder_id(seed, i, k), account_id=account_id(seed, i))


_ENC = json.JSONEncoder(separators=(",", ":")).encode


def generate(path: str, users: int, history_accounts: int, journal_mb: float, seed: int) -> dict[str, float]:
    """Write the snapshot, history files and (optionally) a journal straight to disk."""
    started = time.perf_counter()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)

    def docs(make: Callable[[int], Any], count: int) -> Iterator[tuple[int, dict[str, Any]]]:
        for n in range(count):
            yield n + 1, to_doc(make(n))

    templates = tally_templates(seed, min(history_accounts, users))
    meta = {"schema_version": SCHEMA_VERSION, "journal_generation": 1}
    tables: list[tuple[str, Iterable[tuple[str | int, Any]]]] = [
        (META, [(1, meta)]),
        (ACCOUNTS, docs(lambda n: make_account(seed, n), users)),
        (IDENTITIES, docs(lambda n: make_identity(seed, n), users)),
        (REMINDERS, docs(lambda n: make_reminder(seed, n // 3, n % 3), users * 3)),
        (OCCURRENCES, docs(lambda n: make_open_occurrence(seed, n), users)),
        (TALLIES, docs(lambda n: make_tally(seed, n // 3, n % 3, templates), users * 3)),
    ]
    AtomicJSONStorage(path).write_tables(tables, durable=False)
    snapshot_s = time.perf_counter() - started

    history_rows = 0
    os.makedirs(path + ".history", mode=0o700, exist_ok=True)  # makedirs' mode only applies to the leaf
    for i in range(min(history_accounts, users)):
        texts = [_ENC(to_doc(o)) for o in year_of_history(seed, i)]
        history_rows += len(texts)
        file = history_path_for(path, account_id(seed, i))
        os.makedirs(os.path.dirname(file), mode=0o700, exist_ok=True)
        hist_meta = {"schema_version": SCHEMA_VERSION, "account_id": account_id(seed, i)}
        AtomicJSONStorage(file).write_tables([(META, [(1, hist_meta)]), (HISTORY, enumerate(texts, 1))], durable=False)

    journal_bytes = 0
    if journal_mb < 0:  # half of where the store starts a checkpoint: the write phase does not start one
        limit = max(JOURNAL_CHECKPOINT_BYTES, os.path.getsize(path) // SNAPSHOT_TO_JOURNAL)
        journal_mb = limit / 2 / (1 << 20)
    if journal_mb > 0:
        journal_bytes = _write_journal(path, users, int(journal_mb * (1 << 20)), seed, templates)
    os.sync()  # so the measurement does not share the disk with our own writeback
    return {
        "gen_s": time.perf_counter() - started,
        "gen_snapshot_s": snapshot_s,
        "snapshot_mb": os.path.getsize(path) / (1 << 20),
        "history_rows": history_rows,
        "journal_mb": journal_bytes / (1 << 20),
    }


def _folded(tally: Tally, due: float) -> Tally:
    updated = fold(tally, due, DONE, due)
    assert updated is not None, "the journal's outcomes are newer than the year of history"
    return updated


def _write_journal(path: str, users: int, limit: int, seed: int, templates: list[list[Tally]]) -> int:
    """Commits as the bot makes them (advance a reminder, resolve an occurrence) until `limit` bytes."""
    rng = random.Random(seed + 1)
    size = 0
    with open(f"{path}.journal.1", "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        step = 0
        while size < limit:
            i = rng.randrange(users)
            rem = make_reminder(seed, i, 1)
            due = NOW + step * 60.0
            step += 1
            occ = occurrence_of(replace(rem, number=2), due, SENT, at=due, deliveries=(Delivery("telegram", "1", "2"),))
            commits = [
                [
                    [OCCURRENCES, occ.id, rem.account_id, to_doc(occ)],
                    [REMINDERS, rem.id, rem.account_id, to_doc(replace(rem, next_due=due + DAY))],
                ],
                [
                    [OCCURRENCES, occ.id, rem.account_id, None],
                    [HISTORY, occ.id, rem.account_id, to_doc(replace(occ, status=DONE))],
                    [TALLIES, rem.id, rem.account_id, to_doc(_folded(make_tally(seed, i, 1, templates), due))],
                ],
            ]
            for changes in commits:
                payload = _ENC(changes).encode("ascii")
                line = b"%08x %s\n" % (zlib.crc32(payload), payload)
                handle.write(line)
                size += len(line)
    return size


# Measuring --------------------------------------------------------------------------------------
def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def _summary(name: str, values: list[float]) -> dict[str, float]:
    return {f"{name}_median_ms": statistics.median(values) * 1000, f"{name}_p99_ms": _pct(values, 0.99)}


def _rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / (1 << 20)


def measure(path: str, users: int, history_accounts: int, writes: int, seed: int) -> dict[str, float]:
    out: dict[str, float] = {}
    t = time.perf_counter()
    store = TinyDBStore(path)
    out["open_s"] = time.perf_counter() - t
    out["replayed_lines"] = store.recovery.get("replayed_lines", 0)
    out["rss_open_mb"] = _rss_mb()
    out["peak_rss_open_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    gc.collect()
    out["gc_collect_ms"] = (time.perf_counter() - t) * 1000
    rng = random.Random(seed + 2)

    # Reads: what a command does (list reminders, open occurrences).
    lat = []
    for _ in range(5000):
        aid = account_id(seed, rng.randrange(users))
        t = time.perf_counter()
        store.reminders_of(aid)
        store.open_occurrences_of(aid)
        lat.append(time.perf_counter() - t)
    out.update(_summary("read", lat))

    # History: first access reads the account's file, the second is from memory.
    cold, warm = [], []
    sample = rng.sample(range(min(history_accounts, users)), min(200, history_accounts, users))
    for i in sample:
        aid = account_id(seed, i)
        t = time.perf_counter()
        rows = store.history_of(aid)
        cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        store.history_of(aid)
        warm.append(time.perf_counter() - t)
    if cold:
        out["history_rows_per_account"] = len(rows)
        out.update(_summary("history_cold", cold))
        out.update(_summary("history_warm", warm))

    # Due index: what the scheduler asks every tick.
    lat = []
    for _ in range(1000):
        t = time.perf_counter()
        store.next_due_at()
        store.due_items(NOW + 3600, 100)
        lat.append(time.perf_counter() - t)
    out.update(_summary("due", lat))

    # Durable writes: advance reminders, then new occurrences and their resolution (blind history puts).
    occ_lat, rem_lat = [], []
    for n in range(writes):
        i = rng.randrange(users)
        rem = store.get_reminder(reminder_id(seed, i, 1))
        assert rem is not None and rem.next_due is not None
        t = time.perf_counter()
        store.put_reminder(replace(rem, next_due=rem.next_due + DAY))
        rem_lat.append(time.perf_counter() - t)
        due = NOW + DAY * (2 + n)
        occ = occurrence_of(rem, due, SENT, at=due)
        t = time.perf_counter()
        store.put_occurrence(occ)
        occ_lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        store.put_occurrence(replace(occ, status=DONE, updated_at=due + 60))
        occ_lat.append(time.perf_counter() - t)
    out.update(_summary("put_reminder", rem_lat))
    out.update(_summary("put_occurrence", occ_lat))
    out["write_max_ms"] = max(occ_lat + rem_lat) * 1000
    auto = store._background  # a checkpoint the writes started themselves (journal over the limit)
    out["auto_checkpoint_during_writes"] = float(auto is not None)
    if auto is not None:
        auto.join()

    # Checkpoint: snapshot + every history file touched since open (replayed journal included).
    dirty = store.stats()["history_pending_accounts"]
    t = time.perf_counter()
    store.checkpoint()
    out["checkpoint_s"] = time.perf_counter() - t
    out["checkpoint_history_files"] = dirty

    # Commits while a background checkpoint runs, paced like a busy bot (~500 commits/s).
    lat = []
    first = store.get_reminder(reminder_id(seed, 0, 0))
    assert first is not None
    store.put_reminder(replace(first, text="Exfoliate"))  # something to checkpoint: it cannot skip the work
    thread = store.checkpoint_in_background()
    started = time.perf_counter()
    n = 0
    while thread.is_alive() or n < 200:
        i = rng.randrange(users)
        rem = store.get_reminder(reminder_id(seed, i, 0))
        assert rem is not None
        t = time.perf_counter()
        store.put_reminder(replace(rem, text=f"Exfoliate {n}"))
        lat.append(time.perf_counter() - t)
        n += 1
        time.sleep(0.002)
    thread.join()
    out["bg_checkpoint_s"] = time.perf_counter() - started
    out.update(_summary("write_during_checkpoint", lat))
    out["write_during_checkpoint_max_ms"] = max(lat) * 1000
    out["rss_end_mb"] = _rss_mb()
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # Start-up with a journal: crash now, reopen.
    store._release_lock_for_tests()
    del store
    t = time.perf_counter()
    again = TinyDBStore(path)
    out["reopen_s"] = time.perf_counter() - t
    again.close()
    return out


def plain_tinydb(directory: str, reminders: int, updates: int, seed: int) -> dict[str, float]:
    """The same single-document update through tinydb.TinyDB(path) and its default JSONStorage."""
    path = os.path.join(directory, "plain.json")
    with TinyDB(path) as db:
        table = db.table(REMINDERS)
        table.insert_multiple(to_doc(make_reminder(seed, n // 3, n % 3)) for n in range(reminders))
        rng = random.Random(seed)
        lat = []
        for n in range(updates):
            doc_id = rng.randrange(1, reminders + 1)
            t = time.perf_counter()
            table.update({"next_due": NOW + n}, doc_ids=[doc_id])
            lat.append(time.perf_counter() - t)
    os.unlink(path)
    return {"plain_reminders": reminders, "plain_update_median_ms": statistics.median(lat) * 1000}


# Report -----------------------------------------------------------------------------------------
ROWS = [
    ("snapshot_mb", "snapshot file (MB)", "{:.1f}"),
    ("gen_s", "generate population (s)", "{:.1f}"),
    ("journal_mb", "journal replayed at open (MB)", "{:.1f}"),
    ("open_s", "open: load + indexes + replay (s)", "{:.2f}"),
    ("rss_open_mb", "RSS after open (MB)", "{:.0f}"),
    ("peak_rss_open_mb", "peak RSS during open (MB)", "{:.0f}"),
    ("gc_collect_ms", "full gc.collect() after open (ms)", "{:.1f}"),
    ("auto_checkpoint_during_writes", "checkpoint started during the writes", "{:.0f}"),
    ("put_occurrence_median_ms", "put_occurrence median (ms)", "{:.3f}"),
    ("put_occurrence_p99_ms", "put_occurrence p99 (ms)", "{:.3f}"),
    ("put_reminder_median_ms", "put_reminder median (ms)", "{:.3f}"),
    ("put_reminder_p99_ms", "put_reminder p99 (ms)", "{:.3f}"),
    ("write_max_ms", "write max (ms)", "{:.2f}"),
    ("read_median_ms", "reminders_of+open_occurrences_of median (ms)", "{:.4f}"),
    ("read_p99_ms", "reminders_of+open_occurrences_of p99 (ms)", "{:.4f}"),
    ("history_rows_per_account", "history rows per account", "{:.0f}"),
    ("history_cold_median_ms", "history_of cold median (ms)", "{:.2f}"),
    ("history_cold_p99_ms", "history_of cold p99 (ms)", "{:.2f}"),
    ("history_warm_p99_ms", "history_of warm p99 (ms)", "{:.3f}"),
    ("due_median_ms", "next_due_at + due_items(100) median (ms)", "{:.3f}"),
    ("due_p99_ms", "next_due_at + due_items(100) p99 (ms)", "{:.3f}"),
    ("checkpoint_history_files", "checkpoint: history files merged", "{:.0f}"),
    ("checkpoint_s", "checkpoint (sync) (s)", "{:.2f}"),
    ("bg_checkpoint_s", "background checkpoint (s)", "{:.2f}"),
    ("write_during_checkpoint_median_ms", "write during bg checkpoint median (ms)", "{:.3f}"),
    ("write_during_checkpoint_p99_ms", "write during bg checkpoint p99 (ms)", "{:.2f}"),
    ("write_during_checkpoint_max_ms", "write during bg checkpoint max (ms)", "{:.1f}"),
    ("rss_end_mb", "RSS at the end (MB)", "{:.0f}"),
    ("peak_rss_mb", "peak RSS (MB)", "{:.0f}"),
    ("reopen_s", "reopen after kill (s)", "{:.2f}"),
    ("plain_reminders", "plain TinyDB: reminders in file", "{:.0f}"),
    ("plain_update_median_ms", "plain TinyDB: one update (ms)", "{:.1f}"),
    ("ratio", "plain TinyDB update / our put_reminder", "{:.0f}x"),
]


def print_table(results: dict[int, dict[str, float]]) -> None:
    users = sorted(results)
    width = max(len(label) for _, label, _ in ROWS)
    print(f"{'users':<{width}}" + "".join(f"{u:>14,}" for u in users))
    for key, label, fmt in ROWS:
        cells = [fmt.format(results[u][key]) if key in results[u] else "-" for u in users]
        print(f"{label:<{width}}" + "".join(f"{c:>14}" for c in cells))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--writes", type=int, default=2000, help="commits of each kind")
    parser.add_argument("--history-accounts", type=int, default=2000, help="accounts given a year of history")
    parser.add_argument(
        "--journal-mb",
        type=float,
        default=-1,
        help="journal to replay at open (MB); default: half the size at which the store checkpoints",
    )
    parser.add_argument("--tinydb-cap", type=int, default=30_000, help="most reminders for the plain TinyDB run")
    parser.add_argument("--tinydb-updates", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--dir", help="where to put the data (default: a temporary directory, removed)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: run the measurements on this path
    args = parser.parse_args(argv)

    if args.measure:
        result = measure(args.measure, args.users[0], args.history_accounts, args.writes, args.seed)
        print(json.dumps(result))
        return

    base = args.dir or tempfile.mkdtemp(prefix="clearback-bench-")
    results: dict[int, dict[str, float]] = {}
    try:
        for users in args.users:
            directory = os.path.join(base, f"u{users}")
            shutil.rmtree(directory, ignore_errors=True)
            path = os.path.join(directory, "clearback.json")
            print(f"[{users:,} users] generating...", file=sys.stderr, flush=True)
            row = generate(path, users, args.history_accounts, args.journal_mb, args.seed)
            print(f"[{users:,} users] measuring...", file=sys.stderr, flush=True)
            child = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "scripts.bench_storage",
                    "--measure",
                    path,
                    "--users",
                    str(users),
                    "--history-accounts",
                    str(args.history_accounts),
                    "--writes",
                    str(args.writes),
                    "--seed",
                    str(args.seed),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            row.update(json.loads(child.stdout.strip().splitlines()[-1]))
            cap = min(users * 3, args.tinydb_cap)
            print(f"[{users:,} users] plain TinyDB with {cap:,} reminders...", file=sys.stderr, flush=True)
            row.update(plain_tinydb(directory, cap, args.tinydb_updates, args.seed))
            row["ratio"] = row["plain_update_median_ms"] / row["put_reminder_median_ms"]
            results[users] = row
            shutil.rmtree(directory, ignore_errors=True)
            print_table(results)
            print(file=sys.stderr)
    finally:
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
