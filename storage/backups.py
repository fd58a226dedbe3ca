"""`clearback backup DEST` and `clearback restore SRC`: the commands around storage.tinydb.backup.

A TinyDB store is copied consistently while its bot runs (storage/tinydb/backup.py). PostgreSQL has its own
tools, which do it better than a copy of ours could (consistent dumps of a live database, point-in-time
recovery), so for a postgresql:// store these print how to use them and exit non-zero rather than pretend.
"""

from __future__ import annotations

import sys
from typing import Final, TextIO

from storage.base import StorageError
from storage.factory import is_database_url

OK: Final = 0
BAD_ARGUMENTS: Final = 2
FAILED: Final = 3
REFUSED: Final = 4  # as migrate: the target is not empty, nothing was written

POSTGRES_ADVICE: Final = (
    "This bot's data is in PostgreSQL: back it up with PostgreSQL's own tools, consistent while the bot runs:\n"
    "  pg_dump --format=custom --file=clearback.dump <database>\n"
    "and restore into an empty database with:\n"
    "  pg_restore --dbname=<database> clearback.dump   (--clean to replace what is there; stop the bot first)\n"
    "A managed PostgreSQL's snapshots and point-in-time recovery serve too. See README, 'Running in production'."
)


def backup_command(target: str, dest: str | None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Back up the store `target` (a path or URL) to the archive `dest`; returns the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    if is_database_url(target):
        print(POSTGRES_ADVICE, file=err)
        return BAD_ARGUMENTS
    if not dest:
        print("backup needs DEST: a file to write (e.g. backups/clearback.tar.gz) or a directory", file=err)
        return BAD_ARGUMENTS
    from storage.tinydb.backup import backup

    try:
        info = backup(target, dest)
    except (StorageError, OSError) as exc:
        print(f"Backup failed: {exc}", file=err)
        return FAILED
    print(
        f"Backed up {target} to {info.path} (owner-only): {info.accounts} accounts, {info.reminders} reminders, "
        f"{info.occurrences} open occurrences, {info.history_files} history files. It was read back once.",
        file=out,
    )
    return OK


def restore_command(source: str | None, target: str, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Restore the archive `source` as the store `target` (its directory empty); returns the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    if is_database_url(target):
        print(POSTGRES_ADVICE, file=err)
        return BAD_ARGUMENTS
    if not source:
        print("restore needs SRC: a backup written by `clearback backup`", file=err)
        return BAD_ARGUMENTS
    from storage.tinydb.backup import NotEmpty, restore

    try:
        info = restore(source, target)
    except NotEmpty as exc:
        print(f"Restore refused: {exc}", file=err)
        return REFUSED
    except (StorageError, OSError) as exc:
        print(f"Restore failed: {exc}", file=err)
        return FAILED
    print(
        f"Restored {source} as {info.path}: {info.accounts} accounts, {info.reminders} reminders, "
        f"{info.occurrences} open occurrences, {info.history_files} history files. Start the bot.",
        file=out,
    )
    return OK
