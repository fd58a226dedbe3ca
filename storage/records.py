"""The records the core keeps. Immutable: an update is a new record (dataclasses.replace).

Immutability is what lets the durable store snapshot its state in a background thread without
copying every record. Timestamps are UTC epoch seconds (floats), never naive datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, NamedTuple, TypeVar

# Occurrence statuses. Open ones still wait for delivery or for an answer.
SENDING = "sending"  # claimed; the send is in flight (at most once: never re-sent after a crash)
RETRY = "retry"  # delivery failed for a passing reason; fires again at fire_at
SENT = "sent"  # delivered; waits for Done / Skip / Snooze
SNOOZED = "snoozed"  # fires again at fire_at
HELD = "held"  # inside quiet hours; fires when they end
NUDGE = "nudge"  # delivered, unanswered; shown once more at fire_at if the reminder asks for nudges
OPEN_STATUSES = frozenset({SENDING, RETRY, SENT, SNOOZED, HELD, NUDGE})
# Resolved ones are history.
DONE = "done"
SKIPPED = "skipped"
MISSED = "missed"  # never answered, or fell due while the bot was down for longer than the grace period
UNDELIVERABLE = "undeliverable"  # the person blocked the bot or closed their DMs
UNCONFIRMED = "unconfirmed"  # the bot stopped while sending: maybe delivered, never sent twice
CANCELLED = "cancelled"  # the reminder was deleted while this occurrence was open
PAUSED = "paused"  # fell in a pause the person chose (e.g. no exfoliating around a chemical peel)
RESOLVED_STATUSES = frozenset({DONE, SKIPPED, MISSED, UNDELIVERABLE, UNCONFIRMED, CANCELLED, PAUSED})
# Statuses whose fire_at puts them in the due index.
SCHEDULED_STATUSES = frozenset({RETRY, SNOOZED, HELD, NUDGE})


@dataclass(frozen=True, slots=True)
class Account:
    """One person's regimen, shared by all their linked platform identities."""

    id: str
    timezone: str
    created_at: float
    next_number: int = 1
    quiet_hours: str | None = None  # "22:00-07:00" in the account's zone
    deliver_to: str = "origin"  # "origin" (where the reminder was made), a platform name, or "both"


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    """A platform identity and where its private messages go."""

    key: str  # "telegram:12345"
    account_id: str
    platform: str
    user_id: str
    chat_id: str  # the private chat reminders are delivered to
    created_at: float
    unreachable_since: float | None = None  # blocked the bot / closed DMs


@dataclass(frozen=True, slots=True)
class Reminder:
    id: str
    account_id: str
    number: int  # short, per account, stable: what people type in /done 2
    text: str
    kind: str  # "exfoliation", "cream", "checkin", "custom"
    schedule: dict[str, Any]  # bot.timing.recurrence.schedule_to_dict
    origin: str  # platform it was created on
    created_at: float
    next_due: float | None  # None when a one-off has fired
    paused: bool = False
    pause_reason: str | None = None
    nudge_minutes: int = 0  # show an unanswered reminder again after this long (0: never)
    nudge_max: int = 0  # at most this many times (at most 2)
    unanswered: int = 0  # occurrences in a row that got no answer: many means "stop spamming"
    series: dict[str, Any] | None = None  # a treatment series' plan (bot.series); None for plain reminders
    wall_clock: bool = False  # a one-off given as a day or clock time, not "in 2h": a new zone keeps its clock time


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where one occurrence was shown, so an answer on one platform can update the others."""

    platform: str
    chat_id: str
    message_ref: str | None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One due instance of a reminder, with its outcome."""

    id: str  # f"{reminder_id}@{int(due)}": the same occurrence can never be created twice
    account_id: str
    reminder_id: str
    number: int
    text: str
    due: float  # the scheduled instant
    fire_at: float  # when it is (next) to be shown: due, a snooze, a retry, the end of quiet hours
    status: str
    updated_at: float
    late: bool = False
    deliveries: tuple[Delivery, ...] = ()
    attempts: int = 0
    nudges: int = 0
    # When this round of delivery was meant to be shown (the end of a snooze or of quiet hours); 0: at `due`.
    # Retries stop a grace period after it, so a long snooze plus a network blip is not recorded as missed.
    round_at: float = 0.0
    # Addresses this round was shown on some platforms but still owes (one "platform chat_id" a line): a flood
    # wait or an outage on one of them. A retry goes to these only. A plain string, so every store and loader
    # keeps it as it keeps the other scalar fields, in the same row and the same transaction.
    owed: str = ""

    @property
    def owed_to(self) -> frozenset[tuple[str, str]]:
        """The (platform, chat_id) pairs of `owed`."""
        pairs = (line.partition(" ") for line in self.owed.splitlines())
        return frozenset((platform, chat) for platform, _, chat in pairs if chat)

    @property
    def round_start(self) -> float:
        return max(self.due, self.round_at)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def owed_lines(addresses: Iterable[tuple[str, str]]) -> str:
    """`Occurrence.owed` for these (platform, chat_id) pairs."""
    return "\n".join(f"{platform} {chat}" for platform, chat in sorted(set(addresses)))


@dataclass(frozen=True, slots=True)
class Tally:
    """A running summary of one reminder's outcomes (storage.tally), so /progress never reads its history.

    `recent` packs the counted outcomes of the last weeks into one string (compact, and a string is not
    tracked by the garbage collector): see storage.tally.
    """

    reminder_id: str
    account_id: str
    through: float  # due time of the newest resolved outcome (any status) folded in; 0: none yet
    current: int  # streak: done in a row
    best: int
    recent: str = ""
    last: str = ""  # the status of the outcome at `through`, whatever it is; "": not known (an older tally)


@dataclass(frozen=True, slots=True)
class Feedback:
    """How often one treatment-guide entry was found helpful or not: counts only, nobody's identity."""

    entry_id: str
    up: int = 0
    down: int = 0


class Outcome(NamedTuple):
    """What progress needs of an occurrence: cheap to build for a year of history."""

    reminder_id: str
    due: float
    status: str


def occurrence_id(reminder_id: str, due: float) -> str:
    return f"{reminder_id}@{int(due)}"


def occurrence_of(
    reminder: Reminder,
    due: float,
    status: str,
    *,
    at: float,
    fire_at: float | None = None,
    text: str | None = None,
    **more: Any,
) -> Occurrence:
    """The one way to build an occurrence of `reminder` at `due` (its id is the claim key); `at` is when it was
    recorded, `fire_at` when it is (next) to be shown (default: due), `more` any other field (late, deliveries)."""
    return Occurrence(
        id=occurrence_id(reminder.id, due),
        account_id=reminder.account_id,
        reminder_id=reminder.id,
        number=reminder.number,
        text=reminder.text if text is None else text,
        due=due,
        fire_at=due if fire_at is None else fire_at,
        status=status,
        updated_at=at,
        **more,
    )


Record = Account | IdentityRecord | Reminder | Occurrence | Tally | Feedback
R = TypeVar("R", Account, IdentityRecord, Reminder, Occurrence, Tally, Feedback)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # looked up once per class: fields() builds a new tuple each call


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


_FIELD_SETS: dict[type, frozenset[str]] = {}


def _field_set(cls: type) -> frozenset[str]:
    names = _FIELD_SETS.get(cls)
    if names is None:
        names = _FIELD_SETS[cls] = frozenset(_field_names(cls))
    return names


def to_doc(record: Record) -> dict[str, Any]:
    """A JSON-ready dict of the record's fields (used by the journal, the TinyDB files and PostgreSQL)."""
    doc: dict[str, Any] = {}
    for name in _field_names(type(record)):
        value = getattr(record, name)
        if name == "deliveries":
            value = [[d.platform, d.chat_id, d.message_ref] for d in value]
        doc[name] = value
    return doc


def from_doc(cls: type[R], doc: dict[str, Any]) -> R:
    """Build a record from a stored dict; unknown keys are ignored, missing ones take defaults."""
    names = _field_set(cls)
    kwargs = {k: v for k, v in doc.items() if k in names}
    if cls is Occurrence and "deliveries" in kwargs:
        kwargs["deliveries"] = tuple(Delivery(*item) for item in kwargs["deliveries"])
    return cls(**kwargs)
