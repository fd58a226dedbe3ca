"""Named leases in PostgreSQL's `leases` table: at most one holder per name, timed by the database's clock.

A lease is a row (name, holder, expires_at). Taking and renewing are one statement: insert the row, or take
it over when it has expired or is already ours, and say which names we hold now. Only the database's
`now()` decides expiry, so the peers' clocks never need to agree. A peer that stops cleanly deletes its rows,
so the next peer takes them on its next try instead of waiting for them to expire.

Why a table and not advisory locks: an advisory lock lives as long as its session, so a holder whose
connection hangs (not closed) keeps it for as long as the TCP keepalive takes to notice, and a holder cannot
tell from its side how long it still has. A lease with an expiry is held exactly until a known instant,
which lets the holder stop its work before that instant (bot/peers.py), whatever the network does.

One connection of its own, async (psycopg's AsyncConnection), so renewals never wait for the store's pool
behind slow queries and never block the event loop; any error drops the connection and the next call opens a
new one. Short server-side time-outs end a statement stuck on a lock.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Collection
from typing import Any, Final

import psycopg

from storage.base import StorageUnavailable

log = logging.getLogger(__name__)

# Names sorted, so two peers taking several leases lock the rows in the same order (no deadlock).
_CLAIM: Final = """
INSERT INTO leases (name, holder, expires_at)
SELECT name, %(holder)s, now() + make_interval(secs => %(ttl)s)
FROM unnest(%(names)s::text[]) AS name ORDER BY name
ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
WHERE leases.expires_at < now() OR leases.holder = EXCLUDED.holder
RETURNING name
"""
_RELEASE: Final = "DELETE FROM leases WHERE holder = %(holder)s AND name = ANY(%(names)s::text[])"
_RELEASE_ALL: Final = "DELETE FROM leases WHERE holder = %(holder)s"

AConn = psycopg.AsyncConnection[tuple[Any, ...]]


class LeaseTable:
    """The leases of one holder (`holder`: unique per process, e.g. host:pid:random)."""

    def __init__(self, url: str, holder: str, *, timeout: float = 3.0) -> None:
        if not holder:
            raise ValueError("a lease holder id is required")
        self.url = url
        self.holder = holder
        self._timeout = timeout
        self._conn: AConn | None = None

    async def claim(self, names: Collection[str], ttl: float) -> set[str]:
        """Take or renew each of `names` for `ttl` seconds from the database's now; the names held now.

        A name held by another holder whose lease has not expired is left alone (not in the result)."""
        if not names:
            return set()
        params = {"holder": self.holder, "ttl": float(ttl), "names": sorted(set(names))}
        rows = await self._execute(_CLAIM, params, fetch=True)
        return {name for (name,) in rows}

    async def release(self, names: Collection[str] | None = None) -> None:
        """Give up `names` (all of this holder's when None) at once: another peer may take them next."""
        if names is None:
            await self._execute(_RELEASE_ALL, {"holder": self.holder}, fetch=False)
        elif names:
            await self._execute(_RELEASE, {"holder": self.holder, "names": sorted(set(names))}, fetch=False)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                await conn.close()

    async def _execute(self, sql: str, params: dict[str, Any], *, fetch: bool) -> list[tuple[Any, ...]]:
        try:
            conn = await self._connection()
            cursor = await conn.execute(sql, params)
            return await cursor.fetchall() if fetch else []
        except BaseException as exc:  # also cancelled: the connection's state is unknown, start afresh
            await self.close()
            if isinstance(exc, psycopg.Error):
                raise StorageUnavailable(f"leases: PostgreSQL unavailable ({type(exc).__name__})") from exc
            raise

    async def _connection(self) -> AConn:
        if self._conn is None or self._conn.closed:
            millis = int(self._timeout * 1000)
            self._conn = await psycopg.AsyncConnection.connect(
                self.url,
                autocommit=True,
                connect_timeout=max(1, int(self._timeout)),
                options=f"-c statement_timeout={millis} -c lock_timeout={millis}",
                application_name="clearback-leases",
            )
        return self._conn
