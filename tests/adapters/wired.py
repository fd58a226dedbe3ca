"""The real App behind a real adapter, wired by adapters.wiring exactly as run_bot.py wires it.

Only what the tests are not about is quicker: the gap between two messages to one chat (production's
would make every exchange in a chat take a second), the back-offs before re-trying a request that never
left, and the time-outs of long polling and of Discord's start-up.
"""

from __future__ import annotations

from dataclasses import replace

from adapters.base import Adapter, MessageHandler, RetryPolicy
from adapters.pacing import DISCORD_LIMITS, TELEGRAM_LIMITS, PlatformLimits
from adapters.settings import PlatformSettings
from adapters.wiring import Connection, build_platform_adapters
from bot.app import App

QUICK_LIMITS = PlatformLimits(
    telegram=replace(TELEGRAM_LIMITS, private_interval=0.05, group_interval=0.05), discord=DISCORD_LIMITS
)
QUICK_RETRIES = RetryPolicy(never_left_delays=(0.05, 0.1))
QUICK_CONNECTION = Connection(telegram_poll_timeout=1, discord_guild_ready_timeout=0.0)


def wired(
    app: App,
    settings: PlatformSettings,
    *,
    limits: PlatformLimits = QUICK_LIMITS,
    retry: RetryPolicy = QUICK_RETRIES,
    connection: Connection = QUICK_CONNECTION,
    handler: MessageHandler | None = None,
) -> Adapter:
    """The one adapter `settings` names, registered with `app.hub` (not started)."""
    [adapter] = build_platform_adapters(
        app, settings, limits=limits, retry=retry, connection=connection, handler=handler
    )
    return adapter
