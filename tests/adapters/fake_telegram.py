"""A fake Telegram Bot API server for tests: aiohttp on 127.0.0.1, a random port, real HTTP.

Point python-telegram-bot at it with base_url=fake.base_url. It implements what the adapter uses
(getMe, getUpdates long polling with offsets, setMyCommands, deleteWebhook/setWebhook, sendMessage,
editMessageText, editMessageReplyMarkup, answerCallbackQuery, sendPhoto, sendDocument), records every
call, lets a test inject user messages and button presses, and has fault switches:

* `blocked` chats answer 403 "Forbidden: bot was blocked by the user"; private chats of users who
  never wrote to the bot answer 403 "Forbidden: bot can't initiate conversation with a user";
* `flood(...)`: the next requests answer 429 with parameters.retry_after;
* `enforce_limits = True`: at most 30 messages within any second (a sliding window: the strictest
  reading of "30 a second") and 1 message/s per chat (with `tolerance` for the jitter between a request
  leaving the client and arriving here); violations answer 429 and are recorded in `violations`;
* `fail(...)`: the next requests answer 5xx; `drop(...)`: the next requests get their connection
  closed without any response. With `after_storing=True` the next requests that succeed are carried out
  (the message is there) and only then answered 5xx or dropped, like a proxy failing after Telegram
  accepted them;
* `refuse_connections()` / `accept_connections()`: stop and resume listening, so requests fail to
  connect and nothing reaches the server;
* `setWebhook` records the URL and `secret_token`; `post_to_webhook(...)` forges a delivery.

Several bot processes (peers) can share one fake and still be told apart: each is given its own base URL,
`base_url_for("a")` (the same API under /peer/a/), and every getUpdates is kept in `polls` as (peer, arrival
time), so a test can see who polled when ("" for the plain base_url).

Message text is validated like Telegram does for parse_mode=HTML (unknown tags and bare `&` are
rejected), so escaping mistakes show up as 400 Bad Request.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

T = TypeVar("T")

TOKEN = "123456789:AAFakeTokenForTestsOnly-abcdefghijkl"
BOT_ID = 123456789
BOT_USERNAME = "ClearBackTestBot"

SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
)
JSON_FIELDS = frozenset(
    {"reply_markup", "commands", "allowed_updates", "reply_parameters", "link_preview_options", "scope"}
)
_ALLOWED_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
     "span", "blockquote", "tg-emoji"}
)
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9A-Fa-f]+);")
_TAG_RE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>")


class HtmlError(ValueError):
    pass


def parse_html(text: str) -> str:
    """Validate Telegram-HTML like the Bot API does and return the visible plain text."""
    index = 0
    while index < len(text):
        char = text[index]
        if char == "&" and not _ENTITY_RE.match(text, index):
            raise HtmlError(f"Can't parse entities: unsupported entity at byte offset {index}")
        if char == "<":
            tag = _TAG_RE.match(text, index)
            if tag is None or tag.group(1).lower() not in _ALLOWED_TAGS:
                raise HtmlError(f"Can't parse entities: unsupported start tag at byte offset {index}")
            index = tag.end()
            continue
        index += 1
    return html.unescape(_TAG_RE.sub("", text))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    """One request the bot made, and what the fake answered (`status`, 0 = connection dropped)."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    at: float
    status: int = 200
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    html: str
    text: str  # what the user sees (HTML parsed)
    reply_markup: dict[str, Any] | None
    kind: str = "text"  # text | photo | document
    file: UploadedFile | None = None
    from_bot: bool = True
    edits: int = 0

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[(button["text"], button["callback_data"]) for button in row] for row in rows]


@dataclass
class Fault:
    kind: str  # flood | fail | drop | stall
    remaining: int
    methods: frozenset[str]
    status: int = 500
    retry_after: int = 1
    stall_seconds: float = 0.0
    after_storing: bool = False  # fail/drop only after carrying the request out


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.first_name is not None:
            data["first_name"] = self.first_name
        return data


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class FakeTelegram:
    token: str = TOKEN
    bot_id: int = BOT_ID
    bot_username: str = BOT_USERNAME

    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], StoredMessage] = field(default_factory=dict)
    commands: list[dict[str, str]] = field(default_factory=list)
    answered_callbacks: list[str] = field(default_factory=list)
    webhook_url: str = ""
    webhook_secret: str | None = None
    unauthorized: list[str] = field(default_factory=list)  # methods called with another token (answered 401)

    blocked: set[int] = field(default_factory=set)
    started_users: set[int] = field(default_factory=set)
    enforce_limits: bool = False
    per_chat_interval: float = 1.0
    overall_per_second: int = 30
    overall_window: float = 1.0
    tolerance: float = 0.05
    violations: list[str] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic  # when requests arrive; tests may pass a manual clock

    polls: list[tuple[str, float]] = field(default_factory=list)  # every getUpdates: (peer, arrival)

    def __post_init__(self) -> None:
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, Chat] = {}
        self._updates: list[dict[str, Any]] = []
        self._confirmed = 0  # highest update_id confirmed via offset
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._faults: list[Fault] = []
        self._last_send: dict[int, float] = {}
        self._recent_sends: deque[float] = deque()
        self._changed: asyncio.Condition | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    # ---- server lifecycle -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def base_url_for(self, peer: str) -> str:
        """The Bot API for one peer of several: calls through it are recorded as that peer's."""
        return f"http://127.0.0.1:{self.port}/peer/{peer}/bot"

    def pollers(self, since: float = 0.0) -> list[str]:
        """The peers that called getUpdates at or after `since` (fake clock), in order of their first poll."""
        return list(dict.fromkeys(peer for peer, at in self.polls if at >= since))

    async def start(self) -> None:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/peer/{peer}/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await self._listen(0)

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        self._site = web.SockSite(self._runner, sock)
        await self._site.start()

    async def refuse_connections(self) -> None:
        """Stop listening and close every open connection (keep-alive ones too): the client's next
        request fails to connect (ECONNREFUSED), so provably nothing reaches the server."""
        assert self._runner is not None and self._site is not None
        await self._site.stop()
        self._site = None
        server = self._runner.server
        assert server is not None
        for connection in server.connections:
            connection.force_close()
        # The sockets close on the next loop turns; until then a client could still reuse one.
        for _ in range(100):
            if not server.connections:
                break
            await asyncio.sleep(0)

    async def accept_connections(self) -> None:
        """Listen again on the same port."""
        if self._site is None:
            await self._listen(self.port)

    async def close(self) -> None:
        self._closing = True
        await self._notify()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    # ---- people and chats -----------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Alex") -> dict[str, Any]:
        if user_id not in self._users:
            self._users[user_id] = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "username": f"user{user_id}",
                "language_code": "en",
            }
        return self._users[user_id]

    def private_chat(self, user_id: int) -> Chat:
        user = self.user(user_id)
        return self._chats.setdefault(user_id, Chat(user_id, "private", first_name=user["first_name"]))

    def open_private_chat(self, user_id: int) -> Chat:
        """The user has pressed Start in a private chat with the bot (so the bot may write to them)."""
        self.started_users.add(user_id)
        return self.private_chat(user_id)

    def group(self, chat_id: int, title: str = "Skin care club", chat_type: str = "supergroup") -> Chat:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        return self._chats.setdefault(chat_id, Chat(chat_id, chat_type, title=title))

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "ClearBack",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # ---- injecting updates ----------------------------------------------------------------------

    def inject_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """A user writes `text` (to their private chat with the bot, or in group `chat_id`)."""
        chat = self.private_chat(user_id) if chat_id is None else self._chats[chat_id]
        if chat.type == "private":
            self.started_users.add(user_id)
        message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self.user(user_id),
            "chat": chat.to_json(),
            "date": int(time.time()),
            "text": text,
        }
        command = re.match(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._message_json(self.messages[(chat.id, reply_to_message_id)])
        self.messages[(chat.id, message_id)] = StoredMessage(
            chat.id, message_id, html.escape(text, quote=False), text, None, from_bot=False
        )
        return self._enqueue({"message": message})

    def press_button(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        """A user presses the inline button with callback data `data` under a bot message."""
        stored = self.messages[(chat_id, message_id)]
        if data not in [payload for row in stored.buttons for _, payload in row]:
            raise AssertionError(f"message {message_id} has no button {data!r}: {stored.buttons}")
        query_id = str(next(self._callback_ids) + 9_000_000_000)
        self._enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "message": self._message_json(stored),
                    "chat_instance": f"-{chat_id}77",
                    "data": data,
                }
            }
        )
        return query_id

    def _enqueue(self, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **payload}
        self._updates.append(update)
        self.poke()
        if self.webhook_url:
            self._spawn(self._post_webhook(update))
        return update_id

    def poke(self) -> None:
        """Wake wait_for() and long polls (for conditions on state outside the fake)."""
        if self._changed is not None:
            self._spawn(self._notify())

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post_webhook(self, update: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} if self.webhook_secret else {}
        async with self._session.post(self.webhook_url, json=update, headers=headers) as response:
            if response.status == 200:
                self._confirmed = max(self._confirmed, update["update_id"])

    async def post_to_webhook(self, update: dict[str, Any], secret: str | None) -> int:
        """Deliver a raw update to the registered webhook with a chosen secret; returns HTTP status."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        async with self._session.post(self.webhook_url, json=update, headers=headers) as response:
            return response.status

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return [update for update in self._updates if update["update_id"] > self._confirmed]

    # ---- faults ---------------------------------------------------------------------------------

    def flood(self, times: int = 1, retry_after: int = 1, methods: Iterable[str] = SEND_METHODS) -> None:
        self._faults.append(Fault("flood", times, frozenset(methods), retry_after=retry_after))

    def fail(
        self, times: int = 1, status: int = 500, methods: Iterable[str] = SEND_METHODS, *, after_storing: bool = False
    ) -> None:
        self._faults.append(Fault("fail", times, frozenset(methods), status=status, after_storing=after_storing))

    def drop(self, times: int = 1, methods: Iterable[str] = SEND_METHODS, *, after_storing: bool = False) -> None:
        self._faults.append(Fault("drop", times, frozenset(methods), after_storing=after_storing))

    def stall(self, seconds: float, times: int = 1, methods: Iterable[str] = SEND_METHODS) -> None:
        """Carry out the next requests but answer only after `seconds`: the client times out not knowing."""
        self._faults.append(Fault("stall", times, frozenset(methods), stall_seconds=seconds))

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and method in fault.methods:
                fault.remaining -= 1
                return fault
        return None

    # ---- looking at what happened ---------------------------------------------------------------

    def calls_to(self, method: str, chat_id: int | None = None, *, ok_only: bool = True) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == method
            and (chat_id is None or call.chat_id == chat_id)
            and (call.ok or not ok_only)
        ]

    def bot_messages(self, chat_id: int) -> list[StoredMessage]:
        return sorted(
            (m for m in self.messages.values() if m.chat_id == chat_id and m.from_bot),
            key=lambda m: m.message_id,
        )

    def texts(self, chat_id: int) -> list[str]:
        return [message.text for message in self.bot_messages(chat_id)]

    async def wait_for(self, condition: Callable[[], T | None], within: float = 5.0) -> T:
        """Wait (event-driven: woken on every request and injected update) until `condition()` is
        truthy and return its value; AssertionError after `within` seconds."""
        assert self._changed is not None, "start() the fake first"

        def check() -> bool:
            return bool(condition())

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(check), within)
            except TimeoutError:
                raise AssertionError(f"condition not met within {within}s; calls: {self.summary()}") from None
        value = condition()
        assert value
        return value

    def summary(self) -> list[str]:
        return [f"{call.method}:{call.status}:{call.chat_id}" for call in self.calls[-30:]]

    # ---- HTTP -----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self.unauthorized.append(method)
            await self._notify()
            return _error(401, "Unauthorized")
        params, files = await _read_params(request)
        call = Call(method, params, files, self.clock())
        if method == "getUpdates":
            self.polls.append((request.match_info.get("peer", ""), call.at))
        fault = self._take_fault(method)
        if method != "getUpdates" or fault is not None:  # polls are recorded only when they fail
            self.calls.append(call)
        try:
            if fault is not None and fault.after_storing:
                try:
                    await self._dispatch(method, params, files)  # carried out: the answer is what gets lost
                except ApiError:
                    fault.remaining += 1  # it failed on its own: the fault waits for a request that succeeds
                    raise
            if fault is not None and fault.kind == "drop":
                call.status = 0
                assert request.transport is not None
                request.transport.abort()
                return web.Response()
            if fault is not None and fault.kind == "fail":
                raise ApiError(fault.status, "Internal Server Error" if fault.status == 500 else "Bad Gateway")
            if fault is not None and fault.kind == "flood":
                raise ApiError(
                    429, f"Too Many Requests: retry after {fault.retry_after}", {"retry_after": fault.retry_after}
                )
            result = await self._dispatch(method, params, files)
            if fault is not None and fault.kind == "stall":
                await self._notify()
                await asyncio.sleep(fault.stall_seconds)
        except ApiError as exc:
            call.status = exc.status
            return _error(exc.status, exc.description, exc.parameters)
        finally:
            await self._notify()
        call.result = result
        return web.json_response({"ok": True, "result": result})

    async def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        if method == "getMe":
            return self.bot_user()
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "deleteWebhook":
            self.webhook_url = ""
            return True
        if method == "setWebhook":
            self.webhook_url = params["url"]
            self.webhook_secret = params.get("secret_token")
            return True
        if method == "setMyCommands":
            self.commands = list(params["commands"])
            return True
        if method == "answerCallbackQuery":
            self.answered_callbacks.append(params["callback_query_id"])
            return True
        if method in SEND_METHODS:
            chat = self._writable_chat(int(params["chat_id"]))
            self._check_limits(method, chat.id)
            if method == "sendMessage":
                return self._send_message(chat, params)
            if method in ("sendPhoto", "sendDocument"):
                return self._send_file(chat, method, params, files)
            return self._edit(chat, method, params)
        raise ApiError(404, "Not Found: method not found")

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset", 0) or 0)
        if offset:
            self._confirmed = max(self._confirmed, offset - 1)
        timeout = float(params.get("timeout", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        assert self._changed is not None
        async with self._changed:
            with suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: bool(self.pending_updates) or self._closing), timeout
                )
        return self.pending_updates[:limit]

    def _writable_chat(self, chat_id: int) -> Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.type == "private" and chat_id not in self.started_users:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _check_limits(self, method: str, chat_id: int) -> None:
        if not self.enforce_limits:
            return
        now = self.clock()
        last = self._last_send.get(chat_id)
        if last is not None and now - last < self.per_chat_interval - 2 * self.tolerance:
            self.violations.append(f"{method} to {chat_id} {now - last:.3f}s after the previous one")
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        while self._recent_sends and self._recent_sends[0] <= now - self.overall_window:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.overall_per_second:
            self.violations.append(f"{method}: more than {self.overall_per_second} messages in one second")
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._last_send[chat_id] = now
        self._recent_sends.append(now)

    @staticmethod
    def _visible_text(params: dict[str, Any], key: str, limit: int) -> tuple[str, str]:
        raw = str(params.get(key, ""))
        if params.get("parse_mode") == "HTML":
            try:
                visible = parse_html(raw)
            except HtmlError as exc:
                raise ApiError(400, f"Bad Request: {exc}") from None
        else:
            visible = raw
        if utf16_len(visible) > limit:
            what = "message is too long" if key == "text" else "message caption is too long"
            raise ApiError(400, f"Bad Request: {what}")
        return raw, visible

    @staticmethod
    def _checked_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return dict(markup) if markup.get("inline_keyboard") else None

    def _send_message(self, chat: Chat, params: dict[str, Any]) -> dict[str, Any]:
        raw, visible = self._visible_text(params, "text", 4096)
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        stored = StoredMessage(chat.id, next(self._message_ids), raw, visible, self._checked_markup(params))
        self.messages[(chat.id, stored.message_id)] = stored
        return self._message_json(stored)

    def _send_file(
        self, chat: Chat, method: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        key = "photo" if method == "sendPhoto" else "document"
        upload = files.get(key)
        if upload is None:
            raise ApiError(400, f"Bad Request: there is no {key} in the request")
        raw, visible = self._visible_text(params, "caption", 1024)
        stored = StoredMessage(
            chat.id, next(self._message_ids), raw, visible, self._checked_markup(params), kind=key, file=upload
        )
        self.messages[(chat.id, stored.message_id)] = stored
        return self._message_json(stored)

    def _edit(self, chat: Chat, method: str, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.messages.get((chat.id, int(params["message_id"])))
        if stored is None or not stored.from_bot:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = self._checked_markup(params)
        if method == "editMessageText":
            if stored.kind != "text":
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            raw, visible = self._visible_text(params, "text", 4096)
            if raw == stored.html and markup == stored.reply_markup:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message",
                )
            stored.html, stored.text = raw, visible
        elif markup == stored.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified")
        stored.reply_markup = markup  # like Telegram: no reply_markup in an edit removes the keyboard
        stored.edits += 1
        return self._message_json(stored)

    def _message_json(self, stored: StoredMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": stored.message_id,
            "from": self.bot_user() if stored.from_bot else self.user(stored.chat_id),
            "chat": self._chats[stored.chat_id].to_json(),
            "date": int(time.time()),
        }
        if stored.edits:
            data["edit_date"] = int(time.time())
        if stored.kind == "text":
            data["text"] = stored.text
        else:
            if stored.text:
                data["caption"] = stored.text
            assert stored.file is not None
            file_id = f"file-{stored.message_id}"
            if stored.kind == "photo":
                data["photo"] = [
                    {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 90, "height": 60,
                     "file_size": len(stored.file.data)}
                ]
            else:
                data["document"] = {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "file_name": stored.file.filename,
                    "mime_type": stored.file.content_type,
                    "file_size": len(stored.file.data),
                }
        if stored.reply_markup:
            data["reply_markup"] = stored.reply_markup
        return data


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    params: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        params = dict(await request.json())
        return params, files
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = UploadedFile(key, value.filename, value.content_type, value.file.read())
        elif key in JSON_FIELDS:
            params[key] = json.loads(str(value))
        else:
            params[key] = str(value)
    for key, value in request.query.items():
        params.setdefault(key, value)
    return params, files


@asynccontextmanager
async def running_fake(**kwargs: Any) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(**kwargs)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
