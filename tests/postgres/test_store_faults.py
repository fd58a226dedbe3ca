"""PostgreSQL going away: a clear StorageUnavailable, nothing half-written, and the pool recovers by itself."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import psycopg
import pytest

from storage.base import StorageUnavailable
from storage.postgres import PostgresStore
from tests import pg_server
from tests.storage.helpers import account, reminder


@pytest.fixture
def url() -> str:
    return pg_server.fresh_database()


@pytest.fixture
def store(url: str) -> Iterator[PostgresStore]:
    shared = PostgresStore(url, timeout=3.0)
    yield shared
    shared.close()


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_server_is_one_clear_error_without_the_password() -> None:
    url = f"postgresql://clearback:pw-never-shown@127.0.0.1:{_unused_port()}/clearback"
    with pytest.raises(StorageUnavailable) as caught:
        PostgresStore(url, timeout=2.0)
    assert "cannot reach PostgreSQL" in str(caught.value)
    assert "pw-never-shown" not in str(caught.value)


def _terminate_others(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0


def test_a_connection_lost_mid_transaction_rolls_it_back_and_the_next_works(store: PostgresStore, url: str) -> None:
    store.put_account(account("kept"))
    with pytest.raises(StorageUnavailable), store.atomic():
        store.put_account(account("lost"))
        store.put_reminder(reminder("lost"))
        assert _terminate_others(url) >= 1  # the server goes away under the open transaction
        store.put_account(account("lost", next_number=9))
    assert store.get_account("lost") is None and store.reminders_of("lost") == []
    assert store.get_account("kept") == account("kept")  # the pool replaced the dead connections


def test_idle_connections_killed_by_a_server_restart_are_replaced(store: PostgresStore, url: str) -> None:
    store.put_account(account("before"))
    _terminate_others(url)
    # The pool hands out a checked connection, so the first call after the kill already works.
    store.put_account(account("after"))
    assert store.get_account("before") is not None and store.get_account("after") is not None


def test_maintenance_sweeps_shared_state_long_expired_and_keeps_the_rest(store: PostgresStore) -> None:
    now = time.time()
    store.shared_put("offer", "dead-peer", {"x": 1}, expires_at=now - 2 * 86400)  # its peer died days ago
    store.shared_put("offer", "just-expired", {"x": 2}, expires_at=now - 60)
    store.shared_put("offer", "live", {"x": 3}, expires_at=now + 3600)
    store.shared_put("secret", "buttons", {"key": "k"})  # never expires
    store.maintenance()
    with psycopg.connect(store.url) as conn:
        keys = [row[0] for row in conn.execute("SELECT key FROM shared_state ORDER BY key")]
    assert keys == ["buttons", "just-expired", "live"]


# A deferred trigger runs at COMMIT, after the store's last word on the transaction: it records the setting the
# commit really ran with. Sessions ask for durable commits (the test server's default is off, for speed).
_COMMIT_LOG = """
CREATE TABLE commit_log (tbl text, sync text);
CREATE FUNCTION log_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO commit_log VALUES (TG_TABLE_NAME, current_setting('synchronous_commit'));
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT OR UPDATE ON accounts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION log_commit();
CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT OR UPDATE ON shared_state
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION log_commit();
"""


def _commits(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("DELETE FROM commit_log RETURNING tbl, sync").fetchall()
    return [(tbl, sync) for tbl, sync in rows]


def test_only_what_must_survive_a_crash_waits_for_the_disk(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_COMMIT_LOG)
    durable_session = url + "&options=-csynchronous_commit%3Don"
    store = PostgresStore(durable_session)
    try:
        store.put_account(account())
        assert _commits(url) == [("accounts", "on")]  # a regimen write: durable
        store.shared_put("offer", "t1", {"x": 1}, expires_at=time.time() + 60)
        assert _commits(url) == [("shared_state", "off")]  # an Undo button: a crash may lose it, harmlessly
        with store.atomic():
            store.get_account("acct1")  # locks the row: would otherwise make COMMIT wait for a WAL flush
            store.shared_put("offer", "t2", {"x": 2})
        assert _commits(url) == [("shared_state", "off")]
        with store.atomic():
            store.put_account(account(next_number=5))
            store.shared_put("offer", "t3", {"x": 3})
        assert sorted(_commits(url)) == [("accounts", "on"), ("shared_state", "on")]  # one durable commit
    finally:
        store.close()
