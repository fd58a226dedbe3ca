"""bot.telemetry.Telemetry with prometheus-client, plus what is sampled at each scrape; served by
adapters/http_server.py at /metrics. Every name starts with clearback_ (the README lists them all).

A registry of its own rather than prometheus-client's global one: nothing else registers into it, and each
test (or each App in one process) counts alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from adapters.base import Adapter
from bot.health import Snapshot
from bot.telemetry import FAILURE_REASONS

CONTENT_TYPE = CONTENT_TYPE_LATEST
# From on time to the end of the default grace period (12 h): retries back off up to an hour.
LATENESS_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 3 * 3600, 12 * 3600)
COMMAND_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class PrometheusTelemetry:
    def __init__(self, platforms: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._delivered = Counter(
            "clearback_reminders_delivered", "Reminder sends the platform accepted", ["platform"], registry=r
        )
        self._failed = Counter(
            "clearback_reminders_failed", "Reminder sends that failed, by reason", ["platform", "reason"], registry=r
        )
        self._retried = Counter(
            "clearback_reminders_retried",
            "Reminders that reached nobody, or not all of a person's platforms, and are due again later",
            registry=r,
        )
        self._parked = Counter(
            "clearback_reminders_parked", "Chats whose deliveries stop until the person writes again", registry=r
        )
        self._429 = Counter("clearback_http_429", "HTTP 429 answers from a platform", ["platform"], registry=r)
        self._lateness = Histogram(
            "clearback_reminder_lateness_seconds",
            "Seconds from when a reminder was due to the platform accepting its send",
            buckets=LATENESS_BUCKETS,
            registry=r,
        )
        self._command = Histogram(
            "clearback_command_duration_seconds",
            "Seconds to answer one message (store included, the platform's send not)",
            buckets=COMMAND_BUCKETS,
            registry=r,
        )
        self._backlog = Gauge("clearback_reminders_backlog", "Reminders due now and not sent yet", registry=r)
        self._people = Gauge("clearback_people", "People (accounts) stored", registry=r)
        self._reminders = Gauge("clearback_reminders", "Reminders stored", registry=r)
        self._connected = Gauge(
            "clearback_platform_connected", "1 while the platform can be reached, else 0", ["platform"], registry=r
        )
        for platform in platforms:  # every series exists from the start at 0, so rates and alerts work at once
            self._delivered.labels(platform)
            self._429.labels(platform)
            for reason in FAILURE_REASONS:
                self._failed.labels(platform, reason)

    # bot.telemetry.Telemetry
    def delivered(self, platform: str, lateness: float) -> None:
        self._delivered.labels(platform).inc()
        self._lateness.observe(max(0.0, lateness))

    def delivery_failed(self, platform: str, reason: str) -> None:
        self._failed.labels(platform, reason).inc()

    def retried(self) -> None:
        self._retried.inc()

    def parked(self) -> None:
        self._parked.inc()

    def rate_limited(self, platform: str) -> None:
        self._429.labels(platform).inc()

    def command_handled(self, seconds: float) -> None:
        self._command.observe(seconds)

    # At each scrape
    def render(self, snapshot: Snapshot | None, adapters: Iterable[Adapter]) -> bytes:
        """The text format; `snapshot` None when the store could not be read (the gauges keep their last value)."""
        if snapshot is not None:
            self._backlog.set(snapshot.backlog)
            self._people.set(snapshot.people)
            self._reminders.set(snapshot.reminders)
        for adapter in adapters:
            self._connected.labels(adapter.platform).set(1 if adapter.link.connected else 0)
        return generate_latest(self.registry)
