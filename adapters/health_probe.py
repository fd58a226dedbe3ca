"""`clearback healthcheck`: ask the running bot's /healthz, for a container's HEALTHCHECK or a monitor.

The image has no curl, and a probe must not depend on one: this is the Python standard library's urllib,
against BOT_HTTP_PORT on this host. A listener bound to every address (BOT_HTTP_HOST=0.0.0.0 in the image) is
asked on the loopback address, which it also serves. Exit status 0 only for a 200; the first line of the
answer is printed, so `docker inspect` shows why a container is unhealthy.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Final

from bot.settings import Environment

HEALTHY: Final = 0
UNHEALTHY: Final = 1
NOT_CONFIGURED: Final = 2
TIMEOUT_S: Final = 5.0
WILDCARDS: Final = frozenset({"0.0.0.0", "::", "[::]", ""})
# Never through an HTTP_PROXY from the environment: the bot is on this host.
_NO_PROXY: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def health_url(environ: Mapping[str, str] | None = None, env_file: str | None = ".env") -> str | None:
    """http://host:port/healthz from BOT_HTTP_HOST and BOT_HTTP_PORT; None when the endpoint is off."""
    env = Environment(environ, env_file)
    port = env.text("BOT_HTTP_PORT")
    if port is None:
        return None
    host = env.text("BOT_HTTP_HOST") or "127.0.0.1"
    if host in WILDCARDS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port}/healthz"


def probe_health(environ: Mapping[str, str] | None = None, env_file: str | None = ".env") -> int:
    url = health_url(environ, env_file)
    if url is None:
        print("BOT_HTTP_PORT is not set, so the bot serves no /healthz to ask.", file=sys.stderr)
        return NOT_CONFIGURED
    try:
        with _NO_PROXY.open(url, timeout=TIMEOUT_S) as answer:
            print(f"healthy: {_first_line(answer.read())}")
            return HEALTHY if answer.status == 200 else UNHEALTHY
    except urllib.error.HTTPError as exc:  # 503 and friends: the body says what is wrong
        print(f"unhealthy ({exc.code}): {_first_line(exc.read())}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"unhealthy: cannot reach {url} ({reason})", file=sys.stderr)
    return UNHEALTHY


def _first_line(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return (text.splitlines() or [""])[0][:300]
