"""The schema is created and migrated by the bot (storage/postgres/schema.py), on a real server."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from storage.base import StorageError
from storage.postgres import PostgresStore, SchemaTooNew, migrate
from storage.postgres.schema import MIGRATIONS_DIR, known_migrations
from tests import pg_server


def _versions(url: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        return [(v, n) for v, n in conn.execute("SELECT version, name FROM schema_migrations ORDER BY version")]


def _with_one_more(tmp_path: Path, name: str, sql: str) -> tuple[Path, int]:
    """A migrations folder: the shipped ones, then one more (as the next release would add); its version."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for migration in known_migrations():
        (folder / f"{migration.version:04d}_{migration.name}.sql").write_text(migration.sql)
    added = len(known_migrations()) + 1
    (folder / f"{added:04d}_{name}.sql").write_text(sql)
    return folder, added


def test_a_bare_database_gets_every_migration_in_order_and_recorded() -> None:
    url = pg_server.empty_database()
    store = PostgresStore(url)
    store.close()
    expected = [(m.version, m.name) for m in known_migrations()]
    assert expected[0] == (1, "initial")
    assert _versions(url) == expected
    with psycopg.connect(url) as conn:
        tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"accounts", "identities", "reminders", "occurrences", "tallies", "leases", "shared_state"} <= tables


def test_migrating_again_applies_nothing_and_keeps_the_rows() -> None:
    url = pg_server.fresh_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO accounts (id, doc) VALUES ('a1', '{}')")
        assert migrate(conn) == []
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (1,)


def test_a_new_migration_file_is_applied_once_on_the_next_start(tmp_path: Path) -> None:
    folder, added = _with_one_more(tmp_path, "remember_more", "ALTER TABLE accounts ADD COLUMN note text;")
    url = pg_server.fresh_database()
    with psycopg.connect(url, autocommit=True) as conn:
        assert migrate(conn, folder) == [added]
        assert migrate(conn, folder) == []
        conn.execute("UPDATE accounts SET note = 'x'")  # the column exists
    assert _versions(url)[-1] == (added, "remember_more")


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    folder, added = _with_one_more(tmp_path, "broken", "ALTER TABLE accounts ADD COLUMN half text; SELECT 1/0;")
    url = pg_server.fresh_database()
    with psycopg.connect(url, autocommit=True) as conn, pytest.raises(psycopg.errors.DivisionByZero):
        migrate(conn, folder)
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts'")
        columns = [r[0] for r in found]
    assert "half" not in columns
    assert _versions(url)[-1][0] == added - 1


def test_a_schema_newer_than_the_code_stops_start_up_with_one_clear_line() -> None:
    url = pg_server.fresh_database()
    newest = known_migrations()[-1].version
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, 'from_the_future')", (newest + 1,))
    with pytest.raises(SchemaTooNew) as caught:
        PostgresStore(url)
    message = str(caught.value)
    assert f"version {newest + 1}" in message and f"up to {newest}" in message and "upgrade ClearBack" in message
    assert "\n" not in message


def test_migration_files_are_numbered_without_gaps(tmp_path: Path) -> None:
    assert [m.version for m in known_migrations(MIGRATIONS_DIR)] == list(range(1, len(known_migrations()) + 1))
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(StorageError, match="without gaps"):
        known_migrations(tmp_path)
