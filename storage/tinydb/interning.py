"""Sharing equal values while loading: one object per distinct string, schedule or dict.

~900k records at 100k people repeat the same few strings (account ids, kinds, platforms, statuses,
texts) and the same few schedules; sharing them is most of what keeps the store's memory small.
Sharing a dict between records is safe because records are immutable and nothing mutates their dicts
(an update is a new record with a new dict).
"""

from __future__ import annotations

import contextlib
from typing import Any, Final

import msgspec

from storage.indexes import ACCOUNTS, HISTORY, IDENTITIES, OCCURRENCES, REMINDERS, TALLIES

Doc = dict[str, Any]
_STR_OR_NONE: Final = frozenset({str, type(None)})
_encode = msgspec.json.Encoder().encode

SHARED_FIELDS: dict[str, tuple[str, ...]] = {  # fields whose values repeat across many records
    ACCOUNTS: ("id", "timezone", "deliver_to"),
    IDENTITIES: ("account_id", "platform"),
    REMINDERS: ("id", "account_id", "kind", "origin", "text"),
    OCCURRENCES: ("account_id", "reminder_id", "text", "status"),
    HISTORY: ("account_id", "text", "status"),
    TALLIES: ("reminder_id", "account_id"),  # the ids of REMINDERS, loaded first: one string each
}


class Interned:
    """One shared object per distinct value while loading: for whole columns (share_strings, share_dicts)
    and for one document at a time (fix: journal lines, older snapshots)."""

    __slots__ = ("dicts", "schedules", "strings")

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.dicts: dict[bytes, Any] = {}  # by JSON text, see share_dicts
        self.schedules: dict[tuple[Any, ...], dict[str, Any]] = {}  # by schedule_key

    def fix(self, table: str, doc: Doc) -> Doc:
        """The document with its repeating values replaced by the shared ones."""
        setdefault = self.strings.setdefault
        for name in SHARED_FIELDS.get(table, ()):
            value = doc.get(name)
            if value.__class__ is str:
                doc[name] = setdefault(value, value)
        if table == REMINDERS:
            schedule = doc.get("schedule")
            if schedule.__class__ is dict:
                key = schedule_key(schedule)
                if key is not None:
                    doc["schedule"] = self.schedules.setdefault(key, schedule)
        return doc


def schedule_key(schedule: dict[str, Any]) -> tuple[Any, ...] | None:
    """A hashable stand-in for the dict's contents, or None (then it is not shared).

    Types are part of the key: 1, 1.0 and True are equal as dict keys but must not be swapped.
    """
    key: tuple[Any, ...] | None = None
    if len(schedule) == 6:  # what bot.timing.recurrence.schedule_to_dict writes: the quick way
        with contextlib.suppress(KeyError, TypeError):
            every = schedule["every"]
            key = (
                schedule["kind"],
                schedule["at"],
                tuple(schedule["weekdays"]),
                every,
                every.__class__,
                schedule["anchor"],
                schedule["once_utc"],
            )
            hash(key)
            return key
    try:
        key = tuple((k, v.__class__, tuple(v) if v.__class__ is list else v) for k, v in schedule.items())
        hash(key)
    except TypeError:  # something unhashable inside (a nested dict, a list of lists)
        return None
    return key


def share_strings(column: list[Any], interned: Interned) -> list[Any]:
    """One object per distinct string (other values, e.g. 1 and True, equal as keys: left alone)."""
    if set(map(type, column)) <= _STR_OR_NONE:
        return list(map(interned.strings.setdefault, column, column))
    return column


def share_dicts(column: list[Any], interned: Interned) -> list[Any]:
    """One shared dict per distinct value (records are immutable and nothing mutates these dicts).

    The key is the dict's JSON text: it tells 1, 1.0 and true apart, and there is no NaN (which it
    would write as null) in what msgspec decoded. Values that are not dicts are left as they are.
    """
    if set(map(type, column)) != {dict}:
        return column
    try:
        keys = list(map(_encode, column))
    except (msgspec.EncodeError, TypeError, ValueError):
        return column
    return list(map(interned.dicts.setdefault, keys, column))
