"""Leases on a real PostgreSQL server: the table (storage/postgres/leases.py) and the keepers (bot/peers.py).

Short TTLs keep the tests fast; each bound is asserted with the TTL the test uses, and one test runs the
production figures (TTL 5 s, renewals every second) to show the 10 s failover promise itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import psycopg
import pytest

from bot import peers
from bot.peers import LeaseKeeper
from storage.base import StorageUnavailable
from storage.postgres.leases import LeaseTable
from tests import pg_server

# Quick figures: a lease counts 2 s, renewed every 0.2 s, its work stopped 0.5 s before it could expire.
TTL, RENEW, MARGIN = 2.0, 0.2, 0.5
SLACK = 0.75  # scheduling and round trips on a busy test machine


@pytest.fixture
def url() -> str:
    return pg_server.fresh_database()


@pytest.fixture
async def tables(url: str) -> AsyncIterator[list[LeaseTable]]:
    made = [LeaseTable(url, f"peer-{i}") for i in range(3)]
    yield made
    for table in made:
        await table.close()


def keeper(url: str, holder: str, **figures: float) -> LeaseKeeper:
    return LeaseKeeper(
        LeaseTable(url, holder),
        ttl=figures.get("ttl", TTL),
        renew_every=figures.get("renew_every", RENEW),
        margin=figures.get("margin", MARGIN),
    )


async def until(condition: Callable[[], bool], within: float) -> float:
    """Seconds until `condition()` is true (fails after `within`)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within}s")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def holder_in_db(url: str, name: str) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT holder FROM leases WHERE name = %s AND expires_at > now()", (name,)).fetchone()
    return None if row is None else str(row[0])


# ---- the table ----------------------------------------------------------------------------------


async def test_one_holder_per_name_until_released(tables: list[LeaseTable]) -> None:
    a, b, _ = tables
    assert await a.claim(["dispatcher", "telegram-poll"], ttl=30) == {"dispatcher", "telegram-poll"}
    assert await b.claim(["dispatcher", "telegram-poll", "discord-shard-0"], ttl=30) == {"discord-shard-0"}
    assert await a.claim(["dispatcher", "telegram-poll"], ttl=30) == {"dispatcher", "telegram-poll"}  # renewed
    await a.release(["telegram-poll"])
    assert await b.claim(["dispatcher", "telegram-poll"], ttl=30) == {"telegram-poll"}
    await a.release()
    assert await b.claim(["dispatcher"], ttl=30) == {"dispatcher"}


async def test_an_expired_lease_goes_to_the_next_claimant_by_the_databases_clock(tables: list[LeaseTable]) -> None:
    a, b, _ = tables
    assert await a.claim(["dispatcher"], ttl=0.3) == {"dispatcher"}
    assert await b.claim(["dispatcher"], ttl=5) == set()
    await asyncio.sleep(0.4)
    assert await b.claim(["dispatcher"], ttl=5) == {"dispatcher"}
    assert await a.claim(["dispatcher"], ttl=5) == set()


async def test_claims_racing_for_a_new_name_grant_it_once(tables: list[LeaseTable]) -> None:
    for round_ in range(20):
        names = [f"race-{round_}"]
        results = await asyncio.gather(*(table.claim(names, ttl=30) for table in tables))
        assert sum(len(granted) for granted in results) == 1


async def test_a_broken_connection_is_replaced_on_the_next_call(url: str, tables: list[LeaseTable]) -> None:
    a = tables[0]
    assert await a.claim(["dispatcher"], ttl=30) == {"dispatcher"}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'clearback-leases'"
        )
    with pytest.raises(StorageUnavailable):
        await a.claim(["dispatcher"], ttl=30)
    assert await a.claim(["dispatcher"], ttl=30) == {"dispatcher"}


# ---- keepers ------------------------------------------------------------------------------------


async def test_among_three_keepers_exactly_one_holds_and_the_table_agrees(url: str) -> None:
    keepers = [keeper(url, f"peer-{i}") for i in range(3)]
    for k in keepers:
        k.want(peers.DISPATCHER)
        k.start()
    try:
        await until(lambda: any(k.holds(peers.DISPATCHER) for k in keepers), within=RENEW + SLACK)
        for _ in range(100):  # 2 s of samples, across ten renewals
            holding = [k for k in keepers if k.holds(peers.DISPATCHER)]
            assert len(holding) == 1
            await asyncio.sleep(0.02)
        assert holder_in_db(url, peers.DISPATCHER) == holding[0].holder
    finally:
        for k in keepers:
            await k.stop()


async def test_a_dead_holders_lease_is_taken_within_ttl_and_a_round(url: str) -> None:
    first, second = keeper(url, "first"), keeper(url, "second")
    gained: list[float] = []

    async def on_gained() -> None:
        gained.append(time.monotonic())

    first.want(peers.DISPATCHER)
    first.start()
    await until(lambda: first.holds(peers.DISPATCHER), within=RENEW + SLACK)
    second.want(peers.DISPATCHER, on_gained=on_gained)
    second.start()
    try:
        await asyncio.sleep(3 * RENEW)
        assert not second.holds(peers.DISPATCHER)
        died = time.monotonic()
        await first.abandon()  # no release, no callbacks: as if killed
        await until(lambda: bool(gained), within=TTL + RENEW + SLACK)
        # Its last renewal was at most one round before it died; the lease then lasted TTL by the database.
        assert gained[0] - died <= TTL + RENEW + SLACK
        assert second.holds(peers.DISPATCHER) and holder_in_db(url, peers.DISPATCHER) == "second"
    finally:
        await second.stop()


async def test_failover_with_the_production_figures_is_within_ten_seconds(url: str) -> None:
    first = LeaseKeeper(LeaseTable(url, "first"))
    second = LeaseKeeper(LeaseTable(url, "second"))
    assert (first.ttl, first.renew_every) == (peers.TTL, peers.RENEW_EVERY) == (5.0, 1.0)
    first.want(peers.DISPATCHER)
    first.start()
    await until(lambda: first.holds(peers.DISPATCHER), within=2)
    second.want(peers.DISPATCHER)
    second.start()
    try:
        await asyncio.sleep(1.5)
        await first.abandon()
        took = await until(lambda: second.holds(peers.DISPATCHER), within=10)
        assert took <= peers.TTL + peers.RENEW_EVERY + SLACK  # about 6 s, well within 10
    finally:
        await second.stop()


async def test_a_clean_stop_hands_the_lease_over_within_a_round(url: str) -> None:
    first, second = keeper(url, "first"), keeper(url, "second")
    stopped: list[float] = []

    async def on_lost() -> None:
        stopped.append(time.monotonic())

    first.want(peers.DISPATCHER, on_lost=on_lost)
    first.start()
    await until(lambda: first.holds(peers.DISPATCHER), within=RENEW + SLACK)
    second.want(peers.DISPATCHER)
    second.start()
    try:
        await asyncio.sleep(3 * RENEW)
        await first.stop()
        assert stopped, "the work was stopped before the lease was given up"
        took = await until(lambda: second.holds(peers.DISPATCHER), within=RENEW + SLACK)
        assert took < TTL - MARGIN  # released, not expired
    finally:
        await second.stop()


async def test_a_holder_whose_renewals_hang_stops_its_work_before_the_lease_can_expire(url: str) -> None:
    """The table is locked by another session, so renewals hang: the holder's on_lost runs while the lease
    still has time left by the database's clock, and nobody else gets it until it has expired."""
    holder, rival = keeper(url, "holder"), keeper(url, "rival")
    left_at_loss: list[float] = []
    locker = await psycopg.AsyncConnection.connect(url, autocommit=True)

    async def on_lost() -> None:
        assert not holder.holds(peers.DISPATCHER)
        cursor = await locker.execute(
            "SELECT extract(epoch FROM expires_at - clock_timestamp()) FROM leases WHERE name = %s",
            (peers.DISPATCHER,),
        )
        row = await cursor.fetchone()
        assert row is not None
        left_at_loss.append(float(row[0]))

    holder.want(peers.DISPATCHER, on_lost=on_lost)
    holder.start()
    try:
        await until(lambda: holder.holds(peers.DISPATCHER), within=RENEW + SLACK)
        rival.want(peers.DISPATCHER)
        rival.start()
        await asyncio.sleep(3 * RENEW)
        await locker.execute("BEGIN")
        await locker.execute("LOCK TABLE leases IN ACCESS EXCLUSIVE MODE")
        await until(lambda: bool(left_at_loss), within=TTL + SLACK)
        assert left_at_loss[0] > MARGIN / 2, "stopped before the lease could run out, with time to spare"
        assert not rival.holds(peers.DISPATCHER)
        await locker.execute("COMMIT")
        # Renewals flow again: exactly one of them ends up holding it, and it is still one at a time.
        await until(lambda: holder.holds(peers.DISPATCHER) or rival.holds(peers.DISPATCHER), within=TTL + SLACK)
        assert not (holder.holds(peers.DISPATCHER) and rival.holds(peers.DISPATCHER))
    finally:
        await locker.close()
        await holder.stop()
        await rival.stop()


async def test_keepers_reject_figures_that_cannot_fence() -> None:
    with pytest.raises(ValueError):
        LeaseKeeper(LeaseTable("postgresql://unused", "x"), ttl=2, renew_every=1.8, margin=0.5)
