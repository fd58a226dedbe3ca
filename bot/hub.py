"""Routes outgoing messages to the adapter of the address's platform (each adapter paces its own requests)."""

from __future__ import annotations

from bot.delivery import DeliveryError, Sender
from bot.models import Address, Reply


class NoAdapter(DeliveryError):
    """No adapter for that platform is running: treat like a passing failure and retry later."""


class Hub:
    def __init__(self) -> None:
        self._senders: dict[str, Sender] = {}

    def register(self, sender: Sender) -> None:
        self._senders[sender.platform] = sender

    def unregister(self, platform: str) -> None:
        self._senders.pop(platform, None)

    @property
    def platforms(self) -> list[str]:
        return list(self._senders)

    def has(self, platform: str) -> bool:
        return platform in self._senders

    async def send(self, address: Address, reply: Reply) -> str | None:
        return await self._route(address).send(address, reply)

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        await self._route(address).edit(address, message_ref, reply)

    def _route(self, address: Address) -> Sender:
        sender = self._senders.get(address.platform)
        if sender is None:
            raise NoAdapter(f"no adapter running for {address.platform}")
        return sender
