"""Telegram's start of polling under the poll lease while Telegram cannot be reached, against stop_polling and
stop: the real adapter against the local fake."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.link import Backoff
from adapters.telegram_adapter import TelegramAdapter
from bot.models import Address, Reply
from tests.adapters.fake_telegram import FakeTelegram
from tests.adapters.test_telegram_adapter import DemoBot, make_adapter
from tests.adapters.test_telegram_outage import USER, eventually, retry_lines


async def polling_started_in_an_outage(telegram_fake: FakeTelegram, cap: float) -> TelegramAdapter:
    """An adapter polling only under its lease, started; then Telegram refuses connections and the lease is
    gained (start_polling), so it is retrying in the background. The caller stops it."""
    adapter = make_adapter(
        telegram_fake, DemoBot(telegram_fake), poll_on_start=False, reconnect=Backoff(first=0.05, cap=cap)
    )
    await adapter.start()
    try:
        await telegram_fake.refuse_connections()
        await adapter.start_polling()
    except BaseException:
        await adapter.stop()
        raise
    return adapter


async def test_the_back_off_starts_again_after_telegram_answered_between_two_outages(
    telegram_fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """Poll lease gained in an outage: waits grow; lease lost (stop_polling cancels the retry); Telegram back and
    sending works; a later outage with the lease gained again must wait ~first again, not near the cap."""
    caplog.set_level(logging.INFO)
    adapter = await polling_started_in_an_outage(telegram_fake, cap=5.0)
    try:
        await eventually(lambda: len(retry_lines(caplog)) >= 5)
        await adapter.stop_polling()
        await telegram_fake.accept_connections()
        telegram_fake.open_private_chat(USER)
        await adapter.send(Address("telegram", str(USER)), Reply("still here"))  # sending works again
        await eventually(lambda: adapter.link.connected)
        failures = adapter._reconnect.failures
        await telegram_fake.refuse_connections()  # a new outage, the lease gained again
        before = len(retry_lines(caplog))
        await adapter.start_polling()
        await eventually(lambda: len(retry_lines(caplog)) > before)
        first_wait = retry_lines(caplog)[before].getMessage()
        assert failures == 0, f"back-off not reset ({failures} kept); the new outage's first line: {first_wait}"
    finally:
        await adapter.stop()


async def test_stop_polling_during_a_stalled_retry_leaves_polling_startable(
    telegram_fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    adapter = await polling_started_in_an_outage(telegram_fake, cap=0.1)
    try:
        await eventually(lambda: len(retry_lines(caplog)) >= 1)
        telegram_fake.stall(3.0, methods=["deleteWebhook"])
        await telegram_fake.accept_connections()
        await eventually(lambda: bool(telegram_fake.calls_to("deleteWebhook", ok_only=False)))
        await asyncio.wait_for(adapter.stop_polling(), 2.0)  # the lease lost while the bootstrap hangs
        assert not adapter.polling
        await asyncio.sleep(3.2)
        await adapter.start_polling()  # regained
        await eventually(lambda: adapter.polling)
        telegram_fake.inject_message(USER, "hello")
        await telegram_fake.wait_for(lambda: telegram_fake.texts(USER) == ["echo: hello"] or None)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        await adapter.stop()


async def test_cancelling_stop_polling_while_it_waits_for_the_retry_is_not_swallowed(
    telegram_fake: FakeTelegram,
) -> None:
    """A cancellation of the caller itself (a shutdown time-out around stop()/stop_polling()) while it waits for
    the background attempt to end is not swallowed."""
    adapter = await polling_started_in_an_outage(telegram_fake, cap=0.1)
    try:
        telegram_fake.stall(3.0, methods=["deleteWebhook"])
        await telegram_fake.accept_connections()
        await eventually(lambda: bool(telegram_fake.calls_to("deleteWebhook", ok_only=False)))
        # the retry holds the lifecycle lock in the stalled bootstrap; make its cancellation slow to land
        retry = adapter._poll_retry
        assert retry is not None
        stopping = asyncio.create_task(adapter.stop_polling())
        await asyncio.sleep(0)  # stop_polling is now awaiting the cancelled retry
        stopping.cancel()
        await asyncio.wait({stopping})
        assert stopping.cancelled(), "the caller's cancellation was swallowed"
    finally:
        await adapter.stop()
