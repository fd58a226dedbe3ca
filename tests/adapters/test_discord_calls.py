"""Discord's errors as the retry contract (adapters/base.py) names them: straight from discord_calls for a post
with and without a key, and through the real adapter against the fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import discord.http
import pytest

from adapters.discord_adapter import DiscordAdapter
from adapters.discord_calls import delivery_errors, posting
from bot.delivery import DeliveryUncertain, RecipientUnreachable, RetryLater, TransientDeliveryError
from bot.models import Address
from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.test_discord_adapter import REMINDER, Core, make_adapter


@pytest.fixture
async def adapter(discord_fake: FakeDiscord) -> AsyncIterator[DiscordAdapter]:
    running = make_adapter(discord_fake, Core())
    await running.start()
    yield running
    await running.stop()


def server_error(status: int) -> discord.DiscordServerError:
    response: Any = SimpleNamespace(status=status, reason="Server Error")
    return discord.DiscordServerError(response, {"message": "", "code": 0})


def translated(exc: BaseException, key: str | None, holds: list[float] | None = None) -> BaseException:
    heard = holds.append if holds is not None else None
    with pytest.raises(Exception) as caught, delivery_errors("send", heard), posting(key):
        raise exc
    return caught.value


@pytest.mark.parametrize("status", [500, 502, 504, 524])
def test_a_server_error_that_may_follow_the_work_is_uncertain_without_a_key_and_transient_with_one(
    status: int,
) -> None:
    assert isinstance(translated(server_error(status), None), DeliveryUncertain)
    assert isinstance(translated(server_error(status), "r1@1700000000#0"), TransientDeliveryError)


def test_a_server_error_that_comes_before_any_work_is_transient() -> None:
    assert isinstance(translated(server_error(503), None), TransientDeliveryError)


def test_a_lost_answer_is_uncertain_without_a_key_and_a_refused_connection_is_transient() -> None:
    assert isinstance(translated(aiohttp.ServerDisconnectedError(), None), DeliveryUncertain)
    assert isinstance(translated(aiohttp.ServerDisconnectedError(), "k"), TransientDeliveryError)
    refused = aiohttp.ClientConnectorError(SimpleNamespace(ssl=None, host="h", port=1), OSError(111, "refused"))  # type: ignore[arg-type]
    assert isinstance(translated(refused, None), TransientDeliveryError)


def test_a_long_rate_limit_is_handed_on_and_heard() -> None:
    holds: list[float] = []
    raised = translated(discord.RateLimited(60.0), "k", holds)
    assert isinstance(raised, RetryLater) and raised.retry_after == 60.0
    assert holds == [60.0]


# ---------------------------------------------------------------- through the adapter


async def test_closed_dms_are_unreachable(discord_fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    user = discord_fake.user()
    discord_fake.closed_dms.add(int(user["id"]))
    with pytest.raises(RecipientUnreachable):
        await adapter.send(Address("discord", user["id"]), REMINDER)
    call = discord_fake.find("POST", r"/channels/\d+/messages")[-1]
    assert call.status == 403


async def test_a_reminder_whose_answer_was_lost_is_uncertain_and_never_sent_twice(
    discord_fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    user = discord_fake.user()
    discord_fake.sever_after_processing("POST", r"/channels/\d+/messages")
    with pytest.raises(DeliveryUncertain):
        await adapter.send(Address("discord", user["id"]), REMINDER)
    assert len(discord_fake.find("POST", r"/channels/\d+/messages")) == 1  # it arrived once; no retry


async def test_long_rate_limit_becomes_retry_later(discord_fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    user = discord_fake.user()
    discord_fake.rate_limit("POST", r"/channels/\d+/messages", retry_after=60.0)
    with pytest.raises(RetryLater) as caught:
        await adapter.send(Address("discord", user["id"]), REMINDER)
    assert caught.value.retry_after == 60.0


async def test_short_rate_limit_is_retried_by_discord_py(discord_fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    user = discord_fake.user()
    discord_fake.rate_limit("POST", r"/channels/\d+/messages", retry_after=0.01)
    ref = await adapter.send(Address("discord", user["id"]), REMINDER)
    assert ref is not None
    statuses = [call.status for call in discord_fake.find("POST", r"/channels/\d+/messages")]
    assert statuses == [429, 200]


async def test_server_errors_and_lost_connections_are_transient(
    discord_fake: FakeDiscord, adapter: DiscordAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = discord_fake.user()
    discord_fake.fail("POST", r"/channels/\d+/messages", 503, {"message": "Service Unavailable", "code": 0})
    with pytest.raises(TransientDeliveryError):
        await adapter.send(Address("discord", user["id"]), REMINDER)
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")  # nothing listens there
    with pytest.raises(TransientDeliveryError):
        await adapter.send(Address("discord", user["id"]), REMINDER)
