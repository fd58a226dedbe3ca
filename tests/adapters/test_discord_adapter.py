"""The Discord adapter against a fake Discord on loopback: real discord.py client, gateway and HTTP code.

Every wait is on an event (a recorded request or a handler call); nothing sleeps.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord
import pytest

from adapters.base import APOLOGY
from adapters.discord_adapter import ACKNOWLEDGED, FOREIGN_BUTTONS, DiscordAdapter
from adapters.discord_render import CommandSpec, OptionSpec
from adapters.pacing import Pacer
from bot.delivery import TransientDeliveryError
from bot.hub import Hub
from bot.models import Address, Attachment, Button, Identity, IncomingMessage, Reply
from tests.adapters.fake_discord import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    EPHEMERAL,
    UPDATE_MESSAGE,
    Call,
    FakeDiscord,
    Json,
)

GUILD_ID = 111_111_111_111_111_111
COMMANDS = (
    CommandSpec("timezone", "Show or set your time zone", (OptionSpec("zone", "e.g. Europe/Berlin", False, True),)),
    CommandSpec("remind", "Create a reminder", (OptionSpec("what", "What"), OptionSpec("when", "When"))),
    CommandSpec("done", "Mark a reminder done", (OptionSpec("number", "Reminder number", True, True),)),
)
DONE = "o:d:r1@1700000000"
SNOOZE = "o:s15:r1@1700000000"
REMINDER = Reply("Time to *stretch*", buttons=((Button("Done", DONE), Button("Snooze 15m", SNOOZE)),))

Responder = Callable[[IncomingMessage], Awaitable[list[Reply]]]


class Core:
    """A stand-in for the core: records what it is given and answers with `responder`."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[IncomingMessage] = asyncio.Queue()
        self.responder: Responder = self.echo

    async def echo(self, message: IncomingMessage) -> list[Reply]:
        return [Reply(f"got {message.text or message.button}")]

    async def __call__(self, message: IncomingMessage) -> list[Reply]:
        self.received.put_nowait(message)
        return await self.responder(message)

    async def next(self) -> IncomingMessage:
        return await asyncio.wait_for(self.received.get(), timeout=5)


def custom_ids(message: Json) -> list[str]:
    return [item["custom_id"] for row in message["components"] for item in row["components"]]


def callback_pattern() -> str:
    return r"/interactions/\d+/[^/]+/callback"


@pytest.fixture
def core() -> Core:
    return Core()


def make_adapter(fake: FakeDiscord, core: Core, **options: Any) -> DiscordAdapter:
    settings: dict[str, Any] = {"guild_id": GUILD_ID, "commands": COMMANDS, "guild_ready_timeout": 0.0}
    settings.update(options)
    return DiscordAdapter(core, fake.token, **settings)


@pytest.fixture
async def adapter(discord_fake: FakeDiscord, core: Core) -> AsyncIterator[DiscordAdapter]:
    running = make_adapter(discord_fake, core)
    await running.start()
    yield running
    await running.stop()


# ---------------------------------------------------------------- start-up


async def test_start_connects_with_minimal_intents_and_syncs_commands_to_the_guild(
    discord_fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    (identify,) = discord_fake.identifies
    expected = discord.Intents.none()
    expected.guilds = True
    expected.dm_messages = True
    assert identify["intents"] == expected.value
    assert not discord.Intents._from_value(identify["intents"]).message_content  # no privileged intent
    sync = await discord_fake.wait_for("PUT", rf"/applications/\d+/guilds/{GUILD_ID}/commands")
    by_name = {command["name"]: command for command in sync.json}
    assert set(by_name) == {"timezone", "remind", "done"}
    remind = by_name["remind"]
    assert remind["description"] == "Create a reminder"
    assert [(o["name"], o["type"], o["required"], o["description"]) for o in remind["options"]] == [
        ("what", 3, True, "What"),
        ("when", 3, True, "When"),
    ]
    assert "autocomplete" not in by_name["timezone"]["options"][0]  # no hook given: no suggestions offered
    assert remind["contexts"] == [0, 1]  # servers and the bot's DMs
    assert not discord_fake.find("PUT", r"/applications/\d+/commands")  # nothing global


async def test_without_guild_commands_are_synced_globally(discord_fake: FakeDiscord, core: Core) -> None:
    adapter = make_adapter(discord_fake, core, guild_id=None)
    await adapter.start()
    try:
        sync = await discord_fake.wait_for("PUT", r"/applications/\d+/commands")
        assert {command["name"] for command in sync.json} == {"timezone", "remind", "done"}
    finally:
        await adapter.stop()


async def test_bad_token_fails_start_and_stop_is_idempotent(discord_fake: FakeDiscord, core: Core) -> None:
    adapter = DiscordAdapter(core, "not-the-right-token-at-all", guild_ready_timeout=0.0)
    with pytest.raises(discord.LoginFailure):
        await adapter.start()
    assert adapter.client is None
    await adapter.stop()
    await adapter.stop()
    assert "not-the-right-token-at-all" not in repr(adapter)


async def test_stop_twice_and_restart(discord_fake: FakeDiscord, core: Core) -> None:
    adapter = make_adapter(discord_fake, core)
    await adapter.start()
    await adapter.stop()
    await adapter.stop()
    await adapter.start()
    assert adapter.client is not None and adapter.client.is_ready()
    await adapter.stop()


async def test_send_before_start_is_transient(discord_fake: FakeDiscord, core: Core) -> None:
    adapter = make_adapter(discord_fake, core)
    with pytest.raises(TransientDeliveryError):
        await adapter.send(Address("discord", "123"), Reply("hi"))


# ---------------------------------------------------------------- slash commands


async def test_slash_command_in_a_server_is_handed_to_the_core_and_answered_ephemerally(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    user = discord_fake.user()
    channel = discord_fake.guild_channel(GUILD_ID)
    core.responder = lambda message: _reply("Saved *stretch* <@everyone>")
    await discord_fake.interact(
        discord_fake.slash_command(
            "remind", user, {"what": "stretch", "when": "in 2s"}, guild_id=GUILD_ID, channel=channel
        )
    )
    message = await core.next()
    assert message == IncomingMessage(
        identity=Identity("discord", user["id"]),
        address=Address("discord", channel["id"]),
        text="/remind stretch in 2s",
        is_private=False,
    )
    call = await discord_fake.wait_for("POST", callback_pattern())
    assert call.json["type"] == CHANNEL_MESSAGE
    assert call.json["data"]["flags"] & EPHEMERAL
    assert call.json["data"]["content"] == r"Saved \*stretch\* \<@everyone>"
    assert call.json["data"]["allowed_mentions"] == {"parse": []}


async def test_reply_marked_public_is_visible_in_the_server(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    core.responder = lambda message: _reply("Exfoliate at most twice a week.", private=False)
    await discord_fake.interact(discord_fake.slash_command("timezone", discord_fake.user(), guild_id=GUILD_ID))
    call = await discord_fake.wait_for("POST", callback_pattern())
    assert not call.json["data"].get("flags", 0) & EPHEMERAL


async def test_slash_command_in_a_dm_uses_the_user_as_address_and_is_not_ephemeral(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    user = discord_fake.user()
    await discord_fake.interact(discord_fake.slash_command("timezone", user, {"zone": "Europe/Berlin"}))
    message = await core.next()
    assert message.address == Address("discord", user["id"])
    assert message.is_private and message.text == "/timezone Europe/Berlin"
    call = await discord_fake.wait_for("POST", callback_pattern())
    assert call.json["data"]["content"] == "got /timezone Europe/Berlin"
    assert not call.json["data"].get("flags", 0) & EPHEMERAL


async def test_optional_option_left_out(discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core) -> None:
    await discord_fake.interact(discord_fake.slash_command("timezone", discord_fake.user(), guild_id=GUILD_ID))
    assert (await core.next()).text == "/timezone"


async def test_autocomplete_asks_the_hook(discord_fake: FakeDiscord, core: Core) -> None:
    asked: list[tuple[Identity, str, str, str]] = []

    async def suggest(identity: Identity, command: str, option: str, current: str) -> list[tuple[str, str]]:
        asked.append((identity, command, option, current))
        return [("Europe/Berlin (UTC+1)", "Europe/Berlin"), ("Europe/Bern", "Europe/Bern")]

    adapter = make_adapter(discord_fake, core, autocomplete=suggest)
    await adapter.start()
    try:
        sync = await discord_fake.wait_for("PUT", rf"/applications/\d+/guilds/{GUILD_ID}/commands")
        options = {c["name"]: c.get("options", []) for c in sync.json}
        assert options["timezone"][0]["autocomplete"] is True
        assert "autocomplete" not in options["remind"][0]
        user = discord_fake.user()
        await discord_fake.interact(
            discord_fake.slash_command("timezone", user, {"zone": "Eur"}, guild_id=GUILD_ID, focused="zone")
        )
        call = await discord_fake.wait_for("POST", callback_pattern())
        assert call.json == {
            "type": AUTOCOMPLETE_RESULT,
            "data": {
                "choices": [
                    {"name": "Europe/Berlin (UTC+1)", "value": "Europe/Berlin"},
                    {"name": "Europe/Bern", "value": "Europe/Bern"},
                ]
            },
        }
        assert asked == [(Identity("discord", user["id"]), "timezone", "zone", "Eur")]
        assert core.received.empty()  # typing is not a command
    finally:
        await adapter.stop()


async def test_long_reply_is_split_with_buttons_on_the_last_part(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    text = "\n".join(f"{i}) reminder number {i}" + " ." * 40 for i in range(100))
    core.responder = lambda message: _reply(text, buttons=((Button("More", "cmd:/reminders"),),))
    await discord_fake.interact(discord_fake.slash_command("timezone", discord_fake.user(), guild_id=GUILD_ID))
    first = await discord_fake.wait_for("POST", callback_pattern())
    followups: list[Call] = []
    since = 0
    while not followups or not followups[-1].json.get("components"):
        call = await discord_fake.wait_for("POST", r"/webhooks/\d+/[^/]+", since=since)
        since = discord_fake.calls.index(call) + 1
        followups.append(call)
    parts = [first.json["data"]["content"]] + [call.json["content"] for call in followups]
    assert all(len(part) <= 2000 for part in parts)
    assert "\n".join(parts).replace("\\", "") == text.replace("\\", "")
    assert not first.json["data"].get("components")
    assert all(call.json["flags"] & EPHEMERAL for call in followups)


async def test_slow_handler_is_deferred_then_followed_up(discord_fake: FakeDiscord, core: Core) -> None:
    release = asyncio.Event()

    async def slow(message: IncomingMessage) -> list[Reply]:
        await release.wait()
        return [Reply("finally")]

    core.responder = slow
    adapter = make_adapter(discord_fake, core, defer_after=0.01)
    await adapter.start()
    try:
        await discord_fake.interact(discord_fake.slash_command("timezone", discord_fake.user(), guild_id=GUILD_ID))
        deferral = await discord_fake.wait_for("POST", callback_pattern())
        assert deferral.json["type"] == DEFERRED_CHANNEL_MESSAGE
        assert deferral.json["data"]["flags"] & EPHEMERAL
        release.set()
        followup = await discord_fake.wait_for("POST", r"/webhooks/\d+/[^/]+")
        assert followup.json["content"] == "finally"
    finally:
        await adapter.stop()


async def test_reply_sent_to_the_dm_from_a_server_command(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    """Routed once, as App.handle routes it: through the hub to the adapter's send; the adapter is handed only
    the replies for the interaction (none here), so it acknowledges the command."""
    user = discord_fake.user()
    hub = Hub()
    hub.register(adapter)

    async def routed(message: IncomingMessage) -> list[Reply]:
        await hub.send(Address("discord", user["id"]), Reply("Your export"))
        return []

    core.responder = routed
    await discord_fake.interact(discord_fake.slash_command("timezone", user, guild_id=GUILD_ID))
    dm = discord_fake.dm_channel(user)
    sent = await discord_fake.wait_for("POST", rf"/channels/{dm['id']}/messages")
    assert sent.json["content"] == "Your export"
    note = await discord_fake.wait_for("POST", callback_pattern())
    assert note.json["data"]["content"] == ACKNOWLEDGED
    assert note.json["data"]["flags"] & EPHEMERAL


# ---------------------------------------------------------------- DMs


async def test_plain_dm_text_goes_to_the_core_and_the_reply_to_the_dm(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    user = discord_fake.user()
    await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, "  /done 2 "))
    message = await core.next()
    assert message == IncomingMessage(
        identity=Identity("discord", user["id"]), address=Address("discord", user["id"]), text="/done 2"
    )
    sent = await discord_fake.wait_for("POST", rf"/channels/{discord_fake.dm_channel(user)['id']}/messages")
    assert sent.json["content"] == "got /done 2"
    assert not discord_fake.find("POST", r"/users/@me/channels")  # the DM channel came with the message


async def test_messages_from_bots_are_ignored(discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core) -> None:
    bot = {**discord_fake.user("otherbot"), "bot": True}
    await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(bot, "hello"))
    human = discord_fake.user()
    await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(human, "hello"))
    assert (await core.next()).identity.user_id == human["id"]  # events are handled in order


# ---------------------------------------------------------------- send / edit (the scheduler's side)


async def test_reminder_goes_by_dm_with_buttons(discord_fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    user = discord_fake.user()
    ref = await adapter.send(Address("discord", user["id"]), REMINDER)
    opened = await discord_fake.wait_for("POST", r"/users/@me/channels")
    assert str(opened.json["recipient_id"]) == user["id"]
    dm = discord_fake.dm_channel(user)
    message = discord_fake.message_by_id(ref or "0")
    assert message["channel_id"] == dm["id"]
    assert message["content"] == r"Time to \*stretch\*"
    assert custom_ids(message) == [f"cb:{user['id']}:{DONE}", f"cb:{user['id']}:{SNOOZE}"]
    assert [item["label"] for item in message["components"][0]["components"]] == ["Done", "Snooze 15m"]
    await adapter.send(Address("discord", user["id"]), Reply("again"))
    assert len(discord_fake.find("POST", r"/users/@me/channels")) == 1  # the DM channel is cached


async def test_send_to_a_server_channel(discord_fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    channel_id = str(discord_fake.snowflake())  # not a user: opening a DM fails, so it is a channel
    ref = await adapter.send(Address("discord", channel_id), REMINDER)
    message = discord_fake.message_by_id(ref or "0")
    assert message["channel_id"] == channel_id
    assert custom_ids(message) == [f"cb::{DONE}", f"cb::{SNOOZE}"]  # no owner known


async def test_edit_replaces_text_and_removes_buttons(discord_fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    user = discord_fake.user()
    address = Address("discord", user["id"])
    ref = await adapter.send(address, REMINDER)
    assert ref is not None
    await adapter.edit(address, ref, Reply("Missed: stretch"))
    message = discord_fake.message_by_id(ref)
    assert message["content"] == "Missed: stretch"
    assert message["components"] == []


async def test_attachment_is_uploaded(discord_fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    user = discord_fake.user()
    export = Attachment("clearback-export.json", b'{"reminders": []}', "application/json")
    ref = await adapter.send(Address("discord", user["id"]), Reply("Your data", attachment=export))
    call = discord_fake.find("POST", r"/channels/\d+/messages")[-1]
    assert call.files == [("clearback-export.json", b'{"reminders": []}')]
    assert discord_fake.message_by_id(ref or "0")["attachments"][0]["filename"] == "clearback-export.json"


async def test_rest_requests_are_paced_below_the_global_limit(discord_fake: FakeDiscord, core: Core) -> None:
    waits: list[float] = []

    async def record(delay: float) -> None:  # instead of sleeping: note how long the pacer asked for
        waits.append(delay)

    pacer = Pacer(45.0, monotonic=lambda: 1000.0, sleep=record)
    adapter = make_adapter(discord_fake, core, request_pacer=pacer)
    await adapter.start()
    try:
        for _ in range(2):  # each: open the DM, then send
            await adapter.send(Address("discord", discord_fake.user()["id"]), Reply("hi"))
    finally:
        await adapter.stop()
    assert waits == pytest.approx([1 / 45, 2 / 45, 3 / 45])  # four requests, one slot of 1/45 s each


# ---------------------------------------------------------------- buttons


async def test_button_press_reaches_the_core_and_edits_the_message(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    user = discord_fake.user()
    ref = await adapter.send(Address("discord", user["id"]), REMINDER)
    message = discord_fake.message_by_id(ref or "0")
    core.responder = lambda incoming: _reply("Done: stretch ✓", edit=True)
    await discord_fake.interact(discord_fake.button_press(message, custom_ids(message)[0], user))
    incoming = await core.next()
    assert incoming == IncomingMessage(
        identity=Identity("discord", user["id"]),
        address=Address("discord", user["id"]),
        button=DONE,
        is_private=True,
        message_ref=ref,
    )
    call = await discord_fake.wait_for("POST", callback_pattern())
    assert call.json["type"] == UPDATE_MESSAGE
    assert call.json["data"]["components"] == []
    assert message["content"] == "Done: stretch ✓"
    assert message["components"] == []


async def test_slow_button_handler_defers_then_edits_the_original(discord_fake: FakeDiscord, core: Core) -> None:
    release = asyncio.Event()

    async def slow(incoming: IncomingMessage) -> list[Reply]:
        await release.wait()
        return [Reply("Skipped this time.", edit=True)]

    core.responder = slow
    adapter = make_adapter(discord_fake, core, defer_after=0.01)
    await adapter.start()
    try:
        user = discord_fake.user()
        ref = await adapter.send(Address("discord", user["id"]), REMINDER)
        message = discord_fake.message_by_id(ref or "0")
        await discord_fake.interact(discord_fake.button_press(message, custom_ids(message)[0], user))
        deferral = await discord_fake.wait_for("POST", callback_pattern())
        assert deferral.json["type"] == DEFERRED_UPDATE_MESSAGE
        release.set()
        await discord_fake.wait_for("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")
        assert message["content"] == "Skipped this time."
        assert message["components"] == []
    finally:
        await adapter.stop()


async def test_button_works_after_a_restart(discord_fake: FakeDiscord, core: Core) -> None:
    user = discord_fake.user()
    old = make_adapter(discord_fake, core)
    await old.start()
    ref = await old.send(Address("discord", user["id"]), REMINDER)
    await old.stop()

    new = make_adapter(discord_fake, core)  # a brand-new client: nothing of the old one survives
    await new.start()
    try:
        assert new.client is not None and new.client is not old.client
        message = discord_fake.message_by_id(ref or "0")
        core.responder = lambda incoming: _reply("Snoozed for 15 minutes.", edit=True)
        await discord_fake.interact(discord_fake.button_press(message, custom_ids(message)[1], user))
        assert (await core.next()).button == SNOOZE
        call = await discord_fake.wait_for("POST", callback_pattern())
        assert call.json["type"] == UPDATE_MESSAGE
        assert message["content"] == "Snoozed for 15 minutes."
    finally:
        await new.stop()


async def test_somebody_else_pressing_is_refused_politely(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    owner, other = discord_fake.user("owner"), discord_fake.user("other")
    channel = discord_fake.guild_channel(GUILD_ID)
    core.responder = lambda incoming: _reply("Your reminders", buttons=((Button("Done", DONE),),), private=False)
    await discord_fake.interact(discord_fake.slash_command("timezone", owner, guild_id=GUILD_ID, channel=channel))
    await core.next()
    await discord_fake.wait_for("POST", callback_pattern())
    message = next(m for m in discord_fake.messages.values() if m["channel_id"] == channel["id"])
    assert custom_ids(message) == [f"cb:{owner['id']}:{DONE}"]

    since = discord_fake.mark()
    await discord_fake.interact(discord_fake.button_press(message, custom_ids(message)[0], other, guild_id=GUILD_ID))
    refusal = await discord_fake.wait_for("POST", callback_pattern(), since=since)
    assert refusal.json["type"] == CHANNEL_MESSAGE
    assert refusal.json["data"]["content"] == FOREIGN_BUTTONS
    assert refusal.json["data"]["flags"] & EPHEMERAL
    assert core.received.empty()
    assert message["components"]  # untouched

    since = discord_fake.mark()
    core.responder = lambda incoming: _reply("Done ✓", edit=True)
    await discord_fake.interact(discord_fake.button_press(message, custom_ids(message)[0], owner, guild_id=GUILD_ID))
    assert (await core.next()).identity.user_id == owner["id"]
    await discord_fake.wait_for("POST", callback_pattern(), since=since)
    assert message["content"] == "Done ✓"


# ---------------------------------------------------------------- failures at the edge


async def test_handler_error_is_logged_without_text_and_answered_with_apology(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "my back is itchy and red"

    async def broken(message: IncomingMessage) -> list[Reply]:
        raise RuntimeError("boom")

    core.responder = broken
    caplog.set_level(logging.DEBUG, logger="adapters")
    await discord_fake.interact(
        discord_fake.slash_command("remind", discord_fake.user(), {"what": secret, "when": "in 2s"}, guild_id=GUILD_ID)
    )
    apology = await discord_fake.wait_for("POST", callback_pattern())
    assert apology.json["data"]["content"] == APOLOGY
    assert apology.json["data"]["flags"] & EPHEMERAL
    failures = [r for r in caplog.records if r.name == "adapters.discord_adapter" and r.levelno >= logging.ERROR]
    assert failures and "/remind" in failures[0].getMessage() and "RuntimeError" in failures[0].getMessage()
    assert "a server channel" in failures[0].getMessage()
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert discord_fake.token not in record.getMessage()

    core.responder = core.echo  # the next interaction works as usual
    since = discord_fake.mark()
    await discord_fake.interact(discord_fake.slash_command("timezone", discord_fake.user(), guild_id=GUILD_ID))
    call = await discord_fake.wait_for("POST", callback_pattern(), since=since)
    assert call.json["data"]["content"] == "got /timezone"


async def test_handler_error_on_a_dm_message_is_answered_with_apology(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    async def broken(message: IncomingMessage) -> list[Reply]:
        raise ValueError("nope")

    core.responder = broken
    user = discord_fake.user()
    await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, "how often should I exfoliate?"))
    sent = await discord_fake.wait_for("POST", rf"/channels/{discord_fake.dm_channel(user)['id']}/messages")
    assert sent.json["content"] == APOLOGY


async def test_an_error_that_quotes_the_persons_words_never_puts_them_in_the_log(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    # An exception's message (and its cause's) may quote what was written: only its type and frames are logged.
    secret = "my scar is bleeding"

    async def quoting(message: IncomingMessage) -> list[Reply]:
        try:
            raise KeyError(message.text)
        except KeyError as inner:
            raise ValueError(f"could not handle {message.text!r}") from inner

    core.responder = quoting
    caplog.set_level(logging.DEBUG)
    user = discord_fake.user()
    await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, secret))
    sent = await discord_fake.wait_for("POST", rf"/channels/{discord_fake.dm_channel(user)['id']}/messages")
    assert sent.json["content"] == APOLOGY
    await discord_fake.interact(
        discord_fake.slash_command("remind", discord_fake.user(), {"what": secret, "when": "in 2s"}, guild_id=GUILD_ID)
    )
    await discord_fake.wait_for("POST", callback_pattern())
    failures = [r for r in caplog.records if r.name == "adapters.discord_adapter" and r.levelno >= logging.ERROR]
    assert len(failures) == 2 and all("ValueError" in r.getMessage() for r in failures)
    assert all("quoting" in r.getMessage() for r in failures)  # the frames are there: where it failed
    assert secret not in caplog.text


async def test_button_handler_error_gets_an_apology(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, core: Core
) -> None:
    user = discord_fake.user()
    ref = await adapter.send(Address("discord", user["id"]), REMINDER)
    message = discord_fake.message_by_id(ref or "0")

    async def broken(incoming: IncomingMessage) -> list[Reply]:
        raise KeyError("x")

    core.responder = broken
    await discord_fake.interact(discord_fake.button_press(message, custom_ids(message)[0], user))
    call = await discord_fake.wait_for("POST", callback_pattern())
    assert call.json["data"]["content"] == APOLOGY
    assert message["components"]  # still pressable


async def _reply(text: str, **fields: Any) -> list[Reply]:
    return [Reply(text, **fields)]


def test_interaction_type_constants_match_discord() -> None:
    assert discord.InteractionType.application_command.value == APPLICATION_COMMAND
    assert discord.InteractionResponseType.channel_message.value == CHANNEL_MESSAGE
    assert discord.InteractionResponseType.message_update.value == UPDATE_MESSAGE
