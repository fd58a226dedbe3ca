"""Settings from the environment and an optional .env file.

A missing or malformed setting stops start-up with one line that says which and how to fix it.
Tokens are kept out of repr() so they can never reach a log by accident.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_DB_PATH = "data/clearback.json"
# Loopback: the webhook listener usually sits behind a TLS-terminating reverse proxy on the same host.
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


def valid_webhook_secret(secret: str) -> bool:
    return _WEBHOOK_SECRET.fullmatch(secret) is not None


def secret_forms(secret: str) -> list[str]:
    """Every way `secret` may be printed, longest first: as is, URL-encoded (it sits in request URLs), and
    for a bot token `id:secret` the part after the colon (the id alone is public, and short ones are not
    worth redacting everywhere)."""
    forms = {secret, quote(secret, safe=""), quote(secret)}
    _, colon, tail = secret.partition(":")
    if colon and len(tail) >= 8:
        forms.add(tail)
    return sorted((form for form in forms if form), key=len, reverse=True)


class SettingsError(ValueError):
    """One clear line: which setting is wrong and how to fix it."""


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None = field(default=None, repr=False)
    discord_token: str | None = field(default=None, repr=False)
    db_path: str = DEFAULT_DB_PATH
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    catch_up_grace_hours: float = 12.0
    telegram_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = DEFAULT_WEBHOOK_LISTEN
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    discord_guild_id: int | None = None

    @property
    def secrets(self) -> list[str]:
        """What nothing the process writes may contain (see secret_forms)."""
        values = (self.telegram_token, self.discord_token, self.telegram_webhook_secret)
        return [value for value in values if value]

    @property
    def platforms_configured(self) -> list[str]:
        return [name for name, token in (("telegram", self.telegram_token), ("discord", self.discord_token)) if token]


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Real environment variables win over the .env file."""
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def text(name: str) -> str | None:
        raw = values.get(name, "").strip()
        return raw or None

    def number(name: str, default: float, low: float, high: float, example: str) -> float:
        raw = text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, e.g. {name}={example} (got {raw!r}).") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} must be between {low:g} and {high:g}, e.g. {name}={example}.")
        return value

    zone = text("BOT_DEFAULT_TIMEZONE") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"BOT_DEFAULT_TIMEZONE={zone!r} is not an IANA time zone; use e.g. BOT_DEFAULT_TIMEZONE=Europe/Berlin."
        ) from None

    level = (text("LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, e.g. LOG_LEVEL=INFO (got {level!r}).")

    telegram_token = text("TELEGRAM_TOKEN")
    if telegram_token is not None and (":" not in telegram_token or " " in telegram_token):
        raise SettingsError(
            "TELEGRAM_TOKEN does not look like a bot token (expected '123456:ABC-...' from @BotFather)."
        )
    discord_token = text("DISCORD_TOKEN")
    if discord_token is not None and (" " in discord_token or len(discord_token) < 20):
        raise SettingsError(
            "DISCORD_TOKEN does not look like a bot token (copy it from the Bot page of your application)."
        )

    guild_raw = text("DISCORD_GUILD_ID")
    if guild_raw is not None and not guild_raw.isdecimal():
        raise SettingsError("DISCORD_GUILD_ID must be a server id (digits), e.g. DISCORD_GUILD_ID=123456789012345678.")

    webhook_url = text("TELEGRAM_WEBHOOK_URL")
    if webhook_url is not None and not webhook_url.startswith("https://"):
        raise SettingsError("TELEGRAM_WEBHOOK_URL must start with https://, e.g. https://bot.example.org/telegram.")

    webhook_secret = text("TELEGRAM_WEBHOOK_SECRET")
    if webhook_secret is not None and not valid_webhook_secret(webhook_secret):
        raise SettingsError(
            "TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (1 to 256 characters); "
            "leave it empty to get a random one at each start."
        )

    return Settings(
        telegram_token=telegram_token,
        discord_token=discord_token,
        db_path=text("BOT_DB_PATH") or DEFAULT_DB_PATH,
        default_timezone=zone,
        log_level=level,
        catch_up_grace_hours=number("BOT_CATCH_UP_GRACE_HOURS", 12.0, 0.0, 168.0, "12"),
        telegram_base_url=text("TELEGRAM_BASE_URL"),
        telegram_webhook_url=webhook_url,
        telegram_webhook_listen=text("TELEGRAM_WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN,
        telegram_webhook_port=int(number("TELEGRAM_WEBHOOK_PORT", 8443, 1, 65535, "8443")),
        telegram_webhook_secret=webhook_secret,
        discord_guild_id=int(guild_raw) if guild_raw else None,
    )
