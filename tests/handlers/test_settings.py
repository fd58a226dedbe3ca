"""/quiet and /nudge through the conversation."""

from __future__ import annotations

from bot.app import App
from bot.models import Identity
from tests.conftest import account_snapshot, only, say


def account_of(app: App, user: str = "u1") -> str:
    account = app.regimen.account_for(Identity("console", user))
    assert account is not None
    return account.id


async def test_quiet_shows_sets_and_turns_off_the_window(bot_app: App) -> None:
    assert "no quiet hours" in only(await say(bot_app, "/quiet")).text
    reply = only(await say(bot_app, "/quiet 10pm-7am"))
    assert "Quiet hours set to 22:00-07:00" in reply.text
    stored = bot_app.store.get_account(account_of(bot_app))
    assert stored is not None and stored.quiet_hours == "22:00-07:00"
    assert "22:00-07:00" in only(await say(bot_app, "/quiet")).text
    assert "off" in only(await say(bot_app, "/quiet off")).text
    stored = bot_app.store.get_account(account_of(bot_app))
    assert stored is not None and stored.quiet_hours is None


async def test_unreadable_quiet_hours_say_what_was_expected_and_change_nothing(bot_app: App) -> None:
    await say(bot_app, "/quiet 22:00-07:00")
    before = account_snapshot(bot_app)
    reply = only(await say(bot_app, "/quiet late evening"))
    assert "/quiet 22:00-07:00" in reply.text and '"late evening"' in reply.text
    assert account_snapshot(bot_app) == before


async def test_quiet_takes_time_phrases_and_asks_about_bare_hours(bot_app: App) -> None:
    for phrase in ("from 10pm to 7am", "22 to 7", "10pm until 7am"):
        assert "Quiet hours set to 22:00-07:00" in only(await say(bot_app, f"/quiet {phrase}")).text
    await say(bot_app, "/quiet 23:00-06:00")
    before = account_snapshot(bot_app)
    asked = only(await say(bot_app, "/quiet 10 to 7"))
    assert "could mean 10:00-07:00 (21 hours) or 22:00-07:00 (9 hours)" in asked.text
    refused = only(await say(bot_app, "/quiet 10pm to dawn"))
    assert '"dawn" isn\'t a time' in refused.text and "/quiet from 22 to 7" in refused.text
    assert account_snapshot(bot_app) == before


async def test_nudge_sets_bounds_and_turns_off(bot_app: App) -> None:
    await say(bot_app, "/remind cream every day at 21:30")
    assert "up to twice" in only(await say(bot_app, "/nudge 1 1h 2")).text
    [reminder] = bot_app.store.reminders_of(account_of(bot_app))
    assert (reminder.nudge_minutes, reminder.nudge_max) == (60, 2)
    expected = {
        "/nudge 1": "/nudge 1 2h",
        "/nudge 1 1m": "/nudge 1 2h",
        "/nudge 1 2h 3": "/nudge 1 1h 2",
        "/nudge 1 soon": '"2h"',
    }
    for bad, example in expected.items():
        before = account_snapshot(bot_app)
        assert example in only(await say(bot_app, bad)).text, bad  # says what was expected, with an example
        assert account_snapshot(bot_app) == before, bad
    assert "No more nudges" in only(await say(bot_app, "/nudge 1 off")).text
    [reminder] = bot_app.store.reminders_of(account_of(bot_app))
    assert (reminder.nudge_minutes, reminder.nudge_max) == (0, 0)


async def test_nobody_elses_reminder_can_be_nudged(bot_app: App) -> None:
    await say(bot_app, "/remind cream every day at 21:30", user="alice")
    before = account_snapshot(bot_app, user="alice")
    assert "You have no reminder 1" in only(await say(bot_app, "/nudge 1 1h", user="mallory")).text
    assert account_snapshot(bot_app, user="alice") == before
