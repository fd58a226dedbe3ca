"""One Bot API call: paced through adapters.pacing, and its telegram.error translated into bot.delivery's."""

from __future__ import annotations

import asyncio
import contextlib
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import BaseRateLimiter
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from adapters.pacing import TELEGRAM_LIMITS, FloodGate, FloodLimits
from bot.delivery import (
    DeliveryError,
    DeliveryUncertain,
    RecipientUnreachable,
    RetryLater,
    TransientDeliveryError,
)

T = TypeVar("T")

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

_interactive: ContextVar[bool] = ContextVar("clearback_telegram_interactive", default=True)


@contextlib.contextmanager
def sending_kind(interactive: bool) -> Iterator[None]:
    """Tell the FloodLimiter whether the Bot API calls made inside are replies (True) or background sends."""
    token = _interactive.set(interactive)
    try:
        yield
    finally:
        _interactive.reset(token)


def group_chat(chat_key: str) -> bool:
    """Private chats have positive ids; groups, supergroups and channels negative (or @username)."""
    return chat_key.startswith(("-", "@"))


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class FloodLimiter(BaseRateLimiter[None]):
    """python-telegram-bot's rate-limiter hook: every message-producing request passes the adapter's
    FloodGate (adapters.pacing), as a reply or a background send (`sending_kind`). A RetryAfter from
    Telegram blocks that chat for the given time and is re-raised: the adapter decides whether to retry.
    Other requests (answerCallbackQuery, getMe, ...) pass straight through."""

    def __init__(
        self,
        limits: FloodLimits = TELEGRAM_LIMITS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.gate = FloodGate(limits, clock, sleep, group_chat=group_chat)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def reserve(self, chat_key: str) -> float:
        """Book the next allowed slot for a message to `chat_key`; returns the slot time."""
        return self.gate.pacer.book(chat_key)

    def block(self, chat_key: str, seconds: float) -> None:
        self.gate.block(chat_key, seconds)

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
        async with self.gate.sending(chat_key, background=not _interactive.get()):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.block(chat_key, retry_after_seconds(exc))
                raise


class ObservedRequest(HTTPXRequest):
    """PTB's httpx client, telling `observe(status, error)` how each request ended: the HTTP status, or the
    error when no answer came back (getUpdates included, which passes no rate limiter)."""

    def __init__(self, observe: Callable[[int | None, BaseException | None], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._observe = observe

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            status, payload = await super().do_request(*args, **kwargs)
        except Exception as exc:
            self._observe(None, exc)
            raise
        self._observe(status, None)
        return status, payload


# --------------------------------------------------------------------------------------------------
# Errors: telegram.error -> bot.delivery, as the contract in adapters/base.py says
# --------------------------------------------------------------------------------------------------

GONE_MARKERS = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")
NOT_MODIFIED = "message is not modified"
CANNOT_EDIT_MARKERS = (
    "message to edit not found",
    "message can't be edited",
    "there is no text in the message to edit",
)
_NEVER_SENT_CAUSES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class EditImpossible(Exception):
    """The message to edit is gone or cannot be edited (too old, not text): send a new one instead."""


def describe(exc: TelegramError) -> str:
    return f"{type(exc).__name__}: {exc.message}"


def never_sent(exc: NetworkError) -> bool:
    """True when the request failed before any byte of it left: no connection could be made (refused,
    unreachable, TLS handshake failed), or none was free in the pool. PTB chains the httpx error."""
    return isinstance(exc.__cause__, _NEVER_SENT_CAUSES)


async def call_bot_api(
    operation: Callable[[], Awaitable[T]],
    *,
    interactive: bool,
    idempotent: bool,
    never_left_delays: tuple[float, ...],
    flood_wait_budget: float,
    sleep: Callable[[float], Awaitable[None]],
) -> T:
    """Run one Bot API call, translating telegram.error into bot.delivery errors.

    A request that provably never reached Telegram (a connect error, a pool timeout) is retried here after
    each of `never_left_delays`. Any other network failure or 5xx may come after Telegram took the message (a
    proxy's 502, a connection dropped before the answer): sending again could show it twice, so it raises
    DeliveryUncertain, for replies and background sends alike. Only `idempotent` calls (edits) retry those
    too. Flood control is waited out while the waits add up to no more than `flood_wait_budget`.
    """
    waited = 0.0
    transient_failures = 0
    while True:
        try:
            with sending_kind(interactive):
                return await operation()
        except RetryAfter as exc:
            delay = retry_after_seconds(exc)
            if waited + delay > flood_wait_budget:
                raise RetryLater(delay, describe(exc)) from exc
            waited += delay
            await sleep(delay)
        except Forbidden as exc:
            raise RecipientUnreachable(describe(exc)) from exc
        except ChatMigrated as exc:
            raise RecipientUnreachable(f"group moved to chat {exc.new_chat_id}") from exc
        except BadRequest as exc:  # a NetworkError subclass, but permanent
            if any(marker in exc.message.lower() for marker in GONE_MARKERS):
                raise RecipientUnreachable(describe(exc)) from exc
            raise DeliveryError(describe(exc)) from exc
        except InvalidToken as exc:
            raise DeliveryError(describe(exc)) from exc
        except NetworkError as exc:  # TimedOut included: connection trouble and 5xx
            if not idempotent and not never_sent(exc):
                raise DeliveryUncertain(describe(exc)) from exc
            if transient_failures >= len(never_left_delays):
                raise TransientDeliveryError(describe(exc)) from exc
            await sleep(never_left_delays[transient_failures])
            transient_failures += 1
        except TelegramError as exc:
            raise DeliveryError(describe(exc)) from exc
