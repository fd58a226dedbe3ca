"""Autocomplete suggestions for platforms that offer them (Discord's slash-command options), and the command
somebody probably meant by one that does not exist (did_you_mean).

Suggestions are (label, value) pairs; they only ever show the asking person's own reminders.
"""

from __future__ import annotations

import difflib
import zoneinfo
from functools import lru_cache

from bot.commands import BY_NAME
from bot.faq import FaqIndex
from bot.models import Identity
from bot.offload import Offload
from bot.plans import TEMPLATES
from bot.regimen import Regimen
from bot.timing.timezones import country_names

MAX_SUGGESTIONS = 25
_NUMBER_COMMANDS = frozenset(
    {"done", "skip", "snooze", "edit", "rename", "pause", "resume", "delete", "nudge", "reschedule"}
)


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")))


class Suggester:
    def __init__(self, regimen: Regimen, faq: FaqIndex, offload: Offload | None = None) -> None:
        self.regimen = regimen
        self.faq = faq
        self.offload = offload or Offload()  # with a remote store: off the loop, like every other store call

    async def __call__(self, identity: Identity, command: str, option: str, current: str) -> list[tuple[str, str]]:
        return await self.offload.run(self.suggest, identity, command, option, current)

    def suggest(self, identity: Identity, command: str, option: str, current: str) -> list[tuple[str, str]]:
        typed = current.strip().lower()
        if command in _NUMBER_COMMANDS and option == "number":
            account = self.regimen.account_for(identity)
            reminders = self.regimen.store.reminders_of(account.id) if account else []
            found = [(f"{r.number}. {r.text}"[:100], str(r.number)) for r in reminders]
            if command in ("pause", "resume"):
                found.append(("all", "all"))
            return [pair for pair in found if typed in pair[0].lower()][:MAX_SUGGESTIONS]
        if command == "faq" and option == "topic":
            return [(t.title, t.id) for t in self.faq.topics() if typed in t.title.lower() or typed in t.id][
                :MAX_SUGGESTIONS
            ]
        if command == "plan" and option == "plan":
            return [(t.title, t.id) for t in TEMPLATES.values() if typed in t.title.lower() or typed in t.id]
        if command == "timezone" and option == "zone":
            # Countries first: "india" means Asia/Kolkata, not the Indian/ zones of islands in the Indian Ocean.
            key = typed.replace(" ", "_")
            places = [(c, c) for c in country_names() if typed and c.lower().startswith(typed)]
            return [*places, *((z, z) for z in _zone_names() if key in z.lower())][:MAX_SUGGESTIONS]
        return []


# Words people type for a command under another name: "/tz berlin", "/remove 2", "/stats".
_OTHER_NAMES = {
    "tz": "timezone",
    "zone": "timezone",
    "time": "timezone",
    "timezones": "timezone",
    "remove": "delete",
    "rm": "delete",
    "del": "delete",
    "cancel": "delete",
    "stop": "pause",
    "unpause": "resume",
    "continue": "resume",
    "stats": "progress",
    "streak": "progress",
    "history": "progress",
    "commands": "help",
    "menu": "help",
    "ask": "faq",
    "question": "faq",
    "questions": "faq",
    "new": "remind",
    "add": "remind",
    "reminder": "remind",
    "remindme": "remind",
    "later": "snooze",
    "change": "edit",
    "plans": "plan",
    "delete_all": "forget",
}


def did_you_mean(name: str) -> str | None:
    """The command somebody most likely meant by an unknown `name` ("remnd" -> "/remind", "tz" -> "/timezone",
    "rem" -> "/remind"), or None when nothing is close. `name` is the word after the slash, without it."""
    typed = name.strip().lower().lstrip("/").split("@", 1)[0].replace("-", "_")
    if not typed:
        return None
    spec = BY_NAME.get(typed) or BY_NAME.get(_OTHER_NAMES.get(typed, ""))
    if spec is not None:
        return f"/{spec.name}"
    names = sorted(BY_NAME)
    starting = [n for n in names if n.startswith(typed)]
    if len(typed) >= 3 and starting:  # "/rem" is the start of /remind (and /reminders: the shorter one)
        return f"/{BY_NAME[min(starting, key=len)].name}"
    if len(typed) < 3:  # "/sk": too little to go on
        return None
    cutoff = 0.7 if len(typed) <= 4 else 0.6
    # Real names first, so "/strat" is /start (not /stats, another name for /progress).
    close = difflib.get_close_matches(typed, names, n=1, cutoff=cutoff) or difflib.get_close_matches(
        typed, list(_OTHER_NAMES), n=1, cutoff=max(cutoff, 0.75)
    )
    if not close:
        return None
    return f"/{(BY_NAME.get(close[0]) or BY_NAME[_OTHER_NAMES[close[0]]]).name}"
