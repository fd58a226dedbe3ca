"""Moving a bot between stores (storage/migrate.py, `run_bot.py migrate`): TinyDB to PostgreSQL and back."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from storage import migrate as migration
from storage.base import ROW_TABLES, Store
from storage.postgres import PostgresStore
from storage.records import (
    CANCELLED,
    DONE,
    HELD,
    MISSED,
    NUDGE,
    PAUSED,
    RETRY,
    SENDING,
    SENT,
    SKIPPED,
    SNOOZED,
    UNCONFIRMED,
    UNDELIVERABLE,
    Delivery,
)
from storage.tally import empty
from storage.tinydb import TinyDBStore
from tests import pg_server
from tests.storage.helpers import T0, account, identity, occurrence, reminder, state_of

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0
OPEN_STATUSES = [SENDING, RETRY, SENT, SNOOZED, HELD, NUDGE]
HISTORY_STATUSES = [DONE, SKIPPED, MISSED, UNDELIVERABLE, UNCONFIRMED, CANCELLED, PAUSED]
FEEDBACK_ENTRIES = ("exf-often", "laser-cost", "peel-after")
SERIES = {"treatment": "chemical peel", "sessions": 4, "every_weeks": 3, "done": [T0 - 21 * DAY], "next": 2}


def populate(store: Store, people: int = 6) -> list[str]:
    """Accounts of every shape the bot makes: both platforms, every kind of reminder, every status."""
    ids = []
    for n in range(people):
        aid = f"acct{n:02d}"
        ids.append(aid)
        store.put_account(account(aid, next_number=5, quiet_hours="22:00-07:00" if n % 2 else None))
        if n % 3 == 0:
            store.put_account(account(aid, next_number=5, deliver_to="both", timezone="America/New_York"))
        store.put_identity(identity(aid, user=f"{n}00", platform="telegram"))
        if n % 2 == 0:  # linked: Discord too, and one that blocked the bot
            store.put_identity(replace(identity(aid, user=f"{n}01", platform="discord"), unreachable_since=T0))
        reminders = [
            reminder(aid, number=1, next_due=T0 + 3600 + n),
            replace(reminder(aid, number=2, next_due=T0 + 7200), kind="cream", text="Scar cream", nudge_minutes=60),
            replace(reminder(aid, number=3, paused=True), kind="custom", pause_reason="peel", unanswered=3),
            replace(reminder(aid, number=4, next_due=None), kind="checkin", series=SERIES, nudge_max=2),
        ]
        for rem in reminders:
            store.put_reminder(rem)
        first = reminders[0]
        store.put_tally(empty(first.id, aid))  # folded as the history below is written
        for day, status in enumerate(HISTORY_STATUSES * 3):
            rem = reminders[day % 2]
            store.put_occurrence(
                replace(
                    occurrence(rem, due=T0 - (30 - day) * DAY, status=status),
                    deliveries=(Delivery("telegram", f"{n}00", f"m{day}"), Delivery("discord", f"{n}01", None)),
                    late=day % 4 == 0,
                    attempts=day % 3,
                    updated_at=T0 - (30 - day) * DAY + 60,
                )
            )
        stored = replace(empty(reminders[1].id, aid), through=T0 - DAY, current=2, best=7, recent="D1a2b")
        store.put_tally(stored)  # as stored, whatever the history says: copied as it is
        status = OPEN_STATUSES[n % len(OPEN_STATUSES)]
        store.put_occurrence(occurrence(first, due=T0, status=status, fire_at=T0 + 600))
        store.put_occurrence(replace(occurrence(reminders[1], due=T0 + DAY, status=SNOOZED), nudges=1, round_at=T0))
        if n == 2:
            store.checkpoint()  # TinyDB: part of the history in files, the rest in the journal
    for n, entry_id in enumerate(FEEDBACK_ENTRIES):  # the guide's counts, nobody's: copied beside the accounts
        for press in range(n + 2):
            store.add_feedback(entry_id, press % 3 != 0)
    return ids


def fresh_tinydb(path: Path) -> TinyDBStore:
    return TinyDBStore(str(path), freeze_gc=False)


@pytest.fixture
def source_path(tmp_path: Path) -> Path:
    """A populated TinyDB bot, closed (as a stopped bot leaves it)."""
    path = tmp_path / "bot" / "clearback.json"
    store = fresh_tinydb(path)
    populate(store)
    store.close()
    return path


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield pg_server.fresh_database()


def everything(store: Store) -> dict[str, Any]:
    ids = list(store.all_account_ids())
    feedback = store.feedback_counts()
    return {"ids": ids, "counts": store.count_rows(), "state": state_of(store, ids), "feedback": feedback}


def test_tinydb_to_postgresql_and_back_keeps_every_record(source_path: Path, pg_url: str, tmp_path: Path) -> None:
    source = fresh_tinydb(source_path)
    original = everything(source)
    assert original["counts"] == {
        "accounts": 6,
        "identities": 9,
        "reminders": 24,
        "occurrences": 12,
        "history": 6 * 21,
        "tallies": 12,
    }
    seen: list[tuple[int, int]] = []
    target = PostgresStore(pg_url)
    try:
        report = migration.migrate(source, target, batch=4, progress=lambda done, total, _: seen.append((done, total)))
        assert report.verified and report.copied == report.source == report.target == original["counts"]
        assert original["feedback"] == {"exf-often": (1, 1), "laser-cost": (2, 1), "peel-after": (2, 2)}
        assert report.feedback_entries == 3
        assert seen == [(4, 6), (6, 6)]
        assert everything(target) == original  # every field of every record, and the due index
    finally:
        source.close(checkpoint=False)
        target.close()

    back_path = tmp_path / "back" / "clearback.json"
    source_pg, back = PostgresStore(pg_url), fresh_tinydb(back_path)
    try:
        report = migration.migrate(source_pg, back, batch=5)
        assert report.verified and report.copied == original["counts"]
    finally:
        source_pg.close()
        back.close()
    reopened = fresh_tinydb(back_path)  # what the files hold, not what was in memory
    try:
        assert everything(reopened) == original
    finally:
        reopened.close()


def test_a_non_empty_postgresql_target_is_refused_and_nothing_written(source_path: Path, pg_url: str) -> None:
    target = PostgresStore(pg_url)
    target.put_account(account("someone"))
    source = fresh_tinydb(source_path)
    try:
        with pytest.raises(migration.TargetNotEmpty, match="1 accounts"):
            migration.migrate(source, target)
        assert target.count_rows() == {**dict.fromkeys(ROW_TABLES, 0), "accounts": 1}
        assert list(target.all_account_ids()) == ["someone"]
    finally:
        source.close(checkpoint=False)
        target.close()


def test_a_target_holding_only_guide_feedback_is_refused(source_path: Path, pg_url: str) -> None:
    target = PostgresStore(pg_url)
    target.add_feedback("exf-often", True)
    source = fresh_tinydb(source_path)
    try:
        with pytest.raises(migration.TargetNotEmpty, match="guide feedback"):
            migration.migrate(source, target)
        assert target.feedback_counts() == {"exf-often": (1, 0)}
        assert target.count_rows() == dict.fromkeys(ROW_TABLES, 0)
    finally:
        source.close(checkpoint=False)
        target.close()


def test_a_non_empty_tinydb_target_is_refused_and_left_byte_for_byte(tmp_path: Path, pg_url: str) -> None:
    source = PostgresStore(pg_url)
    populate(source, people=2)
    existing = tmp_path / "existing.json"
    other = fresh_tinydb(existing)
    populate(other, people=1)
    other.close()
    before = _files(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    try:
        status = migration.migrate_database(pg_url, str(existing), out, err)
    finally:
        source.close()
    assert status == migration.REFUSED
    assert "Migration refused" in err.getvalue() and "1 accounts" in err.getvalue()
    assert _files(tmp_path) == before


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_progress_and_the_summary_name_hosts_never_passwords(source_path: Path, pg_url: str) -> None:
    secret_url = pg_url.replace("postgres:@", "postgres:Pa55-w0rd-s3cret@")
    assert "Pa55-w0rd-s3cret" in secret_url  # the server trusts the socket: any password is accepted
    out, err = io.StringIO(), io.StringIO()
    status = migration.migrate_database(str(source_path), secret_url, out, err, every=2, batch=2)
    printed = out.getvalue()
    assert status == migration.OK, err.getvalue()
    assert err.getvalue() == ""
    assert "Pa55-w0rd-s3cret" not in printed and "postgres:" not in printed
    database = psycopg.conninfo.conninfo_to_dict(pg_url)["dbname"]
    assert f"into PostgreSQL database {database} on /" in printed
    assert [line.split(" accounts")[0].strip() for line in printed.splitlines() if "accounts copied" in line] == [
        "2 of 6",
        "4 of 6",
        "6 of 6",
    ]
    words = " ".join(printed.split())
    assert "table source copied target accounts 6 6 6 identities 9 9 9 reminders 24 24 24" in words
    assert "occurrences 12 12 12 history 126 126 126 tallies 12 12 12" in words
    assert "Counts verified" in printed and "Not copied: the shared short-lived state" in printed
    assert migration.url_passwords(secret_url, str(source_path), None) == ["Pa55-w0rd-s3cret"]


def run_bot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BOT_"))}
    return subprocess.run(
        [sys.executable, "run_bot.py", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_both_ways(source_path: Path, pg_url: str, tmp_path: Path) -> None:
    secret_url = pg_url.replace("postgres:@", "postgres:Pa55-w0rd-s3cret@")
    there = run_bot("migrate", "--to", secret_url, env={"BOT_DB_PATH": str(source_path)})  # from BOT_DB_PATH
    assert there.returncode == 0, there.stderr
    assert "Counts verified" in there.stdout and "6 of 6 accounts copied" not in there.stdout  # one batch: no line
    assert "Pa55-w0rd-s3cret" not in there.stdout + there.stderr

    again = run_bot("migrate", "--from", str(source_path), "--to", secret_url)
    assert again.returncode == migration.REFUSED
    assert "Migration refused" in again.stderr and "6 accounts" in again.stderr
    assert "Pa55-w0rd-s3cret" not in again.stdout + again.stderr

    back = tmp_path / "back.json"
    home = run_bot("migrate", "--from", secret_url, "--to", str(back))
    assert home.returncode == 0, home.stderr
    assert "Copying PostgreSQL database" in home.stdout and f"into TinyDB file {back}" in home.stdout
    copy, original = fresh_tinydb(back), fresh_tinydb(source_path)
    try:
        assert everything(copy) == everything(original)
    finally:
        copy.close()
        original.close(checkpoint=False)

    refused = run_bot("migrate", "--from", secret_url, "--to", str(back))
    assert refused.returncode == migration.REFUSED and "Migration refused: TinyDB file" in refused.stderr


def test_the_command_line_refuses_what_cannot_work(source_path: Path, pg_url: str, tmp_path: Path) -> None:
    no_target = run_bot("migrate", "--from", str(source_path))
    assert no_target.returncode == 2 and "migrate needs --to" in no_target.stderr
    missing = run_bot("migrate", "--from", str(tmp_path / "nothing.json"), "--to", pg_url)
    assert missing.returncode == 2 and "there is no database at" in missing.stderr
    assert not (tmp_path / "nothing.json").exists()
    same = run_bot("migrate", "--from", str(source_path), "--to", str(source_path))
    assert same.returncode == 2 and "the same store" in same.stderr

    running = fresh_tinydb(source_path)  # a bot still running on the file holds its lock
    try:
        locked = run_bot("migrate", "--from", str(source_path), "--to", pg_url)
    finally:
        running.close(checkpoint=False)
    assert locked.returncode == migration.CANNOT_OPEN
    assert "is already open" in locked.stderr and "stop the other one first" in locked.stderr
    untouched = PostgresStore(pg_url)
    try:
        assert untouched.count_rows() == dict.fromkeys(ROW_TABLES, 0)
    finally:
        untouched.close()
