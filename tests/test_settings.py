"""The core's settings (bot/settings.py); the platforms' are tested in tests/adapters/test_settings.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_DB_PATH, SettingsError, load_settings


def test_defaults_with_nothing_set(tmp_path: Path) -> None:
    settings = load_settings({}, env_file=tmp_path / "missing.env")
    assert settings.db_path == DEFAULT_DB_PATH and settings.default_timezone == "UTC"


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("BOT_DEFAULT_TIMEZONE=Europe/Berlin\nLOG_LEVEL=debug\nTELEGRAM_TOKEN=123:abc\n")
    settings = load_settings({"LOG_LEVEL": "WARNING"}, env_file=env)
    assert settings.default_timezone == "Europe/Berlin"
    assert settings.log_level == "WARNING"


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("BOT_DEFAULT_TIMEZONE", "Mars/Olympus", "Europe/Berlin"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL=INFO"),
        ("BOT_CATCH_UP_GRACE_HOURS", "soon", "=12"),
        ("BOT_DATABASE_URL", "mysql://db/clearback", "postgresql://"),
    ],
)
def test_malformed_setting_names_itself_and_the_fix(name: str, value: str, hint: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({name: value}, env_file=None)
    message = str(caught.value)
    assert name in message and hint in message and "\n" not in message


def test_a_database_url_is_the_store_and_its_password_is_a_secret(tmp_path: Path) -> None:
    url = "postgresql://clearback:s3cret-pw@db.internal:5432/clearback"
    settings = load_settings({"BOT_DATABASE_URL": url}, env_file=tmp_path / "missing.env")
    assert settings.store_target == url
    assert settings.secrets == ["s3cret-pw"]
    assert "s3cret-pw" not in repr(settings)
    plain = load_settings({}, env_file=tmp_path / "missing.env")
    assert plain.store_target == DEFAULT_DB_PATH and plain.secrets == []
