"""What /healthz and /metrics read from the core: whether the store takes writes, and a few counts.

Both run the store calls through the app's offload (worker threads for a remote store), never on the loop
for PostgreSQL. Counts only: nothing about anybody.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from bot.app import App

log = logging.getLogger(__name__)

BACKLOG_LIMIT = 10_000  # the backlog is counted up to this many (a scrape must stay cheap)
COUNTS_MAX_AGE = 30.0  # people and reminders are recounted at most this often (PostgreSQL counts rows)


@dataclass(frozen=True, slots=True)
class Snapshot:
    people: int
    reminders: int
    backlog: int  # due now and not sent yet (at most BACKLOG_LIMIT)


class Probe:
    def __init__(self, app: App, counts_max_age: float = COUNTS_MAX_AGE) -> None:
        self.app = app
        self.counts_max_age = counts_max_age
        self._counts: tuple[float, int, int] | None = None  # (when, people, reminders)

    async def store_writable(self) -> bool:
        try:
            await self.app.offload.run(self.app.store.probe_write, self.app.regimen.now_ts())
        except Exception as exc:
            log.warning("health: the store does not accept writes (%s)", type(exc).__name__)
            return False
        return True

    async def snapshot(self) -> Snapshot | None:
        try:
            return await self.app.offload.run(self._snapshot)
        except Exception as exc:
            log.warning("metrics: could not read the store's counts (%s)", type(exc).__name__)
            return None

    def _snapshot(self) -> Snapshot:
        store = self.app.store
        now = time.monotonic()
        if self._counts is None or now - self._counts[0] >= self.counts_max_age:
            stats = store.stats()
            self._counts = (now, stats.get("accounts", 0), stats.get("reminders", 0))
        _, people, reminders = self._counts
        backlog = len(store.due_items(self.app.regimen.now_ts(), BACKLOG_LIMIT))
        return Snapshot(people=people, reminders=reminders, backlog=backlog)
