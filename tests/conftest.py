"""Shared helpers for the conversation tests: a fake clock, an App on a MemoryStore, a recording sender.
`say()` to talk to the bot as one person lives in tests/talk.py (re-exported here for the modules that import it
from conftest).

Fixture names are specific (fake_clock, bot_app, recording_sender) so modules may keep their own.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.models import Identity, Reply
from bot.throttle import Throttle
from bot.timing.clock import FakeClock
from storage.base import Store
from storage.memory_store import MemoryStore
from tests.adapters.fake_discord import FakeDiscord
from tests.fakes import RecordingPlatform
from tests.talk import PLATFORM
from tests.talk import say as say

# The bot processes the fault and peer tests start (hundreds of them) may cache their bytecode: with
# PYTHONDONTWRITEBYTECODE inherited, each one compiled every module again, about half a second per start.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday, 12:00 UTC


def make_bot_app(clock: FakeClock, store: Store | None = None) -> tuple[App, RecordingPlatform]:
    """An App on `store` (a fresh MemoryStore by default) with a RecordingPlatform registered.

    The flood throttle reads the fake clock instead of the host's monotonic clock, so it is
    deterministic: 20 messages at one instant are fine, the 21st is throttled until the clock moves.
    """
    app = App(store if store is not None else MemoryStore(), clock)
    app.core.throttle = Throttle(monotonic=lambda: clock.now().timestamp())
    sender = RecordingPlatform(platform=PLATFORM)
    app.hub.register(sender)
    return app, sender


@pytest.fixture
def platform() -> RecordingPlatform:
    """A recording platform for modules that define their own `clock` fixture."""
    return RecordingPlatform()


@pytest.fixture
def app(clock: FakeClock, platform: RecordingPlatform) -> App:
    application = App(MemoryStore(), clock)
    application.hub.register(platform)
    return application


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def bot_app_and_sender(fake_clock: FakeClock) -> tuple[App, RecordingPlatform]:
    return make_bot_app(fake_clock)


@pytest.fixture
def bot_app(bot_app_and_sender: tuple[App, RecordingPlatform]) -> App:
    return bot_app_and_sender[0]


@pytest.fixture
def recording_sender(bot_app_and_sender: tuple[App, RecordingPlatform]) -> RecordingPlatform:
    return bot_app_and_sender[1]


def only(replies: list[Reply]) -> Reply:
    """The one reply a message must get."""
    assert len(replies) == 1, [r.text for r in replies]
    return replies[0]


def account_snapshot(app: App, user: str = "u1", platform: str = PLATFORM) -> tuple[object, ...]:
    """Everything stored for `user`'s account (records are frozen, so snapshots compare by value)."""
    account = app.regimen.account_for(Identity(platform, user))
    if account is None:
        return ()
    store = app.store
    return (
        account,
        tuple(store.identities_of(account.id)),
        tuple(store.reminders_of(account.id)),
        tuple(store.open_occurrences_of(account.id)),
        tuple(store.history_of(account.id)),
    )


@pytest.fixture
async def discord_fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """The local fake of Discord's servers, with discord.py pointed at it (tests/adapters, tests/postgres)."""
    server = FakeDiscord()
    await server.start()
    server.install(monkeypatch)
    yield server
    await server.close()
