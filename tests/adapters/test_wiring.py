"""adapters/wiring.py: what the wiring decides beyond building adapters (the webhook secret of peers)."""

from __future__ import annotations

from adapters.settings import valid_webhook_secret
from adapters.wiring import shared_webhook_secret
from bot.app import App
from storage.memory_store import MemoryStore
from storage.postgres import PostgresStore
from tests import pg_server


def test_peers_on_one_database_register_the_same_webhook_secret() -> None:
    url = pg_server.fresh_database()
    first, second = PostgresStore(url), PostgresStore(url)
    try:
        secret = shared_webhook_secret(App(first))
        assert secret is not None and valid_webhook_secret(secret)
        assert shared_webhook_secret(App(second)) == secret  # the other peer: same secret, not its own
        other = PostgresStore(pg_server.fresh_database())
        assert shared_webhook_secret(App(other)) != secret  # another bot, another secret
        other.close()
    finally:
        first.close()
        second.close()


def test_one_process_makes_its_own_secret_at_each_start() -> None:
    assert shared_webhook_secret(App(MemoryStore())) is None  # start_webhook then makes a random one
