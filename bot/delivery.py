"""Platform-neutral delivery contract between the core (scheduler, hub) and the adapters.

Adapters translate their library's errors into these, so the scheduler can decide between retrying,
waiting and parking a reminder without knowing any platform. Which errors an adapter retries itself, which
it raises, and what the scheduler does with each: the retry contract in adapters/base.py.
"""

from __future__ import annotations

from typing import Protocol

from bot.models import Address, Reply


class DeliveryError(Exception):
    """Base class: the message was not delivered."""


class RecipientUnreachable(DeliveryError):
    """The person blocked the bot or closed their DMs: stop trying until they write again."""


class RetryLater(DeliveryError):
    """Flood control: wait `retry_after` seconds, then try again."""

    def __init__(self, retry_after: float, detail: str = "rate limited") -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class TransientDeliveryError(DeliveryError):
    """Network trouble or a platform outage before the message reached the platform: retry with back-off."""


class DeliveryUncertain(DeliveryError):
    """The request may have reached the platform (e.g. a read timeout): never retried, so never sent twice."""


class Sender(Protocol):
    """What an adapter offers the hub for outgoing messages."""

    platform: str

    async def send(self, address: Address, reply: Reply) -> str | None:
        """Send and return the platform's id for the message (for later edits), if it has one."""
        ...

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        """Replace an earlier message's text and buttons."""
        ...
