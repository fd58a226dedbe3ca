"""The Telegram webhook listener (adapters/telegram_webhook.py) through the real adapter and the fake Bot API:
the secret is always required, made afresh at each start unless configured, and compared in constant time."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest

from adapters.telegram_webhook import WebhookConfig
from tests.adapters.fake_telegram import FakeTelegram
from tests.adapters.test_telegram_adapter import USER, WELCOME, DemoBot, make_adapter


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def forged_update(user: int, text: str, update_id: int = 1) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "M"},
            "text": text,
        },
    }


async def test_webhook_mode(telegram_fake: FakeTelegram, telegram_demo: DemoBot) -> None:
    port = _free_port()
    config = WebhookConfig(
        url=f"http://127.0.0.1:{port}/telegram/hook", listen="127.0.0.1", port=port, secret_token="s3cret-Token"
    )
    tg = make_adapter(telegram_fake, telegram_demo, webhook=config)
    await tg.start()
    try:
        assert telegram_fake.webhook_url == config.url and telegram_fake.webhook_secret == "s3cret-Token"
        forged = forged_update(USER, "/start")
        assert await telegram_fake.post_to_webhook(forged, secret="wrong") == 403
        telegram_fake.inject_message(USER, "/start")  # delivered by POST with the right secret
        (welcome,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
        assert welcome.text == WELCOME
        assert telegram_demo.texts_seen() == ["/start"]
    finally:
        await tg.stop()


async def test_webhook_without_configured_secret_makes_one_and_refuses_updates_without_it(
    telegram_fake: FakeTelegram, telegram_demo: DemoBot
) -> None:
    port = _free_port()
    config = WebhookConfig(url=f"http://127.0.0.1:{port}/telegram/hook", port=port)
    assert config.listen == "127.0.0.1"  # loopback by default: it sits behind a reverse proxy
    telegram_fake.open_private_chat(USER)
    tg = make_adapter(telegram_fake, telegram_demo, webhook=config)
    await tg.start()
    try:
        secret = telegram_fake.webhook_secret
        assert secret is not None and len(secret) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", secret)
        for header in (None, "wrong", secret[:-1], secret + "x", secret.upper() if secret.upper() != secret else "X"):
            assert await telegram_fake.post_to_webhook(forged_update(USER, "/start"), secret=header) == 403, header
        assert telegram_demo.seen == []  # the handler never ran
        assert telegram_fake.bot_messages(USER) == []

        assert await telegram_fake.post_to_webhook(forged_update(USER, "/start", 2), secret=secret) == 200
        (welcome,) = await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(USER))
        assert welcome.text == WELCOME and telegram_demo.texts_seen() == ["/start"]
    finally:
        await tg.stop()

    await tg.start()  # a new secret at each start
    try:
        assert telegram_fake.webhook_secret is not None and telegram_fake.webhook_secret != secret
        assert await telegram_fake.post_to_webhook(forged_update(USER, "/start", 3), secret=secret) == 403
    finally:
        await tg.stop()


def test_webhook_config_refuses_a_secret_telegram_would_not_take() -> None:
    for bad in ("", "has space", "ümlaut", "x" * 257, "semi;colon"):
        with pytest.raises(ValueError, match="A-Z"):
            WebhookConfig(url="https://bot.example.org/hook", secret_token=bad)
    assert WebhookConfig(url="https://bot.example.org/hook", secret_token="Ok_-9" * 51).secret_token
