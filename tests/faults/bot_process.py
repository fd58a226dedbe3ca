"""A real bot process in console mode (`run_bot.py --console --db ...`), and the crash load that kills it.

Shared by the crash tests on TinyDB (a path) and on PostgreSQL (a postgresql:// URL): the console's output
is the delivery log, so the tests can count what was acknowledged and what was delivered across kills.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACK = re.compile(r"^Reminder \d+ set: (r\d+-\d+)$")
DELIVERED = re.compile(r"^⏰ Reminder \d+: (r\d+-\d+)$")


class BotProcess:
    """`run_bot.py --console --db <db>` with its standard input and output in our hands."""

    def __init__(self, db: Path | str, env: Mapping[str, str] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
        environment.pop("BOT_DATABASE_URL", None)  # --db decides
        environment.update({"BOT_DEFAULT_TIMEZONE": "UTC", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
        environment.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "run_bot.py", "--console", "--db", str(db)],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float = 20.0) -> None:
        with self._changed:
            ok = self._changed.wait_for(lambda: any(pattern in line for line in self.lines), timeout)
        assert ok, f"bot never printed {pattern!r}; got {self.lines[-5:]}"

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._close()

    def finish(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(20)
        self._close()
        return code

    def _close(self) -> None:
        self._reader.join(10)  # everything printed before the end has been read
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None and not stream.closed:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()


@dataclass
class CrashLog:
    """What the bot printed across all runs: the reminders it acknowledged, and each delivery."""

    acknowledged: set[str] = field(default_factory=set)
    delivered: Counter[str] = field(default_factory=Counter)
    runs: list[list[str]] = field(default_factory=list)  # every line of every run; the last run ended cleanly

    def read(self, bot: BotProcess) -> None:
        self.runs.append(list(bot.lines))
        for line in bot.lines:
            if match := ACK.match(line):
                self.acknowledged.add(match.group(1))
            if match := DELIVERED.match(line):
                self.delivered[match.group(1)] += 1

    @property
    def twice(self) -> list[str]:
        return sorted(name for name, count in self.delivered.items() if count > 1)

    def delivered_in(self, name: str) -> list[int]:
        """The runs (0-based, in order) that printed `name` as a reminder."""
        return [
            i for i, lines in enumerate(self.runs) for line in lines if (m := DELIVERED.match(line)) and m[1] == name
        ]


def crash_rounds(
    db: Path | str, rounds: int, rng: random.Random, *, writes: tuple[int, int] = (2, 6), max_pause: float = 1.2
) -> CrashLog:
    """`rounds` times: start the bot, set a few reminders due within seconds (between `writes` of them, and
    answer some), SIGKILL it at a random moment. Then one last clean run long enough for everything left to
    fire (late, within grace).
    """
    log = CrashLog()
    for round_no in range(rounds):
        bot = BotProcess(db)
        bot.wait_for("Ctrl-D")
        for i in range(rng.randint(*writes)):
            bot.send(f"/remind r{round_no}-{i} in {rng.choice([1, 1, 2, 30])}s")
            if rng.random() < 0.3:
                bot.send(f"/done {rng.randint(1, 3 * (round_no + 1))}")
        time.sleep(rng.uniform(0.0, max_pause))
        bot.kill()
        log.read(bot)

    final = BotProcess(db)
    final.wait_for("Ctrl-D")
    time.sleep(3.5)  # everything 'in 1-2s' and the 30s ones from the last rounds (late, within grace) fire now
    assert final.finish() == 0
    log.read(final)
    return log
