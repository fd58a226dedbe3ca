"""An answer in one place edits every other message that showed the same occurrence."""

from __future__ import annotations

from dataclasses import replace

from bot.mirror import mirror_answer
from bot.models import Address, Identity, IncomingMessage
from storage.records import Delivery
from tests.storage.helpers import occurrence, reminder

SHOWN = replace(
    occurrence(reminder()),
    deliveries=(
        Delivery("telegram", "100", "7"),
        Delivery("discord", "200", "9"),
        Delivery("telegram", "100", None),  # its answer was lost: nothing to edit
    ),
)


def test_a_press_edits_the_other_copies_but_not_the_pressed_message() -> None:
    who, chat = Identity("telegram", "100"), Address("telegram", "100")
    pressed = IncomingMessage(who, chat, button="o:d:x@1", message_ref="7")
    [edit] = mirror_answer(pressed, SHOWN, "✅ Done")
    assert edit.address == Address("discord", "200") and edit.edit_ref == "9" and edit.text == "✅ Done"


def test_a_typed_answer_edits_every_copy_with_an_id() -> None:
    typed = IncomingMessage(Identity("telegram", "100"), Address("telegram", "100"), text="/done 1")
    edits = mirror_answer(typed, SHOWN, "✅ Done")
    where = [(e.address, e.edit_ref) for e in edits]
    assert where == [(Address("telegram", "100"), "7"), (Address("discord", "200"), "9")]
