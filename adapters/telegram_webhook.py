"""The Telegram webhook listener: our own, so the secret header is always required and compared in constant time.

PTB's own Updater compares the secret with `!=`, which leaks how much of a guess was right. The secret is
always set: a fresh random one at each start unless configured, registered with setWebhook so Telegram
sends it on every delivery. The listener binds to loopback by default, behind a TLS-terminating proxy.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from adapters.settings import DEFAULT_WEBHOOK_LISTEN, DEFAULT_WEBHOOK_PORT, valid_webhook_secret

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_MAX_BODY = 1 << 20  # an update is a few KB; refuse anything far larger unread


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Receive updates by webhook instead of long polling.

    `url` is the public HTTPS URL Telegram calls (its path is served locally); `listen`/`port` is
    where the local server binds: loopback by default, behind a TLS-terminating reverse proxy.
    Without `secret_token` a random one is made at each start; either way every delivery must carry it.
    """

    url: str
    listen: str = DEFAULT_WEBHOOK_LISTEN
    port: int = DEFAULT_WEBHOOK_PORT
    secret_token: str | None = None

    def __post_init__(self) -> None:
        if self.secret_token is not None and not valid_webhook_secret(self.secret_token):
            raise ValueError("a webhook secret is 1-256 characters of A-Z, a-z, 0-9, _ and -")


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)  # 43 characters of A-Za-z0-9_-


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


async def start_webhook(app: AnyApplication, config: WebhookConfig, allowed_updates: list[str]) -> HTTPServer:
    """Listen first (Telegram may call at once), then register the URL and the secret with setWebhook."""
    secret = config.secret_token or new_webhook_secret()
    path = urlsplit(config.url).path or "/"
    routes = [(rf"{re.escape(path.rstrip('/'))}/?", _WebhookHandler, {"app": app, "secret": secret.encode()})]
    server = HTTPServer(_WebhookApplication(routes), max_body_size=WEBHOOK_MAX_BODY)
    server.listen(config.port, address=config.listen)
    try:
        await app.bot.set_webhook(
            url=config.url,
            secret_token=secret,
            allowed_updates=allowed_updates,
            drop_pending_updates=False,
        )
    except BaseException:
        server.stop()
        raise
    return server
