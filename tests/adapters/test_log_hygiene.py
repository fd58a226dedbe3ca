"""Log hygiene (adapters/log_hygiene.py): every form of a token is redacted from log records."""

from __future__ import annotations

import logging
import sys
from urllib.parse import quote

from adapters.log_hygiene import TokenRedactingFilter
from tests.adapters.fake_telegram import TOKEN


def test_token_filter_redacts_messages_args_and_tracebacks() -> None:
    redactor = TokenRedactingFilter()
    redactor.add_token("42:SECRET")
    try:
        raise RuntimeError("url https://x/bot42:SECRET/getMe")
    except RuntimeError:
        record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "GET %s", ("/bot42:SECRET/x",), sys.exc_info())
    assert redactor.filter(record)
    assert record.getMessage() == "GET /bot<token>/x"
    assert record.exc_text is not None and "42:SECRET" not in record.exc_text and "<token>" in record.exc_text

    redactor.add_token(TOKEN)
    encoded = logging.LogRecord("httpx", logging.DEBUG, __file__, 1, "GET /bot%s/getMe", (quote(TOKEN, safe=""),), None)
    assert redactor.filter(encoded) and encoded.getMessage() == "GET /bot<token>/getMe"
    tail = logging.LogRecord("x", logging.DEBUG, __file__, 1, "after the colon: %s", (TOKEN.partition(":")[2],), None)
    assert redactor.filter(tail) and tail.getMessage() == "after the colon: <token>"
