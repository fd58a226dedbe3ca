"""Periodic work driven by the `schedule` package: dispatch checks and storage upkeep.

`schedule` computes next runs from the host's naive local time, so on a host whose zone has daylight
saving an interval job can stall for an hour at the autumn change. `pin_process_clock_to_utc` makes
the process's local time UTC, so nothing here depends on the host's zone. Reminder due times never
come from `schedule`: they live in storage and are computed in each person's own zone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import schedule


def pin_process_clock_to_utc() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()


class Ticker:
    def __init__(self) -> None:
        self._jobs = schedule.Scheduler()  # our own instance: no hidden module-level singleton

    def every_seconds(self, seconds: int, job: Callable[[], object]) -> None:
        self._jobs.every(seconds).seconds.do(job)

    def run_pending(self) -> None:
        self._jobs.run_pending()

    def idle_seconds(self) -> float | None:
        value = self._jobs.idle_seconds
        return None if value is None else float(value)

    def run_all(self) -> None:
        self._jobs.run_all()
