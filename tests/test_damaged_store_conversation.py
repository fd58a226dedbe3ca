"""A person whose history file was damaged can still see their progress, export and delete their data."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from bot.app import App
from bot.models import Identity
from bot.timing.clock import FakeClock
from storage.tinydb import TinyDBStore
from tests import talk
from tests.conftest import START
from tests.fakes import RecordingPlatform
from tests.storage.test_tinydb_store import damage_history_file

USER = Identity("console", "alice")


say = partial(talk.say, who=USER)


async def test_progress_export_and_forget_work_with_a_damaged_history_file(tmp_path: Path) -> None:
    clock = FakeClock(START)
    path = str(tmp_path / "clearback.json")
    store = TinyDBStore(path, freeze_gc=False)
    app = App(store, clock)
    app.hub.register(RecordingPlatform())
    await say(app, "/remind cream every day at 12:30")
    for _ in range(4):
        clock.advance(86400 / 2 + 60 * 30 if clock.now().hour == 12 else 86400 / 2 - 60 * 30)
        await app.scheduler.tick()
        await say(app, "/done 1")
    account = app.regimen.account_for(USER)
    assert account is not None and len(store.history_of(account.id)) >= 2
    store.close()
    history_file = store.history_path(account.id)
    damage_history_file(history_file)

    store = TinyDBStore(path, freeze_gc=False)
    app = App(store, clock)
    app.hub.register(RecordingPlatform())
    progress = await say(app, "/progress text")
    assert "went wrong" not in progress[0].text and "cream" in progress[0].text
    exported = await say(app, "/export")
    assert exported[0].attachment is not None
    data = json.loads(exported[0].attachment.data)
    assert data["reminders"][0]["text"] == "cream"
    forgotten = await say(app, "/forget confirm")
    assert "went wrong" not in forgotten[0].text
    assert app.regimen.account_for(USER) is None
    store.close()
    bucket = Path(history_file).parent
    assert not bucket.exists() or list(bucket.iterdir()) == []  # neither the history file nor its damaged copy
