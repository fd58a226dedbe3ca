"""Telegram adapter: python-telegram-bot's Application, connected to the core.

The pure translation lives in adapters/telegram_render.py, one Bot API call (pacing, retries, error
translation) in adapters/telegram_calls.py, the webhook listener in adapters/telegram_webhook.py. This module
owns the PTB Application (long polling, or the webhook), serialises each person's updates, answers them
(a private reply from a group goes to the private chat, with a note in the group) and offers send/edit to
the hub. A message is sent again only when its request provably never left; anything else that fails may
have arrived, so it is never sent twice (the contract in adapters/base.py).

Privacy: nothing here logs message text or the bot token (adapters/log_hygiene.py quiets PTB and httpx,
which log request URLs, and redacts the token from every record).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, BotCommand, Message, ReplyParameters, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler
from tornado.httpserver import HTTPServer

from adapters.base import APOLOGY, RETRY_POLICY, MessageHandler, RetryPolicy
from adapters.link import UNREACHABLE, Backoff, Link, reason_of
from adapters.log_hygiene import frames_only, install_log_hygiene
from adapters.pacing import TELEGRAM_LIMITS, FloodLimits
from adapters.telegram_calls import (
    CANNOT_EDIT_MARKERS,
    NOT_MODIFIED,
    EditImpossible,
    FloodLimiter,
    ObservedRequest,
    call_bot_api,
    never_sent,
)
from adapters.telegram_render import (
    TextKwargs,
    incoming_from_update,
    render_attachment,
    render_reply,
    render_text,
)
from adapters.telegram_webhook import WebhookConfig, start_webhook
from bot.delivery import (
    DeliveryError,
    DeliveryUncertain,
    RecipientUnreachable,
    RetryLater,
    TransientDeliveryError,
)
from bot.models import TELEGRAM, Address, IncomingMessage, Reply
from bot.settings import SettingsError
from bot.telemetry import NULL_TELEMETRY, Telemetry

logger = logging.getLogger(__name__)

T = TypeVar("T")

PRIVATE_NOTE = "I've sent you the details in a private chat."
OPEN_PRIVATE_CHAT = "Please open a private chat with me first: https://t.me/{username}"

ALLOWED_UPDATES = ("message", "callback_query")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

PTB_POLL_RETRY_CAP = 30.0  # python-telegram-bot's own wait between failed getUpdates grows 1.5x up to this


class TokenRejected(SettingsError):
    """Telegram refused the bot token at start-up (401/404): one line naming the setting, never the token."""


class _BootstrapAbortLine(logging.Filter):
    """PTB logs a start of polling that could not reach Telegram (its deleteWebhook) with a traceback at ERROR;
    the adapter logs its own one line per attempt instead ("Telegram unreachable (...); retrying in 5 s")."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.endswith(_PTB_ABORT_LINES))


# PTB's traceback lines for a start of polling given up: unreachable, or the token refused (the adapter's link
# says REJECTED and run_bot.py logs the one line naming TELEGRAM_TOKEN).
_PTB_ABORT_LINES = ("Failed run number %s of %s. Aborting.", "Invalid token. Aborting retry loop.")


_BOOTSTRAP_ABORT_LINE = _BootstrapAbortLine()
logging.getLogger("telegram.ext").addFilter(_BOOTSTRAP_ABORT_LINE)


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


class TelegramAdapter:
    """The Telegram side of ClearBack. Implements adapters.base.Adapter and bot.delivery.Sender."""

    platform = TELEGRAM

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
        limits: FloodLimits = TELEGRAM_LIMITS,
        retry: RetryPolicy = RETRY_POLICY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        poll_on_start: bool = True,
        reconnect: Backoff | None = None,
        telemetry: Telemetry = NULL_TELEMETRY,
    ) -> None:
        """`sleep` waits out retry back-offs and flood waits (tests pass their own clock). `poll_on_start`
        False: in polling mode, updates are fetched only between start_polling() and stop_polling() (a peer
        polls only while it holds the poll lease: Telegram allows one getUpdates consumer); sending works
        from start() on either way. `reconnect`: the waits between attempts to reach Telegram while it cannot
        be reached at start-up (adapters.link.Backoff, 5 s doubling to 5 minutes, unless given)."""
        if not token:
            raise ValueError("a Telegram bot token is required")
        self._handler = handler
        self._token = token
        self._base_url = base_url.rstrip("/") if base_url else None
        self._commands = tuple(commands)
        self._webhook = webhook
        self._poll_on_start = poll_on_start
        self._request_timeout = request_timeout
        self._poll_timeout = poll_timeout
        self._limiter = FloodLimiter(limits)
        self.link = Link(TELEGRAM)
        self._reconnect = reconnect or Backoff()
        self._telemetry = telemetry
        self._connecting: asyncio.Task[None] | None = None
        self._poll_failures = 0  # getUpdates failed in a row (PTB retries them itself)
        self._poll_wanted = False  # start_polling() asked before Telegram could be reached: poll once it is
        self._poll_retry: asyncio.Task[None] | None = None  # start_polling() failed to reach Telegram: again
        self._requests: list[ObservedRequest] = []  # the HTTP clients of the application being built or run
        # Own retries when a request never left (connect errors, pool timeouts), and for edits after any
        # network trouble or 5xx; flood waits waited out in place for sends through the hub, and for replies.
        self.transient_retry_delays = retry.never_left_delays
        self.scheduled_retry_after_budget = retry.background_flood_wait
        self.interactive_retry_after_budget = retry.reply_flood_wait
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
            .request(self._request(pool=256, timeout=self._request_timeout))
            .get_updates_request(self._request(pool=1, timeout=None))  # PTB adds the long poll's own wait
        )
        if self._base_url:
            builder = builder.base_url(self._base_url).base_file_url(self._file_base_url(self._base_url))
        if self._webhook is not None:
            builder = builder.updater(None)  # updates arrive through our own listener (_start_webhook)
        app: AnyApplication = builder.build()
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_ptb_error)
        return app

    def _request(self, pool: int, timeout: float | None) -> ObservedRequest:
        """PTB's HTTP client, telling _observe how every request ended (getUpdates bypasses the limiter)."""
        if timeout is None:
            request = ObservedRequest(self._observe, connection_pool_size=pool)
        else:
            request = ObservedRequest(
                self._observe,
                connection_pool_size=pool,
                connect_timeout=timeout,
                read_timeout=timeout,
                write_timeout=timeout,
                pool_timeout=timeout,
            )
        self._requests.append(request)
        return request

    @staticmethod
    def _file_base_url(base_url: str) -> str:
        # https://api.telegram.org/bot -> https://api.telegram.org/file/bot
        head, _, tail = base_url.rpartition("/")
        return f"{head}/file/{tail}" if head else f"{base_url}/file"

    async def start(self) -> None:
        """Connect; a Telegram that cannot be reached is tried again in the background (the adapter is up
        once it answers: sends meanwhile fail as transient, and the scheduler retries them). A token Telegram
        rejects raises TokenRejected (a SettingsError naming the setting)."""
        async with self._lifecycle:
            if self._app is not None or self._connecting is not None:
                return
            self.link.starting()
            try:
                await self._connect()
            except TokenRejected as exc:
                self.link.reject(str(exc))
                raise
            except NetworkError as exc:
                if isinstance(exc, BadRequest):  # a refused setting (the webhook URL): not an outage
                    raise
                self._connecting = asyncio.create_task(self._keep_connecting(exc), name="telegram-connect")

    async def _keep_connecting(self, failure: NetworkError) -> None:
        """Try again after each wait of the back-off until Telegram answers, rejects the token, or stop()."""
        try:
            while True:
                reason = reason_of(failure)
                wait = self._reconnect.next()
                self.link.retrying(logger, "Telegram", reason, wait)
                await asyncio.sleep(wait)
                async with self._lifecycle:
                    try:
                        await self._connect()
                        logger.info("Telegram reachable again")
                        return
                    except TokenRejected as exc:  # run_bot.py says so, once, naming the setting
                        self.link.reject(str(exc))
                        return
                    except NetworkError as exc:
                        if isinstance(exc, BadRequest):
                            raise
                        failure = exc
        finally:
            self._connecting = None

    async def _connect(self) -> None:
        """One attempt: getMe, the command menu, then polling or the webhook. Raises NetworkError when Telegram
        cannot be reached (nothing is left running), TokenRejected when it refuses the token."""
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
                elif self._poll_on_start or self._poll_wanted:
                    await self._start_polling(app)
        except BaseException:
            await self._teardown(app)
            raise
        if rejected:
            await self._teardown(app)
            raise TokenRejected(self._rejected_hint())
        self._app = app
        self._reconnect.reset()
        self.link.up()
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

    @property
    def polls(self) -> bool:
        """Whether updates arrive by long polling (not the webhook), so only one process may fetch them."""
        return self._webhook is None

    @property
    def polling(self) -> bool:
        """Whether this adapter is fetching updates now."""
        app = self._app
        return app is not None and app.updater is not None and app.updater.running

    async def start_polling(self) -> None:
        """Start fetching updates (polling mode, once started; else nothing to do)."""
        async with self._lifecycle:
            app = self._app
            self._poll_wanted = self.polls
            if app is None or not self.polls or self.polling or self._poll_retry is not None:
                return
            try:
                await self._start_polling(app)
            except InvalidToken:  # revoked meanwhile: run_bot.py's Supervisor retires the adapter on this
                self.link.reject(self._rejected_hint())
                return
            except NetworkError as exc:
                if isinstance(exc, BadRequest):
                    raise
                # Telegram cannot be reached now: the lease is held, so poll as soon as it can be again.
                self._poll_retry = asyncio.create_task(self._keep_polling(exc), name="telegram-poll-retry")
                self._poll_retry.add_done_callback(_log_if_failed)
                return
            logger.info("telegram: polling for updates")

    async def _keep_polling(self, failure: NetworkError) -> None:
        """start_polling() again after each wait of the back-off until it works, or stop_polling()/stop()."""
        try:
            while True:
                reason = reason_of(failure)
                wait = self._reconnect.next()
                self.link.retrying(logger, "Telegram", reason, wait)
                await asyncio.sleep(wait)
                async with self._lifecycle:
                    app = self._app
                    if app is None or not self._poll_wanted or self.polling:
                        return
                    try:
                        await self._start_polling(app)
                    except InvalidToken:
                        self.link.reject(self._rejected_hint())
                        return
                    except NetworkError as exc:
                        if isinstance(exc, BadRequest):
                            raise
                        failure = exc
                        continue
                    self._reconnect.reset()
                    logger.info("telegram: polling for updates")
                    return
        finally:
            self._poll_retry = None

    async def _cancel_poll_retry(self) -> None:
        retry = self._poll_retry
        if retry is not None:  # outside the lifecycle lock, which an attempt under way holds
            await _cancelled(retry)

    async def stop_polling(self) -> None:
        """Stop fetching updates; updates already fetched are still answered, and sending goes on. PTB's
        last getUpdates marks what was fetched as read, so the next poller does not get it again."""
        await self._cancel_poll_retry()
        async with self._lifecycle:
            app = self._app
            self._poll_wanted = False
            if app is not None and app.updater is not None and app.updater.running:
                await app.updater.stop()
                logger.info("telegram: stopped polling for updates")

    async def _start_webhook(self, app: AnyApplication, config: WebhookConfig) -> None:
        self._webhook_server = await start_webhook(app, config, list(ALLOWED_UPDATES))

    @property
    def _mode(self) -> str:
        if self._webhook is not None:
            return "webhook"
        return "polling" if self._poll_on_start else "polling when it holds the poll lease"

    async def _register_commands(self, app: AnyApplication) -> None:
        if not self._commands:
            return
        try:
            await app.bot.set_my_commands([BotCommand(name, description) for name, description in self._commands])
        except TelegramError as exc:  # the menu is a convenience; the bot works without it
            logger.warning("could not register the command menu: %s", type(exc).__name__)

    async def stop(self) -> None:
        connecting = self._connecting
        if connecting is not None:  # outside the lifecycle lock, which an attempt under way holds
            await _cancelled(connecting)
        await self._cancel_poll_retry()
        async with self._lifecycle:
            self.link.stopped()
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
                try:
                    await app.updater.stop()
                except TelegramError as exc:  # polling had ended with it (a revoked token): stopped anyway
                    logger.debug("telegram: polling had ended with %s", type(exc).__name__)
            if app.running:
                await app.stop()
        finally:
            with contextlib.suppress(RuntimeError):  # never initialized
                await app.shutdown()
            requests, self._requests = self._requests, []
            for request in requests:  # a failed initialize leaves them open (PTB shuts down only what it started)
                await request.shutdown()

    def _on_polling_error(self, exc: TelegramError) -> None:
        if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
            # PTB waits 1 s after the first failure, then 1.5 times longer each time, up to 30 s.
            self._poll_failures += 1
            wait = min(PTB_POLL_RETRY_CAP, 1.5 ** (self._poll_failures - 1))
            reason = reason_of(exc)
            self.link.retrying(logger, "Telegram", reason, wait)
            return
        logger.warning("polling for updates failed (%s); retrying", type(exc).__name__)

    def _observe(self, status: int | None, error: BaseException | None) -> None:
        """How each Bot API request ended (an HTTP status, or the error when none came back): whether Telegram
        is reachable, whether it still takes the token, and the 429s it answered."""
        if error is not None:
            if isinstance(error, NetworkError) and never_sent(error):
                self.link.down(reason_of(error))
            return
        if status in (401, 404):  # what PTB raises InvalidToken for: the token was revoked
            self.link.reject(self._rejected_hint())
            return
        if status == 429:
            self._telemetry.rate_limited(TELEGRAM)
        if status is not None and status < 500:
            self._poll_failures = 0
            self._reconnect.reset()  # Telegram answered: the next outage waits from the start again
            if self._app is not None and self.link.state == UNREACHABLE:
                logger.info("Telegram reachable again")
                self.link.up()

    async def _on_ptb_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error(
            "telegram error outside the handler: update_id=%s error=%s\n%s",
            update_id,
            type(error).__name__,
            frames_only(error) if error is not None else "",
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
                    frames_only(exc),
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
                    frames_only(exc),
                )
                # Nobody to apologise to when the chat is gone; and a flood wait would only block again.
                if not isinstance(exc, RecipientUnreachable | RetryLater):
                    with contextlib.suppress(Exception):
                        await self._send(incoming.address, Reply(APOLOGY, private=False), interactive=True)

    async def _deliver(self, incoming: IncomingMessage, replies: list[Reply], source_message_id: int | None) -> None:
        """The replies to an update, in its chat (App.handle routed any meant for elsewhere); a private one from a
        group goes to the person's private chat, with a note in the group."""
        private_chat = Address(TELEGRAM, incoming.identity.user_id)
        noted = False  # the group was told where the private reply went
        private_closed = False  # the user has no private chat with us: stop trying this update
        for reply in replies:
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
        """Send for the hub; returns the id of the message carrying the buttons."""
        with self._held_on_flood():
            return await self._send(address, reply, interactive=False)

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        try:
            with self._held_on_flood():
                await self._edit(address, message_ref, reply, interactive=False)
        except EditImpossible as exc:
            raise DeliveryError(str(exc)) from exc

    @contextlib.contextmanager
    def _held_on_flood(self) -> Iterator[None]:
        """A flood wait longer than the budget (RetryLater) holds every later send through the hub that long."""
        try:
            yield
        except RetryLater as exc:
            self._limiter.gate.hold_background(exc.retry_after)
            raise

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
        except EditImpossible:
            await self._send(address, reply, interactive=interactive)

    async def _edit(self, address: Address, message_ref: str, reply: Reply, *, interactive: bool) -> None:
        """Replace text and keyboard of message `message_ref`; extra chunks of long text follow as new
        messages. A Reply with an attachment cannot replace a text message: it is sent anew."""
        if reply.attachment is not None:
            raise EditImpossible("an attachment cannot be edited into a message")
        bot = self._require_bot()
        chat_id = _chat_id(address)
        try:
            message_id = int(message_ref)
        except ValueError as exc:
            raise EditImpossible(f"not a Telegram message id: {message_ref!r}") from exc
        first, *rest = render_reply(reply)

        async def edit_first() -> None:
            try:
                await bot.edit_message_text(chat_id=chat_id, message_id=message_id, **first)
            except BadRequest as exc:
                lowered = exc.message.lower()
                if NOT_MODIFIED in lowered:
                    return
                if any(marker in lowered for marker in CANNOT_EDIT_MARKERS):
                    raise EditImpossible(exc.message) from exc
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
        """One Bot API call as adapters.telegram_calls.call_bot_api makes it, with this adapter's retry policy
        (flood waits: a short budget for sends through the hub, a longer one for replies)."""
        budget = self.interactive_retry_after_budget if interactive else self.scheduled_retry_after_budget
        return await call_bot_api(
            operation,
            interactive=interactive,
            idempotent=idempotent,
            never_left_delays=self.transient_retry_delays,
            flood_wait_budget=budget,
            sleep=self._sleep,
        )


def _chat_id(address: Address) -> int | str:
    if address.platform != TELEGRAM:
        raise DeliveryError(f"not a telegram address: {address.platform}")
    try:
        return int(address.chat_id)
    except ValueError:
        return address.chat_id  # @channelusername


async def _cancelled(task: asyncio.Task[None]) -> None:
    """Cancel `task` and wait for it to end, without swallowing a cancellation of the caller itself (as
    `suppress(CancelledError)` around `await task` would); what it raised is read, so never logged as lost."""
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled() and task.exception() is not None:
        logger.info("telegram: a background attempt ended with %s", type(task.exception()).__name__)


def _log_if_failed(task: asyncio.Task[None]) -> None:
    """A background start of polling that ended on an error other than an outage: one line, never lost."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("telegram: polling could not be started: %s", type(task.exception()).__name__)
