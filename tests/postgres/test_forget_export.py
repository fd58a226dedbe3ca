"""/export reads from PostgreSQL as from any store, and /forget deletes every row of the person for real:
checked with plain SQL against the server, not through the store."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from bot.app import App
from bot.models import Identity
from bot.timing.clock import FakeClock
from storage.postgres import PostgresStore
from tests import pg_server
from tests.conftest import START, make_bot_app
from tests.fakes import RecordingPlatform
from tests.talk import account_id, say

ALICE = Identity("console", "alice")
ALICE_ON_TELEGRAM = Identity("telegram", "alice-tg")
BOB = Identity("console", "bob")
# Every table that holds a person's data; leases and schema_migrations hold none.
TABLES = ("accounts", "identities", "reminders", "occurrences", "tallies", "shared_state")


@pytest.fixture
def url() -> str:
    return pg_server.fresh_database()


@pytest.fixture
def app(url: str) -> Iterator[tuple[App, FakeClock]]:
    clock = FakeClock(START)
    store = PostgresStore(url)
    application, _ = make_bot_app(clock, store)
    application.hub.register(RecordingPlatform(platform="telegram"))
    yield application, clock
    store.close()


def rows_naming(url: str, *needles: str) -> dict[str, int]:
    """Rows of each table whose columns or document mention any of `needles`, by plain SQL."""
    found = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            text = f"{table}::text"  # the whole row as text: every column, the JSON document included
            where = " OR ".join(f"strpos({text}, %s) > 0" for _ in needles)
            row = conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", needles).fetchone()
            found[table] = int(row[0]) if row else 0
    return found


def owned_rows(url: str, account: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        counts = {}
        for table in TABLES:
            column = "id" if table == "accounts" else "account_id"
            row = conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = %s", (account,)).fetchone()
            counts[table] = int(row[0]) if row else 0
        return counts


async def live_a_little(app: App, clock: FakeClock, who: Identity) -> None:
    """Reminders, answers of every kind, one left open, progress (tallies), a pending choice (shared state)."""
    await say(app, "/timezone berlin", who=who)
    await say(app, "/remind cream every day at 12:30", who=who)
    await say(app, "/remind call the clinic every day at 13:00", who=who)
    for answer in ("/done 1", "/skip 1", "/done 1", "/snooze 1 1h"):
        clock.advance(timedelta(days=1))
        await app.scheduler.tick()
        await say(app, answer, who=who)
    await say(app, "/progress text", who=who)
    await say(app, "/remind stretch tomorrow at 9", who=who)  # an offer with buttons: shared state


async def test_export_reads_everything_and_forget_deletes_every_row(app: tuple[App, FakeClock], url: str) -> None:
    bot, clock = app
    await live_a_little(bot, clock, ALICE)
    code = re.search(r"/link ([A-Z2-9]{8})", (await say(bot, "/link", who=ALICE))[0].text)
    assert code is not None
    await say(bot, f"/link {code.group(1)}", who=ALICE_ON_TELEGRAM)
    joined = await say(bot, "/link confirm", who=ALICE_ON_TELEGRAM)
    assert any("linked" in r.text.lower() for r in joined), [r.text for r in joined]
    await say(bot, "/link", who=ALICE)  # a code still waiting when she leaves: shared state owned by her
    await live_a_little(bot, clock, BOB)
    alice, bob = account_id(bot, ALICE), account_id(bot, BOB)
    owned = owned_rows(url, alice)
    assert all(owned[t] for t in ("accounts", "reminders", "occurrences", "tallies", "shared_state")), owned
    assert owned["identities"] == 2

    exported = (await say(bot, "/export", who=ALICE_ON_TELEGRAM))[0].attachment
    assert exported is not None
    data: dict[str, Any] = json.loads(exported.data)
    assert data["account"]["id"] == alice
    assert sorted(i["key"] for i in data["identities"]) == ["console:alice", "telegram:alice-tg"]
    with psycopg.connect(url) as conn:  # the export is what the rows hold, every one of them
        for key, sql in (
            ("reminders", "SELECT doc FROM reminders WHERE account_id = %s ORDER BY number"),
            ("open_occurrences", "SELECT doc FROM occurrences WHERE account_id = %s AND is_open ORDER BY due, id"),
            ("history", "SELECT doc FROM occurrences WHERE account_id = %s AND NOT is_open ORDER BY due, id"),
        ):
            docs = [doc for (doc,) in conn.execute(sql, (alice,)).fetchall()]
            assert data[key] == docs, key
    assert {o["status"] for o in data["history"]} >= {"done", "skipped"} and data["open_occurrences"]

    yes = (await say(bot, "/forget", who=ALICE))[0].button_payloads()[0]
    gone = await say(bot, button=yes, who=ALICE)
    assert "deleted" in gone[0].text.lower(), gone[0].text
    assert owned_rows(url, alice) == dict.fromkeys(TABLES, 0)
    # Nothing else names her either: not her account id, nor either identity, in any column or document.
    assert rows_naming(url, alice, "console:alice", "telegram:alice-tg", "alice-tg") == dict.fromkeys(TABLES, 0)
    assert bot.regimen.account_for(ALICE) is None and bot.regimen.account_for(ALICE_ON_TELEGRAM) is None
    kept = owned_rows(url, bob)  # and the next person keeps all of theirs
    assert kept["accounts"] == 1 and kept["reminders"] == 3 and kept["occurrences"] >= 4 and kept["tallies"]
    assert (await say(bot, "/export", who=ALICE))[0].text.startswith("I don't keep any data about you")


async def test_forget_also_deletes_a_link_waiting_for_their_answer(app: tuple[App, FakeClock], url: str) -> None:
    bot, _ = app
    await say(bot, "/timezone berlin", who=ALICE_ON_TELEGRAM)  # she has an account
    code = re.search(r"/link ([A-Z2-9]{8})", (await say(bot, "/link", who=BOB))[0].text)
    assert code is not None
    asked = await say(bot, f"/link {code.group(1)}", who=ALICE_ON_TELEGRAM)  # held for her Yes
    assert asked and rows_naming(url, "telegram:alice-tg")["shared_state"] == 1
    yes = (await say(bot, "/forget", who=ALICE_ON_TELEGRAM))[0].button_payloads()[0]
    await say(bot, button=yes, who=ALICE_ON_TELEGRAM)
    assert rows_naming(url, "telegram:alice-tg", "alice-tg") == dict.fromkeys(TABLES, 0)
    assert bot.regimen.account_for(BOB) is not None  # the one who asked for the code keeps his account
