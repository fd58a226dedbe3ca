"""What every adapter is, and the retry contract between the adapters and the scheduler.

An adapter turns platform events into IncomingMessage, hands them to the core's handler (App.handle, which
has already routed every reply meant for another chat or an earlier message through the hub), and renders
the replies it gets back in the chat that asked; it also offers `send`/`edit` (bot.delivery.Sender) so the
hub can reach people. Every exception in a handler is caught at the adapter edge, logged without message
text, and answered with APOLOGY. Each adapter paces its own requests (adapters.pacing); adapters.wiring
builds them all the same way for run_bot.py, the benchmark and the end-to-end tests.

The retry contract
------------------
An adapter tries again by itself only when sending again cannot show a message twice:
- a request that provably never left (no connection could be made, none was free in the pool), after
  each of `RetryPolicy.never_left_delays`;
- an idempotent request (an edit), or one the platform recognises as a repeat (a Discord message with an
  enforced nonce: discord.py re-sends those itself after a 500/502/504/524 or a reset connection);
- a flood wait ("retry after N s") while the waits fit a small budget: `background_flood_wait` for
  sends through the hub, `reply_flood_wait` for a reply to someone who just wrote (Telegram); discord.py
  waits out 429s of up to 30 s, the least it can be set to.
Anything else it raises at once, as one of bot.delivery's errors, and the scheduler decides
(bot/scheduler.py `_send_everywhere` and `_commit_attempt`):
- RetryLater(retry_after): a flood wait longer than the budget. The adapter also holds its later background
  sends that long. The scheduler tries that occurrence again at now + retry_after.
- RecipientUnreachable: the person blocked the bot, closed their DMs, or the chat is gone. The scheduler
  parks their deliveries to that chat until they write again.
- TransientDeliveryError: nothing was delivered, or what may have been delivered is recognised when it is
  sent again (a nonce naming the delivery); includes "the adapter is not running". The scheduler sends
  again with back-off (30 s, 2 min, 10 min, 30 min, then hourly) while the grace period lasts, then
  records it missed.
- DeliveryUncertain: the request left and may have been carried out (a timeout, a dropped connection or a
  5xx after sending, with nothing to recognise a repeat by). Never sent again: the scheduler counts it
  delivered (without a message id), and a reply is not repeated (nor apologised for).
- DeliveryError (any other): the platform refused it (a bad request, a message that no longer exists), or
  an error no adapter mapped (any other exception). The scheduler treats it like TransientDeliveryError.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from adapters.link import Link
from bot.core import INTERNAL
from bot.models import Address, IncomingMessage, Reply

MessageHandler = Callable[[IncomingMessage], Awaitable[list[Reply]]]

APOLOGY = INTERNAL  # the core's own words for "something went wrong on my side"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How much an adapter tries by itself before an error goes to the scheduler (the contract above)."""

    never_left_delays: tuple[float, ...] = (0.3, 1.0)  # attempts = len + 1
    background_flood_wait: float = 5.0  # sends through the hub: reminders, notes, routed replies
    reply_flood_wait: float = 60.0  # a reply to someone who just wrote, waits added up


RETRY_POLICY = RetryPolicy()


class Adapter(Protocol):
    platform: str
    link: Link  # whether the platform can be reached now (adapters/link.py)

    async def start(self) -> None:
        """Connect and begin receiving; returns once running, or once the first attempt found the platform
        unreachable (it then goes on trying in the background, and `link` says so). Raises a SettingsError
        when the platform rejects the token. It must not own the event loop."""
        ...

    async def stop(self) -> None:
        """Stop receiving and release connections."""
        ...

    async def send(self, address: Address, reply: Reply) -> str | None: ...

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None: ...
