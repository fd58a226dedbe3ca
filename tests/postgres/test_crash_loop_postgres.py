"""The crash test on PostgreSQL: a real bot process (`run_bot.py --console --db postgresql://...`) under a
write-heavy load is SIGKILLed at random moments, again and again, on one real database.

The assertions of the TinyDB crash test (tests/faults/test_crash_loop.py): after every restart every change the
bot acknowledged before the kill is there, no reminder is delivered twice across all runs (the console output
is the delivery log), and every one-off that came due was delivered, answered early, or, when a kill landed
mid-send, recorded UNCONFIRMED and never sent again. Read straight from the tables besides: nothing is left
SENDING after the clean stop, no one-off has two occurrences, and the person was told of every interrupted send.

One difference, said precisely: a kill can land after the console printed a reminder and before its SENT
commit came back from the database (a worker thread and a round trip here, far longer than TinyDB's in-process
append). Such a reminder is delivered *and* UNCONFIRMED, which is the at-most-once rule working: it was not sent
again, and the person was told it may not have reached them. It is allowed only when that is what happened: the
run that printed it was killed, and a later run told the person. Rounds default to 50; CLEARBACK_CRASH_ROUNDS
changes that.
"""

from __future__ import annotations

import os
import random
import re

import psycopg

from storage.postgres import PostgresStore
from storage.records import DONE, SENDING, UNCONFIRMED
from tests import pg_server
from tests.faults.bot_process import crash_rounds

ROUNDS = int(os.environ.get("CLEARBACK_CRASH_ROUNDS", "50"))
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


def test_sigkill_on_postgres_loses_no_acknowledged_write_and_delivers_nothing_twice() -> None:
    url = pg_server.fresh_database()
    log = crash_rounds(url, ROUNDS, random.Random(20261202), writes=(3, 10))
    final_run = len(log.runs) - 1

    assert log.acknowledged, "the load never got an acknowledgement: the test would prove nothing"
    assert log.twice == []
    store = PostgresStore(url)
    try:
        identity = store.get_identity("console:local")
        assert identity is not None
        account = identity.account_id
        names = {r.text for r in store.reminders_of(account)}
        assert log.acknowledged <= names, sorted(log.acknowledged - names)
        outcome = {o.text: o.status for o in store.history_of(account) + store.open_occurrences_of(account)}
        fired = {r.text for r in store.reminders_of(account) if r.next_due is None}
    finally:
        store.close()
    told = told_in(log.runs)
    # Every acknowledged one-off that came due was delivered exactly once, or answered early by /done, or, when
    # a kill landed mid-send, recorded as unconfirmed (and the person told), never sent again.
    assert sorted(n for n in fired if n not in log.delivered and outcome.get(n) not in (UNCONFIRMED, DONE)) == []
    for name in (n for n in log.delivered if outcome.get(n) == UNCONFIRMED):
        [run] = log.delivered_in(name)
        assert run != final_run, f"{name}: delivered in the clean run, so its SENT commit must have landed"
        assert any(later > run for later in told.get(name, [])), f"{name}: delivered in run {run}, never told"

    with psycopg.connect(url) as conn:
        sending = conn.execute("SELECT doc->>'text' FROM occurrences WHERE status = %s", (SENDING,)).fetchall()
        doubled = conn.execute(
            "SELECT reminder_id, count(*) FROM occurrences GROUP BY reminder_id HAVING count(*) > 1"
        ).fetchall()
        unconfirmed = {
            text for (text,) in conn.execute("SELECT doc->>'text' FROM occurrences WHERE status = %s", (UNCONFIRMED,))
        }
    assert sending == [], "a clean stop leaves nothing SENDING"
    assert doubled == [], "a one-off reminder has one due time, so one occurrence"
    assert sorted(unconfirmed - set(told)) == [], "every interrupted send is told to the person"
