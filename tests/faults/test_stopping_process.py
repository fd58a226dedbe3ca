"""A real run_bot.py process: SIGTERM exits 0 within 10 s keeping what it acknowledged, a second signal exits at
once, and a Telegram that cannot be reached neither stops the process nor prints a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.faults.bot_process import ROOT, BotProcess

TOKEN = "123456789:AAStoppingProcessTokenForTestsOnly-xyz"


def stop(bot: BotProcess, *signals: signal.Signals) -> tuple[int, float]:
    started = time.monotonic()
    for signum in signals:
        bot.proc.send_signal(signum)
    code = bot.proc.wait(15)
    took = time.monotonic() - started
    bot._close()  # its pipes and reader thread
    return code, took


def test_sigterm_exits_0_within_10_s_and_keeps_what_it_acknowledged(tmp_path: Path) -> None:
    db, log = tmp_path / "bot.json", tmp_path / "stderr.log"
    bot = BotProcess(db, env={"LOG_LEVEL": "INFO", "LOG_FORMAT": "json"}, stderr=log)
    bot.wait_for("Ctrl-D")
    bot.send("/remind stretch in 2h")
    bot.wait_for("Reminder 1 set: stretch")
    code, took = stop(bot, signal.SIGTERM)
    assert code == 0 and took < 10
    records = [json.loads(line) for line in log.read_text().splitlines()]  # every line one JSON object
    assert any(r["message"] == "stopped cleanly" for r in records)

    again = BotProcess(db)
    again.wait_for("Ctrl-D")
    again.send("/reminders")
    again.wait_for("stretch")
    assert again.finish() == 0


def test_a_second_signal_exits_at_once_without_losing_an_acknowledged_write(tmp_path: Path) -> None:
    db = tmp_path / "bot.json"
    bot = BotProcess(db)
    bot.wait_for("Ctrl-D")
    bot.send("/remind cream in 3h")
    bot.wait_for("Reminder 1 set: cream")
    code, took = stop(bot, signal.SIGTERM, signal.SIGINT)
    # The kernel may hand over the pending SIGINT first: whichever is handled second exits at once (128 + it),
    # unless the graceful stop had already ended (0).
    assert code in (0, 128 + signal.SIGINT, 128 + signal.SIGTERM) and took < 3

    again = BotProcess(db)
    again.wait_for("Ctrl-D")
    again.send("/reminders")
    again.wait_for("cream")
    assert again.finish() == 0


def test_telegram_unreachable_retries_without_traceback_and_sigterm_still_exits_0(tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env.pop("BOT_DATABASE_URL", None)
    env.update(
        {
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",  # nothing listens: connection refused
            "BOT_RECONNECT_MAX_SECONDS": "0.3",
            "BOT_DB_PATH": str(tmp_path / "bot.json"),
            "LOG_LEVEL": "INFO",
        }
    )
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "run_bot.py"], cwd=ROOT, env=env, stdout=err, stderr=err)
    try:
        deadline = time.monotonic() + 20
        while log.read_text().count("Telegram unreachable (connection refused); retrying in") < 3:
            assert proc.poll() is None, log.read_text()  # never stops the process
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0 and time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert "Traceback" not in text and TOKEN not in text
    assert "telegram adapter waiting for its platform" in text
