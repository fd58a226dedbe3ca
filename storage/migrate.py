"""Move a whole bot from one store to another: TinyDB to PostgreSQL, and back, so nobody is locked in.

`python run_bot.py migrate --to postgresql://...` (from BOT_DB_PATH, or `--from`). Accounts are read a page
at a time (Store.export_accounts) and written a batch per transaction (Store.import_accounts: COPY on
PostgreSQL), so memory stays flat whatever the size of the bot, and a failure leaves whole batches. The
target must hold no records: a migration never merges into or overwrites a bot. At the end the rows per
table are counted on both sides. The treatment guide's feedback counts (nobody's: an entry and two counts)
are copied last, in one transaction, and compared entry by entry.

Shared short-lived state (Store.shared_*) is not copied: it expires within minutes and is made again.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final, TextIO

from storage.base import ROW_TABLES, AccountRecords, StorageError, Store
from storage.factory import is_database_url

READ_PAGE: Final = 100  # accounts per read (Store.export_accounts)
BATCH_ACCOUNTS: Final = 1000  # accounts per write transaction at most...
BATCH_ROWS: Final = 50_000  # ...and rows: a year of history is ~480 rows a person, so memory stays bounded
# A TinyDB target folds its journal in every this many rows written, in the foreground and unpaced (the
# bot's background checkpoints are paced for a live bot, and rewrote the growing snapshot again and again).
CHECKPOINT_ROWS: Final = 500_000
_NO_AUTO_CHECKPOINT: Final = 1 << 62
PROGRESS_EVERY: Final = 10_000  # the CLI prints a line each time this many more accounts are copied

# Exit statuses of the CLI (run_bot.py migrate).
OK: Final = 0
BAD_ARGUMENTS: Final = 2
CANNOT_OPEN: Final = 3
REFUSED: Final = 4
COUNTS_DIFFER: Final = 5

NOT_COPIED: Final = (
    "Not copied: the shared short-lived state (the key that signs buttons, one-time link codes, notes waiting "
    "for someone's next message): it is made again as needed; buttons on messages sent before the move stop "
    "working, as after a restart of a one-process bot."
)

Progress = Callable[[int, int, float], None]  # (accounts copied, accounts in the source, seconds so far)


class TargetNotEmpty(StorageError):
    """The target already holds records: nothing was written."""


@dataclass(frozen=True, slots=True)
class MigrationReport:
    source: dict[str, int]  # rows per table counted in the source before copying
    copied: dict[str, int]  # rows read out and written
    target: dict[str, int]  # rows per table counted in the target afterwards
    seconds: float
    differences: list[str] = field(default_factory=list)
    feedback_entries: int = 0  # guide entries whose helpful / not helpful counts were copied

    @property
    def verified(self) -> bool:
        return not self.differences


def migrate(
    source: Store, target: Store, *, batch: int = BATCH_ACCOUNTS, progress: Progress | None = None
) -> MigrationReport:
    """Copy every account of `source` with all it holds into the empty `target`; count both sides after."""
    started = time.perf_counter()
    already = target.count_rows()
    if any(already.values()) or target.feedback_counts():
        held = ", ".join(f"{n} {table}" for table, n in already.items() if n) or "guide feedback"
        raise TargetNotEmpty(f"the target already holds records ({held}); nothing was written")
    counted = source.count_rows()
    copied = dict.fromkeys(ROW_TABLES, 0)
    ids: list[str] = []
    pending: list[AccountRecords] = []
    rows = 0
    since_checkpoint = 0

    def write() -> None:
        nonlocal rows, since_checkpoint
        target.import_accounts(pending)
        for account in pending:
            for table, n in account.counts().items():
                copied[table] += n
        pending.clear()
        since_checkpoint += rows
        rows = 0
        if since_checkpoint >= CHECKPOINT_ROWS:
            target.checkpoint()  # a no-op but on TinyDB, where it bounds the history held in memory
            since_checkpoint = 0
        if progress is not None:
            progress(copied["accounts"], counted["accounts"], time.perf_counter() - started)

    def read() -> None:
        nonlocal rows
        for account in source.export_accounts(ids):
            pending.append(account)
            rows += sum(account.counts().values())
            if len(pending) >= batch or rows >= BATCH_ROWS:
                write()
        ids.clear()

    for account_id in source.all_account_ids():
        ids.append(account_id)
        if len(ids) >= READ_PAGE:
            read()
    read()
    if pending:
        write()
    feedback = source.feedback_counts()
    if feedback:
        target.import_feedback(feedback)
    written = target.count_rows()
    differences = [
        f"{table}: {counted[table]} in the source, {copied[table]} copied, {written[table]} in the target"
        for table in ROW_TABLES
        if not counted[table] == copied[table] == written[table]
    ]
    landed = target.feedback_counts()
    if landed != feedback:
        differences.append(f"feedback: {len(feedback)} entries in the source, {len(landed)} in the target, differ")
    return MigrationReport(counted, copied, written, time.perf_counter() - started, differences, len(feedback))


# The command line -------------------------------------------------------------------------------------
def describe(target: str) -> str:
    """How a store is named in the output: host and database of a URL, never its user or password."""
    if not is_database_url(target):
        return f"TinyDB file {target}"
    import psycopg.conninfo

    try:
        params = psycopg.conninfo.conninfo_to_dict(target)
    except psycopg.ProgrammingError:
        return "PostgreSQL database (the URL does not parse)"
    host = str(params.get("host") or "localhost")
    port = params.get("port")
    where = f"{host}:{port}" if port else host
    return f"PostgreSQL database {params.get('dbname') or '(default)'} on {where}"


@contextmanager
def _opened(target: str, *, source: bool) -> Iterator[Store]:
    if is_database_url(target):
        from storage.postgres import PostgresStore

        shared = PostgresStore(target, min_size=1, max_size=2)
        try:
            yield shared
        finally:
            shared.close()
        return
    from storage.tinydb import TinyDBStore

    # The collector is off for the whole copy (migrate_database); a target checkpoints when migrate() says.
    durable = TinyDBStore(target, freeze_gc=False, checkpoint_bytes=_NO_AUTO_CHECKPOINT)
    try:
        yield durable
    except BaseException:
        durable.close(checkpoint=False)  # a refused target stays byte for byte as it was
        raise
    # A source is left exactly as it was found; a target folds its journal into the files.
    durable.close(checkpoint=not source)


def url_passwords(*targets: str | None) -> list[str]:
    """The passwords in these URLs, for the output filter (describe() never prints them anyway)."""
    import psycopg.conninfo

    found = []
    for target in targets:
        if target and is_database_url(target):
            try:
                password = psycopg.conninfo.conninfo_to_dict(target).get("password")
            except psycopg.ProgrammingError:
                continue
            if password:
                found.append(str(password))
    return found


def migrate_database(
    source: str,
    dest: str,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    every: int = PROGRESS_EVERY,
    batch: int = BATCH_ACCOUNTS,
) -> int:
    """`run_bot.py migrate`: copy `source` (a path or URL) into `dest`. Progress and the summary go to `out`
    (stdout), a refusal or failure to `err` (stderr); returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    if source == dest or (not is_database_url(source) and os.path.abspath(source) == os.path.abspath(dest)):
        print("Migration refused: the source and the target are the same store.", file=err)
        return BAD_ARGUMENTS
    if not is_database_url(source) and not os.path.exists(source):
        print(f"Migration refused: there is no database at {source} (name it with --from PATH).", file=err)
        return BAD_ARGUMENTS
    print(f"Copying {describe(source)} into {describe(dest)}.", file=out)
    if not is_database_url(source):
        print("The bot must be stopped first (a running bot holds the file's lock).", file=out)
    else:
        print("Stop every bot process on the source database first: changes made meanwhile would be missed.", file=out)
    shown = [0]

    def report(done: int, total: int, seconds: float) -> None:
        if done - shown[0] >= every or (done == total and shown[0]):
            shown[0] = done
            rate = done / seconds if seconds > 0 else 0.0
            print(f"  {done:,} of {total:,} accounts copied ({seconds:.1f} s, {rate:,.0f} accounts/s)", file=out)

    # Records are freed by reference counting (no cycles); collections would only walk the millions a TinyDB
    # source keeps in memory, again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _opened(source, source=True) as source_store, _opened(dest, source=False) as dest_store:
            result = migrate(source_store, dest_store, batch=batch, progress=report)
    except TargetNotEmpty as exc:
        print(f"Migration refused: {describe(dest)}: {exc}. Give an empty database or a new file.", file=err)
        return REFUSED
    except StorageError as exc:
        print(f"Migration failed: {exc}", file=err)
        print("If the target was reached it may hold part of the copy: empty it before trying again.", file=err)
        return CANNOT_OPEN
    finally:
        if collecting:
            gc.enable()
    print(summary(result), file=out)
    print(NOT_COPIED, file=out)
    if not result.verified:
        print("Migration failed: the counts differ (see above); do not switch to the target.", file=err)
        return COUNTS_DIFFER
    return OK


def summary(report: MigrationReport) -> str:
    lines = [f"{'table':<12}{'source':>12}{'copied':>12}{'target':>12}"]
    for table in ROW_TABLES:
        lines.append(f"{table:<12}{report.source[table]:>12,}{report.copied[table]:>12,}{report.target[table]:>12,}")
    lines.append(f"{'feedback':<12}{report.feedback_entries:>12,} guide entries' helpful counts")
    accounts = report.copied["accounts"]
    rate = accounts / report.seconds if report.seconds > 0 else 0.0
    lines.append(f"Took {report.seconds:.1f} s ({rate:,.0f} accounts/s).")
    if report.verified:
        lines.append("Counts verified: every table of the target holds exactly the rows of the source.")
    else:
        lines.append("COUNTS DIFFER (the target is incomplete; do not switch to it):")
        lines.extend(f"  {line}" for line in report.differences)
    return "\n".join(lines)
