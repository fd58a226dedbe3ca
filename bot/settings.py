"""The core's settings from the environment and an optional .env file: database, default zone, grace, log level.

A missing or malformed setting stops start-up with one line that says which and how to fix it. The
platforms' settings (tokens, webhook, server id) are the adapters' (adapters/settings.py); run_bot.py
reads both from the same environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")  # json: one object per line, for log collectors (adapters/json_logs.py)
DEFAULT_DB_PATH = "data/clearback.json"


class SettingsError(ValueError):
    """One clear line: which setting is wrong and how to fix it."""


class Environment:
    """The environment as settings see it: real variables win over the .env file; blank means unset."""

    def __init__(self, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> None:
        values: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        self._values = values

    def text(self, name: str) -> str | None:
        raw = self._values.get(name, "").strip()
        return raw or None

    def number(self, name: str, default: float, low: float, high: float, example: str) -> float:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, e.g. {name}={example} (got {raw!r}).") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} must be between {low:g} and {high:g}, e.g. {name}={example}.")
        return value


@dataclass(frozen=True)
class Settings:
    db_path: str = DEFAULT_DB_PATH
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    log_format: str = "text"
    catch_up_grace_hours: float = 12.0
    # postgresql://... : the shared store for several peer processes; None: the TinyDB file at db_path.
    database_url: str | None = field(default=None, repr=False)  # may hold a password: kept out of repr()

    @property
    def store_target(self) -> str:
        """What storage.factory.open_store opens: the database URL when set, else the TinyDB file."""
        return self.database_url or self.db_path

    @property
    def secrets(self) -> list[str]:
        """What must never be printed: the database password, if the URL has one."""
        if not self.database_url:
            return []
        password = urlsplit(self.database_url).password
        return [password] if password else []


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Real environment variables win over the .env file."""
    env = Environment(environ, env_file)

    zone = env.text("BOT_DEFAULT_TIMEZONE") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"BOT_DEFAULT_TIMEZONE={zone!r} is not an IANA time zone; use e.g. BOT_DEFAULT_TIMEZONE=Europe/Berlin."
        ) from None

    level = (env.text("LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, e.g. LOG_LEVEL=INFO (got {level!r}).")

    log_format = (env.text("LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise SettingsError(f"LOG_FORMAT must be text or json, e.g. LOG_FORMAT=json (got {log_format!r}).")

    url = env.text("BOT_DATABASE_URL")
    if url is not None and not url.startswith(("postgresql://", "postgres://")):
        raise SettingsError(
            "BOT_DATABASE_URL must be a PostgreSQL URL, e.g. "
            "BOT_DATABASE_URL=postgresql://clearback@localhost/clearback "
            "(leave it unset to use the TinyDB file at BOT_DB_PATH)."
        )
    return Settings(
        database_url=url,
        db_path=env.text("BOT_DB_PATH") or DEFAULT_DB_PATH,
        default_timezone=zone,
        log_level=level,
        log_format=log_format,
        catch_up_grace_hours=env.number("BOT_CATCH_UP_GRACE_HOURS", 12.0, 0.0, 168.0, "12"),
    )
