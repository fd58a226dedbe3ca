"""Log hygiene: no token or secret in anything the process writes, and no library logging what people wrote.

One redaction, three places it applies: log records (`TokenRedactingFilter`, on the libraries' loggers
and on the root's handlers, which also see child loggers created later), and whatever bypasses logging
(`RedactingStream` over stdout and stderr: tracebacks, warnings, prints). Each secret is redacted in
every form it may be printed (`secret_forms`). The libraries that log request URLs (which hold the
Telegram token) or, at DEBUG, request bodies and gateway events (what people wrote) are quieted unless
their level was configured explicitly.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterable
from typing import TextIO, cast
from urllib.parse import quote

# Logger -> the lowest level it may log at (unless configured explicitly): httpx/httpcore and PTB log
# request URLs, discord.py's DEBUG records hold request bodies and gateway events.
QUIET_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.WARNING,
    "discord.http": logging.WARNING,
    "discord": logging.INFO,
}
REDACTED = "<token>"


def secret_forms(secret: str) -> list[str]:
    """Every way `secret` may be printed, longest first: as is, URL-encoded (it sits in request URLs), and
    for a bot token `id:secret` the part after the colon (the id alone is public, and short ones are not
    worth redacting everywhere)."""
    forms = {secret, quote(secret, safe=""), quote(secret)}
    _, colon, tail = secret.partition(":")
    if colon and len(tail) >= 8:
        forms.add(tail)
    return sorted((form for form in forms if form), key=len, reverse=True)


class Redactor:
    """Replaces every form of every secret it was given with `<token>` (a whole token before its tail)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: set[str] = set()
        self._ordered: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if secret:
            self._forms.update(secret_forms(secret))
            self._ordered = sorted(self._forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __call__(self, text: str) -> str:
        for form in self._ordered:
            text = text.replace(form, REDACTED)
        return text


class TokenRedactingFilter(logging.Filter):
    """Redacts every registered token (see secret_forms) from a record's message and traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.redact = Redactor()

    def add_token(self, token: str) -> None:
        self.redact.add(token)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.redact:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix; leave the record alone
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


TOKEN_FILTER = TokenRedactingFilter()


def quiet_libraries() -> None:
    """Raise each of QUIET_LOGGERS to its floor (never below the root's level), unless set explicitly."""
    root_level = logging.getLogger().level
    for name, floor in QUIET_LOGGERS.items():
        library = logging.getLogger(name)
        if library.level == logging.NOTSET:
            library.setLevel(max(floor, root_level))


def install_log_hygiene(*secrets: str) -> None:
    """Quiet the libraries and redact `secrets` from their records and from whatever reaches the root
    logger's handlers. Safe to call again (after logging is configured, or a late import made loggers)."""
    for secret in secrets:
        TOKEN_FILTER.add_token(secret)
    quiet_libraries()
    names = [
        name
        for name in list(logging.Logger.manager.loggerDict)
        if any(name == prefix or name.startswith(f"{prefix}.") for prefix in QUIET_LOGGERS)
    ]
    for name in [*QUIET_LOGGERS, *names]:
        target = logging.getLogger(name)
        if TOKEN_FILTER not in target.filters:
            target.addFilter(TOKEN_FILTER)
    # A logger's filters see only its own records; the root's handlers also see those of child loggers
    # created later (and of every other library), so they redact too.
    for handler in logging.getLogger().handlers:
        if TOKEN_FILTER not in handler.filters:
            handler.addFilter(TOKEN_FILTER)


class RedactingStream:
    """Writes through to `inner` with every form of every secret replaced by `<token>`.

    The log filter covers log records only; this also covers tracebacks, warnings and anything a library
    prints, on stdout and stderr alike. Each write is redacted whole (logging, print and tracebacks write a
    line or more at a time). Anything else is the inner stream's.
    """

    def __init__(self, inner: TextIO, secrets: Iterable[str]) -> None:
        self._inner = inner
        self._redact = Redactor(secrets)

    def write(self, text: str) -> int:
        self._inner.write(self._redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:  # flush, fileno, isatty, encoding, ...
        return getattr(self._inner, name)


def redact_output(secrets: list[str]) -> None:
    """From here on nothing written to stdout or stderr can contain a secret."""
    if secrets:
        sys.stdout = cast(TextIO, RedactingStream(sys.stdout, secrets))
        sys.stderr = cast(TextIO, RedactingStream(sys.stderr, secrets))


def frames_only(exc: BaseException) -> str:
    """An exception's traceback frames without its message (or its causes' messages), which may quote what a
    person wrote or a platform's answer to it: the type is logged beside it, the words never are."""
    return "".join(traceback.format_tb(exc.__traceback__))
