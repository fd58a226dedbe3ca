"""`run_bot.py backup DEST` / `restore SRC` (storage/backups.py): a backup of a real bot process while it takes
commands, restored into an empty directory only; PostgreSQL gets pg_dump's advice, not a pretend backup."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

from storage.backups import BAD_ARGUMENTS, OK, REFUSED
from storage.tinydb import TinyDBStore
from tests.faults.bot_process import ACK, BotProcess

ROOT = Path(__file__).resolve().parents[2]


def clearback(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN") and k != "BOT_DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "run_bot.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def reminder_texts(path: Path) -> set[str]:
    store = TinyDBStore(str(path))
    try:
        return {r.text for account in list(store.all_account_ids()) for r in store.reminders_of(account)}
    finally:
        store.close()


def test_backup_of_a_running_bot_restores_everything_acknowledged_before_it(tmp_path: Path) -> None:
    db = tmp_path / "live" / "clearback.json"
    bot = BotProcess(db)
    try:
        bot.wait_for("Ctrl-D")
        for i in range(8):
            bot.send(f"/remind r0-{i} in 2 hours")
        bot.wait_for("Reminder 8 set: r0-7")

        def keep_writing() -> None:
            for i in range(20):
                bot.send(f"/remind r1-{i} in 3 hours")

        writing = threading.Thread(target=keep_writing)
        writing.start()  # the bot goes on committing all through the backup
        done = clearback("backup", str(tmp_path / "backups" / "b.tar.gz"), "--db", str(db))
        writing.join()
    finally:
        assert bot.finish() == 0
    assert done.returncode == OK, done.stderr
    archive = tmp_path / "backups" / "b.tar.gz"
    assert "Backed up" in done.stdout and stat.S_IMODE(archive.stat().st_mode) == 0o600

    target = tmp_path / "restored" / "clearback.json"
    put_back = clearback("restore", str(archive), "--db", str(target))
    assert put_back.returncode == OK, put_back.stderr
    texts = reminder_texts(target)
    assert {f"r0-{i}" for i in range(8)} <= texts  # acknowledged before the backup began
    later = sorted(int(t.removeprefix("r1-")) for t in texts if t.startswith("r1-"))
    assert later == list(range(len(later)))  # of those sent meanwhile: a prefix, in order
    acknowledged = {m.group(2) for line in bot.lines if (m := ACK.match(line))}
    assert texts <= acknowledged

    again = clearback("restore", str(archive), "--db", str(target))  # the directory is not empty now
    assert again.returncode == REFUSED and "not empty" in again.stderr
    assert reminder_texts(target) == texts


def test_postgresql_gets_pg_dump_advice_and_a_failure_status(tmp_path: Path) -> None:
    done = clearback("backup", str(tmp_path / "b.tar.gz"), "--db", "postgresql://clearback@db.invalid/clearback")
    assert done.returncode == BAD_ARGUMENTS
    assert "pg_dump --format=custom" in done.stderr and "pg_restore" in done.stderr
    assert not (tmp_path / "b.tar.gz").exists()


def test_backup_without_dest_says_what_it_needs(tmp_path: Path) -> None:
    done = clearback("backup", "--db", str(tmp_path / "clearback.json"))
    assert done.returncode == BAD_ARGUMENTS and "backup needs DEST" in done.stderr
