"""One person, two platforms: one-time link codes and joining identities into one account.

Codes are random (secrets), 8 characters from an alphabet without look-alikes, single use, valid for
10 minutes, compared in constant time, and redeemable only on another platform than the one that asked.
Asking for a code is the issuer's consent; entering one only holds it for that identity, and nothing is joined
until the same identity confirms within 5 minutes. After 5 wrong codes in a row an identity may not try again
for 15 minutes. Codes, held links and failure counts live in memory only, each dropped when it expires (failure
counts also when too many are tracked): a restart simply means asking for a new code.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

from storage.base import Store
from storage.records import Account, Occurrence, Reminder

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 8
CODE_TTL = 600.0
MAX_FAILURES = 5
LOCKOUT = 900.0
FAILURE_MEMORY = LOCKOUT  # wrong codes further apart than this no longer count as "in a row"
MAX_TRACKED = 10_000  # identities with recent wrong codes kept; beyond it the oldest are forgotten first
CONFIRM_TTL = 300.0
HELD_ID_LENGTH = 6


class LinkError(ValueError):
    """A friendly message: what went wrong and what to do."""


@dataclass(frozen=True, slots=True)
class PendingCode:
    code: str
    account_id: str
    identity_key: str
    platform: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class HeldLink:
    """A redeemed code waiting for its redeemer's Yes; `id` tells one question from an earlier one."""

    id: str
    pending: PendingCode
    identity_key: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class _Failures:
    count: int
    locked_until: float
    last: float  # time of the latest wrong code


class LinkCodes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: list[PendingCode] = []
        self._held: dict[str, HeldLink] = {}  # redeemer's identity key -> the link waiting for their answer
        # Ordered by latest failure (an update moves the entry to the end), so expired ones are at the front.
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

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
            self._expire(now)
            self._check_lockout(identity_key, now)
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

    def hold(self, pending: PendingCode, identity_key: str, now: float) -> HeldLink:
        """Keep a redeemed code for `identity_key` to confirm; a newer one replaces the older question."""
        with self._lock:
            self._expire(now)
            held = HeldLink(
                id="".join(secrets.choice(ALPHABET) for _ in range(HELD_ID_LENGTH)),
                pending=pending,
                identity_key=identity_key,
                expires_at=now + CONFIRM_TTL,
            )
            self._held[identity_key] = held
            return held

    def take(self, identity_key: str, held_id: str, now: float) -> HeldLink:
        """The link `identity_key` was asked about (the question `held_id`, or the latest when empty), consumed."""
        with self._lock:
            self._expire(now)
            held = self._held.get(identity_key)
            if held is None or (held_id and not hmac.compare_digest(held.id.encode(), held_id.upper().encode())):
                raise LinkError(
                    "There's no link waiting for your answer (it may have expired after 5 minutes). "
                    "Ask for a new code with /link on your other platform, then send /link CODE here."
                )
            del self._held[identity_key]
            return held

    def drop(self, identity_key: str) -> None:
        with self._lock:
            self._held.pop(identity_key, None)

    def tracked_failures(self) -> int:
        with self._lock:
            return len(self._failures)

    def _fail(self, identity_key: str, now: float) -> str:
        previous = self._failures.pop(identity_key, None)  # re-inserted below, at the end
        count = (previous.count if previous else 0) + 1
        if count >= MAX_FAILURES:
            self._remember(identity_key, _Failures(0, now + LOCKOUT, now))
            return "That code didn't work, 5 times in a row. For your safety, /link is paused for 15 minutes."
        self._remember(identity_key, _Failures(count, 0.0, now))
        return (
            "That code didn't work: it may be mistyped, used already or older than 10 minutes. "
            "Ask for a new one with /link on your other platform, then send /link CODE here."
        )

    def _remember(self, identity_key: str, failures: _Failures) -> None:
        self._failures[identity_key] = failures
        while len(self._failures) > MAX_TRACKED:
            self._failures.popitem(last=False)

    def _check_lockout(self, identity_key: str, now: float) -> None:
        failures = self._failures.get(identity_key)
        if failures is not None and failures.locked_until > now:
            minutes = max(1, round((failures.locked_until - now) / 60))
            raise LinkError(f"Too many wrong codes. For your safety, /link is paused; try again in {minutes} min.")

    def _expire(self, now: float) -> None:
        self._codes = [c for c in self._codes if c.expires_at > now]
        self._held = {k: h for k, h in self._held.items() if h.expires_at > now}
        while self._failures:  # oldest first; stops at the first still in force
            key, oldest = next(iter(self._failures.items()))
            if max(oldest.locked_until, oldest.last + FAILURE_MEMORY) > now:
                break
            del self._failures[key]


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
