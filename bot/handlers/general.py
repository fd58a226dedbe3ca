"""Handlers for welcome, help, time zone, the FAQ, free-text questions, export and forget."""

from __future__ import annotations

import json
import re
from datetime import datetime

from bot import payloads
from bot.commands import COMMANDS
from bot.context import Context, clip
from bot.faq import Topic
from bot.faq_content import ENCOURAGEMENT
from bot.handlers import guide as guide_handlers
from bot.handlers.progress import export_csv
from bot.models import MAX_PAYLOAD_BYTES, Attachment, Button, Reply
from bot.reminder_kind import is_exfoliation
from bot.render import DISCLAIMER, when_text
from bot.timing.timezones import ZoneError, resolve_zone, zone_from_name, zones_at_offset
from storage.records import Account, to_doc

FAQ_COLUMNS = 2
NOTHING_KEPT = "I don't keep any data about you, so there is nothing to delete."
# What /forget answers once everything is deleted; the console also deletes the exports it saved on seeing it.
FORGOTTEN = "Done: I deleted all your data. If you come back, /start begins afresh. Take care!"
NOTHING_LEFT = "There's nothing left to delete."
ALL_GONE = frozenset({FORGOTTEN, NOTHING_LEFT, NOTHING_KEPT})  # /forget's answers when no data of theirs remains
ZONE_CHANGE_NOTE = (
    "Reminders keep their local times there; a one-off set as a length of time (in 2h) keeps its exact moment."
)


ZONE_COLUMNS = 3  # zone buttons to a row: a country's dozen fit Discord's five rows
MAX_PLACE_BUTTONS = 6  # places offered after a fixed offset
ZONE_FIRST = (
    "Next step: tell me your time zone, so reminders come at your local time. Send /timezone with your city or "
    "country, e.g. /timezone Berlin or /timezone india."
)
ADOPT_NEXT = "Next: adopt the exfoliation plan."
CREAM_NEXT = "Your exfoliation plan is set. Next, if you use a scar cream or lotion: the cream plan."
EXPORTED = (
    "Here is everything I store about you, as JSON. Times are UTC: numbers are seconds since 1970, text is ISO 8601."
)
ALL_SET = "You're all set: see /reminders, or /progress for how it's going."


def _zone_is_set(ctx: Context, account: Account | None) -> bool:
    """Whether the person has told us their zone. The store keeps no flag, so the default zone reads as not set."""
    return account is not None and account.timezone != ctx.regimen.default_timezone


def _next_step(
    ctx: Context, account: Account | None, zone_set: bool = False
) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """The one thing to do next, and its button: a zone first, then the exfoliation plan, then the cream plan.
    `zone_set`: the person has just said their zone (perhaps the default one)."""
    if not (zone_set or _zone_is_set(ctx, account)):
        now = when_text(ctx.now.replace(second=0, microsecond=0).timestamp(), ctx.tz, ctx.now)
        assumed = f"Until then I'm using {ctx.account_timezone_name()} (it's {now} there)."
        return f"{ZONE_FIRST} {assumed}", ()
    assert account is not None
    # A plan is a repeating reminder of its kind: a one-off "exfoliate tomorrow" is not the plan.
    repeating = [r for r in ctx.regimen.store.reminders_of(account.id) if r.schedule.get("kind") != "once"]
    kinds = {r.kind for r in repeating}
    if not any(is_exfoliation(r) for r in repeating):
        return ADOPT_NEXT, ((Button("Exfoliation plan", payloads.plan("exfoliation")),),)
    if "cream" not in kinds:
        return CREAM_NEXT, ((Button("Cream plan", payloads.plan("cream")),),)
    return ALL_SET, ((Button("My reminders", payloads.command("/reminders")),),)


def start(ctx: Context, args: str) -> list[Reply]:
    step, step_buttons = _next_step(ctx, ctx.account())
    text = (
        "Hi, I'm ClearBack 👋 I help you treat back-acne scars and stick to your regimen.\n"
        "• I remind you to exfoliate your back a couple of times a week (and anything else you like).\n"
        "• Mark each reminder Done, Skip or Snooze, right from the message.\n"
        "• Ask me about treatments: exfoliation, creams and lotions, microdermabrasion, chemical peels, "
        "laser resurfacing.\n\n"
        f"{DISCLAIMER}\n\n"
        f"{step}\n"
        f"{ENCOURAGEMENT}"
    )
    return [
        Reply(
            text=text,
            buttons=(
                *step_buttons,
                (Button("Treatment FAQ", payloads.command("/faq")), Button("Help", payloads.command("/help"))),
            ),
        )
    ]


def help_(ctx: Context, args: str) -> list[Reply]:
    lines = ["Here's everything I understand (the same on every platform):"]
    for spec in COMMANDS:
        lines.append(f"{spec.usage} – {spec.summary}. e.g. {spec.examples[0]}")
    lines.append("You can also just ask a question, like: how often should I exfoliate?")
    lines.append("Times are in your own time zone; reminders have Done / Skip / Snooze buttons.")
    return [Reply(text="\n".join(lines))]


def timezone(ctx: Context, args: str) -> list[Reply]:
    if not args.strip():
        name = ctx.account_timezone_name()
        now = when_text(ctx.now.replace(second=0, microsecond=0).timestamp(), ctx.tz, ctx.now)
        return [
            Reply(
                text=f"Your time zone is {name} (it's {now} there). Change it with e.g. /timezone Europe/Berlin, "
                "/timezone berlin or /timezone UTC+2."
            )
        ]
    try:
        choice = resolve_zone(args, ctx.now)
    except ZoneError as err:
        # A question (IST? which of the US's zones?) or suggestions: each one a button that sets it.
        buttons = _zone_buttons(ctx, tuple(zip(err.suggestions, err.labels, strict=True)))
        if not buttons:
            raise
        return [Reply(text=err.message, buttons=buttons)]
    before_tz = ctx.tz
    changed, moved, passed = ctx.regimen.set_timezone(ctx.ensure_account(), choice.name)
    account = ctx.refresh(changed)
    now = when_text(ctx.now.replace(second=0, microsecond=0).timestamp(), ctx.tz, ctx.now)
    lines = [f"Time zone set to {account.timezone} (it's {now} there). {ZONE_CHANGE_NOTE}"]
    for reminder in moved:  # given as a clock time before the zone was right: that clock time, here
        assert reminder.next_due is not None
        when = when_text(reminder.next_due, ctx.tz, ctx.now)
        lines.append(f"Reminder {reminder.number} ({clip(reminder.text, 40)}) keeps its clock time: {when}.")
    for reminder in passed:  # its clock time has gone by here: it keeps its moment, said plainly
        assert reminder.next_due is not None
        was = datetime.fromtimestamp(reminder.next_due, tz=before_tz).strftime("%H:%M")
        when = when_text(reminder.next_due, ctx.tz, ctx.now)
        lines.append(
            f"Reminder {reminder.number} ({clip(reminder.text, 40)}) was for {was}, which has passed here, so it "
            f"stays at {when}. Change it with /edit {reminder.number} <when>."
        )
    if choice.warning:
        lines.append(choice.warning)
    rows: tuple[tuple[Button, ...], ...] = ()
    if choice.name.startswith("UTC") and choice.name != "UTC":  # a fixed offset: offer the places keeping it
        offset = zone_from_name(choice.name).utcoffset(None)
        places = zones_at_offset(offset, ctx.now)[:MAX_PLACE_BUTTONS] if offset is not None else ()
        rows = _zone_buttons(ctx, tuple((zone, clip(f"{_city(zone)}: {where}", 40)) for zone, where in places))
        if rows:
            lines.append("Is one of these your place? Pick it to follow its own rules, daylight saving included.")
    step, step_buttons = _next_step(ctx, account, zone_set=True)
    if step == ADOPT_NEXT:  # after a zone, only the plan is worth saying again
        lines.append(step)
        rows += step_buttons
    return [Reply(text="\n".join(lines), buttons=rows)]


def _city(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _zone_buttons(ctx: Context, choices: tuple[tuple[str, str], ...]) -> tuple[tuple[Button, ...], ...]:
    """A button per (zone, label) that sets it: bound to this person (or, before they have an account, to the
    identity asking), as every /timezone button is."""
    account = ctx.account()
    mine = payloads.subject(account.id if account else None, ctx.msg.identity.key)
    buttons = []
    for zone, label in choices:
        raw = payloads.bound(mine, f"/timezone {zone}")
        if len(raw.encode()) <= MAX_PAYLOAD_BYTES and payloads.parse(raw) is not None:
            buttons.append(Button(label, raw))
    return tuple(tuple(buttons[i : i + ZONE_COLUMNS]) for i in range(0, len(buttons), ZONE_COLUMNS))


# FAQ -----------------------------------------------------------------------------------------------
def faq(ctx: Context, args: str) -> list[Reply]:
    if not args.strip():
        return [_topic_menu(ctx, "What would you like to know? Pick a topic, or just ask me a question.")]
    topic = ctx.faq.get(args)
    if topic is not None:  # a topic's name: its overview, with its questions
        return [_topic_answer(ctx, topic)]
    found = ctx.guide.answer(args)  # other words: a search of the questions
    if found.entry is not None:
        return [guide_handlers.entry_reply(ctx, found.entry, found.warning)]
    close = found.closest_questions() or found.warning
    declined = guide_handlers.decline_reply(ctx, found) if close else None
    if declined is not None:  # words on the subject that no entry answers surely: the closest questions
        return [declined]
    return [_topic_menu(ctx, f'I have no topic called "{clip(args)}". These are the topics I know:')]


def press_faq(ctx: Context, topic_id: str) -> list[Reply]:
    topic = ctx.faq.get(topic_id)
    if topic is None:
        return [_topic_menu(ctx, "That topic is no longer available. These are the topics I know:")]
    return [_topic_answer(ctx, topic)]


_REMIND_ME = re.compile(
    r"(?:(?:please|pls|hey|hi|ok|okay|oh)[\s,!]+)*(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?"
    r"(?:remind\s+me|(?:set|add|create|make)\s+(?:me\s+)?an?\s+reminder|reminder:?)"
    r"(?:\s+(?:to|about|of|for|that\s+i\s+(?:need\s+to|should|must)))?\s+(?P<rest>\S.*?)[\s.!?]*",
    re.I | re.S,
)
# "remind me in 10 minutes to stretch": /remind wants what first, then when.
_WHEN_FIRST = re.compile(
    r"(?P<when>(?:in|at|on|tomorrow|tonight|today|every|next|this)\b.*?)\s+to\s+(?P<what>\S.*)", re.I | re.S
)


def reminder_command(text: str) -> str | None:
    """The /remind command a plain-text reminder request means: "remind me to exfoliate tomorrow at 9" ->
    "/remind exfoliate tomorrow at 9". None when the text does not ask for a reminder."""
    match = _REMIND_ME.fullmatch(text.strip())
    if match is None:
        return None
    rest = " ".join(match["rest"].split())
    if (swapped := _WHEN_FIRST.fullmatch(rest)) is not None:
        rest = f"{swapped['what']} {swapped['when']}"
    return f"/remind {rest}"


def _reminder_hint(ctx: Context, command: str) -> Reply:
    raw = payloads.command(command)
    buttons: list[Button] = []
    if len(raw.encode()) <= MAX_PAYLOAD_BYTES and payloads.parse(raw) is not None:
        buttons.append(Button("Set this reminder", raw))
        how = "Press the button to set it, or send it yourself (change anything you like):"
    else:
        how = "Send it to set it (change anything you like):"
    matches = ctx.faq.match(command.removeprefix("/remind "), limit=1)
    if matches:  # what it is about has an answer too: one tap away
        buttons.append(Button(f"About {matches[0].topic.title.lower()}", payloads.faq(matches[0].topic.id)))
    return Reply(
        text=f"That sounds like a reminder. {how}\n{clip(command, 200)}",
        buttons=(tuple(buttons),) if buttons else (),
    )


def question(ctx: Context, text: str) -> list[Reply]:
    """Any message that is not a command is a question (or a reminder asked for in words)."""
    command = reminder_command(text)
    if command is not None:
        return [_reminder_hint(ctx, command)]
    found = ctx.guide.answer(text)
    if found.entry is not None:
        return [guide_handlers.entry_reply(ctx, found.entry, found.warning)]
    on_subject = found.warning or (found.ranked and found.ranked[0].in_domain)
    declined = guide_handlers.decline_reply(ctx, found) if on_subject else None
    if declined is not None:
        return [declined]
    return [
        _topic_menu(
            ctx,
            "I'm not sure I understood that. I can answer questions about back acne and its scars, or you "
            "can pick a topic below. For commands, see /help.",
        )
    ]


def _topic_answer(ctx: Context, topic: Topic, also: list[Topic] | None = None) -> Reply:
    related = [ctx.faq.get(r) for r in topic.related]
    extra = [t for t in (also or []) + [r for r in related if r is not None] if t.id != topic.id]
    seen: set[str] = set()
    buttons = []
    for t in extra:
        if t.id not in seen:
            seen.add(t.id)
            buttons.append(Button(t.title, payloads.faq(t.id)))
    rows = tuple(tuple(buttons[i : i + FAQ_COLUMNS]) for i in range(0, min(len(buttons), 4), FAQ_COLUMNS))
    # The topic's own questions first (answers to what was asked), then the neighbouring topics.
    rows = guide_handlers.topic_questions(ctx, topic.id) + rows
    return Reply(text=f"{topic.title}\n{topic.answer}\n\n{DISCLAIMER}", buttons=rows, private=False)


def _topic_menu(ctx: Context, intro: str) -> Reply:
    topics = ctx.faq.topics()
    buttons = [Button(t.title, payloads.faq(t.id)) for t in topics]
    rows = tuple(tuple(buttons[i : i + FAQ_COLUMNS]) for i in range(0, len(buttons), FAQ_COLUMNS))
    return Reply(text=intro, buttons=rows, private=False)


# Your data -------------------------------------------------------------------------------------------
def export(ctx: Context, args: str) -> list[Reply]:
    if args.strip().lower() == "csv":
        return export_csv(ctx)
    account = ctx.account()
    if account is None:
        return [Reply(text="I don't keep any data about you yet, so there is nothing to export.")]
    store = ctx.regimen.store
    reminders = store.reminders_of(account.id)
    data = {
        "exported_at": ctx.now.isoformat(),
        "account": to_doc(account),
        "identities": [to_doc(i) for i in store.identities_of(account.id)],
        "reminders": [to_doc(r) for r in reminders],
        "open_occurrences": [to_doc(o) for o in store.open_occurrences_of(account.id)],
        "history": [to_doc(o) for o in store.history_of(account.id)],
        # the running counts /progress reads (rebuilt from the history whenever one is missing)
        "tallies": [to_doc(t) for t in (store.get_tally(r.id) for r in reminders) if t is not None],
    }
    blob = json.dumps(data, indent=2, ensure_ascii=False).encode()
    return [
        Reply(
            text=EXPORTED,
            attachment=Attachment(filename="clearback-export.json", data=blob, mime_type="application/json"),
        )
    ]


def forget(ctx: Context, args: str) -> list[Reply]:
    account = ctx.account()
    if account is None:
        return [Reply(text=NOTHING_KEPT)]
    answer = args.strip().lower()
    if answer in ("confirm", "yes"):
        return confirm_forget(ctx)
    if answer in ("cancel", "no"):
        return cancel_forget(ctx)
    # Bound to this account: pressed by anybody else (a forwarded message, a group chat), they change nothing.
    mine = payloads.subject(account.id, ctx.msg.identity.key)
    return [
        Reply(
            text=(
                "This deletes all your data: reminders, history and settings, on every linked platform. "
                "It can't be undone. Are you sure? (Typed: /forget confirm)"
            ),
            buttons=(
                (
                    Button("Yes, delete everything", payloads.bound(mine, "/forget confirm")),
                    Button("No, keep it", payloads.bound(mine, "/forget cancel")),
                ),
            ),
        )
    ]


def confirm_forget(ctx: Context) -> list[Reply]:
    account = ctx.account()
    if account is None:
        return [Reply(text=NOTHING_LEFT, edit=ctx.msg.button is not None)]
    ctx.regimen.forget(account)
    return [Reply(text=FORGOTTEN, edit=ctx.msg.button is not None)]


def cancel_forget(ctx: Context) -> list[Reply]:
    return [Reply(text="Okay, I kept everything.", edit=ctx.msg.button is not None)]
