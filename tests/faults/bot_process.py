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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACK = re.compile(r"^Reminder (\d+) set: (r\d+-\d+)$")
DELETED = re.compile(r"^Deleted reminder (\d+): (r\d+-\d+)\.$")
NO_SUCH = re.compile(r"^You have no reminder (\d+)\.")
CAP = "reminders, the most I keep"
DELIVERED = re.compile(r"^⏰ Reminder \d+: (r\d+-\d+)$")


class BotProcess:
    """`run_bot.py --console --db <db>` with its standard input and output in our hands."""

    def __init__(self, db: Path | str, env: Mapping[str, str] | None = None, stderr: Path | None = None) -> None:
        """`env` adds to (or overrides) the environment; `stderr`: a file its log is appended to (else dropped)."""
        environment = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
        environment.pop("BOT_DATABASE_URL", None)  # --db decides
        environment.update({"BOT_DEFAULT_TIMEZONE": "UTC", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
        environment.update(env or {})
        err = subprocess.DEVNULL if stderr is None else stderr.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "run_bot.py", "--console", "--db", str(db)],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            encoding="utf-8",
        )
        if not isinstance(err, int):
            err.close()  # the child has its own copy
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
    """What the bot printed across all runs: the reminders it acknowledged (set, deleted), and each delivery."""

    acknowledged: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)  # acknowledged deletions
    delete_sent: set[str] = field(default_factory=set)  # deletions asked for (acknowledged or not)
    numbers: dict[str, int] = field(default_factory=dict)  # name -> its reminder number, from the acknowledgement
    asked_to_delete: set[int] = field(default_factory=set)  # numbers
    gone: set[int] = field(default_factory=set)  # numbers deleted, or asked to and the bot has no such reminder
    delivered: Counter[str] = field(default_factory=Counter)
    runs: list[list[str]] = field(default_factory=list)  # every line of every run; the last run ended cleanly

    def read(self, bot: BotProcess) -> None:
        self.runs.append(list(bot.lines))
        for line in bot.lines:
            if match := ACK.match(line):
                self.acknowledged.add(match.group(2))
                self.numbers[match.group(2)] = int(match.group(1))
            if match := DELETED.match(line):
                self.deleted.add(match.group(2))
                self.gone.add(int(match.group(1)))
            if (match := NO_SUCH.match(line)) and int(match.group(1)) in self.asked_to_delete:
                self.gone.add(int(match.group(1)))  # (not one a /done asked for: it may not exist *yet*)
            if match := DELIVERED.match(line):
                self.delivered[match.group(1)] += 1

    @property
    def kept(self) -> set[str]:
        """Acknowledged and never asked to be deleted: these must all be there at the end."""
        return self.acknowledged - self.delete_sent

    @property
    def twice(self) -> list[str]:
        return sorted(name for name, count in self.delivered.items() if count > 1)

    @property
    def refused_for_the_cap(self) -> int:
        """Lines saying the person has as many reminders as the bot keeps: the load stopped writing."""
        return sum(CAP in line for lines in self.runs for line in lines)

    def delivered_in(self, name: str) -> list[int]:
        """The runs (0-based, in order) that printed `name` as a reminder."""
        return [
            i for i, lines in enumerate(self.runs) for line in lines if (m := DELIVERED.match(line)) and m[1] == name
        ]

    def to_delete(self, keep_at_most: int = 20) -> list[int]:
        """Reminder numbers to delete, so the person stays under the bot's cap on reminders (50) and the load
        keeps writing. Numbers are never reused, so asking again is safe: every number below the highest
        acknowledged one that was never acknowledged (a /remind the kill cut off may have been committed), and
        of the acknowledged ones beyond `keep_at_most` (delivered ones first, then the oldest) every one whose
        deletion was not acknowledged yet."""
        if not self.numbers:
            return []
        known = set(self.numbers.values())
        unknown = [n for n in range(1, max(known)) if n not in known and n not in self.gone]
        by_number = sorted(self.numbers.items(), key=lambda item: item[1])
        live = [name for name, number in by_number if number not in self.gone]
        ordered = [n for n in live if n in self.delivered] + [n for n in live if n not in self.delivered]
        excess = ordered[: max(0, len(live) - keep_at_most)]
        self.delete_sent.update(excess)
        numbers = unknown + [self.numbers[name] for name in excess]
        self.asked_to_delete.update(numbers)
        return numbers


def crash_rounds(
    db: Path | str,
    rounds: int,
    rng: random.Random,
    *,
    writes: tuple[int, int] = (2, 6),
    max_pause: float = 1.2,
    settled: Callable[[], bool] | None = None,
    settle_within: float = 30.0,
    env: Mapping[str, str] | None = None,
    stderr: Path | None = None,
    linger: Callable[[BotProcess], float] | None = None,
) -> CrashLog:
    """`rounds` times: start the bot, set a few reminders due within seconds (between `writes` of them), answer
    some, delete older ones (so the person stays under the cap), and SIGKILL it at a random moment. Then one last
    clean run long enough for everything left to fire (late, within grace): 3.5 s, and then until `settled()`
    (polled, at most `settle_within` seconds), for a store that can be read while the bot runs. `env` and
    `stderr` go to every BotProcess; `linger(bot)`, asked just before a kill, may hold it off a while longer
    (e.g. while that process holds the dispatcher lease, so kills land mid-delivery more often).
    """
    log = CrashLog()
    for round_no in range(rounds):
        bot = BotProcess(db, env, stderr)
        bot.wait_for("Ctrl-D")
        deletions = log.to_delete()
        for i in range(rng.randint(*writes)):
            bot.send(f"/remind r{round_no}-{i} in {rng.choice([1, 1, 2, 30])}s")
            if rng.random() < 0.3:
                bot.send(f"/done {rng.randint(1, min(3 * (round_no + 1), 50))}")
            for _ in range(min(len(deletions), rng.randint(0, 2))):
                bot.send(f"/delete {deletions.pop()}")
        for number in deletions:
            bot.send(f"/delete {number}")
        time.sleep(rng.uniform(0.0, max_pause))
        if linger is not None:
            time.sleep(linger(bot))
        bot.kill()
        log.read(bot)

    final = BotProcess(db, env, stderr)
    final.wait_for("Ctrl-D")
    time.sleep(3.5)  # everything 'in 1-2s' and the 30s ones from the last rounds (late, within grace) fire now
    deadline = time.monotonic() + settle_within
    while settled is not None and not settled() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert final.finish() == 0
    log.read(final)
    return log


TOLD = re.compile(r"I restarted while sending you a reminder \(([^)]*)\)")


def told_in(runs: list[list[str]]) -> dict[str, list[int]]:
    """name -> the runs that printed the "I restarted while sending you a reminder (...)" notice naming it."""
    told: dict[str, list[int]] = {}
    for i, lines in enumerate(runs):
        for line in lines:
            for match in TOLD.finditer(line):
                for name in match.group(1).split(","):
                    told.setdefault(name.strip(), []).append(i)
    return told
