"""Routes outgoing messages to the adapter of the address's platform, paced to its limits."""

from __future__ import annotations

import logging

from bot.delivery import DeliveryError, RetryLater, Sender
from bot.models import Address, Reply
from bot.ratelimit import UNLIMITED, Pacer, RateLimits

log = logging.getLogger(__name__)


class NoAdapter(DeliveryError):
    """No adapter for that platform is running: treat like a passing failure and retry later."""


class Hub:
    def __init__(self) -> None:
        self._senders: dict[str, Sender] = {}
        self._pacers: dict[str, Pacer] = {}

    def register(self, sender: Sender, limits: RateLimits = UNLIMITED, pacer: Pacer | None = None) -> None:
        self._senders[sender.platform] = sender
        self._pacers[sender.platform] = pacer or Pacer(limits)

    def unregister(self, platform: str) -> None:
        self._senders.pop(platform, None)
        self._pacers.pop(platform, None)

    @property
    def platforms(self) -> list[str]:
        return list(self._senders)

    def has(self, platform: str) -> bool:
        return platform in self._senders

    async def send(self, address: Address, reply: Reply) -> str | None:
        sender, pacer = self._route(address)
        await pacer.wait(address.chat_id)
        try:
            return await sender.send(address, reply)
        except RetryLater as exc:
            pacer.push_back(exc.retry_after)
            raise

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        sender, pacer = self._route(address)
        await pacer.wait(address.chat_id)
        try:
            await sender.edit(address, message_ref, reply)
        except RetryLater as exc:
            pacer.push_back(exc.retry_after)
            raise

    def _route(self, address: Address) -> tuple[Sender, Pacer]:
        sender = self._senders.get(address.platform)
        if sender is None:
            raise NoAdapter(f"no adapter running for {address.platform}")
        return sender, self._pacers[address.platform]
