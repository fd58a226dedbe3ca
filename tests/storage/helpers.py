"""Record factories and a whole-state snapshot for comparing stores."""

from __future__ import annotations

from typing import Any

from storage.base import Store
from storage.records import (
    SENT,
    Account,
    Delivery,
    IdentityRecord,
    Occurrence,
    Reminder,
    occurrence_of,
    to_doc,
)

T0 = 1_790_000_000.0  # 2026-09-21, UTC epoch seconds

SCHEDULE: dict[str, Any] = {
    "kind": "daily",
    "at": "21:00",
    "weekdays": [],
    "every": 1,
    "anchor": None,
    "once_utc": None,
}


def account(account_id: str = "acct1", **changes: Any) -> Account:
    fields: dict[str, Any] = {"id": account_id, "timezone": "Europe/Berlin", "created_at": T0}
    fields.update(changes)
    return Account(**fields)


def identity(account_id: str = "acct1", user: str = "100", platform: str = "telegram") -> IdentityRecord:
    return IdentityRecord(
        key=f"{platform}:{user}",
        account_id=account_id,
        platform=platform,
        user_id=user,
        chat_id=user,
        created_at=T0,
    )


def reminder(
    account_id: str = "acct1",
    number: int = 1,
    next_due: float | None = T0 + 3600,
    paused: bool = False,
    rid: str | None = None,
    text: str = "Exfoliate your back",
) -> Reminder:
    return Reminder(
        id=rid or f"{account_id}-r{number}",
        account_id=account_id,
        number=number,
        text=text,
        kind="exfoliation",
        schedule=dict(SCHEDULE),
        origin="telegram",
        created_at=T0,
        next_due=next_due,
        paused=paused,
    )


def occurrence(
    rem: Reminder,
    due: float = T0,
    status: str = SENT,
    fire_at: float | None = None,
    deliveries: tuple[Delivery, ...] = (),
) -> Occurrence:
    return occurrence_of(rem, due, status, at=due, fire_at=fire_at, deliveries=deliveries)


def state_of(store: Store, account_ids: list[str], until: float = T0 + 10**8) -> dict[str, Any]:
    """Everything the contract lets a caller observe about these accounts, as plain data."""
    out: dict[str, Any] = {}
    for aid in account_ids:
        acct = store.get_account(aid)
        out[aid] = {
            "account": None if acct is None else to_doc(acct),
            "identities": [to_doc(i) for i in store.identities_of(aid)],
            "reminders": [to_doc(r) for r in store.reminders_of(aid)],
            "open": [to_doc(o) for o in store.open_occurrences_of(aid)],
            "history": [to_doc(o) for o in store.history_of(aid)],
            "tallies": [to_doc(t) for t in map(store.get_tally, [r.id for r in store.reminders_of(aid)]) if t],
        }
    out["next_due_at"] = store.next_due_at()
    out["due"] = [
        (d.at, None if d.reminder is None else d.reminder.id, None if d.occurrence is None else d.occurrence.id)
        for d in store.due_items(until, 10_000)
    ]
    return out
