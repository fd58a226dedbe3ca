"""LOG_FORMAT=json (adapters/json_logs.py): one object per line, the record's fields, tokens still redacted."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from adapters.json_logs import JsonFormatter
from adapters.link import retry_fields, retry_line
from adapters.log_hygiene import install_log_hygiene

TOKEN = "123456789:AAJsonLogsTokenForTestsOnly-abcdefgh"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)  # as run_bot.py: use_json_logs() formats the root's handlers
    logger = logging.getLogger("clearback.test_json")
    logger.setLevel(logging.INFO)
    install_log_hygiene(TOKEN)  # which also filters the root's handlers
    yield logger, out
    root.removeHandler(handler)


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_object_per_line_with_the_fields(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = logged
    logger.warning(retry_line("Telegram", "name resolution failed", 20), extra=retry_fields("telegram", "x", 20))
    logger.info("%d reminders waiting for %s are due again now", 3, "telegram", extra={"count": 3})
    first, second = lines(out)
    assert set(first) == {"time", "level", "logger", "message", "platform", "reason", "retry_in"}
    assert first["level"] == "WARNING" and first["logger"] == "clearback.test_json"
    assert first["message"] == "Telegram unreachable (name resolution failed); retrying in 20 s"
    assert first["platform"] == "telegram" and first["retry_in"] == 20
    assert str(first["time"]).endswith("+00:00")
    assert second["message"] == "3 reminders waiting for telegram are due again now" and second["count"] == 3


def test_tokens_are_redacted_in_json_too(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = logged
    logger.warning("POST https://api.telegram.org/bot%s/getMe failed", TOKEN)
    try:
        raise RuntimeError(f"request to /bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        logger.exception("sending failed")
    assert TOKEN not in out.getvalue()
    message, failure = lines(out)
    assert "<token>" in str(message["message"])
    assert "RuntimeError" in str(failure["exception"])
