"""Discord's errors as the retry contract (adapters/base.py) names them, for a post with and without a key."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest

from adapters.discord_calls import delivery_errors, posting
from bot.delivery import DeliveryUncertain, RetryLater, TransientDeliveryError


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
