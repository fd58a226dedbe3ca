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
run that printed it was killed, and a later run told the person.

On PostgreSQL each run is a peer: it sends due reminders only while it holds the dispatcher lease, and a killed
holder's lease is free again only after its TTL (bot/peers.py), so only about one run in four dispatches (the
others still write); a run that holds it is killed up to 1.5 s later, so more kills land mid-burst. The load
deletes older reminders as it goes (tests/faults/bot_process.py), so it never reaches the cap of 50 and keeps
writing in every round. Rounds default to 50; CLEARBACK_CRASH_ROUNDS changes that.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

import psycopg

from storage.postgres import PostgresStore
from storage.records import DONE, SENDING, UNCONFIRMED
from tests import pg_server
from tests.faults.bot_process import BotProcess, crash_rounds, told_in

ROUNDS = int(os.environ.get("CLEARBACK_CRASH_ROUNDS", "50"))
def nothing_left_to_send(url: str) -> Callable[[], bool]:
    """Whether no reminder is due (by the database's clock) and nothing is SENDING: the final run is done."""

    def check() -> bool:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM reminders WHERE next_due IS NOT NULL AND NOT paused"
                "        AND next_due <= extract(epoch FROM clock_timestamp()))"
                "     + (SELECT count(*) FROM occurrences WHERE status = %s)",
                (SENDING,),
            ).fetchone()
        return row is not None and row[0] == 0

    return check


def linger_while_dispatching(url: str, rng: random.Random) -> Callable[[BotProcess], float]:
    """A process that holds the dispatcher lease (its holder id is host:pid:random) is killed up to 1.5 s
    later than the others: the lease goes to a new process only every TTL or so, and this way more kills land
    in the middle of the burst of reminders that became due meanwhile."""

    def linger(bot: BotProcess) -> float:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT 1 FROM leases WHERE name = 'dispatcher' AND holder LIKE %s AND expires_at > now()",
                (f"%:{bot.proc.pid}:%",),
            ).fetchone()
        return rng.uniform(0.0, 1.5) if row is not None else 0.0

    return linger


def test_sigkill_on_postgres_loses_no_acknowledged_write_and_delivers_nothing_twice(tmp_path: Path) -> None:
    url = pg_server.fresh_database()
    # The last killed run still holds the dispatcher lease for up to its TTL: the final run waits for it, then
    # until everything due has gone out.
    log = crash_rounds(
        url,
        ROUNDS,
        random.Random(20261202),
        writes=(3, 10),
        settled=nothing_left_to_send(url),
        linger=linger_while_dispatching(url, random.Random(7)),
        env={"LOG_LEVEL": "INFO"},
        stderr=tmp_path / "bots.log",  # every run's log, to read when this fails
    )
    final_run = len(log.runs) - 1

    assert log.kept, "the load never got an acknowledgement: the test would prove nothing"
    assert log.refused_for_the_cap == 0, "the person reached the cap on reminders: the load stopped writing"
    assert log.twice == []
    store = PostgresStore(url)
    try:
        identity = store.get_identity("console:local")
        assert identity is not None
        account = identity.account_id
        names = {r.text for r in store.reminders_of(account)}
        assert log.kept <= names, sorted(log.kept - names)
        assert log.deleted & names == set(), "an acknowledged /delete came back"
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
