"""Telegram adapter: wires python-telegram-bot to the core.

The pure translation lives in adapters/telegram_render.py; this module owns the PTB Application
(long polling, or a webhook listener of our own that always requires a secret), routes replies (edits,
private replies from groups), paces outgoing messages (FloodLimiter), and turns telegram.error exceptions
into bot.delivery errors for the scheduler. A message is sent again only when its request provably never
left; anything else that fails may have arrived, so it is never sent twice.

Privacy: nothing here logs message text or the bot token. PTB and httpx log request URLs (which
contain the token) and, at DEBUG, request parameters (which contain message text): their loggers are
set to WARNING unless configured explicitly, and a filter redacts the token from their records.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import secrets
import time
import traceback
import warnings
from bisect import bisect_right, insort
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import tornado.web
from telegram import Bot, BotCommand, Message, ReplyParameters, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, BaseRateLimiter, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning
from tornado.httpserver import HTTPServer

from adapters.base import APOLOGY, MessageHandler
from adapters.telegram_render import (
    TextKwargs,
    incoming_from_update,
    render_attachment,
    render_reply,
    render_text,
)
from bot.delivery import (
    DeliveryError,
    DeliveryUncertain,
    RecipientUnreachable,
    RetryLater,
    TransientDeliveryError,
)
from bot.models import TELEGRAM, Address, IncomingMessage, Reply
from bot.ratelimit import ArrivalWindow
from bot.settings import DEFAULT_WEBHOOK_LISTEN, SettingsError, secret_forms, valid_webhook_secret

logger = logging.getLogger(__name__)

T = TypeVar("T")

PRIVATE_NOTE = "I've sent you the details in a private chat."
OPEN_PRIVATE_CHAT = "Please open a private chat with me first: https://t.me/{username}"

ALLOWED_UPDATES = ("message", "callback_query")
# Requests that put (or change) a message in a chat: these are paced and count toward flood limits.
PACED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Receive updates by webhook instead of long polling.

    `url` is the public HTTPS URL Telegram calls (its path is served locally); `listen`/`port` is
    where the local server binds: loopback by default, behind a TLS-terminating reverse proxy.
    Without `secret_token` a random one is made at each start; either way every delivery must carry it.
    """

    url: str
    listen: str = DEFAULT_WEBHOOK_LISTEN
    port: int = 8443
    secret_token: str | None = None

    def __post_init__(self) -> None:
        if self.secret_token is not None and not valid_webhook_secret(self.secret_token):
            raise ValueError("a webhook secret is 1-256 characters of A-Z, a-z, 0-9, _ and -")


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_MAX_BODY = 1 << 20  # an update is a few KB; refuse anything far larger unread


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)  # 43 characters of A-Za-z0-9_-


class TokenRejected(SettingsError):
    """Telegram refused the bot token at start-up (401/404): one line naming the setting, never the token."""


class _WebhookApplication(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: anyone can reach the port, and nothing about a request needs keeping."""


class _WebhookHandler(tornado.web.RequestHandler):
    """Accepts Telegram's POSTs: the secret header first (constant time), then the update, into PTB's queue."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, app: AnyApplication, secret: bytes) -> None:
        self._app = app
        self._secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        # hmac.compare_digest takes as long for a nearly right guess as for a wrong one (PTB uses `!=`).
        if not hmac.compare_digest(given.encode("latin-1", "replace"), self._secret):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, self._app.bot) if isinstance(data, dict) else None
        except Exception:  # the body is not logged: it holds message text
            update = None
        if update is None:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        self._app.bot.insert_callback_data(update)
        await self._app.update_queue.put(update)


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """Telegram's documented limits are ~30 messages/s overall, 1/s per chat, 20/min per group.

    Messages leave spaced at `overall_per_second`; on top of that, no more than `overall_limit` can reach
    Telegram within any second however the network bunches them (bot.ratelimit.ArrivalWindow). A message
    counts from when it leaves until a second after its answer, so with a round trip of r seconds the window
    allows about overall_limit / (1 + r) a second: it sets the pace above ~35 ms (27/s at 100 ms).
    """

    overall_per_second: float = 29.0
    overall_limit: int = 30
    private_interval: float = 1.0
    group_interval: float = 3.0

    def __post_init__(self) -> None:
        if self.overall_per_second > self.overall_limit:  # the window would silently cap the spacing
            raise ValueError(
                f"overall_per_second ({self.overall_per_second}) above overall_limit ({self.overall_limit}):"
                " raise both, e.g. FloodLimits(overall_per_second=200, overall_limit=200)"
            )


# --------------------------------------------------------------------------------------------------
# Logging hygiene
# --------------------------------------------------------------------------------------------------


class TokenRedactingFilter(logging.Filter):
    """Replaces every registered bot token (and its URL-encoded form, and the part after the colon) in a
    record's message and traceback with `<token>`."""

    def __init__(self) -> None:
        super().__init__()
        self._tokens: set[str] = set()
        self._ordered: list[str] = []

    def add_token(self, token: str) -> None:
        if token:
            self._tokens.update(secret_forms(token))
            self._ordered = sorted(self._tokens, key=len, reverse=True)  # whole token before its tail

    def redact(self, text: str) -> str:
        for form in self._ordered:
            text = text.replace(form, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._tokens:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix; leave the record alone
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


TOKEN_FILTER = TokenRedactingFilter()
_NOISY_LOGGERS = ("httpx", "httpcore", "telegram")


def install_log_hygiene(token: str) -> None:
    """Quiet PTB/httpx below WARNING (unless configured) and redact the token from their records, and from
    whatever reaches the root logger's handlers."""
    TOKEN_FILTER.add_token(token)
    for name in _NOISY_LOGGERS:
        noisy = logging.getLogger(name)
        if noisy.level == logging.NOTSET:
            noisy.setLevel(logging.WARNING)
    names = [
        name
        for name in list(logging.Logger.manager.loggerDict)
        if any(name == prefix or name.startswith(f"{prefix}.") for prefix in _NOISY_LOGGERS)
    ]
    for name in [*_NOISY_LOGGERS, *names]:
        target = logging.getLogger(name)
        if TOKEN_FILTER not in target.filters:
            target.addFilter(TOKEN_FILTER)
    # A logger's filters see only its own records; the root's handlers also see those of child loggers
    # created later (and of every other library), so they redact too.
    for handler in logging.getLogger().handlers:
        if TOKEN_FILTER not in handler.filters:
            handler.addFilter(TOKEN_FILTER)


def _frames_only(exc: BaseException) -> str:
    """The traceback without the exception's message, which may quote user text."""
    return "".join(traceback.format_tb(exc.__traceback__))


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# --------------------------------------------------------------------------------------------------
# Flood control
# --------------------------------------------------------------------------------------------------


# Reminders book send slots at most this far ahead, so a reply to someone who writes during a burst of
# reminders books its slot at once and waits at most this long, not behind every reminder of the burst.
SCHEDULED_LOOKAHEAD = 0.5
_interactive: ContextVar[bool] = ContextVar("clearback_telegram_interactive", default=True)


@contextlib.contextmanager
def sending_kind(interactive: bool) -> Iterator[None]:
    """Tell the FloodLimiter whether the Bot API calls made inside are replies (True) or reminders."""
    token = _interactive.set(interactive)
    try:
        yield
    finally:
        _interactive.reset(token)


class FloodLimiter(BaseRateLimiter[None]):
    """Paces message-producing requests: `overall_per_second` overall, one per chat interval.

    Each request reserves a slot synchronously (no await between looking and reserving, so concurrent
    callers in one event loop never collide), then sleeps until its slot. Slots are planned ahead, so
    after an event-loop stall several requests could wake at once: before going, each also checks its
    chat's real last send time, and passes the arrival window, which keeps what Telegram receives within
    `overall_limit` a second however the requests bunch. Reminders take turns to book, and only while
    fewer than SCHEDULED_LOOKAHEAD seconds of slots are booked ahead; replies book at once. A RetryAfter
    from Telegram blocks that chat for the given time and is re-raised: the adapter decides whether to retry.
    Other requests (answerCallbackQuery, getMe, ...) pass straight through.
    """

    def __init__(
        self,
        limits: FloodLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = limits or FloodLimits()
        self._clock = clock
        self._sleep = sleep
        self._gap = 1.0 / self._limits.overall_per_second if self._limits.overall_per_second > 0 else 0.0
        self._reserved: list[float] = []  # sorted slot times, global
        self._chat_next: dict[str, float] = {}  # earliest next slot per chat
        self._window = ArrivalWindow(self._limits.overall_limit, 1.0, clock, sleep)
        self._chat_sent: dict[str, float] = {}  # real last send time per chat
        self._scheduled_turn = asyncio.Lock()  # reminders book one at a time, in order
        self._scheduled_ahead = max(1, round(SCHEDULED_LOOKAHEAD * self._limits.overall_per_second))

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _chat_interval(self, chat_key: str) -> float:
        # Private chats have positive ids; groups, supergroups and channels negative (or @username).
        is_group = chat_key.startswith("-") or chat_key.startswith("@")
        return self._limits.group_interval if is_group else self._limits.private_interval

    def reserve(self, chat_key: str) -> float:
        """Reserve the next allowed slot for a message to `chat_key`; returns the slot time."""
        now = self._clock()
        self._prune(now)
        slot = max(now, self._chat_next.get(chat_key, now))
        if self._gap:
            index = bisect_right(self._reserved, slot - self._gap)
            while index < len(self._reserved) and self._reserved[index] < slot + self._gap:
                slot = self._reserved[index] + self._gap
                index += 1
            insort(self._reserved, slot)
        self._chat_next[chat_key] = slot + self._chat_interval(chat_key)
        return slot

    def _booked_ahead(self) -> list[float]:
        """The slots booked from now on, earliest first."""
        return self._reserved[bisect_right(self._reserved, self._clock()) :]

    def block(self, chat_key: str, seconds: float) -> None:
        until = self._clock() + seconds
        self._chat_next[chat_key] = max(self._chat_next.get(chat_key, until), until)

    def _prune(self, now: float) -> None:
        cutoff = bisect_right(self._reserved, now - 1.0)
        if cutoff:
            del self._reserved[:cutoff]
        if len(self._chat_next) > 1024:
            for key in [key for key, next_slot in self._chat_next.items() if next_slot < now]:
                del self._chat_next[key]
                self._chat_sent.pop(key, None)

    @contextlib.asynccontextmanager
    async def sending(self, chat_key: str) -> AsyncIterator[None]:
        """Wait until a message to `chat_key` may go, and count it as on its way until the block ends."""
        if _interactive.get() or not self._gap:
            delay = self.reserve(chat_key) - self._clock()
        else:
            async with self._scheduled_turn:
                while len(booked := self._booked_ahead()) >= self._scheduled_ahead:
                    await self._sleep(booked[0] - self._clock())  # until the earliest booked slot comes
                delay = self.reserve(chat_key) - self._clock()
        if delay > 0:
            await self._sleep(delay)
        while True:  # both checks, then counting it as sent, without an await in between
            last = self._chat_sent.get(chat_key)
            chat_wait = 0.0 if last is None else last + self._chat_interval(chat_key) - self._clock()
            if chat_wait > 0:
                await self._sleep(chat_wait)
                continue
            window_wait = self._window.try_enter()
            if window_wait == 0.0:
                break
            await self._window.pause(window_wait)
        self._chat_sent[chat_key] = self._clock()
        try:
            yield
        finally:
            self._window.leave()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if endpoint not in PACED_METHODS or chat_id is None:
            return await callback(*args, **kwargs)
        chat_key = str(chat_id)
        async with self.sending(chat_key):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.block(chat_key, retry_after_seconds(exc))
                raise


# --------------------------------------------------------------------------------------------------
# Per-user serialisation
# --------------------------------------------------------------------------------------------------


class KeyedLocks:
    """One lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


# --------------------------------------------------------------------------------------------------
# Error translation
# --------------------------------------------------------------------------------------------------

_GONE_MARKERS = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")
_NOT_MODIFIED = "message is not modified"
_CANNOT_EDIT_MARKERS = (
    "message to edit not found",
    "message can't be edited",
    "there is no text in the message to edit",
)


def _describe(exc: TelegramError) -> str:
    return f"{type(exc).__name__}: {exc.message}"


class _EditImpossible(Exception):
    """The message to edit is gone or cannot be edited (too old, not text): send a new one instead."""


# --------------------------------------------------------------------------------------------------
# The adapter
# --------------------------------------------------------------------------------------------------


class TelegramAdapter:
    """The Telegram side of ClearBack. Implements adapters.base.Adapter and bot.delivery.Sender."""

    platform = TELEGRAM

    # Own retries when a request never left (connect errors, pool timeouts), and for edits after any
    # network trouble or 5xx: attempts = len(delays) + 1.
    transient_retry_delays: tuple[float, ...] = (0.3, 1.0)
    # Flood control: how long send()/edit() wait in place before handing RetryLater to the scheduler,
    # and how long an interactive reply may wait in total.
    scheduled_retry_after_budget: float = 5.0
    interactive_retry_after_budget: float = 60.0

    def __init__(
        self,
        handler: MessageHandler,
        token: str,
        *,
        base_url: str | None = None,
        commands: Sequence[tuple[str, str]] = (),
        webhook: WebhookConfig | None = None,
        request_timeout: float = 10.0,
        poll_timeout: float = 25.0,
        limits: FloodLimits | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`sleep` waits out retry back-offs and flood waits (tests pass their own clock)."""
        if not token:
            raise ValueError("a Telegram bot token is required")
        self._handler = handler
        self._token = token
        self._base_url = base_url.rstrip("/") if base_url else None
        self._commands = tuple(commands)
        self._webhook = webhook
        self._request_timeout = request_timeout
        self._poll_timeout = poll_timeout
        self._limiter = FloodLimiter(limits)
        self._sleep = sleep
        self._locks = KeyedLocks()
        self._app: AnyApplication | None = None
        self._webhook_server: HTTPServer | None = None
        self._lifecycle = asyncio.Lock()
        self._bot_username = ""
        self._bot_id = 0
        install_log_hygiene(token)

    # ---- lifecycle ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._app is not None

    @property
    def bot_username(self) -> str:
        return self._bot_username

    def _build_application(self) -> AnyApplication:
        builder = (
            Application.builder()
            .token(self._token)
            .rate_limiter(self._limiter)
            .concurrent_updates(True)
            .job_queue(None)
            .connect_timeout(self._request_timeout)
            .read_timeout(self._request_timeout)
            .write_timeout(self._request_timeout)
            .pool_timeout(self._request_timeout)
        )
        if self._base_url:
            builder = builder.base_url(self._base_url).base_file_url(self._file_base_url(self._base_url))
        if self._webhook is not None:
            builder = builder.updater(None)  # updates arrive through our own listener (_start_webhook)
        app: AnyApplication = builder.build()
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_ptb_error)
        return app

    @staticmethod
    def _file_base_url(base_url: str) -> str:
        # https://api.telegram.org/bot -> https://api.telegram.org/file/bot
        head, _, tail = base_url.rpartition("/")
        return f"{head}/file/{tail}" if head else f"{base_url}/file"

    async def start(self) -> None:
        async with self._lifecycle:
            if self._app is not None:
                return
            install_log_hygiene(self._token)  # loggers created by late PTB imports
            app = self._build_application()
            rejected = False
            try:
                try:
                    await app.initialize()
                except InvalidToken:
                    # PTB's message quotes the token: it is dropped here, and raised anew outside this block so
                    # it is not even the new error's __context__.
                    rejected = True
                else:
                    self._bot_username = app.bot.username
                    self._bot_id = app.bot.id
                    await self._register_commands(app)
                    await app.start()
                    if self._webhook is not None:
                        await self._start_webhook(app, self._webhook)
                    else:
                        await self._start_polling(app)
            except BaseException:
                await self._teardown(app)
                raise
            if rejected:
                await self._teardown(app)
                raise TokenRejected(self._rejected_hint())
            self._app = app
            logger.info("telegram adapter started as @%s (%s)", self._bot_username, self._mode)

    def _rejected_hint(self) -> str:
        hint = "TELEGRAM_TOKEN was rejected by Telegram: copy the token again from @BotFather (/mybots, API Token)"
        if self._base_url:
            hint += ", and check TELEGRAM_BASE_URL"
        return hint + "."

    async def _start_polling(self, app: AnyApplication) -> None:
        updater = app.updater
        if updater is None:  # pragma: no cover - the builder creates one unless in webhook mode
            raise RuntimeError("PTB application has no updater")
        await updater.start_polling(
            poll_interval=0.0,
            timeout=timedelta(seconds=self._poll_timeout),
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
            error_callback=self._on_polling_error,
        )

    async def _start_webhook(self, app: AnyApplication, config: WebhookConfig) -> None:
        """Our own listener instead of PTB's Updater: PTB compares the secret header with `!=`, which leaks
        how much of a guess was right. The secret is always set: a fresh random one at each start unless
        configured, registered with setWebhook so Telegram sends it on every delivery."""
        secret = config.secret_token or new_webhook_secret()
        path = urlsplit(config.url).path or "/"
        routes = [(rf"{re.escape(path.rstrip('/'))}/?", _WebhookHandler, {"app": app, "secret": secret.encode()})]
        server = HTTPServer(_WebhookApplication(routes), max_body_size=WEBHOOK_MAX_BODY)
        server.listen(config.port, address=config.listen)  # before setWebhook: Telegram may call at once
        self._webhook_server = server
        await app.bot.set_webhook(
            url=config.url,
            secret_token=secret,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )

    @property
    def _mode(self) -> str:
        return "webhook" if self._webhook is not None else "polling"

    async def _register_commands(self, app: AnyApplication) -> None:
        if not self._commands:
            return
        try:
            await app.bot.set_my_commands([BotCommand(name, description) for name, description in self._commands])
        except TelegramError as exc:  # the menu is a convenience; the bot works without it
            logger.warning("could not register the command menu: %s", type(exc).__name__)

    async def stop(self) -> None:
        async with self._lifecycle:
            app, self._app = self._app, None
            if app is not None:
                await self._teardown(app)
                logger.info("telegram adapter stopped")

    async def _teardown(self, app: AnyApplication) -> None:
        server, self._webhook_server = self._webhook_server, None
        try:
            if server is not None:
                server.stop()
                await server.close_all_connections()
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
        finally:
            with contextlib.suppress(RuntimeError):  # never initialized
                await app.shutdown()

    def _on_polling_error(self, exc: TelegramError) -> None:
        logger.warning("polling for updates failed (%s); retrying", type(exc).__name__)

    async def _on_ptb_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error(
            "telegram error outside the handler: update_id=%s error=%s\n%s",
            update_id,
            type(error).__name__,
            _frames_only(error) if error is not None else "",
        )

    # ---- inbound --------------------------------------------------------------------------------

    async def _answer_callback(self, update: Update) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except TelegramError as exc:
            logger.warning("answering callback query failed: update_id=%s %s", update.update_id, type(exc).__name__)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Stop the button's spinner at once, even while this user's previous update is still being
        # handled; the handler itself runs only after the answer went out.
        answering = asyncio.ensure_future(self._answer_callback(update))
        incoming = incoming_from_update(update, bot_username=self._bot_username, bot_id=self._bot_id)
        if incoming is None:
            await answering
            return
        chat_type = update.effective_chat.type if update.effective_chat else "unknown"
        source_message_id = update.message.message_id if update.message is not None else None
        # Updates run concurrently (concurrent_updates), but one person's are handled in arrival order.
        async with self._locks.hold(incoming.identity.user_id):
            await answering
            try:
                replies = await self._handler(incoming)
            except Exception as exc:
                logger.error(
                    "handler failed: update_id=%s chat_type=%s error=%s\n%s",
                    update.update_id,
                    chat_type,
                    type(exc).__name__,
                    _frames_only(exc),
                )
                replies = [Reply(APOLOGY, private=False)]
            try:
                await self._deliver(incoming, replies, source_message_id)
            except DeliveryUncertain as exc:
                # The reply may be in the chat already: sending it (or an apology) again could show it twice.
                logger.warning(
                    "a reply may not have arrived; not sent again: update_id=%s chat_type=%s error=%s",
                    update.update_id,
                    chat_type,
                    type(exc.__cause__).__name__,
                )
            except Exception as exc:
                logger.error(
                    "delivering replies failed: update_id=%s chat_type=%s error=%s\n%s",
                    update.update_id,
                    chat_type,
                    type(exc).__name__,
                    _frames_only(exc),
                )
                # Nobody to apologise to when the chat is gone; and a flood wait would only block again.
                if not isinstance(exc, RecipientUnreachable | RetryLater):
                    with contextlib.suppress(Exception):
                        await self._send(incoming.address, Reply(APOLOGY, private=False), interactive=True)

    async def _deliver(self, incoming: IncomingMessage, replies: list[Reply], source_message_id: int | None) -> None:
        private_chat = Address(TELEGRAM, incoming.identity.user_id)
        noted = False  # the group was told where the private reply went
        private_closed = False  # the user has no private chat with us: stop trying this update
        for reply in replies:
            if reply.address is not None and reply.address.platform != TELEGRAM:
                logger.warning("skipping a reply addressed to %s: route it through the hub", reply.address.platform)
                continue
            if reply.edit_ref is not None:
                await self._edit_or_send(reply.address or incoming.address, reply.edit_ref, reply, interactive=True)
                continue
            if reply.address is not None:
                await self._send(reply.address, reply, interactive=True)
                continue
            if reply.private and not incoming.is_private:
                if private_closed:
                    continue
                try:
                    await self._send(private_chat, reply, interactive=True)
                except RecipientUnreachable:
                    private_closed = True
                    note = OPEN_PRIVATE_CHAT.format(username=self._bot_username)
                    await self._send_note(incoming.address, note, source_message_id)
                    continue
                if not noted:
                    noted = True
                    await self._send_note(incoming.address, PRIVATE_NOTE, source_message_id)
                continue
            if reply.edit and incoming.message_ref is not None:
                await self._edit_or_send(incoming.address, incoming.message_ref, reply, interactive=True)
                continue
            await self._send(incoming.address, reply, interactive=True)

    async def _send_note(self, group: Address, text: str, reply_to: int | None) -> None:
        """A short note in the group (best effort: the reply itself already went out or cannot)."""
        bot = self._require_bot()
        reply_parameters = (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to is not None else None
        )
        (kwargs,) = render_text(text)
        try:
            await self._call(
                lambda: bot.send_message(chat_id=_chat_id(group), reply_parameters=reply_parameters, **kwargs),
                interactive=True,
            )
        except DeliveryError as exc:
            logger.warning("the note in a group was not delivered: %s", type(exc).__name__)

    # ---- outbound (Sender) ----------------------------------------------------------------------

    async def send(self, address: Address, reply: Reply) -> str | None:
        """Send for the scheduler/hub; returns the id of the message carrying the buttons."""
        if reply.edit_ref is not None:
            await self.edit(address, reply.edit_ref, reply)
            return reply.edit_ref
        return await self._send(address, reply, interactive=False)

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        try:
            await self._edit(address, message_ref, reply, interactive=False)
        except _EditImpossible as exc:
            raise DeliveryError(str(exc)) from exc

    async def _send(self, address: Address, reply: Reply, *, interactive: bool) -> str:
        bot = self._require_bot()
        chat_id = _chat_id(address)
        if reply.attachment is not None:
            plan = render_attachment(reply)
            for kwargs in plan.leading_texts:
                await self._send_text(chat_id, kwargs, interactive)
            file_kwargs = plan.file_kwargs()
            if plan.method == "photo":
                message = await self._call(lambda: bot.send_photo(chat_id=chat_id, **file_kwargs), interactive)
            else:
                message = await self._call(lambda: bot.send_document(chat_id=chat_id, **file_kwargs), interactive)
            return str(message.message_id)
        last: Message | None = None
        for kwargs in render_reply(reply):
            last = await self._send_text(chat_id, kwargs, interactive)
        assert last is not None  # render_reply always yields at least one message
        return str(last.message_id)

    async def _send_text(self, chat_id: int | str, kwargs: TextKwargs, interactive: bool) -> Message:
        bot = self._require_bot()
        return await self._call(lambda: bot.send_message(chat_id=chat_id, **kwargs), interactive)

    async def _edit_or_send(self, address: Address, message_ref: str, reply: Reply, *, interactive: bool) -> None:
        try:
            await self._edit(address, message_ref, reply, interactive=interactive)
        except _EditImpossible:
            await self._send(address, reply, interactive=interactive)

    async def _edit(self, address: Address, message_ref: str, reply: Reply, *, interactive: bool) -> None:
        """Replace text and keyboard of message `message_ref`; extra chunks of long text follow as new
        messages. A Reply with an attachment cannot replace a text message: it is sent anew."""
        if reply.attachment is not None:
            raise _EditImpossible("an attachment cannot be edited into a message")
        bot = self._require_bot()
        chat_id = _chat_id(address)
        try:
            message_id = int(message_ref)
        except ValueError as exc:
            raise _EditImpossible(f"not a Telegram message id: {message_ref!r}") from exc
        first, *rest = render_reply(reply)

        async def edit_first() -> None:
            try:
                await bot.edit_message_text(chat_id=chat_id, message_id=message_id, **first)
            except BadRequest as exc:
                lowered = exc.message.lower()
                if _NOT_MODIFIED in lowered:
                    return
                if any(marker in lowered for marker in _CANNOT_EDIT_MARKERS):
                    raise _EditImpossible(exc.message) from exc
                raise

        await self._call(edit_first, interactive, idempotent=True)  # an edit applied twice changes nothing
        for kwargs in rest:
            await self._send_text(chat_id, kwargs, interactive)

    def _require_bot(self) -> Bot:
        app = self._app
        if app is None:
            raise TransientDeliveryError("telegram adapter is not running")
        bot: Bot = app.bot
        return bot

    async def _call(self, operation: Callable[[], Awaitable[T]], interactive: bool, *, idempotent: bool = False) -> T:
        """Run one Bot API call, translating telegram.error into bot.delivery errors.

        A request that provably never reached Telegram (a connect error, a pool timeout) is retried here with
        a short back-off. Any other network failure or 5xx may come after Telegram took the message (a proxy's
        502, a connection dropped before the answer): sending again could show it twice, so it raises
        DeliveryUncertain, for replies and reminders alike. Only `idempotent` calls (edits) retry those too.
        Flood control is waited out while the wait fits the budget (short for the scheduler, longer for
        interactive replies).
        """
        budget = self.interactive_retry_after_budget if interactive else self.scheduled_retry_after_budget
        waited = 0.0
        transient_failures = 0
        while True:
            try:
                with sending_kind(interactive):
                    return await operation()
            except RetryAfter as exc:
                delay = retry_after_seconds(exc)
                if waited + delay > budget:
                    raise RetryLater(delay, _describe(exc)) from exc
                waited += delay
                await self._sleep(delay)
            except Forbidden as exc:
                raise RecipientUnreachable(_describe(exc)) from exc
            except ChatMigrated as exc:
                raise RecipientUnreachable(f"group moved to chat {exc.new_chat_id}") from exc
            except BadRequest as exc:  # a NetworkError subclass, but permanent
                if any(marker in exc.message.lower() for marker in _GONE_MARKERS):
                    raise RecipientUnreachable(_describe(exc)) from exc
                raise DeliveryError(_describe(exc)) from exc
            except InvalidToken as exc:
                raise DeliveryError(_describe(exc)) from exc
            except NetworkError as exc:  # TimedOut included: connection trouble and 5xx
                if not idempotent and not _never_sent(exc):
                    raise DeliveryUncertain(_describe(exc)) from exc
                if transient_failures >= len(self.transient_retry_delays):
                    raise TransientDeliveryError(_describe(exc)) from exc
                await self._sleep(self.transient_retry_delays[transient_failures])
                transient_failures += 1
            except TelegramError as exc:
                raise DeliveryError(_describe(exc)) from exc


_NEVER_SENT_CAUSES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _never_sent(exc: NetworkError) -> bool:
    """True when the request failed before any byte of it left: no connection could be made (refused,
    unreachable, TLS handshake failed), or none was free in the pool. PTB chains the httpx error."""
    return isinstance(exc.__cause__, _NEVER_SENT_CAUSES)


def _chat_id(address: Address) -> int | str:
    if address.platform != TELEGRAM:
        raise DeliveryError(f"not a telegram address: {address.platform}")
    try:
        return int(address.chat_id)
    except ValueError:
        return address.chat_id  # @channelusername


__all__ = [
    "OPEN_PRIVATE_CHAT",
    "PRIVATE_NOTE",
    "FloodLimiter",
    "FloodLimits",
    "KeyedLocks",
    "TelegramAdapter",
    "TokenRedactingFilter",
    "TokenRejected",
    "WebhookConfig",
    "install_log_hygiene",
    "new_webhook_secret",
]
