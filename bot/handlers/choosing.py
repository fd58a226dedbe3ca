"""Answers to offered choices (bot.choices): a picked button, and /undo of the last reminder change."""

from __future__ import annotations

from collections.abc import Sequence

from bot import payloads
from bot.choices import Option, run
from bot.context import Context
from bot.models import MAX_PAYLOAD_BYTES, Button, Reply

PICK = "pick"  # the internal command a choice button runs: /pick <token> <index>
EXPIRED = (
    # Also when another press (on this process or another peer) answered it first: the same for the person.
    "That question has expired or was answered already (I keep them for a few hours). "
    "Nothing was changed; send the command again."
)
NOTHING_TO_UNDO = (
    "There's nothing to undo right now. Change a reminder with /edit N <when> or remove it with /delete N."
)


def _subject(ctx: Context) -> str:
    account = ctx.account()
    return payloads.subject(account.id if account else None, ctx.msg.identity.key)


def offer(ctx: Context, options: Sequence[Option], undo: Option | None = None) -> tuple[tuple[Button, ...], ...]:
    """Buttons for `options` (and an Undo first, when given), bound to whoever is asking."""
    listed = ([undo] if undo is not None else []) + list(options)
    if not listed:
        return ()
    subject = _subject(ctx)
    token = ctx.regimen.choices.offer(subject, listed, undo_index=0 if undo is not None else None)
    buttons = []
    for index, option in enumerate(listed):
        payload = payloads.bound(subject, f"/{PICK} {token} {index}")
        if len(payload.encode()) <= MAX_PAYLOAD_BYTES:
            buttons.append(Button(option.label, payload))
    # Two to a row: labels like "Fri 11 Dec 18:00" stay readable on a phone.
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def pick(ctx: Context, args: str) -> list[Reply]:
    words = args.split()
    if len(words) != 2 or not words[1].isdecimal():
        return [Reply(text=EXPIRED)]
    option = ctx.regimen.choices.take(_subject(ctx), words[0], int(words[1]))
    if option is None and ctx.account() is not None:  # offered before this person had an account
        option = ctx.regimen.choices.take(payloads.subject(None, ctx.msg.identity.key), words[0], int(words[1]))
    return _act(ctx, option, EXPIRED)


def undo(ctx: Context, args: str) -> list[Reply]:
    option = ctx.regimen.choices.take_undo(_subject(ctx))
    return _act(ctx, option, NOTHING_TO_UNDO)


def _act(ctx: Context, option: Option | None, otherwise: str) -> list[Reply]:
    """Run the picked option; a peer running an older version may not know its action (a rolling upgrade)."""
    done = run(ctx, option.action, option.args) if option is not None else None
    return done if done is not None else [Reply(text=otherwise)]
