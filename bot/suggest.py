"""Autocomplete suggestions for platforms that offer them (Discord's slash-command options).

Suggestions are (label, value) pairs; they only ever show the asking person's own reminders.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from bot.faq import FaqIndex
from bot.models import Identity
from bot.plans import TEMPLATES
from bot.regimen import Regimen

MAX_SUGGESTIONS = 25
_NUMBER_COMMANDS = frozenset(
    {"done", "skip", "snooze", "edit", "rename", "pause", "resume", "delete", "nudge", "reschedule"}
)


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")))


class Suggester:
    def __init__(self, regimen: Regimen, faq: FaqIndex) -> None:
        self.regimen = regimen
        self.faq = faq

    async def __call__(self, identity: Identity, command: str, option: str, current: str) -> list[tuple[str, str]]:
        return self.suggest(identity, command, option, current)

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
            key = typed.replace(" ", "_")
            return [(z, z) for z in _zone_names() if key in z.lower()][:MAX_SUGGESTIONS]
        return []
