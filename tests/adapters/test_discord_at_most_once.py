"""Discord posts each message once, even when an answer is lost after Discord created the message.

discord.py re-sends `POST /channels/{id}/messages` by itself on 500/502/504/524, and a reset connection
reaches the scheduler, which sends again. Every message the adapter posts carries a nonce with
`enforce_nonce`, so Discord returns the message it already created instead of a second one; reminders
(and each chunk of a long one) get a nonce derived from the delivery, so the scheduler's re-send is dropped
too. The fake honours nonces as Discord does. Real discord.py client, nothing sleeps but discord.py's own
one-second pause before it retries a 502.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord.http
import pytest

from adapters.base import Adapter
from adapters.discord_adapter import DiscordAdapter
from adapters.settings import PlatformSettings
from bot.app import App
from bot.delivery import DeliveryUncertain, TransientDeliveryError
from bot.models import Address, Button, IncomingMessage, Reply
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from storage.records import SENT, Occurrence
from tests.adapters.fake_discord import FakeDiscord, Json
from tests.adapters.wired import wired

GUILD_ID = 333_333_333_333_333_333
MESSAGES = r"/channels/\d+/messages"
CALLBACK = r"/interactions/\d+/[^/]+/callback"
OCCURRENCE = "r1@1700000000"
REMINDER = Reply(
    "⏰ Reminder 1: exfoliate",
    buttons=((Button("✅ Done", f"o:d:{OCCURRENCE}"), Button("⏭ Skip", f"o:k:{OCCURRENCE}")),),
    dedupe_key=f"{OCCURRENCE}#0",
)


class Core:
    """Stands in for the core in the adapter-level tests: answers every message with `answers`."""

    def __init__(self) -> None:
        self.answers: list[Reply] = [Reply("ok")]
        self.received: asyncio.Queue[IncomingMessage] = asyncio.Queue()

    async def __call__(self, message: IncomingMessage) -> list[Reply]:
        self.received.put_nowait(message)
        return list(self.answers)


@pytest.fixture
def core() -> Core:
    return Core()


@pytest.fixture
async def adapter(discord_fake: FakeDiscord, core: Core) -> AsyncIterator[DiscordAdapter]:
    running = DiscordAdapter(core, discord_fake.token, guild_id=GUILD_ID, guild_ready_timeout=0.0)
    await running.start()
    yield running
    await running.stop()


def bot_messages(fake: FakeDiscord, channel_id: str) -> list[Json]:
    return [m for m in fake.channel_messages(channel_id) if m["author"]["id"] == fake.bot_user["id"]]


def dm_of(fake: FakeDiscord, user: Json) -> str:
    return str(fake.dm_channel(user)["id"])


# ---------------------------------------------------------------- the fake honours nonces as Discord does


async def test_fake_returns_the_earlier_message_for_a_repeated_enforced_nonce() -> None:
    now = [1000.0]
    fake = FakeDiscord(clock=lambda: now[0], nonce_window=180.0)
    await fake.start()
    try:
        channel = fake.dm_channel(fake.user())["id"]
        headers = {"Authorization": f"Bot {fake.token}"}

        async def post(body: dict[str, Any]) -> tuple[int, Json]:
            url = f"{fake.base_url}/channels/{channel}/messages"
            async with session.post(url, json=body, headers=headers) as response:
                return response.status, await response.json()

        async with aiohttp.ClientSession() as session:
            status, first = await post({"content": "a", "nonce": "n1", "enforce_nonce": True})
            assert status == 200 and first["nonce"] == "n1"
            now[0] += 179.0
            assert (await post({"content": "b", "nonce": "n1", "enforce_nonce": True}))[1]["id"] == first["id"]
            assert (await post({"content": "c", "nonce": "n1"}))[1]["id"] != first["id"]  # not enforced: a new one
            assert (await post({"content": "d", "nonce": "n2", "enforce_nonce": True}))[1]["id"] != first["id"]
            now[0] += 2.0  # the window has passed since "a" was created
            assert (await post({"content": "e", "nonce": "n1", "enforce_nonce": True}))[1]["id"] != first["id"]
            status, refused = await post({"content": "f", "nonce": "x" * 26, "enforce_nonce": True})
            assert status == 400 and refused["code"] == 50035  # Discord: at most 25 characters
        assert [m["content"] for m in fake.channel_messages(channel)] == ["a", "c", "d", "e"]
    finally:
        await fake.close()


# ---------------------------------------------------------------- reminders sent by the adapter


async def test_a_reminder_answered_502_after_it_was_created_is_posted_once(
    discord_fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    user = discord_fake.user()
    discord_fake.fail_after_processing("POST", MESSAGES, 502)
    ref = await adapter.send(Address("discord", user["id"]), REMINDER)  # discord.py retries the 502 itself
    assert [call.status for call in discord_fake.find("POST", MESSAGES)] == [502, 200]
    (message,) = bot_messages(discord_fake, dm_of(discord_fake, user))
    assert ref == message["id"]
    assert message["components"]  # the retry was answered with the original, buttons and all


@pytest.mark.parametrize("fault", ["reset", "closed"])
async def test_a_reminder_whose_connection_dropped_after_creation_is_posted_once_when_sent_again(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, fault: str
) -> None:
    user = discord_fake.user()
    if fault == "reset":
        discord_fake.reset_after_processing("POST", MESSAGES)  # ECONNRESET on the client
    else:
        discord_fake.sever_after_processing("POST", MESSAGES)  # closed without an answer
    address = Address("discord", user["id"])
    # It may have arrived, but the nonce makes a re-send safe: transient, so the scheduler sends it again.
    with pytest.raises(TransientDeliveryError):
        await adapter.send(address, REMINDER)
    ref = await adapter.send(address, REMINDER)  # the scheduler's retry
    (message,) = bot_messages(discord_fake, dm_of(discord_fake, user))
    assert ref == message["id"]  # so a later Done edits the message the person sees
    first, second = (call.json for call in discord_fake.find("POST", MESSAGES))
    assert first["nonce"] == second["nonce"] and first["enforce_nonce"] is True


async def test_every_chunk_of_a_long_reminder_is_posted_once_when_sent_again(
    discord_fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    user = discord_fake.user()
    lines = [f"line {index} " + "x" * 90 for index in range(50)]  # about 5,000 characters: three messages
    reminder = Reply("\n".join(lines), buttons=REMINDER.buttons, dedupe_key=REMINDER.dedupe_key)
    discord_fake.reset_after_processing("POST", MESSAGES)  # the first chunk was posted, its answer lost
    address = Address("discord", user["id"])
    with pytest.raises(TransientDeliveryError):
        await adapter.send(address, reminder)
    ref = await adapter.send(address, reminder)
    posted = bot_messages(discord_fake, dm_of(discord_fake, user))
    assert len(posted) == 3
    assert "\n".join(m["content"] for m in posted).replace("\\", "") == reminder.text  # in order, none lost
    assert ref == posted[-1]["id"] and posted[-1]["components"]  # the buttons are on the last one
    assert len({call.json["nonce"] for call in discord_fake.find("POST", MESSAGES)}) == 3  # one per chunk


async def test_a_message_without_a_delivery_key_whose_connection_reset_is_uncertain(
    discord_fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    user = discord_fake.user()
    discord_fake.reset_after_processing("POST", MESSAGES)
    # Nothing names this send, so a re-send would carry a new nonce and could post it twice: at most once.
    with pytest.raises(DeliveryUncertain):
        await adapter.send(Address("discord", user["id"]), Reply("While I was offline, these reminders passed"))
    assert len(bot_messages(discord_fake, dm_of(discord_fake, user))) == 1


async def test_a_connection_refused_before_sending_is_still_transient(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = discord_fake.user()
    await adapter.send(Address("discord", user["id"]), Reply("hello"))  # the DM channel is known now
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")  # nothing listens there
    with pytest.raises(TransientDeliveryError):
        await adapter.send(Address("discord", user["id"]), Reply("nothing left, so a re-send is safe"))


# ---------------------------------------------------------------- interactive replies


async def test_dm_replies_answered_502_after_creation_are_each_posted_once(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    user = discord_fake.user()
    dm = dm_of(discord_fake, user)
    core.answers = [Reply("first answer"), Reply("second answer")]
    discord_fake.fail_after_processing("POST", rf"/channels/{dm}/messages", 502)
    since = discord_fake.mark()
    await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, "how often should I exfoliate?"))
    await discord_fake.wait_for("POST", rf"/channels/{dm}/messages", since=since, status=502)
    await discord_fake.wait_for("POST", rf"/channels/{dm}/messages", since=discord_fake.mark(), status=200)
    await discord_fake.wait_for("POST", rf"/channels/{dm}/messages", since=discord_fake.mark(), status=200)
    # Once each, in order, and no apology: the retry was answered with the message already created.
    assert [m["content"] for m in bot_messages(discord_fake, dm)] == ["first answer", "second answer"]
    nonces = [call.json["nonce"] for call in discord_fake.find("POST", rf"/channels/{dm}/messages", since=since)]
    assert nonces[0] == nonces[1] != nonces[2]  # the retry repeats its reply's nonce; the next reply has its own


async def test_a_redelivered_dm_event_posts_its_answer_once(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    user = discord_fake.user()
    dm = dm_of(discord_fake, user)
    event = discord_fake.dm_text(user, "what is a chemical peel?")
    for _ in range(2):  # the gateway replays an event it is not sure arrived (e.g. after a resume)
        since = discord_fake.mark()
        await discord_fake.dispatch("MESSAGE_CREATE", event)
        await discord_fake.wait_for("POST", rf"/channels/{dm}/messages", since=since)
    assert [m["content"] for m in bot_messages(discord_fake, dm)] == ["ok"]


# ---------------------------------------------------------------- through the real scheduler


async def _app_with_adapter(fake: FakeDiscord) -> tuple[App, FakeClock, Adapter]:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = App(store=MemoryStore(), clock=clock)
    adapter = wired(app, PlatformSettings(discord_token=fake.token, discord_guild_id=GUILD_ID))
    await adapter.start()
    return app, clock, adapter


def _open_occurrences(app: App, user: Json) -> list[Occurrence]:
    identity = app.store.get_identity(f"discord:{user['id']}")
    assert identity is not None
    return app.store.open_occurrences_of(identity.account_id)


async def _remind(fake: FakeDiscord, user: Json, when: str) -> None:
    channel = fake.guild_channel(GUILD_ID)
    since = fake.mark()
    command = fake.slash_command(
        "remind", user, {"what": "exfoliate", "when": when}, guild_id=GUILD_ID, channel=channel
    )
    await fake.interact(command)
    await fake.wait_for("POST", CALLBACK, since=since)


async def test_a_reminder_whose_connection_reset_is_sent_again_by_the_scheduler_and_shown_once(
    discord_fake: FakeDiscord,
) -> None:
    app, clock, adapter = await _app_with_adapter(discord_fake)
    try:
        user = discord_fake.user()
        await _remind(discord_fake, user, "in 2s")
        discord_fake.reset_after_processing("POST", MESSAGES)
        clock.advance(3)
        await app.scheduler.tick()  # posted, but the connection reset before the answer
        dm = dm_of(discord_fake, user)
        assert len(bot_messages(discord_fake, dm)) == 1
        (pending,) = _open_occurrences(app, user)
        assert pending.status != SENT and not pending.deliveries  # nothing recorded: it will be sent again

        clock.advance(pending.fire_at - clock.now().timestamp() + 1)
        await app.scheduler.tick()  # the retry: Discord answers with the message it already has
        (message,) = bot_messages(discord_fake, dm)
        (occurrence,) = _open_occurrences(app, user)
        assert occurrence.status == SENT
        assert [d.message_ref for d in occurrence.deliveries] == [message["id"]]

        done_id = next(
            c["custom_id"] for row in message["components"] for c in row["components"] if "Done" in c["label"]
        )
        since = discord_fake.mark()
        await discord_fake.interact(discord_fake.button_press(message, done_id, user))
        await discord_fake.wait_for("POST", CALLBACK, since=since)
        assert message["edited_timestamp"] is not None  # the one message the person sees was answered
    finally:
        await adapter.stop()


async def test_a_snoozed_reminder_shown_again_within_minutes_is_a_new_message(discord_fake: FakeDiscord) -> None:
    app, clock, adapter = await _app_with_adapter(discord_fake)
    try:
        user = discord_fake.user()
        await _remind(discord_fake, user, "in 2s")
        clock.advance(3)
        await app.scheduler.tick()
        dm = dm_of(discord_fake, user)
        (first,) = bot_messages(discord_fake, dm)
        since = discord_fake.mark()
        await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, "/snooze 1 1m"))
        await discord_fake.wait_for("POST", rf"/channels/{dm}/messages", since=since)  # "Snoozed ..."

        before = bot_messages(discord_fake, dm)  # the reminder (now showing the snooze) and the "Snoozed" answer
        clock.advance(61)
        await app.scheduler.tick()
        # Same occurrence, one minute later (well within Discord's nonce window): it must not be taken for a
        # repeat of the first delivery, or the snoozed reminder would never show.
        after = bot_messages(discord_fake, dm)
        assert len(after) == len(before) + 1
        assert after[-1]["id"] != first["id"] and "Reminder 1" in after[-1]["content"]
        assert "Snoozed from" in after[-1]["content"]
    finally:
        await adapter.stop()


async def test_every_fault_at_once_each_reminder_shown_exactly_once_with_its_real_id(discord_fake: FakeDiscord) -> None:
    app, clock, adapter = await _app_with_adapter(discord_fake)
    try:
        users = [discord_fake.user(f"user{index}") for index in range(8)]
        for user in users:
            await _remind(discord_fake, user, "in 2s")
        # After the message was created: a reset, a plain close, a 502 (discord.py retries it); before: a 503.
        discord_fake.reset_after_processing("POST", MESSAGES, times=2)
        discord_fake.sever_after_processing("POST", MESSAGES)
        discord_fake.fail_after_processing("POST", MESSAGES, 502)
        discord_fake.fail("POST", MESSAGES, 503, {"message": "503: Service Unavailable", "code": 0})
        clock.advance(3)
        await app.scheduler.tick()
        clock.advance(31)  # the scheduler's first back-off
        await app.scheduler.tick()
        statuses = [call.status for call in discord_fake.find("POST", MESSAGES)]
        assert sorted(statuses).count(0) == 3 and 502 in statuses and 503 in statuses  # every fault was met
        for user in users:
            (message,) = bot_messages(discord_fake, dm_of(discord_fake, user))
            (occurrence,) = _open_occurrences(app, user)
            assert occurrence.status == SENT
            assert [d.message_ref for d in occurrence.deliveries] == [message["id"]]
    finally:
        await adapter.stop()
