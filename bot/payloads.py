"""Button payloads: short ASCII strings the core hands out and gets back when a button is pressed.

Payloads come back from the outside world, so they are parsed strictly and treated as untrusted:
the core re-checks that whatever they name belongs to the person who pressed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Occurrence actions.
DONE = "d"
SKIP = "k"
SNOOZE_15M = "s15"
SNOOZE_1H = "s60"
SNOOZE_EVENING = "sev"
SNOOZE_MORNING = "smo"
OCCURRENCE_ACTIONS = frozenset({DONE, SKIP, SNOOZE_15M, SNOOZE_1H, SNOOZE_EVENING, SNOOZE_MORNING})

_SAFE = re.compile(r"[A-Za-z0-9_@.,:+~/\-]{1,64}")


@dataclass(frozen=True, slots=True)
class Payload:
    kind: str  # "o" occurrence, "faq", "plan", "forget", "cmd"
    args: tuple[str, ...]


def occurrence(action: str, occurrence_id: str) -> str:
    return f"o:{action}:{occurrence_id}"


def faq(topic_id: str) -> str:
    return f"faq:{topic_id}"


def plan(template_id: str, *args: str) -> str:
    return ":".join(("plan", template_id, *args))


def command(text: str) -> str:
    """A button that runs a typed command, e.g. cmd:/series~end~4 (spaces become '~', which no command uses;
    '+' stays itself, as in /timezone UTC+02:00)."""
    return "cmd:" + text.replace(" ", "~")


def parse(raw: str) -> Payload | None:
    """None for anything malformed (forged, truncated, from an old version)."""
    if not _SAFE.fullmatch(raw):
        return None
    kind, _, rest = raw.partition(":")
    if kind == "o":
        action, _, occurrence_id = rest.partition(":")
        if action in OCCURRENCE_ACTIONS and "@" in occurrence_id:
            return Payload("o", (action, occurrence_id))
        return None
    if kind in ("faq", "plan") and rest:
        return Payload(kind, tuple(rest.split(":")))
    if kind == "forget" and rest in ("yes", "no"):
        return Payload("forget", (rest,))
    if kind == "cmd" and rest.startswith("/"):
        return Payload("cmd", (rest.replace("~", " "),))
    return None
