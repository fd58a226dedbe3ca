from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.ticker import Ticker

ROOT = Path(__file__).resolve().parents[1]


def test_pinning_makes_the_process_clock_utc_whatever_the_hosts_zone() -> None:
    # `schedule` computes next runs in naive local time: on a host in Europe/Berlin an interval job could
    # stall for an hour at the autumn change. After pinning, local time is UTC.
    code = (
        "import time; from bot.ticker import pin_process_clock_to_utc; "
        "before = time.localtime(1792800000).tm_gmtoff; pin_process_clock_to_utc(); "
        "print(before, time.localtime(1792800000).tm_gmtoff)"
    )
    env = {**os.environ, "TZ": "Europe/Berlin", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    before, after = out.stdout.split()
    assert (before, after) == ("7200", "0")  # 25 Oct 2026 01:20 UTC is CEST in Berlin; pinned: UTC


def test_jobs_run_on_our_own_scheduler_instance() -> None:
    ran: list[str] = []
    ticker = Ticker()
    ticker.every_seconds(60, lambda: ran.append("upkeep"))
    ticker.run_pending()
    assert ran == []  # not due yet
    ticker.run_all()
    assert ran == ["upkeep"]
    idle = ticker.idle_seconds()
    assert idle is not None and 0 < idle <= 60
