"""Routes outgoing messages to the adapter of the address's platform (each adapter paces its own requests)."""

from __future__ import annotations

from dataclasses import replace

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
        """Send `reply` to `address`; one with `edit_ref` replaces that earlier message instead (its ref is
        returned). The adapter's id of the message, if it has one."""
        sender = self._route(address)
        if reply.edit_ref is not None:
            await sender.edit(address, reply.edit_ref, replace(reply, address=None, edit_ref=None))
            return reply.edit_ref
        return await sender.send(address, replace(reply, address=None))

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        await self._route(address).edit(address, message_ref, reply)

    def _route(self, address: Address) -> Sender:
        sender = self._senders.get(address.platform)
        if sender is None:
            raise NoAdapter(f"no adapter running for {address.platform}")
        return sender
