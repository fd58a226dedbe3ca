"""A rejected Telegram token is never printed, on any stream, at any level.

A real `python run_bot.py` process, LOG_LEVEL=DEBUG, pointed at the local fake Bot API, which answers
401 Unauthorized for any token but its own (PTB turns that into InvalidToken, whose message quotes the
token). Start-up must end with one line naming TELEGRAM_TOKEN, no traceback, a non-zero exit, and no
form of the token in what the process wrote.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from urllib.parse import quote

from tests.adapters.fake_telegram import running_fake

ROOT = Path(__file__).resolve().parents[2]
CANARY = "987654321:LeakCanary_SecretPart-QwErTy123456789"  # recognisable, and not the fake's token


def clean_env(**settings: str) -> dict[str, str]:
    """The host's environment without any bot setting, plus `settings`."""
    prefixes = ("TELEGRAM_", "DISCORD_", "BOT_", "LOG_LEVEL")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    return {**env, **settings}


async def test_rejected_token_is_one_line_without_the_token_and_exits_non_zero(tmp_path: Path) -> None:
    async with running_fake() as fake:
        env = clean_env(
            TELEGRAM_TOKEN=CANARY,
            TELEGRAM_BASE_URL=fake.base_url,
            LOG_LEVEL="DEBUG",
            BOT_DB_PATH=str(tmp_path / "db.json"),
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "run_bot.py"),
            cwd=tmp_path,  # no .env here
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert fake.unauthorized[:1] == ["getMe"]  # Telegram (the fake) really rejected it

    written = stdout + stderr
    for form in (CANARY, quote(CANARY, safe=""), quote(CANARY), CANARY.partition(":")[2]):
        assert form.encode() not in written, f"the token was printed as {form!r}"
    text = stderr.decode()
    assert process.returncode not in (0, None)
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if "TELEGRAM_TOKEN" in line]
    assert len(lines) == 1, text
    assert "rejected" in lines[0] and "@BotFather" in lines[0]
    assert "DEBUG" in text  # the run really was at DEBUG


def test_what_bypasses_logging_is_redacted_too() -> None:
    """A traceback printed straight to a stream (no log record, so no log filter) loses every form."""
    import io
    import traceback

    from adapters.log_hygiene import RedactingStream

    inner = io.StringIO()
    stream = RedactingStream(inner, [CANARY])
    try:
        raise RuntimeError(f"The token `{CANARY}` was rejected; url /bot{quote(CANARY, safe='')}/getMe")
    except RuntimeError:
        traceback.print_exc(file=stream)
    print("tail:", CANARY.partition(":")[2], file=stream)
    written = inner.getvalue()
    assert "Traceback" in written and written.count("<token>") == 3
    assert not any(form in written for form in (CANARY, quote(CANARY, safe=""), CANARY.partition(":")[2]))
