"""The schema, created and migrated by the bot: the SQL files in migrations/, applied in order, recorded.

Each file is NNNN_name.sql and runs in one transaction with its row in schema_migrations, so a migration
is applied whole or not at all. Peers starting together take an advisory lock first: one migrates, the
others wait and find nothing left to do. A database migrated by newer code than this stops start-up with
one clear line rather than letting old code write rows it does not understand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import psycopg

from storage.base import StorageError

MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")
_FILE: Final = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_MIGRATION_LOCK: Final = 0x0C1EA2BAC  # any fixed 64-bit number: the advisory lock all peers agree on


class SchemaTooNew(StorageError):
    """The database was migrated by a newer ClearBack than this one."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def known_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(folder.iterdir()):
        match = _FILE.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise StorageError(f"migrations in {folder} must be numbered 0001, 0002, ... without gaps: {versions}")
    return found


def applied_version(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0  # type: ignore[call-overload]


def migrate(conn: psycopg.Connection[tuple[object, ...]], folder: Path = MIGRATIONS_DIR) -> list[int]:
    """Bring the schema up to date; returns the versions applied now. `conn` must be in autocommit mode."""
    migrations = known_migrations(folder)
    newest = migrations[-1].version if migrations else 0
    applied: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        current = applied_version(conn)
        if current > newest:
            raise SchemaTooNew(
                f"the database's schema is version {current}, but this ClearBack knows only up to {newest}: "
                "upgrade ClearBack (or point BOT_DATABASE_URL at another database)"
            )
        for migration in migrations:
            if migration.version <= current:
                continue
            with conn.transaction():  # a savepoint: one migration whole, with its record
                conn.execute(migration.sql.encode())
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (migration.version, migration.name)
                )
            applied.append(migration.version)
    return applied
