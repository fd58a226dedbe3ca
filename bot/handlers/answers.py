"""The reply to an answered reminder (Done, Skip, Snooze), with an Undo that puts the answer back."""

from __future__ import annotations

from typing import Any

from bot.choices import Option, action
from bot.context import Context
from bot.handlers.choosing import offer
from bot.mirror import mirror_answer
from bot.models import Button, Reply
from bot.regimen import Answered
from bot.render import occurrence_buttons, outcome_message, undo_refused, undone_answer
from storage.records import Occurrence, Reminder, from_doc, to_doc


def answered(
    ctx: Context, before: Occurrence, answer: Answered, edit: bool = False, early: bool = False
) -> list[Reply]:
    """What the person sees after answering `before` (now `answer.occurrence`), and the same on their other
    platforms.

    A treatment series' answer moves the series on, so it has no Undo. `early`: the occurrence was made by the
    answer itself (a time still ahead); undoing takes it away again."""
    updated, reminder = answer  # the reminder as the answer left it, read under the answer's locks
    text = outcome_message(updated, ctx.tz, ctx.now, ctx.regimen.is_finished_as(updated, reminder))
    buttons: tuple[tuple[Button, ...], ...] = ()
    if reminder is not None and reminder.series is None:
        buttons = offer(ctx, [], _undo_option(before, updated, early, edit, reminder))
    return [Reply(text=text, edit=edit, buttons=buttons), *mirror_answer(ctx.msg, updated, text)]


def _undo_option(before: Occurrence, updated: Occurrence, early: bool, edit: bool, left: Reminder) -> Option:
    """The answer's Undo, as data: the records as they were and are (any process may be the one to undo)."""
    args = {"before": to_doc(before), "updated": to_doc(updated), "early": early, "edit": edit, "left": to_doc(left)}
    return Option("↩ Undo", "answer.undo", args)


@action("answer.undo")
def _undo(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    before, updated = from_doc(Occurrence, args["before"]), from_doc(Occurrence, args["updated"])
    early, edit = bool(args["early"]), bool(args["edit"])
    if not ctx.regimen.undo_answer(updated, before, early, from_doc(Reminder, args["left"])):
        return [Reply(text=undo_refused(before, ctx.tz, ctx.now))]
    buttons = () if early else occurrence_buttons(before, ctx.tz, ctx.now)
    return [Reply(text=undone_answer(before, early, ctx.tz, ctx.now), buttons=buttons, edit=edit)]
