"""Delivers what is due: claims each occurrence in storage before sending it, so nothing goes twice.

The store is the source of truth for due times; this module only reads them. Each due reminder is
turned into an occurrence in the same transaction that moves the reminder on (the claim). The claim
is written as SENDING before the send, and SENT (with where it went) after; an occurrence found
SENDING at start-up was interrupted mid-send and is recorded UNCONFIRMED, never sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.delivery import DeliveryError, RecipientUnreachable, RetryLater
from bot.hub import Hub
from bot.models import Address, Reply
from bot.recurrence import next_occurrence, schedule_from_dict
from bot.regimen import Regimen
from bot.render import reminder_message, when_text
from storage.base import StorageUnavailable
from storage.records import (
    MISSED,
    RETRY,
    SENDING,
    SENT,
    UNCONFIRMED,
    UNDELIVERABLE,
    Delivery,
    Occurrence,
    Reminder,
)

log = logging.getLogger(__name__)

LATE_AFTER = 60.0  # seconds past due before a delivery is labelled late
MAX_ATTEMPTS = 6
BACKOFF = (30.0, 120.0, 600.0, 1800.0, 3600.0)


class Scheduler:
    def __init__(
        self,
        regimen: Regimen,
        hub: Hub,
        grace: timedelta = timedelta(hours=12),
        batch: int = 200,
        concurrency: int = 64,
    ) -> None:
        self.regimen = regimen
        self.store = regimen.store
        self.hub = hub
        self.grace = grace.total_seconds()
        self.batch = batch
        self._sending = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self.delivered = 0

    def wake(self) -> None:
        """Something new may be due sooner than the loop expected."""
        self._wake.set()

    # Start-up --------------------------------------------------------------------------------------
    async def recover(self) -> int:
        """Occurrences left SENDING by a crash: maybe delivered, so never re-sent. Tell the person."""
        interrupted: dict[str, list[Occurrence]] = defaultdict(list)
        for occurrence in self._all_open(SENDING):
            self.regimen.resolve(occurrence, UNCONFIRMED)
            interrupted[occurrence.account_id].append(occurrence)
        for account_id, items in interrupted.items():
            names = ", ".join(sorted({o.text for o in items}))
            await self._notify(
                account_id,
                f"I restarted while sending you a reminder ({names}). It may not have reached you, "
                "and I won't send it twice. See /reminders.",
            )
        return sum(len(v) for v in interrupted.values())

    def _all_open(self, status: str) -> list[Occurrence]:
        return self.store.open_occurrences_with_status(status)

    # One pass ----------------------------------------------------------------------------------------
    async def tick(self) -> int:
        """Deliver everything due now. Returns how many due items were handled."""
        now = self.regimen.now_ts()
        handled = 0
        passed: dict[str, list[Occurrence]] = defaultdict(list)
        while True:
            items = self.store.due_items(now, self.batch)
            if not items:
                break
            claimed: list[Occurrence] = []
            try:
                for item in items:
                    if item.reminder is not None:
                        occurrence = self._claim_reminder(item.reminder, now, passed)
                    else:
                        assert item.occurrence is not None
                        occurrence = self._claim_occurrence(item.occurrence, now, passed)
                    if occurrence is not None:
                        claimed.append(occurrence)
            except StorageUnavailable:
                log.error("storage unavailable: delivery paused until it recovers")
                await self._deliver_all(claimed)
                break
            await self._deliver_all(claimed)
            handled += len(items)
        for account_id, missed in passed.items():
            await self._notify(account_id, _passed_summary(missed, self.regimen))
        return handled

    def _claim_reminder(self, reminder: Reminder, now: float, passed: dict[str, list[Occurrence]]) -> Occurrence | None:
        assert reminder.next_due is not None
        due = reminder.next_due
        for previous in self.regimen.open_occurrences(reminder):
            if previous.status == SENT:  # never answered before the next one came round
                self.regimen.resolve(previous, MISSED)
        if now - due > self.grace or self._superseded(reminder, due, now):
            occurrence = self.regimen.advance(reminder, status=MISSED, fire_at=due)
            passed[reminder.account_id].append(occurrence)
            return None
        account = self.store.get_account(reminder.account_id)
        if account is None or not self.regimen.delivery_addresses(account, reminder.origin):
            self.regimen.advance(reminder, status=UNDELIVERABLE, fire_at=due)  # nobody reachable: don't queue
            return None
        return self.regimen.advance(reminder, status=SENDING, fire_at=due, late=now - due > LATE_AFTER)

    def _superseded(self, reminder: Reminder, due: float, now: float) -> bool:
        """A later time of the same reminder has passed too: only the latest is delivered late."""
        if now - due <= LATE_AFTER:
            return False
        account = self.store.get_account(reminder.account_id)
        following = next_occurrence(
            schedule_from_dict(reminder.schedule), datetime.fromtimestamp(due, tz=UTC), self.regimen.tz(account)
        )
        return following is not None and following.timestamp() <= now

    def _claim_occurrence(
        self, occurrence: Occurrence, now: float, passed: dict[str, list[Occurrence]]
    ) -> Occurrence | None:
        if now - occurrence.due > self.grace and occurrence.status == RETRY:
            passed[occurrence.account_id].append(self.regimen.resolve(occurrence, MISSED))
            return None
        claimed = replace(occurrence, status=SENDING, updated_at=now)
        self.store.put_occurrence(claimed)
        return claimed

    # Sending ---------------------------------------------------------------------------------------------
    async def _deliver_all(self, claimed: list[Occurrence]) -> None:
        if claimed:
            await asyncio.gather(*(self._deliver(o) for o in claimed))

    async def _deliver(self, occurrence: Occurrence) -> None:
        async with self._sending:
            try:
                await self._deliver_one(occurrence)
            except StorageUnavailable:
                log.error("storage unavailable while recording a delivery")
            except Exception:  # never let one delivery stop the others
                log.exception("delivery of an occurrence failed unexpectedly")

    async def _deliver_one(self, occurrence: Occurrence) -> None:
        account = self.store.get_account(occurrence.account_id)
        reminder = self.store.get_reminder(occurrence.reminder_id)
        if account is None or reminder is None:
            self.regimen.resolve(occurrence, MISSED)
            return
        addresses = self.regimen.delivery_addresses(account, reminder.origin)
        tz = self.regimen.tz(account)
        reply = reminder_message(occurrence, tz, self.regimen.now())
        deliveries: list[Delivery] = []
        retry_after: float | None = None
        for address in addresses:
            try:
                ref = await self.hub.send(address, reply)
                deliveries.append(Delivery(address.platform, address.chat_id, ref))
            except RecipientUnreachable:
                self._mark_unreachable(account.id, address)
            except RetryLater as exc:
                retry_after = max(retry_after or 0.0, exc.retry_after)
            except DeliveryError as exc:
                log.warning("delivery to %s failed: %s", address.platform, type(exc).__name__)
                retry_after = max(retry_after or 0.0, BACKOFF[min(occurrence.attempts, len(BACKOFF) - 1)])
        now = self.regimen.now_ts()
        if deliveries:
            updated = replace(occurrence, status=SENT, deliveries=tuple(deliveries), updated_at=now, fire_at=now)
            self.delivered += 1
            self.store.put_occurrence(updated)
        elif retry_after is not None and occurrence.attempts + 1 < MAX_ATTEMPTS:
            updated = replace(
                occurrence, status=RETRY, fire_at=now + retry_after, attempts=occurrence.attempts + 1, updated_at=now
            )
            self.store.put_occurrence(updated)
            self.wake()
        else:
            self.regimen.resolve(occurrence, UNDELIVERABLE)

    def _mark_unreachable(self, account_id: str, address: Address) -> None:
        for identity in self.store.identities_of(account_id):
            if identity.platform == address.platform and identity.chat_id == address.chat_id:
                self.store.put_identity(replace(identity, unreachable_since=self.regimen.now_ts()))
                log.info("a %s user is unreachable; deliveries paused until they write again", address.platform)

    async def _notify(self, account_id: str, text: str) -> None:
        """Best-effort note to the person (no buttons, not recorded as an occurrence)."""
        account = self.store.get_account(account_id)
        if account is None:
            return
        for address in self.regimen.delivery_addresses(account, origin=""):
            try:
                await self.hub.send(address, Reply(text=text))
            except DeliveryError as exc:
                log.info("notice to %s not delivered: %s", address.platform, type(exc).__name__)

    # The loop ----------------------------------------------------------------------------------------------
    def seconds_until_due(self, cap: float = 1.0) -> float:
        nxt = self.store.next_due_at()
        if nxt is None:
            return cap
        return max(0.0, min(cap, nxt - self.regimen.now_ts()))

    async def wait_for_work(self, stop: asyncio.Event, cap: float = 1.0) -> None:
        """Sleep until the next due time (at most `cap`), a wake-up, or stop."""
        delay = self.seconds_until_due(cap)
        if delay <= 0:
            return
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()


def _passed_summary(items: list[Occurrence], regimen: Regimen) -> str:
    account = regimen.store.get_account(items[0].account_id)
    tz = regimen.tz(account)
    now = regimen.now()
    lines = ["While I was offline, these reminders passed (recorded as missed):"]
    by_text: dict[str, list[float]] = defaultdict(list)
    for item in items:
        by_text[item.text].append(item.due)
    for text, dues in by_text.items():
        shown = ", ".join(when_text(d, tz, now) for d in sorted(dues)[-3:])
        more = f" and {len(dues) - 3} more" if len(dues) > 3 else ""
        lines.append(f"• {text}: {shown}{more}")
    lines.append("Your regular schedule carries on from here.")
    return "\n".join(lines)
