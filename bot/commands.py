"""The one list of commands: names, help text and examples, the same on every platform.

/help, Telegram's command menu and Discord's slash commands are all generated from this list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    description: str
    required: bool = False
    autocomplete: bool = False


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    summary: str  # one line, for menus
    usage: str
    examples: tuple[str, ...]
    options: tuple[Option, ...] = ()
    aliases: tuple[str, ...] = ()


_NUMBER = Option("number", "Reminder number from /reminders", required=True, autocomplete=True)
_NUMBER_OR_ALL = Option("number", "Reminder number from /reminders, or 'all'", required=True, autocomplete=True)

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "Welcome and first steps", "/start", ("/start",)),
    CommandSpec("help", "Every command with an example", "/help", ("/help",)),
    CommandSpec(
        "timezone",
        "Show or set your time zone",
        "/timezone [zone]",
        ("/timezone Europe/Berlin", "/timezone berlin", "/timezone UTC+2"),
        (Option("zone", "A city or IANA zone, e.g. Europe/Berlin", autocomplete=True),),
    ),
    CommandSpec(
        "plan",
        "Ready-made regimen plans (exfoliation, cream, check-in)",
        "/plan [exfoliation|cream|checkin] [days] [time]",
        ("/plan", "/plan exfoliation", "/plan exfoliation tue,fri 19:30"),
        (
            Option("plan", "exfoliation, cream or checkin", autocomplete=True),
            Option("days", "e.g. mon,thu or daily"),
            Option("time", "e.g. 20:00"),
        ),
    ),
    CommandSpec(
        "remind",
        "Create a reminder",
        "/remind <what> <when>",
        (
            "/remind exfoliate every mon,thu at 20:00",
            "/remind apply cream every day at 21:30",
            "/remind stretch in 10m",
        ),
        (
            Option("what", "What to remind you about", required=True),
            Option("when", "e.g. every mon,thu at 20:00 or tomorrow at 9am", required=True),
        ),
    ),
    CommandSpec("reminders", "List your reminders", "/reminders", ("/reminders", "/list"), aliases=("list",)),
    CommandSpec("done", "Mark a reminder done", "/done <number>", ("/done 1",), (_NUMBER,)),
    CommandSpec("skip", "Skip this time", "/skip <number>", ("/skip 1",), (_NUMBER,)),
    CommandSpec(
        "snooze",
        "Remind me again later",
        "/snooze <number> [duration or time]",
        ("/snooze 1 1h", "/snooze 2 15m", "/snooze 1 tomorrow at 8am"),
        (_NUMBER, Option("duration", "e.g. 15m, 2h30m, or a time: tomorrow at 8am")),
    ),
    CommandSpec(
        "edit",
        "Change when a reminder fires",
        "/edit <number> <when>",
        ("/edit 1 every tue,fri at 19:00",),
        (_NUMBER, Option("when", "e.g. every tue,fri at 19:00", required=True)),
    ),
    CommandSpec(
        "undo",
        "Undo your last new or changed reminder",
        "/undo",
        ("/undo",),
    ),
    CommandSpec(
        "rename",
        "Rename a reminder",
        "/rename <number> <what>",
        ("/rename 2 evening body lotion",),
        (_NUMBER, Option("what", "The new name", required=True)),
    ),
    CommandSpec(
        "pause", "Pause a reminder (or all)", "/pause <number|all>", ("/pause 2", "/pause all"), (_NUMBER_OR_ALL,)
    ),
    CommandSpec(
        "resume", "Resume a reminder (or all)", "/resume <number|all>", ("/resume 2", "/resume all"), (_NUMBER_OR_ALL,)
    ),
    CommandSpec("delete", "Delete a reminder", "/delete <number>", ("/delete 3",), (_NUMBER,)),
    CommandSpec(
        "series",
        "Track a series of professional treatment sessions",
        "/series <treatment> <sessions> every <N> weeks starting <date> at <time>",
        ("/series chemical peel 3 every 4 weeks starting 2026-12-10 at 15:00", "/series end 4", "/series pause 4 3 7"),
        (Option("details", "e.g. chemical peel 3 every 4 weeks starting 2026-12-10 at 15:00"),),
    ),
    CommandSpec(
        "reschedule",
        "Move a treatment session",
        "/reschedule <number> <date> at <time>",
        ("/reschedule 4 2026-12-17 at 15:00",),
        (_NUMBER, Option("when", "e.g. 2026-12-17 at 15:00", required=True)),
    ),
    CommandSpec(
        "quiet",
        "Quiet hours: hold reminders overnight",
        "/quiet [start-end|off]",
        ("/quiet 22:00-07:00", "/quiet off"),
        (Option("hours", "e.g. 22:00-07:00, or off"),),
    ),
    CommandSpec(
        "nudge",
        "Remind again if a reminder goes unanswered",
        "/nudge <number> <after> [times]|off",
        ("/nudge 1 2h", "/nudge 1 1h 2", "/nudge 1 off"),
        (_NUMBER, Option("after", "e.g. 2h, or off", required=True), Option("times", "1 or 2")),
    ),
    CommandSpec(
        "progress",
        "Streaks, adherence and a chart",
        "/progress [text]",
        ("/progress", "/progress text"),
        (Option("view", "'text' for numbers only, no chart"),),
    ),
    CommandSpec(
        "faq",
        "Questions about treatments",
        "/faq [topic]",
        ("/faq", "/faq chemical peels", "or just ask: how often should I exfoliate?"),
        (Option("topic", "e.g. exfoliation, laser", autocomplete=True),),
    ),
    CommandSpec(
        "link",
        "Link Telegram and Discord into one account",
        "/link [code]",
        ("/link", "/link ABCD2345"),
        (Option("code", "The code from your other platform"),),
    ),
    CommandSpec("unlink", "Separate linked platforms again", "/unlink", ("/unlink",)),
    CommandSpec(
        "deliver",
        "Where reminders go when linked",
        "/deliver telegram|discord|both|origin",
        ("/deliver both", "/deliver telegram"),
        (Option("where", "telegram, discord, both or origin"),),
    ),
    CommandSpec(
        "export",
        "Download your data (JSON) or history (CSV)",
        "/export [csv]",
        ("/export", "/export csv"),
        (Option("format", "json (everything) or csv (history)"),),
    ),
    CommandSpec("forget", "Delete all your data", "/forget", ("/forget",)),
)

BY_NAME: dict[str, CommandSpec] = {}
for _spec in COMMANDS:
    BY_NAME[_spec.name] = _spec
    for _alias in _spec.aliases:
        BY_NAME[_alias] = _spec


def menu() -> list[tuple[str, str]]:
    """(name, one-line description) pairs for platform command menus."""
    return [(spec.name, spec.summary) for spec in COMMANDS]
