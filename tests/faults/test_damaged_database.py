"""A damaged database, end to end through the real process: start-up stops with one line naming the salvage
command, `run_bot.py salvage` rebuilds it from what still reads, and the bot starts again with the rest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage.tinydb import TinyDBStore
from tests.storage.helpers import account

ROOT = Path(__file__).resolve().parents[2]


def run_bot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env["LOG_LEVEL"] = "WARNING"
    return subprocess.run(
        [sys.executable, "run_bot.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_damaged_journal_line_stops_start_up_and_the_salvage_command_recovers(tmp_path: Path) -> None:
    db = tmp_path / "clearback.json"
    store = TinyDBStore(str(db), freeze_gc=False)
    for name in ("a", "b", "c"):
        store.put_account(account(name))
    store._release_lock_for_tests()  # as kill -9 leaves it: everything in the journal
    journal = tmp_path / "clearback.json.journal.1"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1][:30] + b"#" + lines[1][31:]
    journal.write_bytes(b"".join(lines))

    refused = run_bot("--console", "--db", str(db))
    assert refused.returncode == 3
    assert "Traceback" not in refused.stderr
    assert f"run_bot.py salvage --db {db}" in refused.stderr and "line 2" in refused.stderr

    salvaged = run_bot("salvage", "--db", str(db))
    assert salvaged.returncode == 0, salvaged.stderr
    assert "skipped 1 damaged line" in salvaged.stdout

    again = run_bot("--console", "--db", str(db), stdin="/help\n")
    assert again.returncode == 0, again.stderr
    reopened = TinyDBStore(str(db), freeze_gc=False)
    try:
        assert [reopened.get_account(n) is not None for n in ("a", "b", "c")] == [True, False, True]
    finally:
        reopened.close()
