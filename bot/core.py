"""BotCore: one incoming message in, a list of replies out. No platform types, no I/O but the store."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable
from dataclasses import replace

from bot import handlers_general as general
from bot import handlers_link as link_handlers
from bot import handlers_progress as progress_handlers
from bot import handlers_regimen as regimen_handlers
from bot import handlers_series as series_handlers
from bot import handlers_settings as settings_handlers
from bot import payloads
from bot.commands import BY_NAME
from bot.context import Context, clip
from bot.faq import FaqIndex, default_index
from bot.linking import LinkError
from bot.models import IncomingMessage, Reply
from bot.quiet import QuietHoursError
from bot.regimen import Regimen, RegimenError
from bot.series import SeriesError
from bot.throttle import Throttle
from bot.timeparse import WhenParseError
from bot.timezones import ZoneError
from storage.base import StorageUnavailable

log = logging.getLogger(__name__)

MAX_INPUT = 4000  # longer messages are cut: no command or question needs more
Handler = Callable[[Context, str], list[Reply]]

HANDLERS: dict[str, Handler] = {
    "start": general.start,
    "help": general.help_,
    "timezone": general.timezone,
    "plan": regimen_handlers.plan,
    "remind": regimen_handlers.remind,
    "reminders": regimen_handlers.reminders,
    "done": regimen_handlers.done,
    "skip": regimen_handlers.skip,
    "snooze": regimen_handlers.snooze,
    "edit": regimen_handlers.edit,
    "rename": regimen_handlers.rename,
    "pause": regimen_handlers.pause,
    "resume": regimen_handlers.resume,
    "delete": regimen_handlers.delete,
    "progress": progress_handlers.progress,
    "quiet": settings_handlers.quiet,
    "series": series_handlers.series,
    "reschedule": series_handlers.reschedule,
    "nudge": settings_handlers.nudge,
    "link": link_handlers.link,
    "unlink": link_handlers.unlink,
    "deliver": link_handlers.deliver,
    "faq": general.faq,
    "export": general.export,
    "forget": general.forget,
}

SLOW_DOWN = "You're sending messages very quickly. Give me a few seconds, then carry on."
STORAGE_DOWN = (
    "I couldn't save that just now (my storage is unavailable). Nothing was changed; please try again in a few minutes."
)
WELCOME_BACK = (
    "Welcome back! I couldn't reach you for a while (the chat was blocked or closed), so reminders in between "
    "were not delivered. They're on again from now."
)
# How to make sure reminders can reach you again, per platform (the core only names them).
REACH_FIX = {
    "discord": "If your direct messages are closed, open them: Server → Privacy Settings → allow direct messages "
    "from server members, or message me directly once.",
    "telegram": "If you had blocked me, unblock me in the chat's menu, or just write to me here.",
}
INTERNAL = "Sorry, something went wrong on my side. Nothing you saved was lost; please try again in a moment."


def _draws_a_chart(message: IncomingMessage) -> bool:
    text = message.text.strip().lower() if message.button is None else message.button.replace("~", " ").lower()
    text = text.removeprefix("cmd:")
    return text.startswith("/progress") and "text" not in text


class BotCore:
    def __init__(self, regimen: Regimen, faq: FaqIndex | None = None, throttle: Throttle | None = None) -> None:
        self.regimen = regimen
        self.faq = faq or default_index()
        self.throttle = throttle or Throttle()

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        allowed, warn = self.throttle.allow(message.identity.key)
        if not allowed:
            return [Reply(text=SLOW_DOWN)] if warn else []
        if _draws_a_chart(message):
            # Rendering takes a good fraction of a second: off the event loop, so nobody else waits.
            return await asyncio.to_thread(self._answer, message)
        return self._answer(message)

    def handle_sync(self, message: IncomingMessage) -> list[Reply]:
        """The same as handle(), for callers without an event loop (benchmarks, scripts)."""
        allowed, warn = self.throttle.allow(message.identity.key)
        if not allowed:
            return [Reply(text=SLOW_DOWN)] if warn else []
        return self._answer(message)

    def _answer(self, message: IncomingMessage) -> list[Reply]:
        if len(message.text) > MAX_INPUT:
            message = replace(message, text=message.text[:MAX_INPUT])
        ctx = Context(message, self.regimen, self.faq)
        try:
            replies = self._welcome_back(message) + self._route(ctx)
        except (RegimenError, WhenParseError, ZoneError, QuietHoursError, SeriesError, LinkError) as exc:
            replies = [Reply(text=str(exc))]
        except StorageUnavailable:
            log.error("storage unavailable while handling a %s message", message.identity.platform)
            replies = [Reply(text=STORAGE_DOWN)]
        except Exception as exc:
            # The traceback's frames, never the exception's message: it may quote what the person wrote.
            log.error(
                "handler failed on %s (button=%s): %s\n%s",
                message.identity.platform,
                message.button is not None,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            replies = [Reply(text=INTERNAL)]
        return replies

    def _welcome_back(self, message: IncomingMessage) -> list[Reply]:
        if self.regimen.mark_reachable(message.identity):
            fix = REACH_FIX.get(message.identity.platform)
            return [Reply(text=f"{WELCOME_BACK} {fix}" if fix else WELCOME_BACK)]
        return []

    def _route(self, ctx: Context) -> list[Reply]:
        message = ctx.msg
        if message.button is not None:
            return self._press(ctx, message.button)
        text = message.text.strip()
        if not text:
            return [Reply(text="Send me a command like /help, or ask a question about back-acne scars.")]
        if text.startswith("/"):
            return self._command(ctx, text)
        return general.question(ctx, text)

    def _command(self, ctx: Context, text: str) -> list[Reply]:
        # Any whitespace ends the name: "/remind" followed by a new line is still /remind.
        head, *rest = text[1:].split(maxsplit=1) or [""]
        args = rest[0] if rest else ""
        name = head.split("@", 1)[0].lower()
        spec = BY_NAME.get(name)
        if spec is None:
            return [Reply(text=f'I don\'t know the command "/{clip(name, 20)}". See /help for everything I can do.')]
        return HANDLERS[spec.name](ctx, args.strip())

    def _press(self, ctx: Context, raw: str) -> list[Reply]:
        payload = payloads.parse(raw)
        if payload is None:
            return [Reply(text="That button has expired. See /help for what I can do.")]
        if payload.kind == "o":
            return regimen_handlers.press_occurrence(ctx, *payload.args)
        if payload.kind == "faq":
            return general.press_faq(ctx, payload.args[0])
        if payload.kind == "plan":
            return regimen_handlers.press_plan(ctx, payload.args)
        if payload.kind == "forget":
            return general.confirm_forget(ctx) if payload.args[0] == "yes" else general.cancel_forget(ctx)
        return self._command(ctx, payload.args[0])
