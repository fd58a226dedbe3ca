"""Welcome, help, time zone, FAQ and free-text questions, export and forget, through the conversation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.commands import COMMANDS
from bot.core import NO_DATA_FOR_BUTTON
from bot.faq import Topic, default_index
from bot.faq_content import DISCLAIMER
from bot.guide import default_guide
from bot.handlers.general import ADOPT_NEXT, ALL_SET, CREAM_NEXT, EXPORTED, ZONE_CHANGE_NOTE, ZONE_FIRST
from bot.handlers.guide import WARNING
from bot.models import Identity, Reply
from bot.timing.clock import FakeClock
from bot.timing.timezones import FIXED_OFFSET_WARNING, GMT_WARNING
from storage.records import DONE, SENT, to_doc
from tests.conftest import account_snapshot, only, say
from tests.fakes import RecordingPlatform

INDEX = default_index()
GUIDE = default_guide()
ALL_TOPIC_PAYLOADS = [f"faq:{t.id}" for t in INDEX.topics()]
UNSURE = (
    "I'm not sure I understood that. I can answer questions about back acne and its scars, or you can pick a "
    "topic below. For commands, see /help."
)
SHOW_ZONE_TAIL = "Change it with e.g. /timezone Europe/Berlin, /timezone berlin or /timezone UTC+2."
PLACES = "Is one of these your place? Pick it to follow its own rules, daylight saving included."


def topic(topic_id: str) -> Topic:
    found = INDEX.get(topic_id)
    assert found is not None
    return found


def assert_answer(reply: Reply, topic_id: str) -> None:
    """A topic's answer: title, text, disclaimer, its own questions (#15), then buttons to other topics."""
    shown = topic(topic_id)
    assert reply.text == f"{shown.title}\n{shown.answer}\n\n{DISCLAIMER}"
    payloads = reply.button_payloads()
    questions = [p for p in payloads if p.startswith("q:")]
    topics = [p for p in payloads if not p.startswith("q:")]
    assert questions == [f"q:{e.id}" for e in GUIDE.of_topic(topic_id)[:3]]
    assert payloads[: len(questions)] == questions  # the questions first
    assert topics, "an answer offers related topics"
    assert len(topics) <= 4
    assert len(set(payloads)) == len(payloads)
    assert f"faq:{topic_id}" not in payloads
    assert set(topics) <= set(ALL_TOPIC_PAYLOADS)
    assert not reply.private  # general information: fine in a shared channel


def assert_entry(reply: Reply, entry_id: str) -> None:
    """A guide entry's answer (#15): its question, the short answer first, then the detail, its source, the
    disclaimer; 2-3 follow-up questions, then the helpful / not helpful vote."""
    entry = GUIDE.get(entry_id)
    assert entry is not None
    assert reply.text.startswith(f"{entry.question}\n{entry.short}\n\n{entry.detail}\n\n")
    assert reply.text.endswith(DISCLAIMER)
    payloads = reply.button_payloads()
    assert payloads[:-2] == [f"q:{r}" for r in entry.related] and 2 <= len(entry.related) <= 3
    assert payloads[-2:] == [f"fb:{entry_id}:u", f"fb:{entry_id}:d"]
    assert not reply.private


def assert_menu(reply: Reply, intro: str) -> None:
    assert reply.text == intro
    assert reply.button_payloads() == ALL_TOPIC_PAYLOADS
    assert all(len(row) <= 2 for row in reply.buttons)
    assert not reply.private


def utc_ts(y: int, mo: int, d: int, h: int, mi: int = 0) -> float:
    return datetime(y, mo, d, h, mi, tzinfo=UTC).timestamp()


# /start and /help ------------------------------------------------------------------------------------
async def test_start_says_educational_not_medical_advice_and_next_steps(bot_app: App) -> None:
    reply = only(await say(bot_app, "/start"))
    assert reply.text.startswith("Hi, I'm ClearBack")
    assert DISCLAIMER in reply.text
    assert "educational information, not medical advice" in DISCLAIMER
    # The zone comes first, and the one assumed until then is named (#17): no plan on UTC times unasked.
    assert f"{ZONE_FIRST} Until then I'm using UTC (it's today 12:00 there).\n" in reply.text
    assert reply.button_payloads() == ["cmd:/faq", "cmd:/help"]
    # The next steps it suggests work, and each answer says the one after.
    zone = only(await say(bot_app, "/timezone Europe/Berlin"))
    assert zone.text.startswith("Time zone set to Europe/Berlin") and zone.text.endswith(f"\n{ADOPT_NEXT}")
    assert zone.button_payloads() == ["plan:exfoliation"]
    assert only(await say(bot_app, button="plan:exfoliation")).text.startswith("Exfoliate your back\n")
    again = only(await say(bot_app, "/start"))
    assert f"{DISCLAIMER}\n\n{ADOPT_NEXT}\n" in again.text
    assert again.button_payloads() == ["plan:exfoliation", "cmd:/faq", "cmd:/help"]


async def test_a_returning_person_is_told_the_step_after_the_plan(bot_app: App) -> None:
    # "Next: adopt the exfoliation plan" to somebody who had adopted it (#17).
    await say(bot_app, "/timezone Europe/Berlin")
    only(await say(bot_app, button="plan:exfoliation:adopt"))
    start = only(await say(bot_app, "/start"))
    assert ADOPT_NEXT not in start.text and f"\n{CREAM_NEXT}\n" in start.text
    assert start.button_payloads() == ["plan:cream", "cmd:/faq", "cmd:/help"]
    zone = only(await say(bot_app, "/timezone Asia/Tokyo"))
    assert zone.text == f"Time zone set to Asia/Tokyo (it's today 21:00 there). {ZONE_CHANGE_NOTE}"
    assert zone.buttons == ()
    only(await say(bot_app, button="plan:cream:adopt"))
    done = only(await say(bot_app, "/start"))
    assert f"\n{ALL_SET}\n" in done.text and done.button_payloads() == ["cmd:/reminders", "cmd:/faq", "cmd:/help"]


async def test_a_one_off_exfoliation_is_not_the_plan(bot_app: App) -> None:
    await say(bot_app, "/timezone Europe/Berlin")
    await say(bot_app, "/remind exfoliate tomorrow at 9")
    start = only(await say(bot_app, "/start"))
    assert f"\n{ADOPT_NEXT}\n" in start.text and "plan:exfoliation" in start.button_payloads()


async def test_a_plan_adopted_before_any_zone_still_asks_for_the_zone(bot_app: App) -> None:
    only(await say(bot_app, button="plan:exfoliation:adopt"))
    start = only(await say(bot_app, "/start"))
    assert f"{ZONE_FIRST} Until then I'm using UTC" in start.text
    assert "plan:exfoliation" not in start.button_payloads()


async def test_help_lists_every_command_with_an_example(bot_app: App) -> None:
    text = only(await say(bot_app, "/help")).text
    lines = text.split("\n")
    for spec in COMMANDS:
        [line] = [line for line in lines if line.startswith(f"{spec.usage} – ")]
        assert line == f"{spec.usage} – {spec.summary}. e.g. {spec.examples[0]}"
    assert len([line for line in lines if " – " in line]) == len(COMMANDS)


async def test_every_help_example_is_understood(bot_app: App) -> None:
    for spec in COMMANDS:
        example = spec.examples[0]
        if not example.startswith("/"):
            continue
        reply = only(await say(bot_app, example, user=f"user-{spec.name}"))
        assert not reply.text.startswith("I don't know the command"), example
        assert not reply.text.startswith("Sorry, something went wrong"), example


# /timezone -----------------------------------------------------------------------------------------------
async def test_timezone_shows_the_default_without_storing_anything(bot_app: App) -> None:
    reply = only(await say(bot_app, "/timezone"))
    assert reply.text == f"Your time zone is UTC (it's today 12:00 there). {SHOW_ZONE_TAIL}"
    assert account_snapshot(bot_app) == ()


@pytest.mark.parametrize(
    ("typed", "stored", "local_now", "warning"),
    [
        ("Europe/Berlin", "Europe/Berlin", "today 13:00", None),
        ("europe/berlin", "Europe/Berlin", "today 13:00", None),
        ("berlin", "Europe/Berlin", "today 13:00", None),
        ("New York", "America/New_York", "today 07:00", None),
        ("tokyo", "Asia/Tokyo", "today 21:00", None),
        ("UTC+2", "UTC+02:00", "today 14:00", FIXED_OFFSET_WARNING),
        ("utc-5:30", "UTC-05:30", "today 06:30", FIXED_OFFSET_WARNING),
        ("GMT", "Europe/London", "today 12:00", GMT_WARNING),
        ("india", "Asia/Kolkata", "today 17:30", None),
        ("Berlin, Germany", "Europe/Berlin", "today 13:00", None),
        ("UTC+5.5", "UTC+05:30", "today 17:30", FIXED_OFFSET_WARNING),
    ],
)
async def test_timezone_accepts_iana_names_cities_and_offsets(
    bot_app: App, typed: str, stored: str, local_now: str, warning: str | None
) -> None:
    reply = only(await say(bot_app, f"/timezone {typed}"))
    lines = reply.text.split("\n")
    assert lines[0] == f"Time zone set to {stored} (it's {local_now} there). {ZONE_CHANGE_NOTE}"
    places = [p for p in reply.button_payloads() if p.startswith("b:")]  # the places keeping a fixed offset
    if warning is None:
        assert lines[1:] == [ADOPT_NEXT]
    elif places:
        assert lines[1:] == [warning, PLACES, ADOPT_NEXT]
    else:
        assert lines[1:] == [warning, ADOPT_NEXT]
    assert "daylight saving" in FIXED_OFFSET_WARNING
    assert reply.button_payloads() == [*places, "plan:exfoliation"]
    account = bot_app.regimen.account_for(Identity("console", "u1"))
    assert account is not None
    assert account.timezone == stored
    assert only(await say(bot_app, "/timezone")).text == f"Your time zone is {stored} (it's {local_now} there). " + (
        SHOW_ZONE_TAIL
    )


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("berlinn", "Did you mean Europe/Berlin"), ("Pariss", "Did you mean Europe/Paris"), ("xyzzy", None)],
)
async def test_unknown_timezone_gets_suggestions_and_changes_nothing(
    bot_app: App, typed: str, suggested: str | None
) -> None:
    await say(bot_app, "/timezone Asia/Tokyo")
    before = account_snapshot(bot_app)
    reply = only(await say(bot_app, f"/timezone {typed}"))
    assert reply.text.startswith(f'I don\'t know the time zone "{typed}".')
    assert 'Try a city like "Berlin"' in reply.text
    if suggested is not None:
        assert suggested in reply.text
    else:
        assert "Did you mean" not in reply.text
    assert account_snapshot(bot_app) == before
    only(await say(bot_app, f"/timezone {typed}", user="newcomer"))
    assert account_snapshot(bot_app, "newcomer") == ()


async def test_setting_a_zone_keeps_reminders_at_the_same_local_time(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 20:00")
    await say(bot_app, "/remind exfoliate every mon,thu at 20:00")
    await say(bot_app, "/remind stretch in 10m")  # a one-off keeps its instant
    reply = only(await say(bot_app, "/timezone Europe/Berlin"))
    assert reply.text == f"Time zone set to Europe/Berlin (it's today 13:00 there). {ZONE_CHANGE_NOTE}"
    assert reply.buttons == ()
    account = bot_app.regimen.account_for(Identity("console", "u1"))
    assert account is not None
    assert [r.next_due for r in bot_app.store.reminders_of(account.id)] == [
        utc_ts(2026, 11, 25, 19),  # 20:00 in Berlin
        utc_ts(2026, 11, 26, 19),
        utc_ts(2026, 11, 25, 12, 10),
    ]
    listing = only(await say(bot_app, "/reminders")).text
    assert listing.startswith("Your reminders (times in Europe/Berlin):\n")
    assert "1. cream\n   every day at 20:00\n   next: today 20:00\n" in listing
    assert "3. stretch\n   once on Wed 25 Nov 2026 at 13:10\n   next: today 13:10\n" in listing
    fake_clock.set(datetime(2026, 11, 25, 19, 0, tzinfo=UTC))
    await bot_app.scheduler.tick()
    assert sorted(reply.text.split("\n")[0] for _, reply in recording_sender.take()) == [
        "⏰ Reminder 1: cream",
        "⏰ Reminder 3: stretch",
    ]


async def test_a_one_off_set_as_a_clock_time_before_the_zone_keeps_that_clock_time(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    # The usual first steps: a reminder before the zone (the default, UTC, is assumed), then the zone.
    await say(bot_app, "/remind call clinic tomorrow at 9am")
    await say(bot_app, "/remind stretch in 2h")  # a length of time: its moment is what was meant
    reply = only(await say(bot_app, "/timezone new york"))
    assert "Reminder 1 (call clinic) keeps its clock time: tomorrow 09:00." in reply.text
    assert "Reminder 2" not in reply.text
    account = bot_app.regimen.account_for(Identity("console", "u1"))
    assert account is not None
    [clinic, stretch] = bot_app.store.reminders_of(account.id)
    assert clinic.next_due == utc_ts(2026, 11, 26, 14)  # 09:00 in New York (EST, UTC-5)
    assert stretch.next_due == utc_ts(2026, 11, 25, 14)  # 12:00 UTC + 2h, as it was
    listing = only(await say(bot_app, "/reminders")).text
    assert "once on Thu 26 Nov 2026 at 09:00" in listing
    fake_clock.set(datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
    await bot_app.scheduler.tick()
    assert [r.text.split("\n")[0] for _, r in recording_sender.take() if "clinic" in r.text] == [
        "⏰ Reminder 1: call clinic"
    ]
    # Set again to where it already is: nothing moves, nothing is said
    again = only(await say(bot_app, "/timezone new york"))
    assert "keeps its clock time" not in again.text


async def test_a_clock_time_that_has_passed_in_the_new_zone_keeps_its_moment_and_says_so(bot_app: App) -> None:
    await say(bot_app, "/remind call clinic at 13:00")  # 13:00 UTC; in Tokyo it is already 21:00
    reply = only(await say(bot_app, "/timezone tokyo"))
    assert "Reminder 1 (call clinic) was for 13:00, which has passed here, so it stays at " in reply.text
    assert "/edit 1 <when>" in reply.text


async def test_undoing_an_edit_brings_back_how_the_time_was_given(bot_app: App) -> None:
    await say(bot_app, "/remind call clinic tomorrow at 9am")
    edited = only(await say(bot_app, "/edit 1 in 2h"))
    [undo] = [b.payload for row in edited.buttons for b in row if b.label == "Undo"]
    only(await say(bot_app, button=undo))
    reply = only(await say(bot_app, "/timezone new york"))
    assert "Reminder 1 (call clinic) keeps its clock time: tomorrow 09:00." in reply.text


# Time zones as people type them (#17) ------------------------------------------------------------------------
def zone_buttons(reply: Reply) -> dict[str, str]:
    """Label -> payload of a reply's /timezone buttons; each one bound and naming the zone it sets."""
    found = {}
    for row in reply.buttons:
        for button in row:
            if ":/timezone~" in button.payload:
                assert button.payload.startswith("b:")
                found[button.label] = button.payload
    return found


async def test_est_follows_new_york_time_into_summer(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    # EST was a fixed UTC-5 with no word about daylight saving: a New Yorker an hour off from March.
    reply = only(await say(bot_app, "/timezone EST"))
    assert reply.text.startswith("Time zone set to America/New_York (it's today 07:00 there).")
    assert "I read EST as US Eastern time: America/New_York, which changes for daylight saving time by itself." in (
        reply.text
    )
    await say(bot_app, "/remind cream every day at 20:00")
    fake_clock.set(datetime(2027, 6, 1, 23, 59, tzinfo=UTC))
    await bot_app.scheduler.tick()
    recording_sender.take()  # what piled up since November
    fake_clock.set(datetime(2027, 6, 2, 0, 0, tzinfo=UTC))  # 20:00 EDT
    await bot_app.scheduler.tick()
    assert [r.text.split("\n")[0] for _, r in recording_sender.take()] == ["⏰ Reminder 1: cream"]


@pytest.mark.parametrize("typed", ["PST", "pdt", "Pacific time"])
async def test_pacific_abbreviations_set_los_angeles(bot_app: App, typed: str) -> None:
    reply = only(await say(bot_app, f"/timezone {typed}"))
    assert reply.text.startswith("Time zone set to America/Los_Angeles (it's today 04:00 there).")


@pytest.mark.parametrize(
    ("typed", "label", "zone"),
    [
        ("IST", "India (IST)", "Asia/Kolkata"),
        ("IST", "Ireland (IST)", "Europe/Dublin"),
        ("CST", "China (CST)", "Asia/Shanghai"),
        ("CST", "US Central (CST)", "America/Chicago"),
        ("usa", "Chicago (UTC-6)", "America/Chicago"),
        ("Australia", "Brisbane (UTC+10)", "Australia/Brisbane"),
        ("canada", "Vancouver (UTC-8)", "America/Vancouver"),
        ("Austin, USA", "Chicago (UTC-6)", "America/Chicago"),
    ],
)
async def test_an_ambiguous_zone_asks_with_buttons_that_set_it(bot_app: App, typed: str, label: str, zone: str) -> None:
    ask = only(await say(bot_app, f"/timezone {typed}"))
    assert "Which one is yours? Press it below" in ask.text
    buttons = zone_buttons(ask)
    assert all(len(row) <= 3 for row in ask.buttons) and len(ask.buttons) <= 5  # fits Discord's grid
    assert account_snapshot(bot_app) == ()  # asking stores nothing
    # Somebody else pressing it changes nothing of theirs or of the asker's.
    await say(bot_app, "/timezone Asia/Tokyo", user="u2")
    refused = only(await say(bot_app, button=buttons[label], user="u2"))
    assert refused.text.startswith("That button was meant for someone else")
    other = bot_app.regimen.account_for(Identity("console", "u2"))
    assert other is not None and other.timezone == "Asia/Tokyo"
    chosen = only(await say(bot_app, button=buttons[label]))
    assert chosen.text.startswith(f"Time zone set to {zone} (it's ")
    account = bot_app.regimen.account_for(Identity("console", "u1"))
    assert account is not None and account.timezone == zone


async def test_a_country_with_one_zone_is_set_at_once(bot_app: App) -> None:
    for typed, zone in (("india", "Asia/Kolkata"), ("germany", "Europe/Berlin"), ("Japan", "Asia/Tokyo")):
        reply = only(await say(bot_app, f"/timezone {typed}"))
        assert reply.text.startswith(f"Time zone set to {zone} ("), typed


async def test_a_fixed_offset_offers_the_places_that_keep_it(bot_app: App) -> None:
    reply = only(await say(bot_app, "/timezone UTC+5.5"))
    assert reply.text.startswith("Time zone set to UTC+05:30 (it's today 17:30 there).")
    assert PLACES in reply.text
    india = next(payload for label, payload in zone_buttons(reply).items() if label.startswith("Kolkata: India"))
    assert only(await say(bot_app, button=india)).text.startswith("Time zone set to Asia/Kolkata (")


async def test_suggestions_for_a_typo_are_buttons_too(bot_app: App) -> None:
    ask = only(await say(bot_app, "/timezone berlinn"))
    assert "Did you mean Europe/Berlin" in ask.text
    assert only(await say(bot_app, button=zone_buttons(ask)["Berlin"])).text.startswith(
        "Time zone set to Europe/Berlin ("
    )


# FAQ and questions ------------------------------------------------------------------------------------------
async def test_faq_menu_has_a_button_per_topic(bot_app: App) -> None:
    assert_menu(
        only(await say(bot_app, "/faq")), "What would you like to know? Pick a topic, or just ask me a question."
    )


@pytest.mark.parametrize(
    ("typed", "topic_id"),
    [
        ("laser", "laser"),
        ("chemical peels", "peels"),
        ("microdermabrasion", "microderm"),
        ("exfoliation", "exfoliation"),
    ],
)
async def test_faq_topic_by_name(bot_app: App, typed: str, topic_id: str) -> None:
    assert_answer(only(await say(bot_app, f"/faq {typed}")), topic_id)


async def test_faq_buttons_answer_and_lead_on(bot_app: App) -> None:
    menu = only(await say(bot_app, "/faq"))
    for payload in menu.button_payloads():
        reply = only(await say(bot_app, button=payload))
        assert_answer(reply, payload.removeprefix("faq:"))
        for related in reply.button_payloads():  # every related button works too
            if related.startswith("q:"):  # pressed in test_follow_up_buttons_...: flood control stops a loop here
                assert GUIDE.get(related.removeprefix("q:")) is not None
            else:
                assert INDEX.get(related.removeprefix("faq:")) is not None


async def test_unknown_faq_topic_shows_the_topics(bot_app: App) -> None:
    assert_menu(
        only(await say(bot_app, "/faq tattoos")), 'I have no topic called "tattoos". These are the topics I know:'
    )


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("how often should I exfoliate?", "exf-often"),
        ("Does laser resurfacing hurt?", "laser-hurt"),
        ("what is a chemical peel", "peel-what"),
        ("which cream or lotion helps fade scars?", "cream-which"),
        # The questions of #15 that each got a whole topic's paragraph before.
        ("how long until I see results from exfoliating?", "exf-results"),
        ("is it safe to use a loofah every day?", "exf-daily"),
        ("does retinol help with back acne scars", "cream-ingredient"),
        ("can I pop the pimples on my back", "prev-pick"),
        ("how much does laser cost", "laser-cost"),
    ],
)
async def test_free_text_question_gets_the_entry_that_answers_it(bot_app: App, question: str, entry_id: str) -> None:
    assert_entry(only(await say(bot_app, question)), entry_id)


async def test_faq_words_search_the_questions(bot_app: App) -> None:
    assert_entry(only(await say(bot_app, "/faq does a chemical peel hurt")), "peel-hurt")


@pytest.mark.parametrize("text", ["does laser hair removal hurt", "does botox hurt my back"])
async def test_a_question_near_the_guide_but_outside_it_is_declined_with_the_closest_topics(
    bot_app: App, text: str
) -> None:
    reply = only(await say(bot_app, text))
    assert reply.text.startswith("I don't have a good answer to that.")
    assert "dermatologist" in reply.text
    assert reply.button_payloads() and set(reply.button_payloads()) <= set(ALL_TOPIC_PAYLOADS)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("a mole on my back is growing", "q:cause-not-acne"),  # "mole" is off the guide's subject: declined
        ("i have a fever and my back spot is hot and swollen", "q:cause-infected"),  # so is "fever"
        ("I used a peel and my skin is blistering", "q:peel-after"),
    ],
)
async def test_a_warning_sign_is_told_to_see_a_doctor_soon_even_when_declined(
    bot_app: App, text: str, first: str
) -> None:
    reply = only(await say(bot_app, text))
    assert reply.text.startswith(WARNING) and "urgent care" in reply.text
    assert "I don't have a good answer to that." in reply.text and "dermatologist" in reply.text
    rows = reply.buttons
    assert rows[0][0].payload == first and len(rows) <= 5
    pressed = only(await say(bot_app, button=first))
    assert "doctor" in pressed.text
    # /faq with the same words says the same
    assert only(await say(bot_app, f"/faq {text}")).text.startswith(WARNING)


async def test_an_answer_to_a_question_with_a_warning_sign_puts_the_warning_first(bot_app: App) -> None:
    # Answered by an entry that is not about the warning sign: the warning leads, its safety entry is offered.
    text = "can i exfoliate my back if a spot is bleeding"
    found = GUIDE.answer(text)
    assert found.entry is not None and found.entry.id != "cause-not-acne" and found.warning == ("cause-not-acne",)
    reply = only(await say(bot_app, text))
    assert reply.text.startswith(WARNING) and found.entry.short in reply.text
    assert reply.buttons[0][0].payload == "q:cause-not-acne"
    # An entry about the warning sign itself needs no warning on top
    infected = only(await say(bot_app, "my pimple is swollen and hot what do i do"))
    assert GUIDE.answer("my pimple is swollen and hot what do i do").entry is not None
    assert not infected.text.startswith(WARNING)


async def test_a_close_question_the_guide_is_unsure_of_offers_the_closest_questions_to_tap(bot_app: App) -> None:
    reply = only(await say(bot_app, "can i go swimming after microdermabrasion"))
    assert reply.text.startswith("I don't have a good answer to that. Is it one of these questions?")
    assert "dermatologist" in reply.text
    rows = reply.buttons
    questions = [row[0].payload for row in rows[:-1]]
    assert len(questions) == 3 and all(len(row) == 1 for row in rows[:-1]) and questions[0] == "q:md-after"
    assert {b.payload for b in rows[-1]} <= set(ALL_TOPIC_PAYLOADS) and "faq:microderm" in {b.payload for b in rows[-1]}
    assert len(rows[-1]) <= 2 and len(rows) <= 5  # readable on a phone; Discord's limit: nothing is dropped
    assert_entry(only(await say(bot_app, button=questions[0])), "md-after")


async def test_faq_words_the_guide_is_unsure_of_offer_the_closest_questions(bot_app: App) -> None:
    reply = only(await say(bot_app, "/faq can i go swimming after microdermabrasion"))
    assert reply.text.startswith("I don't have a good answer to that. Is it one of these questions?")
    assert "q:md-after" in reply.button_payloads()


async def test_follow_up_buttons_answer_and_votes_count_per_entry_and_name_nobody(bot_app: App) -> None:
    answer = only(await say(bot_app, "how often should I exfoliate?"))
    follow_up = answer.button_payloads()[0]
    assert_entry(only(await say(bot_app, button=follow_up)), follow_up.removeprefix("q:"))
    thanks = only(await say(bot_app, button="fb:exf-often:u"))
    assert "nothing about you" in thanks.text
    await say(bot_app, button="fb:exf-often:d", user="someone-else")
    await say(bot_app, button="fb:exf-often:u", user="someone-else")
    assert bot_app.store.feedback_counts() == {"exf-often": (2, 1)}
    assert account_snapshot(bot_app) == ()  # voting made nobody an account


async def test_a_vote_for_an_entry_that_does_not_exist_counts_nothing(bot_app: App) -> None:
    assert only(await say(bot_app, button="fb:no-such-entry:u")).text.startswith("That question is no longer")
    assert only(await say(bot_app, button="q:no-such-entry")).text.startswith("That question is no longer")
    assert bot_app.store.feedback_counts() == {}


@pytest.mark.parametrize("text", ["what about tattoos?", "hello there", "🙂", "asdf qwer"])
async def test_free_text_without_a_match_shows_the_topics(bot_app: App, text: str) -> None:
    assert_menu(only(await say(bot_app, text)), UNSURE)


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("remind me to exfoliate tomorrow at 9", "/remind exfoliate tomorrow at 9"),
        ("Remind me to apply cream every day at 21:30.", "/remind apply cream every day at 21:30"),
        ("can you remind me to stretch in 10m?", "/remind stretch in 10m"),
        ("please remind me in 10 minutes to stretch", "/remind stretch in 10 minutes"),
        ("set a reminder to exfoliate every mon,thu at 20:00", "/remind exfoliate every mon,thu at 20:00"),
    ],
)
async def test_a_reminder_asked_for_in_words_gets_the_command_as_a_button(
    bot_app: App, typed: str, command: str
) -> None:
    # It got the exfoliation FAQ with no hint that it could be a reminder (#17).
    hint = only(await say(bot_app, typed))
    assert hint.text.startswith("That sounds like a reminder.")
    assert hint.text.endswith(f"\n{command}")
    assert hint.button_payloads()[0] == "cmd:" + command.replace(" ", "~")
    assert account_snapshot(bot_app) == ()  # nothing set until asked
    made = only(await say(bot_app, button=hint.button_payloads()[0]))
    assert made.text.startswith("Reminder 1 set: "), made.text


async def test_a_reminder_about_a_topic_also_offers_its_answer(bot_app: App) -> None:
    hint = only(await say(bot_app, "remind me to exfoliate tomorrow at 9"))
    assert hint.button_payloads() == ["cmd:/remind~exfoliate~tomorrow~at~9", "faq:exfoliation"]
    assert_answer(only(await say(bot_app, button="faq:exfoliation")), "exfoliation")


async def test_a_reminder_too_long_for_a_button_is_still_spelled_out(bot_app: App) -> None:
    long = "remind me to apply the prescription retinoid cream on my upper back every day at 21:30"
    hint = only(await say(bot_app, long))
    assert hint.text.startswith("That sounds like a reminder. Send it to set it")
    assert hint.text.endswith("\n/remind apply the prescription retinoid cream on my upper back every day at 21:30")
    assert all(not p.startswith("cmd:/remind") for p in hint.button_payloads())


@pytest.mark.parametrize("text", ["I keep forgetting to remind myself", "how do reminders work?", "remind me"])
async def test_text_that_asks_for_no_reminder_is_a_question(bot_app: App, text: str) -> None:
    assert not only(await say(bot_app, text)).text.startswith("That sounds like a reminder.")


async def test_faq_only_users_get_no_account(bot_app: App) -> None:
    for text in (
        "/start",
        "/help",
        "/faq",
        "/faq laser",
        "how often should I exfoliate?",
        "hello",
        "/timezone",
        "/plan",
        "/plan exfoliation",
        "/reminders",
        "/export",
        "/forget",
        "/done 1",
    ):
        only(await say(bot_app, text))
    for payload in ("faq:peels", "cmd:/faq", "plan:exfoliation", "forget:no", "o:d:abc@1"):
        only(await say(bot_app, button=payload))
    assert account_snapshot(bot_app) == ()
    assert not any(bot_app.store.stats().values()), bot_app.store.stats()


# /export ---------------------------------------------------------------------------------------------------
async def test_export_is_json_with_my_reminders_and_history_and_nothing_of_anyone_else(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/timezone Europe/Berlin")
    await say(bot_app, "/remind cream every day at 13:30")
    await say(bot_app, "/remind exfoliate every mon,thu at 13:30")
    await say(bot_app, "/remind other person's lotion every day at 12:30", user="u2")
    fake_clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=UTC))
    await bot_app.scheduler.tick()
    await say(bot_app, "/done 1")
    await say(bot_app, "/done 1", user="u2")
    fake_clock.set(datetime(2026, 11, 26, 12, 30, tzinfo=UTC))
    await bot_app.scheduler.tick()  # cream and exfoliate go out again, unanswered

    reply = only(await say(bot_app, "/export"))
    assert reply.text == EXPORTED
    assert reply.private
    assert reply.attachment is not None
    assert reply.attachment.filename == "clearback-export.json"
    assert reply.attachment.mime_type == "application/json"
    data = json.loads(reply.attachment.data)
    mine = bot_app.regimen.account_for(Identity("console", "u1"))
    theirs = bot_app.regimen.account_for(Identity("console", "u2"))
    assert mine is not None and theirs is not None
    assert data["account"]["id"] == mine.id
    assert data["account"]["timezone"] == "Europe/Berlin"
    assert [i["key"] for i in data["identities"]] == ["console:u1"]
    assert [(r["number"], r["text"]) for r in data["reminders"]] == [(1, "cream"), (2, "exfoliate")]
    assert [(o["text"], o["status"], o["due"]) for o in data["history"]] == [
        ("cream", DONE, utc_ts(2026, 11, 25, 12, 30))
    ]
    assert sorted((o["text"], o["status"]) for o in data["open_occurrences"]) == [
        ("cream", SENT),
        ("exfoliate", SENT),
    ]
    # the running counts /progress reads are the person's data too: exactly what the store keeps
    stored = [bot_app.store.get_tally(r.id) for r in bot_app.store.reminders_of(mine.id)]
    assert data["tallies"] == [to_doc(t) for t in stored if t is not None]
    assert data["tallies"], "a reminder answered done has a tally"
    blob = reply.attachment.data.decode()
    for foreign in (theirs.id, "console:u2", "other person's lotion"):
        assert foreign not in blob


async def test_export_without_an_account(bot_app: App) -> None:
    assert only(await say(bot_app, "/export")) == Reply(
        text="I don't keep any data about you yet, so there is nothing to export."
    )


# /forget ---------------------------------------------------------------------------------------------------
async def two_people_with_history(app: App, clock: FakeClock) -> None:
    for user in ("u1", "u2"):
        await say(app, "/timezone Europe/Berlin", user=user)
        await say(app, f"/remind {user} cream every day at 13:30", user=user)
        await say(app, f"/remind {user} scrub every mon,thu at 20:00", user=user)
    clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=UTC))
    await app.scheduler.tick()
    for user in ("u1", "u2"):
        await say(app, "/done 1", user=user)
        await say(app, "/pause 2", user=user)


def forget_buttons(reply: Reply) -> tuple[str, str]:
    """The Yes and No payloads of a /forget question; both bound, naming the typed command they run."""
    yes, no = reply.button_payloads()
    assert yes.startswith("b:") and yes.endswith(":/forget~confirm")
    assert no.startswith("b:") and no.endswith(":/forget~cancel")
    return yes, no


async def test_forget_asks_first_and_no_keeps_everything(bot_app: App, fake_clock: FakeClock) -> None:
    await two_people_with_history(bot_app, fake_clock)
    before = account_snapshot(bot_app)
    ask = only(await say(bot_app, "/forget"))
    assert "This deletes all your data" in ask.text
    assert "/forget confirm" in ask.text
    _, no = forget_buttons(ask)
    assert account_snapshot(bot_app) == before
    assert only(await say(bot_app, button=no)) == Reply(text="Okay, I kept everything.", edit=True)
    assert only(await say(bot_app, button="forget:no")) == Reply(text="Okay, I kept everything.", edit=True)
    forget_buttons(only(await say(bot_app, "/forget please")))
    assert account_snapshot(bot_app) == before


@pytest.mark.parametrize("how", ["button", "typed"])
async def test_forget_yes_deletes_that_account_only(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock, how: str
) -> None:
    await two_people_with_history(bot_app, fake_clock)
    other_before = account_snapshot(bot_app, "u2")
    mine = bot_app.regimen.account_for(Identity("console", "u1"))
    assert mine is not None
    yes, _ = forget_buttons(only(await say(bot_app, "/forget")))
    reply = only(await say(bot_app, button=yes) if how == "button" else await say(bot_app, "/forget confirm"))
    assert reply == Reply(
        text="Done: I deleted all your data. If you come back, /start begins afresh. Take care!",
        edit=how == "button",
    )
    store = bot_app.store
    assert account_snapshot(bot_app) == ()
    assert store.get_account(mine.id) is None
    assert store.identities_of(mine.id) == []
    assert store.reminders_of(mine.id) == []
    assert store.open_occurrences_of(mine.id) == []
    assert store.history_of(mine.id) == []
    assert account_snapshot(bot_app, "u2") == other_before
    # Nothing of the deleted account is delivered any more; the other person's reminders still are.
    recording_sender.take()
    fake_clock.set(datetime(2026, 11, 26, 12, 30, tzinfo=UTC))
    await bot_app.scheduler.tick()
    assert [(address.chat_id, r.text.split("\n")[0]) for address, r in recording_sender.take()] == [
        ("u2", "⏰ Reminder 1: u2 cream")
    ]
    # A second confirmation finds nothing, and creates nothing.
    assert only(await say(bot_app, button=yes)).text == NO_DATA_FOR_BUTTON
    assert only(await say(bot_app, "/forget")).text == "I don't keep any data about you, so there is nothing to delete."
    assert account_snapshot(bot_app) == ()


# Forget confirmations are bound to the account they were made for (#11, item 8) --------------------------
@pytest.mark.parametrize("private", [True, False], ids=["forwarded", "group-chat"])
async def test_someone_else_pressing_a_forget_confirmation_changes_nothing(
    bot_app: App, fake_clock: FakeClock, private: bool
) -> None:
    await two_people_with_history(bot_app, fake_clock)
    mine_before, theirs_before = account_snapshot(bot_app, "u1"), account_snapshot(bot_app, "u2")
    yes, no = forget_buttons(only(await say(bot_app, "/forget", private=private)))
    for payload in (yes, no):
        refused = only(await say(bot_app, button=payload, user="u2", private=private))
        assert refused == Reply(text="That button was meant for someone else; to delete your own data send /forget.")
    assert account_snapshot(bot_app, "u1") == mine_before and account_snapshot(bot_app, "u2") == theirs_before
    # Somebody with no data at all pressing it: nothing to change either, and nothing created.
    stranger = only(await say(bot_app, button=yes, user="stranger", private=private))
    assert stranger.text == NO_DATA_FOR_BUTTON and account_snapshot(bot_app, "stranger") == ()
    only(await say(bot_app, button=yes, private=private))  # the owner's own press still works
    assert account_snapshot(bot_app, "u1") == () and account_snapshot(bot_app, "u2") == theirs_before


async def test_a_forget_button_from_before_bound_buttons_asks_again(bot_app: App, fake_clock: FakeClock) -> None:
    await two_people_with_history(bot_app, fake_clock)
    mine_before, theirs_before = account_snapshot(bot_app, "u1"), account_snapshot(bot_app, "u2")
    for user in ("u1", "u2"):  # the owner of an old message or anybody it was forwarded to
        asked = only(await say(bot_app, button="forget:yes", user=user))
        assert asked.text.startswith("That button is out of date, so nothing was changed.\nThis deletes all your data")
        assert not asked.edit
        forget_buttons(asked)
    assert account_snapshot(bot_app, "u1") == mine_before and account_snapshot(bot_app, "u2") == theirs_before
    yes, _ = forget_buttons(only(await say(bot_app, button="forget:yes", user="u2")))
    only(await say(bot_app, button=yes, user="u2"))  # confirming again, as asked, works
    assert account_snapshot(bot_app, "u2") == () and account_snapshot(bot_app, "u1") == mine_before
