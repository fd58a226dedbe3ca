"""The console chat: one message per line on stdin, replies on stdout. Works the same with a pipe.

Buttons are shown as numbered choices: type the number in brackets to press one. Every button also
has a typed command, so nothing needs them.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from adapters.base import APOLOGY, MessageHandler
from bot.models import CONSOLE, Address, Identity, IncomingMessage, Reply

log = logging.getLogger(__name__)

CONSOLE_USER = "local"
ADDRESS = Address(CONSOLE, CONSOLE_USER)
IDENTITY = Identity(CONSOLE, CONSOLE_USER)


class ConsoleAdapter:
    platform = CONSOLE

    def __init__(
        self,
        handler: MessageHandler,
        stdin: Iterable[str] | None = None,
        stdout: TextIO | None = None,
        files_dir: Path = Path("data/exports"),
    ) -> None:
        self._handler = handler
        self._stdin: Iterable[str] = stdin if stdin is not None else sys.stdin
        self._stdout = stdout or sys.stdout
        self._files_dir = files_dir
        self._buttons: list[tuple[str, str]] = []  # (label, payload) of the latest message with buttons
        self._refs = 0
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.finished = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # A thread reads stdin: works for terminals, pipes and redirected files alike.
        threading.Thread(target=self._read_lines, args=(loop,), daemon=True, name="console-stdin").start()
        self._task = asyncio.create_task(self._serve())

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def _read_lines(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            for line in self._stdin:
                loop.call_soon_threadsafe(self._lines.put_nowait, line.rstrip("\r\n"))
        finally:
            loop.call_soon_threadsafe(self._lines.put_nowait, None)

    async def _serve(self) -> None:
        try:
            while (line := await self._lines.get()) is not None:
                await self._handle_line(line)
        finally:
            self.finished.set()

    async def _handle_line(self, line: str) -> None:
        try:
            message = self._to_message(line)
            if message is None:
                return
            replies = await self._handler(message)
        except Exception:
            log.exception("console message failed")  # the console's own input: no one else's text
            replies = [Reply(text=APOLOGY)]
        for reply in replies:
            self._render(reply, edited=reply.edit)

    def _to_message(self, line: str) -> IncomingMessage | None:
        stripped = line.strip()
        if not stripped:
            return None
        if stripped.isdecimal() and len(stripped) <= 3 and self._buttons:
            index = int(stripped) - 1
            if 0 <= index < len(self._buttons):
                return IncomingMessage(IDENTITY, ADDRESS, button=self._buttons[index][1], message_ref=str(self._refs))
            self._write(f"There is no choice [{stripped}]; pick 1 to {len(self._buttons)}.")
            return None
        return IncomingMessage(IDENTITY, ADDRESS, text=line)

    # Sender -------------------------------------------------------------------------------------------
    async def send(self, address: Address, reply: Reply) -> str | None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self._write(f"[{stamp}]")
        self._render(reply)
        return str(self._refs)

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        self._render(reply, edited=True)

    # Output -------------------------------------------------------------------------------------------
    def _render(self, reply: Reply, edited: bool = False) -> None:
        self._refs += 1
        prefix = "(updated) " if edited else ""
        self._write(prefix + reply.text)
        if reply.attachment is not None:
            self._files_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = self._files_dir / reply.attachment.filename
            path.write_bytes(reply.attachment.data)
            path.chmod(0o600)
            self._write(f"(file saved: {path})")
        if reply.buttons:
            self._buttons = [(b.label, b.payload) for row in reply.buttons for b in row]
            choices = "  ".join(f"[{i}] {label}" for i, (label, _) in enumerate(self._buttons, start=1))
            self._write(f"{choices}   (type a number to choose)")

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()
