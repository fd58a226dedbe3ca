"""Platform faults against the local fake Bot API, through the real App, scheduler and Telegram adapter.

Flood control, outages (5xx), dropped connections, a request that times out after arriving, and a user
who blocked the bot, all at once: every reminder is delivered exactly once or parked, and the bot keeps
serving.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from adapters.base import RetryPolicy
from adapters.pacing import TELEGRAM_LIMITS, PlatformLimits
from adapters.settings import PlatformSettings
from adapters.wiring import Connection
from bot.app import App
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from storage.records import UNDELIVERABLE
from tests.adapters.fake_telegram import TOKEN, FakeTelegram, running_fake
from tests.adapters.wired import wired

USERS = list(range(5001, 5013))
BLOCKED = USERS[-1]


def reminder_texts(fake: FakeTelegram, user: int) -> list[str]:
    return [m.text for m in fake.bot_messages(user) if m.text.startswith("⏰")]


async def test_reminders_survive_every_platform_fault_exactly_once() -> None:
    clock = FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    app = App(store=MemoryStore(), clock=clock)
    async with running_fake() as fake:
        quick = replace(
            TELEGRAM_LIMITS, overall_per_second=200, overall_limit=200, private_interval=0.01, group_interval=0.01
        )
        adapter = wired(
            app,
            PlatformSettings(telegram_token=TOKEN, telegram_base_url=fake.base_url),
            limits=PlatformLimits(telegram=quick),
            retry=RetryPolicy(never_left_delays=(0.05,)),
            connection=Connection(telegram_poll_timeout=1, telegram_request_timeout=0.5),
        )
        await adapter.start()
        try:
            for user in USERS:
                fake.inject_message(user, f"/remind stretch {user} in 1m")
            await fake.wait_for(lambda: all(fake.bot_messages(u) for u in USERS) or None, within=20)
            fake.blocked.add(BLOCKED)
            fake.flood(times=2, retry_after=7)  # longer than the scheduler's budget: parked as RETRY
            fake.fail(times=4, status=502, after_storing=True)  # accepted, then the answer is lost: never re-sent
            fake.drop(times=3, after_storing=True)
            fake.stall(1.0, times=1)  # arrives, but the answer is late: uncertain, never re-sent
            clock.advance(60)
            for _ in range(12):  # walk the fake clock through every retry time
                await app.scheduler.tick()
                nxt = app.store.next_due_at()
                if nxt is None or nxt > clock.now().timestamp() + 3600:
                    break
                clock.set(datetime.fromtimestamp(max(nxt, clock.now().timestamp()), tz=UTC))
            statuses = Counter(call.status for call in fake.calls_to("sendMessage", ok_only=False))
            assert statuses[429] == 2 and statuses[502] == 4 and statuses[0] == 3  # every fault was met
            for user in USERS[:-1]:
                assert len(reminder_texts(fake, user)) == 1, (user, reminder_texts(fake, user))
            assert reminder_texts(fake, BLOCKED) == []
            blocked = app.store.get_identity(f"telegram:{BLOCKED}")
            assert blocked is not None and blocked.unreachable_since is not None
            account = app.store.get_account(blocked.account_id)
            assert account is not None
            assert [o.status for o in app.store.history_of(account.id)] == [UNDELIVERABLE]

            fake.inject_message(USERS[0], "/reminders")  # still serving after all that
            listing = await fake.wait_for(
                lambda: next((m for m in fake.bot_messages(USERS[0]) if "Your reminders" in m.text), None)
            )
            assert f"stretch {USERS[0]}" in listing.text
        finally:
            await adapter.stop()
