"""The platforms' settings (adapters/settings.py): read from the same environment as the core's."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import load_platform_settings
from bot.settings import SettingsError


def test_defaults_with_nothing_set(tmp_path: Path) -> None:
    settings = load_platform_settings({}, env_file=tmp_path / "missing.env")
    assert settings.platforms_configured == []


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("BOT_DEFAULT_TIMEZONE=Europe/Berlin\nLOG_LEVEL=debug\nTELEGRAM_TOKEN=123:abc\n")
    settings = load_platform_settings({"LOG_LEVEL": "WARNING"}, env_file=env)
    assert settings.platforms_configured == ["telegram"]


def test_tokens_never_appear_in_repr() -> None:
    settings = load_platform_settings({"TELEGRAM_TOKEN": "123:secret-token", "DISCORD_TOKEN": "d" * 40}, env_file=None)
    assert "secret-token" not in repr(settings) and "d" * 40 not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("TELEGRAM_TOKEN", "not a token", "@BotFather"),
        ("DISCORD_TOKEN", "short", "Bot page"),
        ("DISCORD_GUILD_ID", "my-server", "digits"),
        ("TELEGRAM_WEBHOOK_URL", "http://insecure", "https://"),
        ("TELEGRAM_WEBHOOK_SECRET", "my secret!", "A-Z, a-z, 0-9, _ and -"),
        ("TELEGRAM_WEBHOOK_SECRET", "x" * 257, "1 to 256"),
    ],
)
def test_malformed_setting_names_itself_and_the_fix(name: str, value: str, hint: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_platform_settings({name: value}, env_file=None)
    message = str(caught.value)
    assert name in message and hint in message and "\n" not in message


def test_webhook_listens_on_loopback_by_default_and_keeps_a_valid_secret() -> None:
    settings = load_platform_settings({"TELEGRAM_WEBHOOK_SECRET": "Abc_123-xyz"}, env_file=None)
    assert settings.telegram_webhook_listen == "127.0.0.1"
    assert settings.telegram_webhook_secret == "Abc_123-xyz"
    assert "Abc_123-xyz" not in repr(settings)
    assert load_platform_settings({}, env_file=None).telegram_webhook_secret is None  # one is made at each start
    assert (
        load_platform_settings({"TELEGRAM_WEBHOOK_LISTEN": "0.0.0.0"}, env_file=None).telegram_webhook_listen
        == "0.0.0.0"
    )


def test_discord_shard_count_defaults_to_one_and_must_be_a_whole_number() -> None:
    assert load_platform_settings({}, env_file=None).discord_shard_count == 1
    assert load_platform_settings({"DISCORD_SHARD_COUNT": "4"}, env_file=None).discord_shard_count == 4
    for bad in ("0", "1.5", "many", "2000"):
        with pytest.raises(SettingsError, match="DISCORD_SHARD_COUNT"):
            load_platform_settings({"DISCORD_SHARD_COUNT": bad}, env_file=None)
