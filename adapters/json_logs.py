"""LOG_FORMAT=json: one JSON object per line, for log collectors (journald, Loki, CloudWatch, ...).

Each line has time (UTC, ISO 8601), level, logger and message, then the record's extra fields (such as
platform, reason, retry_in, count) when they are plain values, and the traceback when there is one: what the
text format would print, as fields. Nothing else is added, so no message text or token can get in that the
text format would not print; and adapters.log_hygiene still redacts every record and the stream itself.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# What every LogRecord has: everything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and isinstance(value, str | int | float | bool):
                entry.setdefault(key, value)
        # As logging.Formatter does: the traceback text already made (log hygiene's, redacted) wins.
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def use_json_logs() -> None:
    """Every handler of the root logger writes JSON lines from now on."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(JsonFormatter())
