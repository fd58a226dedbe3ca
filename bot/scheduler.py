"""Delivers what is due: claims each occurrence in storage before sending it, so nothing goes twice.

The store is the source of truth for due times; this module only reads them. Each due reminder is
turned into an occurrence in the same transaction that moves the reminder on (the claim). The claim
is written as SENDING before the send, and SENT (with where it went) after; an occurrence found
SENDING at start-up was interrupted mid-send and is recorded UNCONFIRMED, never sent again.

Across processes on one database (PostgreSQL): each claim holds what it claims with `store.lock_due` (another
dispatcher skips it), and what a send did is committed on the occurrence as it is stored then, under its row
lock, so an answer given meanwhile through another process is never overwritten. Every store call runs through
`offload` (worker threads when the store is remote); sends and edits stay on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, NamedTuple, TypeVar

from bot import claim_rules as rules
from bot.delivery import DeliveryError, DeliveryUncertain, RecipientUnreachable, RetryLater
from bot.hub import Hub
from bot.models import Address, Reply
from bot.offload import Offload
from bot.regimen import Regimen
from bot.render import (
    FOLLOW_UP,
    HELD_BACK,
    LATE,
    NO_ANSWERS_REASON,
    NUDGED,
    PUT_ASIDE_REASON,
    SNOOZED_AGAIN,
    auto_pause_notice,
    interrupted_notice,
    missed_summary,
    outcome_message,
    put_aside_notice,
    reminder_message,
    session_notice,
)
from bot.telemetry import NULL_TELEMETRY, Telemetry, failure_reason
from bot.timing.recurrence import is_last, schedule_from_dict
from storage.base import DueItem, StorageError, StorageUnavailable
from storage.records import (
    CANCELLED,
    HELD,
    MISSED,
    NUDGE,
    PAUSED,
    RETRY,
    SENDING,
    SENT,
    SNOOZED,
    UNCONFIRMED,
    UNDELIVERABLE,
    Account,
    Delivery,
    Occurrence,
    Reminder,
    owed_lines,
)

log = logging.getLogger(__name__)

# Waits between attempts while a platform is unreachable; the last one repeats until the grace period ends
# (then the occurrence is recorded missed and the person gets the usual summary).
BACKOFF = (30.0, 120.0, 600.0, 1800.0, 3600.0)
MAX_NUDGES = 2
_REASONS = {HELD: HELD_BACK, NUDGE: NUDGED, SNOOZED: SNOOZED_AGAIN}
# Claimed but not yet sent: what a crash leaves UNCONFIRMED (maybe delivered, never re-sent, the person told).
# A batch is claimed in one commit; the next is claimed once at most half of the last is still waiting to go,
# so sending never pauses for a claim and no more than 1.5 batches wait at once: about 2.5 s of Telegram's
# 30 messages a second, 1.5 s of Discord's 50 (a batch of 200 left up to 7 s of them UNCONFIRMED).
CLAIM_BATCH = 50
UNTOLD_DAYS = 30  # a note nobody came back for in a month is dropped (/reminders still says why one is paused)
# When every due item was held by another dispatcher: look again after this long instead of spinning on them.
CONTENDED_SECONDS = 0.05
_T = TypeVar("_T")


class Scheduler:
    def __init__(
        self,
        regimen: Regimen,
        hub: Hub,
        grace: timedelta = timedelta(hours=12),
        batch: int = CLAIM_BATCH,
        concurrency: int = 32,  # sends waiting in the adapters' pacing: about 1 s of Telegram's, 0.6 s of Discord's
        offload: Offload | None = None,
    ) -> None:
        self.regimen = regimen
        self.store = regimen.store
        self.offload = offload or Offload()  # inline unless the App's store is remote
        self.hub = hub
        self.grace = grace.total_seconds()
        self.batch = batch
        self._sending = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self.delivered = 0
        self.recovered = False  # start-up recovery done (retried by the run loop until it is)
        # Outcomes of sends whose commit failed (a full disk): what really happened, committed on a later pass.
        self._unrecorded: dict[str, _Attempt] = {}
        # Notes that could not be delivered (a reminder put aside, a summary while the platform was down) are kept
        # in the store's shared state, so whichever process gets the person's next message tells them.
        self._untold_seq = itertools.count()
        # Items that failed to claim and could not even be paused: skipped for the rest of the run.
        self._unclaimable: set[str] = set()
        self._contended = False  # the last pass found every due item held by another dispatcher
        # Asked before each batch is claimed: a peer that has just lost the dispatcher lease stops mid-pass.
        self.allowed: Callable[[], bool] = _always
        self.telemetry: Telemetry = NULL_TELEMETRY  # counts and lateness (adapters/metrics.py), off by default

    def wake(self) -> None:
        """Something new may be due sooner than the loop expected."""
        self._wake.set()

    # Start-up --------------------------------------------------------------------------------------
    async def recover(self) -> int:
        """Occurrences left SENDING by a crash: maybe delivered, so never re-sent. Tell the person.

        Only the one dispatcher may run this (at start-up, or when it takes over from a dead one): beside a
        live dispatcher it would record that one's sends in flight as unconfirmed."""
        with contextlib.suppress(StorageUnavailable):  # what this process sent but could not record yet is no
            await self._record_unrecorded()  # interrupted send: recorded first, so it is not taken as one
        interrupted, kept = await self.offload.run(self._give_up_interrupted)
        for account_id, items in interrupted.items():
            if await self._notify(account_id, interrupted_notice(items), keep=False):
                await self.offload.run(self._forget_untold, account_id, kept[account_id])
        self.recovered = True
        return sum(len(v) for v in interrupted.values())

    def _give_up_interrupted(self) -> tuple[dict[str, list[Occurrence]], dict[str, list[str]]]:
        """Each interrupted send recorded unconfirmed with, in the same transaction, a note to tell the person
        (so a kill right after this still tells them, on their next message); returns the notes' keys, which
        recover() drops once it has told them at once."""
        interrupted: dict[str, list[Occurrence]] = defaultdict(list)
        kept: dict[str, list[str]] = defaultdict(list)
        for found in self.store.open_occurrences_with_status(SENDING):
            with self.store.atomic():  # re-read under its lock: it may have been answered since the list was read
                occurrence = self.store.get_occurrence(found.account_id, found.id)
                if occurrence is None or occurrence.status != SENDING:
                    continue
                if occurrence.owed:  # shown on some platforms before: open to answer there, the rest not re-sent
                    now = self.regimen.now_ts()
                    self.store.put_occurrence(replace(occurrence, status=SENT, updated_at=now, owed=""))
                    continue
                self.regimen.give_up(occurrence, UNCONFIRMED)
                kept[occurrence.account_id].append(
                    self._keep_untold(occurrence.account_id, interrupted_notice([occurrence]))
                )
            interrupted[occurrence.account_id].append(occurrence)
        return interrupted, kept

    def _forget_untold(self, account_id: str, keys: list[str]) -> None:
        now = self.regimen.now_ts()
        for key in keys:
            self.store.shared_take(_untold_kind(account_id), key, now)

    # One pass ----------------------------------------------------------------------------------------
    async def tick(self) -> int:
        """Deliver everything due now. Returns how many due items were handled."""
        await self._record_unrecorded()
        now = self.regimen.now_ts()
        handled = 0
        passed: dict[str, list[Occurrence]] = defaultdict(list)
        notices: dict[str, list[str]] = defaultdict(list)
        failure: Exception | None = None
        self._contended = False
        sending: set[asyncio.Task[None]] = set()
        try:
            while failure is None:
                await _until_at_most(sending, self.batch // 2)
                if not self.allowed():  # asked after the wait: the lease may have gone meanwhile
                    break
                items = await self.offload.run(self._due, now)
                if not items:
                    break
                claimed: list[_Claim] = []
                held = len(items)
                try:
                    claimed, held = await self._claim_shielded(items, now, passed, notices)
                except _PassFailed as failed:
                    claimed, failure = failed.claimed, failed.cause
                finally:  # whatever was committed as claimed goes out
                    sending.update(asyncio.ensure_future(self._deliver(o, reason)) for o, reason in claimed)
                handled += held
                if held == 0:  # all of them are being claimed by another dispatcher: theirs, not ours
                    self._contended = True
                    break
        finally:
            await _until_at_most(sending, 0)
        # Said even when the pass stops early: what was committed as missed or moved on must be told.
        for account_id, missed in passed.items():
            await self._notify(account_id, await self.offload.run(passed_summary, missed, self.regimen))
        for account_id, texts in notices.items():
            await self._notify(account_id, "\n".join(texts))
        if failure is not None:
            raise failure  # the run loop backs off and retries the rest
        return handled

    async def _claim_shielded(
        self, items: list[DueItem], now: float, passed: dict[str, list[Occurrence]], notices: dict[str, list[str]]
    ) -> tuple[list[_Claim], int]:
        """The claim runs in a worker thread and commits there even if this task is cancelled (a stop): then
        what it committed is released at once instead of left SENDING, never sent and never told."""
        claiming = asyncio.ensure_future(self.offload.run(self._claim_batch, items, now, passed, notices))
        try:
            return await asyncio.shield(claiming)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                claimed, _ = await claiming
                for occurrence, _reason in claimed:
                    await self.offload.run(self._release, occurrence)
            raise

    def _due(self, now: float) -> list[DueItem]:
        return [i for i in self.store.due_items(now, self.batch) if _item_key(i) not in self._unclaimable]

    def _claim_batch(
        self,
        items: list[DueItem],
        now: float,
        passed: dict[str, list[Occurrence]],
        notices: dict[str, list[str]],
    ) -> tuple[list[_Claim], int]:
        """Claim a batch in one durable commit; if one item fails, claim them one at a time instead, so a
        bad item is put aside and never holds back anybody else's reminders.

        Only what `lock_due` holds for this process is claimed (another dispatcher may hold the rest). Returns
        the claims and how many items were held."""
        try:
            claimed, batch_passed, batch_notices = [], _grouped(), _grouped()
            with self.store.atomic():
                self._lock_accounts(items)
                held = self.store.lock_due(items, now)
                for item in held:
                    claim = self._claim(item, now, batch_passed, batch_notices)
                    if claim is not None:
                        claimed.append(claim)
        except _SYSTEMIC as exc:
            raise _PassFailed([], exc) from exc  # rolled back, nothing was claimed
        except Exception:
            return self._claim_each(items, now, passed, notices)
        _merge(passed, batch_passed)
        _merge(notices, batch_notices)
        return claimed, len(held)

    def _lock_accounts(self, items: list[DueItem]) -> None:
        """Across processes: lock the batch's accounts first, in one order (by id), before anything else.

        A claim locks its account's row (PostgreSQL's reads inside atomic()); two dispatchers claiming reminders
        of the same two people in opposite orders would deadlock. In one process there is nobody to wait for."""
        if not self.store.remote:
            return
        for account_id in sorted({_account_of(item) for item in items}):
            self.store.get_account(account_id)

    def _claim_each(
        self,
        items: list[DueItem],
        now: float,
        passed: dict[str, list[Occurrence]],
        notices: dict[str, list[str]],
    ) -> tuple[list[_Claim], int]:
        claimed: list[_Claim] = []
        failed: list[tuple[DueItem, Exception]] = []
        skipped = 0
        for item in items:
            item_passed, item_notices = _grouped(), _grouped()
            try:
                with self.store.atomic():
                    fresh = self.store.lock_due([item], now)
                    if not fresh:  # another dispatcher holds it, or has already moved it on
                        skipped += 1
                        continue
                    claim = self._claim(fresh[0], now, item_passed, item_notices)
            except _SYSTEMIC as exc:
                raise _PassFailed(claimed, exc) from exc  # the disk, not this item: retry the rest later
            except Exception as exc:
                failed.append((item, exc))
                continue
            _merge(passed, item_passed)
            _merge(notices, item_notices)
            if claim is not None:
                claimed.append(claim)
        for item, error in failed:
            try:
                self._put_aside(item, error)
            except _SYSTEMIC as unavailable:
                raise _PassFailed(claimed, unavailable) from unavailable
        return claimed, len(items) - skipped

    def _claim(
        self, item: DueItem, now: float, passed: dict[str, list[Occurrence]], notices: dict[str, list[str]]
    ) -> _Claim | None:
        if item.reminder is not None:
            return self._claim_reminder(item.reminder, now, passed, notices)
        assert item.occurrence is not None
        return self._claim_occurrence(item.occurrence, now, passed)

    def _put_aside(self, item: DueItem, exc: Exception) -> None:
        """A reminder whose claim fails (a damaged record, a bug) is paused, so the batch can go on without it."""
        reminder_id = item.reminder.id if item.reminder is not None else item.occurrence.reminder_id  # type: ignore[union-attr]
        log.error("reminder %s put aside: claiming it failed (%s)", reminder_id, type(exc).__name__)
        reminder = self.store.get_reminder(reminder_id)
        aside: list[Reminder | Occurrence] = []
        if reminder is not None:
            aside.append(replace(reminder, paused=True, pause_reason=PUT_ASIDE_REASON))
        if item.occurrence is not None:
            aside.append(replace(item.occurrence, status=PAUSED, updated_at=self.regimen.now_ts()))
        for record in aside:  # each on its own: the occurrence's own data may be what fails
            try:
                if isinstance(record, Reminder):
                    self.store.put_reminder(record)
                else:
                    self.store.put_occurrence(record)
            except _SYSTEMIC:
                raise
            except Exception as again:
                log.error("could not put reminder %s aside (%s): skipped until restart", reminder_id, _kind(again))
                self._unclaimable.add(_item_key(item))
        if reminder is not None:
            self._keep_untold(reminder.account_id, put_aside_notice([reminder]))

    def _keep_untold(self, account_id: str, text: str) -> str:
        """A note for the person's next message, in whichever process gets it. Keys sort oldest first: the
        time, then this process's count (notes written at one instant), then a few random bytes so two
        processes never write the same key."""
        now = self.regimen.now_ts()
        key = f"{int(now * 1000):015d}-{next(self._untold_seq):09d}-{secrets.token_hex(4)}"
        doc = {"text": text}
        expires = now + UNTOLD_DAYS * 86400
        self.store.shared_put(_untold_kind(account_id), key, doc, account_id=account_id, expires_at=expires)
        return key

    def take_untold(self, account_id: str) -> list[str]:
        """Notes the person could not be given when they were written, oldest first (each told once, by exactly
        one process: shared_take hands a note to one taker only)."""
        now = self.regimen.now_ts()
        kind = _untold_kind(account_id)
        texts = []
        for key, _ in self.store.shared_list(kind, now):
            doc = self.store.shared_take(kind, key, now)
            if doc is not None:
                texts.append(str(doc["text"]))
        return texts

    def _claim_reminder(
        self,
        reminder: Reminder,
        now: float,
        passed: dict[str, list[Occurrence]],
        notices: dict[str, list[str]],
    ) -> _Claim | None:
        for previous in self.regimen.open_occurrences(reminder):
            # never answered before the next one came round (shown: sent, or sent where a copy is still owed)
            if previous.status in (SENT, NUDGE) or (previous.owed and previous.status in (RETRY, HELD)):
                self.regimen.resolve(previous, MISSED)
                reminder = self._count_unanswered(reminder, notices)
        if reminder.paused:
            return None
        account = self.store.get_account(reminder.account_id)
        reachable = account is not None and bool(self.regimen.delivery_addresses(account, reminder.origin))
        facts = self._facts(account, reachable)
        verdict = rules.judge_reminder(reminder, facts, now, self.grace)
        action, at = verdict.action, verdict.at
        if action == rules.WAIT:
            self.store.put_reminder(replace(reminder, next_due=at))
        elif action == rules.NOTICE:
            self.store.put_reminder(replace(reminder, next_due=at))
            if verdict.say:
                notices[reminder.account_id].append(session_notice(reminder, facts.tz, tomorrow=verdict.tomorrow))
        elif action == rules.FOLLOW_UP:
            return self.regimen.series_follow_up(reminder), FOLLOW_UP
        elif action == rules.TREATMENT_PAUSE:
            self.regimen.advance(reminder, status=PAUSED, fire_at=reminder.next_due or now)
        elif action == rules.MISS:
            passed[reminder.account_id].append(self.regimen.advance(reminder, status=MISSED, fire_at=at or now))
        elif action == rules.UNREACHABLE:
            self.regimen.advance(reminder, status=UNDELIVERABLE, fire_at=at or now)
        elif action == rules.HOLD:
            self.regimen.advance(reminder, status=HELD, fire_at=at or now)
        else:
            occurrence = self.regimen.advance(reminder, status=SENDING, fire_at=at or now, late=verdict.late)
            if occurrence.status == SENDING:  # else this time already had an outcome
                return occurrence, LATE if verdict.late else None
        return None

    def _facts(self, account: Account | None, reachable: bool = True) -> rules.Facts:
        if account is None:
            return rules.Facts(tz=self.regimen.tz(None), quiet_hours=None, reachable=False)
        plans = tuple(r.series for r in self.store.reminders_of(account.id) if r.series is not None)
        return rules.Facts(self.regimen.tz(account), account.quiet_hours, reachable, plans)

    def _count_unanswered(self, reminder: Reminder, notices: dict[str, list[str]]) -> Reminder:
        """Someone who stopped answering is not spammed: after many in a row the reminder pauses itself."""
        count = reminder.unanswered + 1
        if rules.auto_paused(count):
            updated = replace(reminder, unanswered=count, paused=True, pause_reason=NO_ANSWERS_REASON)
            notices[reminder.account_id].append(auto_pause_notice(reminder, count))
        else:
            updated = replace(reminder, unanswered=count)
        self.store.put_reminder(updated)
        return updated

    def _claim_occurrence(
        self, occurrence: Occurrence, now: float, passed: dict[str, list[Occurrence]]
    ) -> _Claim | None:
        reminder = self.store.get_reminder(occurrence.reminder_id)
        if reminder is not None and reminder.paused and occurrence.status != SENDING:
            self.regimen.hold_for_pause(occurrence)  # paused since it was scheduled: it sends nothing
            return None
        account = self.store.get_account(occurrence.account_id)
        verdict = rules.judge_occurrence(occurrence, self._facts(account), now, self.grace, self._asks(occurrence))
        if verdict.action == rules.MISS and occurrence.owed:
            # Too late to complete a round the person was shown on another platform: shown, not missed.
            self.store.put_occurrence(replace(occurrence, status=SENT, updated_at=now, owed=""))
            return None
        if verdict.action == rules.MISS:
            passed[occurrence.account_id].append(self.regimen.resolve(occurrence, MISSED))
            return None
        nudges = rules.nudges_after(occurrence)
        if verdict.action == rules.HOLD:
            assert verdict.at is not None
            held = replace(occurrence, status=HELD, fire_at=verdict.at, updated_at=now, nudges=nudges)
            self.store.put_occurrence(held)
            return None
        claimed = replace(
            occurrence, status=SENDING, updated_at=now, nudges=nudges, round_at=rules.round_at(occurrence)
        )
        self.store.put_occurrence(claimed)
        return claimed, _REASONS.get(occurrence.status)

    # Sending ---------------------------------------------------------------------------------------------
    async def _deliver(self, occurrence: Occurrence, reason: str | None) -> None:
        async with self._sending:
            try:
                await self._deliver_one(occurrence, reason)
            except Exception:  # never let one delivery stop the others
                log.exception("delivery of an occurrence failed unexpectedly")

    async def _deliver_one(self, occurrence: Occurrence, reason: str | None) -> None:
        if not self.allowed():  # the lease was lost or the process is stopping since the claim: not ours to send
            await self.offload.run(self._release, occurrence)
            return
        wanted = await self.offload.run(self._still_wanted, occurrence)
        if wanted is None:
            return
        account, reminder = wanted
        attempt = await self._send_everywhere(occurrence, account, reminder, reason)
        await self._record(attempt)

    def _release(self, occurrence: Occurrence) -> None:
        """A claim never sent goes back as due now, for whichever dispatcher comes next: it never left, so it is
        neither unconfirmed nor missed (unless that dispatcher has already recorded it so)."""
        with self.store.atomic():
            self.store.get_account(occurrence.account_id)  # the account first, as every writer locks
            current = self.store.get_occurrence(occurrence.account_id, occurrence.id)
            if current is not None and current.status == SENDING:
                now = self.regimen.now_ts()
                self.store.put_occurrence(replace(current, status=RETRY, fire_at=now, updated_at=now))

    def _still_wanted(self, occurrence: Occurrence) -> tuple[Account, Reminder] | None:
        """The account and reminder to send for, or None when they are gone (the occurrence is then cancelled)."""
        account = self.store.get_account(occurrence.account_id)
        reminder = self.store.get_reminder(occurrence.reminder_id)
        if account is None:  # forgotten meanwhile: leave nothing behind
            return None
        if reminder is None:
            if self.store.get_occurrence(account.id, occurrence.id) is not None:
                self.regimen.resolve(occurrence, CANCELLED)
            return None
        return account, reminder

    async def _send_everywhere(
        self, occurrence: Occurrence, account: Account, reminder: Reminder, reason: str | None
    ) -> _Attempt:
        """Send to every address; never raises, so what happened is always recorded."""
        deliveries: list[Delivery] = []
        retry_after: float | None = None
        backoff = BACKOFF[min(occurrence.attempts, len(BACKOFF) - 1)]
        owed: list[Address] = []
        try:
            addresses, reply = await self.offload.run(self._prepare, occurrence, account, reminder, reason)
        except Exception as exc:  # nothing left: try again later
            log.error("could not prepare occurrence %s: %s", occurrence.id, type(exc).__name__)
            still = tuple(Address(platform, chat) for platform, chat in sorted(occurrence.owed_to))
            return _Attempt(occurrence, (), backoff, still)  # a round that owes copies still owes them
        for address in addresses:
            try:
                ref = await self.hub.send(address, reply)
                deliveries.append(Delivery(address.platform, address.chat_id, ref))
                self.telemetry.delivered(address.platform, self.regimen.now_ts() - occurrence.round_start)
            except DeliveryUncertain as exc:  # may have arrived: counted as delivered, never re-sent
                deliveries.append(Delivery(address.platform, address.chat_id, None))
                self.telemetry.delivery_failed(address.platform, failure_reason(exc))
            except RecipientUnreachable as exc:
                self.telemetry.delivery_failed(address.platform, failure_reason(exc))
                self.telemetry.parked()
                await self.offload.run(self._mark_unreachable, account.id, address)
            except RetryLater as exc:
                self.telemetry.delivery_failed(address.platform, failure_reason(exc))
                retry_after = max(retry_after or 0.0, exc.retry_after)
                owed.append(address)
            except DeliveryError as exc:
                self.telemetry.delivery_failed(address.platform, failure_reason(exc))
                log.warning("delivery to %s failed: %s", address.platform, type(exc).__name__)
                retry_after = max(retry_after or 0.0, backoff)
                owed.append(address)
            except Exception as exc:  # an error no adapter mapped: the contract says nothing left, so retry
                self.telemetry.delivery_failed(address.platform, failure_reason(exc))
                log.error("delivery to %s failed unexpectedly: %s", address.platform, type(exc).__name__)
                retry_after = max(retry_after or 0.0, backoff)
                owed.append(address)
        return _Attempt(occurrence, tuple(deliveries), retry_after, tuple(owed))

    def _prepare(
        self, occurrence: Occurrence, account: Account, reminder: Reminder, reason: str | None
    ) -> tuple[list[Address], Reply]:
        """Where the occurrence goes and how it reads: for a round shown already on some platforms, only where
        it is still owed (never twice where it arrived)."""
        addresses = self.regimen.delivery_addresses(account, reminder.origin)
        if occurrence.owed:  # the round reached some platforms already: only where it is still owed
            still = occurrence.owed_to
            addresses = [a for a in addresses if (a.platform, a.chat_id) in still]
        tz = self.regimen.tz(account)
        last = _is_last(occurrence, reminder, tz)
        reply = reminder_message(
            occurrence, tz, self.regimen.now(), reason, last=last, session=reminder.series is not None
        )
        return addresses, reply

    async def _record(self, attempt: _Attempt) -> None:
        """Commit what the sends did; an occurrence is never left SENDING for the rest of the run.

        A commit the disk refuses is kept and committed on a later pass. Any other failure (a damaged record)
        falls back to the plainest true write: sent if it arrived anywhere, else due for another attempt.
        """
        try:
            after = await self.offload.run(self._commit_attempt, attempt)
            await self._follow_up(after)
        except StorageUnavailable:
            log.error("storage unavailable while recording delivery of %s; will record it later", attempt.occurrence.id)
            self._unrecorded[attempt.occurrence.id] = attempt
            self.wake()
            return
        except Exception as exc:
            log.error("recording delivery of %s failed (%s); keeping it open", attempt.occurrence.id, _kind(exc))
            await self.offload.run(self._record_plainly, attempt)
        self._unrecorded.pop(attempt.occurrence.id, None)

    def _record_plainly(self, attempt: _Attempt) -> None:
        occurrence_id = attempt.occurrence.id
        try:
            with self.store.atomic():  # read and write under the occurrence's lock, as _commit_attempt does
                current = self.store.get_occurrence(attempt.occurrence.account_id, occurrence_id)
                if current is None or current.status != SENDING:
                    return
                now = self.regimen.now_ts()
                deliveries = _added(current, attempt.deliveries)
                shown = bool(attempt.deliveries or current.owed)
                if shown and attempt.owed and attempt.retry_after is not None:  # arrived in part
                    plain = _owing(current, attempt.deliveries, attempt.owed, attempt.retry_after, now)
                elif shown:  # arrived somewhere, now or in an earlier attempt
                    plain = replace(current, status=SENT, deliveries=deliveries, updated_at=now, owed="")
                else:
                    backoff = BACKOFF[-1]
                    attempts = current.attempts + 1
                    plain = replace(current, status=RETRY, fire_at=now + backoff, attempts=attempts, updated_at=now)
                self.store.put_occurrence(plain)  # an open record: no tally or history is touched
        except Exception as exc:
            log.error("could not record delivery of %s at all (%s)", occurrence_id, type(exc).__name__)

    async def _record_unrecorded(self) -> None:
        """Outcomes whose commit the disk refused, oldest first; while one still can't be saved, claiming more
        would only pile up more of them, so the pass stops (the run loop backs off)."""
        for attempt in list(self._unrecorded.values()):
            await self._record(attempt)
            if attempt.occurrence.id in self._unrecorded:
                raise StorageUnavailable("the outcome of a delivery still cannot be saved")

    def _commit_attempt(self, attempt: _Attempt) -> _After:
        """Record what the sends did, in one transaction on the occurrence as it is stored now (its row locked on
        PostgreSQL, so an answer given meanwhile through another process is neither lost nor overwritten).
        Returns what is left to do on the loop: the edits that show an answer given meanwhile, a note."""
        with self.store.atomic():
            after, answered, missed = self._commit_locked(attempt)
        # Read after the commit, outside its locks: the words for what is still to be shown.
        if answered is not None:
            after = after._replace(edits=self._outcome_edits(*answered))
        if missed is not None:
            after = after._replace(note=(missed.account_id, passed_summary([missed], self.regimen)))
        return after

    def _commit_locked(
        self, attempt: _Attempt
    ) -> tuple[_After, tuple[Occurrence, list[Delivery]] | None, Occurrence | None]:
        occurrence, deliveries, retry_after, owed = attempt
        after = _After()
        # The sends awaited: the person may have answered, deleted the reminder or forgotten everything
        # meanwhile. Build on what is stored now, never on the copy from before the sends. The occurrence is
        # read (and locked) before its reminder, in the order an answer takes them.
        current = self.store.get_occurrence(occurrence.account_id, occurrence.id)
        reminder = self.store.get_reminder(occurrence.reminder_id)
        now = self.regimen.now_ts()
        if current is None:
            return after, None, None
        if current.status != SENDING:
            new = tuple(d for d in deliveries if d not in current.deliveries)
            if new:
                self.store.put_occurrence(replace(current, deliveries=current.deliveries + new))
                if not current.is_open:
                    return after, (current, list(new)), None
            return after, None, None
        occurrence = current
        completing = bool(occurrence.owed)  # the round was shown on some platforms already: never missed
        within_grace = retry_after is not None and (
            now + retry_after - occurrence.round_start <= self.grace or self._asks(occurrence)
        )
        if (deliveries or completing) and owed and retry_after is not None and within_grace:
            # Shown on some platforms, not yet on others (a flood wait, an outage): the person can answer the
            # copy they have, and the others are retried, to those addresses only.
            updated = _owing(occurrence, deliveries, owed, retry_after, now)
            self.store.put_occurrence(updated)
            return after._replace(delivered=bool(deliveries) and not completing, wake=True, retried=True), None, None
        if deliveries or completing:  # whatever is left of a round shown already, it is not missed
            nudge = (
                reminder is not None
                and reminder.nudge_minutes > 0
                and occurrence.nudges < min(reminder.nudge_max, MAX_NUDGES)
            )
            updated = replace(
                occurrence,
                status=NUDGE if nudge else SENT,
                deliveries=_added(occurrence, deliveries),
                updated_at=now,
                fire_at=now + reminder.nudge_minutes * 60 if nudge and reminder is not None else now,
                owed="",
            )
            self.store.put_occurrence(updated)
            return after._replace(delivered=not completing), None, None
        if retry_after is not None and within_grace:
            updated = replace(
                occurrence, status=RETRY, fire_at=now + retry_after, attempts=occurrence.attempts + 1, updated_at=now
            )
            self.store.put_occurrence(updated)
            return after._replace(wake=True, retried=True), None, None
        if retry_after is not None:  # the next attempt would come after the grace period: it is missed
            missed = self.regimen.resolve(replace(occurrence, attempts=occurrence.attempts + 1), MISSED)
            return after, None, missed
        self.regimen.give_up(occurrence, UNDELIVERABLE)
        return after, None, None

    async def _follow_up(self, after: _After) -> None:
        """What a commit leaves for the loop: counting, waking, the edits and the note."""
        if after.delivered:
            self.delivered += 1
        if after.wake:
            self.wake()
        if after.retried:
            self.telemetry.retried()
        for address, ref, reply in after.edits:  # answered elsewhere meanwhile: show the answer here too
            try:
                await self.hub.edit(address, ref, reply)
            except Exception as exc:  # best effort
                log.info("could not mirror an answer to %s: %s", address.platform, type(exc).__name__)
        if after.note is not None:
            await self._notify(*after.note)

    def _asks(self, occurrence: Occurrence) -> bool:
        """A series' "did it happen?" question: about the past, so it is never too late to ask it."""
        reminder = self.store.get_reminder(occurrence.reminder_id)
        return reminder is not None and reminder.series is not None

    def _outcome_edits(self, occurrence: Occurrence, deliveries: list[Delivery]) -> tuple[_Edit, ...]:
        """Answered elsewhere while this copy was on its way: the edits that show the answer on it too."""
        account = self.store.get_account(occurrence.account_id)
        text = outcome_message(occurrence, self.regimen.tz(account), self.regimen.now())
        return tuple(
            (Address(d.platform, d.chat_id), ref, Reply(text)) for d in deliveries if (ref := d.message_ref) is not None
        )

    def _mark_unreachable(self, account_id: str, address: Address) -> None:
        for identity in self.store.identities_of(account_id):
            if identity.platform == address.platform and identity.chat_id == address.chat_id:
                self.store.put_identity(replace(identity, unreachable_since=self.regimen.now_ts()))
                log.info("a %s user is unreachable; deliveries paused until they write again", address.platform)

    async def _notify(self, account_id: str, text: str, keep: bool = True) -> bool:
        """A note to the person (no buttons, not an occurrence). If it reaches them nowhere, they are told on
        their next message instead (`keep`: unless the caller has kept it already). Returns whether it arrived."""
        addresses = await self.offload.run(self._note_addresses, account_id)
        if addresses is None:
            return False
        arrived = False
        for address in addresses:
            try:
                await self.hub.send(address, Reply(text=text))
                arrived = True
            except DeliveryUncertain:
                arrived = True
            except Exception as exc:
                log.info("notice to %s not delivered: %s", address.platform, type(exc).__name__)
        if not arrived and keep:
            await self.offload.run(self._keep_untold, account_id, text)
        return arrived

    def _note_addresses(self, account_id: str) -> list[Address] | None:
        account = self.store.get_account(account_id)
        return None if account is None else self.regimen.delivery_addresses(account, origin="")

    async def retry_now(self, platform: str) -> int:
        """`platform` is reachable again: what waits to be tried again and goes there is due now, not at the
        end of its back-off (which can be an hour). Returns how many were moved."""
        moved = await self.offload.run(self._retime_retries, platform)
        if moved:
            log.info("%d reminders waiting for %s are due again now", moved, platform)
            self.wake()
        return moved

    def _retime_retries(self, platform: str) -> int:
        now = self.regimen.now_ts()
        moved = 0
        for found in self.store.open_occurrences_with_status(RETRY):
            if found.fire_at <= now:
                continue
            account = self.store.get_account(found.account_id)
            reminder = self.store.get_reminder(found.reminder_id)
            if account is None or reminder is None:
                continue
            waiting_for = (
                {p for p, _ in found.owed_to}
                if found.owed
                else {a.platform for a in self.regimen.delivery_addresses(account, reminder.origin)}
            )
            if platform not in waiting_for:  # a copy owed to another platform is not pulled into its wait
                continue
            with self.store.atomic():  # re-read under its lock, the account first as every writer locks
                self.store.get_account(found.account_id)
                current = self.store.get_occurrence(found.account_id, found.id)
                if current is None or current.status != RETRY or current.fire_at <= now:
                    continue
                self.store.put_occurrence(replace(current, fire_at=now, updated_at=now))
            moved += 1
        return moved

    # The loop ----------------------------------------------------------------------------------------------
    def seconds_until_due(self, cap: float = 1.0) -> float:
        now = self.regimen.now_ts()
        nxt = self.store.next_due_at()
        if nxt is not None and self._unclaimable and nxt <= now + cap:
            # Items skipped for the run stay due in the store: look past them, or the loop would spin.
            ahead = self.store.due_items(now + cap, len(self._unclaimable) + 1)
            nxt = next((item.at for item in ahead if _item_key(item) not in self._unclaimable), None)
        if nxt is None:
            return cap
        return max(0.0, min(cap, nxt - now))

    async def wait_for_work(self, stop: asyncio.Event, cap: float = 1.0) -> None:
        """Sleep until the next due time (at most `cap`), a wake-up, or stop."""
        delay = await self.offload.run(self.seconds_until_due, cap)
        if self._contended:  # what is due is another dispatcher's until it commits: don't spin on it
            delay = max(delay, CONTENDED_SECONDS)
        await self.wait(stop, delay)

    async def wait(self, stop: asyncio.Event, delay: float) -> None:
        """Sleep `delay` seconds at most: until a wake-up or stop."""
        if delay <= 0:
            await asyncio.sleep(0)  # always yield: adapters and signal handlers must get their turn
            return
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()


async def _until_at_most(tasks: set[asyncio.Task[None]], most: int) -> None:
    """Wait until at most `most` of the tasks are unfinished; finished ones leave the set."""
    while tasks and len(tasks) > most:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        tasks.difference_update(done)
    tasks.difference_update([t for t in tasks if t.done()])


def passed_summary(items: list[Occurrence], regimen: Regimen) -> str:
    account = regimen.store.get_account(items[0].account_id)
    return missed_summary(items, regimen.tz(account), regimen.now())


_Claim = tuple[Occurrence, str | None]  # a claimed occurrence and why it is shown now (late, held, ...)


def _grouped() -> dict[str, list[Any]]:
    return defaultdict(list)


def _merge(into: dict[str, list[_T]], more: dict[str, list[_T]]) -> None:
    for key, values in more.items():
        into[key].extend(values)


class _PassFailed(Exception):
    """A pass stops early (the disk, a passing fault): what it claimed before still goes out."""

    def __init__(self, claimed: list[_Claim], cause: Exception) -> None:
        super().__init__(str(cause))
        self.claimed = claimed
        self.cause = cause


# Failures of the store or the process (a full disk, too many open files) rather than of one record: the pass
# backs off and tries again, nothing is put aside. Anything else that a claim raises is that item's own.
_SYSTEMIC = (StorageError, OSError)


def _kind(exc: BaseException) -> str:
    return type(exc).__name__  # never the message: it may quote a reminder's text


def _always() -> bool:
    return True


def _untold_kind(account_id: str) -> str:
    """One shared-state kind per account: listing a person's notes reads theirs only, however many people."""
    return f"untold:{account_id}"


def _account_of(item: DueItem) -> str:
    record = item.reminder if item.reminder is not None else item.occurrence
    assert record is not None
    return record.account_id


def _item_key(item: DueItem) -> str:
    return item.reminder.id if item.reminder is not None else f"o:{item.occurrence.id}"  # type: ignore[union-attr]


def _is_last(occurrence: Occurrence, reminder: Reminder, tz: tzinfo) -> bool:
    """No time of the reminder comes after this occurrence: the reminder is finished once it is shown.

    Both tests are needed: next_due alone would also hold for an earlier time snoozed past the last one, and the
    schedule alone could be one edited after this occurrence was made (an edit gives the reminder a next_due)."""
    if reminder.series is not None or reminder.next_due is not None:
        return False
    schedule = schedule_from_dict(reminder.schedule)
    return is_last(schedule, datetime.fromtimestamp(occurrence.due, tz=UTC), tz)


def _added(occurrence: Occurrence, deliveries: tuple[Delivery, ...]) -> tuple[Delivery, ...]:
    return occurrence.deliveries + tuple(d for d in deliveries if d not in occurrence.deliveries)


def _owing(
    occurrence: Occurrence, deliveries: tuple[Delivery, ...], owed: tuple[Address, ...], retry_after: float, now: float
) -> Occurrence:
    """Shown where `deliveries` arrived (and before), retried after `retry_after` to the `owed` addresses only."""
    return replace(
        occurrence,
        status=RETRY,
        fire_at=now + retry_after,
        attempts=occurrence.attempts + 1,
        deliveries=_added(occurrence, deliveries),
        updated_at=now,
        owed=owed_lines((a.platform, a.chat_id) for a in owed),
    )


_Edit = tuple[Address, str, Reply]  # where, which message, what it now says


class _After(NamedTuple):
    """What a committed attempt leaves for the event loop (sends and counters never leave it)."""

    delivered: bool = False
    wake: bool = False
    retried: bool = False
    edits: tuple[_Edit, ...] = ()
    note: tuple[str, str] | None = None  # (account id, text)


class _Attempt(NamedTuple):
    """What one round of sends did: where it arrived, and when to try again if it arrived nowhere."""

    occurrence: Occurrence
    deliveries: tuple[Delivery, ...]
    retry_after: float | None
    owed: tuple[Address, ...] = ()  # addresses that failed for a while (a flood wait, an outage): to retry
