"""Start ClearBack: every adapter whose token is set, or the console chat when none is.

    python run_bot.py [--console] [--db PATH]
    python run_bot.py salvage [--db PATH]    rebuild a damaged database from what still reads

Exit status: 0 after a clean stop, 2 when a setting is wrong (or every platform rejected its token),
3 when the database cannot be opened. Nothing written to stdout or stderr ever contains a token.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import TextIO, cast

from adapters.base import Adapter
from adapters.console_adapter import ConsoleAdapter
from bot.app import App
from bot.commands import menu
from bot.ratelimit import DISCORD_LIMITS, UNLIMITED
from bot.settings import Settings, SettingsError, load_settings, secret_forms
from bot.suggest import Suggester
from bot.ticker import pin_process_clock_to_utc
from storage.base import StorageError
from storage.factory import open_store

log = logging.getLogger("clearback")

CONNECT_HINT = (
    "No TELEGRAM_TOKEN or DISCORD_TOKEN is set, so this is the local console chat.\n"
    "To connect a platform, copy .env.example to .env and fill in TELEGRAM_TOKEN and/or DISCORD_TOKEN "
    "(see README.md).\n"
    "Type /start to begin, /help for commands, or ask a question. Type a number in [brackets] to press a "
    "button. Ctrl-D (end of input) quits."
)


class RedactingStream:
    """Writes through to `inner` with every form of every secret replaced by `<token>`.

    The log filters cover log records only; this also covers tracebacks, warnings and anything a library
    prints, on stdout and stderr alike. Each write is redacted whole (logging, print and tracebacks write a
    line or more at a time). Anything else is the inner stream's.
    """

    def __init__(self, inner: TextIO, secrets: Iterable[str]) -> None:
        self._inner = inner
        forms = {form for secret in secrets for form in secret_forms(secret)}
        self._forms = sorted(forms, key=len, reverse=True)

    def write(self, text: str) -> int:
        redacted = text
        for form in self._forms:
            redacted = redacted.replace(form, "<token>")
        self._inner.write(redacted)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:  # flush, fileno, isatty, encoding, ...
        return getattr(self._inner, name)


def redact_output(secrets: list[str]) -> None:
    """From here on nothing written to stdout or stderr can contain a secret."""
    if secrets:
        sys.stdout = cast(TextIO, RedactingStream(sys.stdout, secrets))
        sys.stderr = cast(TextIO, RedactingStream(sys.stderr, secrets))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the ClearBack bot.")
    parser.add_argument(
        "command",
        nargs="?",
        choices=["salvage"],
        help="salvage: rebuild a damaged database (the bot must be stopped) from the previous snapshot and "
        "every journal line that still reads; the files it read are moved into a folder beside it",
    )
    parser.add_argument("--console", action="store_true", help="use the local console chat even if tokens are set")
    parser.add_argument("--db", metavar="PATH", help="database file (overrides BOT_DB_PATH)")
    return parser.parse_args(argv)


def build_adapters(app: App, settings: Settings, console: bool) -> list[Adapter]:
    adapters: list[Adapter] = []
    if console:
        adapter = ConsoleAdapter(app.handle, files_dir=Path(settings.db_path).parent / "exports")
        app.hub.register(adapter, UNLIMITED)
        return [adapter]
    if settings.telegram_token:
        from adapters.telegram_adapter import TelegramAdapter, WebhookConfig

        webhook = (
            WebhookConfig(
                url=settings.telegram_webhook_url,
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port,
                secret_token=settings.telegram_webhook_secret,
            )
            if settings.telegram_webhook_url
            else None
        )
        telegram = TelegramAdapter(
            app.handle,
            settings.telegram_token,
            base_url=settings.telegram_base_url,
            commands=menu(),
            webhook=webhook,
        )
        app.hub.register(telegram, UNLIMITED)  # the adapter paces itself (global, per chat, groups)
        adapters.append(telegram)
    if settings.discord_token:
        from adapters.discord_adapter import DiscordAdapter
        from adapters.discord_render import specs_from_core

        discord = DiscordAdapter(
            app.handle,
            settings.discord_token,
            guild_id=settings.discord_guild_id,
            commands=specs_from_core(),
            autocomplete=Suggester(app.regimen, app.core.faq),
        )
        app.hub.register(discord, DISCORD_LIMITS)
        adapters.append(discord)
    return adapters


async def serve(settings: Settings, console: bool) -> int:
    store = open_store(settings.db_path)
    app = App(store, default_timezone=settings.default_timezone, grace=timedelta(hours=settings.catch_up_grace_hours))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, app.stop)
    adapters = build_adapters(app, settings, console)
    runner: asyncio.Task[None] | None = None
    try:
        started = 0
        for adapter in adapters:
            try:
                await adapter.start()
            except SettingsError as exc:  # e.g. a token the platform rejects: name the setting, go on without it
                print(f"Configuration error: {exc}", file=sys.stderr, flush=True)
                app.hub.unregister(adapter.platform)
                continue
            started += 1
            log.info("%s adapter started", adapter.platform)
        if not started:
            return 2
        # Only now: start-up notices and late reminders need the adapters to be up.
        runner = asyncio.create_task(app.run())
        if console:
            print(CONNECT_HINT, flush=True)
            assert isinstance(adapters[0], ConsoleAdapter)
            finished = asyncio.create_task(adapters[0].finished.wait())
            await asyncio.wait([finished, runner], return_when=asyncio.FIRST_COMPLETED)
            app.stop()
        await runner
    finally:
        app.stop()
        for adapter in adapters:
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
        if runner is not None and not runner.done():
            runner.cancel()
        store.close()
        log.info("stopped cleanly")
    return 0


def salvage_database(path: str) -> int:
    from storage.tinydb import salvage

    try:
        notes = salvage(path)
    except StorageError as exc:
        print(f"Salvage failed: {exc}", file=sys.stderr)
        return 3
    print(f"Salvaged {path}:")
    for note in notes:
        print(f"- {note}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if args.db:
        settings = Settings(**{**settings.__dict__, "db_path": args.db})
    redact_output(settings.secrets)  # before logging is set up, so its handler writes through it too
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # Libraries that log request URLs would otherwise print the bot token.
    for noisy in ("httpx", "httpcore", "telegram", "discord.http"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    pin_process_clock_to_utc()
    if args.command == "salvage":
        return salvage_database(settings.db_path)
    console = args.console or not settings.platforms_configured
    try:
        return asyncio.run(serve(settings, console))
    except StorageError as exc:
        print(f"Storage error: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
