"""A real in-process platform for tests: records what the bot sends and can fail like a platform."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.delivery import DeliveryUncertain, RecipientUnreachable, RetryLater, TransientDeliveryError
from bot.models import Address, Reply


@dataclass
class RecordingPlatform:
    platform: str = "console"
    sent: list[tuple[Address, Reply]] = field(default_factory=list)
    edits: list[tuple[Address, str, Reply]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)  # chat ids that blocked the bot
    retry_after: list[float] = field(default_factory=list)  # next sends answer "retry after" with these
    outages: int = 0  # the next N sends fail with a network error
    uncertain: int = 0  # the next N sends arrive, but the answer is lost (a read timeout)
    crashes: int = 0  # the next N sends fail with an error no adapter maps (a bug), before anything left
    after_send: Callable[[], None] | None = None  # runs once a message has arrived (e.g. fill the disk)
    edit_failures: int = 0  # the next N edits fail with an error no adapter maps (a bug)

    async def send(self, address: Address, reply: Reply) -> str | None:
        if address.chat_id in self.blocked:
            raise RecipientUnreachable("blocked")
        if self.retry_after:
            raise RetryLater(self.retry_after.pop(0))
        if self.outages > 0:
            self.outages -= 1
            raise TransientDeliveryError("network down")
        if self.crashes > 0:
            self.crashes -= 1
            raise RuntimeError("unexpected")
        self.sent.append((address, reply))
        if self.after_send is not None:
            self.after_send()
        if self.uncertain > 0:
            self.uncertain -= 1
            raise DeliveryUncertain("timed out waiting for the answer")
        return f"m{len(self.sent)}"

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        if self.edit_failures > 0:
            self.edit_failures -= 1
            raise RuntimeError("unexpected")
        self.edits.append((address, message_ref, reply))

    def take(self) -> list[tuple[Address, Reply]]:
        """What was sent since the last take()."""
        taken, self.sent = self.sent, []
        return taken

    def texts(self) -> list[str]:
        return [reply.text for _, reply in self.sent]

    def reminders(self) -> list[Reply]:
        return [reply for _, reply in self.sent if reply.occurrence_id is not None]
