"""Keeps blocking store calls off the event loop when the store is reached over the network.

The core and the rules are synchronous and call the store directly. With an in-process store (memory,
TinyDB) a call takes microseconds, so it runs inline: deterministic, as every conversation test expects.
With a remote store (PostgreSQL) one call waits for a round trip, and one slow query would stall every
other person's reply and every reminder sharing the loop; so it runs in a bounded pool of worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")

# The App's two pools (replies: 8, the scheduler: 4) stay below the PostgreSQL pool's default size (16), with
# room for the leases: a worker never waits for a connection, so a busy pool shows as work queued here (cheap,
# in order) rather than as a PoolTimeout after ten seconds.
DEFAULT_WORKERS = 8


class Offload:
    """Runs a blocking function inline (`remote` False) or in a worker thread (`remote` True)."""

    def __init__(self, remote: bool = False, workers: int = DEFAULT_WORKERS) -> None:
        self.remote = remote
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="store") if remote else None

    async def run(self, fn: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """fn(*args, **kwargs), without blocking the loop when the store is remote.

        Inline it never yields to the loop, so the order of everything around it stays what it was."""
        if self._pool is None:
            return fn(*args, **kwargs)
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)  # as asyncio.to_thread does
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def close(self) -> None:
        """Stop the workers once the calls already queued have finished."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)


class Turns:
    """One turn at a time per key (a person's identity): their messages are answered in the order they came,
    never in two worker threads at once, while other people's go ahead in parallel."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}  # key -> (its lock, [holders and waiters])

    @contextlib.asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:  # asyncio.Lock is fair: waiters get it in the order they asked
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:  # nobody else waits: forget the key, so the table stays as small as the traffic
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)
