"""Two peers on one PostgreSQL database share what used to live in one process's memory: the key that signs
buttons, link codes (with their lockouts) and offered choices. Each peer is an App on its own PostgresStore
(its own connections), started as a new process starts: with a random button key of its own."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

import pytest

from bot import payloads
from bot.app import App
from bot.choices import say as say_option
from bot.linking import LinkError
from bot.models import Address, Identity, IncomingMessage, Reply
from bot.throttle import Throttle
from bot.timing.clock import FakeClock
from storage.postgres import PostgresStore
from storage.records import SENT
from tests import pg_server
from tests.fakes import RecordingPlatform

TG = Identity("telegram", "100")
DC = Identity("discord", "200")
MALLORY = Identity("discord", "666")
T = TypeVar("T")


class Peer:
    """One bot process: its own store connection, its own App, its own starting key."""

    def __init__(self, url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(payloads, "_signer", payloads._Signer())  # what a new process starts with
        self.store = PostgresStore(url)
        self.app = App(self.store, clock)
        self.app.core.throttle = Throttle(monotonic=lambda: clock.now().timestamp())
        for name in ("telegram", "discord"):
            self.app.hub.register(RecordingPlatform(platform=name))

    async def say(self, who: Identity, text: str = "", button: str | None = None) -> list[Reply]:
        address = Address(who.platform, who.user_id)
        return await self.app.handle(IncomingMessage(who, address, text=text, button=button))

    async def one(self, who: Identity, text: str = "", button: str | None = None) -> Reply:
        replies = await self.say(who, text, button)
        assert len(replies) == 1, [r.text for r in replies]
        return replies[0]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 20, 8, tzinfo=UTC))


@pytest.fixture
def url() -> str:
    return pg_server.fresh_database()


@pytest.fixture
def peers(url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Peer, Peer]]:
    a = Peer(url, clock, monkeypatch)
    b = Peer(url, clock, monkeypatch)
    yield a, b
    a.store.close()
    b.store.close()


def button(reply: Reply, label: str) -> str:
    [payload] = [b.payload for row in reply.buttons for b in row if b.label == label]
    return payload


def race(*calls: Callable[[], T]) -> list[T | Exception]:
    """Run the calls at the same instant, one thread each; what each returned or raised."""
    start = threading.Barrier(len(calls))
    results: list[T | Exception] = [RuntimeError("not run")] * len(calls)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # the outcome under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# The button key ---------------------------------------------------------------------------------------------
async def test_a_button_made_by_one_peer_is_accepted_by_another(
    url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Peer] = []

    def start(peer: Peer) -> Peer:
        started.append(peer)
        return peer

    try:
        a = start(Peer(url, clock, monkeypatch))
        await a.one(TG, "/remind cream every day at 21:30")
        question = await a.one(TG, "/forget")
        yes = button(question, "Yes, delete everything")
        # Each peer below starts after the button was made, with a random key of its own, as a new process does.
        elsewhere = start(Peer(pg_server.fresh_database(), clock, monkeypatch))  # a bot on another database
        await elsewhere.one(TG, "/remind stretch every day at 7:00")
        asked_again = await elsewhere.one(TG, button=yes)  # another key there: stale, the person is asked again
        assert "Yes, delete everything" in [b.label for row in asked_again.buttons for b in row]
        assert elsewhere.app.regimen.account_for(TG) is not None
        b = start(Peer(url, clock, monkeypatch))  # a peer of A's
        gone = await b.one(TG, button=yes)
        assert b.app.regimen.account_for(TG) is None, gone.text  # B took A's button as the person's own
    finally:
        for peer in started:
            peer.store.close()


# Link codes -------------------------------------------------------------------------------------------------
async def test_a_code_issued_on_one_peer_is_redeemed_on_the_other_once(peers: tuple[Peer, Peer]) -> None:
    a, b = peers
    issued = await a.one(TG, "/link")
    match = re.search(r"/link ([A-Z0-9]{8})", issued.text)
    assert match is not None
    code = match.group(1)
    question = await b.one(DC, f"/link {code}")  # Discord served by the other process
    assert question.text.startswith("This will show your regimen on Telegram and Discord as one")
    refused = await a.one(MALLORY, f"/link {code}")  # a second redeemer, on either peer
    assert refused.text.startswith("That code didn't work")
    linked = await a.one(DC, button=button(question, "Yes, link them"))  # the Yes reaches A this time
    assert linked.text.startswith("Linked!")
    for peer in (a, b):
        tg, dc = peer.app.regimen.account_for(TG), peer.app.regimen.account_for(DC)
        assert tg is not None and dc is not None and tg.id == dc.id
        assert peer.app.regimen.account_for(MALLORY) is None


def test_of_two_peers_redeeming_one_code_at_once_exactly_one_gets_it(peers: tuple[Peer, Peer]) -> None:
    a, b = peers
    now = 1_800_000_000.0
    for round_ in range(20):
        pending = a.app.regimen.links.issue("acct", f"telegram:{round_}", "telegram", now)
        outcomes = race(
            partial(a.app.regimen.links.redeem, pending.code, f"discord:a{round_}", "discord", now),
            partial(b.app.regimen.links.redeem, pending.code, f"discord:b{round_}", "discord", now),
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["LinkError", "PendingCode"], outcomes


async def test_wrong_codes_count_across_peers_and_the_lockout_holds_on_both(peers: tuple[Peer, Peer]) -> None:
    a, b = peers
    issued = await a.one(TG, "/link")
    match = re.search(r"/link ([A-Z0-9]{8})", issued.text)
    assert match is not None
    for attempt in range(4):  # alternately on A and B: one count
        wrong = await (a if attempt % 2 == 0 else b).one(MALLORY, "/link WRONG234")
        assert wrong.text.startswith("That code didn't work:")
    fifth = await b.one(MALLORY, "/link WRONG234")
    assert "5 times in a row" in fifth.text and "paused for 15 minutes" in fifth.text
    for peer in (a, b):  # even the right code is refused on either while locked
        locked = await peer.one(MALLORY, f"/link {match.group(1)}")
        assert locked.text.startswith("Too many wrong codes.")
    with pytest.raises(LinkError, match="paused"):
        b.app.regimen.links.redeem(match.group(1), MALLORY.key, "discord", b.app.regimen.now_ts())


# Offered choices --------------------------------------------------------------------------------------------
async def test_an_offer_made_on_one_peer_is_answered_on_the_other_and_undo_reaches_either(
    peers: tuple[Peer, Peer],
) -> None:
    a, b = peers
    made = await a.one(TG, "/remind cream at 9")  # 21:00 tonight, and "09:00 tomorrow" offered
    switched = await b.one(TG, button=button(made, "09:00 tomorrow"))
    assert switched.text.startswith("Changed reminder 1: cream")
    again = await a.one(TG, button=button(made, "Undo"))  # the offer was answered on B: its buttons are done
    assert "expired" in again.text
    undone = await a.one(TG, "/undo")  # the Undo B offered, typed on A
    assert undone.text.startswith("Undone: reminder 1 is back as it was: cream")
    assert (await b.one(TG, "/undo")).text.startswith("There's nothing to undo")


async def test_an_answer_is_undone_on_the_other_peer(peers: tuple[Peer, Peer], clock: FakeClock) -> None:
    a, b = peers
    await a.one(TG, "/remind cream every day at 21:00")
    clock.set(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    await a.app.scheduler.tick()
    done = await a.one(TG, "/done 1")
    assert done.text.startswith("✅ Done: cream, today 21:00")
    undone = await b.one(TG, button=button(done, "↩ Undo"))
    assert undone.text == "↩ Undone: cream, today 21:00 is waiting for your answer again."
    account = b.app.regimen.account_for(TG)
    assert account is not None and b.store.history_of(account.id) == []
    assert [o.status for o in a.store.open_occurrences_of(account.id)] == [SENT]


def test_of_two_peers_taking_one_offer_at_once_exactly_one_gets_it(peers: tuple[Peer, Peer]) -> None:
    a, b = peers
    for _ in range(20):
        token = a.app.regimen.choices.offer("acct", [say_option("a", "a"), say_option("b", "b")], undo_index=0)
        outcomes = race(
            partial(a.app.regimen.choices.take, "acct", token, 0),
            partial(b.app.regimen.choices.take, "acct", token, 1),
        )
        assert sum(o is not None for o in outcomes) == 1, outcomes
        assert b.app.regimen.choices.take_undo("acct") is None
