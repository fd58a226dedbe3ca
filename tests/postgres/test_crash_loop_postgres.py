"""The crash test on PostgreSQL: a real bot process (`run_bot.py --console --db postgresql://...`) under a
write-heavy load is SIGKILLed at random moments, again and again, on one real database.

The same assertions as on TinyDB (tests/faults/test_crash_loop.py): after every restart every change the bot
acknowledged before the kill is there, no reminder is delivered twice across all runs (the console output is
the delivery log), and a send a kill interrupted is recorded UNCONFIRMED, never delivered again; and, read
straight from the tables: nothing is left SENDING after a clean stop, no reminder has two occurrences, and
each interrupted send was told to the person. Rounds default to 50; CLEARBACK_CRASH_ROUNDS changes that.
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


def test_sigkill_on_postgres_loses_no_acknowledged_write_and_delivers_nothing_twice() -> None:
    url = pg_server.fresh_database()
    log = crash_rounds(url, ROUNDS, random.Random(20261202), writes=(3, 10))

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
        # Every acknowledged one-off that came due was delivered exactly once, or answered early by /done, or,
        # when a kill landed mid-send, recorded as unconfirmed: never unconfirmed and delivered, never twice.
        assert [name for name in log.delivered if outcome.get(name) == UNCONFIRMED] == []
        assert sorted(n for n in fired if n not in log.delivered and outcome.get(n) not in (UNCONFIRMED, DONE)) == []
    finally:
        store.close()

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
    told = {name.strip() for line in log.lines for match in TOLD.finditer(line) for name in match.group(1).split(",")}
    assert sorted(unconfirmed - told) == [], "every interrupted send is told to the person"
