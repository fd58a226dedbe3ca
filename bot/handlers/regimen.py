"""Handlers for reminders and plans: create, list, change, answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot import payloads
from bot.choices import Option, action, say
from bot.confirmations import ask_lines, confirmation_lines, early_question, folded_label
from bot.context import Context, clip
from bot.handlers import exfoliation_guard
from bot.handlers.answers import answered
from bot.handlers.choosing import offer
from bot.models import Button, Reply
from bot.plans import TEMPLATES, PlanTemplate, find_template
from bot.regimen import RegimenError
from bot.reminder_kind import EXFOLIATION, is_exfoliation, kind_for
from bot.render import DISCLAIMER, outcome_message, reminder_line, when_text
from bot.timing.readings import SMALL_HOURS_END, Reading, read_when
from bot.timing.recurrence import Schedule, describe, schedule_from_dict, schedule_to_dict
from bot.timing.remind_split import RemindRequest, split_what_when
from bot.timing.resolve import Alternative
from bot.timing.timeparse import WhenParseError, parse_clock, parse_days, parse_duration
from storage.records import DONE, SKIPPED, Occurrence, Reminder, from_doc, to_doc

MAX_SNOOZE = timedelta(days=7)
MIN_SNOOZE = timedelta(minutes=1)
EXFOLIATION_WEEKLY_LIMIT = 3.0


def remind(ctx: Context, args: str) -> list[Reply]:
    if not args.strip():
        raise RegimenError(
            "Tell me what and when, for example:\n"
            "/remind exfoliate every mon,thu at 20:00\n/remind apply cream every day at 21:30\n/remind stretch in 10m"
        )
    confirmed = args.rstrip().endswith(" !")  # "/remind exfoliate every day at 20:00 !": sure, no question
    request = split_what_when(args.rstrip().removesuffix("!").rstrip() if confirmed else args, ctx.now, ctx.tz)
    ctx.ensure_account()  # only once there is something to keep; the buttons below are bound to it
    if request.needs_asking:
        return [_ask(ctx, request)]
    return _create(ctx, request.what, request.reading, confirmed)


def _create(ctx: Context, what: str, reading: Reading, confirmed: bool = False) -> list[Reply]:
    kind = kind_for(what)
    if kind == EXFOLIATION and not confirmed:
        asked = exfoliation_guard.check(
            ctx,
            reading.schedule,
            None,
            ("remind.create_sure", {"what": what, "reading": _reading_doc(reading)}),
            f"/remind {what} {reading.phrase} !",
        )
        if asked is not None:
            return asked
    account = ctx.ensure_account()
    reminder = ctx.regimen.create_reminder(
        account, what, reading.schedule, kind, ctx.msg.identity.platform, wall_clock=reading.wall
    )
    return [_created(ctx, reminder, reading.schedule, reading, undo=_undo_create(reminder.id))]


@action("remind.create")
def _create_picked(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    return _create(ctx, str(args["what"]), _reading(args["reading"]))


@action("remind.create_sure")
def _create_sure(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    """Past the exfoliation question, with the schedule chosen there."""
    reading = replace(_reading(args["reading"]), schedule=schedule_from_dict(args["schedule"]))
    return _create(ctx, str(args["what"]), reading, confirmed=True)


def _reading_doc(reading: Reading) -> dict[str, Any]:
    """A Reading as JSON-ready data, for an offered option (bot.choices)."""
    return {
        "schedule": schedule_to_dict(reading.schedule),
        "phrase": reading.phrase,
        "notes": list(reading.notes),
        "alternatives": [{"label": a.label, "schedule": schedule_to_dict(a.schedule)} for a in reading.alternatives],
        "wall": reading.wall,
    }


def _reading(doc: dict[str, Any]) -> Reading:
    alternatives = tuple(Alternative(str(a["label"]), schedule_from_dict(a["schedule"])) for a in doc["alternatives"])
    wall = bool(doc.get("wall", False))  # an offer made before this field: a moment, as it was
    return Reading(schedule_from_dict(doc["schedule"]), str(doc["phrase"]), tuple(doc["notes"]), alternatives, wall)


def _ask(ctx: Context, request: RemindRequest) -> Reply:
    """Words about time were left in the name: offer each reading as a button, and set nothing yet."""
    options = [_creator(folded_label(f.reading.schedule, ctx.now, ctx.tz), f.what, f.reading) for f in request.folded]
    options.append(_creator(f'Keep "{clip(request.what, 24)}"', request.what, request.reading))
    options.append(say("Neither", NOTHING_SET))
    return Reply(text="\n".join(ask_lines(request, ctx.now, ctx.tz)), buttons=offer(ctx, options))


def _creator(label: str, what: str, reading: Reading) -> Option:
    return Option(label, "remind.create", {"what": what, "reading": _reading_doc(reading)})


NOTHING_SET = (
    "Nothing set. Say it again with the time at the end and the name without it, for example: "
    "/remind book peel appointment next friday at 6pm"
)


def _mine(ctx: Context, reminder_id: str) -> Reminder | None:
    account = ctx.account()
    reminder = ctx.regimen.store.get_reminder(reminder_id)
    return reminder if reminder is not None and account is not None and reminder.account_id == account.id else None


def _undo_create(reminder_id: str) -> Option:
    return Option("Undo", "reminder.undo_create", {"reminder_id": reminder_id})


@action("reminder.undo_create")
def _undone_create(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    reminder = _mine(ctx, str(args["reminder_id"]))
    if reminder is None:
        return [Reply(text="That reminder is already gone.")]
    ctx.regimen.delete_reminder(reminder)
    return [Reply(text=f"Undone: reminder {reminder.number} ({reminder.text}) is removed.")]


def _undo_schedule(reminder_id: str, previous: Schedule, wall: bool) -> Option:
    """Back to `previous`, read as it was: a clock time (`wall`) or a moment."""
    args = {"reminder_id": reminder_id, "previous": schedule_to_dict(previous), "wall": wall}
    return Option("Undo", "reminder.undo_schedule", args)


@action("reminder.undo_schedule")
def _undone_schedule(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    reminder = _mine(ctx, str(args["reminder_id"]))
    if reminder is None:
        return [Reply(text="That reminder is gone, so there's nothing to undo.")]
    previous = schedule_from_dict(args["previous"])
    try:
        updated = ctx.regimen.reschedule(
            ctx.ensure_account(), reminder, previous, wall_clock=bool(args.get("wall", reminder.wall_clock))
        )
    except RegimenError:
        return [Reply(text=f"I can't go back: the old time has passed. Set a new one: /edit {reminder.number} <when>")]
    heading = f"Undone: reminder {updated.number} is back as it was: {updated.text}"
    return [_created(ctx, updated, previous, None, heading=heading)]


def _switcher(label: str, reminder_id: str, schedule: Schedule) -> Option:
    """The other reading of a time ("21:00 tonight" instead of "09:00 tomorrow"), applied to the reminder."""
    return Option(label, "reminder.switch", {"reminder_id": reminder_id, "schedule": schedule_to_dict(schedule)})


@action("reminder.switch")
def _switched(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    reminder_id = str(args["reminder_id"])
    reminder = _mine(ctx, reminder_id)
    if reminder is None:
        return [Reply(text="That reminder is gone. See your reminders with /reminders.")]
    schedule = schedule_from_dict(args["schedule"])
    previous = schedule_from_dict(reminder.schedule)
    # the other reading of a clock time ("21:00 tonight"), so a clock time as well
    updated = ctx.regimen.reschedule(ctx.ensure_account(), reminder, schedule, wall_clock=reminder.wall_clock)
    undo = _undo_schedule(reminder_id, previous, reminder.wall_clock)
    heading = f"Changed reminder {updated.number}: {updated.text}"
    return [_created(ctx, updated, schedule, None, undo=undo, heading=heading)]


def _created(
    ctx: Context,
    reminder: Reminder,
    schedule: Schedule,
    reading: Reading | None = None,
    undo: Option | None = None,
    heading: str | None = None,
) -> Reply:
    assert reminder.next_due is not None
    heading = heading or f"Reminder {reminder.number} set: {reminder.text}"
    account = ctx.account()
    quiet = account.quiet_hours if account else None
    lines = confirmation_lines(heading, schedule, reading, ctx.now, ctx.tz, ctx.account_timezone_name(), quiet)
    alternatives = [_switcher(a.label, reminder.id, a.schedule) for a in reading.alternatives] if reading else []
    rows = offer(ctx, alternatives, undo) if (alternatives or undo) else ()
    return Reply(
        text="\n".join(lines),
        buttons=(*rows, (Button("My reminders", payloads.command("/reminders")),)),
    )


def reminders(ctx: Context, args: str) -> list[Reply]:
    account = ctx.account()
    inputs = ctx.regimen.progress_inputs(account.id) if account else None
    items = inputs[0] if inputs else []
    if not items:
        return [
            Reply(
                text="You have no reminders yet. Start with the exfoliation plan, or make your own with /remind.",
                buttons=((Button("Exfoliation plan", payloads.plan("exfoliation")),),),
            )
        ]
    lines = [f"Your reminders (times in {ctx.account_timezone_name()}):"]
    assert account is not None
    lasts = ctx.regimen.last_outcomes(account.id, inputs)
    pauses = ctx.regimen.treatment_pauses(account, items)
    lines += [reminder_line(r, ctx.tz, ctx.now, lasts, pauses) for r in items]
    n = items[0].number  # the footer's examples name a reminder the person has
    lines.append(f"Change one: /edit {n} <when> · /pause {n} · /delete {n}")
    return [Reply(text="\n".join(lines))]


def delete(ctx: Context, args: str) -> list[Reply]:
    reminder = ctx.reminder_arg(args, "delete")
    ctx.regimen.delete_reminder(reminder)
    text = f"Deleted reminder {reminder.number}: {reminder.text}."
    if reminder.series is not None:  # a series' sessions are dated from reality: nothing to put back as it was
        return [Reply(text=text)]
    undo = Option("Undo", "reminder.undo_delete", {"reminder": to_doc(reminder)})
    # A button, not /undo's slot: /undo stays what /help says, the last new or changed reminder (or answer).
    return [Reply(text=text, buttons=offer(ctx, (undo,)))]


@action("reminder.undo_delete")
def _undone_delete(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    reminder = from_doc(Reminder, dict(args["reminder"]))
    account = ctx.account()
    if account is None or reminder.account_id != account.id:
        return [Reply(text="That reminder can't be brought back.")]
    restored = ctx.regimen.restore_reminder(account, reminder)
    if restored is None:
        return [
            Reply(text=f"Reminder {reminder.number} ({reminder.text}) has nothing left to fire, so it stays deleted.")
        ]
    return [
        _created(
            ctx,
            restored,
            schedule_from_dict(restored.schedule),
            None,
            heading=f"Undone: reminder {restored.number} is back: {restored.text}",
        )
    ]


def pause(ctx: Context, args: str) -> list[Reply]:
    return _pause_or_resume(ctx, args, paused=True)


def resume(ctx: Context, args: str) -> list[Reply]:
    return _pause_or_resume(ctx, args, paused=False)


def _pause_or_resume(ctx: Context, args: str, paused: bool) -> list[Reply]:
    verb = "pause" if paused else "resume"
    if args.strip().lower() == "all":
        account = ctx.account()
        items = ctx.regimen.store.reminders_of(account.id) if account else []
        if not items:
            return [Reply(text="You have no reminders yet. Create one with /remind.")]
        # A finished one-off (or ended repeat) has nothing left to pause or resume.
        live = [r for r in items if r.next_due is not None or r.series is not None or r.paused]
        changed = ctx.regimen.set_all_paused(live, paused)
        if paused:
            return [Reply(text=f"Paused {len(changed)} reminder(s).")]
        # Resuming says what comes next and when, so nothing arrives unexpected.
        fresh = [ctx.regimen.store.get_reminder(r.id) for r in changed]
        coming = [
            f"{r.number}. {r.text}: next {when_text(r.next_due, ctx.tz, ctx.now)}"
            for r in fresh
            if r is not None and r.next_due is not None
        ]
        return [Reply(text="\n".join([f"Resumed {len(changed)} reminder(s).", *coming]))]
    reminder = ctx.reminder_arg(args, verb)
    if reminder.paused == paused:
        state = "already paused" if paused else "not paused"
        return [Reply(text=f"Reminder {reminder.number} is {state}.")]
    updated = ctx.regimen.set_paused(reminder, paused, "by you")
    if paused:
        return [
            Reply(text=f"Paused reminder {reminder.number}: {reminder.text}. Resume with /resume {reminder.number}.")
        ]
    nxt = f" Next: {when_text(updated.next_due, ctx.tz, ctx.now)}." if updated.next_due else ""
    return [Reply(text=f"Resumed reminder {reminder.number}: {reminder.text}.{nxt}")]


def edit(ctx: Context, args: str) -> list[Reply]:
    reminder = ctx.reminder_arg(args, "edit")
    if reminder.series is not None:
        raise RegimenError(
            f"Reminder {reminder.number} is a treatment series: move a session with "
            f"/reschedule {reminder.number} <date> at <time>, or end it with /series end {reminder.number}."
        )
    rest = args.strip().split(maxsplit=1)[1] if len(args.split()) > 1 else ""
    if not rest:
        raise RegimenError(f"When should it fire? For example: /edit {reminder.number} every tue,fri at 19:00")
    confirmed = rest.rstrip().endswith("!")
    reading = read_when(rest.rstrip().rstrip("!"), ctx.now, ctx.tz)
    return _apply_edit(ctx, reminder.id, reading, confirmed)


def _apply_edit(ctx: Context, reminder_id: str, reading: Reading, confirmed: bool) -> list[Reply]:
    reminder = _mine(ctx, reminder_id)
    if reminder is None:
        return [Reply(text="That reminder is gone. See your reminders with /reminders.")]
    if is_exfoliation(reminder) and not confirmed:
        asked = exfoliation_guard.check(
            ctx,
            reading.schedule,
            reminder.id,
            ("reminder.edit_sure", {"reminder_id": reminder_id, "reading": _reading_doc(reading)}),
            f"/edit {reminder.number} {reading.phrase} !",
        )
        if asked is not None:
            return asked
    previous = _readable_schedule(reminder)
    updated = ctx.regimen.reschedule(ctx.ensure_account(), reminder, reading.schedule, wall_clock=reading.wall)
    undo = _undo_schedule(reminder.id, previous, reminder.wall_clock) if previous is not None else None
    return [_created(ctx, updated, reading.schedule, reading, undo=undo)]


@action("reminder.edit_sure")
def _edit_sure(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    """Past the exfoliation question, with the schedule chosen there."""
    reading = replace(_reading(args["reading"]), schedule=schedule_from_dict(args["schedule"]))
    return _apply_edit(ctx, str(args["reminder_id"]), reading, True)


def _readable_schedule(reminder: Reminder) -> Schedule | None:
    """The stored schedule, or None when it is damaged (then there is nothing sound to go back to)."""
    try:
        return schedule_from_dict(reminder.schedule)
    except ValueError:
        return None


def rename(ctx: Context, args: str) -> list[Reply]:
    reminder = ctx.reminder_arg(args, "rename")
    rest = args.strip().split(maxsplit=1)[1] if len(args.split()) > 1 else ""
    updated = ctx.regimen.rename(reminder, rest)
    return [Reply(text=f"Renamed reminder {updated.number}: {updated.text}.")]


# Answering reminders -----------------------------------------------------------------------------
def done(ctx: Context, args: str) -> list[Reply]:
    return _answer_typed(ctx, args, "done")


def skip(ctx: Context, args: str) -> list[Reply]:
    return _answer_typed(ctx, args, "skip")


def snooze(ctx: Context, args: str) -> list[Reply]:
    return _answer_typed(ctx, args, "snooze")


def _answer_typed(ctx: Context, args: str, verb: str) -> list[Reply]:
    account = ctx.account()
    # Their reminders and open occurrences in one read (one statement on PostgreSQL), the choice made on them;
    # the answer itself re-reads what it changes under its locks (Regimen.resolve).
    reminders, _, open_occurrences = ctx.regimen.store.progress_rows(account.id) if account else ([], {}, [])
    reminder = ctx.reminder_arg(args, verb, reminders)
    occurrence = ctx.regimen.answerable(reminder, open_occurrences)
    if occurrence is None and verb != "snooze" and ctx.regimen.can_claim_early(reminder):
        return [_ask_early(ctx, reminder, verb)]
    if occurrence is None:
        nxt = f" It's next due {when_text(reminder.next_due, ctx.tz, ctx.now)}." if reminder.next_due else ""
        return [Reply(text=f"Reminder {reminder.number} has nothing waiting for an answer.{nxt}")]
    if verb == "snooze":
        words = args.strip().split(maxsplit=1)
        until = _snooze_until(ctx, words[1]) if len(words) > 1 else ctx.now + timedelta(hours=1)
        return _snooze(ctx, occurrence, until)
    return answered(ctx, occurrence, ctx.regimen.answer(occurrence, DONE if verb == "done" else SKIPPED))


def _ask_early(ctx: Context, reminder: Reminder, verb: str) -> Reply:
    """Answering a time that is still ahead asks first, naming it: "/done 1" an hour early must not use it up
    silently."""
    assert reminder.next_due is not None
    due = reminder.next_due
    word = "done" if verb == "done" else "skipped"

    text = early_question(reminder.number, reminder.text, when_text(due, ctx.tz, ctx.now), word)
    args = {"reminder_id": reminder.id, "number": reminder.number, "due": due, "verb": verb}
    options = [Option(f"Yes, {word}", "answer.early", args), say("No", "Nothing marked.")]
    return Reply(text=text, buttons=offer(ctx, options))


@action("answer.early")
def _answer_early(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    number, verb = int(args["number"]), str(args["verb"])
    current = _mine(ctx, str(args["reminder_id"]))
    if current is None or current.next_due != args["due"]:
        return [Reply(text=f"Reminder {number} has changed since I asked; nothing was marked.")]
    occurrence = ctx.regimen.claim_early(current)
    if occurrence is None:
        return [Reply(text=f"Reminder {number} has nothing waiting for an answer.")]
    result = ctx.regimen.answer(occurrence, DONE if verb == "done" else SKIPPED)
    return answered(ctx, occurrence, result, early=True)


def _snooze_until(ctx: Context, text: str) -> datetime:
    """ "/snooze 1 45m", "/snooze 1 tomorrow", "/snooze 1 at 9pm": a length of time or a one-off time."""
    try:
        until = ctx.now + parse_duration(text)
    except WhenParseError as duration_error:
        try:
            schedule = read_when(text, ctx.now, ctx.tz).schedule
        except WhenParseError as when_error:
            # A time the reader knew but can't use ("tonight", already past) says why; anything else, what a
            # snooze takes. Either way with a snooze's own examples, not /remind's or a length /snooze refuses.
            told = when_error if when_error.definite and not text.strip()[:1].isdigit() else duration_error
            raise RegimenError(f"{_reason_only(told.message)} {SNOOZE_EXAMPLES}") from told
        if schedule.once_utc is None:
            raise RegimenError("A snooze is one time, not a repeat, for example: /snooze 1 tomorrow at 8am") from None
        until = schedule.once_utc
    if until - ctx.now < MIN_SNOOZE or until - ctx.now > MAX_SNOOZE:
        raise RegimenError("Snooze for between 1 minute and 7 days, for example: /snooze 1 1h")
    return until


SNOOZE_EXAMPLES = "For example: /snooze 1 15m, /snooze 1 2h or /snooze 1 tomorrow at 8am."


def _reason_only(message: str) -> str:
    """A reader's error without its own 'Try ...' examples (they are for /remind)."""
    return message.split(' Try "', 1)[0]


def _snooze(ctx: Context, occurrence: Occurrence, until: datetime, edit: bool = False) -> list[Reply]:
    return answered(ctx, occurrence, ctx.regimen.snooze_answer(occurrence, until), edit=edit)


def press_occurrence(ctx: Context, action: str, occurrence_id: str) -> list[Reply]:
    """A Done / Skip / Snooze button. The occurrence must belong to whoever pressed it."""
    account = ctx.account()
    occurrence = ctx.regimen.store.get_occurrence(account.id, occurrence_id) if account else None
    if occurrence is None:
        return [Reply(text="That reminder is no longer available. See your reminders with /reminders.")]
    if not occurrence.is_open:
        return [Reply(text=outcome_message(occurrence, ctx.tz, ctx.now), edit=True)]
    if action == payloads.DONE:
        result = ctx.regimen.answer(occurrence, DONE)
    elif action == payloads.SKIP:
        result = ctx.regimen.answer(occurrence, SKIPPED)
    else:
        return _snooze(ctx, occurrence, _snooze_target(ctx, action), edit=True)
    return answered(ctx, occurrence, result, edit=True)


def _snooze_target(ctx: Context, action: str) -> datetime:
    if action == payloads.SNOOZE_15M:
        return ctx.now + timedelta(minutes=15)
    if action == payloads.SNOOZE_1H:
        return ctx.now + timedelta(hours=1)
    local_now = ctx.now.astimezone(ctx.tz)
    if action == payloads.SNOOZE_EVENING and local_now.hour < 19:
        target = datetime.combine(local_now.date(), time(19, 0), tzinfo=ctx.tz)
    elif action == payloads.SNOOZE_MORNING and local_now.hour < SMALL_HOURS_END:
        # "Tomorrow 8:00" pressed at 01:00 means the morning after the night, a few hours from now.
        target = datetime.combine(local_now.date(), time(8, 0), tzinfo=ctx.tz)
    else:  # tomorrow morning (also when "this evening" is pressed after 19:00)
        target = datetime.combine(local_now.date() + timedelta(days=1), time(8, 0), tzinfo=ctx.tz)
    return max(target, ctx.now + timedelta(minutes=15))


# Plans -------------------------------------------------------------------------------------------
def plan(ctx: Context, args: str) -> list[Reply]:
    words = args.split()
    if not words:
        return [_plan_menu()]
    template = find_template(words[0])
    if template is None:
        raise RegimenError(
            f'I don\'t have a plan called "{clip(words[0])}". Try /plan exfoliation, /plan cream or /plan checkin.'
        )
    if len(words) == 1:
        return [_plan_details(ctx, template)]
    return adopt(ctx, template, " ".join(words[1:]))


def _plan_menu() -> Reply:
    lines = ["Regimen plans. Pick one to see it and adopt it with one tap:"]
    for template in TEMPLATES.values():
        lines.append(f"• {template.title}: {_default_when(template)}")
    lines.append(DISCLAIMER)
    lines.insert(-1, "• Professional treatment series: sessions, reminders before each, and a safety pause")
    rows = tuple((Button(t.title, payloads.plan(t.id)),) for t in TEMPLATES.values())
    rows += ((Button("Treatment series", payloads.command("/series")),),)
    return Reply(text="\n".join(lines), buttons=rows)


def _default_when(template: PlanTemplate) -> str:
    schedule = template_schedule(template, None, None)
    return describe(schedule, UTC)


def _plan_details(ctx: Context, template: PlanTemplate) -> Reply:
    when = _default_when(template)
    text = (
        f"{template.title}\n{template.why}\n\nDefault: {when} (your time zone: {ctx.account_timezone_name()}).\n"
        f"Other days or time? Type e.g. /plan {template.id} tue,fri 19:30\n{DISCLAIMER}"
    )
    return Reply(text=text, buttons=((Button(f"Adopt: {when}", payloads.plan(template.id, "adopt")),),))


def adopt(ctx: Context, template: PlanTemplate, spec: str) -> list[Reply]:
    confirmed = "!" in spec  # "/plan exfoliation daily !" or "daily!": the '!' is not part of the days
    words = spec.replace("!", " ").split()
    reading: Reading | None = None
    if words and words != ["adopt"]:
        schedule, reading = _plan_schedule(ctx, template, words)
    else:
        schedule = template_schedule(template, None, None, _today(ctx))
    return _adopt_schedule(ctx, template, schedule, reading, confirmed, " ".join(words))


def _adopt_schedule(
    ctx: Context, template: PlanTemplate, schedule: Schedule, reading: Reading | None, confirmed: bool, spec: str = ""
) -> list[Reply]:
    known = ctx.account()  # nothing is stored (not even an account) until the person goes ahead
    mine = ctx.regimen.store.reminders_of(known.id) if known else []
    existing = [r for r in mine if r.text == template.reminder_text]
    if template.id == "exfoliation" and not confirmed:
        asked = exfoliation_guard.check(
            ctx,
            schedule,
            existing[0].id if existing else None,
            ("plan.adopt_sure", {"template": template.id}),
            f"/plan exfoliation {spec} !",
        )
        if asked is not None:
            return asked
    account = ctx.ensure_account()
    if existing:
        old = _readable_schedule(existing[0])
        schedule = _keep_rhythm(schedule, old)
        if old == schedule and not existing[0].paused:
            heading = f"Reminder {existing[0].number} is already set: {existing[0].text}"
            return [_created(ctx, existing[0], schedule, reading, heading=heading)]
        reminder = ctx.regimen.reschedule(account, existing[0], schedule)
        heading = f"Reminder {reminder.number} updated: {reminder.text}"
        undo = _undo_schedule(reminder.id, old, existing[0].wall_clock) if old is not None else None
        return [_created(ctx, reminder, schedule, reading, undo=undo, heading=heading)]
    reminder = ctx.regimen.create_reminder(
        account, template.reminder_text, schedule, template.id, ctx.msg.identity.platform
    )
    return [_created(ctx, reminder, schedule, reading, undo=_undo_create(reminder.id))]


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.tz).date()


@action("plan.adopt_sure")
def _adopt_sure(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    """Past the exfoliation question, with the schedule chosen there."""
    template = TEMPLATES[str(args["template"])]
    return _adopt_schedule(ctx, template, schedule_from_dict(args["schedule"]), None, True)


def _keep_rhythm(schedule: Schedule, old: Schedule | None) -> Schedule:
    """Re-adopting an every-N-weeks plan with the same days keeps the weeks it already fires in."""
    if old is None or schedule.every == 1 or old.anchor is None:
        return schedule
    if (old.kind, old.every, old.weekdays) == (schedule.kind, schedule.every, schedule.weekdays):
        return replace(schedule, anchor=old.anchor)
    return schedule


def _plan_schedule(ctx: Context, template: PlanTemplate, words: list[str]) -> tuple[Schedule, Reading | None]:
    """ "tue,fri 19:30" (days, then a clock) keeps the plan's rhythm; any repeat phrase works too:
    "every tue and fri at 7pm", "daily at 21:00", "mondays and thursdays at 8pm"."""
    days: tuple[int, ...] | None = None
    at: time | None = None
    try:
        try:
            at = parse_clock(words[-1])
            day_words = words[:-1]
        except WhenParseError:
            day_words = words
        if day_words:
            days = parse_days(" ".join(day_words))
        return template_schedule(template, days, at, _today(ctx)), None
    except WhenParseError as plain_error:
        phrase = " ".join(words)
        for attempt in (phrase, f"every {phrase}"):
            try:
                reading = read_when(attempt, ctx.now, ctx.tz)
            except WhenParseError:
                continue
            if reading.schedule.kind != "once":
                return reading.schedule, reading
        raise plain_error


def template_schedule(
    template: PlanTemplate, days: tuple[int, ...] | None, at: time | None, start: date | None = None
) -> Schedule:
    """The plan's schedule; an every-N-weeks plan counts its weeks from `start` (today), so it first fires on
    the first of its days from today on (re-adopting keeps its weeks: see _keep_rhythm)."""
    weekdays = days if days is not None else template.weekdays
    clock = (at or template.at).replace(second=0, microsecond=0)
    if len(weekdays) == 7 and template.every_weeks == 1:
        return Schedule(kind="daily", at=clock)
    anchor = (start or date(2026, 1, 5)) if template.every_weeks > 1 else None
    return Schedule(
        kind="weekly", at=clock, weekdays=tuple(sorted(set(weekdays))), every=template.every_weeks, anchor=anchor
    )


def press_plan(ctx: Context, args: tuple[str, ...]) -> list[Reply]:
    template = TEMPLATES.get(args[0])
    if template is None:
        return [Reply(text="That plan is no longer available. See /plan.")]
    if len(args) > 1 and args[1] == "adopt":
        return adopt(ctx, template, "")
    return [_plan_details(ctx, template)]
