"""The regimen's rules on top of the store: accounts, reminders and their occurrences.

Everything that changes more than one record happens in one `store.atomic()` block, so a crash can
never leave, say, a reminder number used twice or an occurrence answered but not advanced.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import Any, NamedTuple

from bot import payloads
from bot.choices import Choices
from bot.linking import LinkCodes, merge_accounts
from bot.models import Address, Identity
from bot.names import clean_text, new_id
from bot.render import PUT_ASIDE_REASON
from bot.series import SeriesPlan, first_stage_after, new_series, next_session_after
from bot.state import LastMemo, last_outcomes, treatment_pauses
from bot.timing.clock import Clock
from bot.timing.quiet import quiet_until
from bot.timing.recurrence import Schedule, local_to_utc, next_occurrence, schedule_from_dict, schedule_to_dict
from bot.timing.timezones import zone_from_name
from storage.base import Store
from storage.records import (
    CANCELLED,
    DONE,
    HELD,
    NUDGE,
    PAUSED,
    RESOLVED_STATUSES,
    RETRY,
    SENDING,
    SENT,
    SKIPPED,
    SNOOZED,
    Account,
    IdentityRecord,
    Occurrence,
    Outcome,
    Reminder,
    occurrence_of,
)
from storage.tally import Progress, empty, read_progress

MAX_REMINDERS = 50  # per account: plenty for a regimen, and a bound on what one person can store
EARLY_DONE_WINDOW = timedelta(hours=12)  # "/done 1" before it is due counts for the upcoming one

log = logging.getLogger(__name__)


class RegimenError(ValueError):
    """A friendly message for the person: what went wrong and what to do instead."""


class Regimen:
    def __init__(self, store: Store, clock: Clock, default_timezone: str = "UTC") -> None:
        self.store = store
        self.clock = clock
        self.default_timezone = default_timezone
        # What every process on this store must see alike lives in its shared state: the button key, link codes
        # and offered choices (on PostgreSQL one table; in memory for the one-process stores).
        payloads.share_key_of(store)
        self.links = LinkCodes(store)
        self.choices = Choices(store, self.now_ts)  # open questions with buttons: "did you mean...", "undo"
        self._last_chart: OrderedDict[str, float] = OrderedDict()
        self._chart_lock = threading.Lock()  # the core may answer in several worker threads (bot.offload)
        self._history_lasts = LastMemo()  # see bot.state.last_outcomes

    def chart_allowed(self, account_id: str, cooldown: float = 10.0) -> bool:
        """Charts cost CPU: one per account every `cooldown` seconds is plenty for a person."""
        now = self.now_ts()
        with self._chart_lock:
            if now - self._last_chart.get(account_id, float("-inf")) < cooldown:
                return False
            self._last_chart[account_id] = now
            self._last_chart.move_to_end(account_id)
            while len(self._last_chart) > 10_000:
                self._last_chart.popitem(last=False)
        return True

    @contextlib.contextmanager
    def _writing(self, account_id: str) -> Iterator[Account | None]:
        """One transaction for a change to one person's records, their account row locked first.

        On PostgreSQL every writer then takes its locks in one order, account first, as the dispatcher's claims
        do (bot/scheduler.py locks a batch's accounts in id order): two processes never deadlock, and what is
        read inside is not changed by another process until the commit. In memory it costs one dict read."""
        with self.store.atomic():
            yield self._writing_lock(account_id)  # the account as locked: what the block may build on

    def _writing_lock(self, account_id: str) -> Account | None:
        return self.store.get_account(account_id)  # inside atomic(): FOR UPDATE on PostgreSQL

    def now(self) -> datetime:
        return self.clock.now()

    def now_ts(self) -> float:
        return self.clock.now().timestamp()

    # Accounts -----------------------------------------------------------------------------------
    def account_for(self, identity: Identity) -> Account | None:
        return self.store.identity_and_account(identity.key)[1]

    def account_of(self, record: IdentityRecord | None) -> Account | None:
        """The account an identity record points at (None for an identity we don't know)."""
        return self.store.get_account(record.account_id) if record else None

    def ensure_account(self, identity: Identity) -> Account:
        """The identity's account, created on first need (reading the FAQ creates nothing)."""
        existing = self.account_for(identity)
        if existing is not None:
            return existing
        now = self.now_ts()
        account = Account(id=new_id(12), timezone=self.default_timezone, created_at=now)
        with self.store.atomic():
            self.store.put_account(account)
            self.store.put_identity(_identity_record(identity, account.id, now))
        return account

    def mark_reachable(self, identity: Identity) -> tuple[bool, IdentityRecord | None, Account | None]:
        """The person wrote to us: deliveries that were parked because they blocked us resume. Returns whether
        they do now, and the identity's record and account as they are now (read together, once a message)."""
        record, account = self.store.identity_and_account(identity.key)
        if record is None or record.unreachable_since is None:
            return False, record, account
        record = replace(record, unreachable_since=None)
        self.store.put_identity(record)
        return True, record, account

    def tz(self, account: Account | None) -> tzinfo:
        return zone_from_name(account.timezone if account else self.default_timezone)

    def set_timezone(self, account: Account, zone_name: str) -> tuple[Account, list[Reminder], list[Reminder]]:
        """Change the zone and move every reminder's next time to the same wall-clock time there: repeats, and
        one-offs given as a day or clock time (still ahead there). A one-off given as a length ("in 2h") keeps
        its moment. Returns the account, the one-offs moved, and those whose clock time has passed there (they
        keep their moment: the person is told)."""
        updated = replace(account, timezone=zone_name)
        old_tz, tz = self.tz(account), zone_from_name(zone_name)
        now = self.now()
        moved: list[Reminder] = []
        passed: list[Reminder] = []
        with self.store.atomic():
            self.store.put_account(updated)
            for reminder in self.store.reminders_of(account.id):
                schedule = schedule_from_dict(reminder.schedule)
                if schedule.kind != "once" and reminder.next_due is not None:
                    nxt = next_occurrence(schedule, now, tz)
                    self.store.put_reminder(replace(reminder, next_due=nxt.timestamp() if nxt else None))
                elif reminder.wall_clock and reminder.next_due is not None and reminder.next_due > now.timestamp():
                    wall = datetime.fromtimestamp(reminder.next_due, tz=old_tz).replace(tzinfo=None)
                    there = local_to_utc(wall.date(), wall.time(), tz)
                    if there <= now:
                        passed.append(reminder)
                    elif there.timestamp() != reminder.next_due:
                        once = replace(schedule, once_utc=there)
                        kept = replace(reminder, schedule=schedule_to_dict(once), next_due=there.timestamp())
                        self.store.put_reminder(kept)
                        moved.append(kept)
        return updated, moved, passed

    def set_quiet_hours(self, account: Account, window: str | None) -> list[Occurrence]:
        """Change quiet hours and re-time at once what the old window holds: out of the new one it comes now,
        inside it when the new one ends. Returns the held occurrences as re-timed."""
        updated = replace(account, quiet_hours=window)
        tz, now = self.tz(updated), self.now_ts()
        retimed: list[Occurrence] = []
        with self.store.atomic():
            self.store.put_account(updated)
            self._release_series_notices(account, window, tz, now)
            for occurrence in self.store.open_occurrences_of(account.id):
                if occurrence.status != HELD:
                    continue
                fire_at = quiet_until(now, window, tz) or now
                moved = replace(occurrence, fire_at=fire_at, round_at=fire_at, updated_at=now)
                self.store.put_occurrence(moved)
                retimed.append(moved)
        return retimed

    def _release_series_notices(self, account: Account, window: str | None, tz: tzinfo, now: float) -> None:
        """A series notice waiting for the old window's end (its next time is that end) comes as the new one allows."""
        if not account.quiet_hours:
            return
        old_end = account.quiet_hours.partition("-")[2]
        for reminder in self.store.reminders_of(account.id):
            due = reminder.next_due
            if reminder.series is None or reminder.paused or due is None or due <= now:
                continue
            if datetime.fromtimestamp(due, tz=UTC).astimezone(tz).strftime("%H:%M") != old_end:
                continue
            held = quiet_until(now, account.quiet_hours, tz)
            if held is None or abs(held - due) > 1:
                continue  # not held by the window: a notice that is simply due then
            self.store.put_reminder(replace(reminder, next_due=quiet_until(now, window, tz) or now))

    def set_delivery(self, account: Account, choice: str) -> Account:
        updated = replace(account, deliver_to=choice)
        self.store.put_account(updated)
        return updated

    def count_feedback(self, entry_id: str, helpful: bool) -> None:
        """A 👍 or 👎 for a guide entry: a count, with nothing about who pressed it."""
        self.store.add_feedback(entry_id, helpful)

    def forget(self, account: Account) -> None:
        """Delete the account and everything that belongs to it (the store scrubs its files after), and any link
        waiting for one of its identities' answer. Wrong-code counts stay until they expire (at most 15 minutes):
        they hold no regimen data, and forgetting them would let anyone reset the lockout by /forget."""
        identities = self.store.identities_of(account.id)
        self.store.delete_account(account.id)  # first: if it fails, nothing at all has changed
        for identity in identities:
            self.links.drop(identity.key)

    # Linking ------------------------------------------------------------------------------------
    def join(self, identity: Identity, keep: Account, mine: Account | None) -> dict[int, int]:
        """Point `identity` at `keep`, moving its own account's records over first; one transaction.
        Returns old -> new numbers of the reminders that moved."""
        now = self.now_ts()
        with self.store.atomic():
            renumbered = merge_accounts(self.store, keep, mine) if mine is not None else {}
            self.store.put_identity(_identity_record(identity, keep.id, now))
        return renumbered

    def unlink(self, identities: list[IdentityRecord]) -> None:
        with self.store.atomic():
            for identity in identities:
                self.store.delete_identity(identity.key)

    def delivery_addresses(self, account: Account, origin: str) -> list[Address]:
        """Where a reminder goes: its origin platform (default), a chosen platform, or all of them."""
        identities = [i for i in self.store.identities_of(account.id) if i.unreachable_since is None]
        if account.deliver_to == "both":
            chosen = identities
        else:
            wanted = origin if account.deliver_to == "origin" else account.deliver_to
            chosen = [i for i in identities if i.platform == wanted] or identities[:1]
        return [Address(i.platform, i.chat_id) for i in chosen]

    # Reminders ----------------------------------------------------------------------------------
    def create_reminder(
        self, account: Account, text: str, schedule: Schedule, kind: str, origin: str, wall_clock: bool = False
    ) -> Reminder:
        text = clean_text(text)
        if not text:
            raise RegimenError("What should I remind you about? For example: /remind stretch in 10m")
        reminders = self.store.reminders_of(account.id)
        if len(reminders) >= MAX_REMINDERS:
            raise RegimenError(
                f"You already have {MAX_REMINDERS} reminders, the most I keep. Delete one first: /delete 3"
            )
        nxt = next_occurrence(schedule, self.now(), self.tz(account))
        if nxt is None:
            raise RegimenError("That time has already passed. Try a time in the future, e.g. 'in 10m'.")
        fresh = self.store.get_account(account.id) or account
        reminder = Reminder(
            id=new_id(),
            account_id=account.id,
            number=fresh.next_number,
            text=text,
            kind=kind,
            schedule=schedule_to_dict(schedule),
            origin=origin,
            created_at=self.now_ts(),
            next_due=nxt.timestamp(),
            wall_clock=wall_clock and schedule.kind == "once",
        )
        return self._add(fresh, reminder)

    def _add(self, account: Account, reminder: Reminder) -> Reminder:
        """Store a new reminder under the next number, taken from the account as locked now: two created at once
        (two linked platforms, two peers) never share a number."""
        with self._writing(account.id) as locked:
            account = locked or account
            reminder = replace(reminder, number=account.next_number)
            self.store.put_account(replace(account, next_number=account.next_number + 1))
            self.store.put_reminder(reminder)
            # A new reminder has no history: its tally starts empty and every outcome is folded in.
            self.store.put_tally(empty(reminder.id, reminder.account_id))
        return reminder

    def reminder_by_number(self, account: Account, number: int) -> Reminder | None:
        for reminder in self.store.reminders_of(account.id):
            if reminder.number == number:
                return reminder
        return None

    def delete_reminder(self, reminder: Reminder) -> None:
        now = self.now_ts()
        with self._writing(reminder.account_id):
            for occurrence in self.open_occurrences(reminder):
                self.store.put_occurrence(replace(occurrence, status=CANCELLED, updated_at=now))
            self.store.delete_reminder(reminder.id)

    def restore_reminder(self, account: Account, reminder: Reminder) -> Reminder | None:
        """A deleted reminder back as it was (its id, number, name and schedule), next due from now on; what fell
        due while it was gone is not replayed, and its cancelled occurrences stay in the history. None when it
        has nothing left to fire (a one-off whose time has passed, a series)."""
        if reminder.series is not None:
            return None
        with self._writing(account.id):
            if self.store.get_reminder(reminder.id) is not None:
                return self.store.get_reminder(reminder.id)
            if len(self.store.reminders_of(account.id)) >= MAX_REMINDERS:
                raise RegimenError(f"You already have {MAX_REMINDERS} reminders, the most I keep. Delete one first.")
            nxt = next_occurrence(schedule_from_dict(reminder.schedule), self.now(), self.tz(account))
            if nxt is None:
                return None
            restored = replace(reminder, next_due=nxt.timestamp(), unanswered=0)
            self.store.put_reminder(restored)
            return restored

    def set_paused(self, reminder: Reminder, paused: bool, reason: str | None = None) -> Reminder:
        with self._writing(reminder.account_id):
            return self._set_paused(self._fresh(reminder), paused, reason)

    def _set_paused(self, reminder: Reminder, paused: bool, reason: str | None) -> Reminder:
        if not paused and reminder.paused and reminder.series is not None:
            nxt_stage = first_stage_after(float(reminder.series["session_at"]), self.now_ts())
            updated = replace(reminder, paused=False, pause_reason=None, next_due=nxt_stage)
        elif not paused and reminder.paused:
            # Resuming never replays what fell due while paused: the next time is from now on.
            schedule = schedule_from_dict(reminder.schedule)
            account = self.store.get_account(reminder.account_id)
            nxt = next_occurrence(schedule, self.now(), self.tz(account))
            updated = replace(reminder, paused=False, pause_reason=None, next_due=nxt.timestamp() if nxt else None)
        else:
            updated = replace(reminder, paused=paused, pause_reason=reason if paused else None)
        self.store.put_reminder(updated)
        if paused:
            for occurrence in self.open_occurrences(reminder):
                self.hold_for_pause(occurrence)
        return updated

    def hold_for_pause(self, occurrence: Occurrence) -> Occurrence:
        """A paused reminder sends nothing more: a pending snooze or nudge is dropped (the occurrence stays open
        to answer), and what never reached the person (a retry, a quiet-hours hold) is recorded as paused."""
        now = self.now_ts()
        if occurrence.status in (SNOOZED, NUDGE):
            kept = replace(occurrence, status=SENT, fire_at=occurrence.updated_at, updated_at=now)
            self.store.put_occurrence(kept)
            return kept
        if occurrence.owed:  # shown on some platforms already: it stays open to answer, the rest is not sent
            kept = replace(occurrence, status=SENT, fire_at=occurrence.updated_at, updated_at=now, owed="")
            self.store.put_occurrence(kept)
            return kept
        if occurrence.status in (RETRY, HELD):
            # A series' "did it happen?" stays open to answer (as in give_up); anything else never reached them.
            return self.give_up(occurrence, PAUSED)
        return occurrence

    def set_all_paused(self, reminders: list[Reminder], paused: bool) -> list[Reminder]:
        """Pause or resume several reminders at once; returns the ones that changed."""
        changed = [r for r in reminders if r.paused != paused]
        with self.store.atomic():
            for account_id in sorted({r.account_id for r in changed}):
                self._writing_lock(account_id)
            for reminder in changed:
                self.set_paused(reminder, paused, "by you" if paused else None)
        return changed

    def set_nudges(self, reminder: Reminder, minutes: int, count: int) -> Reminder:
        return self._change(reminder, nudge_minutes=minutes, nudge_max=count)

    def set_series_pause(self, reminder: Reminder, before_days: int, after_days: int) -> Reminder:
        """Days around each session of this series when exfoliation reminders hold off."""
        assert reminder.series is not None
        series = {**reminder.series, "pause_before_days": before_days, "pause_after_days": after_days}
        return self._change(reminder, series=series)

    def reschedule(
        self, account: Account, reminder: Reminder, schedule: Schedule, wall_clock: bool = False
    ) -> Reminder:
        nxt = next_occurrence(schedule, self.now(), self.tz(account))
        if nxt is None:
            raise RegimenError("That time has already passed. Try a time in the future, e.g. 'tomorrow at 9am'.")
        changes: dict[str, Any] = {
            "schedule": schedule_to_dict(schedule),
            "next_due": nxt.timestamp(),
            "wall_clock": wall_clock and schedule.kind == "once",
        }
        if reminder.pause_reason == PUT_ASIDE_REASON:  # a new time is what the put-aside notice asked for
            changes.update(paused=False, pause_reason=None)
        return self._change(reminder, **changes)

    def rename(self, reminder: Reminder, text: str) -> Reminder:
        text = clean_text(text)
        if not text:
            raise RegimenError("Tell me the new name, for example: /rename 2 evening stretch")
        return self._change(reminder, text=text)

    def _fresh(self, reminder: Reminder) -> Reminder:
        """The reminder as stored now (inside _writing: locked), not the copy a handler read before: the
        dispatcher, maybe in another process, may have moved it on since."""
        return self.store.get_reminder(reminder.id) or reminder

    def _change(self, reminder: Reminder, **changes: Any) -> Reminder:
        """Set some fields of the stored reminder, leaving the others as they are stored now."""
        with self._writing(reminder.account_id):
            updated = replace(self._fresh(reminder), **changes)
            self.store.put_reminder(updated)
        return updated

    # Tallies ------------------------------------------------------------------------------------
    def progress_inputs(self, account_id: str) -> Progress:
        """The account's reminders, their tallies (an unknown one rebuilt and saved) and open occurrences, read
        together in one transaction (storage.tally.read_progress)."""
        return read_progress(self.store, account_id, self.now_ts())

    def last_outcomes(self, account_id: str, inputs: Progress | None = None) -> dict[str, Occurrence | Outcome]:
        """What happened last to each of the account's reminders, by reminder id (bot.state.last_outcomes);
        `inputs`: progress_inputs already read for this message."""
        reminders, tallies, open_occurrences = inputs or self.progress_inputs(account_id)
        history = partial(self.store.history_outcomes, account_id)
        return last_outcomes(reminders, tallies, open_occurrences, history, self._history_lasts)

    # Occurrences --------------------------------------------------------------------------------
    def open_occurrences(self, reminder: Reminder, of_account: list[Occurrence] | None = None) -> list[Occurrence]:
        """The reminder's open occurrences; `of_account`: the account's, as just read, when the caller has them."""
        found = self.store.open_occurrences_of(reminder.account_id) if of_account is None else of_account
        return [o for o in found if o.reminder_id == reminder.id]

    def answerable(self, reminder: Reminder, of_account: list[Occurrence] | None = None) -> Occurrence | None:
        """The occurrence '/done N' means: the latest one shown or snoozed, else the upcoming one soon."""
        open_ = self.open_occurrences(reminder, of_account)
        shown = [o for o in open_ if o.status in (SENT, SNOOZED, NUDGE) or o.deliveries]
        if shown:
            return shown[-1]
        return None

    def treatment_pauses(
        self, account: Account, reminders: list[Reminder] | None = None
    ) -> dict[str, tuple[str, float | None]]:
        """Exfoliation reminders held around a treatment session (bot.state.treatment_pauses)."""
        found = self.store.reminders_of(account.id) if reminders is None else reminders
        return treatment_pauses(found, self.tz(account))

    def undo_answer(self, answered: Occurrence, before: Occurrence, early: bool, left: Reminder | None) -> bool:
        """Put an answer back: `answered` becomes `before` again (an early one, made by the answer, goes away and
        its reminder is due at that time again). `left`: the reminder as the answer left it. False, changing
        nothing, when anything has moved on since: the occurrence, the reminder (deleted, edited, another time
        claimed) or, for an early one, its time has come."""
        with self._writing(answered.account_id):  # checked and undone under the same locks
            reminder = self.store.get_reminder(answered.reminder_id)
            if reminder is None or self.store.get_occurrence(answered.account_id, answered.id) != answered:
                return False
            if early and (left is None or _moved_on(reminder, left) or before.due <= self.now_ts()):
                return False
            if early:
                self.store.drop_occurrence(answered.account_id, answered.id)
                self.store.put_reminder(replace(reminder, next_due=before.due))
            elif answered.is_open:
                self.store.put_occurrence(before)  # a snooze: back to waiting for an answer
            else:
                self.store.reopen_occurrence(before)
        self._history_lasts.forget_reminder(answered.reminder_id)  # it may remember the outcome just undone
        return True

    def is_finished(self, occurrence: Occurrence) -> bool:
        """Whether nothing of this occurrence's reminder comes after it: no next time and nothing else open."""
        return self.is_finished_as(occurrence, self.store.get_reminder(occurrence.reminder_id))

    def is_finished_as(self, occurrence: Occurrence, reminder: Reminder | None) -> bool:
        """is_finished, with its reminder as the caller has just read it (None: deleted)."""
        if reminder is None or reminder.series is not None or reminder.next_due is not None or reminder.paused:
            return False
        return all(o.id == occurrence.id for o in self.open_occurrences(reminder))

    def can_claim_early(self, reminder: Reminder) -> bool:
        """Whether the upcoming time is near enough to be answered before it is due."""
        if reminder.next_due is None or reminder.paused:
            return False
        return reminder.next_due - self.now_ts() <= EARLY_DONE_WINDOW.total_seconds()

    def claim_early(self, reminder: Reminder) -> Occurrence | None:
        """Create the upcoming occurrence now, so it can be answered before it is due."""
        if not self.can_claim_early(reminder):
            return None
        assert reminder.next_due is not None
        return self.advance(reminder, status=SENT, fire_at=reminder.next_due)

    def advance(self, reminder: Reminder, status: str, fire_at: float, late: bool = False) -> Occurrence:
        """Turn the reminder's next due time into an occurrence and move the reminder on, atomically."""
        assert reminder.next_due is not None
        due = reminder.next_due
        schedule = schedule_from_dict(reminder.schedule)
        with self._writing(reminder.account_id):
            account = self.store.get_account(reminder.account_id)
            nxt = next_occurrence(schedule, datetime.fromtimestamp(due, tz=UTC), self.tz(account))
            occurrence = occurrence_of(reminder, due, status, at=self.now_ts(), fire_at=fire_at, late=late)
            moved_on = replace(reminder, next_due=nxt.timestamp() if nxt else None)
            existing = self._existing(reminder, occurrence.id, due)
            if existing is not None:
                # This time already has an outcome (say, an early /done before a time-zone change brought
                # the same time back): keep it, never create it twice, just move on.
                self.store.put_reminder(moved_on)
                return existing
            self.store.put_occurrence(occurrence)
            self.store.put_reminder(moved_on)
        return occurrence

    def _existing(self, reminder: Reminder, occurrence_id: str, due: float) -> Occurrence | None:
        tally = self.store.get_tally(reminder.id)
        if tally is not None and due > tally.through:
            # No resolved occurrence of this reminder is this new (the tally has seen them all): only an open
            # one could have this id, and the person's history file stays unread.
            return next((o for o in self.store.open_occurrences_of(reminder.account_id) if o.id == occurrence_id), None)
        return self.store.get_occurrence(reminder.account_id, occurrence_id)

    def give_up(self, occurrence: Occurrence, status: str) -> Occurrence:
        """Record that the bot could not (or may not have) shown this occurrence.

        A series' "did it happen?" question stays open instead, so the person can still answer it with
        /done N or /skip N and the series carries on; it is not sent again.
        """
        reminder = self.store.get_reminder(occurrence.reminder_id)
        if reminder is not None and reminder.series is not None:
            kept = replace(occurrence, status=SENT, updated_at=self.now_ts())
            self.store.put_occurrence(kept)
            return kept
        return self.resolve(occurrence, status)

    def resolve(self, occurrence: Occurrence, status: str) -> Occurrence:
        if status not in RESOLVED_STATUSES:
            raise ValueError(status)
        if status in (DONE, SKIPPED):
            return self.answer(occurrence, status).occurrence
        updated = replace(occurrence, status=status, updated_at=self.now_ts())
        with self._writing(occurrence.account_id):
            updated = self._with_stored_deliveries(updated)
            self.store.put_occurrence(updated)
        return updated

    def answer(self, occurrence: Occurrence, status: str) -> Answered:
        """The person's Done or Skip: the occurrence resolved, and its reminder as the answer left it."""
        if status not in (DONE, SKIPPED):
            raise ValueError(status)
        updated = replace(occurrence, status=status, updated_at=self.now_ts())
        with self._writing(occurrence.account_id):
            updated = self._with_stored_deliveries(updated)
            self.store.put_occurrence(updated)
            reminder = self._answered(occurrence, status)
        return Answered(updated, reminder)

    def snooze(self, occurrence: Occurrence, until: datetime) -> Occurrence:
        return self.snooze_answer(occurrence, until).occurrence

    def snooze_answer(self, occurrence: Occurrence, until: datetime) -> Answered:
        # owed="": the snoozed round is shown everywhere, not only where the last one had not arrived
        updated = replace(occurrence, status=SNOOZED, fire_at=until.timestamp(), updated_at=self.now_ts(), owed="")
        with self._writing(occurrence.account_id):
            updated = self._with_stored_deliveries(updated)
            self.store.put_occurrence(updated)
            reminder = self._answered(occurrence)
        return Answered(updated, reminder)

    def _with_stored_deliveries(self, updated: Occurrence) -> Occurrence:
        """Where the stored copy says it was shown, too: the dispatcher (maybe another process) may have recorded
        a delivery since this copy was read, and an answer must not erase it (the other copies are edited)."""
        stored = self.store.get_occurrence(updated.account_id, updated.id)
        if stored is None or set(stored.deliveries) <= set(updated.deliveries):
            return updated
        more = tuple(d for d in stored.deliveries if d not in updated.deliveries)
        return replace(updated, deliveries=updated.deliveries + more)

    def _answered(self, occurrence: Occurrence, status: str | None = None) -> Reminder | None:
        """Any answer shows the person is there: the unanswered count starts again. Returns the reminder as
        the answer leaves it (None: deleted meanwhile)."""
        stored = reminder = self.store.get_reminder(occurrence.reminder_id)
        if reminder is None:
            return None
        if reminder.series is not None and status in (DONE, SKIPPED):
            reminder = self._session_answered(reminder, occurrence, status == DONE)
        if reminder.unanswered:
            reminder = replace(reminder, unanswered=0)
        if reminder != stored:  # most answers change nothing here: no row rewritten
            self.store.put_reminder(reminder)
        return reminder

    # Treatment series ---------------------------------------------------------------------------------
    def create_series(self, account: Account, plan: SeriesPlan, origin: str) -> Reminder:
        fresh = self.store.get_account(account.id) or account
        if len(self.store.reminders_of(account.id)) >= MAX_REMINDERS:
            raise RegimenError(f"You already have {MAX_REMINDERS} reminders, the most I keep. Delete one first.")
        series = new_series(plan)
        reminder = Reminder(
            id=new_id(),
            account_id=account.id,
            number=fresh.next_number,
            text=f"{plan.treatment.capitalize()} session",
            kind="series",
            schedule=schedule_to_dict(Schedule(kind="once", once_utc=plan.first_session)),
            origin=origin,
            created_at=self.now_ts(),
            next_due=first_stage_after(series["session_at"], self.now_ts()),
            series=series,
        )
        return self._add(fresh, reminder)

    def series_follow_up(self, reminder: Reminder) -> Occurrence:
        """The 'did it happen?' question: an occurrence for the session; the series waits for the answer."""
        assert reminder.series is not None
        session_at = float(reminder.series["session_at"])
        number = int(reminder.series["done"]) + 1
        question = f"Did your {reminder.series['treatment']} session ({number} of {reminder.series['total']}) happen?"
        now = self.now_ts()
        occurrence = occurrence_of(reminder, session_at, SENDING, at=now, fire_at=now, text=question)
        with self._writing(reminder.account_id):
            self.store.put_occurrence(occurrence)
            self.store.put_reminder(replace(reminder, next_due=None))
        return occurrence

    def _session_answered(self, reminder: Reminder, occurrence: Occurrence, happened: bool) -> Reminder:
        assert reminder.series is not None
        series = dict(reminder.series)
        account = self.store.get_account(reminder.account_id)
        if happened:
            series["done"] = int(series["done"]) + 1
            series["held_at"] = [*series.get("held_at", []), self.now_ts()]
            following = next_session_after(self.now_ts(), series, self.tz(account))
        else:  # it didn't happen: keep the rhythm from the planned date; /reschedule changes it
            following = float(series["session_at"]) + int(series["every_weeks"]) * 7 * 86400
        if int(series["done"]) >= int(series["total"]):
            return replace(reminder, series=series, next_due=None)
        series["session_at"] = following
        return replace(reminder, series=series, next_due=first_stage_after(following, self.now_ts()))

    def reschedule_session(self, reminder: Reminder, when: datetime) -> Reminder:
        assert reminder.series is not None
        series = {**reminder.series, "session_at": when.timestamp()}
        updated = replace(reminder, series=series, next_due=first_stage_after(when.timestamp(), self.now_ts()))
        with self._writing(reminder.account_id):
            for occurrence in self.open_occurrences(reminder):  # the old date's question is moot
                self.store.put_occurrence(replace(occurrence, status=CANCELLED, updated_at=self.now_ts()))
            self.store.put_reminder(updated)
        return updated

    def mark_done(self, occurrence: Occurrence) -> Occurrence:
        return self.answer(occurrence, DONE).occurrence

    def mark_skipped(self, occurrence: Occurrence) -> Occurrence:
        return self.answer(occurrence, SKIPPED).occurrence


class Answered(NamedTuple):
    """An answer as it was stored: the occurrence, and its reminder as the answer left it (None: deleted)."""

    occurrence: Occurrence
    reminder: Reminder | None


def _identity_record(identity: Identity, account_id: str, now: float) -> IdentityRecord:
    """A platform identity pointing at `account_id`; its private chat is the user's own id."""
    return IdentityRecord(
        key=identity.key,
        account_id=account_id,
        platform=identity.platform,
        user_id=identity.user_id,
        chat_id=identity.user_id,
        created_at=now,
    )


def _moved_on(reminder: Reminder, left: Reminder) -> bool:
    """Edited, paused or another time claimed since the answer left it as `left`."""
    return (reminder.next_due, reminder.schedule, reminder.paused) != (left.next_due, left.schedule, left.paused)
