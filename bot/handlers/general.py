"""Handlers for welcome, help, time zone, the FAQ, free-text questions, export and forget."""

from __future__ import annotations

import json

from bot import payloads
from bot.commands import COMMANDS
from bot.context import Context, clip
from bot.faq import Topic
from bot.faq_content import ENCOURAGEMENT
from bot.handlers.progress import export_csv
from bot.models import Attachment, Button, Reply
from bot.render import DISCLAIMER, when_text
from bot.timing.timezones import resolve_zone
from storage.records import to_doc

FAQ_COLUMNS = 2
NOTHING_KEPT = "I don't keep any data about you, so there is nothing to delete."
# What /forget answers once everything is deleted; the console also deletes the exports it saved on seeing it.
FORGOTTEN = "Done: I deleted all your data. If you come back, /start begins afresh. Take care!"
NOTHING_LEFT = "There's nothing left to delete."
ALL_GONE = frozenset({FORGOTTEN, NOTHING_LEFT, NOTHING_KEPT})  # /forget's answers when no data of theirs remains
ZONE_CHANGE_NOTE = "Repeating reminders keep their local times there; one-offs keep their exact moment."


def start(ctx: Context, args: str) -> list[Reply]:
    text = (
        "Hi, I'm ClearBack 👋 I help you treat back-acne scars and stick to your regimen.\n"
        "• I remind you to exfoliate your back a couple of times a week (and anything else you like).\n"
        "• Mark each reminder Done, Skip or Snooze, right from the message.\n"
        "• Ask me about treatments: exfoliation, creams and lotions, microdermabrasion, chemical peels, "
        "laser resurfacing.\n\n"
        f"{DISCLAIMER}\n\n"
        f"Next step: set your time zone (for example /timezone Europe/Berlin), then adopt the exfoliation plan.\n"
        f"{ENCOURAGEMENT}"
    )
    return [
        Reply(
            text=text,
            buttons=(
                (Button("Exfoliation plan", payloads.plan("exfoliation")),),
                (Button("Treatment FAQ", payloads.command("/faq")), Button("Help", payloads.command("/help"))),
            ),
        )
    ]


def help_(ctx: Context, args: str) -> list[Reply]:
    lines = ["Here's everything I understand (the same on every platform):"]
    for spec in COMMANDS:
        lines.append(f"{spec.usage} – {spec.summary}. e.g. {spec.examples[0]}")
    lines.append("You can also just ask a question, like: how often should I exfoliate?")
    lines.append("Times are in your own time zone; reminders have Done / Skip / Snooze buttons.")
    return [Reply(text="\n".join(lines))]


def timezone(ctx: Context, args: str) -> list[Reply]:
    if not args.strip():
        name = ctx.account_timezone_name()
        now = when_text(ctx.now.replace(second=0, microsecond=0).timestamp(), ctx.tz, ctx.now)
        return [
            Reply(
                text=f"Your time zone is {name} (it's {now} there). Change it with e.g. /timezone Europe/Berlin, "
                "/timezone berlin or /timezone UTC+2."
            )
        ]
    choice = resolve_zone(args)
    account = ctx.refresh(ctx.regimen.set_timezone(ctx.ensure_account(), choice.name))
    now = when_text(ctx.now.replace(second=0, microsecond=0).timestamp(), ctx.tz, ctx.now)
    lines = [f"Time zone set to {account.timezone} (it's {now} there). {ZONE_CHANGE_NOTE}"]
    if choice.warning:
        lines.append(choice.warning)
    if not ctx.regimen.store.reminders_of(account.id):
        lines.append("Next: adopt the exfoliation plan.")
        return [Reply(text="\n".join(lines), buttons=((Button("Exfoliation plan", payloads.plan("exfoliation")),),))]
    return [Reply(text="\n".join(lines))]


# FAQ -----------------------------------------------------------------------------------------------
def faq(ctx: Context, args: str) -> list[Reply]:
    if not args.strip():
        return [_topic_menu(ctx, "What would you like to know? Pick a topic, or just ask me a question.")]
    topic = ctx.faq.get(args)
    if topic is None:
        matches = ctx.faq.match(args, limit=1)
        topic = matches[0].topic if matches else None
    if topic is None:
        return [_topic_menu(ctx, f'I have no topic called "{clip(args)}". These are the topics I know:')]
    return [_topic_answer(ctx, topic)]


def press_faq(ctx: Context, topic_id: str) -> list[Reply]:
    topic = ctx.faq.get(topic_id)
    if topic is None:
        return [_topic_menu(ctx, "That topic is no longer available. These are the topics I know:")]
    return [_topic_answer(ctx, topic)]


def question(ctx: Context, text: str) -> list[Reply]:
    """Any message that is not a command is a question."""
    matches = ctx.faq.match(text, limit=3)
    if not matches:
        return [
            _topic_menu(
                ctx,
                "I'm not sure I understood that. I can answer questions about back acne and its scars, or you "
                "can pick a topic below. For commands, see /help.",
            )
        ]
    best = matches[0].topic
    reply = _topic_answer(ctx, best, also=[m.topic for m in matches[1:]])
    return [reply]


def _topic_answer(ctx: Context, topic: Topic, also: list[Topic] | None = None) -> Reply:
    related = [ctx.faq.get(r) for r in topic.related]
    extra = [t for t in (also or []) + [r for r in related if r is not None] if t.id != topic.id]
    seen: set[str] = set()
    buttons = []
    for t in extra:
        if t.id not in seen:
            seen.add(t.id)
            buttons.append(Button(t.title, payloads.faq(t.id)))
    rows = tuple(tuple(buttons[i : i + FAQ_COLUMNS]) for i in range(0, min(len(buttons), 4), FAQ_COLUMNS))
    return Reply(text=f"{topic.title}\n{topic.answer}\n\n{DISCLAIMER}", buttons=rows, private=False)


def _topic_menu(ctx: Context, intro: str) -> Reply:
    topics = ctx.faq.topics()
    buttons = [Button(t.title, payloads.faq(t.id)) for t in topics]
    rows = tuple(tuple(buttons[i : i + FAQ_COLUMNS]) for i in range(0, len(buttons), FAQ_COLUMNS))
    return Reply(text=intro, buttons=rows, private=False)


# Your data -------------------------------------------------------------------------------------------
def export(ctx: Context, args: str) -> list[Reply]:
    if args.strip().lower() == "csv":
        return export_csv(ctx)
    account = ctx.account()
    if account is None:
        return [Reply(text="I don't keep any data about you yet, so there is nothing to export.")]
    store = ctx.regimen.store
    data = {
        "exported_at": ctx.now.isoformat(),
        "account": to_doc(account),
        "identities": [to_doc(i) for i in store.identities_of(account.id)],
        "reminders": [to_doc(r) for r in store.reminders_of(account.id)],
        "open_occurrences": [to_doc(o) for o in store.open_occurrences_of(account.id)],
        "history": [to_doc(o) for o in store.history_of(account.id)],
    }
    blob = json.dumps(data, indent=2, ensure_ascii=False).encode()
    return [
        Reply(
            text="Here is everything I store about you, as JSON. Times are UTC epoch seconds.",
            attachment=Attachment(filename="clearback-export.json", data=blob, mime_type="application/json"),
        )
    ]


def forget(ctx: Context, args: str) -> list[Reply]:
    account = ctx.account()
    if account is None:
        return [Reply(text=NOTHING_KEPT)]
    answer = args.strip().lower()
    if answer in ("confirm", "yes"):
        return confirm_forget(ctx)
    if answer in ("cancel", "no"):
        return cancel_forget(ctx)
    # Bound to this account: pressed by anybody else (a forwarded message, a group chat), they change nothing.
    mine = payloads.subject(account.id, ctx.msg.identity.key)
    return [
        Reply(
            text=(
                "This deletes all your data: reminders, history and settings, on every linked platform. "
                "It can't be undone. Are you sure? (Typed: /forget confirm)"
            ),
            buttons=(
                (
                    Button("Yes, delete everything", payloads.bound(mine, "/forget confirm")),
                    Button("No, keep it", payloads.bound(mine, "/forget cancel")),
                ),
            ),
        )
    ]


def confirm_forget(ctx: Context) -> list[Reply]:
    account = ctx.account()
    if account is None:
        return [Reply(text=NOTHING_LEFT, edit=ctx.msg.button is not None)]
    ctx.regimen.forget(account)
    return [Reply(text=FORGOTTEN, edit=ctx.msg.button is not None)]


def cancel_forget(ctx: Context) -> list[Reply]:
    return [Reply(text="Okay, I kept everything.", edit=ctx.msg.button is not None)]
