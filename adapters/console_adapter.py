"""The console chat: one message per line on stdin, replies on stdout. Works the same with a pipe.

Buttons are shown as numbered choices: type the number in brackets to press one. Only the buttons of the
latest message are live: once another message is printed (an answer, a reminder, an update), a number typed
presses nothing and the console says so, rather than pressing a button the person can no longer see next to
what they are reading (a "3" typed after /reminders once snoozed a reminder). Every button also has a typed
command, so nothing needs them.

A terminal cannot change what it printed, so an edit is printed as a new "(updated)" line, except when it would
say again what was just said: while a line is being answered the answer itself says it (typing /done N edits
the reminder message on other platforms), and an answer shown in several places (a reminder delivered again by
a nudge, on a linked platform) arrives as one edit per message that showed it, all alike; each is printed once.
Files (exports, charts) are saved owner-only, and deleted when /forget has deleted everything: the console has
one user.

Messages that arrive on their own (reminders) are stamped with the bot's time in the person's zone when a
`stamp` is given (see person_clock); never with the host's clock, which may be another zone or another time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from adapters.base import APOLOGY, MessageHandler
from adapters.link import Link
from bot.app import App
from bot.handlers.general import ALL_GONE
from bot.models import CONSOLE, Address, Attachment, Identity, IncomingMessage, Reply

log = logging.getLogger(__name__)

CONSOLE_USER = "local"
ADDRESS = Address(CONSOLE, CONSOLE_USER)
IDENTITY = Identity(CONSOLE, CONSOLE_USER)
SAVED_PREFIXES = ("clearback-", ".clearback-")  # the core's file names, and this adapter's temporary ones


def no_live_buttons(typed: str) -> str:
    return (
        f"[{typed}] presses nothing: the last message has no buttons. To answer a reminder, type e.g. "
        f"/done {typed}, /skip {typed} or /snooze {typed} (its number in /reminders)."
    )


def person_clock(app: App) -> Callable[[], str]:
    """A stamp for messages that arrive on their own: the bot's clock, in the console person's zone ("19:30")."""

    def stamp() -> str:
        zone = app.regimen.tz(app.regimen.account_for(IDENTITY))
        return app.regimen.now().astimezone(zone).strftime("%H:%M")

    return stamp


class ConsoleAdapter:
    platform = CONSOLE

    def __init__(
        self,
        handler: MessageHandler,
        stdin: Iterable[str] | None = None,
        stdout: TextIO | None = None,
        files_dir: Path = Path("data/exports"),
        stamp: Callable[[], str] | None = None,
    ) -> None:
        self._handler = handler
        self._stamp = stamp
        self._stdin: Iterable[str] = stdin if stdin is not None else sys.stdin
        self._stdout = stdout or sys.stdout
        self._files_dir = files_dir
        self._buttons: list[tuple[str, str]] = []  # (label, payload) of the live buttons: the latest message's
        self._buttons_ref: str | None = None  # the ref of that message, so a press names it
        self._last_text: str | None = None  # what the latest message said, so an edit saying it again is dropped
        self._refs = 0
        self._answering = False
        self._held_edits: list[Reply] = []  # edits arriving while a line is answered
        self._saved: set[Path] = set()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.finished = asyncio.Event()
        self.handled = 0  # lines answered so far
        self.line_done = asyncio.Event()  # set after each line is answered (for whoever waits on `handled`)
        self._task: asyncio.Task[None] | None = None
        self.link = Link(CONSOLE)

    async def start(self) -> None:
        self.link.up()  # the terminal is always there
        loop = asyncio.get_running_loop()
        # A thread reads stdin: works for terminals, pipes and redirected files alike.
        threading.Thread(target=self._read_lines, args=(loop,), daemon=True, name="console-stdin").start()
        self._task = asyncio.create_task(self._serve())

    async def stop(self) -> None:
        self.link.stopped()
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
                self.handled += 1
                self.line_done.set()
        finally:
            self.finished.set()

    async def _handle_line(self, line: str) -> None:
        self._answering, self._held_edits = True, []
        try:
            try:
                message = self._to_message(line)
                if message is None:
                    return
                replies = await self._handler(message)
            except Exception:
                log.exception("console message failed")  # the console's own input: no one else's text
                replies = [Reply(text=APOLOGY)]
            # Files go before the answer shows: a process killed right after "I deleted all your data" keeps none.
            deleted = self._delete_saved() if any(reply.text in ALL_GONE for reply in replies) else []
            if replies:
                self._clear_buttons()  # an answer is the latest message: what came before is no longer pressable
            for reply in replies:
                self._render(reply, edited=reply.edit)
            said = {reply.text for reply in replies}
            for held in self._held_edits:
                if held.text not in said:  # one per message that showed it: each text once
                    said.add(held.text)
                    self._render(held, edited=True)
            for line in deleted:
                self._write(line)
        finally:
            self._answering, self._held_edits = False, []

    def _to_message(self, line: str) -> IncomingMessage | None:
        stripped = line.strip()
        if not stripped:
            return None
        if stripped.isdecimal() and len(stripped) <= 3:
            if not self._buttons:
                self._write(no_live_buttons(str(int(stripped))))
                return None
            index = int(stripped) - 1
            if 0 <= index < len(self._buttons):
                return IncomingMessage(IDENTITY, ADDRESS, button=self._buttons[index][1], message_ref=self._buttons_ref)
            count = len(self._buttons)
            pick = "pick 1" if count == 1 else f"pick 1 to {count}"
            self._write(f"There is no choice [{stripped}]; {pick}.")
            return None
        return IncomingMessage(IDENTITY, ADDRESS, text=line)

    # Sender -------------------------------------------------------------------------------------------
    async def send(self, address: Address, reply: Reply) -> str | None:
        if self._stamp is not None:
            self._write(f"[{self._stamp()}]")
        self._clear_buttons()
        self._render(reply)
        return str(self._refs)

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        if self._answering:
            self._held_edits.append(reply)
        elif reply.text != self._last_text:  # the same answer to every message that showed it: once
            self._clear_buttons()
            self._render(reply, edited=True)

    def _clear_buttons(self) -> None:
        self._buttons, self._buttons_ref = [], None

    # Output -------------------------------------------------------------------------------------------
    def _render(self, reply: Reply, edited: bool = False) -> None:
        self._refs += 1
        prefix = "(updated) " if edited else ""
        self._last_text = reply.text
        self._write(prefix + reply.text)
        if reply.attachment is not None:
            try:
                self._write(f"(file saved: {self._save(reply.attachment)})")
            except OSError as exc:
                log.warning("could not save a console file: %s", type(exc).__name__)
                self._write(f"(I couldn't save the file in {self._files_dir}: {exc.strerror or type(exc).__name__})")
        if reply.buttons:
            self._buttons = [(b.label, b.payload) for row in reply.buttons for b in row]
            self._buttons_ref = str(self._refs)
            choices = "  ".join(f"[{i}] {label}" for i, (label, _) in enumerate(self._buttons, start=1))
            self._write(f"{choices}   (type a number to choose)")

    def _save(self, attachment: Attachment) -> Path:
        """Owner-only from the first byte: a new 0600 file (never an existing one, never through a link) in a
        0700 directory, then renamed over any earlier file of that name."""
        self._files_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self._files_dir, 0o700)  # an existing directory too: it holds personal data
        path = self._files_dir / Path(attachment.filename).name
        temporary = self._files_dir / f".{path.name}.{secrets.token_hex(4)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(temporary, flags, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(attachment.data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        self._saved.add(path)
        return path

    def _delete_saved(self) -> list[str]:
        """After /forget: every file this console saved, in this run or an earlier one; what to tell about it."""
        found = set(self._saved)
        if self._files_dir.is_dir():
            found |= {p for p in self._files_dir.iterdir() if p.name.startswith(SAVED_PREFIXES)}
        deleted = 0
        told: list[str] = []
        for path in sorted(found):
            try:
                if path.is_file() or path.is_symlink():
                    path.unlink()
                    deleted += 1
            except OSError as exc:
                log.warning("could not delete a saved console file: %s", type(exc).__name__)
                told.append(f"(I couldn't delete {path}: please delete it yourself.)")
        self._saved.clear()
        if deleted:
            told.append(f"(I also deleted the {deleted} file(s) I had saved in {self._files_dir}.)")
        return told

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()
