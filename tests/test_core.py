"""BotCore.handle: routing of commands, buttons and free text; odd input; flood control; failures."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import payloads
from bot.app import App
from bot.commands import BY_NAME, COMMANDS
from bot.core import INTERNAL, MAX_INPUT, SLOW_DOWN, STORAGE_DOWN, WELCOME_BACK, skipped_notice
from bot.faq import default_index
from bot.models import Identity, Reply
from bot.names import MAX_TEXT
from bot.throttle import Throttle
from bot.timing.clock import FakeClock
from storage.base import StorageUnavailable
from storage.indexes import Change
from storage.memory_store import MemoryStore
from storage.records import Reminder
from tests.conftest import START, account_snapshot, make_bot_app, only, say
from tests.fakes import RecordingPlatform

HELP_HEAD = "Here's everything I understand"
WELCOME_HEAD = "Hi, I'm ClearBack"
NOT_UNDERSTOOD = "I'm not sure I understood that."
EXPIRED = "That button has expired. See /help for what I can do."
EMPTY_PROMPT = "Send me a command like /help, or ask a question about back-acne scars."
ALL_TOPIC_PAYLOADS = [f"faq:{t.id}" for t in default_index().topics()]


def unknown(name: str) -> str:
    return f'I don\'t know the command "/{name}". See /help for everything I can do.'


def assert_topic_menu(reply: Reply, intro: str) -> None:
    assert reply.text.startswith(intro)
    assert reply.button_payloads() == ALL_TOPIC_PAYLOADS


def assert_nothing_stored(app: App) -> None:
    stats = app.store.stats()
    assert stats["accounts"] == 0
    assert not any(stats.values()), stats


# Routing ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["/start", "/START", "/Start@ClearBackBot", "  /start  ", "/start@", "/start please", "/start\nthanks"]
)
async def test_start_is_recognised_in_every_spelling(bot_app: App, text: str) -> None:
    assert only(await say(bot_app, text)).text.startswith(WELCOME_HEAD)


@pytest.mark.parametrize("text", ["/help", "/help@ClearBackBot", "/HELP extra words"])
async def test_help_routes_to_help(bot_app: App, text: str) -> None:
    assert only(await say(bot_app, text)).text.startswith(HELP_HEAD)


async def test_alias_list_is_reminders(bot_app: App) -> None:
    await say(bot_app, "/remind stretch in 10m")
    listing = only(await say(bot_app, "/list@ClearBackBot")).text
    assert listing.startswith("Your reminders (times in UTC):")
    assert "1. stretch" in listing


async def test_arguments_after_a_mention_reach_the_handler(bot_app: App) -> None:
    reply = only(await say(bot_app, "/remind@ClearBackBot stretch in 10m"))
    assert reply.text.startswith("Reminder 1 set: stretch\n")


@pytest.mark.parametrize("separator", ["\n", "\t", "  \n  "])
async def test_a_command_followed_by_a_new_line_is_still_that_command(bot_app: App, separator: str) -> None:
    reply = only(await say(bot_app, f"/remind{separator}stretch in 10m"))
    assert reply.text.startswith("Reminder 1 set: stretch\n")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("/nope", "nope"),
        ("/nope@ClearBackBot with args", "nope"),
        ("/123", "123"),
        ("/", ""),
        ("/@ClearBackBot", ""),
        ("//", "/"),
        ("/\x1b[31mred", "[31mred"),  # control characters are never echoed
    ],
)
async def test_unknown_commands_say_so_and_point_to_help(bot_app: App, text: str, name: str) -> None:
    assert only(await say(bot_app, text)).text == unknown(name)
    assert_nothing_stored(bot_app)


async def test_unknown_command_name_is_quoted_short(bot_app: App) -> None:
    reply = only(await say(bot_app, "/" + "x" * 500))
    assert reply.text == unknown("x" * 19 + "…")


async def test_every_listed_command_is_routed(bot_app: App, fake_clock: FakeClock) -> None:
    for spec in COMMANDS:
        for name in (spec.name, *spec.aliases):
            fake_clock.advance(timedelta(seconds=1))  # a person typing, not a flood
            assert BY_NAME[name] is spec
            text = only(await say(bot_app, f"/{name}")).text
            assert not text.startswith("I don't know the command"), name
            assert text not in (INTERNAL, STORAGE_DOWN, SLOW_DOWN), name


# Free text and odd input ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "\u3000"])
async def test_empty_message_gets_a_prompt(bot_app: App, text: str) -> None:
    assert only(await say(bot_app, text)).text == EMPTY_PROMPT
    assert_nothing_stored(bot_app)


@pytest.mark.parametrize(
    "text",
    [
        "😀🔥🙏",
        "مرحبا، كيف حالك؟",  # Arabic
        "שלום עולם",  # Hebrew
        "\u202e\u200fdlrow",  # RTL override and mark
        "\x00\x07\x1b[2J\x7f",  # control characters
        "\u200b\u200d\ufeff",  # zero-width characters
        "a" * 100_000,
        "🙂" * 50_000,
    ],
    ids=["emoji", "arabic", "hebrew", "rtl-marks", "control", "zero-width", "100k-ascii", "50k-emoji"],
)
async def test_odd_free_text_gets_the_topic_menu(bot_app: App, text: str) -> None:
    reply = only(await say(bot_app, text))
    assert_topic_menu(reply, NOT_UNDERSTOOD)
    assert not reply.private  # FAQ answers are not personal
    assert_nothing_stored(bot_app)


async def test_question_in_a_huge_message_is_still_answered(bot_app: App) -> None:
    reply = only(await say(bot_app, "how often should I exfoliate? " + "🙂" * 100_000))
    assert reply.text.startswith("How often should I exfoliate my back?\n")  # the guide's entry (#15)


async def test_huge_remind_is_refused_with_a_short_quote(bot_app: App) -> None:
    reply = only(await say(bot_app, "/remind " + "x" * 100_000))
    assert reply.text.startswith("I couldn't find when to remind you in \"xxxx")
    assert "/remind stretch in 10m" in reply.text
    assert len(reply.text) < 400
    assert_nothing_stored(bot_app)


async def test_huge_faq_topic_is_quoted_short(bot_app: App) -> None:
    reply = only(await say(bot_app, "/faq " + "x" * 100_000))
    assert_topic_menu(reply, 'I have no topic called "' + "x" * 39 + '…". These are the topics I know:')


async def test_huge_timezone_is_refused(bot_app: App) -> None:
    reply = only(await say(bot_app, "/timezone " + "y" * 100_000))
    assert reply.text.startswith("I don't know the time zone \"yyyy")
    assert_nothing_stored(bot_app)


async def test_input_beyond_the_limit_is_cut_and_names_are_bounded(bot_app: App) -> None:
    # The when-phrase sits beyond MAX_INPUT characters, so it is cut off and not seen.
    cut = only(await say(bot_app, "/remind " + "s" * MAX_INPUT + " in 10m"))
    assert cut.text.startswith("I couldn't find when to remind you in")
    assert_nothing_stored(bot_app)
    # A long name within the limit is kept, bounded to MAX_TEXT characters.
    made = only(await say(bot_app, "/remind " + "s" * 3000 + " in 10m"))
    assert made.text.startswith("Reminder 1 set: " + "s" * (MAX_TEXT - 1) + "…\n")


async def test_control_characters_never_reach_a_reminder_name(bot_app: App) -> None:
    reply = only(await say(bot_app, "/remind a\x00b\x1bc\u202ed in 10m"))
    assert reply.text.startswith("Reminder 1 set: a b c d\n")
    listing = only(await say(bot_app, "/reminders")).text
    assert "1. a b c d\n" in listing
    assert all(ch.isprintable() or ch == "\n" for ch in listing)


async def test_emoji_and_rtl_names_round_trip(bot_app: App) -> None:
    only(await say(bot_app, "/remind ☀️ مرهم الظهر in 10m"))
    assert "1. ☀️ مرهم الظهر\n" in only(await say(bot_app, "/reminders")).text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(["", "/", *(f"/{spec.name} " for spec in COMMANDS), "/snooze 1 ", "/edit 1 "]),
    body=st.text(max_size=300),
)
async def test_any_text_gets_exactly_one_reply_and_never_an_error(prefix: str, body: str) -> None:
    app, _ = make_bot_app(FakeClock(START))
    await say(app, "/remind stretch in 10m")  # so numbered commands find something
    await say(app, "/done 1")
    reply = only(await say(app, prefix + body))
    assert reply.text.strip()
    assert reply.text not in (INTERNAL, STORAGE_DOWN, SLOW_DOWN)


# Buttons ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "payload",
    [
        "",
        "x",
        "o:",
        "o:d:",
        "o:d:abc",  # no '@': not an occurrence id
        "o:zz:abc@1",  # unknown action
        "faq:",
        "plan:",
        "forget:",
        "forget:maybe",
        "cmd:",
        "cmd:help",  # commands start with '/'
        "a" * 65,  # longer than any payload the bot hands out
        "o:d:abc@1 ; drop",
        "faq:laser\n",
        "\x00",
        "o:d:ab😀@1",
        "b:",
        "b:AA:tooshort:/forget~confirm",
        "b:AA:" + "a" * 12 + ":forget",  # a bound command starts with '/' too
        "b:AAA:" + "a" * 12 + ":/forget~confirm",
    ],
)
async def test_malformed_payloads_are_expired_buttons(bot_app: App, payload: str) -> None:
    assert only(await say(bot_app, button=payload)).text == EXPIRED
    assert_nothing_stored(bot_app)


@pytest.mark.parametrize("payload", ["o:d:nosuchid@1795600000", "o:s15:x@1", "o:sev:" + "x@" * 29])
async def test_well_formed_but_unknown_occurrence_is_no_longer_available(bot_app: App, payload: str) -> None:
    await say(bot_app, "/remind stretch in 10m")
    before = account_snapshot(bot_app)
    reply = only(await say(bot_app, button=payload))
    assert reply.text == "That reminder is no longer available. See your reminders with /reminders."
    assert not reply.edit
    assert account_snapshot(bot_app) == before


async def test_stale_faq_and_plan_buttons(bot_app: App) -> None:
    assert_topic_menu(
        only(await say(bot_app, button="faq:removed-topic")),
        "That topic is no longer available. These are the topics I know:",
    )
    for payload in ("plan:removed", "plan::adopt"):
        assert only(await say(bot_app, button=payload)).text == "That plan is no longer available. See /plan."
    assert_nothing_stored(bot_app)


async def test_command_buttons_run_the_command_for_the_presser(bot_app: App) -> None:
    assert only(await say(bot_app, button="cmd:/help")).text.startswith(HELP_HEAD)
    assert only(await say(bot_app, button="cmd:/nope")).text == unknown("nope")
    await say(bot_app, "/remind stretch in 10m")
    await say(bot_app, "/remind cream every day at 21:30")
    reply = only(await say(bot_app, button="cmd:/rename~2~body~lotion"))
    assert reply.text == "Renamed reminder 2: body lotion."


# Bound buttons (#11, item 8) ------------------------------------------------------------------------------
async def test_a_bound_button_from_before_a_restart_asks_again(bot_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    await say(bot_app, "/remind stretch every day at 9:00")
    yes = only(await say(bot_app, "/forget")).button_payloads()[0]
    before = account_snapshot(bot_app)
    monkeypatch.setattr(payloads, "_signer", payloads._Signer())  # what a new process starts with
    asked = only(await say(bot_app, button=yes))
    assert asked.text.startswith("That button is out of date, so nothing was changed.\nThis deletes all your data")
    assert account_snapshot(bot_app) == before
    only(await say(bot_app, button=asked.button_payloads()[0]))  # the fresh one works
    assert account_snapshot(bot_app) == ()


async def test_a_bound_button_with_its_command_changed_does_nothing(bot_app: App) -> None:
    await say(bot_app, "/remind exfoliate back every mon,thu at 20:00")  # so the series offers its pause button
    created = only(await say(bot_app, "/series chemical peel 2 every 4 weeks starting 2026-12-10 at 15:00"))
    [pause] = [p for p in created.button_payloads() if p.startswith("b:")]
    before = account_snapshot(bot_app)
    key_id, tag = pause.split(":")[1:3]
    for command in ("/forget~confirm", "/series~end~1", "/series~pause~1~30~30", "/timezone~Asia/Tokyo"):
        reply = only(await say(bot_app, button=f"b:{key_id}:{tag}:{command}"))  # the owner's own tag, reused
        assert reply.text.startswith("That button was meant for someone else"), command
    assert account_snapshot(bot_app) == before


@pytest.mark.parametrize(
    ("payload", "unchanged"),
    [("cmd:/timezone~Asia/Tokyo", "timezone"), ("cmd:/delete~1", "reminder"), ("cmd:/forget~confirm", "account")],
)
async def test_unbound_command_buttons_that_change_an_account_ask_again(
    bot_app: App, payload: str, unchanged: str
) -> None:
    await say(bot_app, "/remind stretch every day at 9:00")
    before = account_snapshot(bot_app)
    asked = only(await say(bot_app, button=payload))
    assert asked.text.startswith("That button is out of date, so nothing was changed."), unchanged
    assert account_snapshot(bot_app) == before
    again = asked.button_payloads()[0]
    assert again.startswith("b:")
    only(await say(bot_app, button=again))
    assert account_snapshot(bot_app) != before  # confirmed by the presser themselves: now it acts


# Flood control ---------------------------------------------------------------------------------------
async def test_a_flood_is_slowed_with_one_warning_while_others_are_answered(
    bot_app: App, fake_clock: FakeClock
) -> None:
    answered, warnings, silent = 0, 0, 0
    for i in range(200):
        replies = await say(bot_app, "/help", user="flooder")
        if not replies:
            silent += 1
        elif replies == [Reply(text=SLOW_DOWN)]:
            warnings += 1
        else:
            assert only(replies).text.startswith(HELP_HEAD)
            answered += 1
        if i % 40 == 0:  # someone else, meanwhile, is answered normally
            assert only(await say(bot_app, "/help", user="calm")).text.startswith(HELP_HEAD)
    assert (answered, warnings, silent) == (20, 1, 179)

    # The same person on another platform is another identity.
    assert only(await say(bot_app, "/help", user="flooder", platform="telegram")).text.startswith(HELP_HEAD)

    # A few seconds later the flooder is answered again, told first what was skipped; a new flood gets a new,
    # single warning.
    fake_clock.advance(timedelta(seconds=10))
    notice, answer = await say(bot_app, "/help", user="flooder")
    assert notice.text == skipped_notice(Counter({"/help": 180}))
    assert "skipped 180 messages (180 × /help); nothing in them was done or changed" in notice.text
    assert answer.text.startswith(HELP_HEAD)
    later = [await say(bot_app, "/start", user="flooder") for _ in range(100)]
    assert [r.text for replies in later for r in replies].count(SLOW_DOWN) == 1


async def test_messages_beyond_the_flood_limit_are_not_acted_on(bot_app: App) -> None:
    await say(bot_app, "/remind stretch in 10m")
    for _ in range(40):
        await say(bot_app, "/pause 1")
        await say(bot_app, "/resume 1")
    account = bot_app.regimen.account_for(Identity("console", "u1"))
    assert account is not None
    # 20 messages got through: /remind, then 19 alternating pause/resume, ending on a pause.
    assert [r.paused for r in bot_app.store.reminders_of(account.id)] == [True]


async def test_fifty_reminders_at_once_say_how_many_were_not_made(bot_app: App, fake_clock: FakeClock) -> None:
    replies = [await say(bot_app, f"/remind item {i} every day at 20:00") for i in range(50)]
    made = [r for rs in replies for r in rs if r.text.startswith("Reminder ")]
    assert len(made) == 20
    assert [r.text for rs in replies for r in rs if r.text == SLOW_DOWN] == [SLOW_DOWN]
    fake_clock.advance(timedelta(seconds=10))
    notice, listing = await say(bot_app, "/reminders")
    assert "I skipped 30 messages (30 × /remind); nothing in them was done or changed" in notice.text
    assert listing.text.count("every day at 20:00") == 20
    # Told once: the next message has no notice.
    assert len(await say(bot_app, "/help")) == 1


# Failures --------------------------------------------------------------------------------------------
class ExplodingStore(MemoryStore):
    """A store with a bug: saving a reminder raises once `explode` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.explode = False

    def put_reminder(self, reminder: Reminder) -> None:
        if self.explode:
            raise RuntimeError(f"bug in the store while saving {reminder.text!r}")  # quotes what was typed
        super().put_reminder(reminder)


async def test_a_failing_handler_gets_the_apology_and_loses_nothing(
    fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = ExplodingStore()
    app, _ = make_bot_app(fake_clock, store)
    only(await say(app, "/remind cream every day at 21:30"))
    before = account_snapshot(app)
    store.explode = True
    with caplog.at_level(logging.ERROR, logger="bot.core"):
        reply = only(await say(app, "/remind secret stretch in 10m"))
    assert reply == Reply(text=INTERNAL)
    assert account_snapshot(app) == before  # the half-made reminder was rolled back, its number too
    assert "RuntimeError" in caplog.text and "put_reminder" in caplog.text  # the type and where it happened
    assert "secret stretch" not in caplog.text  # the exception quoted it, the log must not
    # Everything else still works, and the number was not used up.
    assert only(await say(app, "/help")).text.startswith(HELP_HEAD)
    store.explode = False
    assert only(await say(app, "/remind stretch in 10m")).text.startswith("Reminder 2 set: stretch\n")


class FlakyDiskStore(MemoryStore):
    """A store whose disk can become unavailable: changes are then rolled back, as the durable store does."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def _persist(self, changes: list[Change]) -> None:
        if self.down:
            raise StorageUnavailable("disk full")


async def test_storage_unavailable_says_so_and_changes_nothing(fake_clock: FakeClock) -> None:
    store = FlakyDiskStore()
    app, sender = make_bot_app(fake_clock, store)
    app.core.throttle = Throttle(rate=1e9, burst=1e9)  # the many commands below are no flood here
    await say(app, "/remind cream every day at 12:30")
    await say(app, "/remind stretch every day at 20:00")
    forget_yes = only(await say(app, "/forget")).button_payloads()[0]  # the real, bound confirmation
    fake_clock.advance(timedelta(minutes=30))
    await app.scheduler.tick()
    [(_, delivered)] = sender.take()
    before = account_snapshot(app)
    store.down = True
    for text in (
        "/remind lotion in 10m",
        "/done 1",
        "/skip 1",
        "/snooze 1 1h",
        "/pause all",
        "/delete 2",
        "/rename 2 other",
        "/edit 2 every mon at 9:00",
        "/timezone Europe/Berlin",
        "/plan exfoliation adopt",
        "/forget confirm",
    ):
        assert only(await say(app, text)) == Reply(text=STORAGE_DOWN), text
    # An early done asks first (that writes nothing); going ahead would claim the upcoming one.
    ask = only(await say(app, "/done 2"))
    early_yes = next(b.payload for row in ask.buttons for b in row if b.label == "Yes, done")
    for payload in [*delivered.button_payloads(), "plan:cream:adopt", forget_yes, early_yes]:
        assert only(await say(app, button=payload)) == Reply(text=STORAGE_DOWN), payload
    assert account_snapshot(app) == before
    # Somebody new is not half-registered either.
    assert only(await say(app, "/remind stretch in 10m", user="new")) == Reply(text=STORAGE_DOWN)
    assert account_snapshot(app, "new") == ()
    # Reading still works while the disk is down.
    assert "1. cream" in only(await say(app, "/reminders")).text
    store.down = False
    fake_clock.advance(timedelta(minutes=1))  # past the flood limit, too
    assert only(await say(app, "/done 1")).text.startswith("✅ Done: cream, today 12:30.")


async def test_writing_again_after_blocking_the_bot_is_welcomed_back(fake_clock: FakeClock) -> None:
    app, _ = make_bot_app(fake_clock)
    sender = RecordingPlatform()  # can be blocked like a platform
    app.hub.register(sender)
    await say(app, "/remind stretch in 10m")
    sender.blocked.add("u1")
    fake_clock.advance(timedelta(minutes=10))
    await app.scheduler.tick()
    assert sender.sent == []
    replies = await say(app, "/help")
    assert [r.text for r in replies[:1]] == [WELCOME_BACK]
    assert replies[1].text.startswith(HELP_HEAD)
    assert len(replies) == 2
    assert only(await say(app, "/help")).text.startswith(HELP_HEAD)  # said once only


async def test_nudge_count_in_superscript_is_refused_not_a_crash(bot_app: App) -> None:
    await say(bot_app, "/remind stretch every day at 21:00")
    assert only(await say(bot_app, "/nudge 1 1h ¹")).text != INTERNAL


async def test_a_near_miss_of_a_command_points_to_it(bot_app: App) -> None:
    reply = only(await say(bot_app, "/Reminder"))
    assert reply.text.startswith('I don\'t know the command "/reminder". Did you mean /remind')
    assert reply.text.endswith("See /help for everything I can do.")


async def test_an_unknown_command_suggests_the_likely_one(bot_app: App) -> None:
    reply = only(await say(bot_app, "/remnd stretch in 10m"))
    assert reply.text.startswith('I don\'t know the command "/remnd". Did you mean /remind? For example: /remind ')
    assert reply.button_payloads() == ["cmd:/remind"]
    usage = only(await say(bot_app, button="cmd:/remind"))
    assert usage.text.startswith("Tell me what and when")
    nothing_close = only(await say(bot_app, "/xyzzy"))
    assert nothing_close.text == 'I don\'t know the command "/xyzzy". See /help for everything I can do.'


async def test_a_button_made_before_the_account_existed_still_works_for_that_person(bot_app: App) -> None:
    asked = only(await say(bot_app, "/timezone usa"))  # no account yet: the zone buttons are bound to the identity
    assert bot_app.regimen.account_for(Identity("console", "u1")) is None
    await say(bot_app, "/remind stretch every day at 9:00")  # now there is an account
    chicago = next(b.payload for row in asked.buttons for b in row if "Chicago" in b.label)
    reply = only(await say(bot_app, button=chicago))
    assert "America/Chicago" in reply.text
    other = only(await say(bot_app, button=chicago, user="u2"))  # still nobody else's
    assert "America/Chicago" not in other.text


async def test_a_steady_flood_gets_one_warning_and_one_notice_not_one_per_message(
    bot_app: App, fake_clock: FakeClock
) -> None:
    texts: list[str] = []
    for _ in range(20 + 100):  # the burst, then ten a second for ten seconds: twice the allowed rate
        texts += [r.text for r in await say(bot_app, "/help")]
        fake_clock.advance(timedelta(seconds=0.1))
    assert texts.count(SLOW_DOWN) == 1
    assert not [t for t in texts if t.startswith("While you were sending quickly")]  # not mid-flood
    fake_clock.advance(timedelta(seconds=10))
    notice, _ = await say(bot_app, "/help")
    assert notice.text.startswith("While you were sending quickly I skipped ")
