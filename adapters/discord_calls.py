"""One REST request to Discord: counted by the arrival window in the HTTP session, and its discord.py errors
translated into bot.delivery's as the contract in adapters/base.py says."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import discord

from adapters.pacing import ArrivalWindow
from bot.delivery import (
    DeliveryError,
    DeliveryUncertain,
    RecipientUnreachable,
    RetryLater,
    TransientDeliveryError,
)

MAX_RATELIMIT_WAIT = 30.0  # 429s asking for longer become RetryLater (discord.py's minimum is 30)

# The request left and may have been carried out, but no answer came back. ClientConnectorError (a subclass
# of ClientOSError) is not among them: without a connection nothing was sent.
ANSWER_LOST = (TimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError)
# Server errors that can come after Discord did the work (discord.py re-sends these itself, with the nonce).
MAY_FOLLOW_THE_WORK = frozenset({500, 502, 504, 524})

# Discord JSON error codes
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
CANNOT_MESSAGE_USER = 50007
INVALID_RECIPIENT = 50033


def global_limit_trace(window: ArrivalWindow, on_429: Callable[[], None] | None = None) -> aiohttp.TraceConfig:
    """aiohttp hooks that hold each request made with the bot token in `window` until it may leave, and
    count it until its answer is back; interaction responses and follow-ups (token in the URL) are exempt.

    In the HTTP session rather than around the adapter's calls, so that every such request counts: discord.py's
    log-in and command sync, its retries after a 429 or 5xx, and the moment of leaving is the real one.
    `on_429` hears every 429 answer (discord.py waits most of them out without telling anybody).
    """

    async def start(session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
        path = params.url.path
        exempt = "/interactions/" in path or "/webhooks/" in path
        if params.headers.get("Authorization", "").startswith("Bot ") and not exempt:
            await window.enter()  # cancelled while waiting: not counted, and aiohttp sends no end signal
            context.counted = True

    async def end(session: aiohttp.ClientSession, context: Any, params: object) -> None:
        if getattr(context, "counted", False):
            context.counted = False
            window.leave()
        response = getattr(params, "response", None)
        if on_429 is not None and response is not None and response.status == 429:
            on_429()

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(start)
    trace.on_request_end.append(end)
    trace.on_request_exception.append(end)
    return trace


@contextlib.contextmanager
def posting(key: str | None) -> Iterator[None]:
    """Around posting a message: a failure after the request may have done its work is transient when `key`
    names the delivery (the nonce derived from it makes Discord answer a re-send with the message it has,
    so the scheduler's re-send gets the real id), else uncertain (a re-send could post it twice)."""
    try:
        yield
    except aiohttp.ClientConnectorError:
        raise  # never connected, nothing sent: transient
    except ANSWER_LOST as exc:  # a reset connection (ECONNRESET), a close or a timeout after the request left
        if key is not None:
            raise TransientDeliveryError(f"Discord send: {type(exc).__name__}, safe to resend") from exc
        raise DeliveryUncertain(f"Discord send: {type(exc).__name__}") from exc
    except discord.DiscordServerError as exc:  # discord.py's own re-sends (same nonce) all failed too
        if key is None and exc.status in MAY_FOLLOW_THE_WORK:
            raise DeliveryUncertain(f"Discord send: server error {exc.status}") from exc
        raise


@contextlib.contextmanager
def delivery_errors(action: str, on_retry_later: Callable[[float], None] | None = None) -> Iterator[None]:
    """discord.py's errors → bot.delivery's (messages carry status and code, never content). `on_retry_later`
    hears every flood wait handed on (the adapter holds its later sends through the hub that long)."""
    try:
        try:
            yield
        except DeliveryError:
            raise
        except discord.RateLimited as exc:
            raise RetryLater(exc.retry_after) from exc
        except discord.Forbidden as exc:  # 50007: DMs closed or bot blocked; 50001/50013: no access
            raise RecipientUnreachable(f"Discord {action}: forbidden (code {exc.code})") from exc
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_MESSAGE:
                raise DeliveryError(f"Discord {action}: the message no longer exists") from exc
            raise RecipientUnreachable(f"Discord {action}: unknown channel or user (code {exc.code})") from exc
        except discord.DiscordServerError as exc:  # answered before any work, or re-sendable (edits, nonces)
            raise TransientDeliveryError(f"Discord {action}: server error {exc.status}") from exc
        except discord.HTTPException as exc:
            if exc.status == 429:
                raise RetryLater(retry_after(exc)) from exc
            raise DeliveryError(f"Discord {action}: HTTP {exc.status} (code {exc.code})") from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise TransientDeliveryError(f"Discord {action}: {type(exc).__name__}") from exc
    except RetryLater as exc:
        if on_retry_later is not None:
            on_retry_later(exc.retry_after)
        raise


def retry_after(exc: discord.HTTPException) -> float:
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return max(float(header), 0.0) if header is not None else 1.0
    except ValueError:
        return 1.0
