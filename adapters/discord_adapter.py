"""Discord adapter: discord.py's client (gateway, slash commands, buttons, DMs) connected to the core.

Translation lives in adapters.discord_render, the commands and buttons as discord.py objects in
adapters.discord_commands, one REST request's window and errors in adapters.discord_calls; this module
connects events to the handler, answers them, and offers send/edit to the hub.

Intents: `Intents.none()` plus `guilds` and `dm_messages`, neither privileged. Slash commands,
autocomplete and button presses arrive as interactions, which need no intent at all; `dm_messages`
delivers what people type in their DM with the bot; `guilds` is what discord.py's cache relies on (it
warns without it). The content of DMs the bot receives is readable without the privileged
MESSAGE_CONTENT intent (Discord exempts DMs the app receives, messages it sends and messages that mention
it), so no privileged intent is requested and none has to be enabled in the developer portal.

Addresses: in a DM, `Address.chat_id` is the *user* id (as on Telegram, where a private chat's id is the
user's id), which is also what `send()` expects for reminders; in a server channel it is the channel id.

Rate limits (adapters.pacing.DISCORD_LIMITS): discord.py keeps per-route buckets, waits out 429s of up to
30 s by itself and holds every request while a global 429 lasts. On top of that, the REST requests this
adapter makes outside interaction replies (opening DMs, sending, editing) pass its FloodGate, spaced at
48 requests/s (and, for sends through the hub, a quarter second apart per channel), and every request made
with the bot token (also discord.py's own: log-in, command sync, retries) passes an arrival window just
before it leaves, which keeps what Discord receives within its global limit of 50 in any second however
the requests bunch on the way. Interaction responses and follow-ups do not count against the global limit
and pass freely. A 429 asking for more than 30 s surfaces as `RetryLater`, and holds the later sends
through the hub that long.

At most once: every message posted to a channel carries a nonce with `enforce_nonce`, so Discord answers a
repeat within a few minutes with the message it already created. discord.py re-sends by itself after a
500/502/504/524 with the same nonce; for a reminder (`Reply.dedupe_key`) and each of its chunks the nonce is
derived from the delivery, and for replies to a DM or an interaction from that message's id and the reply's
place, so a re-send by the scheduler is dropped as well. Interaction answers and follow-ups take no nonce
(Discord's API has none for them); an interaction can be answered only once anyway. What fails after a post
may have done its work is transient when its nonce names the delivery, else uncertain (adapters/base.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import Any

import aiohttp
import discord
import discord.client
from discord import app_commands
from discord.backoff import ExponentialBackoff
from discord.utils import MISSING

from adapters.base import APOLOGY, MessageHandler
from adapters.discord_calls import (
    INVALID_RECIPIENT,
    MAX_RATELIMIT_WAIT,
    UNKNOWN_USER,
    delivery_errors,
    global_limit_trace,
    posting,
)
from adapters.discord_commands import PayloadButton, reply_view, slash_command
from adapters.discord_render import (
    CommandSpec,
    choices,
    command_text,
    decode_custom_id,
    escape_text,
    message_nonce,
    split_content,
)
from adapters.link import UNREACHABLE, Backoff, Link, reason_of, retry_line
from adapters.log_hygiene import frames_only, install_log_hygiene
from adapters.pacing import DISCORD_LIMITS, ArrivalWindow, FloodGate, FloodLimits, Pacer
from bot.delivery import DeliveryError, RecipientUnreachable, TransientDeliveryError
from bot.models import DISCORD, Address, Attachment, Identity, IncomingMessage, Reply
from bot.settings import SettingsError
from bot.telemetry import NULL_TELEMETRY, Telemetry

logger = logging.getLogger(__name__)

AutocompleteHook = Callable[[Identity, str, str, str], Awaitable[list[tuple[str, str]]]]
Interaction = discord.Interaction[Any]
Target = discord.DMChannel | discord.PartialMessageable  # where send/edit post

FOREIGN_BUTTONS = "These buttons belong to someone else."
ACKNOWLEDGED = "Done."

AUTOCOMPLETE_TIMEOUT = 2.5  # Discord drops autocomplete answers after 3 s
DEFER_AFTER = 2.0  # interactions must be acknowledged within 3 s; slower handlers get a deferral
_MAX_REMEMBERED_CHANNELS = 10_000
AUTHENTICATION_FAILED = 4004  # the gateway's close code for a token it does not accept
# Gateway close codes that name a setting (token, shard count, API version, intents): never an outage to retry.
SETTING_CLOSE_CODES = frozenset({AUTHENTICATION_FAILED, 4010, 4011, 4012, 4013, 4014})
TOKEN_HINT = "DISCORD_TOKEN was rejected by Discord: copy it again from the Bot page of your application (Reset Token)."
# What may fail while Discord cannot be reached (DNS, refused, reset, TLS, time-outs, 5xx, gateway gone).
UNREACHABLE_ERRORS = (OSError, aiohttp.ClientError, TimeoutError, discord.GatewayNotFound, discord.ConnectionClosed)


class TokenRejected(SettingsError, discord.LoginFailure):
    """Discord refused the bot token: one line naming the setting (run_bot.py), never the token."""


class _CappedBackoff(ExponentialBackoff[bool]):
    """discord.py's reconnect back-off (full jitter) with its ceiling at 2^8 s, about 4 minutes instead of 17:
    within the 5 minutes ClearBack promises between attempts. discord.py makes one per connect() itself."""

    def __init__(self, base: int = 1, *, integral: bool = False) -> None:
        super().__init__(base, integral=integral)
        self._max = 8


setattr(discord.client, "ExponentialBackoff", _CappedBackoff)  # noqa: B010 - the name connect() looks up


class _ReconnectLine(logging.Filter):
    """discord.py logs each gateway reconnect with a full traceback at ERROR; this makes it our one line per
    attempt, at WARNING ("Discord unreachable (connection refused); retrying in 3 s"), and tells the link."""

    def __init__(self, link: Link) -> None:
        super().__init__()
        self.link = link

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != "Attempting a reconnect in %.2fs" or not isinstance(record.args, tuple):
            return True
        wait = record.args[0] if record.args and isinstance(record.args[0], int | float) else 0.0
        error = record.exc_info[1] if record.exc_info else None
        reason = reason_of(error) if error is not None else "connection lost"
        record.msg, record.args = retry_line("Discord", reason, float(wait)), ()
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        self.link.down(reason)
        return True


def _rest_unreachable(exc: BaseException) -> bool:
    """A failure that means Discord could not be reached (not a refusal of what was asked)."""
    if isinstance(exc, discord.HTTPException):
        return exc.status >= 500
    if isinstance(exc, discord.ConnectionClosed):
        return exc.code not in SETTING_CLOSE_CODES
    return isinstance(exc, UNREACHABLE_ERRORS)


def default_intents() -> discord.Intents:
    """DM message events, plus `guilds`, which discord.py's state relies on (it warns without it)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.dm_messages = True
    return intents


class ClearBackClient(discord.Client):
    """discord.Client with its CommandTree, delegating events to the adapter."""

    def __init__(
        self,
        adapter: DiscordAdapter,
        *,
        intents: discord.Intents,
        guild_ready_timeout: float,
        http_trace: aiohttp.TraceConfig,
        shard: tuple[int, int] | None = None,
        sync_commands: bool = True,
    ) -> None:
        """`shard` (id, count): the gateway shard this client connects; `sync_commands`: register the slash
        commands at log-in (once per adapter: shard clients only serve them)."""
        super().__init__(
            http_trace=http_trace,
            shard_id=shard[0] if shard is not None else None,
            shard_count=shard[1] if shard is not None else None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            guild_ready_timeout=guild_ready_timeout,
            max_messages=None,
            chunk_guilds_at_startup=False,
        )
        self.adapter = adapter
        self.sync_commands = sync_commands
        self.tree: app_commands.CommandTree[ClearBackClient] = app_commands.CommandTree(self)
        self.ready_event = asyncio.Event()
        self.also_ready: asyncio.Event | None = None  # a shard's: set by whichever attempt gets ready

    async def setup_hook(self) -> None:
        if self.sync_commands:
            await self.adapter._sync_commands(self)

    async def on_ready(self) -> None:
        self.ready_event.set()
        if self.also_ready is not None:
            self.also_ready.set()
        self.adapter._gateway_up()

    async def on_resumed(self) -> None:
        self.adapter._gateway_up()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter._on_message(message, self)

    async def button_pressed(self, interaction: Interaction, custom_id: str) -> None:
        await self.adapter._on_button(interaction, custom_id)


class DiscordAdapter:
    """The Discord side of the bot (adapters.base.Adapter and bot.delivery.Sender)."""

    platform = DISCORD

    def __init__(
        self,
        handler: MessageHandler,
        token: str,
        *,
        guild_id: int | None = None,
        commands: Sequence[CommandSpec] = (),
        autocomplete: AutocompleteHook | None = None,
        intents: discord.Intents | None = None,
        sync_commands: bool = True,
        start_timeout: float = 60.0,
        guild_ready_timeout: float = 2.0,
        defer_after: float = DEFER_AFTER,
        limits: FloodLimits = DISCORD_LIMITS,
        request_pacer: Pacer | None = None,
        request_window: ArrivalWindow | None = None,
        shard_count: int = 1,
        gateway_on_start: bool = True,
        reconnect: Backoff | None = None,
        telemetry: Telemetry = NULL_TELEMETRY,
    ) -> None:
        """`request_pacer`/`request_window` replace the ones `limits` would make (tests observe them).

        `gateway_on_start` False: start() only logs in (sending works through the REST API) and each gateway
        shard connects on connect_shard(i), as a peer does while it holds that shard's lease; with one shard
        and True, one client does both, as it always did. `reconnect`: the waits between attempts to log in while
        Discord cannot be reached (adapters.link.Backoff); once connected, discord.py reconnects the gateway."""
        if shard_count < 1:
            raise ValueError("shard_count must be at least 1")
        names = [spec.name for spec in commands]
        if len(set(names)) != len(names):
            raise ValueError("slash command names must be unique")
        self._handler = handler
        self._token = token
        self.guild_id = guild_id
        self.commands = tuple(commands)
        self._autocomplete = autocomplete
        self._intents = intents if intents is not None else default_intents()
        self._sync = sync_commands
        self._start_timeout = start_timeout
        self._guild_ready_timeout = guild_ready_timeout
        self._defer_after = defer_after
        # The arrival window sits in the HTTP session (global_limit_trace), so that it counts every request.
        self._gate = FloodGate(limits, count_arrivals=False, pacer=request_pacer)
        self._window = request_window or ArrivalWindow(limits.overall_limit)
        self._client: ClearBackClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.shard_count = shard_count
        self._gateway_on_start = gateway_on_start
        # Gateway clients of their own (shard id -> its attempts) when the REST client does not connect.
        self._shards: dict[int, _Shard] = {}
        self._shards_wanted: set[int] = set()  # connect_shard() asked (a held lease): connected once logged in
        self._logging_in: asyncio.Task[None] | None = None  # _log_in()'s attempts, while Discord cannot be reached
        # user id -> their DM channel; channel id -> guild id for server channels we have seen.
        self._dm_channels: OrderedDict[int, Target] = OrderedDict()
        self._guild_channels: OrderedDict[int, int] = OrderedDict()
        self.link = Link(DISCORD)
        self._reconnect = reconnect or Backoff()
        self._telemetry = telemetry
        self._reconnect_line = _ReconnectLine(self.link)
        self._first_failure = asyncio.Event()
        self._ready = asyncio.Event()  # the gateway is connected (the sending client's, or a shard's)
        self._stop_requested = asyncio.Event()

    def __repr__(self) -> str:  # never show the token
        return f"<DiscordAdapter guild_id={self.guild_id} commands={len(self.commands)}>"

    @property
    def client(self) -> ClearBackClient | None:
        """The client that sends (and, unless the shards have clients of their own, receives)."""
        return self._client

    @property
    def connected_shards(self) -> list[int]:
        """The shards whose gateway this adapter has a client for (connected or reconnecting)."""
        return sorted(self._shards)

    # ------------------------------------------------------------------ life cycle

    def build_client(self) -> ClearBackClient:
        """The sending client, with its slash commands and button handler registered; does not connect."""
        self._client = self._new_client()
        return self._client

    def _new_client(self, shard: tuple[int, int] | None = None, sync: bool = True) -> ClearBackClient:
        # No voice here: skip discord.py's warnings about the missing voice libraries.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        # discord.py's DEBUG records contain request bodies and gateway events, i.e. what people wrote.
        install_log_hygiene(self._token)
        logging.getLogger("discord.client").addFilter(self._reconnect_line)
        client = ClearBackClient(
            self,
            intents=self._intents,
            guild_ready_timeout=self._guild_ready_timeout,
            http_trace=global_limit_trace(self._window, on_429=lambda: self._telemetry.rate_limited(DISCORD)),
            shard=shard,
            sync_commands=sync,
        )
        for spec in self.commands:
            autocomplete = self._make_autocomplete if self._autocomplete is not None else None
            client.tree.add_command(slash_command(spec, self._on_command, autocomplete))
        client.add_dynamic_items(PayloadButton)
        return client

    async def start(self) -> None:
        """Log in and connect in a background task; return once ready (raise if login fails). Without the
        gateway on start, or with several shards: log in, then connect the shards if on start."""
        if self._task is not None and not self._task.done():
            return
        if self._logging_in is not None and not self._logging_in.done():
            return  # still trying to log in
        if self._task is None and self._client is not None and not self._client.is_closed():
            return  # logged in without the gateway already
        self._stopping = False
        self._stop_requested.clear()
        if not self._gateway_on_start or self.shard_count > 1:
            if self._gateway_on_start:
                self._shards_wanted.update(range(self.shard_count))
            await self._log_in()
            return
        self.link.starting()
        self._first_failure.clear()
        self._ready.clear()
        task = asyncio.create_task(self._run(), name="discord-client")
        self._task = task
        ready = asyncio.create_task(self._ready.wait(), name="discord-ready")
        failed = asyncio.create_task(self._first_failure.wait(), name="discord-unreachable")
        try:
            done, _ = await asyncio.wait(
                {task, ready, failed}, timeout=self._start_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        except BaseException:  # cancelled while connecting: leave nothing running
            await self.stop()
            raise
        finally:
            ready.cancel()
            failed.cancel()
        if task in done and not self._ready.is_set():
            error = task.exception() or RuntimeError("the Discord client stopped before it was ready")
            await self.stop()
            raise error
        task.add_done_callback(self._on_client_exit)
        if self._ready.is_set():
            client = self._client
            logger.info("Discord connected as bot user %s", client.user.id if client and client.user else "?")
        elif failed not in done:
            logger.warning("Discord not ready within %gs; still connecting", self._start_timeout)
        # else: unreachable, tried again in the background (one line per attempt)

    async def _run(self) -> None:
        """The sending client's gateway, held (see _hold_gateway) until stop()."""
        await self._hold_gateway(self._new_sending_client, self._stop_requested, self._reconnect, self._first_failure)

    def _new_sending_client(self) -> ClearBackClient:
        self._dm_channels.clear()  # channel objects belong to the client that made them
        return self.build_client()

    async def _hold_gateway(
        self,
        new_client: Callable[[], ClearBackClient],
        released: asyncio.Event,
        backoff: Backoff,
        failed: asyncio.Event,
    ) -> None:
        """Log in and hold the gateway (discord.py reconnects a dropped one itself); while Discord cannot be
        reached, a new client tries again after each wait of `backoff` (`failed` set at the first). Ends on
        stop() or once `released` is set, or raises TokenRejected when Discord refuses the token (then, or on a
        later reconnect)."""
        while not self._stopping and not released.is_set():
            client = new_client()
            try:
                await asyncio.wait_for(client.login(self._token), timeout=self._start_timeout)
                await client.connect(reconnect=True)
                return
            except discord.LoginFailure:
                await client.close()
                self.link.reject(TOKEN_HINT)
                raise TokenRejected(TOKEN_HINT) from None
            except Exception as exc:
                await client.close()
                if isinstance(exc, discord.ConnectionClosed) and exc.code == AUTHENTICATION_FAILED:
                    self.link.reject(TOKEN_HINT)
                    raise TokenRejected(TOKEN_HINT) from None
                if self._stopping or released.is_set():
                    return  # closed under it by stop() or disconnect_shard()
                if not _rest_unreachable(exc):
                    raise
                if client.ready_event.is_set():  # it was connected: a new outage, waits from the start
                    backoff.reset()
                reason, wait = reason_of(exc), backoff.next()
                self.link.retrying(logger, "Discord", reason, wait)
                failed.set()
                await _first_of(wait, self._stop_requested, released)

    def _gateway_up(self) -> None:
        if self.link.state == UNREACHABLE:
            logger.info("Discord reachable again")
        self._reconnect.reset()
        self.link.up()
        self._ready.set()

    async def _log_in(self) -> None:
        """The sending client, logged in (REST only: no gateway connection); commands synced; then the shards
        wanted meanwhile connected. Returns once logged in, or after the first attempt that could not reach
        Discord (tried again in the background, one line per attempt); raises TokenRejected if refused."""
        self.link.starting()
        self._first_failure.clear()
        task = asyncio.create_task(self._keep_logging_in(), name="discord-log-in")
        self._logging_in = task
        failed = asyncio.create_task(self._first_failure.wait(), name="discord-unreachable")
        try:
            await asyncio.wait({task, failed}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # cancelled while logging in: leave nothing running
            await self.stop()
            raise
        finally:
            failed.cancel()
        if task.cancelled():  # stop() meanwhile
            return
        if task.done() and task.exception() is not None:
            error = task.exception()
            await self.stop()
            assert error is not None
            raise error
        task.add_done_callback(self._on_client_exit)

    async def _keep_logging_in(self) -> None:
        """Log in, after each wait of the back-off while Discord cannot be reached; then connect the shards."""
        while True:
            client = self.build_client()
            try:
                await asyncio.wait_for(client.login(self._token), timeout=self._start_timeout)
                break
            except discord.LoginFailure:
                await client.close()
                self.link.reject(TOKEN_HINT)
                raise TokenRejected(TOKEN_HINT) from None
            except Exception as exc:
                await client.close()
                if self._stopping or not _rest_unreachable(exc):
                    raise
                reason, wait = reason_of(exc), self._reconnect.next()
                self.link.retrying(logger, "Discord", reason, wait)
                self._first_failure.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop_requested.wait(), wait)
                if self._stopping:
                    return
        if self.link.state == UNREACHABLE:
            logger.info("Discord reachable again")
        self._reconnect.reset()
        self.link.up()
        user = client.user.id if client.user else "?"
        logger.info("Discord logged in as bot user %s (the gateway connects per shard)", user)
        for shard in sorted(self._shards_wanted):
            if shard in self._shards_wanted:  # its lease may have been lost while another shard connected
                await self.connect_shard(shard)

    async def connect_shard(self, shard: int, *, wait: bool = True) -> None:
        """Connect the gateway of `shard` (of shard_count) in a client of its own, held until disconnect_shard
        (while Discord cannot be reached, tried again after each wait of the back-off); return once it is
        ready, after its first failed attempt, or after the start time-out with discord.py still reconnecting.
        `wait` False: return at once, the outcome logged in the background (the lease keeper's way: the loss of
        the lease must not wait behind a slow log-in). A no-op before start(); before the log-in has got
        through, the shard connects once it has."""
        if not 0 <= shard < self.shard_count:
            raise ValueError(f"no shard {shard} of {self.shard_count}")
        running = self._shards.get(shard)
        if (running is not None and running.active) or self._client is None or self._stopping:
            return
        self._shards_wanted.add(shard)
        if self._client.user is None:  # not logged in yet: _keep_logging_in connects it
            return
        held = _Shard()
        self._shards[shard] = held
        task = held.task = asyncio.create_task(self._hold_shard(shard, held), name=f"discord-shard-{shard}")
        task.add_done_callback(self._on_client_exit)
        if wait:
            await self._report_shard(shard, held, task)
        else:
            held.reporter = asyncio.create_task(self._report_shard(shard, held, task), name=f"discord-shard-{shard}-up")

    async def _report_shard(self, shard: int, held: _Shard, task: asyncio.Task[None]) -> None:
        """Wait for the shard's first outcome and log it (connected, gone, or still connecting)."""
        waits = {asyncio.create_task(event.wait()) for event in (held.ready, held.failed)}
        try:
            done, _ = await asyncio.wait({task, *waits}, timeout=self._start_timeout, return_when=FIRST)
        finally:
            for wait in waits:
                wait.cancel()
        if held.ready.is_set():
            logger.info("Discord shard %d of %d connected", shard, self.shard_count)
        elif task in done:  # ended (the error is logged by _on_client_exit): gone
            if self._shards.get(shard) is held:
                del self._shards[shard]
        elif not held.failed.is_set():
            logger.warning("Discord shard %d not ready within %gs; still connecting", shard, self._start_timeout)
        # else: unreachable, tried again in the background (one line per attempt)

    async def _hold_shard(self, shard: int, held: _Shard) -> None:
        backoff = self._reconnect.fresh()

        def new_client() -> ClearBackClient:
            client = self._new_client(shard=(shard, self.shard_count), sync=False)
            client.also_ready = held.ready
            held.client = client
            return client

        await self._hold_gateway(new_client, held.released, backoff, held.failed)

    async def disconnect_shard(self, shard: int) -> None:
        """Close the gateway of `shard`; sending goes on through the REST client."""
        self._shards_wanted.discard(shard)
        held = self._shards.pop(shard, None)
        if held is not None:
            await held.close()
            logger.info("Discord shard %d of %d disconnected", shard, self.shard_count)

    async def stop(self) -> None:
        """Disconnect and release the HTTP session; safe to call twice or before start."""
        client, task, logging_in = self._client, self._task, self._logging_in
        self._client, self._task, self._logging_in = None, None, None
        self._stopping = True
        self._stop_requested.set()
        self._shards_wanted.clear()  # a later start() connects only what a lease asks for again
        if logging_in is not None and not logging_in.done() and logging_in is not asyncio.current_task():
            logging_in.cancel()
            await asyncio.wait({logging_in})
        self.link.stopped()
        logging.getLogger("discord.client").removeFilter(self._reconnect_line)
        for shard in list(self._shards):
            await self.disconnect_shard(shard)
        if client is not None and not client.is_closed():
            await client.close()
        if task is None:
            return
        done, _ = await asyncio.wait({task}, timeout=10.0)
        if not done:
            task.cancel()
            await asyncio.wait({task})
        elif not task.cancelled() and task.exception() is not None and not isinstance(task.exception(), TokenRejected):
            logger.info("Discord client ended with %s", type(task.exception()).__name__)

    def _on_client_exit(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        error = task.exception()  # read even when stopping, or asyncio logs it as never retrieved
        if self._stopping or isinstance(error, TokenRejected):  # run_bot.py says so, once, naming the setting
            return
        if error is not None:
            logger.error("Discord connection ended: %s\n%s", type(error).__name__, frames_only(error))

    async def _sync_commands(self, client: ClearBackClient) -> None:
        """Register the slash commands: in one server (instant) when guild_id is set, else globally."""
        if not self._sync:
            return
        if self.guild_id is not None:
            guild = discord.Object(id=self.guild_id)
            client.tree.copy_global_to(guild=guild)
            try:
                synced = await client.tree.sync(guild=guild)
            except discord.Forbidden:
                raise RuntimeError(
                    f"Discord refused to register slash commands in server {self.guild_id}: check "
                    "DISCORD_GUILD_ID and that the bot was invited with the applications.commands scope."
                ) from None
            logger.info("Discord: %d slash commands registered in server %s", len(synced), self.guild_id)
        else:
            synced = await client.tree.sync()
            logger.info("Discord: %d slash commands registered globally", len(synced))

    # ------------------------------------------------------------------ slash commands

    def _make_autocomplete(
        self, command: str, option: str
    ) -> Callable[[Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
        async def autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
            return await self._on_autocomplete(interaction, command, option, current)

        return autocomplete

    async def _on_autocomplete(
        self, interaction: Interaction, command: str, option: str, current: str
    ) -> list[app_commands.Choice[str]]:
        if self._autocomplete is None:
            return []
        identity = Identity(DISCORD, str(interaction.user.id))
        try:
            suggestions = await asyncio.wait_for(
                self._autocomplete(identity, command, option, current), timeout=AUTOCOMPLETE_TIMEOUT
            )
        except Exception as exc:
            logger.error(
                "Discord autocomplete for /%s %s failed (%s)\n%s", command, option, type(exc).__name__, frames_only(exc)
            )
            return []
        return [app_commands.Choice(name=name, value=value) for name, value in choices(suggestions)]

    async def _on_command(self, interaction: Interaction, spec: CommandSpec, values: dict[str, str | None]) -> None:
        identity, address, is_dm = self._context(interaction)
        incoming = IncomingMessage(
            identity=identity, address=address, text=command_text(spec, values), is_private=is_dm
        )
        await self._serve_interaction(interaction, incoming, f"/{spec.name}", is_dm)

    # ------------------------------------------------------------------ buttons

    async def _on_button(self, interaction: Interaction, custom_id: str) -> None:
        decoded = decode_custom_id(custom_id)
        if decoded is None:
            return
        owner, payload = decoded
        identity, address, is_dm = self._context(interaction)
        if owner is not None and owner != identity.user_id:
            try:
                await interaction.response.send_message(FOREIGN_BUTTONS, ephemeral=True)
            except discord.HTTPException as exc:
                logger.warning("Discord: could not refuse a foreign button press (%s)", type(exc).__name__)
            return
        message = interaction.message
        incoming = IncomingMessage(
            identity=identity,
            address=address,
            button=payload,
            is_private=is_dm,
            message_ref=str(message.id) if message is not None else None,
        )
        await self._serve_interaction(interaction, incoming, "button press", is_dm)

    # ------------------------------------------------------------------ DMs

    async def _on_message(self, message: discord.Message, client: discord.Client | None = None) -> None:
        """Plain text typed in a DM with the bot goes to the core like a typed command or question."""
        if message.author.bot or message.guild is not None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        text = message.content.strip()
        if not text:
            return
        user_id = message.author.id
        if isinstance(message.channel, discord.DMChannel | discord.PartialMessageable):
            self._remember(self._dm_channels, user_id, self._sendable(message.channel, client))
        address = Address(DISCORD, str(user_id))
        incoming = IncomingMessage(
            identity=Identity(DISCORD, str(user_id)), address=address, text=text, is_private=True
        )
        try:
            replies = await self._handler(incoming)
            for index, reply in enumerate(replies):  # App.handle routed any meant for elsewhere
                await self._post(address, reply, reply.dedupe_key or f"dm:{message.id}:{index}", background=False)
        except Exception as exc:
            logger.error("Discord DM message failed (%s)\n%s", type(exc).__name__, frames_only(exc))
            try:
                async with self._paced():
                    await message.channel.send(APOLOGY)
            except Exception as inner:
                logger.warning("Discord: could not apologise in a DM (%s)", type(inner).__name__)

    # ------------------------------------------------------------------ interactions → core → replies

    def _context(self, interaction: Interaction) -> tuple[Identity, Address, bool]:
        user_id = interaction.user.id
        identity = Identity(DISCORD, str(user_id))
        if interaction.guild_id is None:
            if isinstance(interaction.channel, discord.DMChannel):
                self._remember(self._dm_channels, user_id, self._sendable(interaction.channel, interaction.client))
            return identity, Address(DISCORD, str(user_id)), True
        channel_id = interaction.channel_id or 0
        self._remember(self._guild_channels, channel_id, interaction.guild_id)
        return identity, Address(DISCORD, str(channel_id)), False

    async def _serve_interaction(
        self, interaction: Interaction, incoming: IncomingMessage, what: str, is_dm: bool
    ) -> None:
        """Call the core and answer; every failure ends here: logged without text, answered with APOLOGY."""
        try:
            replies = await self._handle_in_time(interaction, incoming, is_dm)
            await self._answer(interaction, incoming, replies, is_dm)
        except Exception as exc:
            where = "a DM" if is_dm else "a server channel"
            logger.error("Discord %s failed in %s (%s)\n%s", what, where, type(exc).__name__, frames_only(exc))
            await self._apologise(interaction)

    async def _handle_in_time(self, interaction: Interaction, incoming: IncomingMessage, is_dm: bool) -> list[Reply]:
        """Run the handler; if it is slow, acknowledge the interaction before Discord's 3 s run out."""
        task: asyncio.Future[list[Reply]] = asyncio.ensure_future(self._handler(incoming))
        done, _ = await asyncio.wait({task}, timeout=self._defer_after)
        if not done:
            try:
                await self._defer(interaction, is_dm)
            except discord.HTTPException as exc:
                logger.warning("Discord: could not defer a slow interaction (%s)", type(exc).__name__)
        return await task

    async def _defer(self, interaction: Interaction, is_dm: bool) -> None:
        if interaction.response.is_done():
            return
        if interaction.type is discord.InteractionType.component:
            await interaction.response.defer()  # "deferred update": the pressed message stays as it is
        else:
            await interaction.response.defer(ephemeral=not is_dm, thinking=True)

    async def _answer(
        self, interaction: Interaction, incoming: IncomingMessage, replies: list[Reply], is_dm: bool
    ) -> None:
        """The replies as the interaction's answer and follow-ups (App.handle routed any meant for elsewhere);
        with nothing to show, a press is acknowledged silently and a command with "Done."."""
        answered = False
        for reply in replies:
            answered = await self._respond(interaction, reply, is_dm) or answered
        if answered:
            return
        if interaction.type is discord.InteractionType.component:
            if not interaction.response.is_done():
                await interaction.response.defer()
            return
        await self._respond(interaction, Reply(ACKNOWLEDGED), is_dm)

    async def _respond(self, interaction: Interaction, reply: Reply, is_dm: bool) -> bool:
        """Show a reply as the interaction's answer (or a follow-up); False if there was nothing to show."""
        ephemeral = reply.private and not is_dm
        chunks = split_content(escape_text(reply.text))
        view = reply_view(reply, str(interaction.user.id))
        attachment = reply.attachment
        if not chunks[-1] and len(chunks) == 1 and view is None and attachment is None:
            return False
        if reply.edit and interaction.type is discord.InteractionType.component and interaction.message is not None:
            single = len(chunks) == 1
            files: list[discord.File] = [_file(attachment)] if attachment is not None and single else []
            if not interaction.response.is_done():
                await interaction.response.edit_message(
                    content=chunks[0],
                    view=view if single else None,
                    attachments=files,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            else:
                await interaction.edit_original_response(
                    content=chunks[0],
                    view=view if single else None,
                    attachments=files,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            if single:
                return True
            chunks = chunks[1:]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            file = _file(attachment) if last and attachment is not None else MISSING
            last_view = view if last and view is not None else MISSING
            if not interaction.response.is_done():
                await interaction.response.send_message(
                    chunk or None,
                    view=last_view,
                    file=file,
                    ephemeral=ephemeral,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            else:
                await interaction.followup.send(
                    chunk,
                    view=last_view,
                    file=file,
                    ephemeral=ephemeral,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
        return True

    async def _apologise(self, interaction: Interaction) -> None:
        try:
            if interaction.response.is_done():
                await interaction.followup.send(APOLOGY, ephemeral=True)
            else:
                await interaction.response.send_message(APOLOGY, ephemeral=True)
        except Exception as exc:
            logger.warning("Discord: could not send the apology (%s)", type(exc).__name__)

    # ------------------------------------------------------------------ Sender: send / edit

    async def send(self, address: Address, reply: Reply) -> str | None:
        """Send to a user's DM (chat_id = user id) or a channel; the id of the message with the buttons."""
        return await self._post(address, reply, reply.dedupe_key, background=True)

    async def _post(self, address: Address, reply: Reply, key: str | None, *, background: bool) -> str | None:
        """send(), with the key that names this delivery for its nonces (None: a fresh nonce per call);
        `background`: a send through the hub (paced per channel too), not a reply in the chat that asked."""
        with delivery_errors("send", self._gate.hold_background if background else None):
            channel, owner = await self._resolve(address, background)
            chunks = split_content(escape_text(reply.text))
            nonces = [message_nonce(address.chat_id, key, index) for index in range(len(chunks))] if key else None
            chat = address.chat_id if background else None
            with posting(key):
                view = reply_view(reply, owner)
                return await self._send_chunks(
                    channel, chunks, view, reply.attachment, nonces, chat=chat, background=background
                )

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        """Replace an earlier message's text and buttons (text beyond 2000 characters follows as new messages)."""
        with delivery_errors("edit", self._gate.hold_background):
            channel, owner = await self._resolve(address, background=True)
            chunks = split_content(escape_text(reply.text))
            view = reply_view(reply, owner) if len(chunks) == 1 else None
            files = [_file(reply.attachment)] if reply.attachment is not None and len(chunks) == 1 else []
            message = channel.get_partial_message(int(message_ref))
            async with self._paced(address.chat_id, background=True):
                await message.edit(
                    content=chunks[0], view=view, attachments=files, allowed_mentions=discord.AllowedMentions.none()
                )
            if len(chunks) > 1:
                rest = "\n".join(chunks[1:])  # already escaped: send as-is, re-split
                more = split_content(rest)
                view = reply_view(reply, owner)
                await self._send_chunks(channel, more, view, reply.attachment, chat=address.chat_id, background=True)

    async def _send_chunks(
        self,
        channel: Target,
        chunks: list[str],
        view: discord.ui.View | None,
        attachment: Attachment | None,
        nonces: Sequence[str] | None = None,
        *,
        chat: str | None,
        background: bool,
    ) -> str | None:
        """Post the chunks in order; `nonces` one per chunk, else a random one per message (as discord.py
        would pick), which still covers discord.py's own re-sends of it. Paced per `chat` unless None."""
        if len(chunks) == 1 and not chunks[0] and view is None and attachment is None:
            return None  # Discord refuses empty messages
        message_id: str | None = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            async with self._paced(chat, background):
                message = await channel.send(
                    chunk or None,
                    view=view if last and view is not None else MISSING,
                    file=_file(attachment) if last and attachment is not None else MISSING,
                    nonce=nonces[index] if nonces is not None else secrets.randbits(64),
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            message_id = str(message.id)
        return message_id

    async def _resolve(self, address: Address, background: bool) -> tuple[Target, str | None]:
        """A channel to post to, and the owner to put into button custom_ids (the DM's user)."""
        if address.platform != DISCORD:
            raise DeliveryError(f"not a Discord address: {address.platform}")
        client = self._client
        if client is None or client.is_closed():
            raise TransientDeliveryError("the Discord adapter is not running")
        if client.user is None:  # a log-in attempt under way (its HTTP session not opened yet)
            raise TransientDeliveryError("not logged in to Discord yet")
        try:
            chat_id = int(address.chat_id)
        except ValueError:
            raise RecipientUnreachable("not a Discord id") from None
        cached = self._dm_channels.get(chat_id)
        if cached is not None:
            return cached, str(chat_id)
        guild_id = self._guild_channels.get(chat_id)
        if guild_id is not None:
            return client.get_partial_messageable(chat_id, guild_id=guild_id), None
        try:
            async with self._paced(None, background):
                dm = await client.create_dm(discord.Object(id=chat_id))
        except discord.HTTPException as exc:
            if exc.status in (400, 404) and exc.code in (INVALID_RECIPIENT, UNKNOWN_USER):
                # Not a user: a server channel the adapter has not seen since it started.
                return client.get_partial_messageable(chat_id), None
            raise
        self._remember(self._dm_channels, chat_id, dm)
        return dm, str(chat_id)

    def _sendable(self, channel: Target, received_by: discord.Client | None) -> Target:
        """A DM channel to remember for sending: one of the sending client, never of a shard's client, which
        is closed when its lease is lost."""
        main = self._client
        if main is None or received_by is None or received_by is main:
            return channel
        return main.get_partial_messageable(channel.id, type=discord.ChannelType.private)

    @contextlib.asynccontextmanager
    async def _paced(self, chat: str | None = None, background: bool = False) -> AsyncIterator[None]:
        """One REST request through the FloodGate (the arrival window is passed in the HTTP session)."""
        async with self._gate.sending(chat, background=background):
            yield

    @staticmethod
    def _remember(cache: OrderedDict[int, Any], key: int, value: Any) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > _MAX_REMEMBERED_CHANNELS:
            cache.popitem(last=False)


async def _close_client(client: discord.Client, task: asyncio.Task[None], grace: float = 10.0) -> None:
    if not client.is_closed():
        await client.close()
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        task.cancel()
        await asyncio.wait({task})


FIRST = asyncio.FIRST_COMPLETED
SHARD_CLOSE_GRACE = 1.0  # a shard's lease is lost: its attempts end within this, so a peer can take it


class _Shard:
    """One shard's gateway while its lease is held: the task making the attempts, the client of the current
    one, and the events it is watched and stopped by."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None
        self.client: ClearBackClient | None = None
        self.ready = asyncio.Event()  # set when an attempt's gateway is ready
        self.failed = asyncio.Event()  # an attempt could not reach Discord (tried again after a wait)
        self.released = asyncio.Event()  # disconnect_shard: no further attempt
        self.reporter: asyncio.Task[None] | None = None  # connect_shard(wait=False): logs the first outcome

    @property
    def active(self) -> bool:
        return self.task is not None and not self.task.done()

    async def close(self) -> None:
        self.released.set()
        if self.reporter is not None and not self.reporter.done():
            self.reporter.cancel()
            await asyncio.wait({self.reporter})
        if self.task is None:
            return
        if self.client is not None:  # a closed gateway ends at once; a log-in under way is cancelled soon
            await _close_client(self.client, self.task, grace=SHARD_CLOSE_GRACE)
        else:
            await asyncio.wait({self.task})


async def _first_of(seconds: float, *events: asyncio.Event) -> None:
    """Wait `seconds`, or less if one of `events` is set first."""
    waits = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=FIRST)
    finally:
        for wait in waits:
            wait.cancel()


def _file(attachment: Attachment) -> discord.File:
    return discord.File(io.BytesIO(attachment.data), filename=attachment.filename)
