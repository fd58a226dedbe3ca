from __future__ import annotations

import asyncio
import io
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from adapters.console_adapter import ConsoleAdapter, no_live_buttons, person_clock
from bot.app import App
from bot.models import Identity, Reply
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from tests.conftest import only
from tests.fakes import RecordingPlatform
from tests.talk import say

TELEGRAM = Identity("telegram", "t1")


class PipeIn:
    """A pipe the test writes to line by line; iteration blocks until a line or the end arrives."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        self._reader = os.fdopen(self._read, "r", encoding="utf-8")

    def send(self, line: str) -> None:
        os.write(self._write, (line + "\n").encode())

    def close_input(self) -> None:
        os.close(self._write)

    def release(self) -> None:
        self._reader.close()

    def __iter__(self) -> PipeIn:
        return self

    def __next__(self) -> str:
        line = self._reader.readline()
        if not line:
            raise StopIteration
        return line


class WatchedOut(io.StringIO):
    """Standard output that wakes waiting tests whenever the bot writes."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        self.changed.set()
        return written


async def wait_for(out: WatchedOut, text: str) -> str:
    async with asyncio.timeout(5):
        while text not in out.getvalue():
            out.changed.clear()
            await out.changed.wait()
    return out.getvalue()


async def test_console_conversation_with_numbered_buttons_and_reminder(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    app = App(MemoryStore(), clock)
    stdin, stdout = PipeIn(), WatchedOut()
    console = ConsoleAdapter(app.handle, stdin=stdin, stdout=stdout, files_dir=tmp_path)
    app.hub.register(console)
    await console.start()

    stdin.send("/start")
    out = await wait_for(stdout, "(type a number to choose)")
    assert "[1] Treatment FAQ" in out and "not medical advice" in out and "/timezone" in out
    stdin.send("/timezone berlin")
    out = await wait_for(stdout, "[1] Exfoliation plan")
    stdin.send("1")  # press "Exfoliation plan"
    await wait_for(stdout, "Adopt: every Mon and Thu at 20:00")
    stdin.send("1")  # press "Adopt"
    await wait_for(stdout, "Reminder 1 set")

    stdin.send("/remind stretch in 30s")
    await wait_for(stdout, "Reminder 2 set: stretch")
    clock.advance(30)
    await app.scheduler.tick()
    out = await wait_for(stdout, "⏰ Reminder 2: stretch")
    assert "[1] ✅ Done" in out.split("⏰ Reminder 2")[1]
    stdin.send("7")  # a choice that doesn't exist is explained, not sent as a question
    await wait_for(stdout, "There is no choice [7]; pick 1 to ")
    stdin.send("1")  # the reminder's buttons are still the live ones
    await wait_for(stdout, "(updated) ✅ Done")
    out = await wait_for(stdout, "[1] ↩ Undo")  # the answer's only button puts it back
    stdin.send("1")
    await wait_for(stdout, "↩ Undone: stretch")
    stdin.send("/help")
    await wait_for(stdout, "Times are in your own time zone")
    stdin.send("1")  # /help has no buttons: nothing is pressed
    out = await wait_for(stdout, "[1] presses nothing: the last message has no buttons.")
    assert out.count("(updated) ✅ Done") == 1
    stdin.send("/export")
    out = await wait_for(stdout, "(file saved:")
    exported = json.loads((tmp_path / "clearback-export.json").read_bytes())
    assert [r["text"] for r in exported["reminders"]][1] == "stretch"
    assert (tmp_path / "clearback-export.json").stat().st_mode & 0o777 == 0o600

    stdin.close_input()
    await asyncio.wait_for(console.finished.wait(), 5)
    await console.stop()
    stdin.release()


async def test_handler_failure_is_answered_not_fatal(tmp_path: Path) -> None:
    calls = 0

    async def flaky(message: object) -> list[Reply]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        return [Reply(text="still here")]

    stdin, stdout = PipeIn(), WatchedOut()
    console = ConsoleAdapter(flaky, stdin=stdin, stdout=stdout, files_dir=tmp_path)
    await console.start()
    stdin.send("first")
    await wait_for(stdout, "Sorry, something went wrong")
    stdin.send("second")
    await wait_for(stdout, "still here")
    stdin.close_input()
    await asyncio.wait_for(console.finished.wait(), 5)
    stdin.release()
    assert calls == 2  # the adapter kept serving after the failure


async def test_odd_digits_never_stop_the_console(tmp_path: Path) -> None:
    app = App(MemoryStore(), FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC)))
    stdin, stdout = PipeIn(), WatchedOut()
    console = ConsoleAdapter(app.handle, stdin=stdin, stdout=stdout, files_dir=tmp_path)
    await console.start()
    stdin.send("/start")
    await wait_for(stdout, "(type a number to choose)")
    stdin.send("²")  # a digit to isdigit(), not to int()
    stdin.send("99999999999999999999")
    stdin.send("/help")
    await wait_for(stdout, "Here's everything I understand")
    stdin.close_input()
    await asyncio.wait_for(console.finished.wait(), 5)
    stdin.release()


class Console:
    """A console on a fresh App with a fake clock, talking through a pipe."""

    def __init__(self, files_dir: Path) -> None:
        self.clock = FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
        self.app = App(MemoryStore(), self.clock)
        self.stdin, self.stdout = PipeIn(), WatchedOut()
        self.adapter = ConsoleAdapter(self.app.handle, stdin=self.stdin, stdout=self.stdout, files_dir=files_dir)
        self.app.hub.register(self.adapter)
        self.sent = 0  # lines sent through say()

    async def say(self, line: str, until: str) -> str:
        """Send `line` and wait for `until`; returns only what was printed since."""
        start = len(self.stdout.getvalue())
        self.sent += 1
        self.stdin.send(line)
        await wait_for(self.stdout, until)
        await self.settle()
        return self.stdout.getvalue()[start:]

    async def settle(self) -> str:
        """Let the console finish answering every line sent so far, without sending anything (a marker line's
        answer would be the latest message, and take the live buttons away)."""
        async with asyncio.timeout(5):
            while self.adapter.handled < self.sent:
                self.adapter.line_done.clear()
                await self.adapter.line_done.wait()
        return self.stdout.getvalue()

    async def close(self) -> None:
        self.stdin.close_input()
        await asyncio.wait_for(self.adapter.finished.wait(), 5)
        await self.adapter.stop()
        self.stdin.release()


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def due_reminder(console: Console) -> None:
    await console.adapter.start()
    await console.say("/start", "(type a number to choose)")
    await console.say("/remind x in 1m", "Reminder 1 set: x")
    console.clock.advance(60)
    await console.app.scheduler.tick()
    await wait_for(console.stdout, "⏰ Reminder 1: x")


async def test_a_typed_done_is_answered_once(tmp_path: Path) -> None:
    console = Console(tmp_path)
    await due_reminder(console)
    printed = await console.say("/done 1", "✅ Done: x, today 12:01.")
    assert printed.count("Done: x, today 12:01. Nice work!") == 1, printed
    await console.close()


async def test_a_number_after_a_message_without_buttons_presses_nothing(tmp_path: Path) -> None:
    # Typing 3 after /reminders (meaning reminder 3) pressed "15 min" on a reminder several messages back (#17).
    console = Console(tmp_path)
    await due_reminder(console)
    await console.say("/reminders", "Your reminders")  # a later message, without buttons
    printed = await console.say("3", "presses nothing")
    assert printed == f"{no_live_buttons('3')}\n"
    assert "/snooze 3" in printed
    assert "snoozed" not in (await console.say("/reminders", "Your reminders")).lower()
    printed = await console.say("/done 1", "✅ Done: x, today 12:01.")  # the typed way still works, once
    assert printed.count("Done: x, today 12:01. Nice work!") == 1, printed
    await console.close()


async def test_only_the_latest_messages_buttons_are_live(tmp_path: Path) -> None:
    console = Console(tmp_path)
    await due_reminder(console)  # the reminder's Done/Skip/Snooze are live
    await console.say("/remind y in 5m", "Reminder 2 set: y")  # now its Undo / My reminders are
    printed = await console.say("2", "Your reminders")  # "My reminders", not the reminder's Skip
    assert "Skipped" not in printed
    await console.close()


async def test_an_answer_shown_in_several_places_is_printed_once(tmp_path: Path) -> None:
    # A reminder nudged twice is on screen three times; answering it on a linked platform edits all three.
    console = Console(tmp_path)
    telegram = RecordingPlatform(platform="telegram")
    console.app.hub.register(telegram)
    await console.adapter.start()
    await console.say("/remind x every day at 12:01", "Reminder 1 set: x")
    await console.say("/nudge 1 5m 2", "remind you up to twice more")
    for seconds in (60, 300, 300):
        console.clock.advance(seconds)
        await console.app.scheduler.tick()
        await wait_for(console.stdout, "⏰ Reminder 1: x")
    assert console.stdout.getvalue().count("⏰ Reminder 1: x") == 3
    code = re.search(r"/link ([A-Z0-9]{8})", await console.say("/link", "Your link code"))
    assert code is not None
    asked = only(await say(console.app, f"/link {code[1]}", who=TELEGRAM))
    only(await say(console.app, button=asked.button_payloads()[0], who=TELEGRAM))
    start = len(console.stdout.getvalue())
    only(await say(console.app, "/done 1", who=TELEGRAM))
    printed = console.stdout.getvalue()[start:]
    assert printed.count("(updated) ✅ Done") == 1, printed
    await console.close()


async def test_exports_are_owner_only_from_the_start_and_never_written_through_a_link(tmp_path: Path) -> None:
    files = tmp_path / "exports"
    files.mkdir(mode=0o755)
    files.chmod(0o755)  # a directory from before, or made under a lax umask
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("not yours")
    (files / "clearback-export.json").symlink_to(elsewhere)  # planted where the export goes
    console = Console(files)
    await console.adapter.start()
    await console.say("/remind apply tretinoin every day at 21:00", "Reminder 1 set")
    await console.say("/export", "(file saved:")
    saved = files / "clearback-export.json"
    assert os.stat(saved, follow_symlinks=False).st_mode & 0o7777 == 0o600  # a new regular file, 0600
    assert not saved.is_symlink() and "tretinoin" in saved.read_text()
    assert elsewhere.read_text() == "not yours" and os.stat(files).st_mode & 0o777 == 0o700
    assert names(files) == ["clearback-export.json"]  # no temporary file left behind
    await console.close()


async def test_forget_in_the_console_deletes_every_file_it_saved(tmp_path: Path) -> None:
    files = tmp_path / "exports"
    files.mkdir()
    (files / "clearback-history.csv").write_text("due,status\n")  # saved by an earlier run
    console = Console(files)
    await console.adapter.start()
    await console.say("/remind apply tretinoin every day at 21:00", "Reminder 1 set")
    await console.say("/export", "(file saved:")
    await console.say("/forget", "Are you sure?")
    printed = await console.say("1", "Done: I deleted all your data.")  # press "Yes, delete everything"
    assert "(I also deleted the 2 file(s) I had saved in" in printed
    assert names(files) == []
    await console.close()


async def test_no_keeps_the_files(tmp_path: Path) -> None:
    console = Console(tmp_path)
    await console.adapter.start()
    await console.say("/remind stretch every day at 9:00", "Reminder 1 set")
    await console.say("/export", "(file saved:")
    await console.say("/forget", "Are you sure?")
    await console.say("2", "Okay, I kept everything.")
    assert names(tmp_path) == ["clearback-export.json"]
    await console.close()


async def test_reminders_are_stamped_with_the_bots_time_in_the_persons_zone(tmp_path: Path) -> None:
    # "[19:30:00]" was the host's clock: another zone (or, under a test clock, another time) than the person's.
    clock = FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    app = App(MemoryStore(), clock)
    stdin, stdout = PipeIn(), WatchedOut()
    console = ConsoleAdapter(app.handle, stdin=stdin, stdout=stdout, files_dir=tmp_path, stamp=person_clock(app))
    app.hub.register(console)
    await console.start()
    stdin.send("/timezone Asia/Tokyo")
    await wait_for(stdout, "Time zone set to Asia/Tokyo")
    stdin.send("/remind x in 1m")
    await wait_for(stdout, "Reminder 1 set: x")
    clock.advance(60)
    await app.scheduler.tick()
    out = await wait_for(stdout, "⏰ Reminder 1: x")
    assert "[21:01]\n⏰ Reminder 1: x" in out  # 12:01 UTC in Tokyo
    stdin.close_input()
    await asyncio.wait_for(console.finished.wait(), 5)
    stdin.release()


async def test_without_a_stamp_no_host_time_is_printed(tmp_path: Path) -> None:
    console = Console(tmp_path)
    await due_reminder(console)
    assert not re.search(r"\[\d\d:\d\d(:\d\d)?\]", console.stdout.getvalue())
    await console.close()
