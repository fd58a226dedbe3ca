"""One person, two platforms: one-time link codes and joining identities into one account.

Codes are random (secrets), 8 characters from an alphabet without look-alikes, single use, valid for
10 minutes, compared in constant time, and redeemable only on another platform than the one that asked.
After 5 wrong codes an identity may not try again for 15 minutes. Codes live in memory only: a restart
simply means asking for a new one.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, replace

from storage.base import Store
from storage.records import Account, Occurrence, Reminder

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 8
CODE_TTL = 600.0
MAX_FAILURES = 5
LOCKOUT = 900.0


class LinkError(ValueError):
    """A friendly message: what went wrong and what to do."""


@dataclass(frozen=True, slots=True)
class PendingCode:
    code: str
    account_id: str
    identity_key: str
    platform: str
    expires_at: float


class LinkCodes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: list[PendingCode] = []
        self._failures: dict[str, tuple[int, float]] = {}  # identity key -> (count, locked until)

    def issue(self, account_id: str, identity_key: str, platform: str, now: float) -> PendingCode:
        with self._lock:
            self._expire(now)
            # One live code per identity: asking again replaces the old one.
            self._codes = [c for c in self._codes if c.identity_key != identity_key]
            pending = PendingCode(
                code="".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)),
                account_id=account_id,
                identity_key=identity_key,
                platform=platform,
                expires_at=now + CODE_TTL,
            )
            self._codes.append(pending)
            return pending

    def redeem(self, typed: str, identity_key: str, platform: str, now: float) -> PendingCode:
        """The pending code matching `typed`, consumed; LinkError otherwise (and the failure counted)."""
        with self._lock:
            self._check_lockout(identity_key, now)
            self._expire(now)
            candidate = "".join(typed.split()).upper().replace("-", "")
            match: PendingCode | None = None
            for pending in self._codes:  # compare against every live code, in constant time each
                if hmac.compare_digest(pending.code.encode(), candidate.encode()[:64]):
                    match = pending
            if match is None:
                raise LinkError(self._fail(identity_key, now))
            if match.platform == platform:
                raise LinkError(
                    "That code has to be entered on your other platform: it links two different apps "
                    "(for example, ask on Telegram, enter it on Discord)."
                )
            self._codes.remove(match)
            self._failures.pop(identity_key, None)
            return match

    def _fail(self, identity_key: str, now: float) -> str:
        count, _ = self._failures.get(identity_key, (0, 0.0))
        count += 1
        if count >= MAX_FAILURES:
            self._failures[identity_key] = (0, now + LOCKOUT)
            return "That code didn't work, 5 times in a row. For your safety, /link is paused for 15 minutes."
        self._failures[identity_key] = (count, 0.0)
        return (
            "That code didn't work: it may be mistyped, used already or older than 10 minutes. "
            "Ask for a new one with /link on your other platform, then send /link CODE here."
        )

    def _check_lockout(self, identity_key: str, now: float) -> None:
        _, locked_until = self._failures.get(identity_key, (0, 0.0))
        if locked_until > now:
            minutes = max(1, round((locked_until - now) / 60))
            raise LinkError(f"Too many wrong codes. For your safety, /link is paused; try again in {minutes} min.")

    def _expire(self, now: float) -> None:
        self._codes = [c for c in self._codes if c.expires_at > now]


def merge_accounts(store: Store, keep: Account, absorb: Account) -> dict[int, int]:
    """Move everything of `absorb` into `keep`; returns old -> new reminder numbers of the moved ones.

    Reminder numbers stay stable and unique within the kept account: its own keep theirs, the moved ones
    get the next free numbers. Occurrences keep their ids (they name the reminder, not the account).
    """
    renumbered: dict[int, int] = {}
    new_numbers: dict[str, int] = {}  # reminder id -> its number in the kept account
    with store.atomic():
        reminders = store.reminders_of(absorb.id)
        open_ = store.open_occurrences_of(absorb.id)
        history = store.history_of(absorb.id)
        identities = store.identities_of(absorb.id)
        tallies = [t for t in (store.get_tally(r.id) for r in reminders) if t is not None]
        keep = store.get_account(keep.id) or keep
        number = keep.next_number
        moved: list[Reminder] = []
        for reminder in reminders:
            renumbered[reminder.number] = number
            new_numbers[reminder.id] = number
            moved.append(replace(reminder, account_id=keep.id, number=number))
            number += 1
        store.delete_account(absorb.id)  # first: records keep their ids and move under the kept account
        store.put_account(replace(keep, next_number=number))
        for reminder in moved:
            store.put_reminder(reminder)
        for occurrence in [*open_, *history]:
            store.put_occurrence(_moved(occurrence, keep.id, new_numbers))
        for tally in tallies:  # after the history, which they already count
            store.put_tally(replace(tally, account_id=keep.id))
        for identity in identities:
            store.put_identity(replace(identity, account_id=keep.id))
    return renumbered


def _moved(occurrence: Occurrence, account_id: str, new_numbers: dict[str, int]) -> Occurrence:
    number = new_numbers.get(occurrence.reminder_id, occurrence.number)
    return replace(occurrence, account_id=account_id, number=number)
