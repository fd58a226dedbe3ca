"""The platforms' settings (TELEGRAM_*, DISCORD_*) from the environment and an optional .env file.

Read like the core's settings (bot.settings, the same .env and the same one-line errors); tokens and
secrets are kept out of repr() so they can never reach a log by accident.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import Environment, SettingsError

# Loopback: the webhook listener usually sits behind a TLS-terminating reverse proxy on the same host.
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"
DEFAULT_WEBHOOK_PORT = 8443
DEFAULT_RECONNECT_MAX_SECONDS = 300.0  # the longest wait between attempts to reach a platform that is down
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


def valid_webhook_secret(secret: str) -> bool:
    return _WEBHOOK_SECRET.fullmatch(secret) is not None


@dataclass(frozen=True)
class PlatformSettings:
    telegram_token: str | None = field(default=None, repr=False)
    discord_token: str | None = field(default=None, repr=False)
    telegram_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = DEFAULT_WEBHOOK_LISTEN
    telegram_webhook_port: int = DEFAULT_WEBHOOK_PORT
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    discord_guild_id: int | None = None
    # Gateway shards (Discord requires more than one past 2,500 servers); among peers each is a lease.
    discord_shard_count: int = 1
    reconnect_max_seconds: float = DEFAULT_RECONNECT_MAX_SECONDS
    # BOT_HTTP_PORT: /healthz and /metrics (adapters/http_server.py); None: no listener.
    http_port: int | None = None
    http_host: str = "127.0.0.1"

    @property
    def secrets(self) -> list[str]:
        """What nothing the process writes may contain (see adapters.log_hygiene.secret_forms)."""
        values = (self.telegram_token, self.discord_token, self.telegram_webhook_secret)
        return [value for value in values if value]

    @property
    def platforms_configured(self) -> list[str]:
        return [name for name, token in (("telegram", self.telegram_token), ("discord", self.discord_token)) if token]


def _shard_count(raw: str | None) -> int:
    if raw is None:
        return 1
    if not raw.isdecimal() or not 1 <= int(raw) <= 1024:
        raise SettingsError("DISCORD_SHARD_COUNT must be a whole number from 1 to 1024, e.g. DISCORD_SHARD_COUNT=1.")
    return int(raw)


def load_platform_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> PlatformSettings:
    """Real environment variables win over the .env file."""
    env = Environment(environ, env_file)

    telegram_token = env.text("TELEGRAM_TOKEN")
    if telegram_token is not None and (":" not in telegram_token or " " in telegram_token):
        raise SettingsError(
            "TELEGRAM_TOKEN does not look like a bot token (expected '123456:ABC-...' from @BotFather)."
        )
    discord_token = env.text("DISCORD_TOKEN")
    if discord_token is not None and (" " in discord_token or len(discord_token) < 20):
        raise SettingsError(
            "DISCORD_TOKEN does not look like a bot token (copy it from the Bot page of your application)."
        )

    guild_raw = env.text("DISCORD_GUILD_ID")
    if guild_raw is not None and not guild_raw.isdecimal():
        raise SettingsError("DISCORD_GUILD_ID must be a server id (digits), e.g. DISCORD_GUILD_ID=123456789012345678.")

    webhook_url = env.text("TELEGRAM_WEBHOOK_URL")
    if webhook_url is not None and not webhook_url.startswith("https://"):
        raise SettingsError("TELEGRAM_WEBHOOK_URL must start with https://, e.g. https://bot.example.org/telegram.")

    webhook_secret = env.text("TELEGRAM_WEBHOOK_SECRET")
    if webhook_secret is not None and not valid_webhook_secret(webhook_secret):
        raise SettingsError(
            "TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (1 to 256 characters); "
            "leave it empty to get a random one at each start."
        )

    return PlatformSettings(
        telegram_token=telegram_token,
        discord_token=discord_token,
        telegram_base_url=env.text("TELEGRAM_BASE_URL"),
        telegram_webhook_url=webhook_url,
        telegram_webhook_listen=env.text("TELEGRAM_WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN,
        telegram_webhook_port=int(env.number("TELEGRAM_WEBHOOK_PORT", DEFAULT_WEBHOOK_PORT, 1, 65535, "8443")),
        telegram_webhook_secret=webhook_secret,
        discord_guild_id=int(guild_raw) if guild_raw else None,
        discord_shard_count=_shard_count(env.text("DISCORD_SHARD_COUNT")),
        reconnect_max_seconds=env.number(
            "BOT_RECONNECT_MAX_SECONDS", DEFAULT_RECONNECT_MAX_SECONDS, 0.1, 3600, "300"
        ),
        http_port=int(env.number("BOT_HTTP_PORT", 0, 1, 65535, "9090")) if env.text("BOT_HTTP_PORT") else None,
        http_host=env.text("BOT_HTTP_HOST") or "127.0.0.1",
    )
