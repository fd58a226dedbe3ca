"""Builds the adapters and registers them with the app's hub: the one wiring for run_bot.py, the benchmark
and the end-to-end tests (which may pass quicker limits, retries or time-outs, but through here).

Among peers (a LeaseKeeper given), what a platform allows only one process to do is a lease: Telegram's long
poll ("telegram-poll"; in webhook mode every peer serves its own port, no lease) and each Discord gateway shard
("discord-shard-<i>"). Every peer can send from the start either way."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from adapters.base import RETRY_POLICY, Adapter, MessageHandler, RetryPolicy
from adapters.console_adapter import ConsoleAdapter
from adapters.link import Backoff, Link
from adapters.pacing import PLATFORM_LIMITS, PlatformLimits
from adapters.settings import PlatformSettings
from bot.app import App
from bot.commands import menu
from bot.peers import LeaseKeeper
from bot.suggest import Suggester


@dataclass(frozen=True, slots=True)
class Connection:
    """How long the adapters wait on their platforms; production's unless a test needs quicker ones."""

    telegram_request_timeout: float = 10.0
    telegram_poll_timeout: float = 25.0
    discord_guild_ready_timeout: float = 2.0
    discord_sync_commands: bool = True
    reconnect_first_wait: float = 5.0  # the first wait before reaching an unreachable platform again (doubling)


CONNECTION = Connection()

TELEGRAM_POLL = "telegram-poll"


def discord_shard_lease(shard: int) -> str:
    return f"discord-shard-{shard}"


def shared_webhook_secret(app: App) -> str | None:
    """With peers on a shared store, the one webhook secret they all register and check: each peer's setWebhook
    replaces the others', so a secret made per process would make every other peer refuse Telegram's updates.
    None for a one-process store: a fresh random secret at each start, as before."""
    if not app.store.remote:
        return None
    from adapters.telegram_webhook import new_webhook_secret

    doc = app.store.shared_first("secret", "telegram-webhook", {"value": new_webhook_secret()})
    return str(doc["value"])


def build_platform_adapters(
    app: App,
    settings: PlatformSettings,
    *,
    limits: PlatformLimits = PLATFORM_LIMITS,
    retry: RetryPolicy = RETRY_POLICY,
    connection: Connection = CONNECTION,
    handler: MessageHandler | None = None,
    keeper: LeaseKeeper | None = None,
) -> list[Adapter]:
    """An adapter for every platform whose token is set (Telegram first), each registered with `app.hub`.

    Each adapter paces itself with its platform's `limits` and retries as `retry` says (the contract in
    adapters/base.py); it hands every incoming message to `handler` (App.handle unless given, e.g. to watch
    what reaches the core). Nothing is started: run_bot.py starts them (and unregisters one that fails).
    With `keeper`, each adapter receives only while this peer holds its leases (want()ed here).
    """
    handle = handler or app.handle
    adapters: list[Adapter] = []
    if settings.telegram_token:
        from adapters.telegram_adapter import TelegramAdapter
        from adapters.telegram_webhook import WebhookConfig

        webhook = (
            WebhookConfig(
                url=settings.telegram_webhook_url,
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port,
                secret_token=settings.telegram_webhook_secret or shared_webhook_secret(app),
            )
            if settings.telegram_webhook_url
            else None
        )
        telegram = TelegramAdapter(
            handle,
            settings.telegram_token,
            base_url=settings.telegram_base_url,
            commands=menu(),
            webhook=webhook,
            request_timeout=connection.telegram_request_timeout,
            poll_timeout=connection.telegram_poll_timeout,
            limits=limits.telegram,
            retry=retry,
            poll_on_start=keeper is None,
            reconnect=_backoff(connection, settings),
            telemetry=app.telemetry,
        )
        adapters.append(telegram)
        if keeper is not None and webhook is None:
            keeper.want(TELEGRAM_POLL, telegram.start_polling, telegram.stop_polling)
    if settings.discord_token:
        from adapters.discord_adapter import DiscordAdapter
        from adapters.discord_render import specs_from_core

        discord = DiscordAdapter(
            handle,
            settings.discord_token,
            guild_id=settings.discord_guild_id,
            commands=specs_from_core(),
            autocomplete=Suggester(app.regimen, app.core.faq, app.offload),
            sync_commands=connection.discord_sync_commands,
            guild_ready_timeout=connection.discord_guild_ready_timeout,
            limits=limits.discord,
            shard_count=settings.discord_shard_count,
            gateway_on_start=keeper is None,
            reconnect=_backoff(connection, settings),
            telemetry=app.telemetry,
        )
        adapters.append(discord)
        for shard in range(settings.discord_shard_count):
            if keeper is not None:
                keeper.want(
                    discord_shard_lease(shard),
                    functools.partial(discord.connect_shard, shard, wait=False),  # lease loss never waits on it
                    functools.partial(discord.disconnect_shard, shard),
                )
    for adapter in adapters:
        app.hub.register(adapter)
        adapter.link.on_change(functools.partial(_on_link_change, app))
    return adapters


def _backoff(connection: Connection, settings: PlatformSettings) -> Backoff:
    cap = settings.reconnect_max_seconds
    return Backoff(min(connection.reconnect_first_wait, cap), cap)


def _on_link_change(app: App, link: Link) -> None:
    """A platform reached (again): what failed there and waits for its next attempt goes out now."""
    if link.connected:
        app.platform_back(link.platform)


def build_console_adapter(
    app: App, files_dir: Path, stdin: Iterable[str] | None = None, stdout: TextIO | None = None
) -> ConsoleAdapter:
    """The local console chat (no limits to keep), registered with `app.hub`."""
    console = ConsoleAdapter(app.handle, stdin=stdin, stdout=stdout, files_dir=files_dir)
    app.hub.register(console)
    return console
