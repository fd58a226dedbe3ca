"""A fake Discord on loopback: REST API and gateway, so tests drive the real discord.py client offline.

`FakeDiscord` serves the endpoints the adapter uses (login, application info, command sync, DMs,
messages, interaction callbacks, follow-ups) and a gateway websocket (HELLO, IDENTIFY → READY,
heartbeats, dispatches). Payloads follow Discord's JSON. Every request is recorded; tests wait for
requests with `wait_for` (event-driven, no sleeping) and inject failures with `fail`.

`install(monkeypatch)` points discord.py's REST base and default gateway at the fake.

Shards: every IDENTIFY is kept in `identifies` (with its `shard`, [id, count], when the client sent one), and
`sessions()` lists the shard of each gateway session open now, so a test can see that one shard is connected
once (Discord itself would deliver each event to every session of a shard: twice).

`global_limit=50` enforces Discord's global rate limit: a bot request arriving when `global_limit` requests
were already served within the last `global_window` seconds (a sliding window, the strictest reading of
"50 a second") is refused like Discord does, with 429, `"global": true` and the `retry_after` until the
window has room. Interaction callbacks and follow-ups are exempt, as on Discord.

Nonces, as Discord handles them: `POST /channels/{id}/messages` with a `nonce` longer than 25 characters is
refused (400, code 50035); with `enforce_nonce` true and a nonce the same author used in the last
`nonce_window` seconds, the message created then is returned and nothing new is created. Discord says only
"the past few minutes", so the window defaults to three.

Faults after the work is done, as when Discord's edge loses the answer: `fail_after_processing` carries a
request out and then answers with an error (e.g. 502, which discord.py retries by itself);
`reset_after_processing` carries it out and then resets the connection (ECONNRESET on the client);
`sever_after_processing` closes it without an answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord.gateway
import discord.http
import pytest
import yarl
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

Json = dict[str, Any]

API_PREFIX = "/api/v10"
BODY = web.RequestKey("body", object)
FILES = web.RequestKey("files", list)
EPHEMERAL = 1 << 6
MAX_NONCE_CHARS = 25  # Discord's limit for a message nonce
INVALID_FORM_BODY = 50035

# Interaction types and callback types (Discord API).
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 1, 2, 3, 4
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT = 8


@dataclass
class Call:
    """One recorded REST request."""

    method: str
    path: str  # without the /api/v10 prefix
    json: Any = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    authorization: str | None = None
    status: int = 200
    at: float = field(default_factory=time.monotonic)  # when it arrived, for rate measurements

    def matches(self, method: str, pattern: str) -> bool:
        return self.method == method and re.fullmatch(pattern, self.path) is not None


@dataclass
class Failure:
    method: str
    pattern: str
    status: int
    body: Json
    headers: dict[str, str]
    times: int
    after_processing: bool = False  # carry the request out first, then answer with the error


@dataclass
class Sever:
    """Carry out matching requests, then drop the connection instead of answering."""

    method: str
    pattern: str
    times: int
    reset: bool  # RST (ECONNRESET on the client) rather than a plain close


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Discord's JSON responses: exactly 'application/json' (discord.py compares the header verbatim)."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={**(headers or {}), "Content-Type": "application/json"}
    )


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class FakeDiscord:
    def __init__(
        self,
        token: str = "fake-bot-token-0123456789abcdef",
        *,
        global_limit: int | None = None,
        global_window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        nonce_window: float = 180.0,
    ) -> None:
        self._severed: list[Sever] = []
        self.token = token
        self.global_limit = global_limit
        self.global_window = global_window
        self.clock = clock  # when requests arrive; tests may pass a manual clock
        self._served: deque[float] = deque()  # arrival times of bot requests within the global window
        self.nonce_window = nonce_window
        # (author id, nonce) -> (message id, when created), oldest first, for enforce_nonce
        self._nonces: dict[tuple[str, str], tuple[int, float]] = {}
        self._ids = itertools.count(1_300_000_000_000_000_000)
        self.app_id = self.snowflake()
        self.bot_user: Json = {
            "id": str(self.app_id),
            "username": "ClearBack",
            "discriminator": "0",
            "global_name": "ClearBack",
            "avatar": None,
            "bot": True,
            "flags": 0,
            "public_flags": 0,
            "verified": True,
            "mfa_enabled": False,
        }
        self.calls: list[Call] = []
        self.identifies: list[Json] = []
        self.messages: dict[int, Json] = {}
        self.users: dict[int, Json] = {}
        self.dm_channels: dict[int, Json] = {}  # user id -> DM channel
        self._dm_users: dict[str, int] = {}  # DM channel id -> user id
        self.closed_dms: set[int] = set()
        self.commands: dict[str, list[Json]] = {}  # "global" or guild id -> registered commands
        self._interactions: dict[str, Json] = {}  # token -> interaction bookkeeping
        self._failures: list[Failure] = []
        self._waiters: list[tuple[Callable[[Call], bool], asyncio.Future[Call], int]] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._shards: dict[web.WebSocketResponse, tuple[int, int]] = {}  # session -> its IDENTIFY's shard
        self._connected: asyncio.Event = asyncio.Event()
        self._seq = 0
        self._server: TestServer | None = None

    # ------------------------------------------------------------------ set-up

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._server is not None:
            await self._server.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.port}/gateway"

    def sessions(self) -> list[tuple[int, int]]:
        """The shard (id, count) of each gateway session open now; (0, 1) when IDENTIFY named none."""
        return [self._shards.get(ws, (0, 1)) for ws in self._sockets]

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(discord.http.Route, "BASE", self.base_url)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url))

    def snowflake(self) -> int:
        return next(self._ids)

    # ------------------------------------------------------------------ entities

    def user(self, name: str = "alex", user_id: int | None = None) -> Json:
        if user_id is None:
            user_id = self.snowflake()
        data: Json = {
            "id": str(user_id),
            "username": name,
            "discriminator": "0",
            "global_name": name.title(),
            "avatar": None,
            "public_flags": 0,
        }
        self.users[user_id] = data
        return data

    def dm_channel(self, user: Json) -> Json:
        user_id = int(user["id"])
        if user_id not in self.dm_channels:
            self.dm_channels[user_id] = {
                "id": str(self.snowflake()),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user],
            }
            self._dm_users[self.dm_channels[user_id]["id"]] = user_id
        return self.dm_channels[user_id]

    def guild_channel(self, guild_id: int, name: str = "general") -> Json:
        return {
            "id": str(self.snowflake()),
            "type": 0,
            "guild_id": str(guild_id),
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def message(
        self,
        channel_id: str,
        content: str,
        *,
        author: Json | None = None,
        components: list[Json] | None = None,
        flags: int = 0,
        guild_id: str | None = None,
        attachments: Iterable[tuple[str, bytes]] = (),
        message_type: int = 0,
    ) -> Json:
        """A message as Discord stores it (and returns it)."""
        message_id = self.snowflake()
        data: Json = {
            "id": str(message_id),
            "channel_id": channel_id,
            "author": author or self.bot_user,
            "content": content,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [self._attachment(name, blob) for name, blob in attachments],
            "embeds": [],
            "pinned": False,
            "type": message_type,
            "flags": flags,
            "components": components or [],
        }
        if guild_id is not None:
            data["guild_id"] = guild_id
        self.messages[message_id] = data
        return data

    def _attachment(self, filename: str, blob: bytes) -> Json:
        attachment_id = self.snowflake()
        url = f"https://cdn.discordapp.com/attachments/0/{attachment_id}/{filename}"
        return {"id": str(attachment_id), "filename": filename, "size": len(blob), "url": url, "proxy_url": url}

    def message_by_id(self, message_id: str | int) -> Json:
        return self.messages[int(message_id)]

    # ------------------------------------------------------------------ interactions and gateway events

    def _interaction(
        self,
        kind: int,
        data: Json,
        user: Json,
        *,
        guild_id: int | None = None,
        channel: Json | None = None,
        message: Json | None = None,
    ) -> Json:
        interaction_id = self.snowflake()
        token = f"interaction-token-{interaction_id}"
        if channel is None:
            channel = self.dm_channel(user) if guild_id is None else self.guild_channel(guild_id)
        payload: Json = {
            "id": str(interaction_id),
            "application_id": str(self.app_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "channel_id": channel["id"],
            "channel": channel,
            "locale": "en-US",
            "app_permissions": "2248473465835073",
            "entitlements": [],
            "attachment_size_limit": 10_485_760,
        }
        if guild_id is None:
            payload["user"] = user
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": str(guild_id or 0)}
        else:
            payload["guild_id"] = str(guild_id)
            payload["guild_locale"] = "en-US"
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": str(guild_id)}
            payload["member"] = {
                "user": user,
                "roles": [],
                "joined_at": now_iso(),
                "deaf": False,
                "mute": False,
                "flags": 0,
                "pending": False,
                "nick": None,
                "avatar": None,
                "premium_since": None,
                "permissions": "2248473465835073",
            }
        if message is not None:
            payload["message"] = message
        self._interactions[token] = {
            "id": interaction_id,
            "channel_id": channel["id"],
            "guild_id": str(guild_id) if guild_id is not None else None,
            "message_id": message["id"] if message is not None else None,
            "original_id": message["id"] if message is not None else None,
            "kind": kind,
        }
        return payload

    def slash_command(
        self,
        name: str,
        user: Json,
        options: dict[str, str] | None = None,
        *,
        guild_id: int | None = None,
        channel: Json | None = None,
        focused: str | None = None,
    ) -> Json:
        """An APPLICATION_COMMAND interaction (or AUTOCOMPLETE when `focused` names an option)."""
        registered = self.commands.get(str(guild_id) if guild_id is not None else "global", [])
        command_id = next((c["id"] for c in registered if c["name"] == name), str(self.snowflake()))
        data: Json = {
            "id": command_id,
            "name": name,
            "type": 1,
            "options": [
                {"name": key, "type": 3, "value": value, **({"focused": True} if key == focused else {})}
                for key, value in (options or {}).items()
            ],
        }
        if guild_id is not None and str(guild_id) in self.commands:
            data["guild_id"] = str(guild_id)
        kind = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        return self._interaction(kind, data, user, guild_id=guild_id, channel=channel)

    def button_press(self, message: Json, custom_id: str, user: Json, *, guild_id: int | None = None) -> Json:
        """A MESSAGE_COMPONENT interaction: `user` pressed the button `custom_id` on `message`."""
        channel: Json
        if guild_id is None:
            channel = next(
                (c for c in self.dm_channels.values() if c["id"] == message["channel_id"]), self.dm_channel(user)
            )
        else:
            channel = {**self.guild_channel(guild_id), "id": message["channel_id"]}
        data = {"custom_id": custom_id, "component_type": 2}
        return self._interaction(MESSAGE_COMPONENT, data, user, guild_id=guild_id, channel=channel, message=message)

    def dm_text(self, user: Json, content: str) -> Json:
        """A MESSAGE_CREATE payload: `user` typed `content` in their DM with the bot."""
        channel = self.dm_channel(user)
        return self.message(channel["id"], content, author=user)

    async def dispatch(self, event: str, data: Json) -> None:
        """Send a gateway DISPATCH to the connected client."""
        await asyncio.wait_for(self._connected.wait(), timeout=5)
        ws = self._sockets[-1]
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def interact(self, payload: Json) -> None:
        await self.dispatch("INTERACTION_CREATE", payload)

    # ------------------------------------------------------------------ waiting and failures

    def mark(self) -> int:
        """The number of calls so far; pass to wait_for(since=...) to ignore earlier ones."""
        return len(self.calls)

    async def wait_for(
        self, method: str, pattern: str, *, since: int = 0, within: float = 5.0, status: int | None = None
    ) -> Call:
        """The first call at or after index `since` matching method and path regex (and the status the fake
        answered, if given); waits if needed."""

        def predicate(call: Call) -> bool:
            return call.matches(method, pattern) and (status is None or call.status == status)

        for call in self.calls[since:]:
            if predicate(call):
                return call
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future, since))
        return await asyncio.wait_for(future, timeout=within)

    def find(self, method: str, pattern: str, *, since: int = 0) -> list[Call]:
        return [call for call in self.calls[since:] if call.matches(method, pattern)]

    def fail(
        self,
        method: str,
        pattern: str,
        status: int,
        body: Json,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with this error."""
        self._failures.append(Failure(method, pattern, status, body, headers or {}, times))

    def fail_after_processing(
        self, method: str, pattern: str, status: int = 502, body: Json | None = None, *, times: int = 1
    ) -> None:
        """Carry out the next `times` matching requests, then answer each with this error (default: 502)."""
        error = body if body is not None else {"message": "502: Bad Gateway", "code": 0}
        self._failures.append(Failure(method, pattern, status, error, {}, times, after_processing=True))

    def sever_after_processing(self, method: str, pattern: str, *, times: int = 1) -> None:
        """Carry out the next matching requests, then drop the connection before answering."""
        self._severed.append(Sever(method, pattern, times, reset=False))

    def reset_after_processing(self, method: str, pattern: str, *, times: int = 1) -> None:
        """Carry out the next matching requests, then reset the connection (the client gets ECONNRESET)."""
        self._severed.append(Sever(method, pattern, times, reset=True))

    def channel_messages(self, channel_id: str) -> list[Json]:
        """The messages in a channel, oldest first (what a person scrolling it would see)."""
        return [message for message in self.messages.values() if message["channel_id"] == channel_id]

    def rate_limit(self, method: str, pattern: str, retry_after: float, *, times: int = 1) -> None:
        """Discord's 429, with the headers discord.py checks (Via marks it as coming from Discord)."""
        self.fail(
            method,
            pattern,
            429,
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            headers={"Via": "1.1 google", "Retry-After": str(retry_after), "X-RateLimit-Scope": "user"},
            times=times,
        )

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        index = len(self.calls) - 1
        for waiter in list(self._waiters):
            predicate, future, since = waiter
            if index >= since and not future.done() and predicate(call):
                future.set_result(call)
                self._waiters.remove(waiter)

    # ------------------------------------------------------------------ HTTP plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            response: web.StreamResponse = await handler(request)
            return response
        path = request.path[len(API_PREFIX) :]
        body: Any = None
        files: list[tuple[str, bytes]] = []
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type == "multipart/form-data":
            form = await request.post()
            for key, value in form.items():
                if key == "payload_json":
                    assert isinstance(value, str)
                    body = json.loads(value)
                elif isinstance(value, web.FileField):
                    files.append((value.filename, value.file.read()))
        request[BODY] = body
        request[FILES] = files
        call = Call(request.method, path, body, files, request.headers.get("Authorization"), at=self.clock())
        limited = self._global_limited(call)
        if limited is not None:
            self._record(call)
            return limited
        late_failure: Failure | None = None
        for failure in self._failures:
            if failure.times > 0 and call.matches(failure.method, failure.pattern):
                failure.times -= 1
                if failure.after_processing:
                    late_failure = failure
                    break
                call.status = failure.status
                self._record(call)
                return _json(failure.body, status=failure.status, headers=failure.headers)
        needs_token = not path.startswith(("/interactions/", "/webhooks/"))
        if needs_token and call.authorization != f"Bot {self.token}":
            call.status = 401
            self._record(call)
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        response = await handler(request)
        call.status = response.status
        if late_failure is not None:  # done on our side, but the client is told it failed
            call.status = late_failure.status
            response = _json(late_failure.body, status=late_failure.status, headers=late_failure.headers)
        self._record(call)
        for sever in self._severed if late_failure is None else ():  # one fault per request
            if sever.times > 0 and call.matches(sever.method, sever.pattern):
                sever.times -= 1
                call.status = 0
                assert request.transport is not None
                if sever.reset:  # linger 0: close() sends RST instead of FIN
                    sock = request.transport.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                request.transport.abort()  # done on our side; the client never hears back
                break
        return response

    def _global_limited(self, call: Call) -> web.Response | None:
        """Discord's global limit: the 429 it answers when a bot exceeds it, or None to serve the request."""
        if self.global_limit is None or call.path.startswith(("/interactions/", "/webhooks/")):
            return None
        while self._served and self._served[0] <= call.at - self.global_window:
            self._served.popleft()
        if len(self._served) < self.global_limit:
            self._served.append(call.at)
            return None
        call.status = 429
        retry_after = max(0.001, math.ceil((self._served[0] + self.global_window - call.at) * 1000) / 1000)
        return _json(
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": True},
            status=429,
            headers={
                "Via": "1.1 google",  # discord.py takes a 429 without it for a Cloudflare ban
                "Retry-After": str(math.ceil(retry_after)),
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
            },
        )

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(API_PREFIX) :]
        body: Any = request[BODY]
        files: list[tuple[str, bytes]] = request[FILES]
        method = request.method
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("PUT", r"/applications/\d+/commands", self._put_commands),
            ("PUT", r"/applications/\d+/guilds/(\d+)/commands", self._put_commands),
            ("POST", r"/users/@me/channels", self._create_dm),
            ("POST", r"/channels/(\d+)/messages", self._create_message),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self._edit_message),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._interaction_callback),
            ("POST", r"/webhooks/\d+/([^/]+)", self._followup),
            ("PATCH", r"/webhooks/\d+/([^/]+)/messages/(@original|\d+)", self._edit_webhook_message),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if route_method == method and match is not None:
                result: web.StreamResponse = handler(body, files, *match.groups())
                return result
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _get_me(self, body: Any, files: list[tuple[str, bytes]]) -> web.Response:
        return _json(self.bot_user)

    def _get_application(self, body: Any, files: list[tuple[str, bytes]]) -> web.Response:
        return _json(
            {
                "id": str(self.app_id),
                "name": "ClearBack",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": {**self.user("owner")},
                "verify_key": "0" * 64,
                "team": None,
                "flags": 0,
                "summary": "",
                "rpc_origins": [],
            }
        )

    def _put_commands(self, body: Any, files: list[tuple[str, bytes]], guild_id: str | None = None) -> web.Response:
        registered = []
        for command in body:
            data = {**command, "id": str(self.snowflake()), "application_id": str(self.app_id), "version": "1"}
            if guild_id is not None:
                data["guild_id"] = guild_id
            registered.append(data)
        self.commands[guild_id or "global"] = registered
        return _json(registered)

    def _create_dm(self, body: Any, files: list[tuple[str, bytes]]) -> web.Response:
        user = self.users.get(int(body["recipient_id"]))
        if user is None:
            return _json({"message": "Invalid Recipient(s)", "code": 50033}, status=400)
        return _json(self.dm_channel(user))

    def _create_message(self, body: Any, files: list[tuple[str, bytes]], channel_id: str) -> web.Response:
        dm_user = self._dm_users.get(channel_id)
        if dm_user is not None and dm_user in self.closed_dms:
            return _json({"message": "Cannot send messages to this user", "code": 50007}, status=403)
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > MAX_NONCE_CHARS:
            return _json(
                {
                    "message": "Invalid Form Body",
                    "code": INVALID_FORM_BODY,
                    "errors": {"nonce": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "25 or fewer"}]}},
                },
                status=400,
            )
        key = (str(self.bot_user["id"]), str(nonce))
        if nonce is not None and body.get("enforce_nonce"):
            now = self.clock()
            while self._nonces:  # forget nonces older than the window (the dict is in creation order)
                oldest, (_, created) = next(iter(self._nonces.items()))
                if created > now - self.nonce_window:
                    break
                del self._nonces[oldest]
            seen = self._nonces.get(key)
            if seen is not None and seen[0] in self.messages:
                return _json(self.messages[seen[0]])  # Discord: the earlier message, nothing new created
        message = self.message(
            channel_id,
            body.get("content") or "",
            components=body.get("components"),
            flags=body.get("flags", 0) or 0,
            attachments=files,
        )
        if nonce is not None:
            message["nonce"] = nonce
            if body.get("enforce_nonce"):
                self._nonces.pop(key, None)  # re-inserted at the end, keeping creation order
                self._nonces[key] = (int(message["id"]), self.clock())
        return _json(message)

    def _apply_edit(self, message: Json, body: Json, files: list[tuple[str, bytes]]) -> None:
        if "content" in body:
            message["content"] = body["content"] or ""
        if "components" in body:
            message["components"] = body["components"] or []
        if "attachments" in body:
            message["attachments"] = [self._attachment(name, blob) for name, blob in files]
        message["edited_timestamp"] = now_iso()

    def _edit_message(
        self, body: Any, files: list[tuple[str, bytes]], channel_id: str, message_id: str
    ) -> web.Response:
        message = self.messages.get(int(message_id))
        if message is None or message["channel_id"] != channel_id:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        self._apply_edit(message, body, files)
        return _json(message)

    def _interaction_callback(
        self, body: Any, files: list[tuple[str, bytes]], interaction_id: str, token: str
    ) -> web.Response:
        info = self._interactions.get(token)
        if info is None or str(info["id"]) != interaction_id:
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        if info.get("answered"):
            return _json({"message": "Interaction has already been acknowledged.", "code": 40060}, status=400)
        info["answered"] = True
        kind = body["type"]
        data: Json = body.get("data") or {}
        interaction: Json = {"id": interaction_id, "type": info["kind"]}
        resource: Json | None = None
        if kind == CHANNEL_MESSAGE:
            message = self.message(
                info["channel_id"],
                data.get("content") or "",
                components=data.get("components"),
                flags=data.get("flags", 0) or 0,
                guild_id=info["guild_id"],
                attachments=files,
                message_type=20,
            )
            info["original_id"] = message["id"]
            interaction["response_message_id"] = message["id"]
            interaction["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
            resource = {"type": kind, "message": message}
        elif kind == UPDATE_MESSAGE:
            message = self.messages[int(info["message_id"])]
            self._apply_edit(message, data, files)
            interaction["response_message_id"] = message["id"]
            resource = {"type": kind, "message": message}
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            message = self.message(
                info["channel_id"], "", flags=(data.get("flags", 0) or 0) | 128, guild_id=info["guild_id"]
            )
            info["original_id"] = message["id"]
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = True
            interaction["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
            resource = {"type": kind, "message": message}
        result: Json = {"interaction": interaction}
        if resource is not None:
            result["resource"] = resource
        return _json(result)

    def _followup(self, body: Any, files: list[tuple[str, bytes]], token: str) -> web.Response:
        info = self._interactions.get(token)
        if info is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        message = self.message(
            info["channel_id"],
            body.get("content") or "",
            components=body.get("components"),
            flags=body.get("flags", 0) or 0,
            guild_id=info["guild_id"],
            attachments=files,
        )
        return _json(message)

    def _edit_webhook_message(
        self, body: Any, files: list[tuple[str, bytes]], token: str, message_id: str
    ) -> web.Response:
        info = self._interactions.get(token)
        if info is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        target = info["original_id"] if message_id == "@original" else message_id
        message = self.messages.get(int(target)) if target is not None else None
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        self._apply_edit(message, body, files)
        return _json(message)

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41_250}, "s": None, "t": None}))
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                continue
            packet = json.loads(frame.data)
            op = packet.get("op")
            if op == 1:  # heartbeat
                await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
            elif op == 2:  # identify
                self.identifies.append(packet["d"])
                if packet["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                self._seq = 1
                ready = {
                    "v": 10,
                    "user": self.bot_user,
                    "guilds": [],
                    "session_id": f"session-{self.snowflake()}",
                    "resume_gateway_url": self.gateway_url,
                    "application": {"id": str(self.app_id), "flags": 0},
                }
                self._sockets.append(ws)
                shard = packet["d"].get("shard")
                if shard is not None:
                    self._shards[ws] = (int(shard[0]), int(shard[1]))
                await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": self._seq, "d": ready}))
                self._connected.set()
        if ws in self._sockets:
            self._sockets.remove(ws)
        self._shards.pop(ws, None)
        if not self._sockets:
            self._connected.clear()
        return ws
