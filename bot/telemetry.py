"""What the core tells an observer as it works (counts and durations only, never what anybody wrote).

The scheduler, the app and the adapters call a `Telemetry`; by default it is NULL_TELEMETRY, which does
nothing. adapters/metrics.py implements it with prometheus-client, so no metrics library enters bot/ or
storage/. Failure reasons are a closed set (FAILURE_REASONS), so a metric's label values stay few.
"""

from __future__ import annotations

from typing import Final, Protocol

from bot.delivery import DeliveryError, DeliveryUncertain, RecipientUnreachable, RetryLater, TransientDeliveryError

RATE_LIMITED: Final = "rate_limited"  # a flood wait longer than the adapter waits in place
RECIPIENT_UNREACHABLE: Final = "recipient_unreachable"  # blocked the bot, closed DMs, chat gone
TRANSIENT: Final = "transient"  # nothing left (the platform unreachable, a 5xx before sending)
UNCERTAIN: Final = "uncertain"  # may have arrived: counted delivered in the store, never sent again
REFUSED: Final = "refused"  # the platform refused it, or an error no adapter mapped
FAILURE_REASONS: Final = (RATE_LIMITED, RECIPIENT_UNREACHABLE, TRANSIENT, UNCERTAIN, REFUSED)


def failure_reason(exc: BaseException) -> str:
    if isinstance(exc, RetryLater):
        return RATE_LIMITED
    if isinstance(exc, RecipientUnreachable):
        return RECIPIENT_UNREACHABLE
    if isinstance(exc, DeliveryUncertain):
        return UNCERTAIN
    if isinstance(exc, TransientDeliveryError):
        return TRANSIENT
    return REFUSED if isinstance(exc, DeliveryError) else TRANSIENT


class Telemetry(Protocol):
    def delivered(self, platform: str, lateness: float) -> None:
        """A reminder's send was accepted, `lateness` seconds after it was meant to be shown."""

    def delivery_failed(self, platform: str, reason: str) -> None:
        """One send of a reminder failed; `reason` is one of FAILURE_REASONS."""

    def retried(self) -> None:
        """A reminder that reached nobody, or not all of a person's platforms, is due again later (back-off or a
        flood wait)."""

    def parked(self) -> None:
        """Deliveries to a chat stop until the person writes again (they blocked the bot, closed DMs)."""

    def rate_limited(self, platform: str) -> None:
        """The platform answered HTTP 429."""

    def command_handled(self, seconds: float) -> None:
        """A message was answered (the core's time: store included, the platform's send not)."""


class NullTelemetry:
    def delivered(self, platform: str, lateness: float) -> None:
        pass

    def delivery_failed(self, platform: str, reason: str) -> None:
        pass

    def retried(self) -> None:
        pass

    def parked(self) -> None:
        pass

    def rate_limited(self, platform: str) -> None:
        pass

    def command_handled(self, seconds: float) -> None:
        pass


NULL_TELEMETRY: Final[Telemetry] = NullTelemetry()
