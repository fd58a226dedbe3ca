"""BOT_HTTP_PORT: /healthz and /metrics over HTTP, for a load balancer, a container's HEALTHCHECK, systemd's
watchdog scripts and Prometheus. Tornado (already what python-telegram-bot's webhook runs on), on the bot's
event loop; loopback only unless BOT_HTTP_HOST says otherwise.

/healthz: 200 and {"status": "ok", ...} when the store accepts a write now and every configured platform is
connected; 503 and {"status": "unhealthy", "problems": [...]} naming what is not. /metrics: the Prometheus text
format (adapters/metrics.py). Nothing else is served; requests are not logged (a probe every few seconds would
drown the log).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import tornado.netutil
import tornado.web
from tornado.httpserver import HTTPServer

from adapters.base import Adapter
from adapters.metrics import CONTENT_TYPE, PrometheusTelemetry
from bot.health import Probe

log = logging.getLogger(__name__)


@dataclass
class Endpoints:
    probe: Probe
    adapters: Sequence[Adapter]
    metrics: PrometheusTelemetry

    async def health(self) -> tuple[bool, dict[str, Any]]:
        problems: list[str] = []
        writable = await self.probe.store_writable()
        if not writable:
            problems.append("the store does not accept writes")
        platforms: dict[str, str] = {}
        for adapter in self.adapters:
            link = adapter.link
            platforms[adapter.platform] = link.state
            if not link.connected:
                problems.append(f"{adapter.platform} {link.state}" + (f": {link.reason}" if link.reason else ""))
        body: dict[str, Any] = {
            "status": "unhealthy" if problems else "ok",
            "store": "writable" if writable else "unwritable",
            "platforms": platforms,
        }
        if problems:
            body["problems"] = problems
        return not problems, body

    async def metrics_text(self) -> bytes:
        return self.metrics.render(await self.probe.snapshot(), self.adapters)


class _Health(tornado.web.RequestHandler):
    def initialize(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints

    async def get(self) -> None:
        try:
            ok, body = await self.endpoints.health()
        except Exception as exc:  # the probe itself failed: unhealthy, said in one line
            log.warning("health check failed (%s)", type(exc).__name__)
            ok, body = False, {"status": "unhealthy", "problems": [f"health check failed: {type(exc).__name__}"]}
        self.set_status(200 if ok else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body, separators=(",", ":")))


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints

    async def get(self) -> None:
        try:
            text = await self.endpoints.metrics_text()
        except Exception as exc:
            log.warning("metrics failed (%s)", type(exc).__name__)
            self.set_status(500)
            self.finish("metrics failed\n")
            return
        self.set_header("Content-Type", CONTENT_TYPE)
        self.finish(text)


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """No access log."""


@dataclass
class HttpListener:
    server: HTTPServer
    port: int

    async def stop(self) -> None:
        self.server.stop()
        await self.server.close_all_connections()


def start_http(endpoints: Endpoints, host: str, port: int) -> HttpListener:
    """Listen on host:port (0: any free port, for tests) and serve the two endpoints on the running loop."""
    app = tornado.web.Application(
        [(r"/healthz", _Health, {"endpoints": endpoints}), (r"/metrics", _Metrics, {"endpoints": endpoints})],
        log_function=_quiet,
    )
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server = HTTPServer(app, xheaders=False)
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()[1]
    log.info("health and metrics on http://%s:%d/healthz and /metrics", host, bound)
    return HttpListener(server, bound)
