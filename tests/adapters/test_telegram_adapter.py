"""End-to-end tests: the real python-telegram-bot stack, over real HTTP, against tests/adapters/fake_telegram.

The handler here is a tiny demo of our own (not the core): it proves the adapter's mechanics. The fixtures built
from it (telegram_fake, telegram_demo, telegram_adapter) are in tests/adapters/conftest.py.
Every wait is event-driven (FakeTelegram.wait_for wakes on each request) with a deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import pytest

from adapters.base import APOLOGY
from adapters.pacing import TELEGRAM_LIMITS, FloodLimits
from adapters.telegram_adapter import OPEN_PRIVATE_CHAT, PRIVATE_NOTE, KeyedLocks, TelegramAdapter
from bot.delivery import DeliveryError, DeliveryUncertain, RecipientUnreachable, RetryLater, TransientDeliveryError
from bot.hub import Hub
from bot.models import Address, Attachment, Button, IncomingMessage, Reply
from tests.adapters.fake_telegram import BOT_USERNAME, TOKEN, FakeTelegram, StoredMessage

USER = 4242
OTHER = 5353
GROUP = -1001234567890
COMMANDS = (("start", "Start here"), ("remind", "Set a reminder"), ("help", "What I can do"))
WELCOME = "Welcome to ClearBack <3 & *you*"
SECRET_TEXT = "my very private skin diary"


def at_least(messages: list[StoredMessage], count: int) -> list[StoredMessage] | None:
    return messages if len(messages) >= count else None


def chat(chat_id: int) -> Address:
    return Address("telegram", str(chat_id))


class DemoBot:
    """A minimal stand-in for the core, recording what it was given."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.seen: list[IncomingMessage] = []
        self.answered_at_press: list[int] = []

    async def __call__(self, msg: IncomingMessage) -> list[Reply]:
        self.seen.append(msg)
        self.fake.poke()
        if msg.button is not None:
            self.answered_at_press.append(len(self.fake.answered_callbacks))
            action = msg.button.split(":", 1)[1]
            return [Reply(f"Marked as {action}.", edit=True)]
        command = msg.text.split(maxsplit=1)[0] if msg.text else ""
        if command == "/start":
            buttons = ((Button("Done", "demo:done"), Button("Snooze", "demo:snooze")), (Button("Skip", "demo:skip"),))
            return [Reply(WELCOME, buttons=buttons)]
        if command == "/stats":
            return [Reply("Your stats: 3 sessions this week", private=True)]
        if command == "/public":
            return [Reply("Tip for everyone: moisturise", private=False)]
        if command == "/boom":
            raise ValueError(f"failed while reading {SECRET_TEXT}")
        return [Reply(f"echo: {msg.text}", private=False)]

    def texts_seen(self) -> list[str]:
        return [msg.text for msg in self.seen if msg.button is None]


# Pacing as in production would make every exchange in one chat take a second; the tests that are
# about pacing use the real limits (REAL_LIMITS), the others a quick version of the same limiter.
QUICK_LIMITS = replace(TELEGRAM_LIMITS, overall_per_second=30, private_interval=0.05, group_interval=0.05)
REAL_LIMITS = TELEGRAM_LIMITS


def make_adapter(
    fake: FakeTelegram, handler: Any, *, limits: FloodLimits = QUICK_LIMITS, **kwargs: Any
) -> TelegramAdapter:
    adapter = TelegramAdapter(
        handler, TOKEN, base_url=fake.base_url, commands=COMMANDS, poll_timeout=1, limits=limits, **kwargs
    )
    adapter.transient_retry_delays = (0.05, 0.1)
    return adapter


# ---- conversation --------------------------------------------------------------------------------


async def test_start_registers_menu_and_answers_with_buttons(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot, telegram_adapter: TelegramAdapter
) -> None:
    assert telegram_fake.commands == [{"command": name, "description": text} for name, text in COMMANDS]
    assert telegram_adapter.bot_username == BOT_USERNAME

    telegram_fake.inject_message(USER, "/start")
    (welcome,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))

    assert welcome.text == WELCOME
    assert welcome.html == "Welcome to ClearBack &lt;3 &amp; *you*"
    assert welcome.buttons == [[("Done", "demo:done"), ("Snooze", "demo:snooze")], [("Skip", "demo:skip")]]
    (msg,) = telegram_demo.seen
    assert msg.identity.key == f"telegram:{USER}"
    assert msg.address == chat(USER)
    assert msg.text == "/start" and msg.is_private and msg.button is None


async def test_button_press_answers_callback_first_then_edits_and_removes_keyboard(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.inject_message(USER, "/start")
    (welcome,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))

    query_id = telegram_fake.press_button(USER, USER, welcome.message_id, "demo:snooze")
    await telegram_fake.wait_for(lambda: welcome.edits)

    assert telegram_fake.answered_callbacks == [query_id]
    assert telegram_demo.answered_at_press == [1]  # the spinner stopped before the handler ran
    press = telegram_demo.seen[-1]
    assert press.button == "demo:snooze" and press.message_ref == str(welcome.message_id)
    assert welcome.text == "Marked as snooze."
    assert welcome.buttons == []
    assert len(telegram_fake.bot_messages(USER)) == 1  # edited in place, nothing new sent


async def test_button_on_vanished_message_sends_a_new_message(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.inject_message(USER, "/start")
    (welcome,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
    telegram_fake.press_button(USER, USER, welcome.message_id, "demo:done")
    del telegram_fake.messages[(USER, welcome.message_id)]  # deleted before the edit arrives

    (replacement,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
    assert replacement.text == "Marked as done." and replacement.message_id != welcome.message_id


async def test_group_command_posts_note_and_replies_privately(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.group(GROUP)
    telegram_fake.open_private_chat(USER)
    telegram_fake.inject_message(USER, "hello everyone", chat_id=GROUP)
    telegram_fake.inject_message(USER, "/stats", chat_id=GROUP)
    telegram_fake.inject_message(USER, "/stats@SomeOtherBot", chat_id=GROUP)
    command_id = telegram_fake.inject_message(USER, f"/stats@{BOT_USERNAME} please", chat_id=GROUP)

    (note,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(GROUP))
    (private,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))

    assert note.text == PRIVATE_NOTE
    assert private.text == "Your stats: 3 sessions this week"
    assert telegram_demo.texts_seen() == ["/stats please"]
    (msg,) = telegram_demo.seen
    assert not msg.is_private and msg.address == chat(GROUP) and msg.identity.user_id == str(USER)
    (note_call,) = telegram_fake.calls_to("sendMessage", GROUP)
    group_message_id = telegram_fake.messages[(GROUP, note.message_id)]
    assert group_message_id is note
    assert note_call.params["reply_parameters"]["message_id"] < note.message_id
    assert command_id > 0


async def test_group_private_reply_to_user_without_private_chat_asks_to_open_one(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.group(GROUP)
    telegram_fake.private_chat(OTHER)  # known user, but never pressed Start: Telegram answers 403
    telegram_fake.inject_message(OTHER, f"/stats@{BOT_USERNAME}", chat_id=GROUP)

    (note,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(GROUP))
    assert note.text == OPEN_PRIVATE_CHAT.format(username=BOT_USERNAME)
    assert note.text == f"Please open a private chat with me first: https://t.me/{BOT_USERNAME}"
    assert telegram_fake.bot_messages(OTHER) == []
    assert [call.status for call in telegram_fake.calls_to("sendMessage", OTHER, ok_only=False)] == [403]


async def test_group_public_reply_and_reply_to_bot(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.group(GROUP)
    telegram_fake.inject_message(USER, f"/public@{BOT_USERNAME}", chat_id=GROUP)
    (tip,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(GROUP))
    assert tip.text == "Tip for everyone: moisturise"

    telegram_fake.inject_message(USER, "thanks!", chat_id=GROUP, reply_to_message_id=tip.message_id)
    messages = await telegram_fake.wait_for(lambda: at_least(telegram_fake.bot_messages(GROUP), 2))
    assert messages[1].text == "echo: thanks!"
    assert [m.is_private for m in telegram_demo.seen] == [False, False]


# ---- sending for the scheduler ---------------------------------------------------------------------


async def test_send_returns_message_ref_usable_for_edit(
    telegram_fake: FakeTelegram, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.open_private_chat(USER)
    reminder = Reply("Time for: stretch", buttons=((Button("Done", "r:done:1"),),))
    ref = await telegram_adapter.send(chat(USER), reminder)
    assert ref is not None
    stored = telegram_fake.messages[(USER, int(ref))]
    assert stored.buttons == [[("Done", "r:done:1")]]

    await telegram_adapter.edit(chat(USER), ref, Reply("Time for: stretch (missed)"))
    assert stored.text == "Time for: stretch (missed)" and stored.buttons == []
    await telegram_adapter.edit(chat(USER), ref, Reply("Time for: stretch (missed)"))  # "not modified": ignored
    assert stored.edits == 1

    hub = Hub()  # a reply with edit_ref is routed as an edit once, by the hub (App.handle sends through it)
    hub.register(telegram_adapter)
    assert await hub.send(chat(USER), Reply("Time for: stretch (done)", edit_ref=ref)) == ref
    assert stored.text == "Time for: stretch (done)"

    with pytest.raises(DeliveryError) as missing:
        await telegram_adapter.edit(chat(USER), "999999", Reply("nope"))
    assert not isinstance(missing.value, TransientDeliveryError | RecipientUnreachable)


async def test_send_to_blocked_or_unknown_chat_raises_recipient_unreachable(
    telegram_fake: FakeTelegram, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.open_private_chat(USER)
    telegram_fake.blocked.add(USER)
    with pytest.raises(RecipientUnreachable, match="blocked"):
        await telegram_adapter.send(chat(USER), Reply("Time for: stretch"))
    with pytest.raises(RecipientUnreachable, match=r"(?i)chat not found"):
        await telegram_adapter.send(chat(777), Reply("hello?"))
    telegram_fake.private_chat(OTHER)
    with pytest.raises(RecipientUnreachable):
        await telegram_adapter.send(chat(OTHER), Reply("hello?"))
    assert [call.status for call in telegram_fake.calls_to("sendMessage", ok_only=False)] == [403, 400, 403]


async def test_send_flood_control_is_waited_out_and_delivered_once(
    telegram_fake: FakeTelegram, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.open_private_chat(USER)
    telegram_fake.flood(times=1, retry_after=1)
    started = time.monotonic()
    ref = await telegram_adapter.send(chat(USER), Reply("Time for: stretch"))
    assert time.monotonic() - started >= 1.0
    assert [m.text for m in telegram_fake.bot_messages(USER)] == ["Time for: stretch"]
    assert ref == str(telegram_fake.bot_messages(USER)[0].message_id)
    assert [call.status for call in telegram_fake.calls_to("sendMessage", ok_only=False)] == [429, 200]


async def test_send_long_flood_wait_is_handed_to_the_scheduler(
    telegram_fake: FakeTelegram, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.open_private_chat(USER)
    telegram_fake.flood(times=1, retry_after=30)
    started = time.monotonic()
    with pytest.raises(RetryLater) as raised:
        await telegram_adapter.send(chat(USER), Reply("Time for: stretch"))
    assert raised.value.retry_after == 30
    assert time.monotonic() - started < 1.0
    assert telegram_fake.bot_messages(USER) == []


async def test_interactive_reply_waits_out_flood_control(
    telegram_fake: FakeTelegram, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.flood(times=1, retry_after=1)
    telegram_fake.inject_message(USER, "/start")
    await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
    await asyncio.sleep(0)  # nothing else may follow
    assert [m.text for m in telegram_fake.bot_messages(USER)] == [WELCOME]
    assert [call.status for call in telegram_fake.calls_to("sendMessage", USER, ok_only=False)] == [429, 200]


async def test_persistent_connect_failures_raise_transient_delivery_error(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot
) -> None:
    backoffs: list[float] = []

    async def still_down(delay: float) -> None:
        backoffs.append(delay)

    tg = make_adapter(telegram_fake, telegram_demo, sleep=still_down)
    await tg.start()
    try:
        telegram_fake.open_private_chat(USER)
        await telegram_fake.refuse_connections()
        with pytest.raises(TransientDeliveryError, match="ConnectError"):
            await tg.send(chat(USER), Reply("Time for: stretch"))
        assert backoffs == list(tg.transient_retry_delays)  # the adapter's own attempts, then the scheduler's turn
        assert telegram_fake.calls_to("sendMessage", ok_only=False) == []  # nothing reached the server

        # the adapter is still alive: the next update is served once the outage is over
        await telegram_fake.accept_connections()
        telegram_fake.inject_message(USER, "/start")
        await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
    finally:
        await tg.stop()


async def test_reminder_whose_request_timed_out_is_uncertain_and_never_sent_twice(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot
) -> None:
    tg = make_adapter(telegram_fake, telegram_demo, request_timeout=0.5)
    await tg.start()
    try:
        telegram_fake.open_private_chat(USER)
        telegram_fake.stall(1.5)
        with pytest.raises(DeliveryUncertain):
            await tg.send(chat(USER), Reply("Time for: stretch"))
        assert [m.text for m in telegram_fake.bot_messages(USER)] == ["Time for: stretch"]
        assert len(telegram_fake.calls_to("sendMessage", ok_only=False)) == 1  # no retry: it had arrived
    finally:
        await tg.stop()


async def test_polling_survives_server_errors_and_dropped_connections(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.fail(1, status=500, methods={"getUpdates"})
    telegram_fake.drop(1, methods={"getUpdates"})
    telegram_fake.inject_message(USER, "/start")
    await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
    assert telegram_demo.texts_seen() == ["/start"]
    assert [call.status for call in telegram_fake.calls if call.method == "getUpdates"][:2] == [500, 0]


async def test_one_persons_updates_are_handled_in_order_others_run_alongside(telegram_fake: FakeTelegram) -> None:
    events: list[str] = []
    slow_started = asyncio.Event()
    release = asyncio.Event()

    async def handler(msg: IncomingMessage) -> list[Reply]:
        events.append(f"{msg.identity.user_id}:{msg.text}")
        telegram_fake.poke()
        if msg.text == "slow":
            slow_started.set()
            await release.wait()
        return []

    tg = make_adapter(telegram_fake, handler)
    await tg.start()
    try:
        telegram_fake.inject_message(USER, "slow")
        await asyncio.wait_for(slow_started.wait(), 5)
        for text in ("a", "b", "c"):
            telegram_fake.inject_message(USER, text)
        telegram_fake.inject_message(OTHER, "meanwhile")
        await telegram_fake.wait_for(lambda: f"{OTHER}:meanwhile" in events)
        assert events == [f"{USER}:slow", f"{OTHER}:meanwhile"]  # USER's next ones wait their turn
        release.set()
        await telegram_fake.wait_for(lambda: len(events) == 5)
        assert events[2:] == [f"{USER}:a", f"{USER}:b", f"{USER}:c"]
    finally:
        release.set()
        await tg.stop()


async def test_send_when_not_running_is_transient(telegram_fake: FakeTelegram, telegram_demo: DemoBot) -> None:
    tg = make_adapter(telegram_fake, telegram_demo)
    with pytest.raises(TransientDeliveryError):
        await tg.send(chat(USER), Reply("x"))
    await tg.stop()  # stop before start: nothing to do


async def test_attachments(telegram_fake: FakeTelegram, telegram_adapter: TelegramAdapter) -> None:
    telegram_fake.open_private_chat(USER)
    chart = Attachment("progress.png", b"\x89PNG\r\n\x1a\nfake", "image/png")
    ref = await telegram_adapter.send(
        chat(USER), Reply("Week 3 <progress>", attachment=chart, buttons=((Button("OK", "ok"),),))
    )
    photo = telegram_fake.messages[(USER, int(ref or 0))]
    assert photo.kind == "photo" and photo.text == "Week 3 <progress>"
    assert photo.file is not None and photo.file.data == chart.data and photo.file.filename == "progress.png"
    assert photo.buttons == [[("OK", "ok")]]

    export = Attachment("regimen.csv", b"date,step\n2024-11-25,retinoid\n", "text/csv")
    long_text = "Your export:\n" + "row\n" * 400
    ref = await telegram_adapter.send(chat(USER), Reply(long_text, attachment=export))
    *_, text_message, document = telegram_fake.bot_messages(USER)
    assert document.message_id == int(ref or 0)
    assert document.kind == "document" and document.text == ""
    assert document.file is not None and document.file.data == export.data
    assert text_message.text == long_text


async def test_long_reply_is_split_and_keyboard_goes_last(
    telegram_fake: FakeTelegram, telegram_adapter: TelegramAdapter
) -> None:
    telegram_fake.open_private_chat(USER)
    text = "\n".join(f"{n:04d} " + "-" * 95 for n in range(60))  # 6000 characters
    ref = await telegram_adapter.send(chat(USER), Reply(text, buttons=((Button("More", "more"),),)))
    first, second = telegram_fake.bot_messages(USER)
    assert (first.buttons, second.buttons) == ([], [[("More", "more")]])
    assert ref == str(second.message_id)
    assert f"{first.text}\n{second.text}" == text


# ---- robustness ------------------------------------------------------------------------------------


async def test_handler_exception_sends_apology_logs_no_text_and_keeps_serving(
    telegram_fake: FakeTelegram,
    telegram_demo: DemoBot,
    telegram_adapter: TelegramAdapter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    boom_id = telegram_fake.inject_message(USER, f"/boom {SECRET_TEXT}")
    (apology,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
    assert apology.text == APOLOGY

    telegram_fake.inject_message(USER, "/start")
    await telegram_fake.wait_for(lambda: len(telegram_fake.bot_messages(USER)) == 2)
    assert telegram_fake.bot_messages(USER)[1].text == WELCOME

    failures = [r for r in caplog.records if r.name == "adapters.telegram_adapter" and r.levelno >= logging.ERROR]
    assert len(failures) == 1
    logged = failures[0].getMessage()
    assert f"update_id={boom_id}" in logged and "chat_type=private" in logged and "ValueError" in logged
    assert "test_telegram_adapter.py" in logged  # where it failed
    assert SECRET_TEXT not in caplog.text and TOKEN not in caplog.text


async def test_token_and_text_never_logged(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tg = make_adapter(telegram_fake, telegram_demo)
    await tg.start()
    try:
        telegram_fake.inject_message(USER, f"/echo {SECRET_TEXT}")
        await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
        assert caplog.records  # something was logged at all
        assert TOKEN not in caplog.text and SECRET_TEXT not in caplog.text

        # even with httpx and httpcore explicitly at DEBUG, their request lines carry no token
        caplog.clear()
        caplog.set_level(logging.DEBUG, logger="httpx")
        caplog.set_level(logging.DEBUG, logger="httpcore")
        telegram_fake.open_private_chat(OTHER)
        await tg.send(chat(OTHER), Reply("hi"))
        assert "HTTP Request" in caplog.text and "<token>" in caplog.text
        assert any(record.name.startswith("httpcore.") for record in caplog.records)  # DEBUG was on
        assert not any(form in caplog.text for form in token_forms())

        # a logger created after the adapter (a late import, another library) is redacted too
        caplog.clear()
        late = logging.getLogger("somelib.created.late")
        late.warning("calling https://api.telegram.org/bot%s/getMe", quote(TOKEN, safe=""))
        late.warning("secret part %s", TOKEN.partition(":")[2])
        assert caplog.text.count("<token>") == 2
        assert not any(form in caplog.text for form in token_forms())
    finally:
        await tg.stop()


def token_forms() -> list[str]:
    return [TOKEN, quote(TOKEN, safe=""), TOKEN.partition(":")[2]]


async def test_restart_loses_nothing(telegram_fake: FakeTelegram, telegram_demo: DemoBot) -> None:
    tg = make_adapter(telegram_fake, telegram_demo)
    await tg.start()
    telegram_fake.inject_message(USER, "first")
    await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
    await tg.stop()
    await tg.stop()  # idempotent
    assert telegram_fake.pending_updates == []  # what was handled is confirmed to the server

    telegram_fake.inject_message(USER, "while down 1")
    telegram_fake.inject_message(OTHER, "while down 2")
    await tg.start()
    await tg.start()  # idempotent
    try:
        await telegram_fake.wait_for(
            lambda: telegram_fake.bot_messages(OTHER) and len(telegram_fake.bot_messages(USER)) == 2
        )
        assert telegram_fake.texts(USER) == ["echo: first", "echo: while down 1"]
        assert telegram_fake.texts(OTHER) == ["echo: while down 2"]
        assert sorted(telegram_demo.texts_seen()) == ["first", "while down 1", "while down 2"]
    finally:
        await tg.stop()


async def test_flood_limits_are_respected(telegram_fake: FakeTelegram, telegram_demo: DemoBot) -> None:
    adapter = make_adapter(telegram_fake, telegram_demo, limits=REAL_LIMITS)
    await adapter.start()
    try:
        telegram_fake.enforce_limits = True
        users = range(100, 140)
        for user in [USER, *users]:
            telegram_fake.open_private_chat(user)
        long_text = "\n".join(["x" * 99] * 100)  # three messages to one chat

        started = time.monotonic()
        refs = await asyncio.gather(
            adapter.send(chat(USER), Reply(long_text)),
            *(adapter.send(chat(user), Reply(f"reminder {user}")) for user in users),
        )
        elapsed = time.monotonic() - started

        assert telegram_fake.violations == []
        assert all(refs)
        assert len(telegram_fake.bot_messages(USER)) == 3
        assert all(telegram_fake.texts(user) == [f"reminder {user}"] for user in users)
        assert elapsed >= 2.0  # 3 messages to one chat need at least 2 s
        sends = sorted(call.at for call in telegram_fake.calls_to("sendMessage"))
        assert sends[-1] - sends[0] >= 40 / REAL_LIMITS.overall_per_second - 0.1  # 42 messages, paced

        # interactive replies are paced too: /start and the edit after a press are a second apart
        telegram_fake.inject_message(USER, "/start")
        welcome = (await telegram_fake.wait_for(lambda: at_least(telegram_fake.bot_messages(USER), 4)))[-1]
        telegram_fake.press_button(USER, USER, welcome.message_id, "demo:done")
        await telegram_fake.wait_for(lambda: welcome.edits)
        assert telegram_fake.violations == []
    finally:
        await adapter.stop()


async def test_command_menu_failure_does_not_stop_the_bot(telegram_fake: FakeTelegram, telegram_demo: DemoBot) -> None:
    telegram_fake.fail(1, methods={"setMyCommands"})
    tg = make_adapter(telegram_fake, telegram_demo)
    await tg.start()
    try:
        telegram_fake.inject_message(USER, "/start")
        await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
    finally:
        await tg.stop()


# ---- building blocks -------------------------------------------------------------------------------


async def test_keyed_locks_serialise_per_key_and_clean_up() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def work(key: str, label: str, pause: float) -> None:
        async with locks.hold(key):
            order.append(f"{label}+")
            await asyncio.sleep(pause)
            order.append(f"{label}-")

    await asyncio.gather(work("a", "a1", 0.02), work("a", "a2", 0), work("b", "b1", 0))
    assert order.index("a1-") < order.index("a2+")
    assert order.index("b1+") < order.index("a1-")  # other keys are not blocked
    assert len(locks) == 0
