"""/progress where matplotlib cannot be imported (the `charts` extra not installed): the text, and a word on the chart.

A fresh interpreter blocks matplotlib with a meta-path finder before anything imports it (in this process the
chart module may well be loaded already), talks to the real core, and prints what came back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.handlers.progress import CHART_NEEDS_EXTRA

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import asyncio, json, sys
from datetime import UTC, datetime, timedelta

class NoMatplotlib:
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoMatplotlib())

from bot.app import App
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from tests import talk
from tests.fakes import RecordingPlatform
from tests.ticks import step_to_next_due

async def main():
    clock = FakeClock(datetime(2026, 11, 1, 12, tzinfo=UTC))
    app = App(MemoryStore(), clock)
    platform = RecordingPlatform()
    app.hub.register(platform)
    await talk.say(app, "/remind cream every day at 21:30")
    await step_to_next_due(app, clock)
    done = next(p for p in platform.reminders()[-1].button_payloads() if p.startswith("o:d:"))
    await talk.say(app, button=done)
    replies = await talk.say(app, "/progress")
    again = await talk.say(app, "/progress")  # a later one tells the same (no cooldown message instead)
    print(json.dumps({
        "replies": [[r.text, r.attachment is not None] for r in replies + again],
        "matplotlib_loaded": any(m.split(".")[0] == "matplotlib" for m in sys.modules),
    }))

asyncio.run(main())
"""


def test_progress_gives_the_numbers_and_says_the_chart_needs_the_extra() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["matplotlib_loaded"] is False  # the block really held
    [(first, first_image), (second, second_image)] = result["replies"]
    assert "Your progress:" in first and "streak 1 (best 1)" in first
    assert CHART_NEEDS_EXTRA in first and CHART_NEEDS_EXTRA in second
    assert "went wrong" not in first + second
    assert not first_image and not second_image
