"""Fixtures shared by the adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.fake_discord import FakeDiscord


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    server.install(monkeypatch)
    yield server
    await server.close()
