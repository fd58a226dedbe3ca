"""Start ClearBack: every adapter whose token is set, or the console chat when none is.

`clearback` (the installed command, pyproject.toml [project.scripts]) is this module's cli(); from a checkout
`python run_bot.py` (what `make run` runs) is the same thing.

    python run_bot.py [--console] [--db PATH|URL]    (or: clearback ...; clearback --version)
    python run_bot.py salvage [--db PATH]    rebuild a damaged database from what still reads
    python run_bot.py migrate [--from PATH|URL] --to URL|PATH    copy the whole bot into an empty store
    python run_bot.py backup DEST [--db PATH]    a consistent archive of the TinyDB store, the bot running or not
    python run_bot.py restore SRC [--db PATH]    put a backup back into an empty data directory
    python run_bot.py healthcheck    0 when the running bot's /healthz answers 200 (the container's HEALTHCHECK)

Exit status: 0 after a clean stop, 2 when a setting is wrong (or every platform rejected its token),
3 when the database cannot be opened; migrate also exits 4 when the target is not empty (nothing written) and 5
when the counts differ after copying (storage.migrate); restore exits 4 when the data directory is not empty,
backup 2 for a PostgreSQL store (it prints how to use pg_dump instead), healthcheck 1 when the bot is unhealthy.
Nothing written to stdout or stderr ever contains a token.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass, replace
from datetime import timedelta
from importlib import metadata
from pathlib import Path

from adapters.base import Adapter
from adapters.console_adapter import ConsoleAdapter
from adapters.health_probe import probe_health
from adapters.http_server import Endpoints, HttpListener, start_http
from adapters.json_logs import use_json_logs
from adapters.log_hygiene import install_log_hygiene, redact_output
from adapters.metrics import PrometheusTelemetry
from adapters.settings import PlatformSettings, load_platform_settings
from adapters.stopping import Stopper
from adapters.supervisor import Supervisor
from adapters.wiring import build_console_adapter, build_platform_adapters
from bot.app import App
from bot.health import Probe
from bot.peers import LeaseKeeper, holder_id, lease_dispatcher
from bot.settings import Settings, SettingsError, load_settings
from bot.telemetry import NULL_TELEMETRY
from bot.ticker import pin_process_clock_to_utc
from storage.backups import backup_command, restore_command
from storage.base import StorageError, Store
from storage.factory import is_database_url, open_store
from storage.migrate import migrate_database, url_passwords

log = logging.getLogger("clearback")

STOP_ADAPTER_WITHIN = 2.0  # each adapter's stop, so that a SIGTERM's whole stop fits in 10 s

CONNECT_HINT = (
    "No TELEGRAM_TOKEN or DISCORD_TOKEN is set, so this is the local console chat.\n"
    "To connect a platform, copy .env.example to .env and fill in TELEGRAM_TOKEN and/or DISCORD_TOKEN "
    "(see README.md).\n"
    "Type /start to begin, /help for commands, or ask a question. Type a number in [brackets] to press a "
    "button. Ctrl-D (end of input) quits."
)


@dataclass(frozen=True)
class RunSettings:
    """What the process runs with: the core's settings and the platforms', read from the same environment."""

    core: Settings
    platforms: PlatformSettings


def load_run_settings() -> RunSettings:
    return RunSettings(load_settings(), load_platform_settings())


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="clearback", description="Run the ClearBack bot.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    parser.add_argument(
        "command",
        nargs="?",
        choices=["salvage", "migrate", "backup", "restore", "healthcheck"],
        help="salvage: rebuild a damaged database (the bot must be stopped) from the previous snapshot and "
        "every journal line that still reads; the files it read are moved into a folder beside it. "
        "migrate: copy every record from --from (default BOT_DB_PATH) into the empty store --to, and count both. "
        "backup DEST: a consistent copy of the TinyDB store (the bot may run) as one owner-only archive. "
        "restore SRC: put a backup back into an empty data directory. "
        "healthcheck: exit 0 when the running bot's /healthz (BOT_HTTP_PORT) answers 200",
    )
    parser.add_argument("path", nargs="?", metavar="DEST|SRC", help="backup: the archive to write; restore: to read")
    parser.add_argument("--from", dest="source", metavar="PATH|URL", help="migrate: the store to copy from")
    parser.add_argument("--to", dest="target", metavar="URL|PATH", help="migrate: the empty store to copy into")
    parser.add_argument("--console", action="store_true", help="use the local console chat even if tokens are set")
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="a TinyDB file (overrides BOT_DB_PATH) or a postgresql:// URL (overrides BOT_DATABASE_URL)",
    )
    return parser.parse_args(argv)


def package_version() -> str:
    """The installed distribution's version (pyproject.toml's, via the wheel's or the editable install's metadata)."""
    try:
        return metadata.version("clearback")
    except metadata.PackageNotFoundError:  # a bare checkout that was never pip-installed
        return "unknown (not installed)"


def build_adapters(app: App, settings: RunSettings, console: bool, keeper: LeaseKeeper | None = None) -> list[Adapter]:
    if console:
        return [build_console_adapter(app, files_dir=Path(settings.core.db_path).parent / "exports")]
    return build_platform_adapters(app, settings.platforms, keeper=keeper)


def build_keeper(store: Store) -> LeaseKeeper | None:
    """Among peers on a shared database, the keeper of this process's leases; None for a one-process store."""
    url = getattr(store, "url", None)  # PostgresStore's; imported lazily, like psycopg
    if not isinstance(url, str) or not is_database_url(url):
        return None
    from storage.postgres.leases import LeaseTable

    return LeaseKeeper(LeaseTable(url, holder_id()))


async def finish(runner: asyncio.Task[None] | None, within: float = 5.0) -> None:
    """Let the dispatcher's pass under way end (app.stop() was called) before its lease is given up."""
    if runner is None or runner.done():
        return
    done, _ = await asyncio.wait({runner}, timeout=within)
    if not done:
        runner.cancel()
        await asyncio.wait({runner})


async def serve(settings: RunSettings, console: bool) -> int:
    """Run until stopped. A platform that cannot be reached is tried again in the background; one whose token is
    rejected, then or later, is stopped (adapters.supervisor), and 2 is returned once none is left. The first
    SIGTERM/SIGINT stops within 10 s, the second at once (adapters.stopping)."""
    core = settings.core
    store = open_store(core.store_target)
    platforms = settings.platforms
    metrics = PrometheusTelemetry(platforms.platforms_configured) if platforms.http_port is not None else None
    app = App(
        store,
        default_timezone=core.default_timezone,
        grace=timedelta(hours=core.catch_up_grace_hours),
        telemetry=metrics or NULL_TELEMETRY,
    )
    stopper = Stopper(app.stop)
    stopper.install(asyncio.get_running_loop())
    keeper = build_keeper(store)
    if keeper is not None:  # a peer: the dispatcher and each platform's receiving are leases (bot/peers.py)
        lease_dispatcher(keeper, app)
    adapters = build_adapters(app, settings, console, keeper)
    supervisor = Supervisor(app, adapters)
    listener: HttpListener | None = None
    runner: asyncio.Task[None] | None = None
    try:
        if metrics is not None and platforms.http_port is not None:
            listener = start_http(Endpoints(Probe(app), adapters, metrics), platforms.http_host, platforms.http_port)
        for adapter in adapters:
            try:
                await adapter.start()
            except SettingsError as exc:  # e.g. a token the platform rejects: name the setting, go on without it
                supervisor.retire(adapter, str(exc))
                continue
            if adapter.link.connected:
                log.info("%s adapter started", adapter.platform)
            else:  # it goes on trying in the background, one line per attempt
                log.info("%s adapter waiting for its platform", adapter.platform)
        if not supervisor.in_service:
            return supervisor.exit_code
        if keeper is not None:  # polling and shards start once their lease is held, as the adapters are up
            log.info("peer %s on a shared database; leases are taken within a second when free", keeper.holder)
            keeper.start()
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
        await finish(runner)
        if keeper is not None:  # stop polling, shards and dispatching, then hand the leases over at once
            await keeper.stop()
        await supervisor.settled()
        for adapter in adapters:
            try:
                await asyncio.wait_for(adapter.stop(), STOP_ADAPTER_WITHIN)
            except Exception as exc:
                log.warning("stopping the %s adapter failed (%s)", adapter.platform, type(exc).__name__)
        if listener is not None:
            await listener.stop()
        app.close()
        store.close()
        stopper.disarm()
        log.info("stopped cleanly")
    return supervisor.exit_code


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
    if args.command == "healthcheck":  # before settings: a probe needs no tokens, and must not log
        return probe_health()
    if args.command == "migrate" and not args.target:
        print("migrate needs --to: a postgresql:// URL or a new TinyDB file", file=sys.stderr)
        return 2
    try:
        settings = load_run_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if args.db and is_database_url(args.db):
        settings = replace(settings, core=replace(settings.core, database_url=args.db))
    elif args.db:
        settings = replace(settings, core=replace(settings.core, db_path=args.db, database_url=None))
    secrets = settings.platforms.secrets + settings.core.secrets + url_passwords(args.source, args.target)
    redact_output(secrets)  # before logging is set up, so its handler writes through it too
    logging.basicConfig(
        level=settings.core.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if settings.core.log_format == "json":
        use_json_logs()
    install_log_hygiene(*secrets)  # libraries that log request URLs would otherwise print the bot token
    pin_process_clock_to_utc()
    if args.command == "salvage":
        return salvage_database(settings.core.db_path)
    if args.command == "migrate":
        return migrate_database(args.source or settings.core.db_path, args.target)
    if args.command == "backup":
        return backup_command(settings.core.store_target, args.path)
    if args.command == "restore":
        return restore_command(args.path, settings.core.store_target)
    console = args.console or not settings.platforms.platforms_configured
    try:
        return asyncio.run(serve(settings, console))
    except StorageError as exc:
        print(f"Storage error: {exc}", file=sys.stderr)
        return 3


def cli() -> None:
    """The installed `clearback` command (pyproject.toml [project.scripts])."""
    sys.exit(main())


if __name__ == "__main__":
    cli()
