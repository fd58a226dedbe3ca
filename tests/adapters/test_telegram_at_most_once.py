"""At most once on Telegram: a message that may have arrived is never sent again.

The real python-telegram-bot client against tests/adapters/fake_telegram. The fake can carry a sendMessage
out and only then answer 502 or drop the connection (as a proxy failing after Telegram accepted the
message): the adapter cannot tell that from a failure before, so it must not send again. Only a request
that provably never left (the connection was refused) is retried in place.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.base import APOLOGY
from adapters.settings import PlatformSettings
from adapters.telegram_adapter import TelegramAdapter
from bot.app import App
from bot.delivery import DeliveryUncertain
from bot.models import Button, IncomingMessage, Reply
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from tests.adapters.fake_telegram import TOKEN, FakeTelegram, running_fake
from tests.adapters.test_telegram_adapter import USER, WELCOME, DemoBot, chat, make_adapter
from tests.adapters.wired import wired

# (kind, status, after_storing): what the fake does to the next sendMessage.
MAY_HAVE_ARRIVED = [
    pytest.param("fail", 502, True, id="502-after-storing"),
    pytest.param("drop", 0, True, id="dropped-after-storing"),
    pytest.param("fail", 500, True, id="500-after-storing"),
]
LOOKS_THE_SAME = [  # nothing was stored, but the client cannot know that
    pytest.param("fail", 502, False, id="502-before-storing"),
    pytest.param("drop", 0, False, id="dropped-before-storing"),
]


def arm(fake: FakeTelegram, kind: str, status: int, after_storing: bool) -> None:
    if kind == "drop":
        fake.drop(1, methods={"sendMessage"}, after_storing=after_storing)
    else:
        fake.fail(1, status=status, methods={"sendMessage"}, after_storing=after_storing)


@pytest.mark.parametrize(("kind", "status", "after_storing"), MAY_HAVE_ARRIVED)
async def test_reminder_that_may_have_arrived_is_uncertain_and_appears_once(
    telegram_fake: FakeTelegram, telegram_adapter: TelegramAdapter, kind: str, status: int, after_storing: bool
) -> None:
    telegram_fake.open_private_chat(USER)
    arm(telegram_fake, kind, status, after_storing)
    with pytest.raises(DeliveryUncertain):
        await telegram_adapter.send(chat(USER), Reply("Time for: stretch", buttons=((Button("Done", "r:done:1"),),)))
    assert telegram_fake.texts(USER) == ["Time for: stretch"]
    assert len(telegram_fake.calls_to("sendMessage", ok_only=False)) == 1


@pytest.mark.parametrize(("kind", "status", "after_storing"), LOOKS_THE_SAME)
async def test_reminder_failing_after_it_left_is_uncertain_even_if_nothing_arrived(
    telegram_fake: FakeTelegram, telegram_adapter: TelegramAdapter, kind: str, status: int, after_storing: bool
) -> None:
    telegram_fake.open_private_chat(USER)
    arm(telegram_fake, kind, status, after_storing)
    with pytest.raises(DeliveryUncertain):
        await telegram_adapter.send(chat(USER), Reply("Time for: stretch"))
    assert telegram_fake.texts(USER) == []
    assert len(telegram_fake.calls_to("sendMessage", ok_only=False)) == 1  # no second attempt


@pytest.mark.parametrize(("kind", "status", "after_storing"), MAY_HAVE_ARRIVED)
async def test_interactive_reply_that_may_have_arrived_is_not_sent_again(
    telegram_fake: FakeTelegram,
    telegram_demo: DemoBot,
    telegram_adapter: TelegramAdapter,
    kind: str,
    status: int,
    after_storing: bool,
) -> None:
    arm(telegram_fake, kind, status, after_storing)
    telegram_fake.inject_message(USER, "/start")
    # One person's updates are handled in order: once the echo is there, /start's delivery is over.
    telegram_fake.inject_message(USER, "after")
    await telegram_fake.wait_for(lambda: "echo: after" in telegram_fake.texts(USER))
    assert telegram_fake.texts(USER) == [WELCOME, "echo: after"]  # no second welcome, and no apology
    assert APOLOGY not in telegram_fake.texts(USER)
    assert len(telegram_fake.calls_to("sendMessage", USER, ok_only=False)) == 2


async def test_edit_that_may_have_arrived_is_retried(
    telegram_fake: FakeTelegram, telegram_adapter: TelegramAdapter
) -> None:
    """An edit applied twice changes nothing, so it may still be retried in place (kept behaviour)."""
    telegram_fake.open_private_chat(USER)
    ref = await telegram_adapter.send(chat(USER), Reply("Time for: stretch", buttons=((Button("Done", "r:done:1"),),)))
    assert ref is not None
    telegram_fake.fail(1, status=502, methods={"editMessageText"}, after_storing=True)
    await telegram_adapter.edit(chat(USER), ref, Reply("Time for: stretch (done)"))
    (stored,) = telegram_fake.bot_messages(USER)
    assert stored.text == "Time for: stretch (done)" and stored.buttons == [] and stored.edits == 1
    assert [call.status for call in telegram_fake.calls_to("editMessageText", ok_only=False)] == [
        502,
        400,
    ]  # "not modified"


async def test_reminder_whose_connection_was_refused_is_retried_and_delivered_once(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot
) -> None:
    backoffs: list[float] = []

    async def back_online(delay: float) -> None:  # the server comes back during the back-off
        backoffs.append(delay)
        await telegram_fake.accept_connections()

    tg = make_adapter(telegram_fake, telegram_demo, sleep=back_online)
    await tg.start()
    try:
        telegram_fake.open_private_chat(USER)
        await telegram_fake.refuse_connections()
        ref = await tg.send(chat(USER), Reply("Time for: stretch"))
        assert backoffs == [tg.transient_retry_delays[0]]  # it was refused once, then retried
        assert telegram_fake.texts(USER) == ["Time for: stretch"]
        assert ref == str(telegram_fake.bot_messages(USER)[0].message_id)
        assert len(telegram_fake.calls_to("sendMessage", ok_only=False)) == 1  # the refused attempt reached nothing
    finally:
        await tg.stop()


async def test_interactive_reply_whose_connection_was_refused_is_retried_and_delivered_once(
    telegram_fake: FakeTelegram,
) -> None:
    backoffs: list[float] = []

    async def back_online(delay: float) -> None:
        backoffs.append(delay)
        await telegram_fake.accept_connections()

    async def handler(msg: IncomingMessage) -> list[Reply]:
        await telegram_fake.refuse_connections()  # the network goes away between receiving and answering
        return [Reply(f"echo: {msg.text}", private=False)]

    tg = make_adapter(telegram_fake, handler, sleep=back_online)
    await tg.start()
    try:
        telegram_fake.inject_message(USER, "/remind stretch in 1h")
        await telegram_fake.wait_for(lambda: telegram_fake.texts(USER))
        assert backoffs == [tg.transient_retry_delays[0]]
        assert telegram_fake.texts(USER) == ["echo: /remind stretch in 1h"]
        assert len(telegram_fake.calls_to("sendMessage", USER, ok_only=False)) == 1
    finally:
        await tg.stop()


async def test_scheduler_delivers_a_reminder_once_when_the_answer_is_lost() -> None:
    """The real App: a reminder whose send answered 502 after Telegram stored it is not sent again on
    later ticks (before the fix two reminder messages appeared and only the second was recorded)."""
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = App(store=MemoryStore(), clock=clock)
    async with running_fake() as fake:
        tg = wired(app, PlatformSettings(telegram_token=TOKEN, telegram_base_url=fake.base_url))
        await tg.start()
        try:
            fake.inject_message(USER, "/remind stretch in 2s")
            await fake.wait_for(lambda: any("stretch" in text for text in fake.texts(USER)))
            before = len(fake.texts(USER))
            fake.fail(1, status=502, methods={"sendMessage"}, after_storing=True)
            clock.advance(3)
            await app.scheduler.tick()
            for _ in range(3):  # later passes, past any retry time: nothing more may go out
                clock.advance(3600)
                await app.scheduler.tick()
            reminders = fake.texts(USER)[before:]
            assert len(reminders) == 1 and "stretch" in reminders[0], reminders
        finally:
            await tg.stop()
