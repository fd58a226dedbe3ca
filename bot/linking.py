"""One person, two platforms: one-time link codes and joining identities into one account.

Codes are random (secrets), 8 characters from an alphabet without look-alikes, single use, valid for
10 minutes, compared in constant time, and redeemable only on another platform than the one that asked.
Asking for a code is the issuer's consent; entering one only holds it for that identity, and nothing is joined
until the same identity confirms within 5 minutes. After 5 wrong codes in a row an identity may not try again
for 15 minutes.

Codes, held links and failure counts live in the store's shared state, each with its expiry, so a code asked for
on Telegram can be entered on Discord even when another process serves Discord: on PostgreSQL every peer sees
them, and exactly one redeemer takes a code (Store.shared_take). The one-process stores keep them in memory: a
restart simply means asking for a new code.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, replace
from typing import Any

from storage.base import Store
from storage.records import Account, Occurrence, Reminder

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 8
CODE_TTL = 600.0
MAX_FAILURES = 5
LOCKOUT = 900.0
FAILURE_MEMORY = LOCKOUT  # wrong codes further apart than this no longer count as "in a row"
MAX_TRACKED = 10_000  # identities with recent wrong codes kept per process; beyond it the oldest are forgotten
CONFIRM_TTL = 300.0
HELD_ID_LENGTH = 6
SWEEP_EVERY = 60.0  # how often issuing a code also clears expired held links and failure counts from the store

# Kinds of shared state (Store.shared_*).
CODES = "link-code"  # key: the code; the live ones are few (10 minutes each), so redeeming lists them all
HELD = "link-held"  # key: the redeemer's identity
FAILURES = "link-fail"  # key: the identity that typed wrong codes


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

    @property
    def expires_at(self) -> float:
        return max(self.locked_until, self.last + FAILURE_MEMORY)


def _pending(doc: dict[str, Any]) -> PendingCode:
    return PendingCode(
        str(doc["code"]), str(doc["account_id"]), str(doc["identity_key"]), str(doc["platform"]), doc["expires_at"]
    )


def _held(doc: dict[str, Any]) -> HeldLink:
    return HeldLink(str(doc["id"]), _pending(doc["pending"]), str(doc["identity_key"]), doc["expires_at"])


class LinkCodes:
    """Link codes on the store's shared state. The lock keeps one process's read-modify-write of a failure count
    whole; across processes two wrong codes typed at the same instant may count once (see _fail)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        # The identities this process counted wrong codes for, by latest failure (an update moves the entry to
        # the end), with when that count ends: the bound on what one process adds to the store.
        self._counted: OrderedDict[str, float] = OrderedDict()
        self._swept = float("-inf")
        self._latest = 0.0  # the latest time given to any method (tracked_failures reads the store as of then)

    def issue(self, account_id: str, identity_key: str, platform: str, now: float) -> PendingCode:
        with self._lock:
            self._seen(now)
            self._sweep(now)
            # One live code per identity: asking again replaces the old one.
            for code, doc in self._store.shared_list(CODES, now):
                if doc["identity_key"] == identity_key:
                    self._store.shared_take(CODES, code, now)
            pending = PendingCode(
                code="".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)),
                account_id=account_id,
                identity_key=identity_key,
                platform=platform,
                expires_at=now + CODE_TTL,
            )
            self._store.shared_put(
                CODES, pending.code, asdict(pending), account_id=account_id, expires_at=pending.expires_at
            )
            return pending

    def redeem(self, typed: str, identity_key: str, platform: str, now: float) -> PendingCode:
        """The pending code matching `typed`, consumed; LinkError otherwise (and the failure counted)."""
        with self._lock:
            self._seen(now)
            self._check_lockout(identity_key, now)
            candidate = "".join(typed.split()).upper().replace("-", "")
            match: PendingCode | None = None
            for _, doc in self._store.shared_list(CODES, now):  # compare against every live code, in constant time each
                pending = _pending(doc)
                if hmac.compare_digest(pending.code.encode(), candidate.encode()[:64]):
                    match = pending
            if match is None:
                raise LinkError(self._fail(identity_key, now))
            if match.platform == platform:
                raise LinkError(
                    "That code has to be entered on your other platform: it links two different apps "
                    "(for example, ask on Telegram, enter it on Discord)."
                )
            if self._store.shared_take(CODES, match.code, now) is None:  # another process's redeemer was first
                raise LinkError(self._fail(identity_key, now))
            self._forget_failures(identity_key, now)
            return match

    def hold(self, pending: PendingCode, identity_key: str, now: float) -> HeldLink:
        """Keep a redeemed code for `identity_key` to confirm; a newer one replaces the older question."""
        with self._lock:
            self._seen(now)
            held = HeldLink(
                id="".join(secrets.choice(ALPHABET) for _ in range(HELD_ID_LENGTH)),
                pending=pending,
                identity_key=identity_key,
                expires_at=now + CONFIRM_TTL,
            )
            # Not tied to the issuer's account: if it is deleted meanwhile, the Yes must say so (see handlers.link).
            self._store.shared_put(HELD, identity_key, asdict(held), expires_at=held.expires_at)
            return held

    def take(self, identity_key: str, held_id: str, now: float) -> HeldLink:
        """The link `identity_key` was asked about (the question `held_id`, or the latest when empty), consumed."""
        with self._lock:
            self._seen(now)
            doc = self._store.shared_get(HELD, identity_key, now)
            # held_id empty: the latest question; another id (an older question's button): this one stays.
            if doc is not None and (
                not held_id or hmac.compare_digest(str(doc["id"]).encode(), held_id.upper().encode())
            ):
                taken = self._store.shared_take(HELD, identity_key, now)
                if taken is not None and taken["id"] == doc["id"]:
                    return _held(taken)
                if taken is not None:  # a newer question came in between: it stays for its own answer
                    self._store.shared_put(HELD, identity_key, taken, expires_at=taken["expires_at"])
            raise LinkError(
                "There's no link waiting for your answer (it may have expired after 5 minutes). "
                "Ask for a new code with /link on your other platform, then send /link CODE here."
            )

    def drop(self, identity_key: str) -> None:
        with self._lock:
            self._store.shared_take(HELD, identity_key, self._latest)

    def tracked_failures(self) -> int:
        """Identities with a failure count or lockout in the store, as of the latest time this object was given."""
        with self._lock:
            return len(self._store.shared_list(FAILURES, self._latest))

    def _seen(self, now: float) -> None:
        self._latest = max(self._latest, now)

    def _fail(self, identity_key: str, now: float) -> str:
        # Read, count, write: whole within this process (the lock). An identity's messages normally reach the one
        # peer holding its platform's receiving lease; only wrong codes typed at the same instant on two peers
        # (webhooks behind a load balancer) can count once, which delays a lockout by a try, no more.
        doc = self._store.shared_get(FAILURES, identity_key, now)
        previous = _Failures(**doc) if doc is not None else None
        count = (previous.count if previous else 0) + 1
        if count >= MAX_FAILURES:
            self._remember(identity_key, _Failures(0, now + LOCKOUT, now), now)
            return "That code didn't work, 5 times in a row. For your safety, /link is paused for 15 minutes."
        self._remember(identity_key, _Failures(count, 0.0, now), now)
        return (
            "That code didn't work: it may be mistyped, used already or older than 10 minutes. "
            "Ask for a new one with /link on your other platform, then send /link CODE here."
        )

    def _remember(self, identity_key: str, failures: _Failures, now: float) -> None:
        self._store.shared_put(FAILURES, identity_key, asdict(failures), expires_at=failures.expires_at)
        self._counted.pop(identity_key, None)
        self._counted[identity_key] = failures.expires_at
        while len(self._counted) > MAX_TRACKED:
            oldest, _ = self._counted.popitem(last=False)
            self._store.shared_take(FAILURES, oldest, now)

    def _forget_failures(self, identity_key: str, now: float) -> None:
        self._counted.pop(identity_key, None)
        self._store.shared_take(FAILURES, identity_key, now)

    def _check_lockout(self, identity_key: str, now: float) -> None:
        doc = self._store.shared_get(FAILURES, identity_key, now)
        failures = _Failures(**doc) if doc is not None else None
        if failures is not None and failures.locked_until > now:
            minutes = max(1, round((failures.locked_until - now) / 60))
            raise LinkError(f"Too many wrong codes. For your safety, /link is paused; try again in {minutes} min.")

    def _sweep(self, now: float) -> None:
        """Clear what has expired: listing a kind deletes its expired entries (the codes are listed anyway)."""
        if now - self._swept < SWEEP_EVERY:
            return
        self._swept = now
        self._store.shared_list(HELD, now)
        self._store.shared_list(FAILURES, now)
        while self._counted and next(iter(self._counted.values())) <= now:  # by latest failure; each lasts 15 min
            self._counted.popitem(last=False)


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
