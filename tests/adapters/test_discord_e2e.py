"""End to end on Discord: the real App (core, hub, scheduler) behind the real discord.py client, offline,
wired by adapters.wiring as run_bot.py wires it.

/timezone and /remind as slash commands in a server → the reminder is delivered by DM with buttons →
Done is pressed → the reminder message is edited. The clock is a FakeClock moved past the due time, so
nothing waits for real time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from adapters.settings import PlatformSettings
from bot.app import App
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from tests.adapters.fake_discord import CHANNEL_MESSAGE, EPHEMERAL, UPDATE_MESSAGE, FakeDiscord, Json
from tests.adapters.wired import wired

GUILD_ID = 222_222_222_222_222_222
CALLBACK = r"/interactions/\d+/[^/]+/callback"


def buttons(message: Json) -> list[tuple[str, str]]:
    return [(item["label"], item["custom_id"]) for row in message["components"] for item in row["components"]]


async def test_remind_by_slash_command_delivered_by_dm_then_done(discord_fake: FakeDiscord) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = App(store=MemoryStore(), clock=clock)
    adapter = wired(app, PlatformSettings(discord_token=discord_fake.token, discord_guild_id=GUILD_ID))
    await adapter.start()
    try:
        user = discord_fake.user()
        channel = discord_fake.guild_channel(GUILD_ID)

        since = discord_fake.mark()
        await discord_fake.interact(
            discord_fake.slash_command("timezone", user, {"zone": "Europe/Berlin"}, guild_id=GUILD_ID, channel=channel)
        )
        answer = await discord_fake.wait_for("POST", CALLBACK, since=since)
        assert answer.json["type"] == CHANNEL_MESSAGE
        assert answer.json["data"]["flags"] & EPHEMERAL  # personal data stays out of the channel
        assert "Europe/Berlin" in answer.json["data"]["content"]

        since = discord_fake.mark()
        await discord_fake.interact(
            discord_fake.slash_command(
                "remind", user, {"what": "stretch", "when": "in 2s"}, guild_id=GUILD_ID, channel=channel
            )
        )
        answer = await discord_fake.wait_for("POST", CALLBACK, since=since)
        assert answer.json["data"]["flags"] & EPHEMERAL
        assert "stretch" in answer.json["data"]["content"]

        clock.advance(3)
        since = discord_fake.mark()
        await app.scheduler.tick()
        opened = await discord_fake.wait_for("POST", r"/users/@me/channels", since=since)
        assert str(opened.json["recipient_id"]) == user["id"]
        dm = discord_fake.dm_channel(user)
        delivered = await discord_fake.wait_for("POST", rf"/channels/{dm['id']}/messages", since=since)
        message = next(m for m in reversed(discord_fake.messages.values()) if m["channel_id"] == dm["id"])
        assert "stretch" in message["content"]
        labels = dict(buttons(message))
        assert delivered.json["components"]
        done_id = next(custom_id for label, custom_id in labels.items() if "Done" in label)
        assert re.fullmatch(rf"cb:{user['id']}:o:d:.+", done_id)
        assert all(len(custom_id) <= 100 for custom_id in labels.values())

        since = discord_fake.mark()
        await discord_fake.interact(discord_fake.button_press(message, done_id, user))
        pressed = await discord_fake.wait_for("POST", CALLBACK, since=since)
        assert pressed.json["type"] == UPDATE_MESSAGE
        assert message["edited_timestamp"] is not None
        assert "stretch" in message["content"]
        assert not any("Done" in label for label, _ in buttons(message))
    finally:
        await adapter.stop()
