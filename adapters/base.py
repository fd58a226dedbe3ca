"""What every adapter is: a thin translator between one platform and the core.

An adapter turns platform events into IncomingMessage, hands them to the core's handler, and renders
the Replies; it also offers `send`/`edit` (bot.delivery.Sender) so the scheduler can reach people.
Every exception in a handler is caught at the adapter edge, logged without message text, and answered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.models import Address, IncomingMessage, Reply

MessageHandler = Callable[[IncomingMessage], Awaitable[list[Reply]]]

APOLOGY = "Sorry, something went wrong on my side. Nothing you saved was lost; please try again in a moment."


class Adapter(Protocol):
    platform: str

    async def start(self) -> None:
        """Connect and begin receiving; returns once running (it must not own the event loop)."""
        ...

    async def stop(self) -> None:
        """Stop receiving and release connections."""
        ...

    async def send(self, address: Address, reply: Reply) -> str | None: ...

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None: ...
