"""One person on two platforms, through the real core: link, merge, deliver to both, mirror, unlink."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.models import Address, Identity, IncomingMessage, Reply
from bot.throttle import Throttle
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from storage.records import DONE
from tests.fakes import RecordingPlatform

TG = Identity("telegram", "100")
DC = Identity("discord", "200")
CONSOLE = Identity("console", "300")
MALLORY = Identity("discord", "666")


class World:
    def __init__(self) -> None:
        self.clock = FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
        self.app = App(MemoryStore(), self.clock)
        self.platforms = {name: RecordingPlatform(platform=name) for name in ("telegram", "discord", "console")}
        for platform in self.platforms.values():
            self.app.hub.register(platform)

    async def say(
        self, who: Identity, text: str = "", button: str | None = None, ref: str | None = None
    ) -> list[Reply]:
        address = Address(who.platform, who.user_id)
        return await self.app.handle(IncomingMessage(who, address, text=text, button=button, message_ref=ref))

    async def code(self, who: Identity) -> str:
        [reply] = await self.say(who, "/link")
        match = re.search(r"/link ([A-Z0-9]{8})", reply.text)
        assert match is not None
        return match.group(1)

    async def redeem(self, who: Identity, code: str) -> list[Reply]:
        """Enter `code` as `who`, then press Yes on the question it asks."""
        [question] = await self.say(who, f"/link {code}")
        assert question.text.startswith("This will show your regimen on"), question.text
        yes = question.button_payloads()[0]
        assert yes.startswith("b:") and yes.replace("~", " ").split(":", 3)[3].startswith("/link confirm ")
        return await self.say(who, button=yes)

    def account_id(self, who: Identity) -> str:
        account = self.app.regimen.account_for(who)
        assert account is not None
        return account.id


@pytest.fixture
def world() -> World:
    return World()


async def test_link_two_empty_identities_and_both_sides_are_told(world: World) -> None:
    code = await world.code(TG)
    [reply] = await world.redeem(DC, code)
    assert reply.text.startswith("Linked!")
    assert world.account_id(TG) == world.account_id(DC)
    [(address, notice)] = world.platforms["telegram"].sent
    assert address == Address("telegram", "100") and "Linked with Discord" in notice.text


async def test_link_full_histories_keeps_everything_renumbers_and_offers_the_other_zone(world: World) -> None:
    await world.say(TG, "/timezone Europe/Berlin")
    await world.say(TG, "/remind exfoliate every mon,thu at 20:00")
    await world.say(TG, "/remind cream every day at 21:30")
    await world.say(DC, "/timezone America/New_York")
    await world.say(DC, "/remind stretch every day at 08:00")
    world.clock.set(datetime(2026, 11, 25, 13, 0, 1, tzinfo=UTC))  # 08:00 New York: the stretch fires
    await world.app.scheduler.tick()
    stretch_msg = world.platforms["discord"].reminders()[0]
    await world.say(DC, button=next(p for p in stretch_msg.button_payloads() if p.startswith("o:d:")))
    discord_history = world.app.store.history_of(world.account_id(DC))
    code = await world.code(TG)
    [reply] = await world.redeem(DC, code)
    assert "1 → 3" in reply.text and "Europe/Berlin stays" in reply.text
    [use_zone] = reply.button_payloads()
    assert use_zone.startswith("b:") and use_zone.endswith(":/timezone~America/New_York")  # bound to this account
    account_id = world.account_id(TG)
    reminders = world.app.store.reminders_of(account_id)
    assert [(r.number, r.text) for r in reminders] == [(1, "exfoliate"), (2, "cream"), (3, "stretch")]
    history = world.app.store.history_of(account_id)
    assert [(o.id, o.status, o.number) for o in history] == [(discord_history[0].id, DONE, 3)]
    moved = world.app.store.get_tally(reminders[2].id)  # the streak came along, under the kept account
    assert moved is not None and (moved.account_id, moved.current, moved.best) == (account_id, 1, 1)
    [listing] = await world.say(DC, "/reminders")
    assert "3. stretch" in listing.text and "Europe/Berlin" in listing.text
    [switched] = await world.say(DC, button=use_zone)
    assert "America/New_York" in switched.text


async def test_deliver_both_and_an_answer_on_one_platform_shows_on_the_other(world: World) -> None:
    await world.say(TG, "/link")
    code = await world.code(TG)
    await world.redeem(DC, code)
    [reply] = await world.say(TG, "/deliver both")
    assert "every linked platform" in reply.text
    await world.say(TG, "/remind cream in 1m")
    world.clock.advance(60)
    await world.app.scheduler.tick()
    tg_msg = world.platforms["telegram"].reminders()[0]
    dc_msg = world.platforms["discord"].reminders()[0]
    assert tg_msg.button_payloads() == dc_msg.button_payloads()
    done = next(p for p in dc_msg.button_payloads() if p.startswith("o:d:"))
    [edited] = await world.say(DC, button=done, ref="m1")
    assert edited.edit and "Done" in edited.text
    [(address, ref, mirrored)] = world.platforms["telegram"].edits
    assert address == Address("telegram", "100") and ref == "m2" and "Done" in mirrored.text
    assert world.platforms["discord"].edits == []  # the pressed message was edited in place, not twice
    [again] = await world.say(TG, button=done)  # pressing on the other platform too: counted once
    assert "Done" in again.text
    history = world.app.store.history_of(world.account_id(TG))
    assert [o.status for o in history] == [DONE]


async def test_unlink_keeps_data_with_the_asker_and_the_other_starts_fresh(world: World) -> None:
    code = await world.code(TG)
    await world.redeem(DC, code)
    await world.say(TG, "/remind cream every day at 21:30")
    [question] = await world.say(DC, "/unlink")
    [confirm] = question.button_payloads()
    assert "Telegram starts fresh" in question.text and confirm.endswith(":/unlink~confirm")
    [done] = await world.say(DC, button=confirm)
    assert "Unlinked Telegram" in done.text
    assert world.app.regimen.account_for(TG) is None
    [listing] = await world.say(DC, "/reminders")
    assert "cream" in listing.text
    [fresh] = await world.say(TG, "/reminders")
    assert "no reminders yet" in fresh.text


async def test_export_and_forget_cover_the_whole_account_from_either_platform(world: World) -> None:
    await world.say(TG, "/remind cream every day at 21:30")
    code = await world.code(TG)
    await world.redeem(CONSOLE, code)  # the console acts as a third platform
    [export] = await world.say(CONSOLE, "/export")
    assert export.attachment is not None
    data = json.loads(export.attachment.data)
    assert {i["key"] for i in data["identities"]} == {TG.key, CONSOLE.key}
    assert [r["text"] for r in data["reminders"]] == ["cream"]
    await world.say(CONSOLE, "/forget confirm")
    assert world.app.regimen.account_for(TG) is None and world.app.regimen.account_for(CONSOLE) is None


async def test_link_failures_are_explained(world: World) -> None:
    code = await world.code(TG)
    [same] = await world.say(Identity("telegram", "101"), f"/link {code}")
    assert "other platform" in same.text
    [already] = await world.redeem(DC, code)
    code2 = await world.code(TG)
    [twice] = await world.say(DC, f"/link {code2}")
    assert already.text.startswith("Linked!") and twice.text == "These two are already linked."
    [deliver] = await world.say(CONSOLE, "/deliver discord")
    assert "haven't linked Discord" in deliver.text


async def test_two_links_at_once_each_join_exactly_their_issuer(world: World) -> None:
    alice_tg, alice_dc = Identity("telegram", "1"), Identity("discord", "1")
    bob_tg, bob_dc = Identity("telegram", "2"), Identity("discord", "2")
    await world.say(alice_tg, "/remind alice thing every day at 9:00")
    await world.say(bob_tg, "/remind bob thing every day at 9:00")
    codes = [await world.code(alice_tg), await world.code(bob_tg)]
    await asyncio.gather(world.redeem(alice_dc, codes[0]), world.redeem(bob_dc, codes[1]))
    assert world.account_id(alice_dc) == world.account_id(alice_tg) != world.account_id(bob_dc)
    assert world.account_id(bob_dc) == world.account_id(bob_tg)
    [alice_list] = await world.say(alice_dc, "/reminders")
    assert "alice thing" in alice_list.text and "bob thing" not in alice_list.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(guess=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789-x ", min_size=0, max_size=12))
def test_forged_codes_never_expose_anyone_elses_data(guess: str) -> None:
    async def scenario() -> None:
        world = World()
        await world.say(TG, "/remind private thing every day at 9:00")
        real = await world.code(TG)
        replies = await world.say(MALLORY, f"/link {guess}")
        if guess.replace("-", "").replace(" ", "").upper() == real:
            return  # guessing the real code is the one way in (1 in 32^8)
        assert world.app.regimen.account_for(MALLORY) is None or world.account_id(MALLORY) != world.account_id(TG)
        assert all("private thing" not in r.text for r in replies)
        [listing] = await world.say(MALLORY, "/reminders")
        assert "private thing" not in listing.text
        world.clock.advance(timedelta(seconds=1))

    asyncio.run(scenario())


class GatedPlatform(RecordingPlatform):
    """Holds every send until the test opens the gate: a slow network, deterministically."""

    def __init__(self, platform: str) -> None:
        super().__init__(platform=platform)
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()

    async def send(self, address: Address, reply: Reply) -> str | None:
        self.waiting.set()
        await self.gate.wait()
        return await super().send(address, reply)


async def test_an_answer_given_while_another_copy_is_still_sending_is_kept(world: World) -> None:
    code = await world.code(TG)
    await world.redeem(DC, code)
    await world.say(DC, "/deliver both")
    slow = GatedPlatform("telegram")  # from here on, Telegram is slow
    world.app.hub.register(slow)
    await world.say(DC, "/remind cream in 1m")
    world.clock.advance(60)
    tick = asyncio.create_task(world.app.scheduler.tick())
    await slow.waiting.wait()  # Discord has it; Telegram is still on its way
    dc_msg = world.platforms["discord"].reminders()[0]
    await world.say(DC, button=next(p for p in dc_msg.button_payloads() if p.startswith("o:d:")), ref="m1")
    slow.gate.set()
    await tick
    history = world.app.store.history_of(world.account_id(DC))
    assert [o.status for o in history] == [DONE]  # not overwritten back to 'sent' by the late copy
    assert {d.platform for d in history[0].deliveries} == {"discord", "telegram"}
    [(_, _, shown)] = slow.edits  # and the late Telegram copy shows the answer, not stale buttons
    assert "Done" in shown.text


async def test_forget_during_a_send_leaves_nothing_behind(world: World) -> None:
    slow = GatedPlatform("telegram")
    world.app.hub.register(slow)
    await world.say(TG, "/remind apply tretinoin to back in 1m")
    account_id = world.account_id(TG)
    world.clock.advance(60)
    tick = asyncio.create_task(world.app.scheduler.tick())
    await slow.waiting.wait()
    await world.say(TG, "/forget confirm")
    slow.gate.set()
    await tick
    world.clock.advance(3600)
    await world.app.scheduler.tick()
    assert world.app.store.history_of(account_id) == []
    assert world.app.store.open_occurrences_of(account_id) == []


async def test_linking_never_grows_an_account_past_the_reminder_limit(world: World) -> None:
    world.app.core.throttle = Throttle(rate=1e9, burst=1e9)  # sixty commands in a row are fine here
    for n in range(30):
        await world.say(TG, f"/remind tg thing {n} every day at 9:00")
        await world.say(DC, f"/remind dc thing {n} every day at 9:00")
    code = await world.code(TG)
    [reply] = await world.say(DC, f"/link {code}")
    assert "the most I keep is 50" in reply.text
    assert world.account_id(TG) != world.account_id(DC)
    assert len(world.app.store.reminders_of(world.account_id(TG))) == 30


# Asking the redeeming side first (#11, item 9) -----------------------------------------------------------
def both_accounts(world: World) -> tuple[object, ...]:
    """Everything stored for TG's and DC's accounts, plus who points where."""
    store = world.app.store
    snapshot: list[object] = []
    for who in (TG, DC):
        account = world.app.regimen.account_for(who)
        snapshot.append(account)
        if account is not None:
            snapshot += [store.identities_of(account.id), store.reminders_of(account.id)]
            snapshot += [store.history_of(account.id), store.open_occurrences_of(account.id)]
    return tuple(snapshot)


async def two_regimens(world: World) -> None:
    await world.say(TG, "/remind exfoliate every mon,thu at 20:00")
    await world.say(TG, "/remind cream every day at 21:30")
    await world.say(DC, "/remind stretch every day at 08:00")


async def test_entering_a_code_asks_first_and_no_leaves_both_untouched(world: World) -> None:
    await two_regimens(world)
    code = await world.code(TG)
    before = both_accounts(world)
    [question] = await world.say(DC, f"/link {code}")
    assert question.text.startswith(
        "This will show your regimen on Telegram and Discord as one: your 1 reminder here joins the 2 there; continue?"
    )
    yes, no = question.button_payloads()
    assert both_accounts(world) == before and world.platforms["telegram"].sent == []  # nothing yet, nobody told
    [declined] = await world.say(DC, button=no)
    assert declined.text.startswith("Okay, nothing was linked")
    assert both_accounts(world) == before and world.account_id(TG) != world.account_id(DC)
    [late_yes] = await world.say(DC, button=yes)  # the question is gone with the No
    assert late_yes.text.startswith("There's no link waiting for your answer")
    [again] = await world.say(DC, f"/link {code}")  # and the code was used up: single use
    assert "didn't work" in again.text
    assert both_accounts(world) == before and world.platforms["telegram"].sent == []


async def test_yes_joins_them_and_only_then_the_issuer_is_told(world: World) -> None:
    await two_regimens(world)
    code = await world.code(TG)
    [question] = await world.say(DC, f"/link {code}")
    assert world.platforms["telegram"].sent == []
    [linked] = await world.say(DC, button=question.button_payloads()[0])
    assert linked.text.startswith("Linked! Telegram and here now share one regimen.")
    assert world.account_id(TG) == world.account_id(DC)
    texts = [r.text for r in world.app.store.reminders_of(world.account_id(TG))]
    assert texts == ["exfoliate", "cream", "stretch"]
    [(address, notice)] = world.platforms["telegram"].sent
    assert address == Address("telegram", "100")
    assert notice.text == (
        "Linked with Discord: your reminders, history and settings are now shared (1 reminder came from there). "
        "Not you? Send /unlink here to separate them again."
    )


async def test_typed_confirm_works_too_and_a_fresh_identity_is_asked_as_well(world: World) -> None:
    await two_regimens(world)
    code = await world.code(TG)
    [question] = await world.say(CONSOLE, f"/link {code}")  # no account here yet: still asked
    assert "as one: the 2 reminders there show here too; continue?" in question.text
    assert world.app.regimen.account_for(CONSOLE) is None
    [linked] = await world.say(CONSOLE, "/link confirm")
    assert linked.text.startswith("Linked!") and world.account_id(CONSOLE) == world.account_id(TG)


async def test_someone_else_pressing_the_redeemers_yes_changes_nothing(world: World) -> None:
    await two_regimens(world)
    await world.say(MALLORY, "/remind mallory thing every day at 9:00")
    code = await world.code(TG)
    [question] = await world.say(DC, f"/link {code}")
    yes, no = question.button_payloads()
    before = both_accounts(world)
    mallory_before = world.account_id(MALLORY)
    for payload in (yes, no):
        [refused] = await world.say(MALLORY, button=payload)
        assert refused.text == "That button was meant for someone else; to link your own platforms send /link."
    assert both_accounts(world) == before and world.account_id(MALLORY) == mallory_before
    assert world.platforms["telegram"].sent == []
    [linked] = await world.say(DC, button=yes)  # the redeemer's own Yes still works
    assert linked.text.startswith("Linked!") and world.account_id(DC) == world.account_id(TG)
    assert world.account_id(MALLORY) == mallory_before != world.account_id(TG)


async def test_an_older_question_cannot_confirm_a_newer_code(world: World) -> None:
    other_tg = Identity("telegram", "999")
    await world.say(other_tg, "/remind someone else's thing every day at 9:00")
    first = await world.code(TG)
    [old_question] = await world.say(DC, f"/link {first}")
    second = await world.code(other_tg)
    [new_question] = await world.say(DC, f"/link {second}")
    [stale] = await world.say(DC, button=old_question.button_payloads()[0])
    assert stale.text.startswith("There's no link waiting for your answer")
    assert world.app.regimen.account_for(DC) is None
    await world.say(DC, button=new_question.button_payloads()[0])
    assert world.account_id(DC) == world.account_id(other_tg) != world.account_id(TG)


async def test_an_unanswered_question_expires_and_joins_nothing(world: World) -> None:
    await two_regimens(world)
    code = await world.code(TG)
    [question] = await world.say(DC, f"/link {code}")
    before = both_accounts(world)
    world.clock.advance(timedelta(minutes=5, seconds=1))
    [expired] = await world.say(DC, button=question.button_payloads()[0])
    assert expired.text.startswith("There's no link waiting for your answer (it may have expired after 5 minutes)")
    assert both_accounts(world) == before


async def test_the_issuer_deleting_their_data_before_the_yes_joins_nothing(world: World) -> None:
    await two_regimens(world)
    code = await world.code(TG)
    [question] = await world.say(DC, f"/link {code}")
    await world.say(TG, "/forget confirm")
    dc_before = world.account_id(DC)
    [gone] = await world.say(DC, button=question.button_payloads()[0])
    assert "no longer exists" in gone.text
    assert world.account_id(DC) == dc_before and world.app.regimen.account_for(TG) is None


# Unlink confirmations are bound to the account they were made for (#11, item 8) --------------------------
async def test_someone_else_pressing_the_unlink_confirmation_changes_nothing(world: World) -> None:
    other_tg, other_dc = Identity("telegram", "7"), Identity("discord", "7")
    await world.redeem(DC, await world.code(TG))
    await world.redeem(other_dc, await world.code(other_tg))  # the presser is linked too: unlink could act
    [question] = await world.say(DC, "/unlink")
    [confirm] = question.button_payloads()
    [refused] = await world.say(other_dc, button=confirm)
    assert refused.text == "That button was meant for someone else; to unlink your own platforms send /unlink."
    assert not refused.edit  # their message is not replaced by somebody else's answer
    assert world.account_id(TG) == world.account_id(DC)
    assert world.account_id(other_tg) == world.account_id(other_dc)
    [done] = await world.say(DC, button=confirm)
    assert done.text.startswith("Unlinked Telegram") and world.app.regimen.account_for(TG) is None


async def test_an_unlink_button_from_before_bound_buttons_asks_again(world: World) -> None:
    await world.redeem(DC, await world.code(TG))
    [asked] = await world.say(DC, button="cmd:/unlink~confirm")
    assert asked.text.startswith("That button is out of date, so nothing was changed.\nUnlink Telegram?")
    assert world.account_id(TG) == world.account_id(DC)
    [done] = await world.say(DC, button=asked.button_payloads()[0])
    assert done.text.startswith("Unlinked Telegram")
