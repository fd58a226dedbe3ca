"""BotCore: one incoming message in, a list of replies out. No platform types, no I/O but the store."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from bot import payloads
from bot.commands import BY_NAME
from bot.context import Context, clip
from bot.faq import FaqIndex, default_index
from bot.guide import default_guide
from bot.handlers import choosing
from bot.handlers import general as general
from bot.handlers import guide as guide_handlers
from bot.handlers import link as link_handlers
from bot.handlers import progress as progress_handlers
from bot.handlers import regimen as regimen_handlers
from bot.handlers import series as series_handlers
from bot.handlers import settings as settings_handlers
from bot.linking import LinkError
from bot.models import MAX_PAYLOAD_BYTES, Button, IncomingMessage, Reply
from bot.offload import Offload
from bot.regimen import Regimen, RegimenError
from bot.series import SeriesError
from bot.suggest import did_you_mean
from bot.throttle import Throttle
from bot.timing.quiet import QuietHoursError
from bot.timing.timeparse import WhenParseError
from bot.timing.timezones import ZoneError
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
    "undo": choosing.undo,
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

SLOW_DOWN = (
    "You're sending messages very quickly, so I'm not acting on the ones that follow. Give me a few seconds; "
    "when you write again I'll list what I skipped."
)


def skipped_notice(skipped: Counter[str]) -> str:
    """What a flood left undone: how many of which kind, and that nothing in them changed."""
    total = sum(skipped.values())
    kinds = ", ".join(f"{count} × {kind}" for kind, count in skipped.most_common())
    return (
        f"While you were sending quickly I skipped {total} message{'s' if total != 1 else ''} ({kinds}); "
        "nothing in them was done or changed. Send again what you still need."
    )


def _kind(message: IncomingMessage) -> str:
    if message.button is not None:
        return "a button"
    text = message.text.strip()
    if text.startswith("/"):
        name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
        spec = BY_NAME.get(name)
        return f"/{spec.name}" if spec else "an unknown command"
    return "a message"


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

# A confirmation pressed by somebody it was not made for (a forwarded message, a group chat) changes nothing.
NOT_YOURS = {
    "forget": "That button was meant for someone else; to delete your own data send /forget.",
    "unlink": "That button was meant for someone else; to unlink your own platforms send /unlink.",
    "link": "That button was meant for someone else; to link your own platforms send /link.",
    "series": "That button was meant for someone else; to change your own series, see their numbers in /reminders.",
}
NOT_YOURS_OTHER = "That button was meant for someone else, so I didn't change anything. See /help for what I can do."
NO_DATA_FOR_BUTTON = "That button no longer applies: I don't keep any data about you, so nothing was changed."
OUT_OF_DATE = "That button is out of date, so nothing was changed."
LINK_EXPIRED = (
    "That confirmation has expired, so nothing was linked. Ask for a new code with /link on your other platform."
)
# Commands an unbound cmd: button may not run with arguments: they confirm, join or split accounts, or name one
# person's reminder. Buttons from before bound buttons carried some of them; those now ask again.
BOUND_ONLY = frozenset({"forget", "unlink", "link", "delete", "series", "timezone", "deliver"})


def _draws_a_chart(message: IncomingMessage) -> bool:
    text = message.text.strip().lower() if message.button is None else message.button.replace("~", " ").lower()
    text = text.removeprefix("cmd:")
    return text.startswith("/progress") and "text" not in text


class BotCore:
    def __init__(
        self,
        regimen: Regimen,
        faq: FaqIndex | None = None,
        throttle: Throttle | None = None,
        *,
        offload: Offload | None = None,
    ) -> None:
        self.regimen = regimen
        self.faq = faq or default_index()
        self.guide = default_guide()
        self.throttle = throttle or Throttle()
        self.offload = offload or Offload()  # inline unless the App's store is remote

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        allowed, before = self._admit(message)
        if not allowed:
            return before
        if _draws_a_chart(message):
            # Rendering takes a good fraction of a second: off the event loop, so nobody else waits.
            return before + await asyncio.to_thread(self._answer, message)
        return before + await self.offload.run(self._answer, message)  # a remote store: in a worker thread

    def handle_sync(self, message: IncomingMessage) -> list[Reply]:
        """The same as handle(), for callers without an event loop (benchmarks, scripts)."""
        allowed, before = self._admit(message)
        return before + self._answer(message) if allowed else before

    def _admit(self, message: IncomingMessage) -> tuple[bool, list[Reply]]:
        """Whether to answer, and what to say first: the warning once per flood, or after it what was skipped."""
        allowed, warn = self.throttle.allow(message.identity.key, _kind(message))
        if not allowed:
            return False, [Reply(text=SLOW_DOWN)] if warn else []
        skipped = self.throttle.take_skipped(message.identity.key)
        return True, [Reply(text=skipped_notice(skipped))] if skipped else []

    def _answer(self, message: IncomingMessage) -> list[Reply]:
        if len(message.text) > MAX_INPUT:
            message = replace(message, text=message.text[:MAX_INPUT])
        ctx = Context(message, self.regimen, self.faq, self.guide)
        try:
            replies = self._welcome_back(ctx) + self._route(ctx)
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

    def _welcome_back(self, ctx: Context) -> list[Reply]:
        back, record, account = self.regimen.mark_reachable(ctx.msg.identity)
        ctx.identity_read(record, account)
        if back:
            fix = REACH_FIX.get(ctx.msg.identity.platform)
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
        if name == choosing.PICK:  # what a choice button runs; not a command anybody types
            return choosing.pick(ctx, args.strip())
        spec = BY_NAME.get(name)
        if spec is None:
            return [_unknown_command(name)]
        return HANDLERS[spec.name](ctx, args.strip())

    def _press(self, ctx: Context, raw: str) -> list[Reply]:
        payload = payloads.parse(raw)
        if payload is None:
            return [Reply(text="That button has expired. See /help for what I can do.")]
        if payload.kind == "o":
            return regimen_handlers.press_occurrence(ctx, *payload.args)
        if payload.kind == "faq":
            return general.press_faq(ctx, payload.args[0])
        if payload.kind == "q":
            return guide_handlers.press_question(ctx, payload.args[0])
        if payload.kind == "fb":
            return guide_handlers.press_feedback(ctx, *payload.args)
        if payload.kind == "plan":
            return regimen_handlers.press_plan(ctx, payload.args)
        if payload.kind == "forget":
            if payload.args[0] == "no":
                return general.cancel_forget(ctx)
            return self._confirm_again(ctx, "/forget confirm")  # from before bound buttons: maybe somebody else's
        if payload.kind == "b":
            return self._press_bound(ctx, payload)
        text = payload.args[0]
        name, args = _split(text)
        if name in BOUND_ONLY and args:
            return self._confirm_again(ctx, text)
        return self._command(ctx, text)

    def _press_bound(self, ctx: Context, payload: payloads.Payload) -> list[Reply]:
        text = payload.args[2]
        name, _ = _split(text)
        account = ctx.account()
        # Link questions are bound to the identity that entered the code (it may have no account yet).
        owner = None if name == "link" or account is None else account.id
        binding = payloads.check(payload, payloads.subject(owner, ctx.msg.identity.key))
        if binding is payloads.Binding.NOT_YOURS and owner is not None:
            # Made for this identity before it had an account (a zone question on the first message): still theirs.
            binding = payloads.check(payload, payloads.subject(None, ctx.msg.identity.key))
        if binding is payloads.Binding.YOURS:
            return self._command(ctx, text)
        if name == "link":  # a link question from before a restart (one-process stores) is gone: nothing to confirm
            return [Reply(text=LINK_EXPIRED if binding is payloads.Binding.STALE else NOT_YOURS["link"])]
        if account is None:  # nothing of the presser's to change, whoever the button was for
            return [Reply(text=NO_DATA_FOR_BUTTON)]
        if binding is payloads.Binding.STALE:  # from before a restart, for this person or another: ask again
            return self._confirm_again(ctx, text)
        return [Reply(text=NOT_YOURS.get(name, NOT_YOURS_OTHER))]

    def _confirm_again(self, ctx: Context, text: str) -> list[Reply]:
        """An out-of-date confirmation: ask the presser again, with a button bound to them."""
        name, _ = _split(text)
        if name == "forget":
            asked = general.forget(ctx, "")
        elif name == "unlink":
            asked = link_handlers.unlink(ctx, "")
        elif name == "link":
            return [Reply(text=LINK_EXPIRED)]
        elif text.startswith(f"/{choosing.PICK} "):
            return [Reply(text=choosing.EXPIRED)]  # signed with a key from before a restart: its offer is gone
        else:
            account = ctx.account()
            if account is None:
                return [Reply(text=NO_DATA_FOR_BUTTON)]
            raw = payloads.bound(payloads.subject(account.id, ctx.msg.identity.key), text)
            if len(raw.encode()) > MAX_PAYLOAD_BYTES:
                return [Reply(text=f"{OUT_OF_DATE} To go ahead, type: {clip(text, 60)}")]
            return [Reply(text=f"{OUT_OF_DATE} To go ahead, press below.", buttons=((Button(f"Yes: {text}", raw),),))]
        return [replace(reply, text=f"{OUT_OF_DATE}\n{reply.text}", edit=False) for reply in asked]


def _unknown_command(name: str) -> Reply:
    """An unknown command: the likeliest meant one with an example, and a button that sends it (without
    arguments a command only explains itself or asks)."""
    unknown = f'I don\'t know the command "/{clip(name, 20)}".'
    meant = did_you_mean(name)
    if meant is None:
        return Reply(text=f"{unknown} See /help for everything I can do.")
    spec = BY_NAME[meant[1:]]
    return Reply(
        text=f"{unknown} Did you mean {meant}? For example: {spec.examples[0]}\nSee /help for everything I can do.",
        buttons=((Button(meant, payloads.command(meant)),),),
    )


def _split(text: str) -> tuple[str, str]:
    """'/series end 4' -> ('series', 'end 4'): the command's canonical name and its arguments."""
    head, *rest = text[1:].split(maxsplit=1) or [""]
    spec = BY_NAME.get(head.split("@", 1)[0].lower())
    return (spec.name if spec else ""), (rest[0].strip() if rest else "")
