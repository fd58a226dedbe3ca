"""PostgresStore: the storage contract on PostgreSQL, shared by any number of peer processes.

Every record is one row (the whole record in `doc`, the columns the queries need beside it); nothing is
loaded at start-up, so a peer starts in about a second whatever the size of the bot. psycopg 3 with its
connection pool: the core calls the store from worker threads (bot.offload), each thread borrows a
connection for one statement or one `atomic()` block.

Across processes: inside `atomic()` every read of an account, reminder or occurrence takes its row lock
(FOR UPDATE), so a read-modify-write in one peer never overwrites another's change (today's one-process
store gets the same from its single lock), and `lock_due` claims due work with SKIP LOCKED so two
dispatchers can never claim the same reminder; the unique (reminder_id, due) is the last line behind it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

import msgspec
import psycopg
from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb, set_json_dumps, set_json_loads
from psycopg_pool import ConnectionPool, PoolTimeout

from storage.base import (
    ROW_TABLES,
    AccountRecords,
    DueItem,
    SharedRow,
    StorageError,
    StorageUnavailable,
    Store,
)
from storage.postgres.schema import migrate
from storage.records import (
    SCHEDULED_STATUSES,
    Account,
    IdentityRecord,
    Occurrence,
    Outcome,
    Reminder,
    Tally,
    from_doc,
    to_doc,
)
from storage.tally import fold

log = logging.getLogger(__name__)

_SCHEDULED: Final = tuple(sorted(SCHEDULED_STATUSES))
# Literal, so the planner matches the partial index occurrences_scheduled.
_IS_SCHEDULED: Final = "status IN ('held', 'nudge', 'retry', 'snoozed')"
assert _SCHEDULED == ("held", "nudge", "retry", "snoozed")
_OCCURRENCE_COLUMNS: Final = "id, account_id, reminder_id, due, fire_at, status, is_open, doc"
ACCOUNT_ID_PAGE: Final = 1000  # all_account_ids() reads this many ids per query
_COUNTS: Final = {
    "accounts": "SELECT count(*) FROM accounts",
    "identities": "SELECT count(*) FROM identities",
    "reminders": "SELECT count(*) FROM reminders",
    "occurrences": "SELECT count(*) FROM occurrences WHERE is_open",
    "history": "SELECT count(*) FROM occurrences WHERE NOT is_open",
    "tallies": "SELECT count(*) FROM tallies",
}
assert tuple(_COUNTS) == ROW_TABLES

Conn = psycopg.Connection[tuple[Any, ...]]


def _configure(conn: Conn) -> None:
    set_json_loads(msgspec.json.decode, conn)
    set_json_dumps(msgspec.json.encode, conn)


class PostgresStore(Store):
    """The shared store; `remote` tells the App to keep its calls off the event loop."""

    remote = True

    def __init__(self, url: str, *, min_size: int = 2, max_size: int = 16, timeout: float = 10.0) -> None:
        self.url = url
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=int(timeout)) as conn:
                applied = migrate(conn)
        except psycopg.OperationalError as exc:
            raise StorageUnavailable(f"cannot reach PostgreSQL ({_reason(exc)})") from exc
        if applied:
            log.info("database schema migrated to version %s", applied[-1])
        self.pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs={"autocommit": True},
            configure=_configure,
            name="clearback",
            open=True,
        )
        # Short-lived shared state (offers, link codes, notes) on connections whose commits never wait for the
        # WAL flush: one statement each, where SET LOCAL in a transaction of its own would take four.
        self.flushless_pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(2, max_size // 2),
            timeout=timeout,
            kwargs={"autocommit": True, "options": "-c synchronous_commit=off"},
            configure=_configure,
            name="clearback-flushless",
            open=True,
        )
        self._local = threading.local()

    # Connections and transactions ---------------------------------------------------------------
    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StorageUnavailable(f"PostgreSQL unavailable ({_reason(exc)})") from exc
        except psycopg.Error as exc:
            raise StorageError(f"PostgreSQL refused a statement ({type(exc).__name__})") from exc

    @property
    def _tx(self) -> Conn | None:
        conn: Conn | None = getattr(self._local, "conn", None)
        return conn

    def atomic(self) -> contextlib.AbstractContextManager[None]:
        return self._transaction(pipelined=True)

    @contextlib.contextmanager
    def _transaction(self, pipelined: bool) -> Iterator[None]:
        """One transaction. `pipelined` (all but COPY, which a pipeline cannot carry): a write whose result
        nobody reads is sent with the next statement that is read, or with the COMMIT, so a read-modify-write
        costs a round trip per read rather than per statement. A failed write still fails the block: its
        error comes back with the next result, before anything commits."""
        if self._tx is not None:  # nested: part of the outermost transaction
            yield
            return
        with self._errors(), contextlib.ExitStack() as stack:
            conn = self._begin(stack)
            self._local.conn = conn
            self._local.wrote = False
            try:
                with conn.pipeline() if pipelined else contextlib.nullcontext():
                    yield
                    if not self._local.wrote:
                        # Nothing durable changed (reads that locked rows, short-lived shared state): a row
                        # lock alone makes COMMIT wait for a WAL flush, which a crash would have nothing to keep.
                        conn.execute("SET LOCAL synchronous_commit = off")
                    conn.execute("COMMIT")
            finally:
                self._local.conn = None
                if not conn.broken and conn.info.transaction_status != TransactionStatus.IDLE:
                    with contextlib.suppress(psycopg.Error):  # a dead connection: the pool discards it
                        conn.execute("ROLLBACK")  # the block raised or a statement failed: none of it stays

    def _begin(self, stack: contextlib.ExitStack) -> Conn:
        """A pooled connection inside BEGIN, sent alone: one found dead there (nothing was sent on it yet) is
        replaced, where the same error a statement later would fail the caller's whole block."""
        for attempt in (1, 2):
            conn = stack.enter_context(self.pool.connection())
            try:
                conn.execute("BEGIN")
                return conn
            except psycopg.OperationalError:
                if attempt == 2 or not conn.broken:
                    raise
                stack.close()
                self.pool.check()
        raise AssertionError("unreachable")

    def _lock(self) -> str:
        """Inside a transaction, reads lock what they read: see the module docstring."""
        return " FOR UPDATE" if self._tx is not None else ""

    def _execute(self, sql: str, params: tuple[Any, ...], fetch: str, durable: bool = True) -> Any:
        """One statement: in the thread's transaction, or alone on a pooled connection (autocommit).

        Alone, a connection found dead (a server restart, an idle timeout) is replaced and the statement
        run once more: safe, because every write of the contract is a whole put or delete of a keyed row.
        A write that need not be `durable` (shared short-lived state) commits without waiting for the WAL
        flush: a server crash may lose the last fraction of a second of them, never leave them half-written.
        """
        conn = self._tx
        if conn is not None:
            if durable and not sql.lstrip("( ").upper().startswith("SELECT"):
                self._local.wrote = True
            with self._errors():
                return _fetched(conn.execute(sql, params), fetch)
        pool = self.pool if durable else self.flushless_pool
        with self._errors():
            for attempt in (1, 2):
                with pool.connection() as pooled:
                    try:
                        return _fetched(pooled.execute(sql, params), fetch)
                    except psycopg.OperationalError:
                        if attempt == 2 or not pooled.broken:
                            raise
                pool.check()  # the others idle beside it are likely dead too: replace them all
        raise AssertionError("unreachable")

    def _one(self, sql: str, params: tuple[Any, ...], durable: bool = True) -> Any:
        row = self._execute(sql, params, "one", durable)
        return None if row is None else row[0]

    def _all(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._execute(sql, params, "all")
        return rows

    def _run(self, sql: str, params: tuple[Any, ...], durable: bool = True) -> None:
        self._execute(sql, params, "none", durable)

    # Accounts and identities -------------------------------------------------------------------
    def get_account(self, account_id: str) -> Account | None:
        doc = self._one("SELECT doc FROM accounts WHERE id = %s" + self._lock(), (account_id,))
        return None if doc is None else from_doc(Account, doc)

    def put_account(self, account: Account) -> None:
        self._run(
            "INSERT INTO accounts (id, doc) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc",
            (account.id, Jsonb(to_doc(account))),
        )

    def get_identity(self, key: str) -> IdentityRecord | None:
        doc = self._one("SELECT doc FROM identities WHERE key = %s" + self._lock(), (key,))
        return None if doc is None else from_doc(IdentityRecord, doc)

    def identity_and_account(self, key: str) -> tuple[IdentityRecord | None, Account | None]:
        row = self._execute(
            "SELECT i.doc, a.doc FROM identities i LEFT JOIN accounts a ON a.id = i.account_id WHERE i.key = %s",
            (key,),
            "one",
        )
        if row is None:
            return None, None
        return from_doc(IdentityRecord, row[0]), None if row[1] is None else from_doc(Account, row[1])

    def identities_of(self, account_id: str) -> list[IdentityRecord]:
        rows = self._all("SELECT doc FROM identities WHERE account_id = %s ORDER BY key", (account_id,))
        return [from_doc(IdentityRecord, doc) for (doc,) in rows]

    def put_identity(self, identity: IdentityRecord) -> None:
        self._run(
            "INSERT INTO identities (key, account_id, doc) VALUES (%s, %s, %s) ON CONFLICT (key) DO UPDATE"
            " SET account_id = EXCLUDED.account_id, doc = EXCLUDED.doc",
            (identity.key, identity.account_id, Jsonb(to_doc(identity))),
        )

    def delete_identity(self, key: str) -> None:
        self._run("DELETE FROM identities WHERE key = %s", (key,))

    # Reminders --------------------------------------------------------------------------------
    def get_reminder(self, reminder_id: str) -> Reminder | None:
        doc = self._one("SELECT doc FROM reminders WHERE id = %s" + self._lock(), (reminder_id,))
        return None if doc is None else from_doc(Reminder, doc)

    def reminders_of(self, account_id: str) -> list[Reminder]:
        rows = self._all("SELECT doc FROM reminders WHERE account_id = %s ORDER BY number, id", (account_id,))
        return [from_doc(Reminder, doc) for (doc,) in rows]

    def put_reminder(self, reminder: Reminder) -> None:
        self._run(
            "INSERT INTO reminders (id, account_id, number, next_due, paused, doc) VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET account_id = EXCLUDED.account_id, number = EXCLUDED.number,"
            " next_due = EXCLUDED.next_due, paused = EXCLUDED.paused, doc = EXCLUDED.doc",
            (
                reminder.id,
                reminder.account_id,
                reminder.number,
                reminder.next_due,
                reminder.paused,
                Jsonb(to_doc(reminder)),
            ),
        )

    def delete_reminder(self, reminder_id: str) -> None:
        with self.atomic():
            self._run("DELETE FROM tallies WHERE reminder_id = %s", (reminder_id,))
            self._run("DELETE FROM reminders WHERE id = %s", (reminder_id,))

    # Tallies ------------------------------------------------------------------------------------
    def get_tally(self, reminder_id: str) -> Tally | None:
        doc = self._one("SELECT doc FROM tallies WHERE reminder_id = %s" + self._lock(), (reminder_id,))
        return None if doc is None else from_doc(Tally, doc)

    def tallies_of(self, account_id: str, reminder_ids: list[str]) -> dict[str, Tally]:
        rows = self._all(
            "SELECT doc FROM tallies WHERE account_id = %s AND reminder_id = ANY(%s) ORDER BY reminder_id"
            + self._lock(),
            (account_id, reminder_ids),
        )
        return {tally.reminder_id: tally for tally in (from_doc(Tally, doc) for (doc,) in rows)}

    def put_tally(self, tally: Tally) -> None:
        # Only beside its reminder: a tally may outlive it (say, computed just before /forget).
        self._run(
            "INSERT INTO tallies (reminder_id, account_id, doc) SELECT %s, %s, %s"
            " WHERE EXISTS (SELECT 1 FROM reminders WHERE id = %s)"
            " ON CONFLICT (reminder_id) DO UPDATE SET account_id = EXCLUDED.account_id, doc = EXCLUDED.doc",
            (tally.reminder_id, tally.account_id, Jsonb(to_doc(tally)), tally.reminder_id),
        )

    def _drop_tally(self, reminder_id: str) -> None:
        self._run("DELETE FROM tallies WHERE reminder_id = %s", (reminder_id,))

    # Occurrences --------------------------------------------------------------------------------
    def progress_rows(self, account_id: str) -> tuple[list[Reminder], dict[str, Tally], list[Occurrence]]:
        # Three index scans in one statement, each list one json array: a third of the round trips and of the
        # client's per-statement work (measured: docs/benchmarks.md). Plain reads, as the three separate ones.
        row = self._execute(
            "SELECT (SELECT coalesce(json_agg(doc ORDER BY number, id), '[]') FROM reminders WHERE account_id = %s),"
            " (SELECT coalesce(json_agg(doc ORDER BY reminder_id), '[]') FROM tallies WHERE account_id = %s),"
            " (SELECT coalesce(json_agg(doc ORDER BY due, id), '[]') FROM occurrences"
            "  WHERE account_id = %s AND is_open)",
            (account_id, account_id, account_id),
            "one",
        )
        reminders = [from_doc(Reminder, doc) for doc in row[0]]
        ids = {r.id for r in reminders}
        tallies = {t.reminder_id: t for t in (from_doc(Tally, doc) for doc in row[1]) if t.reminder_id in ids}
        return reminders, tallies, [_occurrence(doc) for doc in row[2]]

    def get_occurrence(self, account_id: str, occurrence_id: str) -> Occurrence | None:
        doc = self._one(
            "SELECT doc FROM occurrences WHERE id = %s AND account_id = %s" + self._lock(), (occurrence_id, account_id)
        )
        return None if doc is None else _occurrence(doc)

    def open_occurrences_of(self, account_id: str) -> list[Occurrence]:
        rows = self._all(
            "SELECT doc FROM occurrences WHERE account_id = %s AND is_open ORDER BY due, id", (account_id,)
        )
        return [_occurrence(doc) for (doc,) in rows]

    def open_occurrences_with_status(self, status: str) -> list[Occurrence]:
        rows = self._all("SELECT doc FROM occurrences WHERE status = %s AND is_open ORDER BY due, id", (status,))
        return [_occurrence(doc) for (doc,) in rows]

    def history_of(self, account_id: str) -> list[Occurrence]:
        rows = self._all(
            "SELECT doc FROM occurrences WHERE account_id = %s AND NOT is_open ORDER BY due, id", (account_id,)
        )
        return [_occurrence(doc) for (doc,) in rows]

    def history_outcomes(self, account_id: str) -> list[Outcome]:
        rows = self._all(
            "SELECT reminder_id, due, status FROM occurrences WHERE account_id = %s AND NOT is_open ORDER BY due, id",
            (account_id,),
        )
        return [Outcome(reminder_id, due, status) for reminder_id, due, status in rows]

    def _upsert_occurrence(self, occurrence: Occurrence) -> None:
        self._run(
            f"INSERT INTO occurrences ({_OCCURRENCE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET account_id = EXCLUDED.account_id, reminder_id = EXCLUDED.reminder_id,"
            " due = EXCLUDED.due, fire_at = EXCLUDED.fire_at, status = EXCLUDED.status, is_open = EXCLUDED.is_open,"
            " doc = EXCLUDED.doc",
            (
                occurrence.id,
                occurrence.account_id,
                occurrence.reminder_id,
                occurrence.due,
                occurrence.fire_at,
                occurrence.status,
                occurrence.is_open,
                Jsonb(to_doc(occurrence)),
            ),
        )

    def put_occurrence(self, occurrence: Occurrence) -> None:
        if occurrence.is_open:
            self._upsert_occurrence(occurrence)
            return
        with self.atomic():
            self._upsert_occurrence(occurrence)
            tally = self.get_tally(occurrence.reminder_id)
            if tally is None:
                return  # unknown: rebuilt from history when read
            updated = fold(tally, occurrence.due, occurrence.status, occurrence.updated_at)
            if updated is None:
                self._drop_tally(occurrence.reminder_id)
            elif updated is not tally:
                self.put_tally(updated)

    def reopen_occurrence(self, occurrence: Occurrence) -> None:
        if not occurrence.is_open:
            raise ValueError(f"reopen_occurrence needs an open status, got {occurrence.status!r}")
        with self.atomic():
            self._upsert_occurrence(occurrence)
            self._drop_tally(occurrence.reminder_id)

    def drop_occurrence(self, account_id: str, occurrence_id: str) -> None:
        with self.atomic():
            reminder_id = self._one(
                "DELETE FROM occurrences WHERE id = %s AND account_id = %s RETURNING reminder_id",
                (occurrence_id, account_id),
            )
            if reminder_id is not None:
                self._drop_tally(reminder_id)

    # Scheduling ---------------------------------------------------------------------------------
    def next_due_at(self) -> float | None:
        at = self._one(
            "SELECT least((SELECT min(next_due) FROM reminders WHERE next_due IS NOT NULL AND NOT paused),"
            f" (SELECT min(fire_at) FROM occurrences WHERE {_IS_SCHEDULED}))",
            (),
        )
        return None if at is None else float(at)

    def due_items(self, until: float, limit: int) -> list[DueItem]:
        rows = self._all(
            "(SELECT next_due AS at, id, 0 AS kind, doc FROM reminders"
            "  WHERE next_due IS NOT NULL AND NOT paused AND next_due <= %s ORDER BY next_due, id LIMIT %s)"
            " UNION ALL"
            f" (SELECT fire_at, id, 1, doc FROM occurrences WHERE {_IS_SCHEDULED} AND fire_at <= %s"
            "  ORDER BY fire_at, id LIMIT %s)"
            " ORDER BY at, kind, id LIMIT %s",
            (until, limit, until, limit, limit),
        )
        return [_due_item(at, kind, doc) for at, _, kind, doc in rows]

    def lock_due(self, items: list[DueItem], until: float) -> list[DueItem]:
        if self._tx is None:
            raise StorageError("lock_due() outside atomic(): the locks would end with the statement")
        reminder_ids = [i.reminder.id for i in items if i.reminder is not None]
        occurrence_ids = [i.occurrence.id for i in items if i.occurrence is not None]
        fresh: dict[tuple[int, str], DueItem] = {}
        if reminder_ids:
            for at, key, doc in self._all(
                "SELECT next_due, id, doc FROM reminders WHERE id = ANY(%s) AND next_due IS NOT NULL AND NOT paused"
                " AND next_due <= %s ORDER BY id FOR UPDATE SKIP LOCKED",
                (reminder_ids, until),
            ):
                fresh[(0, key)] = _due_item(at, 0, doc)
        if occurrence_ids:
            for at, key, doc in self._all(
                f"SELECT fire_at, id, doc FROM occurrences WHERE id = ANY(%s) AND {_IS_SCHEDULED} AND fire_at <= %s"
                " ORDER BY id FOR UPDATE SKIP LOCKED",
                (occurrence_ids, until),
            ):
                fresh[(1, key)] = _due_item(at, 1, doc)
        kept = []
        for item in items:
            key = (0, item.reminder.id) if item.reminder is not None else (1, item.occurrence.id)  # type: ignore[union-attr]
            if key in fresh:
                kept.append(fresh[key])
        return kept

    # Whole accounts -----------------------------------------------------------------------------
    def delete_account(self, account_id: str) -> None:
        """Every row of the account is deleted for real (PostgreSQL's VACUUM then reclaims the space)."""
        with self.atomic():
            for table in ("occurrences", "tallies", "reminders", "identities"):
                self._run(f"DELETE FROM {table} WHERE account_id = %s", (account_id,))
            self._run("DELETE FROM shared_state WHERE account_id = %s", (account_id,))
            self._run("DELETE FROM accounts WHERE id = %s", (account_id,))

    # Whole stores -------------------------------------------------------------------------------
    def all_account_ids(self) -> Iterator[str]:
        # Keyset pages along the primary key: each query is as cheap as the first, and no connection is
        # held between pages (a caller may write to another store in between).
        after: str | None = None
        while True:
            rows = self._all(
                "SELECT id FROM accounts WHERE %s::text IS NULL OR id > %s ORDER BY id LIMIT %s",
                (after, after, ACCOUNT_ID_PAGE),
            )
            for (account_id,) in rows:
                yield account_id
            if len(rows) < ACCOUNT_ID_PAGE:
                return
            after = rows[-1][0]

    def count_rows(self) -> dict[str, int]:
        with self._errors(), self.pool.connection() as conn, conn.transaction():  # one snapshot for all counts
            rows = {table: conn.execute(sql).fetchone() for table, sql in _COUNTS.items()}
        return {table: int(row[0]) if row else 0 for table, row in rows.items()}

    def export_accounts(self, account_ids: Sequence[str]) -> list[AccountRecords]:
        """A few queries for the whole page rather than six per account, all in one snapshot."""
        ids = list(account_ids)
        with self._errors(), self.pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

            def by_account(sql: str, key: Any) -> dict[str, list[dict[str, Any]]]:
                grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
                for account_id, doc in conn.execute(sql, (key,)).fetchall():
                    grouped[account_id].append(doc)
                return grouped

            accounts = {
                account_id: doc
                for account_id, doc in conn.execute("SELECT id, doc FROM accounts WHERE id = ANY(%s)", (ids,))
            }
            identities = by_account(
                "SELECT account_id, doc FROM identities WHERE account_id = ANY(%s) ORDER BY account_id, key", ids
            )
            reminders = by_account(
                "SELECT account_id, doc FROM reminders WHERE account_id = ANY(%s) ORDER BY account_id, number, id",
                ids,
            )
            reminder_ids = [doc["id"] for docs in reminders.values() for doc in docs]
            tallies = {
                reminder_id: doc
                for reminder_id, doc in conn.execute(
                    "SELECT reminder_id, doc FROM tallies WHERE reminder_id = ANY(%s)", (reminder_ids,)
                ).fetchall()
            }
            # Open and resolved apart: each matches its partial index (one query over both scans the table).
            open_ = by_account(
                "SELECT account_id, doc FROM occurrences WHERE account_id = ANY(%s) AND is_open"
                " ORDER BY account_id, due, id",
                ids,
            )
            history = by_account(
                "SELECT account_id, doc FROM occurrences WHERE account_id = ANY(%s) AND NOT is_open"
                " ORDER BY account_id, due, id",
                ids,
            )
        found = []
        for account_id in ids:
            if account_id not in accounts:
                continue
            own = [from_doc(Reminder, doc) for doc in reminders.get(account_id, [])]
            found.append(
                AccountRecords(
                    from_doc(Account, accounts[account_id]),
                    tuple(from_doc(IdentityRecord, doc) for doc in identities.get(account_id, [])),
                    tuple(own),
                    tuple(from_doc(Tally, tallies[r.id]) for r in own if r.id in tallies),
                    tuple(_occurrence(doc) for doc in open_.get(account_id, [])),
                    tuple(_occurrence(doc) for doc in history.get(account_id, [])),
                )
            )
        return found

    def import_accounts(self, batch: Sequence[AccountRecords]) -> None:
        """COPY, one statement per table for the whole batch (measured: docs/benchmarks.md); a row already
        there breaks a primary key and the whole batch is rolled back."""
        with self._transaction(pipelined=False):  # COPY cannot go through a pipeline
            conn = self._tx
            assert conn is not None
            self._local.wrote = True  # COPY goes past _execute: this commit must be durable
            with self._errors(), conn.cursor() as cur:
                _copy(cur, "accounts (id, doc)", ((r.account.id, Jsonb(to_doc(r.account))) for r in batch))
                _copy(
                    cur,
                    "identities (key, account_id, doc)",
                    ((i.key, i.account_id, Jsonb(to_doc(i))) for r in batch for i in r.identities),
                )
                _copy(
                    cur,
                    "reminders (id, account_id, number, next_due, paused, doc)",
                    (
                        (m.id, m.account_id, m.number, m.next_due, m.paused, Jsonb(to_doc(m)))
                        for r in batch
                        for m in r.reminders
                    ),
                )
                _copy(
                    cur,
                    f"occurrences ({_OCCURRENCE_COLUMNS})",
                    (
                        (o.id, o.account_id, o.reminder_id, o.due, o.fire_at, o.status, o.is_open, Jsonb(to_doc(o)))
                        for r in batch
                        for o in (*r.open, *r.history)
                    ),
                )
                # As put_tally: only beside its reminder.
                reminder_ids = {m.id for r in batch for m in r.reminders}
                _copy(
                    cur,
                    "tallies (reminder_id, account_id, doc)",
                    (
                        (t.reminder_id, t.account_id, Jsonb(to_doc(t)))
                        for r in batch
                        for t in r.tallies
                        if t.reminder_id in reminder_ids
                    ),
                )

    # Shared short-lived state ---------------------------------------------------------------------
    def shared_put(
        self,
        kind: str,
        key: str,
        doc: dict[str, Any],
        *,
        account_id: str | None = None,
        expires_at: float | None = None,
    ) -> None:
        self._run(
            "INSERT INTO shared_state (kind, key, account_id, doc, expires_at) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (kind, key) DO UPDATE SET account_id = EXCLUDED.account_id, doc = EXCLUDED.doc,"
            " expires_at = EXCLUDED.expires_at",
            (kind, key, account_id, Jsonb(doc), expires_at),
            durable=False,
        )

    def shared_put_many(self, rows: Sequence[SharedRow]) -> None:
        if not rows:
            return
        self._run(
            "INSERT INTO shared_state (kind, key, account_id, doc, expires_at) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
            + " ON CONFLICT (kind, key) DO UPDATE SET account_id = EXCLUDED.account_id, doc = EXCLUDED.doc,"
            " expires_at = EXCLUDED.expires_at",
            tuple(v for r in rows for v in (r.kind, r.key, r.account_id, Jsonb(r.doc), r.expires_at)),
            durable=False,
        )

    def shared_get(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = self._one(
            "SELECT doc FROM shared_state WHERE kind = %s AND key = %s AND (expires_at IS NULL OR expires_at > %s)",
            (kind, key, now),
        )
        return doc

    def shared_take(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        with self.atomic():
            doc: dict[str, Any] | None = self._one(
                "DELETE FROM shared_state WHERE kind = %s AND key = %s RETURNING"
                " CASE WHEN expires_at IS NULL OR expires_at > %s THEN doc END",
                (kind, key, now),
                durable=False,
            )
        return doc

    def shared_list(self, kind: str, now: float) -> list[tuple[str, dict[str, Any]]]:
        with self.atomic():
            self._run("DELETE FROM shared_state WHERE kind = %s AND expires_at <= %s", (kind, now), durable=False)
            rows = self._all("SELECT key, doc FROM shared_state WHERE kind = %s ORDER BY key", (kind,))
        return [(key, doc) for key, doc in rows]

    def shared_first(self, kind: str, key: str, doc: dict[str, Any]) -> dict[str, Any]:
        with self.atomic():
            self._run(
                "INSERT INTO shared_state (kind, key, doc) VALUES (%s, %s, %s) ON CONFLICT (kind, key) DO NOTHING",
                (kind, key, Jsonb(doc)),
                durable=False,
            )
            stored: dict[str, Any] = self._one("SELECT doc FROM shared_state WHERE kind = %s AND key = %s", (kind, key))
        return stored

    # Treatment-guide feedback (migrations/0002_feedback.sql) -------------------------------------
    def add_feedback(self, entry_id: str, helpful: bool) -> None:
        # One statement, so presses on several peers at once all count. Not durable: a press lost in a server
        # crash costs the guide one vote, and nobody waits for a WAL flush to be thanked.
        self._run(
            "INSERT INTO guide_feedback AS f (entry_id, up, down) VALUES (%s, %s, %s)"
            " ON CONFLICT (entry_id) DO UPDATE SET up = f.up + EXCLUDED.up, down = f.down + EXCLUDED.down",
            (entry_id, int(helpful), int(not helpful)),
            durable=False,
        )

    def feedback_counts(self) -> dict[str, tuple[int, int]]:
        rows = self._all("SELECT entry_id, up, down FROM guide_feedback ORDER BY entry_id", ())
        return {entry_id: (int(up), int(down)) for entry_id, up, down in rows}

    def import_feedback(self, counts: dict[str, tuple[int, int]]) -> None:
        with self.atomic():
            for entry_id, (up, down) in counts.items():
                self._run(
                    "INSERT INTO guide_feedback (entry_id, up, down) VALUES (%s, %s, %s)"
                    " ON CONFLICT (entry_id) DO UPDATE SET up = EXCLUDED.up, down = EXCLUDED.down",
                    (entry_id, up, down),
                )

    # Lifecycle ----------------------------------------------------------------------------------
    def maintenance(self) -> None:
        """Drop shared state that expired over a day ago by the database's clock (an offer of a peer that died,
        a note never told). Live rows are judged by the core's clock when read; the day's slack means a peer
        whose clock runs behind the database's never loses one early."""
        self._run("DELETE FROM shared_state WHERE expires_at < extract(epoch FROM now()) - 86400", ())

    def close(self) -> None:
        self.pool.close()
        self.flushless_pool.close()

    def stats(self) -> dict[str, int]:
        """Row counts (exact: this reads every table, so it is for tools and tests, not the hot path)."""
        return self.count_rows()


def _copy(cur: psycopg.Cursor[tuple[Any, ...]], into: str, rows: Iterable[tuple[Any, ...]]) -> None:
    with cur.copy(f"COPY {into} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _fetched(cursor: psycopg.Cursor[tuple[Any, ...]], fetch: str) -> Any:
    if fetch == "one":
        return cursor.fetchone()
    if fetch == "all":
        return cursor.fetchall()
    return None


def _occurrence(doc: dict[str, Any]) -> Occurrence:
    return from_doc(Occurrence, doc)


def _due_item(at: float, kind: int, doc: dict[str, Any]) -> DueItem:
    if kind == 0:
        return DueItem(at=float(at), reminder=from_doc(Reminder, doc))
    return DueItem(at=float(at), occurrence=_occurrence(doc))


def _reason(exc: BaseException) -> str:
    """A short cause for the log: never the URL (it may hold a password)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.split(": ", 1)[-1][:120]
